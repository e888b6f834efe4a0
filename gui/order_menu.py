"""The "Sonic order" submenu shared by the queue and the playlists (issue 24)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QMenu

#: (key, menu text): keys are ``library.discovery.ORDER_BY``
ORDERS = (("flow", QT_TRANSLATE_NOOP("OrderMenu", "Flow (each song into the next)")),
          ("energy", QT_TRANSLATE_NOOP("OrderMenu", "Energy (calm → energetic)")),
          ("tempo", QT_TRANSLATE_NOOP("OrderMenu", "Tempo (slow → fast)")),
          ("brightness", QT_TRANSLATE_NOOP("OrderMenu", "Brightness (dark → bright)")),
          ("mood", QT_TRANSLATE_NOOP("OrderMenu", "Mood (sad → happy)")))


def add_order_menu(menu: QMenu, order: Callable[[str], None], undo: Callable[[], None],
                   can_undo: Callable[[], bool]) -> QMenu:
    """Add "Sonic order ▸" (one action per :data:`ORDERS`) and "Undo sonic order"."""
    sub = menu.addMenu(QCoreApplication.translate("OrderMenu", "Sonic order"))
    sub.setObjectName("SonicOrderMenu")
    for key, text in ORDERS:
        action = sub.addAction(QCoreApplication.translate("OrderMenu", text),
                               lambda key=key: order(key))
        action.setData(key)
    undo_action = menu.addAction(QCoreApplication.translate("OrderMenu", "Undo sonic order"),
                                 undo)
    undo_action.setEnabled(bool(can_undo()))
    return sub
