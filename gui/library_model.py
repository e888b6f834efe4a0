"""The library table: a virtual model over SQLite that fetches rows a page at a time.

The ordered ids of the current view come from one query run off the UI thread
(:meth:`soundalike.gui.tasks.Tasks.run_task`); the visible rows are read a page
(``PAGE`` ids) at a time on demand and kept in a small LRU cache, so a library of
100,000 tracks opens at once and scrolls smoothly.
"""

from __future__ import annotations

import collections
import time

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QMimeData,
    QModelIndex,
    Qt,
    Signal,
)

from soundalike.gui.formatting import format_time
from soundalike.gui.library_query import (
    COLUMN_KEYS,
    COLUMNS,
    Browse,
    LibraryReader,
    Row,
    filter_indices,
    filter_view,
    search_words,
)
from soundalike.gui.tasks import Tasks
from soundalike.library.model.states import TrackStatus

PAGE = 200
MAX_PAGES = 50
TRACK_IDS_MIME = "application/x-soundalike-track-ids"
_STATUS_TEXT = {TrackStatus.PENDING: "not yet", TrackStatus.ANALYSED: "✓",
                TrackStatus.FAILED: "failed", TrackStatus.MISSING: "missing"}


#: the column titles of library.model.views.COLUMNS, for the translators (lupdate reads these)
_COLUMN_TITLES = (QT_TRANSLATE_NOOP("LibraryModel", "Title"),
                  QT_TRANSLATE_NOOP("LibraryModel", "Artist"),
                  QT_TRANSLATE_NOOP("LibraryModel", "Album"),
                  QT_TRANSLATE_NOOP("LibraryModel", "Genre"),
                  QT_TRANSLATE_NOOP("LibraryModel", "Year"),
                  QT_TRANSLATE_NOOP("LibraryModel", "Length"),
                  QT_TRANSLATE_NOOP("LibraryModel", "Analysis"))

class LibraryModel(QAbstractTableModel):
    """Rows = track ids of the current :class:`Browse` view, sorted by one column."""

    #: emitted after a new view (filter or sort) has been loaded: (row count, seconds)
    loaded = Signal(int, float)

    def __init__(self, reader: LibraryReader, parent=None, *, tasks: Tasks | None = None):
        super().__init__(parent)
        self.reader = reader
        self.tasks = tasks or Tasks(self)
        self.browse = Browse()
        self.sort_key = "artist"
        self.descending = False
        self._ids: list[int] = []
        self._pages: collections.OrderedDict[int, list[Row | None]] = collections.OrderedDict()
        self._pending = None
        self._generation = 0
        self._view_ids: list[int] = []     # the view without its search text …
        self._view_hay: list[str] = []     # … and what search words match against
        self._view_key: tuple | None = None
        self._last_filter: tuple[str, list[int]] | None = None  # (text, view positions)
        self.loading = False

    # ------------------------------------------------------------- the view
    def set_browse(self, browse: Browse) -> None:
        if browse != self.browse:
            self.browse = browse
            self.reload()

    def set_text(self, text: str) -> None:
        """Filter by search words: in memory over the loaded view when its search text is
        ready (no query), else by a query in the background."""
        from dataclasses import replace

        if text == self.browse.text:
            return
        self.browse = replace(self.browse, text=text)
        if self._view_key != self._key() or self.loading:
            self.reload()
            return
        started = time.perf_counter()
        previous, self._last_filter = self._last_filter, None
        within = None
        if previous is not None and text.startswith(previous[0]) and search_words(previous[0]):
            within = previous[1]  # typing on: the matches can only narrow
        positions = filter_indices(self._view_hay, text, within)
        self._last_filter = (text, positions)
        self._apply([self._view_ids[i] for i in positions], False)
        self.loaded.emit(len(self._ids), time.perf_counter() - started)

    def _key(self) -> tuple:
        b = self.browse
        return (b.artist, b.album, b.genre, b.folder_id, b.playlist_id, self.sort_key,
                self.descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(COLUMNS):
            self.sort_key = COLUMN_KEYS[column]
            self.descending = order == Qt.SortOrder.DescendingOrder
            self.reload()

    def reload(self, *, keep_rows: bool = False) -> None:
        """Query the view again in the background (the newest call wins): first the
        ordered ids (the table fills), then the text the search box filters."""
        self._generation += 1
        generation = self._generation
        browse, key, desc = self.browse, self.sort_key, self.descending
        view_key = self._key()
        started = time.perf_counter()
        self.loading = True
        self._view_key = None

        def ids_done(ids: list[int]) -> None:
            if generation != self._generation:
                return  # a newer query is on its way
            self.loading = False
            self._apply(ids, keep_rows)
            self.loaded.emit(len(ids), time.perf_counter() - started)
            self._pending = self.tasks.run_task(
                lambda: self.reader.search_text(browse, key, desc), search_done)

        def search_done(view: tuple[list[int], list[str]]) -> None:
            if generation == self._generation:
                self._view_ids, self._view_hay = view
                self._last_filter = None
                self._view_key = view_key
                if self.browse.text != browse.text:  # typed while it loaded
                    self._apply(filter_view(*view, self.browse.text), False)
                    self.loaded.emit(len(self._ids), time.perf_counter() - started)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.loading = False
                self.loaded.emit(len(self._ids), time.perf_counter() - started)

        self._pending = self.tasks.run_task(lambda: self.reader.ids(browse, key, desc),
                                            ids_done, failed)

    def reload_now(self) -> None:
        """Synchronous reload (small libraries, tests, benchmarks)."""
        self._generation += 1
        self.loading = False
        self._view_ids, self._view_hay = self.reader.search_text(self.browse, self.sort_key,
                                                                 self.descending)
        self._view_key = self._key()
        self._last_filter = None
        self._apply(filter_view(self._view_ids, self._view_hay, self.browse.text), False)

    def search_ready(self) -> bool:
        """True when typing filters in memory (the view's search text is loaded)."""
        return self._view_key == self._key() and not self.loading

    def _apply(self, ids: list[int], keep_rows: bool) -> None:
        if keep_rows and ids == self._ids:
            self._pages.clear()  # same rows: refresh their contents only
            if ids:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(ids) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self.endResetModel()

    # ------------------------------------------------------------- rows
    def track_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def track_ids(self) -> list[int]:
        return list(self._ids)

    def row_of(self, track_id: int) -> int:
        try:
            return self._ids.index(track_id)
        except ValueError:
            return -1

    def row_at(self, row: int) -> Row | None:
        if not 0 <= row < len(self._ids):
            return None
        page_no = row // PAGE
        page = self._pages.get(page_no)
        if page is None:
            ids = self._ids[page_no * PAGE:(page_no + 1) * PAGE]
            found = self.reader.rows(ids)
            page = [found.get(i) for i in ids]
            self._pages[page_no] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page[row - page_no * PAGE]

    def invalidate(self, track_ids=None) -> None:
        """Forget cached rows (their tags or analysis status changed)."""
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    # ------------------------------------------------------------- Qt API
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("LibraryModel", COLUMNS[section][1])
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        key = COLUMN_KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            row = self.row_at(index.row())
            if row is None:
                return ""
            if key == "title":
                return row.display_title
            if key == "artist":
                return row.display_artist if (row.artist or row.albumartist) else ""
            if key == "duration":
                return format_time(row.duration) if row.duration else ""
            if key == "status":
                return _STATUS_TEXT.get(row.status, row.status)
            value = getattr(row, key)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            row = self.row_at(index.row())
            if row is None:
                return None
            if row.status == TrackStatus.FAILED and row.error:
                return f"{row.path}\nAnalysis failed: {row.error}"
            return row.path
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("year", "duration", "status"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) \
                if key != "status" else int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.UserRole:
            return self.track_id(index.row())
        return None

    def flags(self, index: QModelIndex):
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [TRACK_IDS_MIME]

    def mimeData(self, indexes) -> QMimeData:
        rows = sorted({i.row() for i in indexes})
        mime = QMimeData()
        mime.setData(TRACK_IDS_MIME,
                     ",".join(str(self._ids[r]) for r in rows).encode())
        return mime
