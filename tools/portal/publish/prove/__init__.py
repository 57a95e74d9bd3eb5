"""Proving: the published folder is read back and shown to be sealed (sealcheck), and no reader can read a text not theirs (crosstier, leaks)."""
