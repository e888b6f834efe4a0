"""The ``tracks`` table: reading and writing :class:`~soundalike.library.model.track.Track` rows.

Column lists come from :mod:`soundalike.library.model.schema`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any, NamedTuple

from soundalike.library.model import search
from soundalike.library.model.schema import TEXT_COLUMNS, TRACK_COLUMNS, WRITABLE_COLUMNS
from soundalike.library.model.states import STATUSES, StoreEvent, TrackStatus
from soundalike.library.model.track import Track, printable
from soundalike.library.store.connection import db_path_param, db_path_value, in_list

PENDING, ANALYSED, FAILED, MISSING = (TrackStatus.PENDING, TrackStatus.ANALYSED,
                                      TrackStatus.FAILED, TrackStatus.MISSING)
TRACK_SELECT = "SELECT " + ", ".join(TRACK_COLUMNS) + " FROM tracks"
#: the same columns qualified with ``t.`` (for joins), without FROM
TRACK_SELECT_T = "SELECT " + ", ".join("t." + c for c in TRACK_COLUMNS)
#: the tracks an analyser takes, on ``tracks t`` (named parameters :pending, :analysed and
#: :version): pending, or analysed with another analysis version; never failed or missing
NEEDS_ANALYSIS = ("(t.status = :pending OR (t.status = :analysed AND "
                  "(t.analysis_version IS NULL OR t.analysis_version != :version)))")
_INSERT_COLUMNS = tuple(c for c in TRACK_COLUMNS if c != "id")
_INSERT = (f"INSERT INTO tracks({', '.join(_INSERT_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})")
_UPDATE = f"UPDATE tracks SET {', '.join(c + ' = ?' for c in WRITABLE_COLUMNS)} WHERE id = ?"
_STATUS = TRACK_COLUMNS.index("status")
_PATH = TRACK_COLUMNS.index("path")
ORDERS = {
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


def _stamp() -> float:
    """``updated_at`` for a write: taken inside its transaction (after ``BEGIN IMMEDIATE``
    got the write lock), so stamps grow in commit order and a reader that noted the latest
    one sees every later change at or after it (library/recommend/vector_index.py relies on it)."""
    return time.time()


class IndexEntry(NamedTuple):
    """What the scanner needs to know about a stored track to skip an unchanged file."""

    id: int
    size: int | None
    mtime: float | None
    status: TrackStatus
    fingerprint: str | None
    folder_id: int | None


def _clean(column: str, value: Any) -> Any:
    if column == "path":
        return db_path_param(value)
    if isinstance(value, str) and column in TEXT_COLUMNS:
        return printable(value)
    return value


def track_from_row(row: tuple) -> Track:
    """The :class:`Track` of a ``TRACK_SELECT`` row (path decoded, status typed)."""
    t = Track(*row)
    if isinstance(t.path, bytes):
        t.path = db_path_value(t.path)
    t.status = TrackStatus(t.status)
    return t


class TracksMixin:
    # -- reading --------------------------------------------------------------------------
    @staticmethod
    def _track(row: tuple) -> Track:
        return track_from_row(row)

    def get_track(self, track_id: int) -> Track | None:
        row = self._one(TRACK_SELECT + " WHERE id = ?", (track_id,))
        return self._track(row) if row else None

    def get_tracks(self, track_ids: Iterable[int]) -> list[Track]:
        """The tracks with these ids, in the given order (unknown ids skipped)."""
        ids = list(track_ids)
        found: dict[int, Track] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            q = TRACK_SELECT + f" WHERE id IN ({','.join('?' * len(chunk))})"
            for row in self._all(q, chunk):
                found[row[0]] = self._track(row)
        return [found[i] for i in ids if i in found]

    def track_by_path(self, path: str | os.PathLike) -> Track | None:
        row = self._one(TRACK_SELECT + " WHERE path = ?", (db_path_param(os.fsdecode(path)),))
        return self._track(row) if row else None

    def tracks_by_fingerprint(self, fingerprint: str) -> list[Track]:
        return [self._track(r) for r in self._all(
            TRACK_SELECT + " WHERE fingerprint = ? ORDER BY id", (fingerprint,))]

    @staticmethod
    def _where(query: str | None, status: str | None) -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        if status is not None:
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
            clauses.append("status = ?")
            params.append(str(status))
        terms, words = search.sql_clause(query)
        clauses += terms
        params += words
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def tracks(self, query: str | None = None, status: str | None = None,
               limit: int | None = None, offset: int = 0, order_by: str = "artist"
               ) -> list[Track]:
        """Tracks whose search text (:mod:`soundalike.library.model.search`: title, artist, album,
        album artist, genre, path; accents and case ignored) holds every word of *query*,
        optionally with one *status*, sorted by *order_by* (artist, album, title, path,
        added, id, year, duration)."""
        if order_by not in ORDERS:
            raise ValueError(f"unknown order {order_by!r}; use one of {', '.join(ORDERS)}")
        where, params = self._where(query, status)
        sql = TRACK_SELECT + where + " ORDER BY " + ORDERS[order_by]
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            params += [-1 if limit is None else int(limit), int(offset)]
        return [self._track(r) for r in self._all(sql, params)]

    def count_tracks(self, query: str | None = None, status: str | None = None) -> int:
        where, params = self._where(query, status)
        return int(self._one("SELECT COUNT(*) FROM tracks" + where, params)[0])

    def counts(self) -> dict[str, int]:
        """``{"tracks", "pending", "analysed", "failed", "missing"}`` as ints."""
        out = {"tracks": 0, **{s: 0 for s in STATUSES}}
        for status, n in self._all("SELECT status, COUNT(*) FROM tracks GROUP BY status"):
            out[status] = int(n)
            out["tracks"] += int(n)
        return out

    def analysed_versions(self) -> dict[int, int]:
        """``analysis version → number of analysed tracks`` with it."""
        return {int(v): int(n) for v, n in self._all(
            "SELECT analysis_version, COUNT(*) FROM tracks WHERE status = ? "
            "AND analysis_version IS NOT NULL GROUP BY analysis_version", (ANALYSED,))}

    def failures(self) -> list[tuple[str, str]]:
        """``(path, reason)`` of every failed track, by path."""
        return [(db_path_value(p), e or "unknown error") for p, e in self._all(
            "SELECT path, error FROM tracks WHERE status = ? ORDER BY path", (FAILED,))]

    def pending_for_analysis(self, version: int, limit: int | None = None) -> list[Track]:
        """Tracks to analyse: ``pending``, or ``analysed`` with another analysis version."""
        sql = f"{TRACK_SELECT_T} FROM tracks t WHERE {NEEDS_ANALYSIS} ORDER BY t.id"
        params = {"pending": PENDING, "analysed": ANALYSED, "version": int(version)}
        if limit is not None:
            sql += " LIMIT :limit"
            params["limit"] = int(limit)
        return [self._track(r) for r in self._db.execute(sql, params).fetchall()]

    def stat_index(self) -> dict[str, IndexEntry]:
        """``path → IndexEntry(id, size, mtime, status, fingerprint, folder_id)`` for every
        track, in one query (what an incremental scan compares against)."""
        return {db_path_value(p): IndexEntry(i, s, m, TrackStatus(st), fp, f)
                for i, p, s, m, st, fp, f in self._all(
                    "SELECT id, path, size, mtime, status, fingerprint, folder_id FROM tracks")}

    def analysed_signature(self, version: int | Iterable[int]
                           ) -> tuple[int, float, float | None]:
        """``(count, sum of ids, latest updated_at)`` of the tracks analysed with *version*
        (or any of several): changes whenever an analysis, a tag update or a status change
        touches them."""
        in_versions, versions = in_list(version)
        n, total, latest = self._one(
            "SELECT COUNT(*), TOTAL(id), MAX(updated_at) FROM tracks WHERE status = ? AND "
            f"analysis_version {in_versions}", (ANALYSED, *versions))
        return n, total, latest

    def change_marker(self) -> tuple[int, float | None, int]:
        """``(number of tracks, latest updated_at, highest id)``, from indexes only: changes
        whenever a track is added, removed or updated (the similarity index's quick check)."""
        n, = self._one("SELECT COUNT(*) FROM tracks")
        latest, = self._one("SELECT MAX(updated_at) FROM tracks")
        top, = self._one("SELECT MAX(id) FROM tracks")
        return int(n), latest, int(top or 0)

    def changed_since(self, since: float | None) -> list[tuple[int, str, int | None]]:
        """``(id, status, analysis_version)`` of the tracks updated at or after *since*
        (every track when None), by id."""
        if since is None:
            rows = self._all("SELECT id, status, analysis_version FROM tracks ORDER BY id")
        else:
            rows = self._all("SELECT id, status, analysis_version FROM tracks "
                             "WHERE updated_at >= ? ORDER BY id", (float(since),))
        return [(int(i), s, None if v is None else int(v)) for i, s, v in rows]

    # -- writing --------------------------------------------------------------------------
    def add_tracks(self, tracks: Iterable[Track]) -> list[int]:
        """Insert new tracks in one transaction; set and return their ids."""
        ids: list[int] = []
        with self.transaction():
            now = _stamp()
            conn = self._db
            for t in tracks:
                t.added_at = t.added_at or now
                t.updated_at = now
                cur = conn.execute(_INSERT, [_clean(c, getattr(t, c)) for c in _INSERT_COLUMNS])
                t.id = int(cur.lastrowid)
                ids.append(t.id)
            self._event(StoreEvent.TRACKS_ADDED, ids)
        return ids

    def add_track(self, track: Track) -> int:
        return self.add_tracks([track])[0]

    def update_tracks(self, tracks: Iterable[Track], *,
                      event: StoreEvent = StoreEvent.TRACKS_CHANGED) -> None:
        """Write every column (but ``id`` and ``added_at``) of existing tracks, one transaction."""
        ids = []
        with self.transaction():
            now = _stamp()
            conn = self._db
            for t in tracks:
                t.updated_at = now
                conn.execute(_UPDATE, [_clean(c, getattr(t, c)) for c in WRITABLE_COLUMNS]
                             + [t.id])
                ids.append(t.id)
            self._event(StoreEvent(event), ids)

    def mark_missing(self, track_ids: Iterable[int]) -> int:
        """Mark tracks ``missing`` (their analysis is kept); return how many changed."""
        ids = list(track_ids)
        if not ids:
            return 0
        with self.transaction():
            now = _stamp()
            cur = self._db.executemany("UPDATE tracks SET status = ?, updated_at = ? "
                                       "WHERE id = ? AND status != ?",
                                       [(MISSING, now, i, MISSING) for i in ids])
            changed = cur.rowcount
            self._event(StoreEvent.TRACKS_MISSING, ids)
        return changed

    def revive(self, track_ids: Iterable[int]) -> None:
        """Bring back ``missing`` tracks: ``analysed`` if they have an analysis row (a stale
        version is then picked up by :meth:`pending_for_analysis`), else ``failed`` if they
        had failed (the reason is kept), else ``pending``."""
        ids = list(track_ids)
        if not ids:
            return
        with self.transaction():
            self._db.executemany(
                "UPDATE tracks SET updated_at = ?, status = CASE WHEN EXISTS "
                "(SELECT 1 FROM analysis a WHERE a.track_id = tracks.id) THEN ? "
                "WHEN error IS NOT NULL THEN ? "
                "ELSE ? END WHERE id = ? AND status = ?",
                [(time.time(), ANALYSED, FAILED, PENDING, i, MISSING) for i in ids])
            self._event(StoreEvent.TRACKS_CHANGED, ids)

    def move_track(self, track_id: int, new_path: str, *, folder_id: int | None = None,
                   size: int | None = None, mtime: float | None = None) -> int:
        """Point an existing track (and so its analysis) at its new path, reviving it if it
        was missing; returns the id of the track now at *new_path*.

        A stale row already at *new_path* is deleted first; its playlist entries are handed
        to this track (they meant the file now at that path). When that row has the same
        content (fingerprint) and is the older one — the same file met twice while it
        moved, one row made for it at each place — the older row is the one kept: its id
        is what playlists, the session and the radio know. The newer row's playlist
        entries, and its analysis where the older has none, go to it.
        """
        with self.transaction():
            conn = self._db
            stale = conn.execute("SELECT id, fingerprint FROM tracks WHERE path = ? AND id != ?",
                                 (db_path_param(new_path), track_id)).fetchall()
            row = conn.execute("SELECT fingerprint FROM tracks WHERE id = ?",
                               (track_id,)).fetchone()
            fp = row[0] if row else None
            keep = min([track_id] + [i for i, f in stale if fp and f == fp])
            for other in [i for i, _ in stale] + [track_id]:
                if other == keep:
                    continue
                conn.execute("UPDATE playlist_items SET track_id = ? WHERE track_id = ?",
                             (keep, other))
                if other == track_id:  # same content: its analysis serves the kept row
                    conn.execute("UPDATE OR IGNORE analysis SET track_id = ? WHERE track_id = ?",
                                 (keep, other))
                    conn.execute("UPDATE tracks SET status = ?, analysis_version = "
                                 "(SELECT version FROM analysis WHERE track_id = ?), error = NULL "
                                 "WHERE id = ? AND status = ? AND analysis_version IS NULL AND "
                                 "EXISTS (SELECT 1 FROM analysis WHERE track_id = ?)",
                                 (ANALYSED, keep, keep, PENDING, keep))
                conn.execute("DELETE FROM tracks WHERE id = ?", (other,))
            conn.execute("UPDATE tracks SET path = ?, folder_id = COALESCE(?, folder_id), "
                         "size = COALESCE(?, size), mtime = COALESCE(?, mtime), updated_at = ? "
                         "WHERE id = ?", (db_path_param(new_path), folder_id, size, mtime,
                                          time.time(), keep))
            self.revive([keep])
            self._event(StoreEvent.TRACKS_MOVED, [keep])
            if keep != track_id:
                self._event(StoreEvent.TRACKS_REMOVED, [track_id])
        return keep

    def delete_tracks(self, track_ids: Iterable[int]) -> int:
        """Drop tracks with their analysis and playlist entries."""
        ids = list(track_ids)
        with self.transaction():
            self._db.executemany("DELETE FROM tracks WHERE id = ?", [(i,) for i in ids])
            self._event(StoreEvent.TRACKS_REMOVED, ids)
        return len(ids)

    def purge_missing(self) -> int:
        """Delete every ``missing`` track (and its analysis); return how many."""
        ids = [r[0] for r in self._all("SELECT id FROM tracks WHERE status = ?", (MISSING,))]
        return self.delete_tracks(ids) if ids else 0
