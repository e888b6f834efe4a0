"""The main window: sidebar, library table, similar panel, play queue, now-playing bar,
library map and the status bar with the analysis progress.

The window builds its widgets (:mod:`.create`), makes one QAction per
:class:`~.actions.ActionName` (:mod:`.actions`) and hands the work to controllers,
each given what it uses through its constructor: :class:`~.playback.PlaybackController`,
:class:`~.library.LibraryBrowser`, :class:`~.similarity.SimilarityActions`,
:class:`~.playlists.PlaylistController`, :class:`~.folders.FolderController` and
:class:`~.session.SessionController` (the queue, track and position saved and restored).
It opens its own read-only :class:`LibraryReader` for the table and one
:class:`Store` for the few small writes the UI makes (playlists, folders, settings);
its thread pools come from the application (:class:`~soundalike.gui.tasks.Tasks`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from soundalike.engine.formats import is_audio_name
from soundalike.gui.about import AboutDialog
from soundalike.gui.covers import CoverLoader
from soundalike.gui.desktop import Notifier, Tray
from soundalike.gui.keys import widget_shortcut
from soundalike.gui.library_model import LibraryModel
from soundalike.gui.library_query import LibraryReader, Row
from soundalike.gui.mainwindow import create
from soundalike.gui.mainwindow.actions import (
    MEDIA_KEYS,
    TABLE_KEYS,
    ActionName,
    ActionRegistry,
)
from soundalike.gui.mainwindow.discovery import DiscoveryActions
from soundalike.gui.mainwindow.folders import FolderController, analysis_bridge
from soundalike.gui.mainwindow.library import LibraryBrowser, resolver
from soundalike.gui.mainwindow.playback import PlaybackController
from soundalike.gui.mainwindow.playlists import PlaylistController
from soundalike.gui.mainwindow.session import SessionController
from soundalike.gui.mainwindow.similarity import SimilarityActions
from soundalike.gui.player import Player
from soundalike.gui.preferences import PlayerSettings, Preferences
from soundalike.gui.queue_model import QueueModel
from soundalike.gui.settings_dialog import SettingsDialog
from soundalike.gui.tasks import Tasks
from soundalike.library.listening.session import session_path
from soundalike.library.store import Store

__all__ = ["MainWindow"]

A = ActionName


class MainWindow(QMainWindow):
    """The player. ``MainWindow(db_path)``; call :meth:`start_background` to start the
    scan, the folder watcher and the analysis. *tasks*: the application's thread pools
    (a window made without them gets its own)."""

    def __init__(self, db_path: str | Path, *, analysis_workers: int | None = None,
                 settings: QSettings | None = None, tasks: Tasks | None = None, parent=None):
        super().__init__(parent)
        self.db_path = str(db_path)
        self.tasks = tasks if tasks is not None else Tasks(self)
        self.store = Store(self.db_path)
        self.reader = LibraryReader(self.db_path)
        self.qsettings = settings or QSettings()
        self.setWindowTitle("Soundalike")
        self.setAcceptDrops(True)  # folders and audio files from a file manager
        self.setObjectName("MainWindow")
        self.setDockNestingEnabled(True)

        # models, widgets, actions
        self.resolve_rows = resolver(self.reader)
        self.model = LibraryModel(self.reader, self, tasks=self.tasks)
        self.queue = QueueModel(self.resolve_rows, self)
        # its own read-only connection: a track's level is looked up as it starts, never
        # waiting behind the table's long reads on the shared reader's lock
        self.loudness_reader = LibraryReader(self.db_path)
        self.player = Player(self.queue, self, loudness=self.loudness_reader.loudness)
        self.covers = CoverLoader(self.tasks, parent=self)
        self.analysis = analysis_bridge(self.db_path, self.store, analysis_workers, self)
        ui = create.build_widgets(self)
        self.search, self.table, self.count_label = ui.search, ui.table, ui.count_label
        self.sidebar, self.similar_panel, self.queue_panel = (ui.sidebar, ui.similar_panel,
                                                              ui.queue_panel)
        self.now_playing, self.album_grid, self.map = ui.now_playing, ui.album_grid, ui.map
        self.analysis_status, self.folder_banner, self.tabs = (ui.analysis_status,
                                                               ui.folder_banner, ui.tabs)
        self.center_split, self.main_split = ui.center_split, ui.main_split
        self.queue_dock = ui.queue_dock
        self.registry = ActionRegistry(
            self, adopt={A.QUEUE_PANEL: self.queue_dock.toggleViewAction()})

        # controllers
        show = self.statusBar().showMessage
        self.playback = PlaybackController(player=self.player, queue=self.queue,
                                           now_playing=self.now_playing, search=self.search,
                                           show_message=show, parent=self)
        self.browser = LibraryBrowser(reader=self.reader, model=self.model, table=self.table,
                                      search=self.search, sidebar=self.sidebar, tabs=self.tabs,
                                      map_view=self.map, count_label=self.count_label,
                                      playback=self.playback, registry=self.registry,
                                      album_grid=self.album_grid, parent=self)
        self.similarity = SimilarityActions(
            db_path=self.db_path, tasks=self.tasks, reader=self.reader,
            resolve_rows=self.resolve_rows, analysis=self.analysis, player=self.player,
            queue=self.queue, similar_panel=self.similar_panel,
            similar_action=self.registry[A.SIMILAR_PANEL], show_message=show, parent=self)
        self.playlists = PlaylistController(store=self.store, resolve_rows=self.resolve_rows,
                                            queue=self.queue, playback=self.playback,
                                            sidebar=self.sidebar, model=self.model,
                                            show_message=show, parent=self)
        self.discovery = DiscoveryActions(similarity=self.similarity, queue=self.queue,
                                          store=self.store, sidebar=self.sidebar,
                                          model=self.model, resolve_rows=self.resolve_rows,
                                          show_message=show,
                                          play_rows=self.playback.play_rows,
                                          show_browse=lambda: self.tabs.setCurrentIndex(0),
                                          save_playlist=lambda ids, name:
                                          self.playlists.save_tracks_as_playlist(ids, name),
                                          parent=self)
        self.preferences = Preferences(self.qsettings, self)
        self.tray = Tray(self.player, self, self)
        self.notifier = Notifier(self.player, self, tray=self.tray, parent=self)
        self.folders = FolderController(db_path=self.db_path, store=self.store,
                                        tasks=self.tasks, analysis=self.analysis,
                                        browser=self.browser,
                                        pause_action=self.registry[A.PAUSE_ANALYSIS],
                                        show_message=show, preferences=self.preferences,
                                        tray_available=Tray.available, parent=self)
        self._quitting = False
        self._told_about_tray = False
        self.apply_preferences(self.preferences.load())

        self.session = SessionController(
            path=session_path(self.db_path), player=self.player, queue=self.queue,
            reader=self.reader, tasks=self.tasks, radio=self.similarity, show_message=show,
            parent=self)

        self.mpris = None
        if sys.platform.startswith("linux"):
            from soundalike.gui.mpris import Mpris

            # silently absent without a session bus
            self.mpris = Mpris(self.player, self, covers=self.covers)

        create.build_menus(self.menuBar(), self.registry)
        self.addActions([self.registry[name] for name in MEDIA_KEYS])
        self.table.addActions([self.registry[name] for name in TABLE_KEYS])
        self._connect()
        self._restore_layout()
        if not self.model.loading:  # (sorting the table has usually started the load)
            self.model.reload()
        self.session.restore()  # queue, track and position, radio: in the background

    def _connect(self) -> None:
        """Actions → controllers, and the signals that cross from one to another."""
        player, browser, similar, playlists = (self.player, self.browser, self.similarity,
                                               self.playlists)

        def menu_rows() -> list[Row]:
            return self.resolve_rows(browser.target_ids())

        self.registry.connect({
            A.ADD_FOLDER: self.folders.add_folder,
            A.FIND_LIKE_FILE: similar.find_like_file,
            A.IMPORT_PLAYLIST: playlists.import_playlist,
            A.EXPORT_QUEUE: playlists.export_queue,
            A.SETTINGS: self.folders.open_settings,
            A.QUIT: self.quit,
            A.ABOUT: self.show_about,
            A.FOCUS_NEXT_PANE: lambda: self.focus_pane(1),
            A.FOCUS_PREVIOUS_PANE: lambda: self.focus_pane(-1),
            A.ABOUT_QT: lambda: QMessageBox.aboutQt(self, self.tr("About Qt")),
            A.PLAY_PAUSE: self.playback.play_pause,
            A.NEXT: player.next,
            A.PREVIOUS: player.previous,
            A.PAUSE_ANALYSIS: self.analysis_status.toggle,
            A.MORE_LIKE: similar.more_like,
            A.LESS_LIKE: similar.less_like,
            A.MOOD_RADIO: similar.open_mood_dialog,
            A.SEARCH: browser.focus_search,
            A.LIBRARY_MAP: browser.show_map,
            A.LIBRARY: browser.show_library,
            A.ALBUMS: browser.show_albums,
            A.PLAY_FROM_ROW: browser.play_current_row,
            A.PLAY: lambda: self.playback.play_now(menu_rows()),
            A.PLAY_NEXT: lambda: self.playback.play_next(menu_rows()),
            A.ENQUEUE: lambda: self.playback.enqueue(menu_rows()),
            A.FIND_SIMILAR: lambda: similar.find_similar(browser.target_ids()),
            A.PLAY_SIMILAR_NEXT: lambda: similar.play_similar_next(browser.target_ids()),
            A.START_RADIO: lambda: similar.start_radio(browser.target_ids()),
            A.PATH_TO: lambda: similar.path_to(browser.target_ids()[0])
            if browser.target_ids() else None,
            A.ADD_TO_PLAYLIST: lambda: playlists.save_tracks_as_playlist(
                browser.target_ids(), append=True),
            A.MEDIA_PLAY: player.play,
            A.MEDIA_TOGGLE: player.toggle,
            A.MEDIA_PAUSE: player.pause,
            A.MEDIA_STOP: player.stop,
            A.MEDIA_NEXT: player.next,
            A.MEDIA_PREVIOUS: player.previous,
        })
        self.registry[A.SIMILAR_PANEL].toggled.connect(self.similar_panel.setVisible)
        self.folders.unavailable_changed.connect(self._on_unavailable)

        self.sidebar.playlist_play_requested.connect(playlists.play_playlist)
        self.sidebar.playlist_delete_requested.connect(playlists.delete_playlist)
        self.sidebar.playlist_export_requested.connect(playlists.export_playlist)
        player.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        player.current_changed.connect(self._on_track)
        self.queue_panel.play_requested.connect(player.play_row)
        self.queue_panel.save_requested.connect(playlists.save_queue)
        self.queue_panel.export_requested.connect(playlists.export_queue)
        discovery = self.discovery
        self.queue_panel.order_requested.connect(discovery.order_queue)
        self.queue_panel.undo_order_requested.connect(discovery.undo_queue_order)
        self.queue_panel.can_undo_order = discovery.can_undo_queue_order
        self.sidebar.playlist_order_requested.connect(discovery.order_playlist)
        self.sidebar.playlist_undo_order_requested.connect(discovery.undo_playlist_order)
        self.sidebar.can_undo_playlist_order = discovery.can_undo_playlist_order
        self.sidebar.similar_groups_requested.connect(
            lambda kind, source, name: discovery.similar_groups(kind, source_kind=source,
                                                                name=name))
        self.sidebar.artist_radio_requested.connect(discovery.artist_radio)
        self.sidebar.mixes_wanted.connect(discovery.refresh_mixes)
        self.sidebar.mix_play_requested.connect(similar.start_mix_radio)
        self.sidebar.mix_save_requested.connect(discovery.save_mix)
        self.sidebar.mix_pin_requested.connect(discovery.pin_mix)
        for signal, kind in ((self.album_grid.similar_albums_requested, "album"),
                             (self.album_grid.similar_artists_requested, "artist")):
            signal.connect(lambda album, kind=kind: discovery.similar_groups(
                kind, track_ids=self.reader.album_ids(album)))
        self.album_grid.artist_radio_requested.connect(
            lambda album: discovery.artist_radio(album.display_artist))
        self.queue_panel.more_like_requested.connect(similar.more_like)
        self.queue_panel.less_like_requested.connect(similar.less_like)
        self.now_playing.more_like_requested.connect(similar.more_like)
        self.now_playing.less_like_requested.connect(similar.less_like)
        similar.queue_reason_changed.connect(self._on_reason)
        self.similar_panel.play_requested.connect(self.playback.play_now)
        self.similar_panel.queue_requested.connect(self.playback.enqueue)
        self.similar_panel.radio_requested.connect(
            lambda rows: similar.start_radio([r.id for r in rows]))
        self.map.play_requested.connect(
            lambda tid: self.playback.play_now(self.resolve_rows([tid])))
        self.map.similar_requested.connect(lambda tid: similar.find_similar([tid]))
        self.album_grid.play_requested.connect(browser.play_album)
        self.album_grid.queue_requested.connect(
            lambda album: browser.play_album(album, enqueue=True))
        self.album_grid.show_requested.connect(browser.show_album_tracks)
        self.playback.queue_replaced.connect(similar.stop_radio)
        similar.radio_changed.connect(self._on_radio)
        similar.radio_changed.connect(lambda label: player.set_radio(bool(label)))
        self.preferences.changed.connect(self.apply_preferences)
        # keyboard: Down or Enter… in the search box and Enter in the sidebar go to the songs
        # (Enter on a mix plays it)
        widget_shortcut(Qt.Key.Key_Down, self.search, lambda: self._focus_view(self.table))
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            widget_shortcut(key, self.sidebar, lambda: self.sidebar.activate_current()
                            or self._focus_view(self.table))
        self.tray.quit_requested.connect(self.quit)

    def _on_unavailable(self, folders: list) -> None:
        """Music folders went or came back: the banner says which, the queue greys their
        songs, the radio waits for them."""
        self.folder_banner.show_folders(folders)
        roots = [f.path for f in folders]
        self.queue.set_unavailable(roots)
        self.similarity.set_unavailable(roots)

    def _on_track(self, row: Row | None) -> None:
        self.setWindowTitle(f"{row.display_title} — {row.display_artist} · Soundalike"
                            if row else "Soundalike")
        if row is not None:
            self.browser.reveal(row.id)

    def _on_reason(self, reason: str) -> None:
        self.queue_panel.radio_label.setToolTip(self.tr("Latest tracks chosen {0}").format(reason))
        self.statusBar().showMessage(self.tr("Radio: {0}").format(reason), 8000)

    def _on_radio(self, label: str) -> None:
        self.queue_panel.radio_label.setText(label)
        if label:
            self.queue_dock.setVisible(True)

    def apply_preferences(self, ps: PlayerSettings) -> None:
        """The player's preferences (Settings → Playback, Desktop) take effect now."""
        self.player.set_gain_settings(ps.gain)
        self.player.set_transitions(gapless=ps.gapless, crossfade_s=ps.crossfade_s)
        self.notifier.enabled = ps.notify
        self.close_to_tray = ps.close_to_tray and Tray.available()
        self.tray.set_enabled(self.close_to_tray)

    def panes(self) -> list[QWidget]:
        """The window's regions in F6 order (those shown): sidebar, the library list or
        map, the similar panel, the queue, the now-playing bar."""
        library = self.table if self.tabs.currentIndex() == 0 else self.map
        panes = [self.sidebar, library, self.similar_panel.view, self.queue_panel.view,
                 self.now_playing.play_button]
        return [p for p in panes if p.isVisible()]

    def focus_pane(self, step: int) -> QWidget | None:
        """Move the keyboard focus to the next (*step* 1) or previous (−1) region (F6,
        Shift+F6); an empty list gets its first row as the current one."""
        panes = self.panes()
        if not panes:
            return None
        focus = QApplication.focusWidget()
        here = next((i for i, p in enumerate(panes)
                     if focus is not None and (focus is p or p.isAncestorOf(focus))), None)
        if here is None and focus is self.search:
            here = panes.index(self.table) if self.table in panes else None
        target = panes[((here if here is not None else -1 if step > 0 else 0) + step)
                       % len(panes)]
        self._focus_view(target)
        return target

    @staticmethod
    def _focus_view(widget: QWidget) -> None:
        widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if isinstance(widget, QAbstractItemView):
            model = widget.model()
            if model is not None and not widget.currentIndex().isValid() and model.rowCount():
                widget.setCurrentIndex(model.index(0, 0))

    def show_about(self) -> AboutDialog:
        dialog = AboutDialog(self)
        dialog.open()
        return dialog

    def quit(self) -> None:
        """Quit for real (the tray does not keep the window)."""
        self._quitting = True
        self.close()

    # ------------------------------------------------------------------ what others call
    # (the app, the tests and the scripts in docs/ and benchmarks/)
    def start_background(self, *, scan: bool = True, watch: bool = True,
                         analyse: bool = True) -> None:
        """Scan the music folders, watch them, and analyse what is pending."""
        self.folders.start_background(scan=scan, watch=watch, analyse=analyse)

    def ask_for_folders(self) -> None:
        self.folders.ask_for_folders()

    def open_settings(self) -> SettingsDialog:
        return self.folders.open_settings()

    @property
    def watcher(self):
        return self.folders.watcher

    @property
    def watcher_options(self) -> dict:
        return self.folders.watcher_options

    @watcher_options.setter
    def watcher_options(self, options: dict) -> None:
        self.folders.watcher_options = options

    def refresh_library(self) -> None:
        self.browser.refresh_library()

    def selected_ids(self) -> list[int]:
        return self.browser.selected_ids()

    def table_menu(self) -> QMenu:
        return self.browser.table_menu()

    def play_from_table(self, row: int) -> None:
        self.browser.play_from_table(row)

    def find_like_file(self, path: str | None = None) -> None:
        self.similarity.find_like_file(path)

    def save_queue(self, name: str | None = None) -> int | None:
        return self.playlists.save_queue(name)

    def save_tracks_as_playlist(self, ids: list[int], name: str | None = None, *,
                                append: bool = False) -> int | None:
        return self.playlists.save_tracks_as_playlist(ids, name, append=append)

    def import_playlist(self, path: str | None = None) -> int | None:
        return self.playlists.import_playlist(path)

    # ------------------------------------------------------------------ layout memory
    def _restore_layout(self) -> None:
        s = self.qsettings
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        for name, splitter in (("main", self.main_split), ("center", self.center_split)):
            value = s.value(f"window/split_{name}")
            if isinstance(value, QByteArray) and not value.isEmpty():
                splitter.restoreState(value)
        header = s.value("window/table_header")
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.table.horizontalHeader().restoreState(header)
        self.playback.restore_volume(s)

    def save_layout(self) -> None:
        s = self.qsettings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/split_main", self.main_split.saveState())
        s.setValue("window/split_center", self.center_split.saveState())
        s.setValue("window/table_header", self.table.horizontalHeader().saveState())
        self.playback.save_volume(s)
        s.sync()

    # ------------------------------------------------------------------ files dropped
    @staticmethod
    def _dropped_paths(event) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event) -> None:
        if any(os.path.isdir(p) or is_audio_name(p) for p in self._dropped_paths(event)):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """A dropped folder becomes a music folder; a dropped audio file is compared with
        the library (Find songs like a file)."""
        paths = self._dropped_paths(event)
        folders = [p for p in paths if os.path.isdir(p)]
        files = [p for p in paths if os.path.isfile(p) and is_audio_name(p)]
        if not folders and not files:
            return
        event.acceptProposedAction()
        for folder in folders:
            self.folders.add_folder(folder)
        if folders:
            self.statusBar().showMessage(
                self.tr("Added a music folder: scanning…") if len(folders) == 1
                else self.tr("Added {0} music folders: scanning…").format(len(folders)), 5000)
        if files:
            self.similarity.find_like_file(files[0])

    # ------------------------------------------------------------------ quitting
    def closeEvent(self, event) -> None:
        if self.close_to_tray and self.tray.visible and not self._quitting:
            # closed to the tray: the music goes on, the window comes back from the icon
            self.save_layout()
            self.hide()
            event.ignore()
            if not self._told_about_tray:
                self._told_about_tray = True
                self.tray.icon.showMessage(
                    "Soundalike", self.tr("Soundalike keeps playing here. Quit from this "
                                          "icon's menu."), self.windowIcon(), 4000)
            return
        self.tray.set_enabled(False)
        self.save_layout()
        if self.mpris is not None:
            self.mpris.close()
        self.session.close()  # (before the player stops: that would clear the track)
        self.covers.close()
        self.player.stop()
        self.folders.shutdown()
        self.similarity.close()
        self.tasks.wait_idle(3000)
        self.map.close()
        self.reader.close()
        self.loudness_reader.close()
        self.store.close()
        super().closeEvent(event)
