"""The session survives: a real restart of the main window (construct, fill the queue,
play and seek, close, construct again), a real crash of a player process (SIGKILL), gone
tracks, the radio and a damaged session file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from gui_fixtures import SR, tone, write_song

from soundalike.gui.mainwindow.similarity import radio_seed_ids
from soundalike.library.listening.session import (
    Session,
    SessionWriter,
    load_session,
    save_session,
    session_path,
)
from soundalike.library.store import Store

REPO_PARENT = Path(__file__).resolve().parents[3]


def open_window(qtbot, db, settings):
    from soundalike.gui.main_window import MainWindow

    w = MainWindow(db, settings=settings, analysis_workers=1)
    qtbot.addWidget(w)
    w.resize(1200, 760)
    w.show()
    restored: list[str] = []
    w.session.restored.connect(restored.append)
    qtbot.waitUntil(lambda: w.session.ready, timeout=5000)
    return w, restored


def test_a_restart_restores_the_queue_the_track_and_its_position(qtbot, library, settings):
    w, _ = open_window(qtbot, library.db, settings)
    ids = w.model.track_ids()
    w.player.play_rows(w.resolve_rows(ids))
    w.player.play_row(2)
    qtbot.waitUntil(lambda: w.player.is_playing() and w.player.duration_ms() > 0,
                    timeout=5000)
    w.player.seek(3000)
    qtbot.waitUntil(lambda: w.player.position_ms() >= 3000, timeout=5000)
    w.queue.remove([5])  # an edit of the queue is kept too
    expected = w.queue.ids()
    playing = w.queue.current_item()
    w.close()
    saved, _ = load_session(session_path(library.db))
    assert [i for i, _ in saved.queue] == expected and saved.current == 2
    assert 3000 <= saved.position_ms < 5000 and saved.playing

    w2, restored = open_window(qtbot, library.db, settings)
    try:
        assert restored == [""]  # nothing to say: everything came back
        assert w2.queue.ids() == expected
        assert w2.queue.current == 2 and w2.player.current.id == playing.id
        assert w2.now_playing.title_label.text() == playing.display_title
        # loaded paused at the saved position (not playing on its own)
        qtbot.waitUntil(lambda: abs(w2.now_playing.seek_slider.value()
                                    - saved.position_ms) < 300, timeout=5000)
        assert not w2.player.is_playing()
        assert abs(w2.player.position_ms() - saved.position_ms) < 300
        # Play resumes there
        w2.player.toggle()
        qtbot.waitUntil(lambda: w2.player.is_playing(), timeout=5000)
        qtbot.wait(300)
        assert w2.player.position_ms() >= saved.position_ms
        assert w2.queue.current == 2
    finally:
        w2.close()


def test_gone_tracks_are_left_out_with_a_note(qtbot, library, settings):
    w, _ = open_window(qtbot, library.db, settings)
    rows = w.resolve_rows(w.model.track_ids())
    w.player.play_rows(rows[:5])
    w.player.play_row(1)
    qtbot.waitUntil(lambda: w.player.is_playing(), timeout=5000)
    w.close()
    from soundalike.library.files.scanner import Scanner

    os.unlink(rows[3].path)                  # deleted, and the library knows (missing)
    with Store(library.db) as store:
        Scanner(store).scan()
        assert store.get_track(rows[3].id).status == "missing"
    os.unlink(rows[1].path)                  # the current track, deleted since
    w2, restored = open_window(qtbot, library.db, settings)
    try:
        assert restored == ["2 songs of the last queue are gone (deleted or missing) and "
                            "left out."]
        assert w2.queue.ids() == [rows[0].id, rows[2].id, rows[4].id]
        # the current track went: the next one is current, from its start
        assert w2.queue.current == 1 and w2.player.current.id == rows[2].id
        assert w2.player.position_ms() == 0 and not w2.player.is_playing()
    finally:
        w2.close()


def test_a_damaged_session_file_is_set_aside_and_the_player_starts_empty(
        qtbot, library, settings):
    path = session_path(library.db)
    path.write_text('{"version": 1, "queue": [{"id": 1, "path"')  # cut off mid-write
    w, restored = open_window(qtbot, library.db, settings)
    try:
        assert restored == ["The last session was damaged and could not be restored."]
        assert w.queue.rowCount() == 0 and w.player.current is None
        assert path.with_name(path.name + ".bad").exists()
    finally:
        w.close()
    # a session of another format version is not read either
    path.write_text(json.dumps({"version": 99, "queue": []}))
    assert load_session(path)[0] is None


def test_the_radio_carries_on_after_a_restart(qtbot, library, settings):
    w, _ = open_window(qtbot, library.db, settings)
    seed = library.ids_by_title()["Low Hum"]
    w.similarity.start_radio([seed])
    qtbot.waitUntil(lambda: w.similarity.radio_active and w.queue.rowCount() > 1, timeout=30000)
    state = w.similarity.radio_state
    assert radio_seed_ids(state) == [seed] and state["engine"]["history"]
    label = w.queue_panel.radio_label.text()
    queued = w.queue.ids()
    w.close()
    saved, _ = load_session(session_path(library.db))
    assert saved.radio == state

    w2, _ = open_window(qtbot, library.db, settings)
    try:
        assert w2.similarity.radio_active and w2.queue_panel.radio_label.text() == label
        assert w2.queue.ids() == queued and w2.similarity.radio_state == state
        # running low: the radio is made again from its state and keeps filling the queue
        w2.player.running_low.emit(0)
        qtbot.waitUntil(lambda: w2.queue.rowCount() > len(queued), timeout=30000)
        assert radio_seed_ids(w2.similarity.radio_state) == [seed]
        # the same radio carried on: its history grew from the saved one
        history = w2.similarity.radio_state["engine"]["history"]
        assert history[:len(state["engine"]["history"])] == state["engine"]["history"]
        assert len(history) > len(state["engine"]["history"])
        # choosing something else ends it, and the next session has no radio
        w2.playback.play_rows(w2.resolve_rows([seed]))
        assert not w2.similarity.radio_active
    finally:
        w2.close()
    assert load_session(session_path(library.db))[0].radio is None


def test_the_writer_replaces_the_file_atomically_and_reports_an_unwritable_folder(tmp_path):
    path = tmp_path / "x.session.json"
    writer = SessionWriter(path)
    for n in range(50):  # a burst: the latest wins, each write whole
        writer.save(Session(queue=[(i, f"/m/{i}.flac") for i in range(n + 1)], current=n))
    assert writer.flush(5)
    assert load_session(path)[0].current == 49 and len(load_session(path)[0].queue) == 50
    assert 1 <= writer.writes <= 50
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    writer.close()
    blocked = tmp_path / "file"
    blocked.write_text("")
    bad = SessionWriter(blocked / "s.json")
    bad.save(Session())
    assert bad.flush(5)
    assert bad.error.startswith("the session cannot be saved")
    bad.close()
    with pytest.raises(OSError):
        save_session(blocked / "s.json", Session())


def test_a_crash_loses_at_most_the_last_few_seconds(tmp_path, library):
    """A real player process is killed (SIGKILL) while playing: the saved session holds
    its queue and a position no more than a few seconds behind."""
    long_song = write_song(library.music, "long", "Long Song", "Band", "Pop",
                           tone([220, 330], 40.0, SR))
    from soundalike.library.files.scanner import Scanner

    with Store(library.db) as store:
        Scanner(store).scan()
        long_id = store.track_by_path(str(long_song)).id
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from soundalike.gui.main_window import MainWindow
        w = MainWindow({str(library.db)!r}, settings=QSettings({str(tmp_path / "c.ini")!r},
                       QSettings.Format.IniFormat))
        w.show()
        def spin(seconds, until=lambda: False):
            end = time.monotonic() + seconds
            while time.monotonic() < end and not until():
                app.processEvents(); time.sleep(0.01)
        spin(5, lambda: w.session.ready)
        w.player.play_rows(w.resolve_rows([{long_id}]))
        spin(10, lambda: w.player.is_playing() and w.player.duration_ms() > 0)
        w.player.seek(10000)
        spin(8)                                 # playing on, saving as it goes
        print(w.player.position_ms(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)    # no close, no goodbye
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO_PARENT), QT_QPA_PLATFORM="offscreen")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert time.monotonic() - started < 120
    last_position = int(proc.stdout.strip().splitlines()[-1])
    saved, note = load_session(session_path(library.db))
    assert note == "" and [i for i, _ in saved.queue] == [long_id] and saved.current == 0
    assert last_position >= 17000
    # at most POSITION_EVERY_MS (5 s) behind the position at the moment of the crash
    assert last_position - 5500 <= saved.position_ms <= last_position
