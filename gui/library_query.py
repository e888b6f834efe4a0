"""Read-only queries behind the library table and the sidebar (no Qt here).

The table shows a *view* of the ``tracks`` table (docs/ARCHITECTURE.md schema):
a :class:`Browse` filter (search words, artist, album, genre, folder, playlist)
and a sort column. :meth:`LibraryReader.ids` returns the ordered track ids of the
view in one query (run off the UI thread); :meth:`LibraryReader.rows` fetches the
columns of one page of ids (small, fine on the UI thread). The reader opens its
own read-only SQLite connection; the Store (and its single writer) stays in charge
of every write.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

#: (key, header) of the table columns, in display order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("artist", "Artist"),
    ("album", "Album"),
    ("genre", "Genre"),
    ("year", "Year"),
    ("duration", "Length"),
    ("status", "Analysis"),
)
COLUMN_KEYS = tuple(k for k, _ in COLUMNS)
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
ROW_SQL = ("id, path, title, artist, album, genre, year, duration, status, error, "
           "albumartist, tracknumber")


@dataclass(frozen=True, slots=True)
class Browse:
    """What the library table shows. Empty fields do not filter."""

    text: str = ""
    artist: str | None = None
    album: str | None = None
    genre: str | None = None
    folder_id: int | None = None
    playlist_id: int | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One table row (the displayed columns of a track)."""

    id: int
    path: str
    title: str | None
    artist: str | None
    album: str | None
    genre: str | None
    year: int | None
    duration: float | None
    status: str
    error: str | None
    albumartist: str | None
    tracknumber: int | None

    @property
    def display_title(self) -> str:
        return self.title or Path(self.path).stem

    @property
    def display_artist(self) -> str:
        return self.artist or self.albumartist or "Unknown artist"


def row_from_track(track) -> Row:
    """The :class:`Row` of a :class:`~soundalike.library.track.Track`."""
    return Row(*(getattr(track, name) for name in Row.__slots__))


def _path(value: str | bytes) -> str:
    """Paths that are not valid UTF-8 are stored as bytes; give them back as ``str``."""
    return os.fsdecode(value) if isinstance(value, bytes) else value


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_words(text: str) -> list[str]:
    """The words of a search, casefolded (each must occur somewhere in the track)."""
    return text.casefold().split()


def filter_indices(hay: list[str], text: str, within: list[int] | None = None) -> list[int]:
    """Positions in *hay* (or in *within*, order kept) whose text holds every word."""
    keep = range(len(hay)) if within is None else within
    for word in sorted(search_words(text), key=len, reverse=True):  # longest: fewest left
        keep = [i for i in keep if word in hay[i]]
    return list(keep)


def filter_view(ids: list[int], hay: list[str], text: str) -> list[int]:
    """The *ids* (order kept) whose search text contains every word of *text*."""
    if not search_words(text):
        return list(ids)
    return [ids[i] for i in filter_indices(hay, text)]


def where_clause(browse: Browse) -> tuple[str, list]:
    """SQL ``WHERE`` text and parameters for *browse* (always valid, maybe ``1``)."""
    parts: list[str] = ["status != 'missing'"]
    params: list = []
    for word in browse.text.split():
        parts.append("(title LIKE ? ESCAPE '\\' OR artist LIKE ? ESCAPE '\\' OR album LIKE ? "
                     "ESCAPE '\\' OR albumartist LIKE ? ESCAPE '\\' OR genre LIKE ? ESCAPE '\\'"
                     " OR path LIKE ? ESCAPE '\\')")
        params += [_like(word)] * 6
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


class LibraryReader:
    """A read-only connection to the library database, safe to share between threads."""

    def __init__(self, db_path: str | Path):
        self.db_path = str(db_path)
        uri = Path(self.db_path).resolve().as_uri() + "?mode=ro"
        self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)
        self._conn.execute("PRAGMA query_only = ON")
        self._lock = threading.Lock()
        self.closed = False

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._conn.close()

    def _all(self, sql: str, params=()) -> list[tuple]:
        with self._lock:
            if self.closed:
                return []  # the window is closing: late requests get nothing
            return self._conn.execute(sql, params).fetchall()

    # ----------------------------------------------------------------- the table
    def _ids_sql(self, browse: Browse, sort: str, descending: bool,
                 extra: str = "") -> tuple[str, list]:
        where, params = where_clause(browse)
        direction = " DESC" if descending else ""
        order = ", ".join(term if term.endswith("IS NULL") else term + direction
                          for term in SORT_SQL.get(sort, SORT_SQL["artist"]))
        cols = "t.id" + (", " + ", ".join(f"t.{c.strip()}" for c in extra.split(","))
                         if extra else "")
        if browse.playlist_id is not None:
            sql = (f"SELECT {cols} FROM playlist_items p JOIN tracks t ON t.id = p.track_id "
                   f"WHERE p.playlist_id = ? AND {where} ORDER BY "
                   + ("p.position" if sort == "playlist" else f"{order}, {_TAIL}"))
            return sql, [browse.playlist_id, *params]
        return f"SELECT {cols} FROM tracks t WHERE {where} ORDER BY {order}, {_TAIL}", params

    def ids(self, browse: Browse, sort: str = "artist", descending: bool = False) -> list[int]:
        """Ordered ids of the tracks *browse* selects."""
        sql, params = self._ids_sql(browse, sort, descending)
        return [r[0] for r in self._all(sql, params)]

    def search_text(self, browse: Browse, sort: str = "artist",
                    descending: bool = False) -> tuple[list[int], list[str]]:
        """Ordered ids of *browse* without its search text, and for each the text search
        words are matched against (casefolded title, artist, album, album artist, genre
        and path): the window filters these in memory as the user types."""
        from dataclasses import replace

        sql, params = self._ids_sql(replace(browse, text=""), sort, descending,
                                    "title, artist, album, albumartist, genre, path")
        ids, hay = [], []
        for r in self._all(sql, params):
            ids.append(r[0])
            hay.append("\n".join(_path(v) if isinstance(v, bytes) else v
                                 for v in r[1:] if v).casefold())
        return ids, hay

    def rows(self, ids: list[int]) -> dict[int, Row]:
        """The displayed columns of *ids* (at most a few hundred at a time)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        found = self._all(f"SELECT {ROW_SQL} FROM tracks WHERE id IN ({marks})", ids)
        return {r[0]: Row(r[0], _path(r[1]), *r[2:]) for r in found}

    def count(self) -> int:
        rows = self._all("SELECT COUNT(*) FROM tracks WHERE status != 'missing'")
        return rows[0][0] if rows else 0

    # --------------------------------------------------------------- the sidebar
    def distinct(self, column: str) -> list[tuple[str, int]]:
        """(value, number of tracks) for ``artist``, ``album`` or ``genre``."""
        if column not in ("artist", "album", "genre"):
            raise ValueError(f"cannot browse by {column!r}")
        expr = "COALESCE(artist, albumartist)" if column == "artist" else column
        return self._all(f"SELECT {expr} AS v, COUNT(*) FROM tracks WHERE v IS NOT NULL "
                         f"AND v != '' AND status != 'missing' GROUP BY v "
                         f"ORDER BY v COLLATE NOCASE")

    def folders(self) -> list[tuple[int, str, int]]:
        """(folder id, path, number of tracks)."""
        return self._all("SELECT f.id, f.path, COUNT(t.id) FROM folders f LEFT JOIN tracks t "
                         "ON t.folder_id = f.id AND t.status != 'missing' "
                         "GROUP BY f.id ORDER BY f.path")

    def playlists(self) -> list[tuple[int, str, int]]:
        """(playlist id, name, number of tracks)."""
        return self._all("SELECT p.id, p.name, COUNT(i.track_id) FROM playlists p "
                         "LEFT JOIN playlist_items i ON i.playlist_id = p.id "
                         "GROUP BY p.id ORDER BY p.name COLLATE NOCASE")
