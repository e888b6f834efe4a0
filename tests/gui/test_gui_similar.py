"""Similarity from the GUI: the right-click menu, the similar panel, radio and paths,
all computed by the real recommender over the real analysed library."""

from __future__ import annotations


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
    window.similarity.find_similar(window.selected_ids())
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
    assert queue.current == 0 and window.similarity.radio_active
    assert window.queue_panel.radio_label.text() == "Radio: 2 seeds"
    # jump near the end: the radio refills before the queue runs dry
    for _ in range(3):
        n = queue.rowCount()
        window.player.play_row(n - 1)
        qtbot.waitUntil(lambda n=n: queue.rowCount() > n, timeout=20000)
    assert queue.remaining() >= 1
    # playing something else from the library ends the radio
    window.play_from_table(0)
    assert not window.similarity.radio_active


def test_path_between_two_songs(window, qtbot):
    ids = window.library_ids = {window.model.data(window.model.index(r, 0)):
                                window.model.track_id(r)
                                for r in range(window.model.rowCount())}
    window.similarity.path_to(ids["Low Hum"], ids["Fast Clicks"])
    panel = window.similar_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=20000)
    steps = [s.row.title for s in panel.model.items]
    assert steps[0] == "Low Hum" and steps[-1] == "Fast Clicks"
    assert len(steps) == len(set(steps)) >= 3
    assert panel.model.data(panel.model.index(0, 0)) == "1."
    assert "Path from" in panel.title.text()
    window.tasks.wait_idle()


def test_find_songs_like_a_file_from_outside_the_library(window, library, qtbot, tmp_path):
    import shutil

    from audiofiles import tone
    from gui_fixtures import write_song

    # A new drone, tagged, somewhere outside the music folders.
    (tmp_path / "Downloads").mkdir()
    outside = write_song(tmp_path / "Downloads", "drone", "Deep Drone", "Stranger",
                         "Ambient", tone([108, 216], 6.0, 22050))
    window.find_like_file(str(outside))
    panel = window.similar_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=60000)
    assert "Deep Drone" in panel.title.text() and "Stranger" in panel.title.text()
    titles = [s.row.title for s in panel.model.items]
    assert titles[0] in ("Low Hum", "Low Hum Again")  # the drones, not the clicks or hiss
    assert all(s.row.id > 0 for s in panel.model.items)  # only library songs are offered

    # A copy of a library song: the copy in the library is not offered as "similar".
    low_hum = next(p for p in (library.root / "music").iterdir() if p.name.startswith("01 "))
    copy = tmp_path / "Downloads" / "copy.flac"
    shutil.copy(low_hum, copy)
    window.find_like_file(str(copy))
    qtbot.waitUntil(lambda: "copy" in panel.title.text() or "Low Hum" in panel.title.text(),
                    timeout=5000)
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=60000)
    assert "Low Hum" not in [s.row.title for s in panel.model.items]

    # Not audio at all: the panel says so in words.
    junk = tmp_path / "Downloads" / "notes.mp3"
    junk.write_text("shopping list\n" * 20)
    window.find_like_file(str(junk))
    qtbot.waitUntil(lambda: "cannot be analysed" in panel.status.text(), timeout=30000)
    assert panel.model.rowCount() == 0 and "not an audio file" in panel.status.text()


def test_dropping_files_and_folders_from_a_file_manager(window, qtbot, tmp_path):
    from audiofiles import tone
    from gui_fixtures import write_song
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    def drop(*paths):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        window.dragEnterEvent(enter)
        event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        window.dropEvent(event)
        return enter.isAccepted(), event.isAccepted(), mime

    notes = tmp_path / "notes.txt"
    notes.write_text("not music")
    entered, dropped, _ = drop(notes)
    assert not entered and not dropped  # nothing for us in a text file

    (tmp_path / "Downloads").mkdir()
    song = write_song(tmp_path / "Downloads", "hum", "Dropped Hum", "Stranger", "Ambient",
                      tone([110, 220], 6.0, 22050))
    entered, dropped, _ = drop(song)
    assert entered and dropped
    panel = window.similar_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=60000)
    assert "Dropped Hum" in panel.title.text()

    more = tmp_path / "More music"
    more.mkdir()
    entered, dropped, _ = drop(more)
    assert entered and dropped
    assert str(more) in [f.path for f in window.store.folders()]
