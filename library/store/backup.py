"""A small rotating backup of what cannot be redone: playlists, settings and music folders.

Tracks come back by rescanning the folders and analyses are a cache, so the backup leaves them
out and stays a few kilobytes even for a 100k-track library (a copy of the whole database with
SQLite's backup API would be hundreds of megabytes after every playlist change). Each backup is
a small SQLite file next to the library, ``library.db.backup-1`` (newest) … ``-3``:

    info(key, value)                                  -- written_at, source, schema_version
    folders(path, added_at)
    settings(key, value)                              -- the JSON text as stored
    playlists(name, created_at, updated_at)
    playlist_items(playlist, position, path)          -- songs by path: track ids are not kept

It is written whole to a temporary file, then the older ones shift down by renames (under a
lock file), so a half-written backup never replaces a good one. A Store writes one after a
commit that changed playlists, settings or folders, at most every :data:`BACKUP_INTERVAL_S`
seconds (a later change is written by a timer thread, with its own read-only connection, or on
``close()``). A failure to write one (a full disk, a read-only folder) is logged and changes
nothing else. :mod:`.recovery` restores from the newest readable one.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from soundalike.library.model.settings import CACHE_KEYS
from soundalike.library.store.connection import db_path_param, db_path_value

log = logging.getLogger("soundalike.library.store")

KEEP = 3                        # backups kept
BACKUP_INTERVAL_S = 10.0        # at most one backup per Store this often


def backup_paths(db_path: str | os.PathLike) -> list[Path]:
    """The backup files of the library at *db_path*, newest first (existing or not)."""
    return [Path(f"{db_path}.backup-{n}") for n in range(1, KEEP + 1)]


@dataclass
class Saved:
    """What a backup (or a damaged library) holds of the things that cannot be redone."""

    folders: dict[str, float] = field(default_factory=dict)             # path → added_at
    settings: dict[str, str] = field(default_factory=dict)              # key → JSON text
    playlists: dict[str, tuple[float | None, float | None, list[str]]] = field(
        default_factory=dict)                                           # name → (c, u, paths)
    written_at: float | None = None

    @property
    def songs(self) -> int:
        return sum(len(p[2]) for p in self.playlists.values())

    def empty(self) -> bool:
        return not (self.folders or self.settings or self.playlists)


def read_saved(conn: sqlite3.Connection) -> Saved:
    """Playlists (songs by path), settings and folders of a healthy library connection."""
    saved = Saved()
    for path, added in conn.execute("SELECT path, added_at FROM folders"):
        saved.folders[db_path_value(path)] = added
    for key, value in conn.execute("SELECT key, value FROM settings"):
        if key not in CACHE_KEYS:
            saved.settings[key] = value
    items: dict[int, list[str]] = {}
    for pid, path in conn.execute(
            "SELECT i.playlist_id, t.path FROM playlist_items i JOIN tracks t "
            "ON t.id = i.track_id ORDER BY i.playlist_id, i.position"):
        items.setdefault(int(pid), []).append(db_path_value(path))
    for pid, name, created, updated in conn.execute(
            "SELECT id, name, created_at, updated_at FROM playlists"):
        saved.playlists[name] = (created, updated, items.get(int(pid), []))
    return saved


def write_backup(db_path: str | os.PathLike, saved: Saved) -> Path:
    """Write *saved* as the newest backup of *db_path*, keeping :data:`KEEP`; its path."""
    paths = backup_paths(db_path)
    tmp = Path(f"{db_path}.backup-tmp-{os.getpid()}-{threading.get_ident()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE info(key TEXT PRIMARY KEY, value)")
        conn.execute("CREATE TABLE folders(path TEXT PRIMARY KEY, added_at REAL)")
        conn.execute("CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("CREATE TABLE playlists(name TEXT PRIMARY KEY, created_at REAL, "
                     "updated_at REAL)")
        conn.execute("CREATE TABLE playlist_items(playlist TEXT NOT NULL, "
                     "position INTEGER NOT NULL, path TEXT NOT NULL, "
                     "PRIMARY KEY (playlist, position))")
        conn.executemany("INSERT INTO info VALUES (?, ?)",
                         [("written_at", time.time()), ("source", str(db_path))])
        conn.executemany("INSERT INTO folders VALUES (?, ?)",
                         [(db_path_param(p), a) for p, a in saved.folders.items()])
        conn.executemany("INSERT INTO settings VALUES (?, ?)", saved.settings.items())
        for name, (created, updated, songs) in saved.playlists.items():
            conn.execute("INSERT INTO playlists VALUES (?, ?, ?)", (name, created, updated))
            conn.executemany("INSERT INTO playlist_items VALUES (?, ?, ?)",
                             [(name, n, db_path_param(p)) for n, p in enumerate(songs)])
        conn.execute("COMMIT")
    finally:
        conn.close()
    with _locked(f"{db_path}.backup-lock"):
        for older, newer in zip(paths[:0:-1], paths[-2::-1], strict=True):  # 2→3, 1→2
            if newer.exists():
                os.replace(newer, older)
        os.replace(tmp, paths[0])
    return paths[0]


def read_backup(path: str | os.PathLike) -> Saved:
    """The contents of one backup file; ``sqlite3.DatabaseError`` if it is damaged."""
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        check = conn.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise sqlite3.DatabaseError(f"the backup {path} is damaged: {check[0][0]}")
        saved = Saved()
        info = dict(conn.execute("SELECT key, value FROM info"))
        saved.written_at = info.get("written_at")
        saved.folders = {db_path_value(p): a for p, a in conn.execute("SELECT * FROM folders")}
        saved.settings = dict(conn.execute("SELECT key, value FROM settings"))
        songs: dict[str, list[str]] = {}
        for name, path_value in conn.execute(
                "SELECT playlist, path FROM playlist_items ORDER BY playlist, position"):
            songs.setdefault(name, []).append(db_path_value(path_value))
        for name, created, updated in conn.execute("SELECT * FROM playlists"):
            saved.playlists[name] = (created, updated, songs.get(name, []))
        return saved
    finally:
        conn.close()


def newest_backup(db_path: str | os.PathLike) -> tuple[Path, Saved] | None:
    """The newest backup of *db_path* that reads whole, or None."""
    for path in backup_paths(db_path):
        if not path.exists():
            continue
        try:
            return path, read_backup(path)
        except sqlite3.Error as exc:
            log.warning("skipping the backup %s: %s", path, exc)
    return None


@contextlib.contextmanager
def _locked(lock_path: str):
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def backup_now(db_path: str | os.PathLike) -> Path | None:
    """Back up the library at *db_path* from a read-only connection of its own (any thread);
    the backup's path, or None when there is nothing to keep or it could not be written."""
    try:
        conn = sqlite3.connect(Path(db_path).resolve().as_uri() + "?mode=ro", uri=True,
                               timeout=10)
        try:
            conn.execute("BEGIN")  # one consistent snapshot
            saved = read_saved(conn)
            conn.execute("COMMIT")
        finally:
            conn.close()
        if saved.empty() and not any(p.exists() for p in backup_paths(db_path)):
            return None
        return write_backup(db_path, saved)
    except (OSError, sqlite3.Error) as exc:  # never break the writer for its backup
        log.warning("could not back up the playlists and settings of %s: %s", db_path, exc)
        return None


class BackupMixin:
    """After a commit that changed playlists, settings or folders: a backup (throttled)."""

    _backup_wanted = False
    _backup_pending = False
    _backup_last = 0.0
    _backup_timer: threading.Timer | None = None

    def _backup_data_changed(self) -> None:
        """Called by the playlists, settings and folders writers inside their transaction."""
        self._backup_wanted = True

    def _after_commit(self) -> None:
        if not self._backup_wanted:
            return
        self._backup_wanted = False
        if str(self.path) == ":memory:" or self.read_only:
            return
        wait = self._backup_last + BACKUP_INTERVAL_S - time.monotonic()
        if wait <= 0:
            self._backup_last = time.monotonic()
            backup_now(self.path)
        elif self._backup_timer is None:  # one later backup covers every change until then
            self._backup_timer = threading.Timer(wait, self._backup_later)
            self._backup_timer.daemon = True
            self._backup_timer.start()

    def _backup_later(self) -> None:
        self._backup_timer = None
        self._backup_last = time.monotonic()
        backup_now(self.path)

    def _close_backup(self) -> None:
        timer, self._backup_timer = self._backup_timer, None
        if timer is not None:
            timer.cancel()
            backup_now(self.path)  # the change the timer was waiting to save
