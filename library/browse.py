"""Searching and browsing the library: the one place GUI, CLI and radio look tracks up.

- The desktop table and sidebar: a :class:`Browse` view (search words, artist, album,
  genre, folder, playlist) sorted by one of :data:`COLUMNS`, read through a
  :class:`LibraryReader` (a read-only Store shared by the GUI's threads); rows are
  :class:`Row` records, a subset of the ``tracks`` fields
  (:mod:`soundalike.library.model.schema`).
- Text search (:func:`find_tracks`, ``soundalike tracks``, radio seeds, the table's search
  box) has one semantic, :mod:`soundalike.library.model.search`: every word, accents and case
  folded, must occur in title, artist, album, album artist, genre or path.
- :func:`album_tracks`, :func:`artist_tracks`, :func:`playlist_named`: seeds by name.

The SQL behind all of these lives in :mod:`soundalike.library.store` (no Qt, no SQL here).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from soundalike.engine.filters import normalise_text
from soundalike.library.model.search import (  # noqa: F401 - the search semantic, re-exported
    filter_indices,
    filter_view,
    fold,
    matches,
    search_text,
    search_words,
)
from soundalike.library.model.states import TrackStatus
from soundalike.library.model.track import Track
from soundalike.library.model.views import ROW_FIELDS, Album, Browse, Row
from soundalike.library.store import Playlist, Store

_STATUS = ROW_FIELDS.index("status")


class LibraryReader:
    """A read-only Store for the GUI's table and sidebar, safe to share between threads
    (one call at a time); every write still goes through a writable :class:`Store`."""

    def __init__(self, db_path: str | Path):
        self.db_path = str(db_path)
        self._store = Store(self.db_path, read_only=True)
        self._lock = threading.Lock()
        self.closed = False

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._store.close()

    def _call(self, method: Callable, *args, default=None):
        """``method(store, *args)`` (*method* a Store method: ``Store.view_ids``), one call
        at a time; *default* once the reader is closed."""
        with self._lock:
            if self.closed:
                return default  # the window is closing: late requests get nothing
            return method(self._store, *args)

    # ----------------------------------------------------------------- the table
    def ids(self, browse: Browse, sort: str = "artist", descending: bool = False) -> list[int]:
        """Ordered ids of the tracks *browse* selects."""
        return self._call(Store.view_ids, browse, sort, descending, default=[])

    def search_text(self, browse: Browse, sort: str = "artist",
                    descending: bool = False) -> tuple[list[int], list[str]]:
        """Ordered ids of *browse* without its search text, and for each the folded text
        search words are matched against: the window filters these in memory as the user
        types (:func:`filter_view`)."""
        return self._call(Store.view_search_text, browse, sort, descending, default=([], []))

    def rows(self, ids: list[int]) -> dict[int, Row]:
        """The displayed columns of *ids* (at most a few hundred at a time)."""
        found = self._call(Store.view_rows, list(ids), ROW_FIELDS, default=[])
        return {r[0]: Row(*r[:_STATUS], TrackStatus(r[_STATUS]), *r[_STATUS + 1:])
                for r in found}

    def loudness(self, track_id: int) -> tuple[float | None, float | None]:
        """The analysis's loudness of a track and of its album (energy mean), dBFS; None
        where not analysed. The player levels untagged tracks with them."""
        from soundalike.library.listening.loudness import album_loudness_db

        own, album = self._call(Store.loudness_values, int(track_id), default=(None, []))
        return own, album_loudness_db(album)

    def count(self) -> int:
        """Tracks that are not missing."""
        return self._call(Store.visible_count, default=0)

    # --------------------------------------------------------------- the album grid
    def albums(self) -> list[Album]:
        """Every album (name and album artist, else artist), by artist then name."""
        return [Album(*r) for r in self._call(Store.album_list, default=[])]

    def album_ids(self, album: Album) -> list[int]:
        """The album's track ids in disc and track order."""
        return self._call(Store.album_track_ids, album.name, album.artist, default=[])

    # --------------------------------------------------------------- the sidebar
    def distinct(self, column: str) -> list[tuple[str, int]]:
        """(value, number of tracks) for ``artist``, ``album`` or ``genre``."""
        if column not in ("artist", "album", "genre"):
            raise ValueError(f"cannot browse by {column!r}")
        return self._call(Store.distinct, column, default=[])

    def folders(self) -> list[tuple[int, str, int]]:
        """(folder id, path, number of tracks)."""
        return self._call(Store.folder_counts, default=[])

    def playlists(self) -> list[tuple[int, str, int]]:
        """(playlist id, name, number of tracks)."""
        return self._call(Store.playlist_counts, default=[])


# ------------------------------------------------------------------- text search
def find_tracks(store: Store, text: str, *, limit: int = 50) -> list[Track]:
    """Tracks matching *text* (the search semantic), exact ``artist – title`` first.

    If some matches are exactly ``artist – title`` or the title (ignoring case, accents
    and punctuation), only those are returned.
    """
    if not search_words(text):
        return []
    found = store.tracks(query=text, limit=5000)
    key = normalise_text(text)
    exact = [t for t in found if key in (
        normalise_text(f"{t.display_artist} {t.display_title}"), normalise_text(t.display_title))]
    return (exact or found)[:limit]


def album_tracks(store: Store, album: str, *,
                 status: TrackStatus | None = TrackStatus.ANALYSED) -> list[Track]:
    """Tracks of the album(s) named *album* (case, accents and punctuation ignored)."""
    key = normalise_text(album)
    return [t for t in store.tracks(query=album, status=status)
            if normalise_text(t.album) == key]


def artist_tracks(store: Store, artist: str, *,
                  status: TrackStatus | None = TrackStatus.ANALYSED) -> list[Track]:
    """Tracks whose artist or album artist is *artist* (case, accents, punctuation ignored)."""
    key = normalise_text(artist)
    return [t for t in store.tracks(query=artist, status=status)
            if key in (normalise_text(t.artist), normalise_text(t.albumartist))]


def playlist_named(store: Store, name: str) -> Playlist | None:
    """The playlist called *name* (case, accents and punctuation ignored)."""
    key = normalise_text(name)
    return next((p for p in store.playlists() if normalise_text(p.name) == key), None)
