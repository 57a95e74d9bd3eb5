"""Trail: git as the audit trail (one transaction per change, trailers, history, verification)."""
