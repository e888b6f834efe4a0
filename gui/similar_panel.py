"""The "Find similar songs" panel: score, title, artist and why, for one or more seeds.

Double-click (or Ctrl+Enter) plays a suggestion, Enter adds the selected ones to the
queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from soundalike.gui.covers import CoverLoader
from soundalike.gui.keys import widget_shortcut
from soundalike.gui.library_query import Row


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One recommended track with its score and the reason in plain words."""

    row: Row
    score: float | None  # cosine similarity; None: a step of a path (shown as its number)
    why: str


COVER = 32  # the covers next to the titles, in pixels


class SimilarModel(QAbstractTableModel):
    HEADERS = (QT_TRANSLATE_NOOP("SimilarModel", "Score"),
               QT_TRANSLATE_NOOP("SimilarModel", "Title"),
               QT_TRANSLATE_NOOP("SimilarModel", "Artist"),
               QT_TRANSLATE_NOOP("SimilarModel", "Why"))

    def __init__(self, parent=None, *, covers: CoverLoader | None = None):
        super().__init__(parent)
        self.items: list[Suggestion] = []
        self.covers = covers
        if covers is not None:
            covers.ready.connect(self._cover_ready)

    def _cover_ready(self, path: str) -> None:
        for r, s in enumerate(self.items):
            if s.row.path == path:
                ix = self.index(r, 1)
                self.dataChanged.emit(ix, ix, [Qt.ItemDataRole.DecorationRole])

    def set_items(self, items: list[Suggestion]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("SimilarModel", self.HEADERS[section])
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        s = self.items[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            score = f"{index.row() + 1}." if s.score is None else f"{s.score:.2f}"
            return (score, s.row.display_title, s.row.display_artist, s.why)[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 1 and self.covers is not None:
            return self.covers.pixmap(s.row.path, COVER)
        if role == Qt.ItemDataRole.ToolTipRole:
            return s.why if col == 3 else s.row.path
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return s.row.id
        return None


class SimilarPanel(QWidget):
    """A titled table of :class:`Suggestion` rows."""

    play_requested = Signal(list)    # [Row] — play these now (first one starts)
    queue_requested = Signal(list)   # [Row] — append to the queue
    radio_requested = Signal(list)   # [Row] — start a radio from the seeds

    def __init__(self, parent=None, *, covers: CoverLoader | None = None):
        super().__init__(parent)
        self.model = SimilarModel(self, covers=covers)
        self.seeds: list[Row] = []
        self.title = QLabel(self.tr("Similar songs"), self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.status = QLabel(self.tr("Right-click a song (or press the Menu key) and choose "
                                     "“Find similar songs”."), self)
        self.status.setWordWrap(True)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setObjectName("SimilarView")
        self.view.setAccessibleName(self.tr("Similar songs"))
        self.view.setToolTip(self.tr("Songs like the one you chose. Enter adds the selected "
                                     "ones to the queue, Ctrl+Enter plays them"))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(
            max(self.view.fontMetrics().height() + 8, COVER + 4 if covers is not None else 0))
        self.view.setIconSize(QSize(COVER, COVER))
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(1, 220)
        header.resizeSection(2, 160)
        self.view.doubleClicked.connect(lambda ix: self.play_requested.emit([self._row(ix.row())]))
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            widget_shortcut(key, self.view, self.queue_selected)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            widget_shortcut(key, self.view, self.play_selected)
        self.queue_button = QPushButton(self.tr("Add to queue"), self)
        self.queue_button.setToolTip(self.tr("Add the selected songs (or all) to the queue "
                                             "(Enter)"))
        self.queue_button.clicked.connect(self.queue_selected)
        self.radio_button = QPushButton(self.tr("Start radio"), self)
        self.radio_button.setToolTip(self.tr("An endless queue of songs like these"))
        self.radio_button.clicked.connect(lambda: self.radio_requested.emit(list(self.seeds)))
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.queue_button)
        head.addWidget(self.radio_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        self._enable()

    def _row(self, r: int) -> Row:
        return self.model.items[r].row

    def _enable(self) -> None:
        has = bool(self.model.items)
        self.queue_button.setEnabled(has)
        self.radio_button.setEnabled(bool(self.seeds))

    def selected_rows(self) -> list[Row]:
        rows = sorted({ix.row() for ix in self.view.selectionModel().selectedRows()})
        return [self._row(r) for r in rows]

    def play_selected(self) -> None:
        rows = self.selected_rows()
        if not rows and self.view.currentIndex().isValid():
            rows = [self._row(self.view.currentIndex().row())]
        if rows:
            self.play_requested.emit(rows)

    def queue_selected(self) -> None:
        rows = self.selected_rows() or [s.row for s in self.model.items]
        if rows:
            self.queue_requested.emit(rows)

    # ------------------------------------------------------------------ states
    def show_waiting(self, seeds: list[Row], note: str) -> None:
        self.seeds = list(seeds)
        self.title.setText(_title(seeds))
        self.status.setText(note)
        self.status.setVisible(True)
        self.model.set_items([])
        self._enable()

    def show_results(self, seeds: list[Row], items: list[Suggestion], note: str = "") -> None:
        self.seeds = list(seeds)
        self.title.setText(_title(seeds))
        self.model.set_items(items)
        self.status.setText(note or (self.tr("No similar songs found.") if not items else ""))
        self.status.setVisible(bool(self.status.text()))
        self._enable()

    def show_error(self, message: str) -> None:
        self.status.setText(message)
        self.status.setVisible(True)
        self.model.set_items([])
        self._enable()


def _title(seeds: list[Row]) -> str:
    if not seeds:
        return QCoreApplication.translate("SimilarPanel", "Similar songs")
    if len(seeds) == 1:
        return QCoreApplication.translate("SimilarPanel", "Similar to “{0}” — {1}").format(
            seeds[0].display_title, seeds[0].display_artist)
    return QCoreApplication.translate(
        "SimilarPanel", "Similar to {0} songs (“{1}” and others)").format(
            len(seeds), seeds[0].display_title)
