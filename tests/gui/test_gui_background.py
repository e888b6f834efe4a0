"""Background work seen from the window: analysis progress with pause/resume, tracks
analysed first when asked about, quitting during analysis, and the folder watcher."""

from __future__ import annotations

import shutil
import time

from gui_fixtures import SONGS, SR, build_library, tone, write_song

from soundalike.gui.main_window import MainWindow
from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store


def open_window(qtbot, db, settings) -> MainWindow:
    w = MainWindow(db, settings=settings, analysis_workers=1)
    qtbot.addWidget(w)
    w.show()
    return w


def test_analysis_progress_pause_and_resume(qtbot, tmp_path, settings):
    lib = build_library(tmp_path, SONGS[:4], seconds=4.0, analyse=False)
    w = open_window(qtbot, lib.db, settings)
    seen = []
    w.analysis.progress.connect(seen.append)
    w.start_background(scan=False, watch=False)
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].done >= 1, timeout=90000)
    status = w.analysis_status
    assert status.isVisible()
    assert "of 4" in status.label.text() and status.label.text().startswith("Analysing")
    status.toggle()  # the Pause button
    assert status.button.text() == "Resume"
    qtbot.waitUntil(lambda: seen[-1].state == "paused" and seen[-1].in_flight == 0,
                    timeout=60000)
    done_when_paused = seen[-1].done
    assert done_when_paused < 4
    assert status.label.text().startswith("Analysis paused at")
    qtbot.wait(2500)  # paused: nothing new is analysed
    assert seen[-1].done == done_when_paused
    with Store(lib.db) as store:
        assert store.counts()["pending"] == 4 - done_when_paused
    status.toggle()  # Resume
    qtbot.waitUntil(lambda: seen[-1].done == 4, timeout=90000)
    qtbot.waitUntil(lambda: not status.isVisible(), timeout=10000)
    # the table shows the new analysis status without a manual refresh
    m = w.model
    qtbot.waitUntil(lambda: all(m.data(m.index(r, 6)) == "✓" for r in range(m.rowCount())),
                    timeout=10000)
    w.close()


def test_quitting_during_analysis_is_immediate_and_loses_nothing(qtbot, tmp_path, settings):
    lib = build_library(tmp_path, SONGS, seconds=8.0, analyse=False)
    w = open_window(qtbot, lib.db, settings)
    closed = []

    def on_progress(p) -> None:
        if p.done >= 1 and not closed:  # quit as soon as the first file is saved
            t0 = time.monotonic()
            w.close()
            closed.append(time.monotonic() - t0)

    w.analysis.progress.connect(on_progress)
    w.start_background(scan=False, watch=False)
    qtbot.waitUntil(lambda: bool(closed), timeout=90000)
    assert closed[0] < 3.0
    assert not w.analysis.running
    with Store(lib.db) as store:
        counts = store.counts()
        assert store.integrity_check() == "ok"
    # finished files are saved, those in flight are left pending: nothing failed
    assert counts["failed"] == 0
    assert 1 <= counts["analysed"] < len(SONGS)
    assert counts["analysed"] + counts["pending"] == len(SONGS)


def test_a_track_not_analysed_yet_is_analysed_first(window, qtbot, library):
    new = write_song(library.music, "08 new drone", "New Drone", "Drone Band", "Ambient",
                     tone([110, 220], 6.0, SR))
    with Store(library.db) as store:
        Scanner(store).scan()
        tid = store.track_by_path(str(new)).id
        assert store.get_track(tid).status == "pending"
    window.refresh_library()
    qtbot.waitUntil(lambda: window.model.rowCount() == len(SONGS) + 1, timeout=5000)
    window.similarity.find_similar([tid])
    panel = window.similar_panel
    assert "not analysed yet" in panel.status.text()
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=90000)
    # the same drone, analysed at once, finds its twins
    assert panel.model.items[0].row.artist == "Drone Band"
    with Store(library.db) as store:
        assert store.get_track(tid).status == "analysed"


def test_a_file_copied_into_a_watched_folder_appears(window, qtbot, library):
    window.watcher_options = {"settle_seconds": 0.3}
    window.start_background(scan=False, analyse=False)
    qtbot.waitUntil(lambda: window.watcher is not None and bool(window.watcher.watched),
                    timeout=15000)
    outside = library.root / "incoming"
    outside.mkdir()
    src = write_song(outside, "fresh", "Fresh Arrival", "Courier", "Pop", tone(330, 3.0, SR))
    shutil.copy(src, library.music / "fresh.flac")
    qtbot.waitUntil(lambda: window.model.rowCount() == len(SONGS) + 1, timeout=20000)
    m = window.model
    assert "Fresh Arrival" in [m.data(m.index(r, 0)) for r in range(m.rowCount())]
