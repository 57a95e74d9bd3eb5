"""Publish: from the active submissions to site/, the only publishable folder (render, generate, seal, prove)."""
