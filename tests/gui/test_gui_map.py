"""The library map in the real window: the layout computed in another process and cached,
search-to-highlight with keyboard stepping, click and play kept, cancel on close."""

from __future__ import annotations

import numpy as np
from gui_fixtures import SONGS
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from soundalike.library.recommend.map_layout import map_positions
from soundalike.library.store import Store


def open_map(window, qtbot):
    window.tabs.setCurrentWidget(window.map)
    qtbot.waitUntil(lambda: window.map.data is not None and len(window.map.data.ids) > 0,
                    timeout=20000)
    return window.map


def wait_layout(m, qtbot):
    qtbot.waitUntil(lambda: not m.layout_running and m.data is not None
                    and m.data.state == "cached", timeout=60000)


def test_map_first_shows_a_preview_then_the_stored_layout(window, qtbot, library):
    m = open_map(window, qtbot)
    assert m.data.state == "pca"  # nothing stored yet: shown at once, laid out meanwhile
    assert m.layout_running and "arranging the map" in m.status_text()
    preview = m.data.xy.copy()
    wait_layout(m, qtbot)
    assert "arranging" not in m.status_text() and not m.layout_error
    assert not np.allclose(m.data.xy, preview, atol=1e-3)
    with Store(library.db) as store:
        info = store.map_layout_info()
        assert info is not None and info.tracks == len(SONGS)
        assert map_positions(store, m.data.ids).state == "cached"
    # a second window (the next start) shows the cached layout straight away, no job
    m.close()
    from soundalike.gui.map_view import LibraryMap

    again = LibraryMap(str(library.db), tasks=window.tasks)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.data is not None, timeout=20000)
    assert again.data.state == "cached" and not again.layout_running
    assert np.allclose(again.data.xy, m.data.xy)


def pixel(m, i) -> QColor:
    image = m.grab().toImage()
    p = m.screen_pos(i)
    return image.pixelColor(int(round(p.x())), int(round(p.y())))


def test_search_highlights_dims_and_steps_with_the_keyboard(window, qtbot):
    m = open_map(window, qtbot)
    wait_layout(m, qtbot)
    m.resize(900, 600)
    titles = m.data.titles
    hum = [i for i, t in enumerate(titles) if "Low Hum" in t]
    assert len(hum) == 2
    other = next(i for i, t in enumerate(titles) if "Hiss" in t)
    before_other = pixel(m, other)
    m.search.setFocus()
    qtbot.keyClicks(m.search, "low HUM")
    qtbot.waitUntil(lambda: m.matches is not None, timeout=3000)
    assert sorted(m.matches.tolist()) == hum
    assert m.match_label.text().startswith("2 songs")
    # the others are dimmed (nearer the background), the matches keep their colour
    base = m.palette().base().color()
    dimmed = pixel(m, other)

    def distance(c: QColor) -> int:
        return abs(c.red() - base.red()) + abs(c.green() - base.green()) + \
            abs(c.blue() - base.blue())

    assert distance(dimmed) < 0.5 * distance(before_other)
    assert distance(pixel(m, hum[0])) > 2 * distance(dimmed)
    # Enter steps through the matches, Shift+Enter back, wrapping round
    qtbot.keyClick(m.search, Qt.Key.Key_Return)
    first = m.current_index()
    assert first in hum and m.match_label.text().startswith("1 of 2: ")
    qtbot.keyClick(m.search, Qt.Key.Key_Return)
    second = m.current_index()
    assert {first, second} == set(hum)
    qtbot.keyClick(m.search, Qt.Key.Key_Return)
    assert m.current_index() == first
    qtbot.keyClick(m.search, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert m.current_index() == second
    # Ctrl+Enter plays the current match
    qtbot.keyClick(m.search, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.player.current is not None, timeout=5000)
    assert window.player.current.id == int(m.data.ids[second])
    window.player.pause()
    # the library search's semantics: every word, accents and case folded
    m.search.setText("drone hum nothing-like-this")
    qtbot.waitUntil(lambda: m.matches is not None and len(m.matches) == 0, timeout=3000)
    assert m.match_label.text() == "no songs match"
    qtbot.keyClick(m.search, Qt.Key.Key_Return)  # no matches: nothing happens
    assert m.current_index() is None
    qtbot.keyClick(m.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: m.matches is None, timeout=3000)
    assert m.search.text() == "" and m.match_label.text() == ""


def test_clicks_and_tooltips_remain_with_a_highlight(window, qtbot):
    m = open_map(window, qtbot)
    wait_layout(m, qtbot)
    m.resize(900, 600)
    m.search.setText("metronome")  # the artist (the tmp path holds the test name)
    qtbot.waitUntil(lambda: m.matches is not None and len(m.matches) == 2, timeout=3000)
    i = int(m.matches[0])
    pos = m.screen_pos(i)
    qtbot.mouseMove(m, QPoint(int(pos.x()), int(pos.y())))
    qtbot.waitUntil(lambda: m.hover == i, timeout=3000)
    qtbot.mouseClick(m, Qt.MouseButton.LeftButton, pos=QPoint(int(pos.x()), int(pos.y())))
    texts = [a.text() for a in m._menu.actions()]
    assert texts == [m.data.titles[i], "Play", "Find similar songs"]
    with qtbot.waitSignal(m.similar_requested, timeout=3000) as sig:
        m._menu.actions()[2].trigger()
    assert sig.args == [int(m.data.ids[i])]
    m._menu.close()
    assert m.point_at(QPointF(-50, -50)) is None


def test_closing_the_map_stops_the_layout_process(window, qtbot):
    m = open_map(window, qtbot)
    assert m.layout_running
    job = m.layout_job
    qtbot.waitUntil(lambda: job._proc is not None, timeout=10000)
    m.close()
    assert not m.layout_running
    qtbot.waitUntil(lambda: not job._proc.is_alive(), timeout=10000)
    assert job.cancelled


def test_the_layout_progress_repaints_the_status_line_not_the_dots(qtbot, tmp_path):
    from soundalike.gui.map_view import LibraryMap, MapData

    class Counting(LibraryMap):
        dots = paints = 0

        def screen_pos(self, i):
            self.dots += 1
            return super().screen_pos(i)

        def paintEvent(self, event):
            self.paints += 1
            super().paintEvent(event)

    m = Counting(str(tmp_path / "none.db"), auto_layout=False)
    qtbot.addWidget(m)
    m.stale = False  # (no database: the data below is all it shows)
    n = 3000
    rng = np.random.default_rng(0)
    m.data = MapData(np.arange(n), rng.random((n, 2)).astype(np.float32),
                     rng.integers(0, 5, n), [f"g{i}" for i in range(5)],
                     [str(i) for i in range(n)], [""] * n)
    m.resize(800, 600)
    m.show()
    qtbot.waitExposed(m)
    qtbot.waitUntil(lambda: m.dots >= n, timeout=3000)  # the first paint drew every dot
    m.dots, m.paints = 0, 0
    m._progress_timer.timeout.emit()   # a progress tick of a running layout
    qtbot.waitUntil(lambda: m.paints > 0, timeout=3000)
    assert m.dots == 0                 # the status line was repainted, not the dots
    # a whole repaint (hovering a dot, stepping through matches) draws the few marks over
    # the cached layer of dots; the dots are drawn again only when what they show changes
    m.paints = 0
    m.hover = 5
    m.update()
    qtbot.waitUntil(lambda: m.paints > 0, timeout=3000)
    assert m.dots <= m.paints          # only the hovered dot's ring
    m.matches = np.arange(0, n, 7)     # a search: dimmed dots and ringed matches
    m.update()
    qtbot.waitUntil(lambda: m.dots >= n, timeout=3000)
    m.dots = 0
    m.resize(700, 500)                 # a new size: every position moves
    qtbot.waitUntil(lambda: m.dots >= n, timeout=3000)
