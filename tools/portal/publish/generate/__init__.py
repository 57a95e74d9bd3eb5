"""Generating: MkDocs and Material turn a tier's Markdown into its plaintext site (build/staging/), the one stage that runs the site generator."""
