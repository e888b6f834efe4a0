"""Seed tracks for a radio or a similar-list, named the way a listener names them.

An album, an artist or a playlist by name (case and accents ignored, :mod:`library.browse`)
→ the ids of its tracks that the recommender's index holds (analysed, of this version)::

    ids = seeds.seeds_for_album(rec, "Kind of Blue")
    rec.radio(ids)

*rec* is a :class:`~soundalike.library.recommend.recommender.Recommender`.
"""

from __future__ import annotations

from collections.abc import Iterable

from soundalike.library import browse
from soundalike.library.model.track import Track


def seeds_for_album(rec, album: str) -> list[int]:
    """Analysed tracks of the album(s) named *album* (case/accents ignored)."""
    return _indexed(rec, browse.album_tracks(rec.store, album))


def seeds_for_artist(rec, artist: str) -> list[int]:
    """Analysed tracks of the artist (or album artist) *artist* (case/accents ignored)."""
    return _indexed(rec, browse.artist_tracks(rec.store, artist))


def seeds_for_playlist(rec, name: str) -> list[int]:
    """Analysed tracks of the playlist called *name*, in order."""
    p = browse.playlist_named(rec.store, name)
    return _indexed(rec, rec.store.playlist_tracks(p.id)) if p is not None else []


def _indexed(rec, tracks: Iterable[Track]) -> list[int]:
    if rec.index is None:
        return []
    return [t.id for t in tracks if rec.index.position(t.id) is not None]

