"""The album grid: every album with its cover, name and artist.

The album list is read in the background the first time the tab is shown (and again
when the library changed); covers come from the :class:`~soundalike.gui.covers.
CoverLoader` as the grid scrolls, so opening it on a large library costs one query.
Keyboard: the arrow keys, Home/End and Page Up/Down move, typing the first letters
finds an album, Return (or a double-click) plays it, Ctrl+Return shows its tracks in the
library table, Shift+Return adds it to the queue; the menu key or a right-click opens
the same choices.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QMenu, QVBoxLayout, QWidget

from soundalike.gui.covers import CoverLoader, placeholder
from soundalike.gui.keys import widget_shortcut
from soundalike.gui.tasks import Tasks
from soundalike.library.browse import LibraryReader
from soundalike.library.model.views import Album

ICON = 128


class AlbumModel(QAbstractListModel):
    """The albums of the library (:class:`~soundalike.library.model.views.Album`)."""

    #: the album list has been (re)loaded: number of albums
    loaded = Signal(int)

    def __init__(self, reader: LibraryReader, covers: CoverLoader, tasks: Tasks, parent=None):
        super().__init__(parent)
        self.reader = reader
        self.covers = covers
        self.tasks = tasks
        self.albums: list[Album] = []
        self._rows_of: dict[str, list[int]] = {}
        self.stale = True
        self.loading = False
        self._placeholder = None
        covers.ready.connect(self._cover_ready)

    def ensure_loaded(self) -> None:
        """Load the album list if it is stale (in the background)."""
        if not self.stale or self.loading:
            return
        self.loading = True
        self.stale = False

        def done(albums: list[Album]) -> None:
            self.loading = False
            self.beginResetModel()
            self.albums = albums
            self._rows_of = {}
            for i, a in enumerate(albums):
                self._rows_of.setdefault(a.path, []).append(i)
            self.endResetModel()
            self.loaded.emit(len(albums))

        def failed(exc: BaseException) -> None:
            self.loading = False
            self.stale = True
            self.loaded.emit(len(self.albums))

        self.tasks.run_task(self.reader.albums, done, failed)

    def album(self, row: int) -> Album | None:
        return self.albums[row] if 0 <= row < len(self.albums) else None

    def _cover_ready(self, path: str) -> None:
        for r in self._rows_of.get(path, ()):
            ix = self.index(r)
            self.dataChanged.emit(ix, ix, [Qt.ItemDataRole.DecorationRole])

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.albums)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        album = self.album(index.row()) if index.isValid() else None
        if album is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{album.name}\n{album.display_artist}"
        if role == Qt.ItemDataRole.DecorationRole:
            pm = self.covers.pixmap(album.path, ICON)
            if pm is None:
                if self._placeholder is None:
                    from PySide6.QtWidgets import QApplication

                    text = QApplication.palette().color(QPalette.ColorRole.Text)
                    self._placeholder = placeholder(ICON, text)
                pm = self._placeholder
            return pm
        if role == Qt.ItemDataRole.ToolTipRole:
            year = f" ({album.year})" if album.year else ""
            n = f"{album.tracks} track{'s' if album.tracks != 1 else ''}"
            cover = self.covers.art_file(album.path)
            why = self.covers.cover(album.path)
            note = "" if cover or why is None or not why.reason else f"\nNo cover: {why.reason}"
            return f"{album.name}{year}\n{album.display_artist} · {n}{note}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{album.name} by {album.display_artist}"
        if role == Qt.ItemDataRole.UserRole:
            return album
        return None


class AlbumGrid(QWidget):
    """The albums as a grid of covers (see the module docstring for the keys)."""

    play_requested = Signal(object)    # Album
    queue_requested = Signal(object)   # Album
    show_requested = Signal(object)    # Album: its tracks in the library table
    similar_albums_requested = Signal(object)    # Album
    similar_artists_requested = Signal(object)   # Album (its artist)
    artist_radio_requested = Signal(object)      # Album (its artist)

    def __init__(self, reader: LibraryReader, covers: CoverLoader, tasks: Tasks, parent=None):
        super().__init__(parent)
        self.setObjectName("AlbumGrid")
        self.model = AlbumModel(reader, covers, tasks, self)
        self.view = QListView(self)
        self.view.setObjectName("AlbumView")
        self.view.setAccessibleName(self.tr("Albums"))
        self.view.setToolTip(self.tr("Your albums: arrows move, Enter plays the album, "
                                     "Shift+Enter queues it, Ctrl+Enter shows its songs"))
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setWrapping(True)
        self.view.setUniformItemSizes(True)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(500)
        self.view.setIconSize(QSize(ICON, ICON))
        line = self.view.fontMetrics().height()
        self.view.setGridSize(QSize(ICON + 28, ICON + 2 * line + 18))
        self.view.setSpacing(4)
        self.view.setWordWrap(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        # activated: Return on the current album, or a double-click
        self.view.activated.connect(lambda ix: self._emit(self.play_requested, ix))
        widget_shortcut("Ctrl+Return", self.view,
                        lambda: self._emit(self.show_requested, self.view.currentIndex()))
        widget_shortcut("Shift+Return", self.view,
                        lambda: self._emit(self.queue_requested, self.view.currentIndex()))
        self.empty = QLabel(self.tr("No albums yet: albums appear here once their songs are "
                                    "scanned."), self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        self.model.loaded.connect(self._on_loaded)

    def ensure_loaded(self) -> None:
        self.model.ensure_loaded()

    def mark_stale(self) -> None:
        """The library changed: reload now if shown, else when next shown."""
        self.model.stale = True
        if self.isVisible():
            self.model.ensure_loaded()

    def current_album(self) -> Album | None:
        return self.model.album(self.view.currentIndex().row())

    def _on_loaded(self, n: int) -> None:
        self.empty.setVisible(n == 0)
        if n and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0))

    def _emit(self, signal, index: QModelIndex) -> None:
        album = self.model.album(index.row()) if index.isValid() else None
        if album is not None:
            signal.emit(album)

    def _menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            index = self.view.currentIndex()
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        self.menu_for(index).exec(self.view.viewport().mapToGlobal(pos))

    def menu_for(self, index: QModelIndex) -> QMenu:
        menu = QMenu(self)
        menu.addAction(self.tr("Play album"), lambda: self._emit(self.play_requested, index))
        menu.addAction(self.tr("Add album to queue"),
                       lambda: self._emit(self.queue_requested, index))
        menu.addAction(self.tr("Show the album's songs"),
                       lambda: self._emit(self.show_requested, index))
        menu.addSeparator()
        menu.addAction(self.tr("Similar albums"),
                       lambda: self._emit(self.similar_albums_requested, index))
        menu.addAction(self.tr("Similar artists"),
                       lambda: self._emit(self.similar_artists_requested, index))
        menu.addAction(self.tr("Artist radio"),
                       lambda: self._emit(self.artist_radio_requested, index))
        return menu
