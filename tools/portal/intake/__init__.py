"""Intake: from an e-mail or a document to a submission file in the guidance pattern."""
