"""The Store's connection: opening, transactions, change events, path values.

Connection settings: WAL journal (readers never block the writer and the file survives
``kill -9`` at any moment), ``busy_timeout=10000``, ``foreign_keys=ON``,
``synchronous=NORMAL``. Every write runs inside a transaction (``with store.transaction():``
groups several), which takes the write lock up front (``BEGIN IMMEDIATE``, so a writer never
fails half-way on a lock) and retries with back-off while another process writes; bulk writes
use one short transaction per batch. Each connection registers the
SQL functions of the search semantic (:mod:`soundalike.library.model.search`): ``fold(text)``,
``search_text(…)`` and ``search_match(words, …)``.

**Threads:** a Store belongs to the thread that created it (sqlite3 enforces this);
another thread or process opens its own ``Store(path)`` on the same file. A read-only
Store (``read_only=True``) may be shared between threads by a caller that serialises its
use (:class:`soundalike.library.browse.LibraryReader` holds a lock).

**Paths:** ``Track.path`` and ``Folder.path`` are ``str``. A file name that is not valid
UTF-8 arrives as an ``os.fsdecode`` string with lone surrogates; such paths are stored as
BLOBs of the raw bytes and come back as the same string, so nothing is lost or mangled.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Self

import numpy as np

from soundalike.library.model.errors import DiskFullError, LibraryError
from soundalike.library.model.search import fold, search_match, search_text
from soundalike.library.model.states import StoreEvent

log = logging.getLogger("soundalike.library.store")

BUSY_TIMEOUT_MS = 10_000
#: How long a writer keeps retrying ``BEGIN IMMEDIATE`` on a busy database before it gives up
#: with a plain message (each attempt also waits up to ``BUSY_TIMEOUT_MS`` inside SQLite).
WRITE_PATIENCE_S = 30.0
BATCH_SIZE = 500
#: Free space a writer waits for after the disk filled up: the WAL grows to about 4 MB
#: (1000 pages) before a checkpoint copies it into the main file, which may grow as much.
FREE_SPACE_NEEDED = 16_000_000  # 16 MB


def is_busy(exc: sqlite3.Error) -> bool:
    """Is *exc* SQLite's "database is locked" / "database is busy"?"""
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc))


def default_db_path() -> Path:
    """``$SOUNDALIKE_DB`` if set, else ``platformdirs.user_data_dir("soundalike")/library.db``."""
    env = os.environ.get("SOUNDALIKE_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("soundalike")) / "library.db"


def db_path_param(path: str) -> str | bytes:
    """The SQLite value for *path*: the string, or its raw bytes if it is not valid UTF-8."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path)


def db_path_value(value: str | bytes) -> str:
    """Inverse of :func:`db_path_param`."""
    return os.fsdecode(value) if isinstance(value, bytes) else value


def free_space(path: str | os.PathLike) -> int:
    """Bytes an ordinary user may still write on the disk holding *path* (its folder);
    0 when that cannot be told."""
    folder = Path(path).parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


def disk_full_error(path: str | os.PathLike, exc: BaseException) -> DiskFullError | None:
    """The plain-words :class:`DiskFullError` for an SQLite error that means the disk is
    full (``SQLITE_FULL``, or an I/O error while less than :data:`FREE_SPACE_NEEDED` is
    free), else None."""
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    full = code == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
    io_error = code is not None and code & 0xFF == sqlite3.SQLITE_IOERR
    if not (full or io_error):
        return None  # a constraint, a busy lock …: the free space does not matter
    free = free_space(path)
    if not full and free >= FREE_SPACE_NEEDED:
        return None
    return DiskFullError(
        f"disk full: the change was not saved and the library is as it was "
        f"({free / 1e6:.1f} MB free next to {path}, {FREE_SPACE_NEEDED // 1_000_000} MB "
        "needed); free some space and try again",
        free_bytes=free, needed_bytes=FREE_SPACE_NEEDED)


def _user(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"user {uid}"


def permission_problem(path: str | os.PathLike, *, read_only: bool = False) -> str | None:
    """Plain words for why this user may not use the library file at *path* (unreadable,
    unwritable, or its folder read-only: WAL needs the ``-wal`` and ``-shm`` files beside it),
    or None when the permissions are not the problem."""
    path = Path(path)
    folder = path.parent
    me = _user(os.geteuid())
    if not path.exists():
        if folder.is_dir() and not os.access(folder, os.W_OK):
            return (f"cannot create the library database {path}: the folder {folder} is "
                    f"read-only for {me} (permission denied)")
        return None
    st = path.stat()
    if not os.access(path, os.R_OK):
        return (f"the library database {path} cannot be read by {me}: it belongs to "
                f"{_user(st.st_uid)} (permission denied)")
    if read_only:
        return None
    if not os.access(path, os.W_OK):
        return (f"the library database {path} cannot be written by {me}: it belongs to "
                f"{_user(st.st_uid)} and is read-only for others (permission denied)")
    if not os.access(folder, os.W_OK):
        return (f"the library database {path} cannot be used: its folder {folder} is "
                f"read-only for {me}, and SQLite must create files beside it "
                "(permission denied)")
    return None


def write_error(path: str | os.PathLike, exc: BaseException) -> LibraryError | None:
    """The plain-words error for an SQLite write failure a user can act on (a full disk, a
    read-only file), else None."""
    if (full := disk_full_error(path, exc)) is not None:
        return full
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, sqlite3.Error) and code is not None and code & 0xFF in (
            sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN):
        return LibraryError(permission_problem(path) or
                            f"the library database {path} cannot be written: {exc}")
    return None


def in_list(values) -> tuple[str, list[int]]:
    """``("IN (?, …)", [ints])`` for one whole number (a Python or numpy int) or several:
    the analysis versions a query accepts."""
    items = ([int(values)] if isinstance(values, int | np.integer)
             else [int(v) for v in values])
    return f"IN ({', '.join('?' * len(items))})", items


class StoreBase:
    """Connection, transactions and events; the table mixins build on these."""

    def __init__(self, path: str | os.PathLike | None = None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else default_db_path()
        self.read_only = read_only
        self._depth = 0
        self._events: list[tuple[StoreEvent, list[int]]] = []
        self._subscribers: list[Callable[[str, list[int]], None]] = []
        self._conn: sqlite3.Connection | None = None
        if read_only:
            self._open_read_only()
            return
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LibraryError(f"cannot create the folder for the library database "
                                   f"{self.path.parent}: {exc.strerror or exc}") from None
            if self.path.is_dir():
                raise LibraryError(f"the library database path {self.path} is a folder")
        try:
            self._conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000,
                                         isolation_level=None)
            self._register_functions()
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._refuse_newer()  # before anything that could write the file
            self._conn.execute("PRAGMA journal_mode=WAL").fetchone()
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.close()
            self._raise_open_error(exc)

    def _open_read_only(self) -> None:
        """A ``mode=ro`` connection that never writes or migrates (thread-shareable)."""
        try:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False,
                                         timeout=BUSY_TIMEOUT_MS / 1000)
            self._register_functions()
            self._conn.execute("PRAGMA query_only = ON")
        except sqlite3.DatabaseError as exc:
            self.close()
            self._raise_open_error(exc)

    def _raise_open_error(self, exc: sqlite3.DatabaseError):
        msg = str(exc)
        if (denied := permission_problem(self.path, read_only=self.read_only)) is not None:
            raise LibraryError(denied) from None
        if (full := disk_full_error(self.path, exc)) is not None:
            raise DiskFullError(
                f"disk full: the library database {self.path} cannot be opened "
                f"({full.free_bytes / 1e6:.1f} MB free, "
                f"{FREE_SPACE_NEEDED // 1_000_000} MB needed); free some space and try again",
                free_bytes=full.free_bytes, needed_bytes=FREE_SPACE_NEEDED) from None
        if "not a database" in msg or "malformed" in msg:
            raise LibraryError(f"{self.path} is not a Soundalike library database "
                               f"(or it is damaged): {msg}") from None
        raise LibraryError(f"cannot open the library database {self.path}: {msg}") from None

    def _register_functions(self) -> None:
        self._conn.create_function("fold", 1, fold, deterministic=True)
        self._conn.create_function("search_text", -1, search_text, deterministic=True)
        self._conn.create_function("search_match", -1, search_match, deterministic=True)

    def _migrate(self) -> None:  # MigrationsMixin
        raise NotImplementedError

    def _refuse_newer(self) -> None:  # MigrationsMixin
        raise NotImplementedError

    # -- the connection (private to library/store/) ----------------------------------------
    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LibraryError("the library database is closed")
        return self._conn

    def _all(self, sql: str, params: Iterable = ()) -> list[tuple]:
        return self._db.execute(sql, tuple(params)).fetchall()

    def _one(self, sql: str, params: Iterable = ()) -> tuple | None:
        return self._db.execute(sql, tuple(params)).fetchone()

    @property
    def closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._close_backup()
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transactions and events ----------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``); nests by joining the outer one.

        Rolls back on any exception. Subscribers hear about changes only after the commit.
        """
        conn = self._db
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._begin(conn)
        self._depth = 1
        try:
            yield
            self._depth = 0
            conn.execute("COMMIT")
        except BaseException as exc:  # in the body or at the commit: nothing is kept
            self._depth = 0
            self._events.clear()
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if (plain := write_error(self.path, exc)) is not None:
                raise plain from None
            raise
        events, self._events = self._events, []
        self._after_commit()
        for event, ids in events:
            self._notify(event, ids)

    def _after_commit(self) -> None:  # BackupMixin
        pass

    def _close_backup(self) -> None:  # BackupMixin
        pass

    def _begin(self, conn: sqlite3.Connection) -> None:
        """``BEGIN IMMEDIATE``, retried with growing, jittered pauses while another
        connection writes (each attempt also waits inside SQLite's busy handler), for up to
        :data:`WRITE_PATIENCE_S` in all; then a plain-words :class:`LibraryError`."""
        deadline = time.monotonic() + WRITE_PATIENCE_S
        pause = 0.05
        shortened = False
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not is_busy(exc):
                        if (plain := write_error(self.path, exc)) is not None:
                            raise plain from None
                        raise
                    left = deadline - time.monotonic() - pause
                    if left <= 0:
                        raise LibraryError(
                            f"the library database {self.path} is busy: another program has "
                            f"been writing to it for over {WRITE_PATIENCE_S:g} s, so this "
                            "change was not saved; close other Soundalike windows or commands "
                            "and try again") from None
                    log.info("library database busy; retrying in %.2f s", pause)
                    time.sleep(pause * random.uniform(0.5, 1.0))
                    pause = min(pause * 2, 2.0)
                    # the next attempt waits no longer than the patience left
                    wait_ms = max(1, min(BUSY_TIMEOUT_MS, int(left * 1000)))
                    conn.execute(f"PRAGMA busy_timeout={wait_ms}")
                    shortened = True
        finally:
            if shortened:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def subscribe(self, callback: Callable[[str, list[int]], None]) -> Callable[[], None]:
        """Call ``callback(event, track_ids)`` after each commit in this Store.

        *event* is a :class:`~soundalike.library.model.states.StoreEvent` (equal to its string:
        ``tracks-added``, ``tracks-changed``, ``tracks-moved``, ``tracks-missing``,
        ``tracks-removed``, ``analysis-saved``, ``analysis-failed``, ``folders-changed``,
        ``playlists-changed``, the last two with an empty id list). Returns an unsubscribe
        function. A callback that raises is logged and does not affect the store.
        """
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)
        return unsubscribe

    def _event(self, event: StoreEvent, ids: Iterable[int] = ()) -> None:
        if self._subscribers:
            self._events.append((event, list(ids)))

    def _notify(self, event: StoreEvent, ids: list[int]) -> None:
        for cb in list(self._subscribers):
            try:
                cb(event, ids)
            except Exception:  # a listener must never break the writer
                log.exception("store subscriber failed on %s", event)
