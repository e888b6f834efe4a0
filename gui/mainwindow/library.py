"""Library browsing: the table, the search box, the sidebar, the map tab and the count."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QTableView, QTabWidget

from soundalike.gui.album_grid import AlbumGrid
from soundalike.gui.library_model import LibraryModel
from soundalike.gui.library_query import Browse, LibraryReader, Row
from soundalike.gui.mainwindow.actions import ActionRegistry
from soundalike.gui.mainwindow.create import table_menu
from soundalike.gui.mainwindow.playback import PlaybackController
from soundalike.gui.map_view import LibraryMap
from soundalike.gui.sidebar import Sidebar
from soundalike.library.model.views import Album

SEARCH_DEBOUNCE_MS = 120
REFRESH_DEBOUNCE_MS = 800
PLAY_FROM_TABLE = 500  # tracks of the view queued when playing from a row


def resolver(reader: LibraryReader) -> Callable[[list[int]], list[Row]]:
    """``resolve_rows(ids)``: rows for these track ids, in the same order (unknown ids
    dropped)."""

    def resolve_rows(ids: list[int]) -> list[Row]:
        found = reader.rows(list(ids))
        return [found[i] for i in ids if i in found]

    return resolve_rows


class LibraryBrowser(QObject):
    """What the library table shows (search text + sidebar choice), the track count,
    playing from the table, and reloading when the database changed."""

    def __init__(self, *, reader: LibraryReader, model: LibraryModel, table: QTableView,
                 search: QLineEdit, sidebar: Sidebar, tabs: QTabWidget, map_view: LibraryMap,
                 count_label: QLabel, playback: PlaybackController, registry: ActionRegistry,
                 album_grid: AlbumGrid | None = None, parent=None):
        super().__init__(parent)
        self.reader = reader
        self.model = model
        self.table = table
        self.search = search
        self.sidebar = sidebar
        self.tabs = tabs
        self.map = map_view
        self.album_grid = album_grid
        self.count_label = count_label
        self.playback = playback
        self.registry = registry
        self.resolve_rows = resolver(reader)
        self.menu_ids: list[int] = []  # the songs the right-click menu was opened on
        self._total: int | None = None  # tracks in the library (for the count)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(lambda: model.set_text(search.text()))
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DEBOUNCE_MS)
        self._refresh_timer.timeout.connect(self.refresh_library)
        search.textChanged.connect(lambda _t: self._search_timer.start())
        search.returnPressed.connect(self.play_first_result)
        model.loaded.connect(self._on_loaded)
        # activated: a double-click, or Return/Enter on the current row
        table.activated.connect(lambda ix: self.play_from_table(ix.row()))
        table.customContextMenuRequested.connect(self._table_menu)
        sidebar.browse_changed.connect(self.show_browse)
        tabs.currentChanged.connect(self._on_tab)

    @property
    def closed(self) -> bool:
        return self.reader.closed

    # ------------------------------------------------------------------ the view
    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def show_browse(self, browse: Browse) -> None:
        """Show the sidebar's choice (the search text stays)."""
        self.model.set_browse(Browse(text=self.search.text(), artist=browse.artist,
                                     album=browse.album, genre=browse.genre,
                                     folder_id=browse.folder_id,
                                     playlist_id=browse.playlist_id))
        self.tabs.setCurrentIndex(0)

    def show_library(self) -> None:
        self.tabs.setCurrentIndex(0)

    def show_map(self) -> None:
        self.tabs.setCurrentWidget(self.map)

    def show_albums(self) -> None:
        if self.album_grid is not None:
            self.tabs.setCurrentWidget(self.album_grid)
            self.album_grid.view.setFocus()

    def show_album_tracks(self, album: Album) -> None:
        """The album's songs in the library table (the search box is cleared)."""
        self.search.clear()
        self.model.set_browse(Browse(album=album.name))
        self.tabs.setCurrentIndex(0)
        self.table.setFocus()

    def play_album(self, album: Album, *, enqueue: bool = False) -> None:
        """Play the album from its first track (or add it to the queue)."""
        rows = self.resolve_rows(self.reader.album_ids(album))
        if enqueue:
            self.playback.enqueue(rows)
        elif rows:
            self.playback.play_rows(rows)

    def _on_loaded(self, n: int, seconds: float) -> None:
        if self._total is None or not self.model.browse.text:  # typing: the total stands
            self._total = self.reader.count()
        total = self._total
        if n != total:
            text = self.tr("{0} of {1} tracks").format(f"{n:,}", f"{total:,}")
        else:
            text = self.tr("{0} tracks").format(f"{total:,}")
        self.count_label.setText(text)

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.map:
            self.map.ensure_loaded()
        elif self.album_grid is not None and self.tabs.widget(index) is self.album_grid:
            self.album_grid.ensure_loaded()

    def reveal(self, track_id: int) -> None:
        """Scroll the table to this track (unless the user is busy in the table)."""
        r = self.model.row_of(track_id)
        if r >= 0 and self.tabs.currentIndex() == 0 and not self.table.hasFocus():
            self.table.scrollTo(self.model.index(r, 0))

    # ------------------------------------------------------------------ selection
    def selected_rows(self) -> list[int]:
        return sorted({ix.row() for ix in self.table.selectionModel().selectedRows()})

    def selected_ids(self) -> list[int]:
        return [tid for r in self.selected_rows() if (tid := self.model.track_id(r)) is not None]

    def _table_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        if index.row() not in self.selected_rows():
            self.table.selectRow(index.row())
        self.table_menu().exec(self.table.viewport().mapToGlobal(pos))

    def table_menu(self) -> QMenu:
        """The right-click menu for the selected tracks (its actions act on them)."""
        self.menu_ids = self.selected_ids()
        menu = table_menu(self.table, self.registry, len(self.menu_ids))
        # once its action has run, the actions go back to acting on the selection
        menu.aboutToHide.connect(lambda: QTimer.singleShot(0, self._menu_closed))
        return menu

    def _menu_closed(self) -> None:
        self.menu_ids = []

    def target_ids(self) -> list[int]:
        """The songs the table's actions act on: those the open menu was opened on, else
        the selection (the actions' keyboard shortcuts)."""
        return list(self.menu_ids) or self.selected_ids()

    # ------------------------------------------------------------------ playing
    def play_from_table(self, row: int) -> None:
        """Play the view from *row* on: the queue becomes the next 500 tracks of the view."""
        if row < 0:
            return
        ids = self.model.track_ids()[row:row + PLAY_FROM_TABLE]
        self.playback.play_rows(self.resolve_rows(ids))

    def play_current_row(self) -> None:
        self.play_from_table(self.table.currentIndex().row())

    def play_first_result(self) -> None:
        if self.model.rowCount():
            self.play_from_table(0)

    # ------------------------------------------------------------------ changes
    def schedule_refresh(self) -> None:
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
        if self.album_grid is not None:
            self.album_grid.mark_stale()
