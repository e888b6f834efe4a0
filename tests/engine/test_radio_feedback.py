"""Radio feedback (issue 15): events move the draw, fade, and the state round-trips."""

import json

import numpy as np

from soundalike.engine import radio as radio_mod
from soundalike.engine.filters import MetaTable, TrackMeta
from soundalike.engine.radio import HALF_LIFE, Radio
from soundalike.engine.similarity import SimilarityIndex


def _circle(n=160, artists=40, seed=3):
    """Points on a circle (neighbours on it are similar); angle of position p = 2πp/n."""
    rng = np.random.default_rng(seed)
    ang = 2 * np.pi * np.arange(n) / n
    hyb = np.column_stack([np.cos(ang), np.sin(ang), 0.05 * rng.normal(size=(n, 2))])
    hyb = (hyb / np.linalg.norm(hyb, axis=1, keepdims=True)).astype(np.float32)
    gen = rng.dirichlet(np.ones(4), n).astype(np.float32)
    meta = MetaTable([TrackMeta(i, artist=f"artist {i % artists}", title=f"song {i}",
                                duration=200.0) for i in range(n)])
    return SimilarityIndex(np.arange(100, 100 + n), hyb, gen), meta


def _side(p, n=160):
    """+1 for the upper half of the circle near the seed at 0, −1 for the lower."""
    return 1 if 0 < p < n // 2 else -1


def test_early_skips_push_the_radio_away_and_plays_pull_it_back():
    idx, meta = _circle()
    plain = Radio(idx, meta, [0], rng=1)
    steered = Radio(idx, meta, [0], rng=1)
    sides_plain, sides_steered = [], []
    for _ in range(30):
        a, b = plain.next(1)[0], steered.next(1)[0]
        sides_plain.append(_side(a))
        sides_steered.append(_side(b))
        # the listener dislikes the upper half: skips it after 5 s, plays the rest
        if _side(b) > 0:
            steered.skipped(b, 5.0)
        else:
            steered.played(b, 200.0)
    assert sum(s < 0 for s in sides_steered[10:]) >= 18          # nearly all lower half
    assert sum(s < 0 for s in sides_steered[10:]) > sum(s < 0 for s in sides_plain[10:]) + 5


def test_more_like_pulls_toward_a_track_and_less_like_pushes_harder_than_a_skip():
    idx, meta = _circle()
    r = Radio(idx, meta, [0], drift=0.0, rng=2)
    r.more_like(40)  # a quarter of the way round
    drawn = r.next(10)
    assert np.mean([min(p, 160 - p) for p in drawn]) > 12    # left the seed's side for 40
    kinds = {}
    for kind in ("skip", "less"):
        x = Radio(idx, meta, [0], rng=2)
        x.skipped(5, 3.0) if kind == "skip" else x.less_like(5)
        kinds[kind] = float(x._feedback[5])
    assert kinds["less"] < kinds["skip"] < 0


def test_late_skips_and_partial_plays_count_little_or_nothing():
    idx, meta = _circle()
    r = Radio(idx, meta, [0], rng=0)
    assert r.skipped(3, 5.0).kind == "skipped"
    assert r.skipped(4, 120.0).kind == "late_skip"
    assert r.played(6, 60.0) is None            # a third of a 200-s track: neutral
    assert r.played(7, 199.0).kind == "played"
    assert r.clock == 4                           # every play and skip is a track heard
    assert r.more_like(8).kind == "more_like" and r.clock == 4


def test_feedback_fades_over_the_session():
    idx, meta = _circle()
    r = Radio(idx, meta, [0], rng=0, artist_weight=0.0)  # (plays below share artists)
    r.skipped(10, 2.0)
    start = float(r._feedback[10])
    for i in range(int(HALF_LIFE)):
        r.played(80 + i, 200.0)  # far from track 10: adds nothing near it
    assert abs(float(r._feedback[10]) / start - 0.5) < 0.05
    for i in range(int(8 * HALF_LIFE)):
        r.played(80 + i % 10, 200.0)
    assert all(e.kind != "skipped" for e in r.events)   # forgotten


def test_state_round_trips_through_json_by_track_id():
    idx, meta = _circle()
    r = Radio(idx, meta, [0, 1], rng=9)
    for p in r.next(5):
        r.skipped(p, 4.0)
    r.more_like(100)
    state = json.loads(json.dumps(r.to_dict()))
    assert state["seeds"] == [100, 101]            # track ids, not positions
    assert {e["kind"] for e in state["events"]} == {"skipped", "more_like"}
    back = Radio.from_dict(state, idx, meta)
    assert back.history == r.history and back.clock == r.clock
    np.testing.assert_allclose(back._feedback, r._feedback, atol=1e-5)
    assert back.next(10) == r.next(10)             # same random state, same draws

    # over a rebuilt index without some of the tracks: they are dropped, not an error
    keep = np.r_[0:50, 60:160]
    idx2 = SimilarityIndex(idx.ids[keep], idx.hybrid[keep], idx.genres[keep])
    meta2 = MetaTable([meta.records[i] for i in keep])
    again = Radio.from_dict(state, idx2, meta2)
    assert all(int(idx2.ids[p]) in state["history"] for p in again.history)
    assert len(again.next(5)) == 5


def test_the_radio_api_takes_no_labels():
    """The feedback methods take a track position and seconds, nothing else."""
    import inspect

    for name, params in (("played", ["track", "seconds"]), ("skipped", ["track", "at_seconds"]),
                         ("more_like", ["track"]), ("less_like", ["track"])):
        sig = inspect.signature(getattr(Radio, name))
        assert list(sig.parameters)[1:] == params
    assert "label" not in inspect.signature(Radio).parameters
    assert "group" not in inspect.signature(Radio).parameters
    assert set(radio_mod.FEEDBACK_WEIGHTS) == {"played", "partial", "skipped", "late_skip",
                                               "more_like", "less_like"}
