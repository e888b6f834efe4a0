"""Sonic order: flow (a short path through the similarity space) and one dimension."""

import numpy as np

from soundalike.engine.order import (
    _distances,
    dimension_order,
    flow_order,
    neighbour_similarity,
    path_length,
)


def _circle(rng, n):
    ang = rng.permutation(np.linspace(0, 2 * np.pi, n, endpoint=False))
    return np.column_stack([np.cos(ang), np.sin(ang)]).astype(np.float32), ang


def test_flow_walks_round_a_circle_in_order(rng):
    v, ang = _circle(rng, 30)
    o = flow_order(v)
    assert sorted(o) == list(range(30))
    steps = np.abs(np.diff(np.unwrap(ang[o])))
    assert steps.max() < 2 * np.pi / 30 * 1.5        # every step to a neighbour
    assert neighbour_similarity(v, o) > neighbour_similarity(v, range(30)) + 0.5


def test_flow_keeps_the_first_and_last_song_when_asked(rng):
    v = rng.normal(size=(25, 8)).astype(np.float32)
    o = flow_order(v, keep_first=True, keep_last=True)
    assert o[0] == 0 and o[-1] == 24 and sorted(o) == list(range(25))
    d = _distances(v)
    assert path_length(d, o) < path_length(d, range(25))
    assert flow_order(v[:2]) == [0, 1] and flow_order(v[:0]) == []


def test_two_opt_never_makes_the_path_longer_than_nearest_neighbour(rng):
    from soundalike.engine.order import _nearest_neighbour, _two_opt

    v = rng.normal(size=(60, 6)).astype(np.float32)
    d = _distances(v)
    nn = _nearest_neighbour(d, 0, None)
    better = _two_opt(d, nn, False, False)
    assert sorted(better) == list(range(60))
    assert path_length(d, better) <= path_length(d, nn) + 1e-6


def test_dimension_order_sorts_and_puts_unknown_values_last():
    assert dimension_order([3.0, np.nan, 1.0, 2.0]) == [2, 3, 0, 1]
    assert dimension_order([3.0, np.nan, 1.0, 2.0], descending=True) == [0, 3, 2, 1]
