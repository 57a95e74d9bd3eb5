"""Delivering: site/ goes to its public target (deploy) or is served on this machine for a preview (serve). It reads only site/."""
