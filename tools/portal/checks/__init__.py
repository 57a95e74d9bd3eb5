"""Checks: from submission files to located problems (YAML, schema, rules across texts, reports)."""
