"""The library cache: one SQLite file holding folders, tracks, analysis results and playlists.

Connection settings: WAL journal (readers never block the writer and the file survives
``kill -9`` at any moment), ``busy_timeout=10000``, ``foreign_keys=ON``,
``synchronous=NORMAL``. Every write runs inside a transaction (``with store.transaction():``
groups several); bulk writes use one transaction per batch.

The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS` are numbered forward
steps kept as data, applied on open inside one transaction and recorded in the
``schema_migrations`` table. They print nothing.

**Threads:** a :class:`Store` belongs to the thread that created it (sqlite3 enforces this);
another thread or process opens its own ``Store(path)`` on the same file.

**Paths:** ``Track.path`` and ``Folder.path`` are ``str``. A file name that is not valid
UTF-8 arrives as an ``os.fsdecode`` string with lone surrogates; such paths are stored as
BLOBs of the raw bytes and come back as the same string, so nothing is lost or mangled.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Self

import numpy as np
from soundalike.library.errors import LibraryError
from soundalike.library.track import STATUSES, TRACK_COLUMNS, Folder, Track, printable

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class Migration:
    """One forward schema step: ``version`` it produces, a ``name``, its SQL statements."""

    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", (
        """CREATE TABLE folders(
            id INTEGER PRIMARY KEY,
            path TEXT UNIQUE NOT NULL,
            added_at REAL NOT NULL)""",
        """CREATE TABLE tracks(
            id INTEGER PRIMARY KEY,
            path TEXT UNIQUE NOT NULL,
            folder_id INTEGER REFERENCES folders(id) ON DELETE SET NULL,
            size INTEGER, mtime REAL, fingerprint TEXT,
            title TEXT, artist TEXT, album TEXT, albumartist TEXT, genre TEXT,
            tracknumber INTEGER, discnumber INTEGER, year INTEGER,
            duration REAL, codec TEXT, samplerate INTEGER, channels INTEGER, bitrate INTEGER,
            mb_trackid TEXT, mb_albumid TEXT, mb_artistid TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending','analysed','failed','missing')),
            error TEXT,
            analysis_version INTEGER,
            added_at REAL, updated_at REAL)""",
        "CREATE INDEX tracks_status ON tracks(status)",
        "CREATE INDEX tracks_fingerprint ON tracks(fingerprint)",
        "CREATE INDEX tracks_artist ON tracks(artist)",
        "CREATE INDEX tracks_album ON tracks(album)",
        "CREATE INDEX tracks_folder ON tracks(folder_id)",
        """CREATE TABLE analysis(
            track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            features BLOB NOT NULL,
            tags BLOB NOT NULL,
            embedding BLOB NOT NULL,
            duration REAL,
            created_at REAL NOT NULL)""",
        """CREATE TABLE playlists(
            id INTEGER PRIMARY KEY,
            name TEXT UNIQUE NOT NULL,
            created_at REAL, updated_at REAL)""",
        """CREATE TABLE playlist_items(
            playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            PRIMARY KEY (playlist_id, position))""",
        "CREATE INDEX playlist_items_track ON playlist_items(track_id)",
        "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )),
)
SCHEMA_VERSION = MIGRATIONS[-1].version

_TRACK_SELECT = "SELECT " + ", ".join(TRACK_COLUMNS) + " FROM tracks"
_PATH_INDEX = TRACK_COLUMNS.index("path")
_TEXT_COLUMNS = frozenset({"fingerprint", "title", "artist", "album", "albumartist", "genre",
                           "codec", "mb_trackid", "mb_albumid", "mb_artistid", "error"})
_WRITABLE = tuple(c for c in TRACK_COLUMNS if c not in ("id", "added_at"))
_ORDERS = {
    "artist": "COALESCE(artist, albumartist, '') COLLATE NOCASE, album COLLATE NOCASE, "
              "discnumber, tracknumber, path",
    "album": "album COLLATE NOCASE, discnumber, tracknumber, path",
    "title": "COALESCE(title, path) COLLATE NOCASE, path",
    "path": "path",
    "added": "added_at DESC, id DESC",
    "id": "id",
    "year": "year, album COLLATE NOCASE, tracknumber",
    "duration": "duration",
}


class AnalysisRow(NamedTuple):
    """One analysed track's vectors (float32 arrays) as stored in ``analysis``."""

    track_id: int
    version: int
    features: np.ndarray
    tags: np.ndarray
    embedding: np.ndarray
    duration: float | None


@dataclass(slots=True)
class Playlist:
    """A saved playlist (``playlists`` row) and its number of items."""

    id: int
    name: str
    created_at: float | None
    updated_at: float | None
    size: int = 0


class IndexEntry(NamedTuple):
    """What the scanner needs to know about a stored track to skip an unchanged file."""

    id: int
    size: int | None
    mtime: float | None
    status: str
    fingerprint: str | None
    folder_id: int | None


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


def _clean(column: str, value: Any) -> Any:
    if column == "path":
        return db_path_param(value)
    if isinstance(value, str) and column in _TEXT_COLUMNS:
        return printable(value)
    return value


def _to_blob(values: Any) -> bytes:
    return np.ascontiguousarray(values, dtype="<f4").tobytes()


def _from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


class Store:
    """The library database. Opens (creating and migrating) the file at *path*.

    Parameters
    ----------
    path : str or Path, optional
        The database file; default :func:`default_db_path`. ``":memory:"`` works for tests.

    Raises
    ------
    LibraryError
        The file cannot be created or opened, is not a Soundalike database, or was written
        by a newer version of Soundalike.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_db_path()
        self._depth = 0
        self._events: list[tuple[str, list[int]]] = []
        self._subscribers: list[Callable[[str, list[int]], None]] = []
        self._conn: sqlite3.Connection | None = None
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
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA journal_mode=WAL").fetchone()
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.close()
            msg = str(exc)
            if "not a database" in msg or "malformed" in msg:
                raise LibraryError(f"{self.path} is not a Soundalike library database "
                                   f"(or it is damaged): {msg}") from None
            raise LibraryError(f"cannot open the library database {self.path}: {msg}") from None

    # -- connection, transactions, events -------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        """The raw connection (for read queries other modules need; write through methods)."""
        if self._conn is None:
            raise LibraryError("the library database is closed")
        return self._conn

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``); nests by joining the outer one.

        Rolls back on any exception. Subscribers hear about changes only after the commit.
        """
        conn = self.conn
        if self._depth:
            self._depth += 1
            try:
                yield conn
            finally:
                self._depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LibraryError(f"the library database {self.path} is busy: another program "
                                   "kept it locked for over 10 s; try again") from None
            raise
        self._depth = 1
        try:
            yield conn
        except BaseException:
            self._depth = 0
            self._events.clear()
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            conn.execute("COMMIT")
        except BaseException:
            self._events.clear()
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        events, self._events = self._events, []
        for event, ids in events:
            self._notify(event, ids)

    def subscribe(self, callback: Callable[[str, list[int]], None]) -> Callable[[], None]:
        """Call ``callback(event, track_ids)`` after each commit in this Store.

        Events: ``tracks-added``, ``tracks-changed``, ``tracks-moved``, ``tracks-missing``,
        ``tracks-removed``, ``analysis-saved``, ``analysis-failed``, ``folders-changed``,
        ``playlists-changed`` (the last two with an empty id list). Returns an unsubscribe
        function. A callback that raises is logged and does not affect the store.
        """
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)
        return unsubscribe

    def _event(self, event: str, ids: Iterable[int] = ()) -> None:
        if self._subscribers:
            self._events.append((event, list(ids)))

    def _notify(self, event: str, ids: list[int]) -> None:
        for cb in list(self._subscribers):
            try:
                cb(event, ids)
            except Exception:  # a listener must never break the writer
                log.exception("store subscriber failed on %s", event)

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        conn = self.conn
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise LibraryError(
                f"the library database {self.path} was written by a newer Soundalike "
                f"(schema {current}; this version understands up to {SCHEMA_VERSION})")
        if current == SCHEMA_VERSION:
            return
        with self.transaction():
            current = self.schema_version()  # another process may have migrated meanwhile
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations("
                         "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL)")
            for migration in MIGRATIONS:
                if migration.version <= current:
                    continue
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute("INSERT OR REPLACE INTO schema_migrations VALUES (?, ?, ?)",
                             (migration.version, migration.name, time.time()))
                conn.execute(f"PRAGMA user_version={int(migration.version)}")

    def applied_migrations(self) -> list[tuple[int, str]]:
        """``(version, name)`` of every migration recorded in this database."""
        return [(int(v), n) for v, n in self.conn.execute(
            "SELECT version, name FROM schema_migrations ORDER BY version")]

    def integrity_check(self) -> str:
        """``"ok"`` or SQLite's description of the damage."""
        return "; ".join(r[0] for r in self.conn.execute("PRAGMA integrity_check"))

    # -- folders --------------------------------------------------------------------------
    def add_folder(self, path: str | os.PathLike) -> int:
        """Add a music folder (stored as an absolute path); return its id (existing or new)."""
        p = os.path.abspath(os.fsdecode(path))
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM folders WHERE path = ?",
                               (db_path_param(p),)).fetchone()
            if row:
                return int(row[0])
            cur = conn.execute("INSERT INTO folders(path, added_at) VALUES (?, ?)",
                               (db_path_param(p), time.time()))
            self._event("folders-changed")
            return int(cur.lastrowid)

    def remove_folder(self, path: str | os.PathLike) -> bool:
        """Forget a music folder. Its tracks are marked ``missing`` (not dropped: their
        analysis survives until :meth:`purge_missing`, and re-adding the folder revives them).
        Returns False if the folder was not configured."""
        p = os.path.abspath(os.fsdecode(path))
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM folders WHERE path = ?",
                               (db_path_param(p),)).fetchone()
            if not row:
                return False
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM tracks WHERE folder_id = ? AND status != 'missing'", row)]
            self.mark_missing(ids)
            conn.execute("DELETE FROM folders WHERE id = ?", row)
            self._event("folders-changed")
            return True

    def folders(self) -> list[Folder]:
        return [Folder(int(i), db_path_value(p), float(a)) for i, p, a in self.conn.execute(
            "SELECT id, path, added_at FROM folders ORDER BY path")]

    # -- reading tracks -------------------------------------------------------------------
    @staticmethod
    def _track(row: tuple) -> Track:
        t = Track(*row)
        if isinstance(t.path, bytes):
            t.path = db_path_value(t.path)
        return t

    def get_track(self, track_id: int) -> Track | None:
        row = self.conn.execute(_TRACK_SELECT + " WHERE id = ?", (track_id,)).fetchone()
        return self._track(row) if row else None

    def get_tracks(self, track_ids: Iterable[int]) -> list[Track]:
        """The tracks with these ids, in the given order (unknown ids skipped)."""
        ids = list(track_ids)
        found: dict[int, Track] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            q = _TRACK_SELECT + f" WHERE id IN ({','.join('?' * len(chunk))})"
            for row in self.conn.execute(q, chunk):
                found[row[0]] = self._track(row)
        return [found[i] for i in ids if i in found]

    def track_by_path(self, path: str | os.PathLike) -> Track | None:
        row = self.conn.execute(_TRACK_SELECT + " WHERE path = ?",
                                (db_path_param(os.fsdecode(path)),)).fetchone()
        return self._track(row) if row else None

    def tracks_by_fingerprint(self, fingerprint: str) -> list[Track]:
        return [self._track(r) for r in self.conn.execute(
            _TRACK_SELECT + " WHERE fingerprint = ? ORDER BY id", (fingerprint,))]

    @staticmethod
    def _where(query: str | None, status: str | None) -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        if status is not None:
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
            clauses.append("status = ?")
            params.append(status)
        for word in (query or "").split():
            like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append("(" + " OR ".join(
                f"{c} LIKE ? ESCAPE '\\'" for c in ("artist", "title", "album", "albumartist",
                                                    "path")) + ")")
            params.extend([like] * 5)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def tracks(self, query: str | None = None, status: str | None = None,
               limit: int | None = None, offset: int = 0, order_by: str = "artist"
               ) -> list[Track]:
        """Tracks whose artist/title/album/album artist/path contain every word of *query*
        (case-insensitive), optionally with one *status*, sorted by *order_by*
        (artist, album, title, path, added, id, year, duration)."""
        if order_by not in _ORDERS:
            raise ValueError(f"unknown order {order_by!r}; use one of {', '.join(_ORDERS)}")
        where, params = self._where(query, status)
        sql = _TRACK_SELECT + where + " ORDER BY " + _ORDERS[order_by]
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            params += [-1 if limit is None else int(limit), int(offset)]
        return [self._track(r) for r in self.conn.execute(sql, params)]

    def count_tracks(self, query: str | None = None, status: str | None = None) -> int:
        where, params = self._where(query, status)
        return int(self.conn.execute("SELECT COUNT(*) FROM tracks" + where, params).fetchone()[0])

    def counts(self) -> dict[str, int]:
        """``{"tracks", "pending", "analysed", "failed", "missing"}`` as ints."""
        out = {"tracks": 0, **{s: 0 for s in STATUSES}}
        for status, n in self.conn.execute("SELECT status, COUNT(*) FROM tracks GROUP BY status"):
            out[status] = int(n)
            out["tracks"] += int(n)
        return out

    def failures(self) -> list[tuple[str, str]]:
        """``(path, reason)`` of every failed track, by path."""
        return [(db_path_value(p), e or "unknown error") for p, e in self.conn.execute(
            "SELECT path, error FROM tracks WHERE status = 'failed' ORDER BY path")]

    def pending_for_analysis(self, version: int, limit: int | None = None) -> list[Track]:
        """Tracks to analyse: ``pending``, or ``analysed`` with another analysis version."""
        sql = (_TRACK_SELECT + " WHERE status = 'pending' OR (status = 'analysed' AND "
               "(analysis_version IS NULL OR analysis_version != ?)) ORDER BY id")
        params: list = [version]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [self._track(r) for r in self.conn.execute(sql, params)]

    def stat_index(self) -> dict[str, IndexEntry]:
        """``path → IndexEntry(id, size, mtime, status, fingerprint, folder_id)`` for every
        track, in one query (what an incremental scan compares against)."""
        return {db_path_value(p): IndexEntry(i, s, m, st, fp, f) for i, p, s, m, st, fp, f in
                self.conn.execute("SELECT id, path, size, mtime, status, fingerprint, folder_id "
                                  "FROM tracks")}

    # -- writing tracks -------------------------------------------------------------------
    def add_tracks(self, tracks: Iterable[Track]) -> list[int]:
        """Insert new tracks in one transaction; set and return their ids."""
        now = time.time()
        ids: list[int] = []
        cols = [c for c in TRACK_COLUMNS if c != "id"]
        sql = f"INSERT INTO tracks({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        with self.transaction() as conn:
            for t in tracks:
                t.added_at = t.added_at or now
                t.updated_at = now
                cur = conn.execute(sql, [_clean(c, getattr(t, c)) for c in cols])
                t.id = int(cur.lastrowid)
                ids.append(t.id)
            self._event("tracks-added", ids)
        return ids

    def add_track(self, track: Track) -> int:
        return self.add_tracks([track])[0]

    def update_tracks(self, tracks: Iterable[Track], *, event: str = "tracks-changed") -> None:
        """Write every column (but ``id`` and ``added_at``) of existing tracks, one transaction."""
        now = time.time()
        sql = f"UPDATE tracks SET {', '.join(c + ' = ?' for c in _WRITABLE)} WHERE id = ?"
        ids = []
        with self.transaction() as conn:
            for t in tracks:
                t.updated_at = now
                conn.execute(sql, [_clean(c, getattr(t, c)) for c in _WRITABLE] + [t.id])
                ids.append(t.id)
            self._event(event, ids)

    def mark_missing(self, track_ids: Iterable[int]) -> int:
        """Mark tracks ``missing`` (their analysis is kept); return how many changed."""
        ids = [(i,) for i in track_ids]
        if not ids:
            return 0
        now = time.time()
        with self.transaction() as conn:
            cur = conn.executemany("UPDATE tracks SET status = 'missing', updated_at = ? "
                                   "WHERE id = ? AND status != 'missing'",
                                   [(now, i) for (i,) in ids])
            changed = cur.rowcount
            self._event("tracks-missing", [i for (i,) in ids])
        return changed

    def revive(self, track_ids: Iterable[int]) -> None:
        """Bring back ``missing`` tracks: ``analysed`` if they have an analysis row (a stale
        version is then picked up by :meth:`pending_for_analysis`), else ``failed`` if they
        had failed (the reason is kept), else ``pending``."""
        ids = [(i,) for i in track_ids]
        if not ids:
            return
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE tracks SET updated_at = ?, status = CASE WHEN EXISTS "
                "(SELECT 1 FROM analysis a WHERE a.track_id = tracks.id) THEN 'analysed' "
                "WHEN error IS NOT NULL THEN 'failed' "
                "ELSE 'pending' END WHERE id = ? AND status = 'missing'",
                [(time.time(), i) for (i,) in ids])
            self._event("tracks-changed", [i for (i,) in ids])

    def move_track(self, track_id: int, new_path: str, *, folder_id: int | None = None,
                   size: int | None = None, mtime: float | None = None) -> None:
        """Point an existing track (and so its analysis) at its new path, reviving it if it
        was missing. A stale row already at *new_path* is deleted first."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM tracks WHERE path = ? AND id != ?",
                         (db_path_param(new_path), track_id))
            conn.execute("UPDATE tracks SET path = ?, folder_id = COALESCE(?, folder_id), "
                         "size = COALESCE(?, size), mtime = COALESCE(?, mtime), updated_at = ? "
                         "WHERE id = ?", (db_path_param(new_path), folder_id, size, mtime,
                                          time.time(), track_id))
            self.revive([track_id])
            self._event("tracks-moved", [track_id])

    def delete_tracks(self, track_ids: Iterable[int]) -> int:
        """Drop tracks with their analysis and playlist entries."""
        ids = [(i,) for i in track_ids]
        with self.transaction() as conn:
            conn.executemany("DELETE FROM tracks WHERE id = ?", ids)
            self._event("tracks-removed", [i for (i,) in ids])
        return len(ids)

    def purge_missing(self) -> int:
        """Delete every ``missing`` track (and its analysis); return how many."""
        ids = [r[0] for r in self.conn.execute("SELECT id FROM tracks WHERE status = 'missing'")]
        return self.delete_tracks(ids) if ids else 0

    # -- analysis -------------------------------------------------------------------------
    def save_analysis(self, track_id: int, *, version: int, features, tags, embedding,
                      duration: float | None) -> None:
        """Store one track's vectors and mark it ``analysed`` (one transaction)."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO analysis(track_id, version, features, tags, "
                         "embedding, duration, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (track_id, int(version), _to_blob(features), _to_blob(tags),
                          _to_blob(embedding), None if duration is None else float(duration),
                          time.time()))
            conn.execute("UPDATE tracks SET status = CASE WHEN status = 'missing' THEN "
                         "'missing' ELSE 'analysed' END, analysis_version = ?, error = NULL, "
                         "duration = COALESCE(duration, ?), updated_at = ? WHERE id = ?",
                         (int(version), duration, time.time(), track_id))
            self._event("analysis-saved", [track_id])

    def save_failure(self, track_id: int, reason: str) -> None:
        """Mark a track ``failed`` with a plain-words *reason*."""
        with self.transaction() as conn:
            conn.execute("UPDATE tracks SET status = 'failed', error = ?, updated_at = ? "
                         "WHERE id = ? AND status != 'missing'",
                         (printable(str(reason)), time.time(), track_id))
            self._event("analysis-failed", [track_id])

    def get_analysis(self, track_id: int) -> AnalysisRow | None:
        row = self.conn.execute("SELECT track_id, version, features, tags, embedding, duration "
                                "FROM analysis WHERE track_id = ?", (track_id,)).fetchone()
        return self._analysis(row) if row else None

    @staticmethod
    def _analysis(row: tuple) -> AnalysisRow:
        tid, version, f, t, e, d = row
        return AnalysisRow(int(tid), int(version), _from_blob(f), _from_blob(t), _from_blob(e), d)

    def analysis_rows(self, version: int | None = None) -> Iterator[AnalysisRow]:
        """Analysis of every ``analysed`` track (optionally of one *version*), by track id."""
        sql = ("SELECT a.track_id, a.version, a.features, a.tags, a.embedding, a.duration "
               "FROM analysis a JOIN tracks t ON t.id = a.track_id WHERE t.status = 'analysed'")
        params: list = []
        if version is not None:
            sql += " AND a.version = ?"
            params.append(int(version))
        cur = self.conn.execute(sql + " ORDER BY a.track_id", params)
        try:
            while rows := cur.fetchmany(1000):  # streamed: 100k rows never sit in memory twice
                for row in rows:
                    yield self._analysis(row)
        finally:
            cur.close()

    # -- playlists ------------------------------------------------------------------------
    def playlists(self) -> list[Playlist]:
        return [Playlist(int(i), n, c, u, int(k)) for i, n, c, u, k in self.conn.execute(
            "SELECT p.id, p.name, p.created_at, p.updated_at, "
            "(SELECT COUNT(*) FROM playlist_items i WHERE i.playlist_id = p.id) "
            "FROM playlists p ORDER BY p.name COLLATE NOCASE")]

    def create_playlist(self, name: str, track_ids: Iterable[int] = ()) -> int:
        """Create a playlist (or replace the items of the one with this *name*); return its id."""
        name = printable(str(name)).strip()
        if not name:
            raise LibraryError("a playlist needs a name")
        now = time.time()
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM playlists WHERE name = ?", (name,)).fetchone()
            if row:
                pid = int(row[0])
                conn.execute("UPDATE playlists SET updated_at = ? WHERE id = ?", (now, pid))
            else:
                pid = int(conn.execute("INSERT INTO playlists(name, created_at, updated_at) "
                                       "VALUES (?, ?, ?)", (name, now, now)).lastrowid)
            self.set_playlist_tracks(pid, track_ids)
        return pid

    def set_playlist_tracks(self, playlist_id: int, track_ids: Iterable[int]) -> None:
        """Replace a playlist's items (in order)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM playlist_items WHERE playlist_id = ?", (playlist_id,))
            conn.executemany("INSERT INTO playlist_items(playlist_id, position, track_id) "
                             "VALUES (?, ?, ?)",
                             [(playlist_id, n, int(t)) for n, t in enumerate(track_ids)])
            conn.execute("UPDATE playlists SET updated_at = ? WHERE id = ?",
                         (time.time(), playlist_id))
            self._event("playlists-changed")

    def playlist_tracks(self, playlist_id: int) -> list[Track]:
        cols = ", ".join("t." + c for c in TRACK_COLUMNS)
        return [self._track(r) for r in self.conn.execute(
            f"SELECT {cols} FROM playlist_items i JOIN tracks t ON t.id = i.track_id "
            "WHERE i.playlist_id = ? ORDER BY i.position", (playlist_id,))]

    def delete_playlist(self, playlist_id: int) -> bool:
        with self.transaction() as conn:
            n = conn.execute("DELETE FROM playlists WHERE id = ?", (playlist_id,)).rowcount
            self._event("playlists-changed")
        return n > 0

    # -- settings -------------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError:
            return default

    def set_setting(self, key: str, value: Any) -> None:
        text = json.dumps(value)
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, text))
