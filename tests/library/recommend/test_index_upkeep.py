"""The background upkeep of the similarity index (library/recommend/index_request.py): real
SQLite files, a synthetic analysed library written through the Store, a real analysis run
with real worker processes and real audio files, and real upkeep processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from audiofiles import tone, write_audio

from soundalike.library.analysis import index_request
from soundalike.library.analysis.controller import AnalysisController
from soundalike.library.model.track import Track
from soundalike.library.recommend import vector_index
from soundalike.library.recommend.recommender import Recommender
from soundalike.library.store import Store

REPO = Path(__file__).resolve().parents[3]
#: new tracks: past the model's refit margin (10 %), so the index file is due a rebuild
GROWTH = 300

_COLD = """
import json, sys
from soundalike.library.recommend.recommender import Recommender
from soundalike.library.store import Store
with Store(sys.argv[1]) as store:
    rec = Recommender(store)
    print(json.dumps({"rebuilt": rec.rebuilt_because, "due": rec._state.due,
                      "found": [rec.index.position(int(t)) is not None for t in sys.argv[2:]]}))
"""


@pytest.fixture
def db(big_db, tmp_path) -> Path:
    """A fresh copy of the synthetic library with its index file built."""
    db = tmp_path / "library.db"
    db.write_bytes(big_db.read_bytes())
    with Store(db) as store:
        assert Recommender(store).rebuilt_because.startswith("the index file was not usable")
    return db


def _grow(db: Path, n: int = GROWTH) -> list[int]:
    """*n* new analysed tracks written through the Store (moved copies of existing ones),
    as another analyser would."""
    rng = np.random.default_rng(11)
    ids = []
    with Store(db) as store:
        old = [t.id for t in store.tracks()][:n]
        for k, src in enumerate(old):
            a = store.get_analysis(src)
            tid = store.add_track(Track(path=f"/new/{k}.flac", title=f"New {k}",
                                        artist=f"Newcomer {k % 40}", album=f"Fresh {k % 40}",
                                        duration=200.0))
            noise = lambda x: (x + rng.normal(0, 0.01, len(x))).astype(np.float32)  # noqa: E731
            store.save_analysis(tid, version=a.version, features=noise(a.features),
                                tags=np.clip(noise(a.tags), 0, 1), embedding=noise(a.embedding),
                                duration=200.0, mtt_tags=np.clip(noise(a.mtt_tags), 0, 1),
                                mtt_embedding=noise(a.mtt_embedding))
            ids.append(tid)
    return ids


def _cold(db: Path, ids) -> dict:
    out = subprocess.run([sys.executable, "-c", _COLD, str(db), *map(str, ids)], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _wait_for(condition, seconds: float = 120.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"not within {seconds} s: {what}")


def _header(path: Path) -> dict:
    return vector_index.open_index(path).header


@pytest.mark.parametrize("keep_running", [False, True], ids=["analyze", "watch"])
def test_an_analysis_run_that_grew_the_library_rebuilds_the_index_without_a_query(
        db, tmp_path, keep_running):
    index = vector_index.index_path(db)
    before = vector_index.file_stamp(index)
    new = _grow(db)  # the bulk of the run's analyses, written through the Store
    music = tmp_path / "music"
    music.mkdir()
    for i in range(2):
        write_audio(music / f"song{i}.flac", tone(220.0 * (i + 2), 6, 22050).astype(np.float32),
                    22050)
    with Store(db) as store:  # two files found (pending), as a scan adds them
        for f in sorted(music.iterdir()):
            store.add_track(Track(path=str(f), title=f.stem, artist="Tone", album="Tones",
                                  duration=6.0))
    # real workers analyse real files; `watch` keeps its run alive, idle once they are done
    controller = AnalysisController(db, workers=1, keep_running=keep_running)
    if keep_running:
        controller.start()
        _wait_for(lambda: controller.progress.done == 2, what="the analysis")
    else:
        assert controller.run().done == 2
    try:
        with Store(db) as store:
            marker = store.change_marker()
            real = [t.id for t in store.tracks() if t.path.startswith(str(music))]
        # no query ran: the run's end (or idle) alone brings the index file up to date
        _wait_for(lambda: vector_index.file_stamp(index) != before
                  and not index_request.busy(index)
                  and _header(index)["watermark"] == marker[1], what="the background rebuild")
    finally:
        controller.cancel()
        assert controller.wait(60)
    assert _header(index)["tracks_total"] == marker[0]
    cold = _cold(db, new[:5] + real)
    assert cold == {"rebuilt": "", "due": None, "found": [True] * 7}
    rebuilt = vector_index.file_stamp(index)
    assert _cold(db, new[:1])["rebuilt"] == ""
    assert vector_index.file_stamp(index) == rebuilt  # the cold queries did not build


def test_a_query_while_the_file_is_due_uses_the_overlay_and_does_not_build(db):
    index = vector_index.index_path(db)
    before = vector_index.file_stamp(index)
    new = _grow(db)
    with index_request.held(index) as got:  # an upkeep runs elsewhere: nothing may start
        assert got
        with Store(db) as store:
            rec = Recommender(store)
            assert rec.rebuilt_because == ""
            assert rec._state.due == "the library grew or shrank past the vector model's margin"
            assert all(rec.index.position(t) is not None for t in new)
            old = [r.track.id for r in rec.similar(new[0], 5, explain=False)]
        assert vector_index.file_stamp(index) == before
    # the lock is free: the player's next refresh asks for the upkeep, then maps the new file
    with Store(db) as store:
        rec = Recommender(store)
        assert rec.rebuilt_because == ""
        _wait_for(lambda: vector_index.file_stamp(index) != before
                  and not index_request.busy(index), what="the background rebuild")
        assert rec.refresh() is True
        assert rec.rebuilt_because == "" and rec._state.due is None
        assert rec._state.stamp == vector_index.file_stamp(index)
        assert len(old) == 5 and all(rec.index.position(t) is not None for t in new)


def test_two_upkeeps_never_rebuild_at_once(db):
    index = vector_index.index_path(db)
    before = vector_index.file_stamp(index)
    _grow(db)
    cmd = [sys.executable, "-m", "soundalike.library.recommend.index_upkeep", str(db)]
    with index_request.held(index) as got:
        assert got
        out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert out.stdout.strip() == "busy"
        assert vector_index.file_stamp(index) == before
    procs = [subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    said = sorted(p.communicate(timeout=300)[0].strip() for p in procs)
    rebuilt = [s for s in said if s not in ("busy", "fresh")]
    assert rebuilt == ["the library grew or shrank past the vector model's margin"], said
    assert vector_index.file_stamp(index) != before


_BUILD_AS_UPKEEP = """
import sys
from soundalike.library.analysis import index_request
from soundalike.library.recommend.recommender import Recommender
from soundalike.library.store import Store
index_request.IN_UPKEEP = True  # as the upkeep process, which holds the lock
with Store(sys.argv[1]) as store:
    print(Recommender(store).rebuilt_because)
"""


def _waiting_on(lock: Path) -> bool:
    """Whether some process waits for the flock on *lock* (``->`` lines of /proc/locks)."""
    ino = lock.stat().st_ino
    return any(line.split("->", 1)[1].split()[4].endswith(f":{ino}")
               for line in Path("/proc/locks").read_text().splitlines() if "->" in line)


def test_a_query_that_must_build_waits_for_the_upkeep_and_takes_its_file(db):
    import threading

    index = vector_index.index_path(db)
    index.unlink()  # nothing to answer from: the query would have to build
    got = {}

    def query():
        with Store(db) as store:
            got["because"] = Recommender(store).rebuilt_because

    with index_request.held(index):  # an upkeep runs
        worker = threading.Thread(target=query)
        worker.start()
        _wait_for(lambda: _waiting_on(index_request.lock_path(index)) or not worker.is_alive(),
                  what="the query waiting for the upkeep's lock")
        assert worker.is_alive() and "because" not in got  # it waits, it does not build
        out = subprocess.run([sys.executable, "-c", _BUILD_AS_UPKEEP, str(db)], cwd=REPO,
                             capture_output=True, text=True, timeout=300)
        assert out.stdout.strip().startswith("the index file was not usable"), out.stderr
        built = vector_index.file_stamp(index)
    worker.join(120)
    assert got == {"because": ""}  # it took the upkeep's file instead of building its own
    assert vector_index.file_stamp(index) == built
