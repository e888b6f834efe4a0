"""Choose the destination song of a path: a search box over the library and a list."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
)

from soundalike.gui.library_model import LibraryModel
from soundalike.gui.library_query import Browse, LibraryReader, Row


class PathDialog(QDialog):
    """Pick one track of the library (the end of a path from *start*)."""

    def __init__(self, reader: LibraryReader, start: Row, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Path to…"))
        self.model = LibraryModel(reader, self)
        self.model.browse = Browse()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search the destination song…"))
        self.search.setAccessibleName(self.tr("Search the destination song"))
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        for col in range(3, self.model.columnCount()):
            self.view.hideColumn(col)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda _ix: self.accept())
        timer = QTimer(self, singleShot=True, interval=120)
        timer.timeout.connect(lambda: self.model.set_text(self.search.text()))
        self.search.textChanged.connect(lambda _t: timer.start())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        label = QLabel(self.tr("From “{0}” — {1} to:").format(start.display_title,
                                                              start.display_artist), self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(640, 460)
        self.model.reload()

    def chosen_id(self) -> int | None:
        index = self.view.currentIndex()
        return self.model.track_id(index.row()) if index.isValid() else None
