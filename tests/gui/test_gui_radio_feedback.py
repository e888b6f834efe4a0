"""Radio feedback in the window: the player reports skips and plays, More / Less like
this from the queue's menu, the now-playing bar and the keyboard, the queue refills at
once and says why; Radio from moods… (real recommender, real analysed library)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from soundalike.gui.mainwindow.actions import ActionName


def _start_radio(window, qtbot, title="Low Hum"):
    ids = {window.model.data(window.model.index(r, 0)): window.model.track_id(r)
           for r in range(window.model.rowCount())}
    window.similarity.start_radio([ids[title]])
    qtbot.waitUntil(lambda: window.similarity.radio_active and window.queue.rowCount() > 3,
                    timeout=20000)
    return ids


def test_player_reports_a_skip_and_the_queue_refills_with_a_reason(window, qtbot):
    _start_radio(window, qtbot)
    heard = []
    window.player.listened.connect(lambda row, s, done: heard.append((row.id, s, done)))
    player = window.player

    def heard_a_little() -> bool:  # playing, and the position has moved
        return player.is_playing() and player.position_ms() > 0

    qtbot.waitUntil(heard_a_little, timeout=20000)
    seed = window.queue.current_item()
    with qtbot.waitSignal(window.similarity.queue_reason_changed, timeout=20000) as sig:
        player.play_row(1)                         # leaving the seed early: a skip
    assert heard == [(seed.id, heard[0][1], False)] and heard[0][1] < 30
    assert sig.args[0].startswith("after you skipped 1 ")
    qtbot.waitUntil(heard_a_little, timeout=20000)
    first = window.queue.current_item()
    before = window.queue.ids()[window.queue.current + 2:]  # what would follow the next one
    with qtbot.waitSignal(window.similarity.queue_reason_changed, timeout=20000) as sig:
        player.next()                              # a skip, seconds in
    assert heard[-1][0] == first.id and heard[-1][2] is False
    assert sig.args[0].startswith("after you skipped 2 ")
    after = window.queue.ids()[window.queue.current + 1:]
    assert after and after != before               # what follows was drawn again
    m = window.queue
    text = m.data(m.index(m.current + 1))
    assert "↳ after you skipped 2 " in text       # the row says why it was chosen
    assert "Chosen after you skipped" in m.data(m.index(m.current + 1),
                                                Qt.ItemDataRole.ToolTipRole)


def test_more_and_less_like_from_menu_bar_and_keys(window, qtbot):
    _start_radio(window, qtbot)
    panel = window.queue_panel
    menu = panel.context_menu(2)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["Play", "More like this", "Less like this", "Sonic order", "Undo sonic order",
                     "Remove"]
    more = next(a for a in menu.actions() if a.text() == "More like this")
    assert more.shortcut().toString() == "Ctrl+Shift+M"
    with qtbot.waitSignal(window.similarity.queue_reason_changed, timeout=20000) as sig:
        more.trigger()
    assert sig.args[0].startswith("more like “")
    # the now-playing bar's buttons act on the playing track
    bar = window.now_playing
    assert bar.more_button.isEnabled() and bar.less_button.isEnabled()
    playing = window.queue.current_item().id
    with qtbot.waitSignal(window.similarity.queue_reason_changed, timeout=20000) as sig:
        bar.less_button.click()
    assert window.queue.current_item().id != playing      # less like this skips it
    assert "“less like this”" in sig.args[0]
    # and the window's shortcuts (in the Playback menu)
    action = window.registry[ActionName.LESS_LIKE]
    assert action.shortcut().toString() == "Ctrl+Shift+L"
    assert window.registry[ActionName.MORE_LIKE].shortcut().toString() == "Ctrl+Shift+M"
    playing = window.queue.current_item().id
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.queue.current_item().id != playing, timeout=20000)


def test_less_like_without_a_radio_says_what_it_does(window, qtbot):
    ids = window.model.track_ids()
    window.player.play_rows(window.resolve_rows(ids[:2]))
    window.similarity.less_like()
    assert "steers a radio" in window.statusBar().currentMessage()
    window.similarity.more_like()                      # starts a radio from the track
    qtbot.waitUntil(lambda: window.similarity.radio_active, timeout=20000)


def test_radio_from_moods_dialog(window, qtbot):
    from soundalike.gui.mood_dialog import MoodDialog

    d = MoodDialog(window)
    qtbot.addWidget(d)
    d.words.setText("calm, banjo")
    d.accept()
    assert d.isVisible() is False or d.result() == 0
    assert d.error.text().startswith("Unknown mood word “banjo”")
    assert "ambient" in d.known_label.text()
    d.words.setText("ambient, instrumental")
    d.use_tempo.setChecked(True)
    d.tempo_low.setValue(60)
    d.tempo_high.setValue(140)
    d.use_energy.setChecked(True)
    d.energy.setValue(20)
    assert d.tempo() == (60.0, 140.0) and d.energy_value() == 0.2
    d.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert d.result() == 1
    window.similarity.start_mood_radio(d.text(), tempo=d.tempo(), energy=d.energy_value())
    qtbot.waitUntil(lambda: window.similarity.radio_active and window.queue.rowCount() >= 5,
                    timeout=20000)
    assert window.queue_panel.radio_label.text() == "Radio: ambient, instrumental"
    assert window.registry[ActionName.MOOD_RADIO].text() == "Radio from moods…"
