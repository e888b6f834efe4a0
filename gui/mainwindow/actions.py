"""The window's actions by name: :class:`ActionName` → one :class:`QAction` each, in an
:class:`ActionRegistry`. Texts, shortcuts and their contexts are declared once, in
:data:`ACTIONS`; the menus (:data:`MENUS`, :data:`TABLE_MENU`) list names, and
tests find actions by name (``window.registry[ActionName.PLAY_PAUSE]``; each
action's ``objectName()`` is its name too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from soundalike.gui.keys import LESS_KEY, MORE_KEY

Shortcut = str | QKeySequence.StandardKey | Qt.Key | None


class ActionName(StrEnum):
    # File
    ADD_FOLDER = "add-folder"
    FIND_LIKE_FILE = "find-like-file"
    IMPORT_PLAYLIST = "import-playlist"
    EXPORT_QUEUE = "export-queue"
    SETTINGS = "settings"
    QUIT = "quit"
    # Playback
    PLAY_PAUSE = "play-pause"
    NEXT = "next"
    PREVIOUS = "previous"
    PAUSE_ANALYSIS = "pause-analysis"
    MORE_LIKE = "more-like-this"
    LESS_LIKE = "less-like-this"
    MOOD_RADIO = "mood-radio"
    # View
    SEARCH = "search"
    QUEUE_PANEL = "queue-panel"
    SIMILAR_PANEL = "similar-panel"
    LIBRARY_MAP = "library-map"
    LIBRARY = "library"
    ALBUMS = "albums"
    FOCUS_NEXT_PANE = "focus-next-pane"
    FOCUS_PREVIOUS_PANE = "focus-previous-pane"
    # Help
    ABOUT = "about"
    ABOUT_QT = "about-qt"
    # the library table's menu (Return and double-click play from the row too, through
    # the table's activated signal); the right-click menu acts on the songs it was opened on
    PLAY_FROM_ROW = "play-from-row"
    PLAY = "play"
    PLAY_NEXT = "play-next"
    ENQUEUE = "enqueue"
    FIND_SIMILAR = "find-similar"
    PLAY_SIMILAR_NEXT = "play-similar-next"
    START_RADIO = "start-radio"
    PATH_TO = "path-to"
    ADD_TO_PLAYLIST = "add-to-playlist"
    # media keys (anywhere in the application)
    MEDIA_PLAY = "media-play"
    MEDIA_TOGGLE = "media-toggle"
    MEDIA_PAUSE = "media-pause"
    MEDIA_STOP = "media-stop"
    MEDIA_NEXT = "media-next"
    MEDIA_PREVIOUS = "media-previous"


@dataclass(frozen=True)
class ActionSpec:
    text: str
    shortcut: Shortcut = None
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut
    checkable: bool = False


_APP = Qt.ShortcutContext.ApplicationShortcut
_TABLE = Qt.ShortcutContext.WidgetWithChildrenShortcut
A = ActionName

#: every action of the window, its text and its shortcut (the one place they are declared)
ACTIONS: dict[ActionName, ActionSpec] = {
    A.ADD_FOLDER: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Add music folder…")),
    A.FIND_LIKE_FILE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Find songs like a file…"),
                       "Ctrl+Shift+F"),
    A.IMPORT_PLAYLIST: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Import playlist…")),
    A.EXPORT_QUEUE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Export queue…")),
    A.SETTINGS: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Settings…"),
                       QKeySequence.StandardKey.Preferences),
    A.QUIT: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Quit"), QKeySequence.StandardKey.Quit),
    A.PLAY_PAUSE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Play/Pause"), Qt.Key.Key_Space),
    A.NEXT: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Next"), "Ctrl+Right"),
    A.PREVIOUS: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Previous"), "Ctrl+Left"),
    A.PAUSE_ANALYSIS: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Pause analysis")),
    A.MORE_LIKE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "More like this"), MORE_KEY),
    A.LESS_LIKE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Less like this"), LESS_KEY),
    A.MOOD_RADIO: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Radio from moods…"),
                             "Ctrl+Shift+R"),
    A.SEARCH: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Search"), QKeySequence.StandardKey.Find),
    A.QUEUE_PANEL: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Play queue"), "Ctrl+L"),
    A.SIMILAR_PANEL: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Similar songs panel"),
                       checkable=True),
    A.LIBRARY_MAP: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Library map"), "Ctrl+M"),
    A.LIBRARY: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Library"), "Ctrl+1"),
    A.ALBUMS: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Albums"), "Ctrl+2"),
    A.FOCUS_NEXT_PANE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Next pane"), "F6"),
    A.FOCUS_PREVIOUS_PANE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Previous pane"),
                                      "Shift+F6"),
    A.ABOUT: ActionSpec(QT_TRANSLATE_NOOP("Actions", "About Soundalike")),
    A.ABOUT_QT: ActionSpec(QT_TRANSLATE_NOOP("Actions", "About Qt")),
    # no key: Return and double-click come through the table's activated signal
    # (a Return shortcut on the table was ambiguous and never fired)
    A.PLAY_FROM_ROW: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Play from here")),
    A.PLAY: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Play")),
    # with the library table focused (its right-click menu shows the keys)
    A.PLAY_NEXT: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Play next"), "Ctrl+Shift+N", _TABLE),
    A.ENQUEUE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Add to queue"), "Ctrl+E", _TABLE),
    A.FIND_SIMILAR: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Find similar songs"),
                               "Ctrl+Shift+S", _TABLE),
    A.PLAY_SIMILAR_NEXT: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Play similar next")),
    A.START_RADIO: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Start radio"), "Ctrl+R", _TABLE),
    A.PATH_TO: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Path to…")),
    A.ADD_TO_PLAYLIST: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Add to playlist…")),
    A.MEDIA_PLAY: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Play"), Qt.Key.Key_MediaPlay, _APP),
    A.MEDIA_TOGGLE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Play/Pause"),
                                    Qt.Key.Key_MediaTogglePlayPause, _APP),
    A.MEDIA_PAUSE: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Pause"), Qt.Key.Key_MediaPause, _APP),
    A.MEDIA_STOP: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Stop"), Qt.Key.Key_MediaStop, _APP),
    A.MEDIA_NEXT: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Next"), Qt.Key.Key_MediaNext, _APP),
    A.MEDIA_PREVIOUS: ActionSpec(QT_TRANSLATE_NOOP("Actions", "Previous"),
                                      Qt.Key.Key_MediaPrevious, _APP),
}

#: the menu bar: (title, names; None is a separator)
MENUS: tuple[tuple[str, tuple[ActionName | None, ...]], ...] = (
    (QT_TRANSLATE_NOOP("Menus", "&File"),
     (A.ADD_FOLDER, A.FIND_LIKE_FILE, A.IMPORT_PLAYLIST, A.EXPORT_QUEUE, None, A.SETTINGS,
      None, A.QUIT)),
    (QT_TRANSLATE_NOOP("Menus", "&Playback"),
     (A.PLAY_PAUSE, A.NEXT, A.PREVIOUS, None, A.MORE_LIKE, A.LESS_LIKE, A.MOOD_RADIO, None,
      A.PAUSE_ANALYSIS)),
    (QT_TRANSLATE_NOOP("Menus", "&View"),
     (A.SEARCH, A.QUEUE_PANEL, A.SIMILAR_PANEL, A.LIBRARY_MAP, A.LIBRARY, A.ALBUMS, None,
      A.FOCUS_NEXT_PANE, A.FOCUS_PREVIOUS_PANE)),
    (QT_TRANSLATE_NOOP("Menus", "&Help"), (A.ABOUT, A.ABOUT_QT)),
)
#: the library table's right-click menu
TABLE_MENU: tuple[ActionName | None, ...] = (
    A.PLAY, A.PLAY_NEXT, A.ENQUEUE, None, A.FIND_SIMILAR, A.PLAY_SIMILAR_NEXT, A.START_RADIO,
    A.PATH_TO, None, A.ADD_TO_PLAYLIST)
#: actions added to the library table (their shortcuts work while it has the focus)
TABLE_KEYS = (A.PLAY_FROM_ROW, A.PLAY_NEXT, A.ENQUEUE, A.FIND_SIMILAR, A.START_RADIO)
#: shortcuts that work wherever the window is (added to the window, in no menu)
MEDIA_KEYS = (A.MEDIA_PLAY, A.MEDIA_TOGGLE, A.MEDIA_PAUSE, A.MEDIA_STOP, A.MEDIA_NEXT,
              A.MEDIA_PREVIOUS)


def key_sequence(shortcut: Shortcut) -> QKeySequence:
    return QKeySequence() if shortcut is None else QKeySequence(shortcut)


class ActionRegistry:
    """One QAction per :class:`ActionName`, made from :data:`ACTIONS`.

    *adopt* hands in actions Qt already made (the dock's toggle-view action); they get
    the declared text and shortcut like the others.
    """

    def __init__(self, parent: QObject, *, adopt: dict[ActionName, QAction] | None = None,
                 specs: dict[ActionName, ActionSpec] = ACTIONS):
        self.specs = specs
        self._actions: dict[ActionName, QAction] = {}
        adopt = adopt or {}
        for name, spec in specs.items():
            action = adopt.get(name) or QAction(parent)
            action.setObjectName(str(name))
            action.setText(QCoreApplication.translate("Actions", spec.text))
            if spec.checkable:
                action.setCheckable(True)
            if spec.shortcut is not None:
                action.setShortcut(key_sequence(spec.shortcut))
                action.setShortcutContext(spec.context)
            self._actions[name] = action

    def __getitem__(self, name: ActionName) -> QAction:
        return self._actions[ActionName(name)]

    def __iter__(self) -> Iterator[ActionName]:
        return iter(self._actions)

    def __len__(self) -> int:
        return len(self._actions)

    def connect(self, slots: dict[ActionName, Callable[[], object]]) -> None:
        """``triggered`` of each named action runs its slot (called without arguments)."""
        for name, slot in slots.items():
            self[name].triggered.connect(lambda _checked=False, slot=slot: slot())
