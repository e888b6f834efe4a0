"""Files of Soundalike's own on disk: the per-user cache folder and the one atomic write.

:func:`write_atomic` is how every file of ours is replaced (the listening session, playlist
files, the measured CNN path, cover thumbnails): a temporary file in the same folder, written
and fsync'd, renamed over the old one, and the folder fsync'd so the rename itself survives a
power cut. A reader sees the old file or the new one, never a part of either.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

CACHE_ENV = "SOUNDALIKE_CACHE_DIR"


def cache_dir() -> Path:
    """``$SOUNDALIKE_CACHE_DIR``, else ``platformdirs.user_cache_dir("soundalike")``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("soundalike"))


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Replace *path* by *data* (``str`` is written as UTF-8) atomically and durably:
    temporary file, fsync, rename, fsync of the folder. Raises OSError (the old file, if
    any, is then untouched and no temporary file is left behind)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
