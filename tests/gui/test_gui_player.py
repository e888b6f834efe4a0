"""Playback with the real QMediaPlayer (FFmpeg backend; offscreen there is no audio
device, but decoding, positions and end-of-media are real), the play queue, and
playlists."""

from __future__ import annotations

from gui_fixtures import SR, tone, write_song
from PySide6.QtCore import QModelIndex

from soundalike.gui.library_query import Row
from soundalike.gui.queue_model import QueueModel
from soundalike.library.files.playlist_files import read_playlist


def row(i: int, path: str = "/nowhere.flac", title: str | None = None) -> Row:
    return Row(i, path, title or f"T{i}", "A", None, None, None, 1.0, "analysed", None, None,
               None)


def test_playback_advances_and_skips_an_unplayable_file(window, qtbot, library):
    short = [write_song(library.music, f"short{i}", f"Short {i}", "Beeper", "Test",
                        tone(440 * (i + 1), 0.6, SR)) for i in range(2)]
    bad = library.music / "broken.flac"
    bad.write_text("this is not audio")
    rows = [row(101, str(short[0]), "Short 0"), row(102, str(bad), "Broken"),
            row(103, str(library.music / "gone.flac"), "Gone"),
            row(104, str(short[1]), "Short 1")]
    messages: list[str] = []
    window.player.message.connect(messages.append)
    started: list[str] = []
    window.player.current_changed.connect(lambda r: started.append(r.title if r else None))
    window.player.play_rows(rows)
    # Short 0 plays to its end, the broken and the missing files are skipped with a
    # message, Short 1 plays to its end, then the player stops.
    qtbot.waitUntil(lambda: started[-1:] == [None], timeout=20000)
    assert [t for t in started if t] == ["Short 0", "Broken", "Gone", "Short 1"]
    # (this damaged file opens but never plays: the stall watchdog skips it)
    assert any("Broken" in m and "Skipped" in m for m in messages)
    assert any("Gone" in m and "missing" in m for m in messages)
    assert len(messages) == 2
    assert window.now_playing.title_label.text() == "Nothing playing"
    assert not window.player._stall_timer.isActive()  # a stopped player sets no timer going


def test_a_queue_of_only_bad_files_stops_instead_of_looping(window, qtbot, library):
    bad = library.music / "bad.mp3"
    bad.write_bytes(b"\0" * 100)
    messages: list[str] = []
    window.player.message.connect(messages.append)
    window.player.play_rows([row(1, str(bad), "Bad"), row(2, str(bad), "Bad again")])
    qtbot.waitUntil(lambda: len(messages) >= 2, timeout=10000)
    qtbot.wait(300)
    assert len(messages) == 2
    assert not window.player.is_playing()


def test_now_playing_bar_shows_title_artist_and_times(window, qtbot):
    ids = window.model.track_ids()
    window.player.play_rows(window.resolve_rows(ids))
    bar = window.now_playing
    first = window.queue.current_item()
    qtbot.waitUntil(lambda: bar.total_label.text() == "0:06", timeout=5000)
    assert bar.title_label.text() == first.title
    assert bar.artist_label.text().startswith(first.artist)
    qtbot.waitUntil(lambda: bar.seek_slider.value() > 0, timeout=5000)
    window.player.next()
    assert bar.title_label.text() == window.queue.item(1).title
    bar.volume_slider.setValue(30)
    assert abs(window.player.volume() - 0.3) < 0.01
    window.player.toggle()
    qtbot.waitUntil(lambda: not window.player.is_playing(), timeout=3000)


def test_queue_reorder_remove_and_clear():
    q = QueueModel()
    q.append([row(i) for i in range(5)])
    q.set_current(1)
    assert q.moveRows(QModelIndex(), 3, 2, QModelIndex(), 0)  # drag rows 3-4 to the top
    assert q.ids() == [3, 4, 0, 1, 2]
    assert q.current == 3 and q.current_item().id == 1  # still the same track
    assert not q.moveRows(QModelIndex(), 0, 1, QModelIndex(), 1)  # onto itself
    q.move([0, 4], 3)
    assert q.ids() == [4, 0, 3, 2, 1] and q.current_item().id == 1
    q.remove([0, 4])  # removes the current track: "next" goes on after it
    assert q.ids() == [0, 3, 2] and q.current == 2
    q.insert_next([row(9)])
    assert q.ids() == [0, 3, 2, 9]
    q.clear()
    assert q.rowCount() == 0 and q.current == -1


def test_queue_accepts_tracks_dropped_from_the_library(window):
    model = window.model
    mime = model.mimeData([model.index(0, 0), model.index(2, 1)])
    assert window.queue.dropMimeData(mime, None, 0, 0, QModelIndex())
    assert window.queue.ids() == [model.track_id(0), model.track_id(2)]
    # and a drag inside the queue moves rows
    qmime = window.queue.mimeData([window.queue.index(1)])
    window.queue.dropMimeData(qmime, None, 0, 0, QModelIndex())
    assert window.queue.ids() == [model.track_id(2), model.track_id(0)]


def test_save_queue_as_playlist_and_browse_it(window, qtbot):
    ids = window.model.track_ids()[:3]
    window.queue.append(window.resolve_rows(ids))
    pid = window.save_queue("Evening")
    assert [t.id for t in window.store.playlist_tracks(pid)] == ids
    qtbot.waitUntil(lambda: any(label.startswith("Evening")
                                for label in window.sidebar.child_labels("playlist")),
                    timeout=3000)
    assert window.sidebar.select("playlist", pid)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=3000)
    # saving again under the same name replaces its contents
    window.queue.remove([0])
    assert window.save_queue("Evening") == pid
    assert [t.id for t in window.store.playlist_tracks(pid)] == ids[1:]
    # "Add to playlist…" from the library appends instead
    window.save_tracks_as_playlist([ids[0]], "Evening", append=True)
    assert [t.id for t in window.store.playlist_tracks(pid)] == ids[1:] + ids[:1]


def test_export_and_import_m3u8_and_xspf(window, tmp_path):
    rows = window.resolve_rows(window.model.track_ids()[:4])
    window.queue.append(rows)
    for name in ("queue.m3u8", "queue.xspf"):
        out = tmp_path / name
        window.playlists.export(window.queue.items, str(out))
        assert [e.path for e in read_playlist(out)] == [r.path for r in rows]
        pid = window.import_playlist(str(out))
        assert [t.id for t in window.store.playlist_tracks(pid)] == [r.id for r in rows]


def test_dropping_on_the_queue_view_reorders(window, qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QDropEvent

    window.queue.append([row(i) for i in range(5)])
    view = window.queue_panel.view
    window.queue_dock.setVisible(True)
    qtbot.waitExposed(window)
    mime = window.queue.mimeData([window.queue.index(0)])  # what dragging row 0 carries
    target = view.visualRect(window.queue.index(3))
    pos = QPoint(target.center().x(), target.top() + 1)  # just above row 3
    event = QDropEvent(pos.toPointF(), Qt.DropAction.MoveAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)
    assert window.queue.ids() == [1, 2, 0, 3, 4]
    # tracks dragged from the library table are inserted where they are dropped
    lib = window.model
    target = view.visualRect(window.queue.index(1))
    dragged = lib.mimeData([lib.index(0, 0)])  # keep a reference: the event does not
    event = QDropEvent(QPoint(target.center().x(), target.top() + 1).toPointF(),
                       Qt.DropAction.CopyAction, dragged,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)
    assert window.queue.ids() == [1, lib.track_id(0), 2, 0, 3, 4]
