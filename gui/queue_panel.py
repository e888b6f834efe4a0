"""The play-queue panel: drag to reorder, Delete to remove, clear, save as playlist."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from soundalike.gui.keys import LESS_KEY, MORE_KEY, widget_shortcut
from soundalike.gui.order_menu import add_order_menu
from soundalike.gui.queue_model import QueueModel


class QueuePanel(QWidget):
    """A :class:`QListView` over the :class:`QueueModel` plus its buttons."""

    play_requested = Signal(int)      # row
    save_requested = Signal()
    export_requested = Signal()
    import_requested = Signal()
    more_like_requested = Signal(int)   # track id
    less_like_requested = Signal(int)
    #: put the songs after the playing one in sonic order: "flow", "energy", … (issue 24)
    order_requested = Signal(str)
    undo_order_requested = Signal()

    def __init__(self, queue: QueueModel, parent=None):
        super().__init__(parent)
        self.queue = queue
        self.title = QLabel(self.tr("Play queue"), self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.radio_label = QLabel("", self)
        self.radio_label.setObjectName("RadioLabel")

        self.view = QListView(self)
        self.view.setModel(queue)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # DragDrop, not InternalMove: tracks dragged from the library table drop here too
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setAlternatingRowColors(True)
        self.view.setUniformItemSizes(False)   # rows the radio explains have two lines
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.setObjectName("QueueView")
        self.view.setAccessibleName(self.tr("Play queue"))
        self.view.setToolTip(self.tr("Songs to play next. Enter plays, Delete removes, "
                                     "Alt+Up/Down moves, the Menu key opens its menu"))
        self.view.doubleClicked.connect(lambda ix: self.play_requested.emit(ix.row()))
        widget_shortcut(QKeySequence.StandardKey.Delete, self.view, self.remove_selected)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            widget_shortcut(key, self.view,
                            lambda: self.play_requested.emit(self.view.currentIndex().row())
                            if self.view.currentIndex().isValid() else None)
        widget_shortcut("Alt+Up", self.view, lambda: self.move_selected(-1))
        widget_shortcut("Alt+Down", self.view, lambda: self.move_selected(1))

        def button(text: str, tip: str, slot: Callable) -> QPushButton:
            b = QPushButton(text, self)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            return b

        self.remove_button = button(self.tr("Remove"),
                                    self.tr("Remove the selected tracks (Delete)"),
                                    self.remove_selected)
        self.clear_button = button(self.tr("Clear"), self.tr("Empty the queue"), queue.clear)
        self.save_button = button(self.tr("Save…"), self.tr("Save the queue as a playlist"),
                                  self.save_requested.emit)
        self.export_button = button(self.tr("Export…"),
                                    self.tr("Export the queue as M3U8 or XSPF"),
                                    self.export_requested.emit)

        buttons = QHBoxLayout()
        for b in (self.remove_button, self.clear_button, self.save_button, self.export_button):
            buttons.addWidget(b)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.radio_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        queue.changed.connect(self._update_title)
        self._update_title()

    def context_menu(self, row: int) -> QMenu:
        """The right-click menu of queue row *row*: play, more / less like this, remove."""
        menu = QMenu(self)
        item = self.queue.item(row)
        if item is None:
            return menu
        menu.addAction(self.tr("Play"), lambda: self.play_requested.emit(row))
        menu.addSeparator()
        more = menu.addAction(self.tr("More like this"),
                              lambda: self.more_like_requested.emit(item.id))
        less = menu.addAction(self.tr("Less like this"),
                              lambda: self.less_like_requested.emit(item.id))
        more.setShortcut(QKeySequence(MORE_KEY))
        less.setShortcut(QKeySequence(LESS_KEY))
        menu.addSeparator()
        add_order_menu(menu, self.order_requested.emit, self.undo_order_requested.emit,
                       self.can_undo_order)
        menu.addSeparator()
        menu.addAction(self.tr("Remove"), lambda: self.queue.remove([row]))
        return menu

    #: set by the window: is there a sonic order of the queue to undo?
    can_undo_order: Callable[[], bool] = staticmethod(lambda: False)

    def _context_menu(self, pos) -> None:
        ix = self.view.indexAt(pos)
        if ix.isValid():
            self.context_menu(ix.row()).exec(self.view.viewport().mapToGlobal(pos))

    def selected_rows(self) -> list[int]:
        return sorted({ix.row() for ix in self.view.selectionModel().selectedIndexes()})

    def remove_selected(self) -> None:
        self.queue.remove(self.selected_rows())

    def move_selected(self, step: int) -> None:
        """Move the selected rows one place up (*step* −1) or down (+1), keeping them
        selected and current (Alt+Up / Alt+Down)."""
        rows = self.selected_rows()
        if not rows:
            return
        n = self.queue.rowCount()
        if (step < 0 and rows[0] == 0) or (step > 0 and rows[-1] >= n - 1):
            return
        at = rows[0] - 1 if step < 0 else rows[-1] + 2
        self.queue.move(rows, at)
        first = rows[0] + step
        selection = self.view.selectionModel()
        selection.clear()
        for r in range(first, first + len(rows)):
            selection.select(self.queue.index(r),
                             selection.SelectionFlag.Select)
        selection.setCurrentIndex(self.queue.index(first),
                                  selection.SelectionFlag.NoUpdate)

    def _update_title(self) -> None:
        n = self.queue.rowCount()
        if n == 1:
            self.title.setText(self.tr("Play queue — 1 track"))
        elif n:
            self.title.setText(self.tr("Play queue — {0} tracks").format(n))
        else:
            self.title.setText(self.tr("Play queue (empty)"))
        for b in (self.remove_button, self.clear_button, self.save_button, self.export_button):
            b.setEnabled(n > 0)
