"""Soundalike: a music player that knows which songs sound alike."""

__version__ = "0.1.0"
