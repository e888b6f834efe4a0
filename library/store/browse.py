"""Queries behind browsing the library (the desktop table and sidebar): views of
``tracks`` filtered by a :class:`soundalike.library.model.views.Browse` and sorted either way.

Missing tracks are never part of a view. Text search is the one semantic of
:mod:`soundalike.library.model.search`.
"""

from __future__ import annotations

from dataclasses import replace

from soundalike.library.model import search
from soundalike.library.model.states import TrackStatus
from soundalike.library.model.views import Browse
from soundalike.library.store.connection import db_path_value

# What each column sorts by; the tail keeps albums in order within equal keys.
_TAIL = "artist COLLATE NOCASE, album COLLATE NOCASE, discnumber, tracknumber, path"
_TITLE = "COALESCE(title, path)"
SORT_SQL: dict[str, tuple[str, ...]] = {  # NULLs last in either direction
    "title": (f"{_TITLE} COLLATE NOCASE",),
    "artist": ("artist IS NULL", "artist COLLATE NOCASE"),
    "album": ("album IS NULL", "album COLLATE NOCASE"),
    "genre": ("genre IS NULL", "genre COLLATE NOCASE"),
    "year": ("year IS NULL", "year"),
    "duration": ("duration IS NULL", "duration"),
    "status": ("status",),
}
_VISIBLE = f"status != '{TrackStatus.MISSING}'"
# who an album is by: its album artist, else the track artist (compilations are tagged
# with an album artist by taggers such as Picard)
_ALBUM_ARTIST = "COALESCE(NULLIF(albumartist, ''), artist)"


def where_clause(browse: Browse) -> tuple[str, list]:
    """SQL ``WHERE`` text and parameters for *browse* (columns unqualified)."""
    parts: list[str] = [_VISIBLE]
    params: list = []
    terms, words = search.sql_clause(browse.text)
    parts += terms
    params += words
    if browse.artist is not None:
        parts.append("(artist = ? OR (artist IS NULL AND albumartist = ?))")
        params += [browse.artist, browse.artist]
    if browse.album is not None:
        parts.append("album = ?")
        params.append(browse.album)
    if browse.genre is not None:
        parts.append("genre = ?")
        params.append(browse.genre)
    if browse.folder_id is not None:
        parts.append("folder_id = ?")
        params.append(browse.folder_id)
    return " AND ".join(parts), params


class BrowseMixin:
    def _view_sql(self, browse: Browse, sort: str, descending: bool,
                  extra: tuple[str, ...] = ()) -> tuple[str, list]:
        where, params = where_clause(browse)
        direction = " DESC" if descending else ""
        order = ", ".join(term if term.endswith("IS NULL") else term + direction
                          for term in SORT_SQL.get(sort, SORT_SQL["artist"]))
        cols = ", ".join(("t.id", *(f"t.{c}" for c in extra)))
        if browse.playlist_id is not None:
            sql = (f"SELECT {cols} FROM playlist_items p JOIN tracks t ON t.id = p.track_id "
                   f"WHERE p.playlist_id = ? AND {where} ORDER BY "
                   + ("p.position" if sort == "playlist" else f"{order}, {_TAIL}"))
            return sql, [browse.playlist_id, *params]
        return f"SELECT {cols} FROM tracks t WHERE {where} ORDER BY {order}, {_TAIL}", params

    def view_ids(self, browse: Browse, sort: str = "artist",
                 descending: bool = False) -> list[int]:
        """Ordered ids of the tracks *browse* selects."""
        sql, params = self._view_sql(browse, sort, descending)
        return [r[0] for r in self._all(sql, params)]

    def view_search_text(self, browse: Browse, sort: str = "artist",
                         descending: bool = False) -> tuple[list[int], list[str]]:
        """Ordered ids of *browse* without its search text, and for each the folded text
        search words are matched against (:func:`soundalike.library.model.search.search_text`)."""
        sql, params = self._view_sql(replace(browse, text=""), sort, descending,
                                     search.SEARCH_COLUMNS)
        ids, hay = [], []
        for r in self._all(sql, params):
            ids.append(r[0])
            hay.append(search.search_text(*r[1:]))
        return ids, hay

    def view_rows(self, ids: list[int], columns: tuple[str, ...]) -> list[tuple]:
        """``columns`` (the first must be ``id``; ``path`` decoded) of the tracks *ids*."""
        if not ids:
            return []
        if columns[0] != "id" or not set(columns) <= set(SORT_SQL) | {
                "id", "path", "error", "albumartist", "tracknumber", "discnumber"}:
            raise ValueError(f"cannot read columns {columns!r}")
        marks = ",".join("?" * len(ids))
        rows = self._all(f"SELECT {', '.join(columns)} FROM tracks WHERE id IN ({marks})", ids)
        if "path" in columns:
            p = columns.index("path")
            rows = [(*r[:p], db_path_value(r[p]), *r[p + 1:]) for r in rows]
        return rows

    def album_list(self) -> list[tuple[str, str | None, int, int | None, str]]:
        """(album, album artist — else the artist, tracks, latest year, path of its first
        file) of every album, sorted by artist then album (no artist last)."""
        return [(album, who, n, year, db_path_value(path)) for album, who, n, year, path
                in self._all(
                    f"SELECT album, {_ALBUM_ARTIST} AS who, COUNT(*), MAX(year), MIN(path) "
                    f"FROM tracks WHERE album IS NOT NULL AND album != '' AND {_VISIBLE} "
                    "GROUP BY album, who ORDER BY who IS NULL, who COLLATE NOCASE, "
                    "album COLLATE NOCASE")]

    def album_track_ids(self, album: str, artist: str | None) -> list[int]:
        """Ids of the album's tracks (as :meth:`album_list` groups them), in disc and
        track order."""
        return [r[0] for r in self._all(
            f"SELECT id FROM tracks WHERE album = ? AND {_ALBUM_ARTIST} IS ? AND {_VISIBLE} "
            "ORDER BY discnumber, tracknumber, path", (album, artist))]

    def visible_count(self) -> int:
        """Tracks that are not missing."""
        return int(self._one(f"SELECT COUNT(*) FROM tracks WHERE {_VISIBLE}")[0])

    def distinct(self, column: str) -> list[tuple[str, int]]:
        """(value, number of tracks) for ``artist``, ``album`` or ``genre``."""
        if column not in ("artist", "album", "genre"):
            raise ValueError(f"cannot browse by {column!r}")
        expr = "COALESCE(artist, albumartist)" if column == "artist" else column
        return self._all(f"SELECT {expr} AS v, COUNT(*) FROM tracks WHERE v IS NOT NULL "
                         f"AND v != '' AND {_VISIBLE} GROUP BY v ORDER BY v COLLATE NOCASE")

    def folder_counts(self) -> list[tuple[int, str, int]]:
        """(folder id, path, number of tracks that are not missing)."""
        return [(i, db_path_value(p), n) for i, p, n in self._all(
            "SELECT f.id, f.path, COUNT(t.id) FROM folders f LEFT JOIN tracks t "
            f"ON t.folder_id = f.id AND t.{_VISIBLE} GROUP BY f.id ORDER BY f.path")]

    def playlist_counts(self) -> list[tuple[int, str, int]]:
        """(playlist id, name, number of tracks)."""
        return self._all("SELECT p.id, p.name, COUNT(i.track_id) FROM playlists p "
                         "LEFT JOIN playlist_items i ON i.playlist_id = p.id "
                         "GROUP BY p.id ORDER BY p.name COLLATE NOCASE")
