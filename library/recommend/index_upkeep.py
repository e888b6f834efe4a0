"""Keeping the similarity index file up to date in the background, so that no query pays
a rebuild.

A query (:class:`~soundalike.library.recommend.recommender.Recommender`) overlays the
changes since the index file was built in memory; when that overlay passes
:func:`~.vector_index.overlay_limit` or the vector model is due a refit it keeps answering
from the old file plus the overlay (up to :func:`~.vector_index.lenient_limit` rows) and
calls :func:`request`. So do the analysis runs when they end, pause or go idle, and every
:data:`PERIOD_S` seconds while they save analyses (``soundalike analyze``/``watch``, the
player's background analysis, the bridge's ``work``).

:func:`request` starts ``python -m soundalike.library.recommend.index_upkeep DB``: a
detached process at nice 10 (it outlives a CLI call that asked for it) that takes an
exclusive ``flock`` on ``library.index.lock`` — one upkeep per library across processes;
the kernel frees the lock when the holder dies, also by kill -9 — and opens the library as
a query would but strictly: a file that is due (overlay past the limit, model due a refit,
file missing or damaged) is rebuilt, streaming, and atomically renamed in (see
:mod:`~.vector_index`); otherwise it only looks. Queries meanwhile keep the old file
mapped; a long-running one (the player, ``watch``) reopens the new file on its next
``refresh()``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from soundalike.library.recommend import vector_index

#: Seconds between upkeep requests while an analysis run keeps saving analyses.
PERIOD_S = 60.0
#: A process asks for an upkeep of one library at most this often (seconds).
MIN_GAP_S = 5.0
NICE = 10

#: True in the upkeep process itself: its Recommender rebuilds a due file (never lenient).
IN_UPKEEP = False

_lock = threading.Lock()
_children: list[subprocess.Popen] = []
_last: dict[str, float] = {}


def lock_path(index: Path) -> Path:
    return index.with_name(index.name + ".lock")


@contextlib.contextmanager
def held(index: Path, *, wait: bool = True):
    """Hold the library's upkeep lock; yields False (holding nothing) when *wait* is off
    and another process holds it."""
    fd = os.open(lock_path(index), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # frees the flock


@contextlib.contextmanager
def exclusive(index: Path | None):
    """Around a rebuild in a query (no file yet, or a change too large to overlay): wait
    for a background upkeep of the same library to end, so that two processes never build
    at once (the upkeep process itself holds the lock already)."""
    with contextlib.ExitStack() as stack:
        if index is not None and not IN_UPKEEP:
            with contextlib.suppress(OSError):  # a read-only folder: no lock, no upkeep
                stack.enter_context(held(index))
        yield


def busy(index: Path) -> bool:
    """Whether another process is keeping this library's index up to date now."""
    try:
        with held(index, wait=False) as got:
            return not got
    except OSError:
        return False


def replaced(state, index: Path | None) -> bool:
    """Whether another process renamed a new index file over the one *state* maps (a
    background upkeep rebuilt it): the next ``refresh()`` opens the new one."""
    if index is None or state.file.path is None or state.stamp is None:
        return False
    now = vector_index.file_stamp(index)
    return now is not None and now != state.stamp


def request(db_path) -> bool:
    """Start a background upkeep of the index of the library at *db_path* unless one runs
    or this process asked less than :data:`MIN_GAP_S` ago; True when one was started."""
    if IN_UPKEEP or db_path is None:
        return False
    index = vector_index.index_path(db_path)
    if index is None or not os.access(index.parent, os.W_OK):
        return False
    key = str(index)
    with _lock:
        for c in list(_children):  # reap the ended ones (no zombies in a long-running player)
            if c.poll() is not None:
                _children.remove(c)
        now = time.monotonic()
        if now - _last.get(key, -MIN_GAP_S) < MIN_GAP_S or busy(index):
            return False
        _last[key] = now
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}
        try:
            _children.append(subprocess.Popen(
                [sys.executable, "-m", __name__, str(db_path)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                start_new_session=True, close_fds=True))
        except OSError:
            return False
    return True


def upkeep(db_path) -> str:
    """Rebuild the index file of the library at *db_path* if it is due, holding the lock;
    return what was done: ``"busy"`` (another upkeep runs), ``"fresh"`` (nothing was due)
    or why the file was rebuilt."""
    global IN_UPKEEP
    from soundalike.library.recommend.recommender import Recommender
    from soundalike.library.store import Store

    IN_UPKEEP = True
    index = vector_index.index_path(db_path)
    with held(index, wait=False) as got:
        if not got:
            return "busy"
        with Store(db_path) as store:
            rec = Recommender(store)
            return rec.rebuilt_because or "fresh"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with contextlib.suppress(OSError):
        os.nice(NICE)
    print(upkeep(argv[0]), flush=True)
    return 0


if __name__ == "__main__":  # run through the package's module, whose IN_UPKEEP is read
    from soundalike.library.recommend import index_upkeep as _module

    sys.exit(_module.main())
