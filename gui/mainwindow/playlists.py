"""Playlists: save the queue or songs as a playlist, play, delete, export and import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from soundalike.gui.library_model import LibraryModel
from soundalike.gui.library_query import Row
from soundalike.gui.mainwindow.playback import PlaybackController
from soundalike.gui.queue_model import QueueModel
from soundalike.gui.sidebar import Sidebar
from soundalike.library.files.playlist_files import (
    entries_for_tracks,
    read_playlist,
    write_playlist,
)
from soundalike.library.model.errors import LibraryError
from soundalike.library.store import Store

PLAYLIST_FILES = "Playlists (*.m3u8 *.m3u *.xspf)"


class PlaylistController:
    """Playlists in *store*; the *sidebar* lists them, *model* may be showing one.
    *parent* is the parent of its dialogs (a plain object: it has no signals)."""

    def __init__(self, *, store: Store, resolve_rows: Callable[[list[int]], list[Row]],
                 queue: QueueModel, playback: PlaybackController, sidebar: Sidebar,
                 model: LibraryModel, show_message: Callable[[str, int], None],
                 parent: QWidget | None = None):
        self.parent = parent
        self.store = store
        self.resolve_rows = resolve_rows
        self.queue = queue
        self.playback = playback
        self.sidebar = sidebar
        self.model = model
        self._show = show_message

    def _ask_name(self, title: str) -> str | None:
        name, ok = QInputDialog.getText(self.parent, title,
                                        QCoreApplication.translate(
                "PlaylistController", "Playlist name:"))
        name = name.strip()
        return name if ok and name else None

    def save_tracks_as_playlist(self, ids: list[int], name: str | None = None, *,
                                append: bool = False) -> int | None:
        """Create the playlist *name* with *ids*, or replace its contents (``append``: add
        them at its end instead); returns its id."""
        name = name or self._ask_name("Add to playlist" if append else "Save playlist")
        if not name or not ids:
            return None
        try:
            existing = {p.name: p.id for p in self.store.playlists()}
            if name in existing:
                pid = existing[name]
                before = [t.id for t in self.store.playlist_tracks(pid)] if append else []
                self.store.set_playlist_tracks(pid, before + list(ids))
            else:
                pid = self.store.create_playlist(name, ids)
        except LibraryError as exc:  # a full disk, a busy or read-only library: said, not lost
            QMessageBox.warning(self.parent, QCoreApplication.translate(
                "PlaylistController", "Save playlist"), QCoreApplication.translate(
                "PlaylistController", "The playlist “{0}” was not saved:\n{1}").format(name, exc))
            return None
        self._show(QCoreApplication.translate(
                "PlaylistController", "Saved playlist “{0}” ({1} songs)").format(name, len(ids)),
                   5000)
        self.sidebar.categories["playlist"].setExpanded(True)
        self.sidebar.refresh()
        if self.model.browse.playlist_id == pid:
            self.model.reload()
        return pid

    def save_queue(self, name: str | None = None) -> int | None:
        return self.save_tracks_as_playlist(self.queue.ids(), name)

    def play_playlist(self, playlist_id: int) -> None:
        ids = [t.id for t in self.store.playlist_tracks(playlist_id)]
        self.playback.play_rows(self.resolve_rows(ids))

    def delete_playlist(self, playlist_id: int) -> None:
        try:
            self.store.delete_playlist(playlist_id)
        except LibraryError as exc:
            QMessageBox.warning(self.parent, "Delete playlist",
                                f"The playlist was not deleted:\n{exc}")
            return
        self.sidebar.refresh()

    def export_playlist(self, playlist_id: int) -> None:
        self.export(self.resolve_rows([t.id for t in self.store.playlist_tracks(playlist_id)]))

    def export_queue(self) -> None:
        self.export(self.queue.items)

    def export(self, rows: list[Row], path: str | None = None) -> None:
        """Write *rows* to a playlist file (*path*, else the one the user names)."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.parent, QCoreApplication.translate(
                "PlaylistController", "Export playlist"),
                                                  "playlist.m3u8", PLAYLIST_FILES)
        if not path:
            return
        try:
            write_playlist(path, entries_for_tracks(rows), title="Soundalike queue")
        except (OSError, LibraryError) as exc:
            QMessageBox.warning(self.parent, QCoreApplication.translate(
                "PlaylistController", "Export playlist"), str(exc))
            return
        self._show(QCoreApplication.translate(
                "PlaylistController", "Exported {0} songs to {1}").format(len(rows), path), 5000)

    def import_playlist(self, path: str | None = None) -> int | None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.parent, QCoreApplication.translate(
                "PlaylistController", "Import playlist"), "",
                                                  PLAYLIST_FILES)
        if not path:
            return None
        try:
            paths = [e.path for e in read_playlist(path)]
        except (OSError, LibraryError) as exc:
            QMessageBox.warning(self.parent, QCoreApplication.translate(
                "PlaylistController", "Import playlist"), str(exc))
            return None
        ids, missing = [], 0
        for p in paths:
            track = self.store.track_by_path(p)
            if track is None:
                missing += 1
            else:
                ids.append(track.id)
        if not ids:
            self._show(QCoreApplication.translate(
                "PlaylistController", "None of the {0} songs in {1} are in the library")
                       .format(len(paths), path), 8000)
            return None
        pid = self.save_tracks_as_playlist(ids, Path(path).stem)
        if missing:
            self._show(QCoreApplication.translate(
                "PlaylistController", "Imported {0} songs; {1} are not in the library")
                       .format(len(ids), missing), 8000)
        return pid
