"""Drives that come and go (issue 21, item 4), in the real window offscreen: a second music
folder (a real folder, renamed away and back while the player runs, with the real folder
watcher) — the banner says which folder and how many songs are hidden for as long as it
lasts, the songs come back live, the queue, the current song and the radio keep them.
"""

from __future__ import annotations

import os
import shutil

import pytest
from gui_fixtures import SONGS

from soundalike.library.files.scanner import Scanner
from soundalike.library.listening.session import Session, save_session, session_path
from soundalike.library.store import Store

ON_DRIVE = ("03 hiss", "04 hiss again", "07 high whistle")   # the songs on the "drive"
FAST = {"settle_seconds": 0.3, "check_seconds": 0.3, "poll_interval": 0.2}


@pytest.fixture
def two_folders(library):
    """The library with three of its songs moved to a second music folder, "drive" (the
    move is found by the scanner: their analyses are kept)."""
    drive = library.root / "drive"
    drive.mkdir()
    for stem in ON_DRIVE:
        shutil.move(library.music / f"{stem}.flac", drive / f"{stem}.flac")
    with Store(library.db) as store:
        store.add_folder(drive)
        report = Scanner(store).scan()
        assert report.moved == 3
        on_drive = {t.id for t in store.tracks() if t.path.startswith(str(drive))}
        assert {store.get_track(i).status for i in on_drive} == {"analysed"}
    return library, drive, on_drive


def open_window(qtbot, db, settings):
    from soundalike.gui.main_window import MainWindow

    w = MainWindow(db, settings=settings, analysis_workers=1)
    qtbot.addWidget(w)
    w.resize(1200, 760)
    w.show()
    qtbot.waitUntil(lambda: w.session.ready, timeout=5000)
    return w


def flagged(w) -> list[int]:
    """Queue rows shown as unavailable."""
    q = w.queue
    return [r for r in range(q.rowCount()) if "(folder unavailable)" in q.data(q.index(r))]


def test_the_banner_says_which_folder_is_away_and_the_songs_come_back_live(
        qtbot, two_folders, settings):
    library, drive, on_drive = two_folders
    w = open_window(qtbot, library.db, settings)
    try:
        qtbot.waitUntil(lambda: w.model.rowCount() == len(SONGS), timeout=5000)
        assert not w.folder_banner.isVisible()
        all_ids = w.model.track_ids()
        w.queue.replace(w.resolve_rows(all_ids))
        current = next(r for r in range(len(all_ids)) if all_ids[r] in on_drive)
        w.queue.set_current(current)
        w.watcher_options = FAST
        w.start_background(scan=False, analyse=False)
        qtbot.waitUntil(lambda: w.watcher is not None and str(drive) in w.watcher.watched,
                        timeout=15000)

        away = library.root / "drive.away"
        os.rename(drive, away)                          # the drive is pulled out
        qtbot.waitUntil(lambda: w.folder_banner.isVisible(), timeout=15000)
        text = w.folder_banner.label.text()
        assert str(drive) in text and "is not there (unplugged drive?)" in text
        assert "3 songs are hidden until it is back" in text
        assert w.folder_banner.accessibleDescription() == text
        qtbot.waitUntil(lambda: w.model.rowCount() == len(SONGS) - 3, timeout=10000)
        # the queue and the current song keep them, greyed, saying why
        assert w.queue.ids() == all_ids and w.queue.current == current
        assert sorted(flagged(w)) == sorted(all_ids.index(i) for i in on_drive)
        tip = w.queue.data(w.queue.index(current), 3)  # Qt.ToolTipRole
        assert "Not available now" in tip and str(drive) in tip
        w.statusBar().clearMessage()     # not a status-bar note that times out: it lasts
        checks: list[list] = []          # … through every later check while the folder is away
        w.folders.unavailable_changed.connect(checks.append)
        w.folders.check_folders()
        qtbot.waitUntil(lambda: len(checks) >= 1, timeout=5000)
        assert [f.path for f in checks[-1]] == [str(drive)] and w.folder_banner.isVisible()

        os.rename(away, drive)                          # plugged in again
        qtbot.waitUntil(lambda: not w.folder_banner.isVisible(), timeout=15000)
        qtbot.waitUntil(lambda: w.model.rowCount() == len(SONGS), timeout=10000)
        assert flagged(w) == [] and w.queue.ids() == all_ids
        with Store(library.db) as store:                 # back with their analyses
            assert {store.get_track(i).status for i in on_drive} == {"analysed"}
    finally:
        w.close()


def test_a_start_with_the_drive_away_keeps_the_queue_the_song_and_the_radio(
        qtbot, two_folders, settings):
    library, drive, on_drive = two_folders
    from soundalike.library.recommend.recommender import Recommender

    with Store(library.db) as store:
        tracks = store.tracks(order_by="path")
        seed = min(on_drive)
        radio = Recommender(store).radio([seed], rng=1)
        radio.next(2)
        state = radio.to_dict()
    queue = [(t.id, t.path) for t in tracks]
    current = next(n for n, t in enumerate(tracks) if t.id in on_drive)
    save_session(session_path(library.db), Session(queue=queue, current=current,
                                                   radio=state))
    away = library.root / "drive.away"
    os.rename(drive, away)                              # unplugged while the player was off

    w = open_window(qtbot, library.db, settings)
    try:
        w.watcher_options = FAST
        w.start_background(analyse=False)               # the start-up scan and the watcher
        qtbot.waitUntil(lambda: w.folder_banner.isVisible(), timeout=15000)
        assert "3 songs are hidden" in w.folder_banner.label.text()
        # nothing of the last session is lost: the queue, the current song, the radio
        assert w.queue.ids() == [i for i, _ in queue] and w.queue.current == current
        assert w.player.current is not None and w.player.current.id == queue[current][0]
        assert w.similarity.radio_active and w.queue_panel.radio_label.text()
        qtbot.waitUntil(lambda: len(flagged(w)) == 3, timeout=10000)
        # the radio runs low: its seed is away, so it waits (and says so) instead of ending
        messages: list[str] = []
        w.statusBar().messageChanged.connect(messages.append)
        w.player.running_low.emit(0)
        qtbot.waitUntil(lambda: any("carries on when" in m for m in messages), timeout=30000)
        assert w.similarity.radio_active and w.queue.rowCount() == len(queue)

        os.rename(away, drive)                          # back: everything comes back live
        qtbot.waitUntil(lambda: not w.folder_banner.isVisible(), timeout=15000)
        qtbot.waitUntil(lambda: w.model.rowCount() == len(SONGS), timeout=10000)
        assert flagged(w) == []
        # … and the radio carries on by itself from its saved state
        qtbot.waitUntil(lambda: w.queue.rowCount() > len(queue), timeout=30000)
        assert w.similarity.radio_active
        assert w.similarity.radio_state["engine"]["seeds"] == [seed]
    finally:
        w.close()
