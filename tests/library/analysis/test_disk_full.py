"""A full disk (ENOSPC) under the library: on a real small tmpfs mounted by the test, filled by a
file the test writes and freed by deleting it. Nothing stored is lost or damaged; playlist and
settings saves fail with a plain message and leave the previous state; the analysis pauses,
says so, and goes on by itself when there is room again."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from audiofiles import click_track, noise, tone, write_audio
from small_fs import fill_up, small_filesystem

from soundalike.library.analysis.controller import AnalysisController, disk_full_message
from soundalike.library.files.scanner import Scanner
from soundalike.library.model.errors import DiskFullError
from soundalike.library.store import Store
from soundalike.library.store.connection import FREE_SPACE_NEEDED

SR = 22050
PAUSED = disk_full_message(FREE_SPACE_NEEDED)


def _music(root: Path, n: int) -> Path:
    makers = [lambda i: click_track(90 + 10 * i, 8, SR), lambda i: tone(200.0 + 30 * i, 8, SR),
              lambda i: noise(8, SR, seed=i)]
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        write_audio(root / f"song{i:02d}.flac", makers[i % 3](i).astype(np.float32), SR)
    return root


def _scanned(db: Path, music: Path) -> list[int]:
    with Store(db) as store:
        store.add_folder(music)
        Scanner(store).scan()
        return sorted(t.id for t in store.tracks())


def _analyses(db: Path) -> dict[int, tuple]:
    with Store(db, read_only=True) as store:
        return {r.track_id: (r.version, r.features.tobytes(), r.tags.tobytes(),
                             r.embedding.tobytes()) for r in store.analysis_rows()}


def _integrity(db: Path) -> str:
    with Store(db, read_only=True) as store:
        return store.integrity_check()


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_playlist_and_settings_saves_fail_plainly_on_a_full_disk_and_keep_the_old_state(
        tmp_path):
    with small_filesystem(tmp_path / "disk", size_mb=8) as disk:
        db = disk / "library.db"
        ids = _scanned(db, _music(tmp_path / "music", 3))
        with Store(db) as store:
            keep = store.create_playlist("Keep", ids[:2])
            other = store.create_playlist("Other", ids[2:])
            store.set_setting("analysis.workers", 2)
            filler = fill_up(disk / "filler")

            for attempt in (lambda: store.create_playlist("Keep", ids[::-1]),
                            lambda: store.create_playlist("New", ids),
                            lambda: store.set_playlist_tracks(other, ids),
                            lambda: store.delete_playlist(keep),
                            lambda: store.set_setting("analysis.workers", 3)):
                with pytest.raises(DiskFullError) as caught:
                    attempt()
                message = str(caught.value)
                assert message.startswith("disk full: the change was not saved")
                assert "free some space" in message and "\n" not in message
            # the same connection still reads the previous state
            assert [p.name for p in store.playlists()] == ["Keep", "Other"]
            assert [t.id for t in store.playlist_tracks(keep)] == ids[:2]
            assert [t.id for t in store.playlist_tracks(other)] == ids[2:]
            assert store.get_setting("analysis.workers") == 2

            filler.unlink()  # room again: the same Store saves at once
            store.create_playlist("New", ids)
            store.set_setting("analysis.workers", 3)
        assert _integrity(db) == "ok"
        with Store(db) as store:
            assert {p.name: p.size for p in store.playlists()} == {"Keep": 2, "New": 3,
                                                                   "Other": 1}
            assert store.get_setting("analysis.workers") == 3


def test_opening_on_a_full_disk_is_a_plain_disk_full_error(tmp_path):
    with small_filesystem(tmp_path / "disk", size_mb=8) as disk:
        db = disk / "library.db"
        _scanned(db, _music(tmp_path / "music", 1))
        filler = fill_up(disk / "filler")
        with pytest.raises(DiskFullError, match=r"^disk full: the library database .* cannot "
                                                r"be opened \(0\.0 MB free, 16 MB needed\)"):
            Store(db)
        filler.unlink()
        with Store(db) as store:
            assert store.counts()["tracks"] == 1


def test_analysis_pauses_when_the_disk_fills_and_resumes_by_itself(tmp_path):
    with small_filesystem(tmp_path / "disk", size_mb=24) as disk:
        db = disk / "library.db"
        ids = _scanned(db, _music(tmp_path / "music", 8))
        events = []
        lock = threading.Lock()

        def on_progress(p):
            with lock:
                events.append(p)

        controller = AnalysisController(db, workers=1, on_progress=on_progress)
        controller.start()
        try:
            _wait(lambda: controller.progress.done >= 1, 180, "the first analysis")
            filler = fill_up(disk / "filler")
            stored = _analyses(db)  # what was saved before the disk filled
            assert stored
            _wait(lambda: controller.progress.state == "paused-disk-full", 120, "the pause")
            assert controller.progress.message == PAUSED == (
                "disk full: analysis paused (16 MB free needed)")
            # paused: the files in flight are kept in memory, nothing new is started
            time.sleep(3)
            assert controller.progress.state == "paused-disk-full" and controller.running
            assert controller.progress.in_flight == 0
            held = _analyses(db)
            assert {k: stored[k] for k in stored} == {k: held[k] for k in stored}
            assert _integrity(db) == "ok"
            filler.unlink()
            assert controller.wait(240), "the analysis did not finish after space came back"
        finally:
            controller.cancel()
            controller.wait(10)
        final = controller.progress
        assert final.state == "finished" and final.done == len(ids) and final.failed == 0
        after = _analyses(db)
        assert sorted(after) == ids
        assert all(after[k] == v for k, v in stored.items())  # earlier results untouched
        assert _integrity(db) == "ok"
        states = [e.state for e in events]
        paused_at = states.index("paused-disk-full")
        assert "running" in states[paused_at:]  # it went on by itself
        with Store(db, read_only=True) as store:
            assert store.counts()["analysed"] == len(ids)


def test_cli_analyze_says_disk_full_waits_and_finishes_when_space_is_back(tmp_path):
    with small_filesystem(tmp_path / "disk", size_mb=24) as disk:
        db = disk / "library.db"
        ids = _scanned(db, _music(tmp_path / "music", 2))
        filler = fill_up(disk / "filler")
        proc = subprocess.Popen([sys.executable, "-m", "soundalike.main", "--db", str(db),
                                 "analyze", "--workers", "1"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=dict(os.environ))
        try:
            first = proc.stderr.readline()  # stderr is not a terminal: only these lines
            assert first == f"soundalike: {PAUSED}\n"
            time.sleep(1)
            assert proc.poll() is None  # waiting, not failed
            filler.unlink()
            out, err = proc.communicate(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert err.startswith("soundalike: disk space is back: analysis resumed\n")
        assert f"Analysed {len(ids)} tracks, 0 failed" in out
        assert _integrity(db) == "ok" and sorted(_analyses(db)) == ids
