"""Accessibility of the real main window: every control has a name a screen reader reads
and a tooltip; the library, the similar panel and the queue work from the keyboard alone
(key events sent with pytest-qt); the palettes keep readable contrast, high contrast too."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMenu,
    QMenuBar,
    QProgressBar,
    QScrollBar,
    QTabBar,
    QWidget,
)

from soundalike.gui import theme
from soundalike.gui.similar_panel import Suggestion

INPUTS = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QProgressBar,
          QAbstractItemView, QTabBar)
#: Qt's own parts of a composite control (a spin box's line edit, a view's header, a tab
#: bar's scroll arrows), named by the control they belong to
COMPOSITES = (QAbstractSpinBox, QComboBox, QAbstractItemView, QTabBar, QLineEdit)


def controls(window: QWidget) -> list[QWidget]:
    found = []
    for w in window.findChildren(QWidget):
        if w.objectName().startswith("qt_") or isinstance(w, (QScrollBar, QMenu, QMenuBar)):
            continue
        parent, inside = w.parentWidget(), False
        while parent is not None and parent is not window:
            if isinstance(parent, COMPOSITES):
                inside = True
                break
            parent = parent.parentWidget()
        if inside:
            continue
        if isinstance(w, INPUTS) or w.focusPolicy() != Qt.FocusPolicy.NoFocus:
            found.append(w)
    return found


def describe(w: QWidget) -> str:
    return f"{type(w).__name__}({w.objectName() or '?'}, parent {type(w.parent()).__name__})"


def test_every_control_has_an_accessible_name_and_a_tooltip(window, qtbot):
    found = controls(window)
    assert len(found) > 15   # the table, the search box, the panels' views and buttons …
    unnamed = [describe(w) for w in found
               if not QAccessible.queryAccessibleInterface(w).text(QAccessible.Text.Name)]
    untipped = [describe(w) for w in found if not w.toolTip()]
    assert not unnamed, f"no accessible name: {unnamed}"
    assert not untipped, f"no tooltip: {untipped}"


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def test_the_library_by_keyboard_alone(window, qtbot):
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focused() is window.search
    qtbot.keyClicks(window.search, "hum")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
    qtbot.keyClick(window.search, Qt.Key.Key_Down)          # Down leaves the search box
    assert focused() is window.table and window.table.currentIndex().row() == 0
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert window.table.currentIndex().row() == 1
    second = window.model.track_id(1)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)         # Enter plays from that song
    assert window.player.current.id == second
    # the right-click menu's actions have keys while the table has the focus
    qtbot.keyClick(window.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.queue.ids()[-1] == second                 # Ctrl+E: add to queue
    qtbot.keyClick(window.table, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.similar_panel.model.rowCount() > 0, timeout=20000)
    assert window.similar_panel.isVisible()                  # Ctrl+Shift+S: similar songs
    assert "Low Hum" in window.similar_panel.title.text()


def test_panes_similar_panel_and_queue_by_keyboard(window, qtbot):
    window.activateWindow()
    rows = window.resolve_rows(window.model.track_ids())
    window.playback.play_rows(rows[:3])
    window.player.pause()
    panel = window.similar_panel
    panel.show_results(rows[:1], [Suggestion(r, 0.9 - i / 10, "alike") for i, r in
                                  enumerate(rows[3:6])])
    window.registry["similar-panel"].setChecked(True)
    window.queue_dock.setVisible(True)
    window.table.setFocus()
    # F6 / Shift+F6 walk the regions: sidebar, library, similar songs, queue, player
    order = []
    for _ in range(5):
        qtbot.keyClick(focused(), Qt.Key.Key_F6)
        order.append(focused())
    assert order == [panel.view, window.queue_panel.view, window.now_playing.play_button,
                     window.sidebar, window.table]
    qtbot.keyClick(focused(), Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is window.sidebar

    # the similar panel: arrows choose, Enter queues, Ctrl+Enter plays
    panel.view.setFocus()
    window.focus_pane(0)
    assert focused() is panel.view and panel.view.currentIndex().row() == 0
    qtbot.keyClick(panel.view, Qt.Key.Key_Down)
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert window.queue.ids() == [r.id for r in rows[:3]] + [rows[4].id]
    qtbot.keyClick(panel.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.player.current.id == rows[4].id

    # the queue: arrows, Alt+Up/Down move, Delete removes, Enter plays
    queue_view = window.queue_panel.view
    qtbot.keyClick(panel.view, Qt.Key.Key_F6)
    assert focused() is queue_view
    queue_view.setCurrentIndex(window.queue.index(0))
    qtbot.keyClick(queue_view, Qt.Key.Key_Down)
    moved = window.queue.item(1).id
    qtbot.keyClick(queue_view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert window.queue.item(0).id == moved and queue_view.currentIndex().row() == 0
    qtbot.keyClick(queue_view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert window.queue.item(1).id == moved
    before, after = window.queue.rowCount(), window.queue.item(2)
    qtbot.keyClick(queue_view, Qt.Key.Key_Delete)           # removes the selected row 1
    assert window.queue.rowCount() == before - 1 and window.queue.item(1) is after
    queue_view.setCurrentIndex(window.queue.index(0))
    qtbot.keyClick(queue_view, Qt.Key.Key_Return)
    assert window.player.current.id == window.queue.item(0).id


def test_the_sidebar_by_keyboard(window, qtbot):
    window.activateWindow()
    sidebar = window.sidebar
    window.now_playing.play_button.setFocus()
    window.focus_pane(1)                      # after the last region: the first
    assert focused() is sidebar
    artists = sidebar.categories["artist"]
    sidebar.setCurrentItem(artists)
    qtbot.keyClick(sidebar, Qt.Key.Key_Right)                  # opens the category
    qtbot.waitUntil(lambda: artists.childCount() > 0, timeout=5000)
    qtbot.keyClick(sidebar, Qt.Key.Key_Down)                   # its first artist
    artist = sidebar.currentItem().text(0)
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 7, timeout=5000)
    qtbot.keyClick(sidebar, Qt.Key.Key_Return)                 # Enter: to the songs
    assert focused() is window.table
    shown = window.resolve_rows(window.model.track_ids())
    assert shown and all(artist.startswith(r.display_artist) or r.display_artist in artist
                         for r in shown)


def contrast(a, b) -> float:
    """WCAG 2 contrast ratio of two QColors."""
    def lum(c):
        def ch(v):
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.red()) + 0.7152 * ch(c.green()) + 0.0722 * ch(c.blue())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


PAIRS = ((QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
         (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
         (QPalette.ColorRole.Text, QPalette.ColorRole.AlternateBase),
         (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
         (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
         (QPalette.ColorRole.ToolTipText, QPalette.ColorRole.ToolTipBase))


def test_palettes_keep_text_readable_and_high_contrast_more_so(qapp):
    for name, palette, bar in (("light", theme.light_palette(), 4.5),
                               ("dark", theme.dark_palette(), 4.5),
                               ("high contrast light", theme.high_contrast_palette(False), 7.0),
                               ("high contrast dark", theme.high_contrast_palette(True), 7.0)):
        for fg, bg in PAIRS:
            ratio = contrast(palette.color(fg), palette.color(bg))
            assert ratio >= bar, f"{name}: {fg.name} on {bg.name} is {ratio:.2f}:1"
    # the platform's high-contrast request wins over the user's light/dark choice
    theme.apply(qapp, "light", high_contrast=True)
    assert qapp.palette().color(QPalette.ColorRole.Window) == \
        theme.high_contrast_palette(False).color(QPalette.ColorRole.Window)
    theme.apply(qapp, "high-contrast")
    assert contrast(qapp.palette().color(QPalette.ColorRole.Text),
                    qapp.palette().color(QPalette.ColorRole.Base)) >= 7.0
    theme.apply(qapp, "light")
