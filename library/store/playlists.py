"""The ``playlists`` and ``playlist_items`` tables."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from soundalike.library.model.errors import LibraryError
from soundalike.library.model.states import StoreEvent
from soundalike.library.model.track import Track, printable
from soundalike.library.store.tracks import TRACK_SELECT_T


@dataclass(slots=True)
class Playlist:
    """A saved playlist (``playlists`` row) and its number of items."""

    id: int
    name: str
    created_at: float | None
    updated_at: float | None
    size: int = 0


class PlaylistsMixin:
    def playlists(self) -> list[Playlist]:
        return [Playlist(int(i), n, c, u, int(k)) for i, n, c, u, k in self._all(
            "SELECT p.id, p.name, p.created_at, p.updated_at, "
            "(SELECT COUNT(*) FROM playlist_items i WHERE i.playlist_id = p.id) "
            "FROM playlists p ORDER BY p.name COLLATE NOCASE")]

    def create_playlist(self, name: str, track_ids: Iterable[int] = ()) -> int:
        """Create a playlist (or replace the items of the one with this *name*); return its id."""
        name = printable(str(name)).strip()
        if not name:
            raise LibraryError("a playlist needs a name")
        now = time.time()
        with self.transaction():
            row = self._one("SELECT id FROM playlists WHERE name = ?", (name,))
            if row:
                pid = int(row[0])
                self._db.execute("UPDATE playlists SET updated_at = ? WHERE id = ?", (now, pid))
            else:
                pid = int(self._db.execute("INSERT INTO playlists(name, created_at, updated_at) "
                                           "VALUES (?, ?, ?)", (name, now, now)).lastrowid)
            self.set_playlist_tracks(pid, track_ids)
        return pid

    def set_playlist_tracks(self, playlist_id: int, track_ids: Iterable[int]) -> None:
        """Replace a playlist's items (in order)."""
        with self.transaction():
            conn = self._db
            conn.execute("DELETE FROM playlist_items WHERE playlist_id = ?", (playlist_id,))
            conn.executemany("INSERT INTO playlist_items(playlist_id, position, track_id) "
                             "VALUES (?, ?, ?)",
                             [(playlist_id, n, int(t)) for n, t in enumerate(track_ids)])
            conn.execute("UPDATE playlists SET updated_at = ? WHERE id = ?",
                         (time.time(), playlist_id))
            self._event(StoreEvent.PLAYLISTS_CHANGED)
            self._backup_data_changed()

    def playlist_tracks(self, playlist_id: int) -> list[Track]:
        return [self._track(r) for r in self._all(
            f"{TRACK_SELECT_T} FROM playlist_items i JOIN tracks t ON t.id = i.track_id "
            "WHERE i.playlist_id = ? ORDER BY i.position", (playlist_id,))]

    def delete_playlist(self, playlist_id: int) -> bool:
        with self.transaction():
            n = self._db.execute("DELETE FROM playlists WHERE id = ?", (playlist_id,)).rowcount
            self._event(StoreEvent.PLAYLISTS_CHANGED)
            self._backup_data_changed()
        return n > 0
