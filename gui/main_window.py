"""The main window: sidebar, library table, similar panel, play queue, now-playing bar,
library map and the status bar with the analysis progress.

Everything the window needs comes through its constructor (the database path); it
opens its own read-only :class:`LibraryReader` for the table and one :class:`Store`
for the few small writes the UI makes (playlists, folders, settings).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from soundalike.gui.actions import SimilarityActions
from soundalike.gui.bridges import AnalysisBridge, CallbackBridge
from soundalike.gui.library_model import LibraryModel
from soundalike.gui.library_query import Browse, LibraryReader, Row
from soundalike.gui.map_view import LibraryMap
from soundalike.gui.nowplaying import NowPlayingBar
from soundalike.gui.player import Player
from soundalike.gui.queue_model import QueueModel
from soundalike.gui.queue_panel import QueuePanel
from soundalike.gui.settings_dialog import (
    BATTERY_KEY,
    WORKERS_KEY,
    FirstRunDialog,
    LibrarySettings,
    SettingsDialog,
)
from soundalike.gui.sidebar import Sidebar
from soundalike.gui.similar_panel import SimilarPanel
from soundalike.gui.status import AnalysisStatus
from soundalike.gui.tasks import wait_idle
from soundalike.library.errors import LibraryError
from soundalike.engine.formats import AUDIO_EXTENSIONS, is_audio_name
from soundalike.library.playlist_files import entries_for_tracks, read_playlist, write_playlist
from soundalike.library.store import Store

SEARCH_DEBOUNCE_MS = 120
REFRESH_DEBOUNCE_MS = 800


class MainWindow(QMainWindow):
    """The player. ``MainWindow(db_path)``; call :meth:`start_background` to start the
    scan, the folder watcher and the analysis."""

    def __init__(self, db_path: str | Path, *, analysis_workers: int | None = None,
                 settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self.db_path = str(db_path)
        self.store = Store(self.db_path)
        self.reader = LibraryReader(self.db_path)
        self.qsettings = settings or QSettings()
        self.setWindowTitle("Soundalike")
        self.setAcceptDrops(True)  # folders and audio files from a file manager
        self.setObjectName("MainWindow")
        self.setDockNestingEnabled(True)

        # models and controllers
        self.model = LibraryModel(self.reader, self)
        self.queue = QueueModel(self.resolve_rows, self)
        self.player = Player(self.queue, self)
        workers = analysis_workers or int(self.store.get_setting(WORKERS_KEY, 0) or 0) or None
        self.analysis = AnalysisBridge(
            self.db_path, workers=workers,
            pause_on_battery=bool(self.store.get_setting(BATTERY_KEY, False)), parent=self)
        self.watcher_events = CallbackBridge(self)
        self.watcher_messages = CallbackBridge(self)
        self.watcher_options: dict = {}
        self._total: int | None = None  # tracks in the library (for the status bar)
        self.watcher = None

        # widgets
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search title, artist, album, genre… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setObjectName("SearchBox")
        self.table = self._make_table()
        self.count_label = QLabel("", self)
        self.sidebar = Sidebar(self.reader, self)
        self.similar_panel = SimilarPanel(self)
        self.queue_panel = QueuePanel(self.queue, self)
        self.now_playing = NowPlayingBar(self.player, self)
        self.map = LibraryMap(self.db_path, self)
        self.analysis_status = AnalysisStatus(self.analysis, self)
        self.actions = SimilarityActions(self)

        library_page = QWidget(self)
        lib_layout = QVBoxLayout(library_page)
        lib_layout.setContentsMargins(0, 0, 0, 0)
        lib_layout.setSpacing(4)
        lib_layout.addWidget(self.search)
        lib_layout.addWidget(self.table, 1)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(library_page, "Library")
        self.tabs.addTab(self.map, "Map")
        self.tabs.currentChanged.connect(self._on_tab)

        self.center_split = QSplitter(Qt.Orientation.Vertical, self)
        self.center_split.addWidget(self.tabs)
        self.center_split.addWidget(self.similar_panel)
        self.center_split.setStretchFactor(0, 3)
        self.center_split.setStretchFactor(1, 2)
        self.similar_panel.setVisible(False)

        self.main_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_split.addWidget(self.sidebar)
        self.main_split.addWidget(self.center_split)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([200, 900])

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.main_split, 1)
        layout.addWidget(self.now_playing)
        self.setCentralWidget(central)

        self.queue_dock = QDockWidget("Play queue", self)
        self.queue_dock.setObjectName("QueueDock")
        self.queue_dock.setWidget(self.queue_panel)
        self.queue_dock.setTitleBarWidget(QWidget(self.queue_dock))
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.queue_dock)
        self.resizeDocks([self.queue_dock], [300], Qt.Orientation.Horizontal)

        self.statusBar().addPermanentWidget(self.analysis_status)
        self.statusBar().addPermanentWidget(self.count_label)

        self.mpris = None
        if sys.platform.startswith("linux"):
            from soundalike.gui.mpris import Mpris

            self.mpris = Mpris(self.player, self)  # silently absent without a session bus

        self._build_menus()
        self._connect()
        self._restore_layout()
        if not self.model.loading:  # (sorting the table has usually started the load)
            self.model.reload()

    # ------------------------------------------------------------------ building
    def _make_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("LibraryTable")
        table.setModel(self.model)
        table.setSortingEnabled(True)
        table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setDragEnabled(True)
        table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        for col, width in enumerate((240, 150, 160, 100, 50, 60, 70)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        return table

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction("Add music folder…", self.add_folder)
        file_menu.addAction("Find songs like a file…", QKeySequence("Ctrl+Shift+F"),
                            self.find_like_file)
        file_menu.addAction("Import playlist…", self.import_playlist)
        file_menu.addAction("Export queue…", self.export_queue)
        file_menu.addSeparator()
        self.settings_action = file_menu.addAction("Settings…", self.open_settings)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)

        play_menu = bar.addMenu("&Playback")
        self.play_action = QAction("Play/Pause", self)
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.play_action.triggered.connect(self._space)
        play_menu.addAction(self.play_action)
        play_menu.addAction("Next", QKeySequence("Ctrl+Right"), self.player.next)
        play_menu.addAction("Previous", QKeySequence("Ctrl+Left"), self.player.previous)
        play_menu.addSeparator()
        self.pause_analysis_action = play_menu.addAction("Pause analysis",
                                                          self.analysis_status.toggle)

        view_menu = bar.addMenu("&View")
        find = view_menu.addAction("Search", QKeySequence.StandardKey.Find, self.focus_search)
        find.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.queue_action = self.queue_dock.toggleViewAction()
        self.queue_action.setText("Play queue")
        self.queue_action.setShortcut(QKeySequence("Ctrl+L"))
        view_menu.addAction(self.queue_action)
        self.similar_action = view_menu.addAction("Similar songs panel")
        self.similar_action.setCheckable(True)
        self.similar_action.toggled.connect(self.similar_panel.setVisible)
        view_menu.addAction("Library map", QKeySequence("Ctrl+M"),
                            lambda: self.tabs.setCurrentWidget(self.map))
        view_menu.addAction("Library", QKeySequence("Ctrl+1"),
                            lambda: self.tabs.setCurrentIndex(0))

        for key, slot in ((Qt.Key.Key_MediaPlay, self.player.play),
                          (Qt.Key.Key_MediaTogglePlayPause, self.player.toggle),
                          (Qt.Key.Key_MediaPause, self.player.pause),
                          (Qt.Key.Key_MediaStop, self.player.stop),
                          (Qt.Key.Key_MediaNext, self.player.next),
                          (Qt.Key.Key_MediaPrevious, self.player.previous)):
            QShortcut(QKeySequence(key), self, slot,
                      context=Qt.ShortcutContext.ApplicationShortcut)

    def _connect(self) -> None:
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(lambda: self.model.set_text(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._play_first_result)
        self.model.loaded.connect(self._on_loaded)
        self.table.doubleClicked.connect(lambda ix: self.play_from_table(ix.row()))
        self.table.customContextMenuRequested.connect(self._table_menu)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table,
                  lambda: self.play_from_table(self.table.currentIndex().row()),
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.sidebar.browse_changed.connect(self._on_browse)
        self.sidebar.playlist_play_requested.connect(self.play_playlist)
        self.sidebar.playlist_delete_requested.connect(self.delete_playlist)
        self.sidebar.playlist_export_requested.connect(self.export_playlist)
        self.player.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.player.current_changed.connect(self._on_track)
        self.queue_panel.play_requested.connect(self.player.play_row)
        self.queue_panel.save_requested.connect(self.save_queue)
        self.queue_panel.export_requested.connect(self.export_queue)
        self.similar_panel.play_requested.connect(self.play_now)
        self.similar_panel.queue_requested.connect(self.enqueue)
        self.similar_panel.radio_requested.connect(
            lambda rows: self.actions.start_radio([r.id for r in rows]))
        self.analysis.result.connect(lambda *_: self._schedule_refresh())
        self.analysis.progress.connect(self._on_analysis_progress)
        self.watcher_events.fired.connect(self._on_watcher_event)
        self.watcher_messages.fired.connect(
            lambda args: self.statusBar().showMessage(str(args[0]), 10000))
        self.map.play_requested.connect(lambda tid: self.play_now(self.resolve_rows([tid])))
        self.map.similar_requested.connect(lambda tid: self.actions.find_similar([tid]))
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DEBOUNCE_MS)
        self._refresh_timer.timeout.connect(self.refresh_library)

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
        self.player.set_volume(float(s.value("player/volume", 0.8)))
        self.now_playing.volume_slider.setValue(round(self.player.volume() * 100))

    def save_layout(self) -> None:
        s = self.qsettings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/split_main", self.main_split.saveState())
        s.setValue("window/split_center", self.center_split.saveState())
        s.setValue("window/table_header", self.table.horizontalHeader().saveState())
        s.setValue("player/volume", self.player.volume())
        s.sync()

    # ------------------------------------------------------------------ background work
    def start_background(self, *, scan: bool = True, watch: bool = True,
                         analyse: bool = True) -> None:
        """Scan the music folders, watch them, and analyse what is pending."""
        from soundalike.gui import library_glue

        if scan:
            library_glue.scan_async(self.db_path, self._after_scan)
        if watch:
            self._restart_watcher()
        if analyse:
            self.analysis.start()

    def _after_scan(self, summary) -> None:
        if self.reader.closed:
            return
        if summary:
            self.statusBar().showMessage(str(summary), 8000)
        self.refresh_library()
        self.analysis.notify()

    def _on_watcher_event(self, args: tuple) -> None:
        self._schedule_refresh()
        self.analysis.notify()

    def _schedule_refresh(self) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def refresh_library(self) -> None:
        """The database changed: reload the visible view and the sidebar."""
        if self.reader.closed:
            return
        self._total = None
        self.model.reload(keep_rows=True)
        self.sidebar.refresh()
        self.map.mark_stale()

    def _on_analysis_progress(self, p) -> None:
        self.pause_analysis_action.setText("Resume analysis" if self.analysis.paused
                                           else "Pause analysis")
        if p.message and p.state == "error":
            self.statusBar().showMessage(f"Analysis stopped: {p.message}", 15000)

    # ------------------------------------------------------------------ library view
    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def _on_browse(self, browse: Browse) -> None:
        self.model.set_browse(Browse(text=self.search.text(), artist=browse.artist,
                                     album=browse.album, genre=browse.genre,
                                     folder_id=browse.folder_id,
                                     playlist_id=browse.playlist_id))
        self.tabs.setCurrentIndex(0)

    def _on_loaded(self, n: int, seconds: float) -> None:
        if self._total is None or not self.model.browse.text:  # typing: the total stands
            self._total = self.reader.count()
        total = self._total
        self.count_label.setText(f"{n:,} of {total:,} tracks" if n != total
                                 else f"{total:,} tracks")

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.map:
            self.map.ensure_loaded()

    def selected_rows(self) -> list[int]:
        return sorted({ix.row() for ix in self.table.selectionModel().selectedRows()})

    def selected_ids(self) -> list[int]:
        return [tid for r in self.selected_rows() if (tid := self.model.track_id(r)) is not None]

    def resolve_rows(self, ids: list[int]) -> list[Row]:
        """Rows for these track ids, in the same order (unknown ids dropped)."""
        found = self.reader.rows(list(ids))
        return [found[i] for i in ids if i in found]

    # ------------------------------------------------------------------ playing
    def _space(self) -> None:
        if self.search.hasFocus():  # a space typed into the search box
            self.search.insert(" ")
            return
        self.player.toggle()

    def play_from_table(self, row: int) -> None:
        """Play the view from *row* on: the queue becomes the next 500 tracks of the view."""
        if row < 0:
            return
        ids = self.model.track_ids()[row:row + 500]
        self.actions.stop_radio()
        self.player.play_rows(self.resolve_rows(ids))

    def _play_first_result(self) -> None:
        if self.model.rowCount():
            self.play_from_table(0)

    def play_now(self, rows: list[Row]) -> None:
        """Insert *rows* after the current track and play the first of them."""
        if not rows:
            return
        at = self.queue.current + 1 if self.queue.current >= 0 else 0
        self.queue.insert(at, rows)
        self.player.play_row(at)

    def enqueue(self, rows: list[Row]) -> None:
        self.queue.append(rows)
        self.statusBar().showMessage(f"Added {len(rows)} song{'s' if len(rows) != 1 else ''} "
                                     f"to the queue", 4000)

    def play_next(self, rows: list[Row]) -> None:
        self.queue.insert_next(rows)

    def _on_track(self, row: Row | None) -> None:
        self.setWindowTitle(f"{row.display_title} — {row.display_artist} · Soundalike"
                            if row else "Soundalike")
        if row is not None:
            r = self.model.row_of(row.id)
            if r >= 0 and self.tabs.currentIndex() == 0 and not self.table.hasFocus():
                self.table.scrollTo(self.model.index(r, 0))

    # ------------------------------------------------------------------ context menu
    def _table_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        if index.row() not in self.selected_rows():
            self.table.selectRow(index.row())
        self.table_menu().exec(self.table.viewport().mapToGlobal(pos))

    def table_menu(self) -> QMenu:
        """The right-click menu for the selected tracks."""
        ids = self.selected_ids()
        rows = lambda: self.resolve_rows(ids)
        n = len(ids)
        menu = QMenu(self)
        menu.addAction("Play", lambda: self.play_now(rows()))
        menu.addAction("Play next", lambda: self.play_next(rows()))
        menu.addAction("Add to queue", lambda: self.enqueue(rows()))
        menu.addSeparator()
        menu.addAction("Find similar songs", lambda: self.actions.find_similar(ids))
        menu.addAction("Play similar next", lambda: self.actions.play_similar_next(ids))
        menu.addAction("Start radio" if n == 1 else f"Start radio from {n} songs",
                       lambda: self.actions.start_radio(ids))
        path_action = menu.addAction("Path to…", lambda: self.actions.path_to(ids[0]))
        path_action.setEnabled(n == 1)
        menu.addSeparator()
        menu.addAction("Add to playlist…",
                       lambda: self.save_tracks_as_playlist(ids, append=True))
        return menu

    # ------------------------------------------------------------------ playlists
    def _ask_playlist_name(self, title: str) -> str | None:
        name, ok = QInputDialog.getText(self, title, "Playlist name:")
        name = name.strip()
        return name if ok and name else None

    def save_tracks_as_playlist(self, ids: list[int], name: str | None = None, *,
                                append: bool = False) -> int | None:
        """Create the playlist *name* with *ids*, or replace its contents (``append``: add
        them at its end instead); returns its id."""
        name = name or self._ask_playlist_name("Add to playlist" if append else "Save playlist")
        if not name or not ids:
            return None
        existing = {p.name: p.id for p in self.store.playlists()}
        if name in existing:
            pid = existing[name]
            before = [t.id for t in self.store.playlist_tracks(pid)] if append else []
            self.store.set_playlist_tracks(pid, before + list(ids))
        else:
            pid = self.store.create_playlist(name, ids)
        self.statusBar().showMessage(f"Saved playlist “{name}” ({len(ids)} songs)", 5000)
        self.sidebar.categories["playlist"].setExpanded(True)
        self.sidebar.refresh()
        if self.model.browse.playlist_id == pid:
            self.model.reload()
        return pid

    def save_queue(self, name: str | None = None) -> int | None:
        return self.save_tracks_as_playlist(self.queue.ids(), name)

    def play_playlist(self, playlist_id: int) -> None:
        ids = [t.id for t in self.store.playlist_tracks(playlist_id)]
        self.actions.stop_radio()
        self.player.play_rows(self.resolve_rows(ids))

    def delete_playlist(self, playlist_id: int) -> None:
        self.store.delete_playlist(playlist_id)
        self.sidebar.refresh()

    def export_playlist(self, playlist_id: int) -> None:
        rows = self.resolve_rows([t.id for t in self.store.playlist_tracks(playlist_id)])
        self._export(rows)

    def export_queue(self) -> None:
        self._export(self.queue.items)

    def _export(self, rows: list[Row], path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export playlist", "playlist.m3u8",
                                                  "Playlists (*.m3u8 *.m3u *.xspf)")
        if not path:
            return
        try:
            write_playlist(path, entries_for_tracks(rows), title="Soundalike queue")
        except (OSError, LibraryError) as exc:
            QMessageBox.warning(self, "Export playlist", str(exc))
            return
        self.statusBar().showMessage(f"Exported {len(rows)} songs to {path}", 5000)

    # -- files dropped from a file manager -------------------------------------------------
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
            self.add_folder(folder)
        if folders:
            self.statusBar().showMessage(
                f"Added {len(folders)} music folder{'s' if len(folders) > 1 else ''}: "
                "scanning…", 5000)
        if files:
            self.find_like_file(files[0])

    def find_like_file(self, path: str | None = None) -> None:
        """Songs in the library that sound like any audio file the user picks."""
        if path is None:
            patterns = " ".join(f"*.{ext}" for ext in sorted(AUDIO_EXTENSIONS))
            path, _ = QFileDialog.getOpenFileName(self, "Find songs like a file", "",
                                                  f"Audio files ({patterns})")
        if path:
            self.actions.find_similar_to_file(path)

    def import_playlist(self, path: str | None = None) -> int | None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import playlist", "",
                                                  "Playlists (*.m3u8 *.m3u *.xspf)")
        if not path:
            return None
        try:
            paths = [e.path for e in read_playlist(path)]
        except (OSError, LibraryError) as exc:
            QMessageBox.warning(self, "Import playlist", str(exc))
            return None
        ids, missing = [], 0
        for p in paths:
            track = self.store.track_by_path(p)
            if track is None:
                missing += 1
            else:
                ids.append(track.id)
        if not ids:
            self.statusBar().showMessage(f"None of the {len(paths)} songs in {path} "
                                         f"are in the library", 8000)
            return None
        pid = self.save_tracks_as_playlist(ids, Path(path).stem)
        if missing:
            self.statusBar().showMessage(f"Imported {len(ids)} songs; {missing} are not in "
                                         f"the library", 8000)
        return pid

    # ------------------------------------------------------------------ settings
    def add_folder(self, path: str | None = None) -> None:
        """Add a music folder: it is scanned and watched at once."""
        if path is None:
            path = QFileDialog.getExistingDirectory(self, "Add a music folder")
        if not path:
            return
        if self.watcher is not None:
            self.watcher.add_folder(path)  # adds, scans and watches it on the watcher's thread
        else:
            self.store.add_folder(path)
            self.start_background(watch=False, analyse=False)

    def ask_for_folders(self) -> None:
        dialog = FirstRunDialog(self)
        if dialog.exec():
            for path in dialog.chosen_folders():
                if os.path.isdir(path):
                    self.store.add_folder(path)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(LibrarySettings.load(self.store), parent=self)
        dialog.finished.connect(lambda code: self._apply_settings(dialog) if code else None)
        dialog.open()
        return dialog

    def _apply_settings(self, dialog: SettingsDialog) -> None:
        settings = dialog.result_settings()
        added, removed = settings.save(self.store)
        self.analysis.set_options(workers=settings.workers or None,
                                  pause_on_battery=settings.pause_on_battery)
        if removed or self.watcher is None:
            self.start_background(watch=self.watcher is not None, analyse=False)
        else:
            for path in added:
                self.watcher.add_folder(path)

    def _restart_watcher(self) -> None:
        from soundalike.gui import library_glue

        if self.watcher is not None:
            library_glue.stop_watcher(self.watcher)
        self.watcher = library_glue.start_watcher(self.db_path, self.watcher_events.callback,
                                                  self.watcher_messages.callback,
                                                  **self.watcher_options)

    # ------------------------------------------------------------------ quitting
    def closeEvent(self, event) -> None:
        self.save_layout()
        if self.mpris is not None:
            self.mpris.close()
        self.player.stop()
        self.analysis.shutdown(timeout=3.0)  # finished files are saved; in flight stay pending
        if self.watcher is not None:
            from soundalike.gui import library_glue

            library_glue.stop_watcher(self.watcher)
            self.watcher = None
        self.actions.close()
        wait_idle(3000)
        self.map.close()
        self.reader.close()
        self.store.close()
        super().closeEvent(event)
