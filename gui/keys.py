"""Keyboard shortcuts bound to one widget."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


def widget_shortcut(key: QKeySequence | QKeySequence.StandardKey | Qt.Key, widget: QWidget,
                    slot: Callable[[], object]) -> QShortcut:
    """A shortcut that fires only while *widget* has the focus.

    PySide6's ``QShortcut(key, parent, callable, context=…)`` ignores the ``context``
    keyword and makes a window-wide shortcut (Delete anywhere in the window removed queue
    rows; Return in the library table was taken by the similar panel's shortcut), so the
    context is set after construction.
    """
    shortcut = QShortcut(QKeySequence(key), widget)
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
    shortcut.activated.connect(slot)
    return shortcut


#: the radio's feedback keys (the window's actions, the queue's menu, the now-playing bar)
MORE_KEY = "Ctrl+Shift+M"
LESS_KEY = "Ctrl+Shift+L"
