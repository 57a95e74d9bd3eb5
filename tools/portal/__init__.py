"""The cooperation portal of the Convention on Cluster Munitions."""

__version__ = "0.1.0"
