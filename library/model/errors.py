"""Errors raised by the library layer (store, tags, scanner, watcher)."""

from soundalike.engine.errors import SoundalikeError


class LibraryError(SoundalikeError):
    """The library database or a library operation failed; the message is plain words."""


class TagError(LibraryError):
    """A file's tags or stream information cannot be read."""


class DiskFullError(LibraryError):
    """A write found the disk full; it was rolled back and nothing stored was changed.

    ``free_bytes`` is the free space seen then, ``needed_bytes`` what a writer waits for
    before it tries again (:data:`soundalike.library.store.connection.FREE_SPACE_NEEDED`).
    """

    def __init__(self, message: str, *, free_bytes: int, needed_bytes: int):
        super().__init__(message)
        self.free_bytes = free_bytes
        self.needed_bytes = needed_bytes
