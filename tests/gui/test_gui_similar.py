"""Similarity from the GUI: the right-click menu, the similar panel, radio and paths,
all computed by the real recommender over the real analysed library."""

from __future__ import annotations

from soundalike.gui.tasks import wait_idle


def select_titles(window, *names) -> list[int]:
    m = window.model
    window.table.clearSelection()
    ids = []
    for r in range(m.rowCount()):
        if m.data(m.index(r, 0)) in names:
            window.table.selectionModel().select(
                m.index(r, 0), window.table.selectionModel().SelectionFlag.Select
                | window.table.selectionModel().SelectionFlag.Rows)
            ids.append(m.track_id(r))
    return ids


def menu_action(window, text: str):
    menu = window.table_menu()
    for action in menu.actions():
        if action.text() == text:
            return action
    raise AssertionError(f"no menu item {text!r} in {[a.text() for a in menu.actions()]}")


def test_find_similar_fills_the_panel_with_scores_and_reasons(window, qtbot):
    select_titles(window, "Low Hum")
    menu_action(window, "Find similar songs").trigger()
    panel = window.similar_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=20000)
    assert panel.isVisible()
    assert "Low Hum" in panel.title.text()
    items = panel.model.items
    assert "Low Hum" not in [s.row.title for s in items]  # the seed itself is not suggested
    # the nearly identical drone is the best match, with a reason in words
    assert items[0].row.title == "Low Hum Again"
    assert items[0].score > items[-1].score
    assert all(s.why for s in items)
    m = panel.model
    assert m.data(m.index(0, 0)) == f"{items[0].score:.2f}"
    assert m.data(m.index(0, 3)) == items[0].why


def test_enter_queues_and_double_click_plays_a_suggestion(window, qtbot):
    select_titles(window, "Hiss")
    window.actions.find_similar(window.selected_ids())
    panel = window.similar_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=20000)
    panel.view.setFocus()
    panel.view.selectRow(0)
    first = panel.model.items[0].row
    panel.queue_selected()  # what Enter does
    assert window.queue.ids() == [first.id]
    panel.play_requested.emit([panel.model.items[1].row])  # what a double-click does
    assert window.queue.current_item().id == panel.model.items[1].row.id


def test_play_similar_next_inserts_after_the_current_track(window, qtbot):
    ids = window.model.track_ids()
    window.player.play_rows(window.resolve_rows(ids[:2]))
    select_titles(window, "Clicks")
    menu_action(window, "Play similar next").trigger()
    qtbot.waitUntil(lambda: window.queue.rowCount() > 2, timeout=20000)
    queued = window.queue.ids()
    assert queued[0] == ids[0] and queued[-1] == ids[1]  # inserted between
    assert len(queued) == 2 + 5


def test_start_radio_fills_the_queue_and_keeps_refilling(window, qtbot):
    seeds = select_titles(window, "Low Hum", "Hiss")
    menu_action(window, "Start radio from 2 songs").trigger()
    queue = window.queue
    qtbot.waitUntil(lambda: queue.rowCount() >= 12, timeout=20000)
    assert queue.ids()[:2] == sorted(seeds, key=queue.ids().index)  # seeds play first
    assert queue.current == 0 and window.actions.radio_active
    assert window.queue_panel.radio_label.text() == "Radio: 2 seeds"
    # jump near the end: the radio refills before the queue runs dry
    for _ in range(3):
        n = queue.rowCount()
        window.player.play_row(n - 1)
        qtbot.waitUntil(lambda n=n: queue.rowCount() > n, timeout=20000)
    assert queue.remaining() >= 1
    # playing something else from the library ends the radio
    window.play_from_table(0)
    assert not window.actions.radio_active


def test_path_between_two_songs(window, qtbot):
    ids = window.library_ids = {window.model.data(window.model.index(r, 0)):
                                window.model.track_id(r)
                                for r in range(window.model.rowCount())}
    window.actions.path_to(ids["Low Hum"], ids["Fast Clicks"])
    panel = window.similar_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=20000)
    steps = [s.row.title for s in panel.model.items]
    assert steps[0] == "Low Hum" and steps[-1] == "Fast Clicks"
    assert len(steps) == len(set(steps)) >= 3
    assert panel.model.data(panel.model.index(0, 0)) == "1."
    assert "Path from" in panel.title.text()
    wait_idle()
