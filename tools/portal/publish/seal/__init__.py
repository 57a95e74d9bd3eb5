"""Sealing: the keys, and the staged site becomes site/: ciphertext, the public shells and the loader, padded and with one file time."""
