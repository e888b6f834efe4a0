"""Issue 24 (b): sonic order over a small real library (real audio, real analysis)."""

import numpy as np
import pytest

from soundalike.engine.order import neighbour_similarity
from soundalike.library.recommend import discovery
from soundalike.library.recommend.recommender import Recommender


def _ids(store, lib, keys):
    return [store.track_by_path(lib.paths[k]).id for k in keys]


# beat, chord, beat, noise, chord, beat …: alternating styles, a bumpy order
MIXED = [("Alpha", "A1", 0), ("Beta", "B1", 0), ("Gamma", "G1", 0), ("Gamma", "G2", 0),
         ("Beta", "B2", 1), ("Alpha", "A2", 1), ("Beta", "B1", 1), ("Gamma", "G2", 1)]


def test_flow_puts_alike_songs_next_to_each_other(store, lib):
    rec = Recommender(store)
    ids = _ids(store, lib, MIXED)
    order, unplaced = discovery.order_tracks(rec, ids, "flow")
    assert sorted(order) == sorted(ids) and unplaced == 0
    v = rec.index.hybrid
    pos = [rec.index.position(t) for t in ids]
    by_id = dict(zip(ids, pos, strict=True))
    assert (neighbour_similarity(v, [by_id[t] for t in order])
            > neighbour_similarity(v, pos) + 0.2)
    kept, _ = discovery.order_tracks(rec, ids, "flow", keep_first=True, keep_last=True)
    assert kept[0] == ids[0] and kept[-1] == ids[-1]


@pytest.mark.parametrize("by", ["energy", "tempo", "brightness", "mood"])
def test_one_dimension_sorts_low_to_high(store, lib, by):
    rec = Recommender(store)
    ids = _ids(store, lib, MIXED)
    order, _ = discovery.order_tracks(rec, ids, by)
    vals = discovery.dimension_values(rec, [rec.index.position(t) for t in order], by)
    assert list(vals) == sorted(vals)
    down, _ = discovery.order_tracks(rec, ids, by, descending=True)
    vals = discovery.dimension_values(rec, [rec.index.position(t) for t in down], by)
    assert list(vals) == sorted(vals, reverse=True)


def test_songs_that_are_not_analysed_go_last_in_their_order(store, lib):
    rec = Recommender(store)
    ids = _ids(store, lib, MIXED[:4])
    failed = store.track_by_path(lib.failed).id
    order, unplaced = discovery.order_tracks(rec, [failed, *ids, -5], "tempo")
    assert unplaced == 2 and order[-2:] == [failed, -5]
    with pytest.raises(ValueError, match="cannot order by"):
        discovery.order_tracks(rec, ids, "colour")
    assert np.isfinite(discovery.dimension_values(
        rec, [rec.index.position(t) for t in ids], "brightness")).all()
