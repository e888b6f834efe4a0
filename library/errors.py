"""Errors raised by the library layer (store, tags, scanner, watcher)."""

from soundalike.engine.errors import SoundalikeError


class LibraryError(SoundalikeError):
    """The library database or a library operation failed; the message is plain words."""


class TagError(LibraryError):
    """A file's tags or stream information cannot be read."""
