"""The play queue: an ordered list of tracks with a current position.

A track whose music folder is unavailable (an unplugged drive) stays in the queue,
shown greyed with the reason (:meth:`QueueModel.set_unavailable`); the player skips it
and it plays again once the folder is back.

Rows can be moved (drag to reorder: :class:`QListView` in ``DragDrop`` mode
uses :meth:`moveRows`), removed and cleared. Tracks dropped from the library table
arrive as track ids (``application/x-soundalike-track-ids``) and are resolved by
the *resolve* callable given to the constructor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractListModel, QByteArray, QMimeData, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QPalette

from soundalike.gui.formatting import format_time
from soundalike.gui.library_query import Row
from soundalike.library.files.availability import holding_root

TRACK_IDS_MIME = "application/x-soundalike-track-ids"
ROWS_MIME = "application/x-soundalike-queue-rows"


class QueueModel(QAbstractListModel):
    """Tracks to play, in order; ``current`` is the row playing (−1 for none)."""

    changed = Signal()

    def __init__(self, resolve: Callable[[list[int]], list[Row]] | None = None, parent=None):
        super().__init__(parent)
        self._items: list[Row] = []
        self.current = -1
        self._resolve = resolve
        #: track id → why the radio chose it ("after you skipped 2 fast tracks: slower")
        self.reasons: dict[int, str] = {}
        #: roots of the music folders that are unavailable now
        self.unavailable_roots: tuple[str, ...] = ()

    # ------------------------------------------------------------------ access
    @property
    def items(self) -> list[Row]:
        return list(self._items)

    def ids(self) -> list[int]:
        return [r.id for r in self._items]

    def item(self, row: int) -> Row | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def current_item(self) -> Row | None:
        return self.item(self.current)

    def unavailable_root(self, row: int) -> str | None:
        """The unavailable music folder holding the track at *row*, or None."""
        item = self.item(row)
        if item is None:
            return None
        return holding_root(item.path, self.unavailable_roots)

    def set_unavailable(self, roots) -> None:
        """The music folders unavailable now: their tracks are shown greyed, with why."""
        roots = tuple(sorted(roots))
        if roots != self.unavailable_roots:
            self.unavailable_roots = roots
            if self._items:
                self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))

    def remaining(self) -> int:
        """Tracks after the current one."""
        return len(self._items) - self.current - 1 if self.current >= 0 else len(self._items)

    # ------------------------------------------------------------------ edits
    def set_current(self, row: int) -> None:
        old, self.current = self.current, row if 0 <= row < len(self._items) else -1
        for r in {old, self.current}:
            if 0 <= r < len(self._items):
                ix = self.index(r)
                self.dataChanged.emit(ix, ix)

    def append(self, rows: Sequence[Row]) -> None:
        self.insert(len(self._items), rows)

    def insert_next(self, rows: Sequence[Row]) -> None:
        """Insert right after the current track (or at the front when nothing plays)."""
        self.insert(self.current + 1 if self.current >= 0 else 0, rows)

    def insert(self, at: int, rows: Sequence[Row]) -> None:
        rows = list(rows)
        if not rows:
            return
        at = max(0, min(at, len(self._items)))
        self.beginInsertRows(QModelIndex(), at, at + len(rows) - 1)
        self._items[at:at] = rows
        if self.current >= at:
            self.current += len(rows)
        self.endInsertRows()
        self.changed.emit()

    def set_reasons(self, reasons: dict[int, str]) -> None:
        """Show why tracks were chosen (under their row and in the tooltip)."""
        self.reasons.update({k: v for k, v in reasons.items() if v})
        for k in [k for k, v in reasons.items() if not v]:
            self.reasons.pop(k, None)
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))

    def replace(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._items = list(rows)
        self.current = -1
        self.endResetModel()
        self.changed.emit()

    def remove(self, rows: Sequence[int]) -> None:
        """Remove these rows (the current track may be among them)."""
        for row in sorted(set(rows), reverse=True):
            if not 0 <= row < len(self._items):
                continue
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._items[row]
            if self.current >= row:  # removing the current track: "next" plays what followed
                self.current -= 1
            self.endRemoveRows()
        self.changed.emit()

    def move(self, rows: Sequence[int], at: int) -> None:
        """Move the given rows, in their order, to before row *at*."""
        rows = sorted({r for r in rows if 0 <= r < len(self._items)})
        if not rows:
            return
        current_item = self.current_item()
        moving = [self._items[r] for r in rows]
        keep = [it for i, it in enumerate(self._items) if i not in set(rows)]
        at = max(0, min(at, len(self._items))) - sum(1 for r in rows if r < at)
        self.beginResetModel()
        self._items = keep[:at] + moving + keep[at:]
        self.current = -1
        if current_item is not None:
            self.current = next(i for i, it in enumerate(self._items) if it is current_item)
        self.endResetModel()
        self.changed.emit()

    def rearrange(self, rows: Sequence[Row]) -> bool:
        """Put the queue's own items in the order of *rows* (the same items, by identity,
        e.g. a sonic order or its undo); the current track stays current. False (and
        nothing changes) when *rows* are not exactly the queue's items."""
        rows = list(rows)
        if sorted(map(id, rows)) != sorted(map(id, self._items)):
            return False
        current_item = self.current_item()
        self.beginResetModel()
        self._items = rows
        self.current = -1
        if current_item is not None:
            self.current = next(i for i, it in enumerate(rows) if it is current_item)
        self.endResetModel()
        self.changed.emit()
        return True

    def clear(self) -> None:
        self.beginResetModel()
        self._items.clear()
        self.current = -1
        self.endResetModel()
        self.changed.emit()

    def removeRows(self, row: int, count: int, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or row < 0 or row + count > len(self._items):
            return False
        self.remove(range(row, row + count))
        return True

    def moveRows(self, src_parent: QModelIndex, src: int, count: int,
                 dst_parent: QModelIndex, dst: int) -> bool:
        """Move ``count`` rows from ``src`` to before row ``dst`` (Qt's convention)."""
        n = len(self._items)
        if (src_parent.isValid() or dst_parent.isValid() or count <= 0 or src < 0
                or src + count > n or not 0 <= dst <= n or src <= dst <= src + count):
            return False
        if not self.beginMoveRows(QModelIndex(), src, src + count - 1, QModelIndex(), dst):
            return False
        moving = self._items[src:src + count]
        current_id = self.current
        order = list(range(n))
        block = order[src:src + count]
        del order[src:src + count]
        at = dst if dst < src else dst - count
        order[at:at] = block
        del self._items[src:src + count]
        self._items[at:at] = moving
        if current_id >= 0:
            self.current = order.index(current_id)
        self.endMoveRows()
        self.changed.emit()
        return True

    # ------------------------------------------------------------------ Qt API
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            prefix = "▶ " if index.row() == self.current else ""
            length = f"  ({format_time(item.duration)})" if item.duration else ""
            why = self.reasons.get(item.id)
            more = f"\n      ↳ {why}" if why else ""
            away = self.tr("  (folder unavailable)") if self.unavailable_root(index.row()) \
                else ""
            return f"{prefix}{item.display_title} — {item.display_artist}{length}{away}{more}"
        if role == Qt.ItemDataRole.ToolTipRole:
            why = self.reasons.get(item.id)
            tip = f"{item.path}\nChosen {why}" if why else item.path
            root = self.unavailable_root(index.row())
            if root:
                tip += "\n" + self.tr("Not available now: its music folder {0} is not "
                                      "there (unplugged drive?). It plays again once the "
                                      "folder is back.").format(root)
            return tip
        if role == Qt.ItemDataRole.ForegroundRole and self.unavailable_root(index.row()):
            return QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled,
                                                QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.FontRole and index.row() == self.current:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        return None

    def flags(self, index: QModelIndex):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self):
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self):
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [ROWS_MIME, TRACK_IDS_MIME]

    def mimeData(self, indexes) -> QMimeData:
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes})
        mime.setData(ROWS_MIME, QByteArray(",".join(map(str, rows)).encode()))
        return mime

    def canDropMimeData(self, data, action, row, column, parent) -> bool:
        return data.hasFormat(ROWS_MIME) or data.hasFormat(TRACK_IDS_MIME)

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        at = row if row >= 0 else (parent.row() if parent.isValid() else len(self._items))
        if data.hasFormat(ROWS_MIME):  # a move within the queue (views without moveRows)
            rows = [int(x) for x in bytes(data.data(ROWS_MIME)).decode().split(",") if x]
            self.move(rows, at)
            return False  # we moved the rows ourselves: the view must not remove them
        if data.hasFormat(TRACK_IDS_MIME) and self._resolve is not None:
            ids = [int(x) for x in bytes(data.data(TRACK_IDS_MIME)).decode().split(",") if x]
            self.insert(at, self._resolve(ids))
            return True
        return False
