"""Follow the system's light or dark colour scheme (Fusion style with a matching palette)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
ACCENT = QColor("#2a9d8f")


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("soundalike.svg", "soundalike-256.png", "soundalike-64.png"):
        path = RESOURCES / name
        if path.exists():
            icon.addFile(str(path))
    return icon


def is_dark(app: QGuiApplication | None = None) -> bool:
    app = app or QGuiApplication.instance()
    try:
        return app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # Qt < 6.5
        return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    p = QPalette()
    R, G = QPalette.ColorRole, QPalette.ColorGroup
    window, base, text = QColor(37, 39, 43), QColor(28, 30, 33), QColor(225, 226, 228)
    p.setColor(R.Window, window)
    p.setColor(R.WindowText, text)
    p.setColor(R.Base, base)
    p.setColor(R.AlternateBase, QColor(44, 47, 52))
    p.setColor(R.ToolTipBase, QColor(50, 52, 58))
    p.setColor(R.ToolTipText, text)
    p.setColor(R.Text, text)
    p.setColor(R.Button, QColor(48, 51, 56))
    p.setColor(R.ButtonText, text)
    p.setColor(R.BrightText, QColor("#ff6b6b"))
    p.setColor(R.Highlight, ACCENT)
    p.setColor(R.HighlightedText, QColor(255, 255, 255))
    p.setColor(R.Link, ACCENT.lighter(130))
    p.setColor(R.PlaceholderText, QColor(140, 142, 146))
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G.Disabled, role, QColor(120, 122, 126))
    return p


def light_palette() -> QPalette:
    p = QApplication.style().standardPalette()
    p.setColor(QPalette.ColorRole.Highlight, ACCENT)
    p.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    return p


def apply(app: QApplication, scheme: str = "system") -> None:
    """Fusion style with a palette for *scheme* (``system``, ``light`` or ``dark``)."""
    app.setStyle("Fusion")
    dark = is_dark(app) if scheme == "system" else scheme == "dark"
    app.setPalette(dark_palette() if dark else light_palette())


def follow_system(app: QApplication) -> None:
    """Re-apply the palette whenever the desktop switches between light and dark."""
    with contextlib.suppress(AttributeError):
        app.styleHints().colorSchemeChanged.connect(lambda *_: apply(app))
