"""The "Similar albums" / "Similar artists" window: the albums or artists whose songs
sound most like an album's or an artist's, each with its score and the reason in words
(issue 24). Double-click (or Enter) shows that album's or artist's songs; "Play"
plays them; "Artist radio" starts a radio from the chosen artist."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from soundalike.gui.keys import widget_shortcut

_ROLE = Qt.ItemDataRole.UserRole


class SimilarGroupsDialog(QDialog):
    """A list of :class:`library.discovery.GroupResult` dicts (``to_dict``)."""

    show_requested = Signal(str, str)      # kind ("album" | "artist"), name
    play_requested = Signal(list)          # track ids
    artist_radio_requested = Signal(str)   # artist name

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("SimilarGroupsDialog")
        self.setWindowTitle(self.tr("Similar"))
        self.resize(640, 420)
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.view = QTreeWidget(self)
        self.view.setRootIsDecorated(False)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setHeaderLabels([self.tr("Album"), self.tr("Songs"), self.tr("Score"),
                                   self.tr("Why")])
        self.view.setAccessibleName(self.tr("Similar albums or artists"))
        self.view.itemDoubleClicked.connect(lambda item, _c: self._show(item))
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            widget_shortcut(key, self.view, lambda: self._show(self.view.currentItem()))
        self.play_button = QPushButton(self.tr("Play"), self)
        self.play_button.clicked.connect(self._play)
        self.radio_button = QPushButton(self.tr("Artist radio"), self)
        self.radio_button.clicked.connect(self._radio)
        close = QPushButton(self.tr("Close"), self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.radio_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.kind = "album"

    def show_results(self, kind: str, heading: str, results: list[dict]) -> None:
        self.kind = kind
        self.setWindowTitle(self.tr("Similar albums") if kind == "album"
                            else self.tr("Similar artists"))
        self.heading.setText(heading)
        self.view.setHeaderLabels([self.tr("Album") if kind == "album" else self.tr("Artist"),
                                   self.tr("Songs"), self.tr("Score"), self.tr("Why")])
        self.view.clear()
        for r in results:
            label = (f"{r['artist']} – {r['name']}" if kind == "album" and r["artist"]
                     else r["name"])
            item = QTreeWidgetItem([label, str(r["tracks"]), f"{r['score']:.2f}",
                                    r["explanation"]])
            item.setData(0, _ROLE, r)
            item.setToolTip(3, r["explanation"])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight)
            self.view.addTopLevelItem(item)
        for c in range(3):
            self.view.resizeColumnToContents(c)
        if results:
            self.view.setCurrentItem(self.view.topLevelItem(0))
        self.play_button.setEnabled(bool(results))
        self.radio_button.setEnabled(bool(results))

    def results(self) -> list[dict]:
        return [self.view.topLevelItem(i).data(0, _ROLE)
                for i in range(self.view.topLevelItemCount())]

    def _current(self) -> dict | None:
        item = self.view.currentItem()
        return None if item is None else item.data(0, _ROLE)

    def _show(self, item) -> None:
        if item is not None:
            r = item.data(0, _ROLE)
            self.show_requested.emit(self.kind, r["name"])

    def _play(self) -> None:
        r = self._current()
        if r is not None:
            self.play_requested.emit(list(r["track_ids"]))

    def _radio(self) -> None:
        r = self._current()
        if r is not None:
            self.artist_radio_requested.emit(r["artist"] or r["name"])
