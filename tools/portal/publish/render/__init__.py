"""Rendering: the active texts of a tier become Markdown pages, listings, the overview and the exports (templates/ are Jinja, every value escaped)."""
