"""The sidebar: browse the library by artist, album, genre or folder, and playlists.

Categories fill when expanded (queries run off the UI thread). Choosing an entry
emits :attr:`Sidebar.browse_changed` with the :class:`Browse` to show.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QMenu, QTreeWidget, QTreeWidgetItem

from soundalike.gui.library_query import Browse, LibraryReader
from soundalike.gui.order_menu import add_order_menu
from soundalike.gui.tasks import Tasks

_ROLE = Qt.ItemDataRole.UserRole
CATEGORIES = (("artist", QT_TRANSLATE_NOOP("Sidebar", "Artists")),
              ("album", QT_TRANSLATE_NOOP("Sidebar", "Albums")),
              ("genre", QT_TRANSLATE_NOOP("Sidebar", "Genres")),
              ("folder", QT_TRANSLATE_NOOP("Sidebar", "Folders")),
              ("playlist", QT_TRANSLATE_NOOP("Sidebar", "Playlists")),
              ("mix", QT_TRANSLATE_NOOP("Sidebar", "Mixes")))


class Sidebar(QTreeWidget):
    """A tree of browse categories."""

    browse_changed = Signal(object)          # Browse
    playlist_play_requested = Signal(int)    # playlist id
    playlist_delete_requested = Signal(int)  # playlist id
    playlist_export_requested = Signal(int)  # playlist id
    playlist_order_requested = Signal(int, str)      # playlist id, "flow" | "energy" | …
    playlist_undo_order_requested = Signal(int)      # playlist id
    #: "Similar albums" / "Similar artists" of an album or artist entry:
    #: (what to list: "album" | "artist", the entry's kind, its name)
    similar_groups_requested = Signal(str, str, str)
    artist_radio_requested = Signal(str)             # artist name
    #: the Mixes category wants its entries (``set_mixes`` fills it)
    mixes_wanted = Signal()
    mix_play_requested = Signal(str, str)            # mix id, name
    mix_save_requested = Signal(str, str)            # mix id, name
    mix_pin_requested = Signal(str, bool)            # mix id, pinned

    def __init__(self, reader: LibraryReader, parent=None, *, tasks: Tasks | None = None):
        super().__init__(parent)
        self.reader = reader
        self.tasks = tasks or Tasks(self)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setMinimumWidth(160)
        self.setObjectName("Sidebar")
        self.setAccessibleName(self.tr("Browse the library"))
        self.setToolTip(self.tr("Browse by artist, album, genre, folder or playlist: arrows "
                                "move, Right opens a category, Enter goes to the songs"))
        self.all_item = QTreeWidgetItem(self, [self.tr("All music")])
        self.all_item.setData(0, _ROLE, ("all", None))
        self.categories: dict[str, QTreeWidgetItem] = {}
        for key, label in CATEGORIES:
            item = QTreeWidgetItem(self, [QCoreApplication.translate("Sidebar", label)])
            item.setData(0, _ROLE, ("category", key))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self.categories[key] = item
        self.setCurrentItem(self.all_item)
        self.itemExpanded.connect(self._on_expanded)
        self.currentItemChanged.connect(self._on_current)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.itemDoubleClicked.connect(self._double_clicked)
        self._tasks: dict[str, object] = {}

    # ------------------------------------------------------------------ filling
    def refresh(self) -> None:
        """Reload the expanded categories (the library changed)."""
        for key, item in self.categories.items():
            if item.isExpanded():
                self._fill(key)

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        kind, key = item.data(0, _ROLE)
        if kind == "category":
            self._fill(key)

    def _fill(self, key: str) -> None:
        if key == "mix":   # made on the recommender's thread: asked for, then set_mixes
            if not getattr(self, "_mix_names", None):
                self.mixes_note(self.tr("Making the mixes…"))
            self.mixes_wanted.emit()
            return
        reader = self.reader

        def query():
            if key == "folder":
                return [(os.fsdecode(path), (fid,), n) for fid, path, n in reader.folders()]
            if key == "playlist":
                return [(name, (pid,), n) for pid, name, n in reader.playlists()]
            return [(value, (value,), n) for value, n in reader.distinct(key)]

        self._tasks[key] = self.tasks.run_task(query, lambda rows: self._populate(key, rows))

    def _populate(self, key: str, rows: list) -> None:
        parent = self.categories[key]
        current = self.currentItem()
        keep = current.data(0, _ROLE) if current is not None else None
        self.setUpdatesEnabled(False)
        try:
            parent.takeChildren()
            children = []
            for label, (value,), n in rows:
                shown = _short_folder(label) if key == "folder" else label
                child = QTreeWidgetItem([f"{shown}  ({n})"])
                child.setData(0, _ROLE, (key, value))
                child.setToolTip(0, str(label))
                children.append(child)
            parent.addChildren(children)
            if not children:
                parent.setChildIndicatorPolicy(
                    QTreeWidgetItem.ChildIndicatorPolicy.DontShowIndicatorWhenChildless)
            if keep is not None and keep[0] == key:
                for child in children:
                    if child.data(0, _ROLE) == keep:
                        self.blockSignals(True)
                        self.setCurrentItem(child)
                        self.blockSignals(False)
                        break
        finally:
            self.setUpdatesEnabled(True)

    def mix_names(self) -> dict[str, str]:
        """The mixes listed now: id → name (empty while a note stands in for them)."""
        return dict(getattr(self, "_mix_names", {}) or {})

    def mixes_note(self, text: str) -> None:
        """Show *text* (greyed, not choosable) as the Mixes category's only entry: while
        they are made, when there are none, when they could not be made."""
        parent = self.categories["mix"]
        parent.takeChildren()
        note = QTreeWidgetItem([text])
        note.setData(0, _ROLE, ("note", None))
        note.setFlags(Qt.ItemFlag.NoItemFlags)
        parent.addChild(note)
        self._mix_names, self._mix_pins = {}, {}

    def set_mixes(self, mixes: list[tuple[str, str, int, bool]]) -> None:
        """Fill the Mixes category: ``(name, id, songs, pinned)`` per mix."""
        if not mixes:
            self.mixes_note(self.tr("No mixes yet: they are made from analysed songs"))
            return
        self._mix_pins = {mid: pinned for _n, mid, _s, pinned in mixes}
        self._populate("mix", [(f"{name}{'  📌' if pinned else ''}", (mid,), n)
                               for name, mid, n, pinned in mixes])
        names = {mid: name for name, mid, _n, _p in mixes}
        parent = self.categories["mix"]
        for i in range(parent.childCount()):
            child = parent.child(i)
            mid = child.data(0, _ROLE)[1]
            child.setToolTip(0, self.tr("{0}: an endless radio from this part of your "
                                        "library (double-click or Enter plays it)").format(
                names.get(mid, "")))
        self._mix_names = names

    def child_labels(self, key: str) -> list[str]:
        parent = self.categories[key]
        return [parent.child(i).text(0) for i in range(parent.childCount())]

    # ------------------------------------------------------------------ choosing
    def select(self, key: str, value) -> bool:
        """Choose the entry (key, value) if it is listed (used by tests and shortcuts)."""
        parent = self.categories[key]
        for i in range(parent.childCount()):
            if parent.child(i).data(0, _ROLE) == (key, value):
                self.setCurrentItem(parent.child(i))
                return True
        return False

    def show_all(self) -> None:
        self.setCurrentItem(self.all_item)

    def _on_current(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        if item is None:
            return
        kind, value = item.data(0, _ROLE)
        browse = {
            "all": Browse(),
            "artist": Browse(artist=value),
            "album": Browse(album=value),
            "genre": Browse(genre=value),
            "folder": Browse(folder_id=value),
            "playlist": Browse(playlist_id=value),
        }.get(kind)
        if browse is not None:
            self.browse_changed.emit(browse)

    def activate_current(self) -> bool:
        """Enter: a mix plays (as a double-click does); True when it was one (elsewhere
        Enter goes on to the songs, which the window does)."""
        item = self.currentItem()
        if item is None or item.data(0, _ROLE)[0] != "mix":
            return False
        self._double_clicked(item)
        return True

    def _double_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        kind, value = item.data(0, _ROLE)
        if kind == "mix":
            self.mix_play_requested.emit(value, getattr(self, "_mix_names", {}).get(value, ""))

    def _menu(self, pos) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        kind, value = item.data(0, _ROLE)
        menu = self.item_menu(kind, value)
        if menu is not None:
            menu.exec(self.viewport().mapToGlobal(pos))

    def item_menu(self, kind: str, value) -> QMenu | None:
        """The right-click menu of the entry (kind, value), or None when it has none."""
        if kind == "mix":
            name = getattr(self, "_mix_names", {}).get(value, "")
            pinned = getattr(self, "_mix_pins", {}).get(value, False)
            menu = QMenu(self)
            menu.addAction(self.tr("Play mix (endless radio)"),
                           lambda: self.mix_play_requested.emit(value, name))
            menu.addAction(self.tr("Save as playlist"),
                           lambda: self.mix_save_requested.emit(value, name))
            menu.addAction(self.tr("Unpin") if pinned else self.tr("Pin (keep this mix)"),
                           lambda: self.mix_pin_requested.emit(value, not pinned))
            return menu
        if kind in ("album", "artist"):
            menu = QMenu(self)
            menu.addAction(self.tr("Similar albums"),
                           lambda: self.similar_groups_requested.emit("album", kind, value))
            menu.addAction(self.tr("Similar artists"),
                           lambda: self.similar_groups_requested.emit("artist", kind, value))
            if kind == "artist":
                menu.addAction(self.tr("Artist radio"),
                               lambda: self.artist_radio_requested.emit(value))
            return menu
        if kind != "playlist":
            return None
        menu = QMenu(self)
        menu.addAction(self.tr("Play"), lambda: self.playlist_play_requested.emit(value))
        menu.addAction(self.tr("Export…"), lambda: self.playlist_export_requested.emit(value))
        menu.addSeparator()
        add_order_menu(menu, lambda by: self.playlist_order_requested.emit(value, by),
                       lambda: self.playlist_undo_order_requested.emit(value),
                       lambda: self.can_undo_playlist_order(value))
        menu.addSeparator()
        menu.addAction(self.tr("Delete"), lambda: self.playlist_delete_requested.emit(value))
        return menu

    #: set by the window: is there a sonic order of this playlist to undo?
    can_undo_playlist_order = staticmethod(lambda _pid: False)


def _short_folder(path: str) -> str:
    """The last two parts of a folder path (the full path is the tooltip)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    return "/".join(parts[-2:]) if len(parts) > 2 else path
