"""A cheap content fingerprint: BLAKE2b of the size and the first and last 64 KiB.

It recognises a moved or renamed file without reading it whole (a multi-GB file costs
two 64 KiB reads). The file is opened non-blocking and checked to be a regular file
first, so a FIFO or device that replaced a file since it was listed cannot hang us.
"""

from __future__ import annotations

import hashlib
import os
import stat

CHUNK = 64 * 1024


class NotRegularFile(OSError):
    """The path is not a regular file (FIFO, device, socket, directory)."""


def read_head_tail(path: str | os.PathLike) -> tuple[int, bytes, bytes]:
    """Return ``(size, first 64 KiB, last 64 KiB)`` of a regular file (tail may overlap head).

    Raises
    ------
    OSError
        The file cannot be opened or read; :class:`NotRegularFile` if it is not a regular file.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"not a regular file: {os.fsdecode(path)}")
        size = st.st_size
        head = os.pread(fd, CHUNK, 0) if hasattr(os, "pread") else os.read(fd, CHUNK)
        if size <= CHUNK:
            tail = b""
        elif hasattr(os, "pread"):
            tail = os.pread(fd, CHUNK, size - CHUNK)
        else:  # pragma: no cover - Windows
            os.lseek(fd, size - CHUNK, os.SEEK_SET)
            tail = os.read(fd, CHUNK)
        return size, head, tail
    finally:
        os.close(fd)


def fingerprint_of(size: int, head: bytes, tail: bytes) -> str:
    """Hex BLAKE2b-128 of *size*, *head* and *tail*."""
    h = hashlib.blake2b(digest_size=16)
    h.update(size.to_bytes(8, "little"))
    h.update(head)
    h.update(tail)
    return h.hexdigest()


def fingerprint(path: str | os.PathLike) -> str:
    """The content fingerprint of the file at *path* (reads at most 128 KiB)."""
    return fingerprint_of(*read_head_tail(path))


def fingerprint_path(path: str | os.PathLike) -> str:
    """The content fingerprint of the file at *path* (reads at most 128 KiB).

    Raises
    ------
    OSError
        The file cannot be read, or is not a regular file.
    """
    return fingerprint_of(*read_head_tail(path))
