"""library/recommend/map_layout.py: the map's cached layout in a real database, new tracks placed,
the layout computed in a real spawned process, cancelled, and invalidated."""

from __future__ import annotations

import numpy as np
import pytest

from soundalike.engine import analyze, cnn, dsp
from soundalike.engine import layout as engine_layout
from soundalike.library.model.track import Track
from soundalike.library.recommend import map_layout as ml
from soundalike.library.recommend.map_layout_job import LayoutJob
from soundalike.library.store import Store

CLUSTERS = 4


def add_analysed(store: Store, n: int, *, start: int = 0, version: int | None = None,
                 seed: int = 7, cluster_of=None) -> list[int]:
    """*n* tracks with synthetic analyses in CLUSTERS clusters (cluster = i % CLUSTERS)."""
    from soundalike.engine.analyze import ANALYSIS_VERSION

    version = ANALYSIS_VERSION if version is None else version
    rng = np.random.default_rng(seed)
    base = np.random.default_rng(0)
    emb_c = base.normal(size=(CLUSTERS, 200)).astype(np.float32) * 3
    feat_c = base.normal(size=(CLUSTERS, len(dsp.FEATURE_NAMES))).astype(np.float32) * 3
    tag_c = base.uniform(0, 1, (CLUSTERS, len(cnn.TAG_LABELS))).astype(np.float32)
    ids = store.add_tracks(Track(path=f"/music/c{(start + i) % CLUSTERS}/{start + i}.flac",
                                 title=f"song {start + i}",
                                 artist=f"artist {(start + i) % CLUSTERS}", duration=100.0)
                           for i in range(n))
    with store.transaction():
        for i, tid in enumerate(ids):
            c = (start + i) % CLUSTERS if cluster_of is None else cluster_of
            store.save_analysis(
                tid, version=version, duration=100.0,
                features=feat_c[c] + 0.3 * rng.normal(size=feat_c.shape[1]).astype(np.float32),
                tags=np.clip(tag_c[c] + 0.05 * rng.normal(size=tag_c.shape[1]), 0, 1
                             ).astype(np.float32),
                embedding=np.maximum(emb_c[c] + rng.normal(size=200).astype(np.float32), 0))
    return ids


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "library.db")


def analysed_ids(store: Store) -> list[int]:
    return [r.track_id for r in store.analysis_rows()]


def test_first_time_pca_then_cached_after_a_full_layout(db):
    with Store(db) as store:
        add_analysed(store, 80)
        ids = analysed_ids(store)
        first = ml.map_positions(store, ids)
        assert first.state == "pca" and first.relayout_due
        assert first.xy.shape == (80, 2) and first.xy.min() >= 0 and first.xy.max() <= 1
    assert ml.compute_layout(db) == 80
    with Store(db) as store:
        info = store.map_layout_info()
        assert info.tracks == 80 and info.method == ml.METHOD
        assert info.track_key == ml.track_key(info.analysis_version, ids)
        now = ml.map_positions(store, ids)
        assert now.state == "cached" and not now.relayout_due
        stored_ids, stored_xy = store.map_layout()
        assert sorted(stored_ids.tolist()) == sorted(ids)
        order = {t: i for i, t in enumerate(stored_ids.tolist())}
        assert np.allclose(now.xy, stored_xy[[order[t] for t in ids]])
        # the layout is not the PCA preview, and keeps the clusters apart
        assert not np.allclose(now.xy, first.xy, atol=0.02)
        _, hybrid = ml.hybrid_vectors(store)
        assert engine_layout.neighbour_preservation(hybrid, now.xy) > \
            engine_layout.neighbour_preservation(hybrid, first.xy)


def test_new_tracks_are_placed_near_their_cluster_without_a_full_layout(db):
    with Store(db) as store:
        add_analysed(store, 80)
    ml.compute_layout(db)
    with Store(db) as store:
        new = add_analysed(store, 3, start=80, seed=99, cluster_of=2)
        ids = analysed_ids(store)
        before = store.map_layout_info()
        pos = ml.map_positions(store, ids)
        assert pos.state == "placed" and pos.placed == 3 and not pos.relayout_due
        assert store.map_layout_info() == before  # nothing recomputed or written
        xy = dict(zip(ids, pos.xy.tolist(), strict=True))
        cluster2 = np.array([xy[t] for t in ids[:80] if t % CLUSTERS == ids[2] % CLUSTERS])
        others = np.array([xy[t] for t in ids[:80] if t % CLUSTERS != ids[2] % CLUSTERS])
        for t in new:
            p = np.array(xy[t])
            assert np.linalg.norm(cluster2 - p, axis=1).mean() < \
                0.6 * np.linalg.norm(others - p, axis=1).mean()
        # more than 10 % changed: a full layout is due
        add_analysed(store, 10, start=83)
        assert ml.map_positions(store, analysed_ids(store)).relayout_due


def test_removed_tracks_leave_the_cache_and_the_rest_stays(db):
    with Store(db) as store:
        ids = add_analysed(store, 40)
    ml.compute_layout(db)
    with Store(db) as store:
        cached_ids, cached_xy = store.map_layout()
        store.delete_tracks(ids[:2])
        assert len(store.map_layout()[0]) == 38  # ON DELETE CASCADE
        keep = analysed_ids(store)
        pos = ml.map_positions(store, keep)
        assert pos.state == "placed" and pos.placed == 0 and not pos.relayout_due
        order = {t: i for i, t in enumerate(cached_ids.tolist())}
        assert np.allclose(pos.xy, cached_xy[[order[t] for t in keep]])


def test_a_new_analysis_version_invalidates_the_cache(db, monkeypatch):
    import soundalike.engine.analyze as analyze

    with Store(db) as store:
        add_analysed(store, 30)
    ml.compute_layout(db)
    with Store(db) as store:
        assert ml.map_positions(store, analysed_ids(store)).state == "cached"
        # a new release re-analyses the library with the next version
        new_version = analyze.ANALYSIS_VERSION + 1
        rows = list(store.analysis_rows())
        with store.transaction():
            for r in rows:
                store.save_analysis(r.track_id, version=new_version, features=r.features,
                                    tags=r.tags, embedding=r.embedding, duration=r.duration)
        monkeypatch.setattr(analyze, "ANALYSIS_VERSION", new_version)
        monkeypatch.setattr(analyze, "USABLE_VERSIONS", (new_version,))
        pos = ml.map_positions(store, analysed_ids(store))
        assert pos.state == "pca" and pos.relayout_due
    ml.compute_layout(db)
    with Store(db) as store:
        assert store.map_layout_info().analysis_version == new_version
        assert ml.map_positions(store, analysed_ids(store)).state == "cached"


@pytest.mark.parametrize("n", [1, 2])
def test_one_and_two_tracks(db, n):
    with Store(db) as store:
        add_analysed(store, n)
    assert ml.compute_layout(db) == n
    with Store(db) as store:
        pos = ml.map_positions(store, analysed_ids(store))
        assert pos.state == "cached" and pos.xy.shape == (n, 2)
        assert np.isfinite(pos.xy).all() and ((pos.xy >= 0) & (pos.xy <= 1)).all()
        if n == 2:
            assert not np.allclose(pos.xy[0], pos.xy[1])


def test_empty_library(db):
    with Store(db) as store:
        assert ml.map_positions(store, []).state == "empty"
    assert ml.compute_layout(db) == 0


def test_layout_job_runs_in_another_process(db):
    import os

    with Store(db) as store:
        add_analysed(store, 60)
    job = LayoutJob(db)
    job.start()
    assert job.pid is not None and job.pid != os.getpid()
    assert job.wait() == 60
    assert job.progress == 1.0
    with Store(db) as store:
        assert ml.map_positions(store, analysed_ids(store)).state == "cached"


def test_cancelled_layout_leaves_the_stored_one(db):
    import threading
    import time

    with Store(db) as store:
        add_analysed(store, 40)
    ml.compute_layout(db)
    with Store(db) as store:
        before = store.map_layout_info(), store.map_layout()[1].copy()
        add_analysed(store, 6000, start=40)  # big enough to take a while
    job = LayoutJob(db)
    outcome = []
    waiter = threading.Thread(target=lambda: outcome.append(_wait(job)))
    waiter.start()
    end = time.monotonic() + 60
    while job.progress == 0 and time.monotonic() < end:  # it is really working
        time.sleep(0.05)
    assert job.progress > 0
    job.cancel()
    waiter.join(15)
    assert not waiter.is_alive()
    assert isinstance(outcome[0], ml.MapLayoutError) and "cancelled" in str(outcome[0])
    assert not job._proc.is_alive()
    with Store(db) as store:
        assert store.map_layout_info() == before[0]
        assert np.array_equal(store.map_layout()[1], before[1])


def _wait(job):
    try:
        return job.wait()
    except ml.MapLayoutError as exc:
        return exc


def test_a_broken_database_is_a_plain_error(tmp_path):
    bad = tmp_path / "not-a-db.db"
    bad.write_text("hello, I am a text file\n" * 100)
    with pytest.raises(ml.MapLayoutError) as err:
        LayoutJob(str(bad)).wait()
    msg = str(err.value)
    assert msg.startswith("the map could not be arranged:") and "Traceback" not in msg


def test_track_key_ignores_order_and_sees_version_and_set():
    assert ml.track_key(2, [3, 1, 2]) == ml.track_key(2, [1, 2, 3])
    assert ml.track_key(2, [1, 2, 3]) != ml.track_key(3, [1, 2, 3])
    assert ml.track_key(2, [1, 2, 3]) != ml.track_key(2, [1, 2, 4])


def test_a_layout_made_during_the_mtt_upgrade_is_not_kept_for_the_full_hybrid(db):
    """While version-2 analyses are upgraded the hybrid is version 2's (MSD only): the layout
    made then is stored under version 2, and is due again once every track has version 3."""
    with Store(db) as store:
        add_analysed(store, 20, version=2)
        assert ml.layout_version(store) == 2
    ml.compute_layout(db)
    with Store(db) as store:
        assert store.map_layout_info().analysis_version == 2
        assert ml.map_positions(store, analysed_ids(store)).state == "cached"
        rows = list(store.analysis_rows())
        with store.transaction():  # the upgrade has finished
            for r in rows:
                store.save_analysis(r.track_id, version=analyze.ANALYSIS_VERSION,
                                    features=r.features, tags=r.tags, embedding=r.embedding,
                                    duration=r.duration)
        assert ml.layout_version(store) == analyze.ANALYSIS_VERSION
        pos = ml.map_positions(store, analysed_ids(store))
        assert pos.state == "pca" and pos.relayout_due
