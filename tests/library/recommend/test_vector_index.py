"""The persistent similarity index (library/recommend/vector_index.py) through the Recommender: real
SQLite files, a real analysed library, synthetic analyses written through the Store, and a
real process killed with SIGKILL in the middle of a rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from reco_library import build_library

from soundalike.engine import cnn, dsp
from soundalike.engine import vectors as vec
from soundalike.engine.analyze import USABLE_VERSIONS
from soundalike.engine.dsp import FEATURE_GROUPS
from soundalike.library.recommend import vector_index
from soundalike.library.recommend.recommender import Recommender
from soundalike.library.store import Store

REPO = Path(__file__).resolve().parents[3]
BIG = 2400  # the tracks of conftest's synthetic library (big_db)


@pytest.fixture(scope="module")
def real_lib(tmp_path_factory):
    return build_library(tmp_path_factory)


@pytest.fixture
def big(big_db, tmp_path):
    """A fresh copy of the synthetic library (no index yet)."""
    db = tmp_path / "library.db"
    db.write_bytes(big_db.read_bytes())
    with Store(db) as store:
        yield store


def _exact_vectors(store) -> tuple[np.ndarray, np.ndarray]:
    """Track ids and hybrid vectors (float32, with their albums' context) fitted on every
    analysis at once: the recipe of the in-memory build the index replaced."""
    rows = list(store.analysis_rows(version=USABLE_VERSIONS))
    f = np.array([r.features for r in rows], np.float32)
    t = np.hstack([np.array([r.tags for r in rows]), np.array([r.mtt_tags for r in rows])])
    e = np.hstack([np.array([r.embedding for r in rows]),
                   np.array([r.mtt_embedding for r in rows])])
    n_tags, n_mtt = len(cnn.TAG_LABELS), len(cnn.MTT_LABELS)
    model = vec.fit(f, t, e, feature_names=dsp.FEATURE_NAMES, feature_groups=FEATURE_GROUPS,
                    tag_parts=(n_tags, n_mtt), emb_parts=(cnn.EMBEDDING_DIMS,) * 2)
    ids = [r.track_id for r in rows]
    tracks = {x.id: x for x in store.get_tracks(ids)}
    groups = vec.context_groups([tracks[i].artist for i in ids], [tracks[i].album for i in ids])
    return np.array(ids), vec.context_vectors(model.transform(f, t, e), groups)[0]


def _top(rec, track_id: int, n: int = 10) -> list[int]:
    idx = rec.index
    hits = idx.search(idx.vector(idx.position(track_id)), n + 1)
    return [int(idx.ids[p]) for p, _ in hits if int(idx.ids[p]) != track_id][:n]


def _similar(rec, track_id: int) -> list[tuple[int, float]]:
    return [(r.track.id, round(r.score, 5)) for r in rec.similar(track_id, 10, explain=False)]


def test_index_file_ranks_as_exact_float64_vectors(real_lib, tmp_path):
    with Store(real_lib.copy_db(tmp_path)) as store:
        rec = Recommender(store)
        assert rec.index_path == tmp_path / "library.index" and rec.index_path.exists()
        ids, exact = _exact_vectors(store)
        assert list(rec.index.ids) == list(ids)
        exact64 = exact.astype(np.float64)
        pos = {int(t): j for j, t in enumerate(ids)}
        for i, tid in enumerate(ids):
            order = [int(ids[j]) for j in np.argsort(-(exact @ exact[i]), kind="stable")
                     if ids[j] != tid][:10]
            got = _top(rec, int(tid))
            # the in-memory build's ranking: the same tracks in the same order, except
            # album-mates whose vectors tie (album context) within float32 rounding
            s32 = exact @ exact[i]
            assert np.allclose([s32[pos[t]] for t in got], [s32[pos[t]] for t in order],
                               atol=2e-6, rtol=0)
            assert [t for t in got if abs(s32[pos[t]] - s32[pos[order[-1]]]) > 2e-6] == \
                [t for t in order if abs(s32[pos[t]] - s32[pos[order[-1]]]) > 2e-6] or \
                sorted(got) == sorted(order)
            # … and the float64 ranking up to ties within float32 rounding
            s64 = exact64 @ exact64[i]
            best = np.sort(np.delete(s64, i))[::-1][:10]
            assert np.allclose([s64[pos[t]] for t in got], best, atol=2e-6)
        # another process opens the file as it is and answers the same lists
        with Store(tmp_path / "library.db") as other:
            again = Recommender(other)
            assert again.rebuilt_because == ""
            for tid in ids:
                assert _similar(again, int(tid)) == _similar(rec, int(tid))
                assert again.explain(int(ids[0]), int(tid)) == rec.explain(int(ids[0]), int(tid))


def _add_analysed(store, like: int, rng) -> int:
    """A new track whose analysis is a slightly moved copy of track *like*'s."""
    from soundalike.library.model.track import Track

    a = store.get_analysis(like)
    tid = store.add_track(Track(path=f"/new/{rng.integers(1 << 40)}.flac", title="New song",
                                artist="Newcomer", album="Fresh", duration=200.0))
    noise = lambda x: (x + rng.normal(0, 0.01, len(x))).astype(np.float32)  # noqa: E731
    store.save_analysis(tid, version=a.version, features=noise(a.features),
                        tags=np.clip(noise(a.tags), 0, 1), embedding=noise(a.embedding),
                        duration=200.0, mtt_tags=np.clip(noise(a.mtt_tags), 0, 1),
                        mtt_embedding=noise(a.mtt_embedding))
    return tid


def test_new_analysis_is_found_without_a_rebuild(big, rng):
    rec = Recommender(big)
    path = rec.index_path
    before = path.stat()
    with Store(big.path) as writer:  # another process (the player, watch) analyses a track
        new = _add_analysed(writer, like=int(rec.index.ids[7]), rng=rng)
    assert rec.index.position(new) is None
    assert rec.refresh() is True
    assert rec.rebuilt_because == "the index file was not usable: there is none yet"
    assert rec.index.position(new) is not None
    assert int(rec.index.ids[7]) in [t for t, _ in _similar(rec, new)][:3]
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # a full rebuild with the same stored model gives the same answers
    with Store(big.path) as other:
        ref = Recommender(other)
        ref.refresh(force=True)
        for tid in (new, int(rec.index.ids[7]), int(rec.index.ids[100])):
            assert _similar(rec, tid) == _similar(ref, tid)


def test_removed_and_retagged_tracks_are_followed(big):
    rec = Recommender(big)
    a, b = int(rec.index.ids[3]), int(rec.index.ids[4])
    gone = _similar(rec, a)[0][0]
    with Store(big.path) as writer:
        writer.mark_missing([gone])
        t = writer.get_track(b)
        t.artist = "Somebody Else Entirely"
        writer.update_tracks([t])
    assert rec.refresh() is True
    assert rec.index.position(gone) is None
    assert gone not in [t for t, _ in _similar(rec, a)]
    with Store(big.path) as other:
        ref = Recommender(other)
        ref.refresh(force=True)
        assert _similar(rec, a) == _similar(ref, a)
        assert [r.track.artist for r in rec.similar(b, 3)] == \
            [r.track.artist for r in ref.similar(b, 3)]
    assert rec.index.position(gone) is None and rec.size == BIG - 1


@pytest.mark.parametrize("damage", ["header", "truncated", "vectors", "garbage"])
def test_damaged_index_file_is_rebuilt_with_right_answers(big, damage):
    rec = Recommender(big)
    probe = [int(rec.index.ids[i]) for i in (0, 50, 999)]
    want = {t: _similar(rec, t) for t in probe}
    path, header = rec.index_path, rec.index.file.header
    del rec
    raw = bytearray(path.read_bytes())
    if damage == "header":
        raw[40:60] = b"x" * 20
    elif damage == "truncated":
        raw = raw[:len(raw) // 2]
    elif damage == "vectors":
        offset = header["arrays"]["hybrid"][0]
        raw[offset:offset + 4 * 128 * 200] = bytes(4 * 128 * 200)
    else:
        raw = bytearray(os.urandom(len(raw)))
    path.write_bytes(bytes(raw))
    rec = Recommender(big)
    assert "not usable" in rec.rebuilt_because
    assert {t: _similar(rec, t) for t in probe} == want
    assert Recommender(big).rebuilt_because == ""  # the rebuilt file is good


def test_another_vector_model_rebuilds_the_index(big, monkeypatch):
    rec = Recommender(big)
    probe = int(rec.index.ids[11])
    want = _similar(rec, probe)
    monkeypatch.setattr(vec, "VECTOR_VERSION", vec.VECTOR_VERSION + 1)
    other = Recommender(big)
    assert "another vector version" in other.rebuilt_because
    assert other.index.file.header["vector_version"] == vec.VECTOR_VERSION
    monkeypatch.undo()
    big.set_setting("recommend.weights", {"embedding": 1.0, "tags": 0.0, "dsp": 0.0})
    emb_only = Recommender(big)
    assert emb_only.rebuilt_because and emb_only.model.weights["embedding"] == 1.0
    big.set_setting("recommend.weights", None)
    back = Recommender(big)
    assert back.rebuilt_because and _similar(back, probe) == want


_REBUILD = """
import sys
from soundalike.library.store import Store
from soundalike.library.recommend.recommender import Recommender
store = Store(sys.argv[1])
rec = Recommender(store)
print("opened", flush=True)
while True:
    rec.refresh(force=True)
"""


def _rebuild_killed_when(db: Path, writing, *, opened_first: bool) -> int:
    """Run endless forced rebuilds of *db*'s index in another process, SIGKILL it once
    ``writing(temporary files)`` holds, and return its exit code."""
    path = vector_index.index_path(db)
    proc = subprocess.Popen([sys.executable, "-c", _REBUILD, str(db)], stdout=subprocess.PIPE,
                            cwd=REPO)
    try:
        if opened_first:
            assert proc.stdout.readline().strip() == b"opened"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if writing([t for t in path.parent.glob(path.name + ".*.tmp") if t.exists()]):
                break
            time.sleep(0.005)
        else:
            pytest.fail("the rebuild never started writing")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode


def _size(tmp: Path) -> int:
    try:
        return tmp.stat().st_size
    except OSError:  # renamed meanwhile
        return 0


def test_kill_9_in_the_middle_of_a_rebuild_loses_nothing(big):
    rec = Recommender(big)
    probe = [int(rec.index.ids[i]) for i in (1, 500, 2000)]
    want = {t: _similar(rec, t) for t in probe}
    path = rec.index_path
    code = _rebuild_killed_when(  # a rebuild is writing its temporary file
        big.path, lambda tmps: any(_size(t) > vector_index.HEADER_SPACE for t in tmps),
        opened_first=True)
    assert code == -signal.SIGKILL
    with Store(big.path) as other:
        after = Recommender(other)
        assert after.rebuilt_because == ""  # the index file it replaced is whole
        assert {t: _similar(after, t) for t in probe} == want
        # a killed build's temporary file is left for a later cleanup, and harms nothing
        old = time.time() - vector_index.STALE_SECONDS - 10
        for tmp in path.parent.glob(path.name + ".*.tmp"):
            os.utime(tmp, (old, old))
        after.refresh(force=True)
        assert not list(path.parent.glob(path.name + ".*.tmp"))
        assert {t: _similar(after, t) for t in probe} == want


def test_kill_9_during_the_first_build_leaves_a_usable_library(big):
    assert _rebuild_killed_when(big.path, bool, opened_first=False) == -signal.SIGKILL
    rec = Recommender(big)
    assert rec.size == BIG
    with Store(big.path) as other:
        ref = Recommender(other)
        ref.refresh(force=True)
        t = int(rec.index.ids[42])
        assert _similar(rec, t) == _similar(ref, t)
