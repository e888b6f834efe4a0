"""The start-up check of the library file, and the recovery of a damaged one.

:func:`ensure_healthy` (called once at start by the GUI and the CLI) looks at the file: the
SQLite header, then ``PRAGMA quick_check`` (every page's B-tree structure, not the indexes'
agreement with their tables: see benchmarks/RESULTS.md for its cost on a 100k-track library).
A file that is not a database, fails the check, or is empty while backups exist is damaged:

(The whole-file check runs at most once a day; the tables that cannot be redone at every start.)

1. it is moved aside as ``library.db.damaged-<date>`` (its ``-wal`` along with it; an
   earlier one is never overwritten);
2. what SQLite can still read of it is salvaged, table by table and, past damage, row by row
   (our own reading rather than the ``sqlite3`` shell's ``.recover``, which Python does not
   ship and a user may lack): folders, settings, playlists and the paths of the tracks;
3. merged with the newest readable backup (:mod:`.backup`): a playlist read whole from the
   damaged file wins, else the one with more songs;
4. a fresh library is made with the folders, settings and playlists, and a track row (to be
   re-read) for every salvaged path; the caller rescans the folders, which re-reads every
   track, marks vanished ones missing and adds new ones. Analyses are redone.

Nothing here runs if the file is healthy, missing, or cannot be read for another reason (a
permission, a full disk, a busy lock): opening the Store reports those in plain words.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from soundalike.library.model.errors import LibraryError
from soundalike.library.model.settings import CACHE_KEYS
from soundalike.library.store.backup import (
    Saved,
    backup_paths,
    newest_backup,
)
from soundalike.library.store.connection import db_path_param, db_path_value

log = logging.getLogger("soundalike.library.store")

SQLITE_HEADER = b"SQLite format 3\x00"
_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_MAX_SKIPS = 64  # row-by-row salvage: attempts to jump past one damaged stretch
#: Checked at every start; the whole file only every FULL_CHECK_INTERVAL_S.
PRECIOUS_TABLES = ("sqlite_schema", "folders", "settings", "playlists", "playlist_items")
FULL_CHECK_INTERVAL_S = 24 * 3600
LIBRARY_NAME = "library.db"  # the default file name (connection.default_db_path)


@dataclass
class RecoveryReport:
    """What :func:`ensure_healthy` did with a damaged library."""

    path: Path                         # the library (now a fresh file)
    reason: str                        # why it was set aside
    damaged_copy: Path | None          # where the damaged file went
    folders: int = 0
    playlists: int = 0
    songs: int = 0                     # playlist entries restored
    settings: int = 0
    tracks: int = 0                    # track paths salvaged, to be re-read by the rescan
    from_file: bool = False            # something was salvaged from the damaged file
    backup: Path | None = None         # the backup used, if any
    backup_time: float | None = None
    lost_playlists: list[str] = field(default_factory=list)

    def message(self) -> str:
        """Plain words for the user (several sentences, one paragraph)."""
        parts = [f"The library database {self.path} was damaged ({self.reason})."]
        if self.damaged_copy is not None:
            parts.append(f"It was kept aside as {self.damaged_copy.name}.")
        sources = []
        if self.from_file:
            sources.append("the damaged file")
        if self.backup is not None:
            when = (datetime.datetime.fromtimestamp(self.backup_time).strftime("%Y-%m-%d %H:%M")
                    if self.backup_time else "an earlier time")
            sources.append(f"the backup of {when}")
        if sources:
            parts.append(
                f"Recovered from {' and '.join(sources)}: {_n(self.playlists, 'playlist')} "
                f"({_n(self.songs, 'song')}), {_n(self.settings, 'setting')}, "
                f"{_n(self.folders, 'music folder')}.")
        else:
            parts.append("Nothing could be recovered from it and there is no backup; "
                         "the library starts empty.")
        if self.folders:
            parts.append("The tracks are rebuilt by rescanning the music folders; "
                         "their analyses will be redone.")
        return " ".join(parts)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- the check ------------------------------------------------------------------------------
def check(path: str | os.PathLike, *, full: bool | None = None) -> str | None:
    """Why the file at *path* is damaged, or None (healthy, missing, or unreadable for a
    reason that is not damage: the Store's open explains those).

    Always: the header, and ``PRAGMA quick_check`` of the schema and the tables that cannot be
    redone (:data:`PRECIOUS_TABLES`, milliseconds). *full* (default: when the last full check
    is older than :data:`FULL_CHECK_INTERVAL_S`, stamped in ``library.db.checked``): the
    whole file too (0.5 s warm, ~7 s cold on a 100k-track library: benchmarks/RESULTS.md).
    """
    path = Path(path)
    stamp = Path(f"{path}.checked")
    if full is None:
        try:
            full = time.time() - stamp.stat().st_mtime > FULL_CHECK_INTERVAL_S
        except OSError:
            full = True
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except FileNotFoundError:
        return None
    except OSError:
        return None  # a permission or a folder: not damage
    if not head:
        wal = Path(f"{path}-wal")
        if (wal.exists() and wal.stat().st_size) or not any(
                p.exists() for p in backup_paths(path)):
            return None  # a new library (SQLite makes an empty file a database)
        return "the file is empty (0 bytes)"
    if not head.startswith(SQLITE_HEADER[: len(head)]) or len(head) < len(SQLITE_HEADER):
        # Only a file that was a library is recovered; ``--db notes.txt`` by mistake is
        # refused by the Store's open, and the file left where it is.
        if path.name == LIBRARY_NAME or any(p.exists() for p in backup_paths(path)):
            return "it is not an SQLite database file"
        return None
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:
        for table in ((None,) if full else PRECIOUS_TABLES):
            try:
                rows = conn.execute("PRAGMA quick_check" + (f"({table})" if table else "")
                                    ).fetchall()
            except sqlite3.DatabaseError as exc:
                if (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF in _DAMAGE_CODES:
                    return str(exc)
                if "no such table" in str(exc):
                    continue
                return None  # busy, a full disk, a permission: not damage
            if rows != [("ok",)]:
                return f"the integrity check found: {rows[0][0]}"
    finally:
        conn.close()
    if full:
        with contextlib.suppress(OSError):
            stamp.touch()
    return None


def ensure_healthy(path: str | os.PathLike, *, full: bool | None = None
                   ) -> RecoveryReport | None:
    """Check the library at *path*; recover it if damaged (see the module doc). Returns the
    report of a recovery, or None when the file was fine. Raises :class:`LibraryError` when
    a damaged file cannot be recovered now (another program has it open; the folder is
    read-only)."""
    path = Path(path)
    if str(path) == ":memory:" or check(path, full=full) is None:
        return None
    with _recovery_lock(path):
        reason = check(path, full=True)  # another process may have recovered it meanwhile
        if reason is None:
            return None
        if _in_use(path):
            raise LibraryError(
                f"the library database {path} is damaged ({reason}), but another program "
                "has it open; quit Soundalike everywhere, then start it again to recover it")
        return _recover(path, reason)


@contextlib.contextmanager
def _recovery_lock(path: Path):
    try:
        fd = os.open(f"{path}.recover-lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LibraryError(f"the library database {path} is damaged, and its folder cannot "
                           f"be written to recover it: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(f"{path}.recover-lock")


def _in_use(path: Path) -> bool:
    """True if another process has the database open: SQLite holds a read lock on the
    "DMS" byte (offset 128) of the ``-shm`` file for every open WAL connection."""
    try:
        fd = os.open(f"{path}-shm", os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 128)
        return False
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EACCES)
    finally:
        os.close(fd)


# -- recovery -------------------------------------------------------------------------------
def _recover(path: Path, reason: str) -> RecoveryReport:
    aside = _move_aside(path)
    salvaged, complete, tracks = salvage(aside)
    backup = newest_backup(path)
    merged = _merge(salvaged, complete, backup[1] if backup else None)
    report = RecoveryReport(path=path, reason=reason, damaged_copy=aside,
                            from_file=not salvaged.empty() or bool(tracks),
                            backup=backup[0] if backup else None,
                            backup_time=backup[1].written_at if backup else None)
    _rebuild(path, merged, tracks, report)
    log.warning("%s", report.message())
    return report


def _move_aside(path: Path) -> Path:
    """Rename *path* (and its ``-wal``) to ``<name>.damaged-<date>``, never over an earlier
    one; the ``-shm`` index is derived data and is removed."""
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    n = 1
    while True:
        target = Path(f"{path}.damaged-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            os.link(path, target)  # fails if the name exists: nothing is overwritten
            break
        except FileExistsError:
            n += 1
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise LibraryError(f"the damaged library database {path} cannot be moved "
                                   f"aside: {exc.strerror or exc}") from None
            if target.exists():  # no hard links here: rename to a name that is free
                n += 1
                continue
            os.rename(path, target)
            break
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    wal = Path(f"{path}-wal")
    if wal.exists():
        os.replace(wal, f"{target}-wal")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{path}-shm")
    return target


def _read_rows(conn: sqlite3.Connection, table: str, columns: str) -> tuple[list[tuple], bool]:
    """``(rowid, *columns)`` of every row of *table* SQLite can still reach, in rowid order,
    and whether the table read whole. Past a damaged stretch it jumps ahead (1, 2, 4 … rowids)
    until rows read again."""
    rows: list[tuple] = []
    start, step, skips, whole = -(2 ** 63), 1, 0, True
    while skips <= _MAX_SKIPS:
        try:
            for row in conn.execute(f"SELECT rowid, {columns} FROM {table} WHERE rowid >= ? "
                                    "ORDER BY rowid", (start,)):
                rows.append(row)
                start, step = row[0] + 1, 1
            return rows, whole
        except sqlite3.Error:
            whole = False
            skips += 1
            if start < 1:  # nothing read yet: our tables' rowids start at 1
                start = 1
            else:
                start += step
                step *= 2
            if start > 2 ** 62:
                break
    return rows, False


def _working_copy(damaged: Path) -> Path:
    """A copy of *damaged* (and its ``-wal``) to read from, padded with zero pages up to the
    size its header declares: SQLite refuses every page of a file shorter than that (a
    truncated or half-copied file), but reads the pages that are there once it is padded."""
    copy = Path(f"{damaged}.salvage-{os.getpid()}")
    shutil.copyfile(damaged, copy)
    if Path(f"{damaged}-wal").exists():
        shutil.copyfile(f"{damaged}-wal", f"{copy}-wal")
    with open(copy, "r+b") as f:
        head = f.read(100)
        if len(head) == 100 and head.startswith(SQLITE_HEADER):
            page_size = int.from_bytes(head[16:18], "big")
            page_size = 65536 if page_size == 1 else page_size
            pages = int.from_bytes(head[28:32], "big")
            size = f.seek(0, os.SEEK_END)
            if 512 <= page_size <= 65536 and pages * page_size > size:
                f.truncate(pages * page_size)  # zero pages: read as damage, not as EOF
    return copy


def _remove_copy(copy: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{copy}{suffix}")


def salvage(damaged: str | os.PathLike) -> tuple[Saved, dict[str, bool], list[str]]:
    """What can be read of a damaged library (from a working copy; the file itself is not
    touched): (saved things, which tables read whole, track paths)."""
    saved = Saved()
    complete = {"folders": False, "settings": False, "playlists": False, "items": False,
                "tracks": False}
    try:
        copy = _working_copy(Path(damaged))
    except OSError as exc:
        log.warning("cannot copy %s to salvage it: %s", damaged, exc)
        return saved, complete, []
    try:
        return _salvage(copy, saved, complete)
    finally:
        _remove_copy(copy)


def _salvage(copy: Path, saved: Saved, complete: dict[str, bool]):
    conn = None
    for uri in (copy.resolve().as_uri(),
                copy.resolve().as_uri() + "?immutable=1"):  # without its -wal
        try:
            conn = sqlite3.connect(uri, uri=True)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            break
        except sqlite3.Error:
            if conn is not None:
                conn.close()
            conn = None
    if conn is None:
        return saved, complete, []
    try:
        rows, complete["folders"] = _read_rows(conn, "folders", "path, added_at")
        for _, p, added in rows:
            if isinstance(p, str | bytes) and p:
                saved.folders[db_path_value(p)] = added if isinstance(added, float) else None
        rows, complete["settings"] = _read_rows(conn, "settings", "key, value")
        for _, key, value in rows:
            if isinstance(key, str) and isinstance(value, str) and key not in CACHE_KEYS:
                with contextlib.suppress(ValueError):
                    json.loads(value)
                    saved.settings[key] = value
        rows, complete["tracks"] = _read_rows(conn, "tracks", "path")
        paths = {rid: db_path_value(p) for rid, p in rows if isinstance(p, str | bytes) and p}
        rows, complete["playlists"] = _read_rows(conn, "playlists",
                                                 "id, name, created_at, updated_at")
        names = {}
        for _, pid, name, created, updated in rows:
            if isinstance(name, str) and name.strip():
                names[pid] = name
                saved.playlists[name] = (created, updated, [])
        items, complete["items"] = _read_rows(conn, "playlist_items",
                                              "playlist_id, position, track_id")
        whole_items = complete["items"]
        for _, pid, _pos, tid in sorted(items, key=lambda r: (r[1], r[2])):
            if pid in names:
                if tid in paths:
                    saved.playlists[names[pid]][2].append(paths[tid])
                else:
                    whole_items = False
        complete["items"] = whole_items
        return saved, complete, list(paths.values())
    finally:
        conn.close()


def _time(value) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _merge(found: Saved, complete: dict[str, bool], backup: Saved | None) -> Saved:
    if backup is None:
        return found
    merged = Saved(folders=dict(backup.folders), settings=dict(backup.settings),
                   playlists=dict(backup.playlists))
    merged.folders.update(found.folders)
    merged.settings.update(found.settings)
    whole = complete["playlists"] and complete["items"]
    for name, entry in found.playlists.items():
        old = merged.playlists.get(name)
        # A playlist changed since the backup is taken from the file if its items read whole;
        # one not changed since is the backup's, unless the file holds more of it: damage can
        # make a table read "whole" with rows missing (a truncated file read as empty pages).
        changed = old is not None and _time(entry[1]) > _time(old[1])
        if old is None or (whole and changed) or len(entry[2]) >= len(old[2]):
            merged.playlists[name] = entry
    return merged


def _rebuild(path: Path, saved: Saved, track_paths: list[str], report: RecoveryReport) -> None:
    from soundalike.library.store import Store

    folders = sorted(saved.folders, key=len, reverse=True)  # the deepest folder first

    def folder_of(p: str, ids: dict[str, int]) -> int | None:
        for f in folders:
            if p == f or p.startswith(f.rstrip(os.sep) + os.sep):
                return ids[f]
        return None

    wanted = list(dict.fromkeys(track_paths + [p for e in saved.playlists.values()
                                               for p in e[2]]))
    now = time.time()
    with Store(path) as store, store.transaction():
        conn = store._db
        ids = {}
        for f, added in saved.folders.items():
            ids[f] = int(conn.execute("INSERT INTO folders(path, added_at) VALUES (?, ?)",
                                      (db_path_param(f), added or now)).lastrowid)
        conn.executemany("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
                         saved.settings.items())
        # tracks to be re-read by the rescan: no size or mtime, so none looks unchanged
        conn.executemany("INSERT OR IGNORE INTO tracks(path, folder_id, status, added_at, "
                         "updated_at) VALUES (?, ?, 'pending', ?, ?)",
                         [(db_path_param(p), folder_of(p, ids), now, now) for p in wanted])
        track_id = {db_path_value(p): int(i) for i, p in conn.execute(
            "SELECT id, path FROM tracks")}
        for name, (created, updated, songs) in saved.playlists.items():
            pid = conn.execute("INSERT INTO playlists(name, created_at, updated_at) "
                               "VALUES (?, ?, ?)", (name, created, updated)).lastrowid
            conn.executemany("INSERT INTO playlist_items(playlist_id, position, track_id) "
                             "VALUES (?, ?, ?)",
                             [(pid, n, track_id[p]) for n, p in enumerate(songs)])
        store._backup_data_changed()
    report.folders, report.settings = len(saved.folders), len(saved.settings)
    report.playlists, report.songs = len(saved.playlists), saved.songs
    report.tracks = len(wanted)
