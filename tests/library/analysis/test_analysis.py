"""The analysis controller with real worker processes, the real model and real files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from audiofiles import click_track, noise, tone, write_audio

from soundalike.engine.analyze import ANALYSIS_VERSION
from soundalike.library.analysis.controller import AnalysisController
from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store

SR = 22050


def _make_library(root: Path, n_good: int = 4, broken: bool = True) -> Path:
    """A folder of short real files of different kinds, plus (optionally) broken ones."""
    makers = [lambda: click_track(120, 8, SR), lambda: tone(220.0, 8, SR),
              lambda: noise(8, SR, seed=3),
              lambda: click_track(90, 8, SR) + tone(330.0, 8, SR) * 0.2]
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n_good):
        kind = ("flac", "ogg", "wav", "mp3")[i % 4]
        write_audio(root / f"good{i:02d}.{kind}", makers[i % len(makers)]().astype(np.float32),
                    SR)
    if broken:
        (root / "text.mp3").write_text("this is not music at all\n" * 40)
        good = (root / "good00.flac").read_bytes()
        (root / "truncated.flac").write_bytes(good[: len(good) // 20])
    return root


def _scan(db: Path, folder: Path) -> None:
    with Store(db) as store:
        store.add_folder(folder)
        Scanner(store).scan()


def _status(db: Path) -> dict[str, tuple[str, str | None]]:
    with Store(db) as store:
        return {Path(t.path).name: (t.status, t.error) for t in store.tracks()}


@pytest.fixture
def library(tmp_path) -> Path:
    db = tmp_path / "lib.db"
    _scan(db, _make_library(tmp_path / "music"))
    return db


def test_every_good_file_is_analysed_and_broken_ones_fail_with_reasons(library):
    events = []
    controller = AnalysisController(library, workers=2, on_progress=events.append)
    final = controller.run()
    status = _status(library)
    assert final.state == "finished"
    for name, (st, err) in status.items():
        if name.startswith("good"):
            assert st == "analysed", (name, err)
        elif name in ("text.mp3", "truncated.flac"):
            # The scanner may already reject them; either way they end failed, with a reason.
            assert st == "failed" and err, (name, st, err)
    with Store(library) as store:
        rows = list(store.analysis_rows())
    assert len(rows) == sum(1 for n in status if n.startswith("good"))
    for row in rows:
        assert row.version == ANALYSIS_VERSION
        assert row.tags.shape == (50,) and row.embedding.shape == (200,)
        assert np.isfinite(row.features).all()
    # Progress went up monotonically and ended at the total.
    done = [e.done + e.failed for e in events]
    assert done == sorted(done)
    assert events[-1].remaining == 0
    assert controller.peak_worker_rss_mb > 0


def test_a_file_gone_while_it_is_read_is_missing_not_failed(tmp_path):
    """A drive pulled while a worker reads one of its files: the read fails (or hangs
    into the time limit, or crashes the worker), but not through the file's fault — the
    track is marked missing, not failed for good, and analysed once it is back. A file
    that fails while it is there still fails, with its reason."""
    db = tmp_path / "lib.db"
    music = _make_library(tmp_path / "music", n_good=2, broken=False)
    _scan(db, music)
    controller = AnalysisController(db, workers=1)
    with Store(db) as store:
        tracks = {Path(t.path).name: t for t in store.tracks()}
        for t in tracks.values():  # claimed, as when a worker was handed the file
            store.claim_for_analysis(t.id, ANALYSIS_VERSION, controller._owner, 60.0)
        pulled, bad = tracks["good00.flac"], tracks["good01.ogg"]
        away = tmp_path / "away.flac"
        Path(pulled.path).rename(away)  # the drive goes while the worker reads
        assert controller._failed(store, pulled.id, pulled.path, "file not found")[0] == \
            "stale"
        assert controller._failed(store, bad.id, bad.path, "truncated or corrupt")[0] == "err"
    status = _status(db)
    assert status["good00.flac"] == ("missing", None)
    assert status["good01.ogg"] == ("failed", "truncated or corrupt")
    away.rename(pulled.path)  # the drive is back: the next scan and analysis take it
    with Store(db) as store:
        Scanner(store).scan()
    AnalysisController(db, workers=1).run()
    assert _status(db)["good00.flac"][0] == "analysed"


def test_second_run_redoes_nothing_and_new_version_reanalyses(library):
    AnalysisController(library, workers=1).run()
    with Store(library) as store:
        before = {r.track_id: r for r in store.analysis_rows()}
        victim = next(iter(before))
        # Pretend one track was analysed by an older version of the engine.
    with sqlite3.connect(library) as conn:
        conn.execute("UPDATE tracks SET analysis_version = ? WHERE id = ?",
                     (ANALYSIS_VERSION - 1, victim))
        conn.execute("UPDATE analysis SET version = ? WHERE track_id = ?",
                     (ANALYSIS_VERSION - 1, victim))
    final = AnalysisController(library, workers=1).run()
    assert (final.done, final.failed) == (1, 0)
    with Store(library) as store:
        created = store.analysis_created()
    assert created.keys() == before.keys()


def test_time_limit_kills_the_worker_and_records_the_reason(tmp_path):
    db = tmp_path / "lib.db"
    _scan(db, _make_library(tmp_path / "music", n_good=2, broken=False))
    final = AnalysisController(db, workers=1, time_limit=0.001).run()
    assert final.failed == 2 and final.done == 0
    for st, err in _status(db).values():
        assert st == "failed" and "took longer than" in err


def test_pause_holds_work_and_resume_finishes_it(library):
    controller = AnalysisController(library, workers=1)
    controller.pause()
    controller.start()
    time.sleep(6)  # long enough for a worker to start and load the model
    assert controller.progress.state == "paused"
    assert controller.progress.done == 0
    with Store(library) as store:
        assert store.counts()["analysed"] == 0
    controller.resume()
    assert controller.wait(120)
    assert controller.progress.state == "finished"
    assert controller.progress.done >= 4


def test_paused_progress_counts_the_file_still_in_flight(library):
    """Pause while a file is being analysed: the progress says it is in flight, and
    once it reports nothing in flight while paused, the done count no longer moves
    (the window shows "Analysis paused at N of M" and means it)."""
    events = []
    controller = AnalysisController(library, workers=1, on_progress=events.append)
    controller.start()
    deadline = time.monotonic() + 120
    while not (controller.progress.done >= 1 and controller.progress.in_flight == 1):
        assert time.monotonic() < deadline, events[-3:]
        time.sleep(0.005)
    controller.pause()
    while not (controller.progress.state == "paused" and controller.progress.in_flight == 0):
        assert time.monotonic() < deadline, controller.progress
        time.sleep(0.02)
    settled = controller.progress.done + controller.progress.failed
    time.sleep(3)  # several times what one of these files takes
    assert controller.progress.done + controller.progress.failed == settled
    with Store(library) as store:
        counts = store.counts()
    assert counts["analysed"] == controller.progress.done and counts["pending"] > 0
    controller.cancel()
    assert controller.wait(10)


def test_worker_count_changes_while_running(tmp_path):
    """Settings → Worker processes applies to the running analysis: a second worker
    joins at once, and going back to one lets the extra finish its file and leave."""
    db = tmp_path / "lib.db"
    _scan(db, _make_library(tmp_path / "music", n_good=40, broken=False))
    events = []
    controller = AnalysisController(db, workers=1, on_progress=events.append)
    controller.start()
    deadline = time.monotonic() + 120
    while controller.progress.done < 1:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert max(e.in_flight for e in events) == 1
    controller.set_workers(2)
    while controller.progress.in_flight < 2:
        assert time.monotonic() < deadline and controller.running, controller.progress
        time.sleep(0.02)
    controller.set_workers(1)
    mark = len(events)
    assert controller.wait(120)
    after = [e.in_flight for e in events[mark:]]
    # the extra worker finishes its file (its first, the slowest); from the first moment
    # nothing is in flight, only one worker is ever busy again
    settled = after.index(0)
    assert max(after[settled:]) == 1, after
    assert controller.progress.state == "finished" and controller.progress.done == 40


def test_battery_pauses_and_mains_resumes(library):
    on_battery = [True]
    controller = AnalysisController(library, workers=1, pause_on_battery=True,
                                    battery_check=lambda: on_battery[0], battery_poll_s=0.2)
    controller.start()
    time.sleep(4)
    assert controller.progress.state == "paused-battery"
    assert controller.progress.done == 0
    on_battery[0] = False
    assert controller.wait(120)
    assert controller.progress.state == "finished" and controller.progress.done >= 4


def test_cancel_is_quick_and_keeps_finished_results(library):
    controller = AnalysisController(library, workers=1)
    controller.start()
    deadline = time.monotonic() + 120
    while controller.progress.done < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    controller.cancel()
    assert controller.wait(10)
    assert time.monotonic() - t0 < 5
    assert controller.progress.state == "cancelled"
    with Store(library) as store:
        counts = store.counts()
    assert counts["analysed"] >= 1
    assert counts["pending"] >= 1  # what was not finished stays pending for the next run


def test_prioritised_track_is_analysed_first(tmp_path):
    db = tmp_path / "lib.db"
    _scan(db, _make_library(tmp_path / "music", n_good=4, broken=False))
    with Store(db) as store:
        last = max(store.tracks(), key=lambda t: t.path)
    order = []
    controller = AnalysisController(db, workers=1,
                                    on_result=lambda tid, ok, why: order.append(tid))
    controller.prioritise([last.id])
    controller.run()
    assert order[0] == last.id and len(order) == 4


def test_kill_9_during_analyze_leaves_a_sound_db_and_a_rerun_finishes(tmp_path):
    db = tmp_path / "lib.db"
    _scan(db, _make_library(tmp_path / "music", n_good=8, broken=False))
    env = dict(os.environ, SOUNDALIKE_DB=str(db))
    proc = subprocess.Popen([sys.executable, "-m", "soundalike.main", "analyze",
                             "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    analysed = 0
    while time.monotonic() < deadline and analysed < 2:
        time.sleep(0.1)
        with sqlite3.connect(db, timeout=10) as conn:
            analysed = conn.execute("SELECT count(*) FROM analysis").fetchone()[0]
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its worker, mid-flight
    proc.wait(10)
    assert 2 <= analysed < 8
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        before = dict(conn.execute("SELECT track_id, created_at FROM analysis"))
    done = subprocess.run([sys.executable, "-m", "soundalike.main", "analyze", "--json"],
                          check=False, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        after = dict(conn.execute("SELECT track_id, created_at FROM analysis"))
        statuses = {s for (s,) in conn.execute("SELECT status FROM tracks")}
    assert statuses == {"analysed"} and len(after) == 8
    assert all(after[k] == v for k, v in before.items())  # finished files were not redone


def test_kept_running_controller_frees_its_workers_when_idle_and_wakes_for_new_work(tmp_path):
    import multiprocessing

    music = _make_library(tmp_path / "music", n_good=2, broken=False)
    db = tmp_path / "lib.db"
    _scan(db, music)
    states = []
    controller = AnalysisController(db, workers=1, keep_running=True,
                                    on_progress=lambda p: states.append(p.state))
    controller.start()
    try:
        deadline = time.monotonic() + 120
        while ((controller.progress.state, controller.progress.done) != ("idle", 2)
               and time.monotonic() < deadline):
            time.sleep(0.1)
        assert controller.progress.state == "idle" and controller.progress.done == 2
        time.sleep(0.5)
        assert not [p for p in multiprocessing.active_children()
                    if p.name == "soundalike-analysis-worker"]
        assert states.count("idle") == 1  # said once, not every second
        write_audio(music / "late.wav", tone(440.0, 6, SR), SR)
        with Store(db) as store:
            Scanner(store).scan()
        controller.notify()
        while controller.progress.done < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert controller.progress.done == 3
        # A file analysed earlier in this run changes: it is analysed again.
        write_audio(music / "late.wav", noise(6, SR, seed=9), SR)
        with Store(db) as store:
            Scanner(store).scan()
            assert store.track_by_path(str(music / "late.wav")).status == "pending"
        controller.notify()
        while controller.progress.done < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert controller.progress.done == 4
    finally:
        controller.cancel()
        assert controller.wait(10)
    assert _status(db)["late.wav"][0] == "analysed"
