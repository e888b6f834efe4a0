"""Asking for a background upkeep of the similarity index, and its lock — what an analysis
run and a query both need (the upkeep itself: :mod:`soundalike.library.recommend.index_upkeep`).

The index file ``library.index`` lies beside the database. :func:`request` starts
``python -m soundalike.library.recommend.index_upkeep DB``, a detached process at nice 10
that takes an exclusive ``flock`` on ``library.index.lock`` (one upkeep per library across
processes; the kernel frees the lock when the holder dies, also by kill -9) and rebuilds the
file if it is due. The analysis runs ask when they end, pause or go idle and every
:data:`PERIOD_S` seconds while they save analyses; a query asks when its file is due.
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

#: Seconds between upkeep requests while an analysis run keeps saving analyses.
PERIOD_S = 60.0
#: A process asks for an upkeep of one library at most this often (seconds).
MIN_GAP_S = 5.0
NICE = 10
#: the module the upkeep process runs
UPKEEP_MODULE = "soundalike.library.recommend.index_upkeep"

#: True in the upkeep process itself: its Recommender rebuilds a due file (never lenient).
IN_UPKEEP = False

_lock = threading.Lock()
_children: list[subprocess.Popen] = []
_last: dict[str, float] = {}


def index_path(db_path) -> Path | None:
    """``library.index`` beside the database ``library.db`` (None for an in-memory one)."""
    if db_path is None or str(db_path) == ":memory:":
        return None
    p = Path(db_path)
    return p.with_name(p.stem + ".index") if p.suffix else p.with_name(p.name + ".index")


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


def request(db_path) -> bool:
    """Start a background upkeep of the index of the library at *db_path* unless one runs
    or this process asked less than :data:`MIN_GAP_S` ago; True when one was started."""
    if IN_UPKEEP or db_path is None:
        return False
    index = index_path(db_path)
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
                [sys.executable, "-m", UPKEEP_MODULE, str(db_path)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                start_new_session=True, close_fds=True))
        except OSError:
            return False
    return True
