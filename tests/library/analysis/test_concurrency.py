"""One library shared by several analysers, a watcher, scans and readers, in real processes.

Every analysis any process starts (a claim) or saves (an analysis row) is logged by SQLite
triggers the test adds to its own database (tests/helpers/worklog.py), so duplicate work
is seen whichever process did it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import worklog
from audiofiles import click_track, noise, tone, write_audio

from soundalike.engine.analyze import ANALYSIS_VERSION
from soundalike.library.analysis import cnn_choice, owner
from soundalike.library.files.scanner import Scanner
from soundalike.library.model.states import TrackStatus
from soundalike.library.model.track import Track
from soundalike.library.store import Claim, Store

SR = 22050
PY = sys.executable
WORKLOG = str(Path(worklog.__file__))


def _write_song(path: Path, i: int, seconds: float = 6.0) -> Path:
    s = seconds
    makers = (lambda: click_track(80 + 7 * i, s, SR), lambda: tone(180.0 + 23 * i, s, SR),
              lambda: noise(s, SR, seed=i) * 0.5 + tone(440.0 + i, s, SR) * 0.3)
    return write_audio(path, makers[i % 3]().astype(np.float32), SR)


def _library(root: Path, n: int, seconds: float = 6.0) -> Path:
    music = root / "music"
    music.mkdir(parents=True)
    for i in range(n):
        _write_song(music / f"song{i:02d}.{('flac', 'ogg', 'wav')[i % 3]}", i, seconds)
    db = root / "lib.db"
    with Store(db) as store:
        store.add_folder(music)
        Scanner(store).scan()
    worklog.install(db)
    return db


def _env(db: Path) -> dict:
    return dict(os.environ, SOUNDALIKE_DB=str(db))


def _cli(db: Path, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([PY, "-m", "soundalike.main", *args], env=_env(db),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_claims_between_connections_dead_owners_and_stale_results(tmp_path):
    db = tmp_path / "lib.db"
    s1, s2 = Store(db), Store(db)
    ids = s1.add_tracks([Track(path=f"/m/{i}.ogg", fingerprint=f"fp{i}") for i in range(4)])
    me = owner.current().key
    assert owner.alive(me) is True
    other = "another-computer|pid:[1]|4242|12345"  # a host we cannot check: lease only
    assert owner.alive(other) is None

    # one holder at a time; done means done
    assert s1.claim_for_analysis(ids[0], ANALYSIS_VERSION, me, 60) == Claim.CLAIMED
    assert s2.claim_for_analysis(ids[0], ANALYSIS_VERSION, other, 60,
                                 alive=owner.alive) == Claim.HELD
    assert s2.pending_unclaimed(ANALYSIS_VERSION, other)[0].id == ids[1]
    assert s1.save_analysis(ids[0], version=ANALYSIS_VERSION, features=[1.0],
                            tags=np.zeros(50), embedding=np.zeros(200), duration=6.0, owner=me)
    assert s2.claim_for_analysis(ids[0], ANALYSIS_VERSION, other, 60) == Claim.NOT_PENDING
    assert s1.claims() == []

    # a dead process on this host: its claim is taken over at once, lease or not
    dead = subprocess.run([PY, "-c", "from soundalike.library.analysis import owner; "
                           "print(owner.current().key)"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert owner.alive(dead) is False
    assert s1.claim_for_analysis(ids[1], ANALYSIS_VERSION, dead, 3600) == Claim.CLAIMED
    assert s2.claim_for_analysis(ids[1], ANALYSIS_VERSION, me, 60,
                                 alive=owner.alive) == Claim.CLAIMED
    # an owner that cannot be checked keeps its claim until its lease runs out
    assert s1.claim_for_analysis(ids[2], ANALYSIS_VERSION, other, 0.5) == Claim.CLAIMED
    assert s2.claim_for_analysis(ids[2], ANALYSIS_VERSION, me, 60,
                                 alive=owner.alive) == Claim.HELD
    time.sleep(0.6)
    assert s2.claim_for_analysis(ids[2], ANALYSIS_VERSION, me, 60,
                                 alive=owner.alive) == Claim.CLAIMED
    assert s2.renew_claims(me, 120) == 2
    assert all(e > time.time() + 100 for _, _, e in s2.claims())

    # the file changed while it was analysed: the old result (or failure) is dropped
    for save in (lambda: s1.save_failure(ids[3], "cannot decode", owner=me),
                 lambda: s1.save_analysis(ids[3], version=ANALYSIS_VERSION, features=[1.0],
                                          tags=np.zeros(50), embedding=np.zeros(200),
                                          duration=6.0, owner=me)):
        assert s1.claim_for_analysis(ids[3], ANALYSIS_VERSION, me, 60) == Claim.CLAIMED
        track = s2.get_track(ids[3])
        track.fingerprint, track.status = track.fingerprint + "-edited", TrackStatus.PENDING
        s2.update_tracks([track])  # what the scanner does with an edited file
        assert save() is False
        assert s1.get_track(ids[3]).status == TrackStatus.PENDING
        assert s1.get_track(ids[3]).error is None and s1.get_analysis(ids[3]) is None
    assert s1.release_claims(me) == 2 and s1.claims() == []
    s1.close()
    s2.close()


def test_analysers_watcher_scans_and_readers_share_one_library(tmp_path):
    """Two ``analyze`` and one ``watch`` (which analyses too) at once, with scans, a file
    moved and a new one added under the watcher, and readers in a loop: every track is
    analysed exactly once, no reader or command sees an error."""
    db = _library(tmp_path, 12, seconds=30)  # ~1 s of work each: ~12 s for one analyser
    # the LiteRT paths measured now, as after any first run, so all three start at once
    cnn_choice.ensure_choice(max_threads=cnn_choice.threads_per_worker(1))
    music = tmp_path / "music"
    stop = tmp_path / "stop-readers"
    readers = [subprocess.Popen([PY, WORKLOG, "read", str(db), "600", str(stop)],
                                stdout=subprocess.PIPE, text=True, env=_env(db))
               for _ in range(2)]
    analysers = [_cli(db, "analyze", "--workers", "1", "--json") for _ in range(2)]
    watch = _cli(db, "watch", "--no-scan", "--workers", "1", start_new_session=True)
    command_errors: list[str] = []
    deadline = time.monotonic() + 180  # under pytest's 300 s, so the finally: cleans up
    step = 0
    try:
        while any(a.poll() is None for a in analysers) and time.monotonic() < deadline:
            cmd = (["status", "--json"], ["scan", "--json"], ["tracks", "--json"])[step % 3]
            r = subprocess.run([PY, "-m", "soundalike.main", *cmd], env=_env(db),
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                command_errors.append(f"{cmd}: {r.stderr.strip()}")
            if step == 1:  # the watcher sees a move and a new file while analysis runs
                (music / "song00.flac").rename(music / "renamed00.flac")
                _write_song(music / "late.flac", 40)
            step += 1
            time.sleep(0.5)
        results = [a.communicate(timeout=60) for a in analysers]
        # the watcher analyses what the analysers did not (the late file, if it was first)
        with Store(db) as store:
            while time.monotonic() < deadline and (
                    store.counts()[TrackStatus.ANALYSED] < 13 or store.claims()):
                time.sleep(0.5)
    finally:
        stop.touch()
        if watch.poll() is None:
            os.killpg(watch.pid, signal.SIGINT)
        watch_out, watch_err = watch.communicate(timeout=60)
        reads = [json.loads(r.communicate(timeout=60)[0]) for r in readers]

    assert command_errors == []
    for a, (_out, err) in zip(analysers, results, strict=True):
        assert a.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    assert "Traceback" not in watch_err and "locked" not in watch_err, watch_err
    for r in reads:
        assert r["errors"] == [] and r["reads"] > 20, r
    with Store(db) as store:
        assert store.integrity_check() == "ok"
        tracks = store.tracks(order_by="id")
        assert len(tracks) == 13 and {t.status for t in tracks} == {TrackStatus.ANALYSED}
        assert any(t.path.endswith("renamed00.flac") for t in tracks)
        assert store.claims() == []
    saved = [t for _, t, *_ in worklog.entries(db, "analysis")]
    assert sorted(saved) == [t.id for t in tracks]  # each track analysed once, by someone
    assert worklog.duplicates(db, "claim") == {}  # … and started once
    owners = {o for _, _, o, _, _ in worklog.entries(db, "claim")}
    done = sum(json.loads(out)["analysed"] for out, _ in results)
    assert len(owners) >= 2 and done <= 13  # the work really was shared


def test_a_killed_analysers_claim_is_taken_over_and_a_lease_runs_out(tmp_path):
    db = _library(tmp_path, 5)
    a = _cli(db, "analyze", "--workers", "1", start_new_session=True)
    deadline = time.monotonic() + 120
    held: list[tuple[int, str, float]] = []
    with Store(db) as store:
        while not held and time.monotonic() < deadline:
            held = store.claims()
            time.sleep(0.05)
        os.killpg(a.pid, signal.SIGKILL)  # the CLI and its worker, with a file in flight
        a.wait(10)
        held = [c for c in store.claims() if c[1] == held[0][1]]
        assert held, "the killed analyser's claim outlives it (its lease has not run out)"
        killed_owner, lease_end = held[0][1], held[0][2]
        assert owner.alive(killed_owner) is False
        # a pending track claimed by an analyser on another computer, for 4 more seconds
        pending = [t.id for t in store.pending_unclaimed(ANALYSIS_VERSION, killed_owner)]
        foreign = "another-computer|pid:[1]|4242|12345"
        assert store.claim_for_analysis(pending[-1], ANALYSIS_VERSION, foreign,
                                        4.0) == Claim.CLAIMED
        foreign_end = time.time() + 4.0
    b = subprocess.run([PY, "-m", "soundalike.main", "analyze", "--workers", "1", "--json"],
                       env=_env(db), capture_output=True, text=True, timeout=300)
    assert b.returncode == 0, b.stderr
    claims = worklog.entries(db, "claim")
    by_b = {t: at for _, t, o, _, at in claims if o not in (killed_owner, foreign)}
    for track_id, _, _ in held:
        assert by_b[track_id] < lease_end - 30  # taken over at once: its owner is dead
    assert by_b[pending[-1]] >= foreign_end - 0.1  # only once the lease had run out
    with Store(db) as store:
        assert store.integrity_check() == "ok"
        assert store.counts()[TrackStatus.ANALYSED] == 5 and store.claims() == []
    assert worklog.duplicates(db) == {}
