"""Follow the system's light or dark colour scheme (Fusion style with a matching palette),
and its high-contrast setting.

High contrast comes from the platform (Qt ≥ 6.10's ``QAccessibilityHints.contrastPreference``,
else a GTK theme named like "HighContrast") or from the ``ui/scheme`` setting
``high-contrast``: black on white or white on black, with a highlight and links that keep
a contrast of at least 7:1 (WCAG AAA); the light and dark palettes keep 4.5:1 (AA).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
ACCENT = QColor("#2a9d8f")
#: selection colour: the accent darkened to keep white text at 5.2:1 (WCAG AA)
HIGHLIGHT = QColor("#1f7a70")


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
    p.setColor(R.Highlight, HIGHLIGHT)
    p.setColor(R.HighlightedText, QColor(255, 255, 255))
    p.setColor(R.Link, ACCENT.lighter(130))
    p.setColor(R.PlaceholderText, QColor(140, 142, 146))
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G.Disabled, role, QColor(120, 122, 126))
    return p


def high_contrast_palette(dark: bool) -> QPalette:
    """Black on white (or white on black) with a strong highlight; every text colour has a
    contrast of at least 7:1 on its background."""
    p = QPalette()
    R, G = QPalette.ColorRole, QPalette.ColorGroup
    if dark:
        bg, fg, alt = QColor(0, 0, 0), QColor(255, 255, 255), QColor(24, 24, 24)
        highlight, on_highlight = QColor(255, 215, 0), QColor(0, 0, 0)   # gold, black text
        link, disabled = QColor(255, 235, 120), QColor(190, 190, 190)
    else:
        bg, fg, alt = QColor(255, 255, 255), QColor(0, 0, 0), QColor(238, 238, 238)
        highlight, on_highlight = QColor(0, 0, 140), QColor(255, 255, 255)  # navy, white text
        link, disabled = QColor(0, 0, 170), QColor(70, 70, 70)
    for role in (R.Window, R.Base, R.Button, R.ToolTipBase):
        p.setColor(role, bg)
    p.setColor(R.AlternateBase, alt)
    for role in (R.WindowText, R.Text, R.ButtonText, R.ToolTipText, R.BrightText):
        p.setColor(role, fg)
    p.setColor(R.Highlight, highlight)
    p.setColor(R.HighlightedText, on_highlight)
    p.setColor(R.Link, link)
    p.setColor(R.LinkVisited, link)
    p.setColor(R.PlaceholderText, disabled)
    for role in (R.Light, R.Midlight, R.Mid, R.Dark, R.Shadow):
        p.setColor(role, fg)   # frames and separators drawn in the text colour
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G.Disabled, role, disabled)
    return p


def platform_high_contrast(app: QGuiApplication | None = None) -> bool:
    """The desktop asks for high contrast."""
    app = app or QGuiApplication.instance()
    with contextlib.suppress(AttributeError, RuntimeError):  # Qt < 6.10
        hints = app.styleHints().accessibility()
        if hints.contrastPreference() == Qt.ContrastPreference.HighContrast:
            return True
    return "highcontrast" in os.environ.get("GTK_THEME", "").replace("-", "").lower()


def light_palette() -> QPalette:
    p = QApplication.style().standardPalette()
    p.setColor(QPalette.ColorRole.Highlight, HIGHLIGHT)
    p.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    return p


def apply(app: QApplication, scheme: str = "system", *,
          high_contrast: bool | None = None) -> None:
    """Fusion style with a palette for *scheme* (``system``, ``light``, ``dark`` or
    ``high-contrast``); *high_contrast* (default: what the platform asks for) turns the
    light or dark palette into its high-contrast version."""
    app.setStyle("Fusion")
    if high_contrast is None:
        high_contrast = scheme == "high-contrast" or platform_high_contrast(app)
    dark = is_dark(app) if scheme in ("system", "high-contrast") else scheme == "dark"
    if high_contrast:
        app.setPalette(high_contrast_palette(dark))
    else:
        app.setPalette(dark_palette() if dark else light_palette())


def follow_system(app: QApplication, scheme: str = "system") -> None:
    """Re-apply the palette whenever the desktop switches between light and dark or turns
    high contrast on or off."""
    with contextlib.suppress(AttributeError):
        app.styleHints().colorSchemeChanged.connect(lambda *_: apply(app, scheme))
    with contextlib.suppress(AttributeError):  # Qt < 6.10
        app.styleHints().accessibility().contrastPreferenceChanged.connect(
            lambda *_: apply(app, scheme))
