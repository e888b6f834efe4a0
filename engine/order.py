"""Sonic order: a list of songs arranged so each flows into the next, or along one
dimension (issue 24).

*Flow* is a short path through the similarity space: the distance between two songs
is ``1 − cos`` of their unit vectors, and the order is an open travelling-salesman
tour found by nearest-neighbour construction from every allowed start (the best
kept) and then improved by 2-opt (reverse a stretch when that shortens the path)
until no reversal helps or :data:`MAX_2OPT_ROUNDS` passes are done. The first and/or
last song can be kept in place. Lists up to a few thousand songs take well under a
second (the distance matrix is n², float32).

*Along a dimension* sorts by one value per song (energy, tempo, brightness, mood),
ascending by default; songs without a value keep their relative order at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

MAX_2OPT_ROUNDS = 50
#: starts tried by the nearest-neighbour construction (all of them for short lists)
MAX_STARTS = 64


def _distances(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, np.float32)
    n = np.linalg.norm(v, axis=1, keepdims=True)
    v = v / np.where(n > 1e-9, n, 1.0)
    d = 1.0 - v @ v.T
    np.fill_diagonal(d, 0.0)
    return np.maximum(d, 0.0)


def path_length(d: np.ndarray, order: Sequence[int]) -> float:
    o = np.asarray(order, np.intp)
    return float(d[o[:-1], o[1:]].sum()) if len(o) > 1 else 0.0


def neighbour_similarity(vectors: np.ndarray, order: Iterable[int]) -> float:
    """Mean cosine similarity of consecutive songs of *order* (rows of *vectors*)."""
    o = np.asarray(list(order), np.intp)
    if len(o) < 2:
        return 1.0
    v = np.asarray(vectors, np.float32)[o]
    n = np.linalg.norm(v, axis=1)
    v = v / np.where(n > 1e-9, n, 1.0)[:, None]
    return float(np.mean(np.einsum("ij,ij->i", v[:-1], v[1:])))


def _nearest_neighbour(d: np.ndarray, start: int, end: int | None) -> list[int]:
    n = len(d)
    free = np.ones(n, bool)
    free[start] = False
    if end is not None:
        free[end] = False
    order = [start]
    cur = start
    for _ in range(n - 1 - (end is not None)):
        row = np.where(free, d[cur], np.inf)
        cur = int(np.argmin(row))
        free[cur] = False
        order.append(cur)
    if end is not None:
        order.append(end)
    return order


def _two_opt(d: np.ndarray, order: list[int], fixed_first: bool, fixed_last: bool
             ) -> list[int]:
    """Reverse stretches ``order[i..j]`` while that shortens the open path. With an
    end free, a stretch may run to the end (only one edge then changes)."""
    o = np.asarray(order, np.intp)
    n = len(o)
    lo = 1 if fixed_first else 0
    hi = n - 2 if fixed_last else n - 1
    for _ in range(MAX_2OPT_ROUNDS):
        improved = False
        for i in range(lo, hi):
            # edges (i-1, i) and (j, j+1) become (i-1, j) and (i, j+1)
            js = np.arange(i + 1, hi + 1)
            before = d[o[i - 1], o[i]] if i > 0 else 0.0
            after_j = np.where(js + 1 < n, d[o[js], o[np.minimum(js + 1, n - 1)]], 0.0)
            new_i = d[o[i - 1], o[js]] if i > 0 else np.zeros(len(js))
            new_j = np.where(js + 1 < n, d[o[i], o[np.minimum(js + 1, n - 1)]], 0.0)
            gain = before + after_j - new_i - new_j
            if len(gain) == 0:
                continue
            best = int(np.argmax(gain))
            if gain[best] > 1e-7:
                j = int(js[best])
                o[i:j + 1] = o[i:j + 1][::-1].copy()
                improved = True
        if not improved:
            break
    return o.tolist()


def flow_order(vectors: np.ndarray, *, keep_first: bool = False, keep_last: bool = False
               ) -> list[int]:
    """Row order of *vectors* (n, d) that makes a short path through the similarity
    space; with *keep_first* / *keep_last* the first / last row stays in place."""
    n = len(vectors)
    if n <= 2:
        return list(range(n))
    d = _distances(vectors)
    end = n - 1 if keep_last else None
    if keep_first:
        starts = [0]
    else:
        starts = [s for s in range(n) if s != end]
        if len(starts) > MAX_STARTS:
            starts = list(np.linspace(0, len(starts) - 1, MAX_STARTS).astype(int))
            starts = sorted({s for s in starts if s != end})
    best, best_len = None, np.inf
    for s in starts:
        o = _nearest_neighbour(d, s, end)
        length = path_length(d, o)
        if length < best_len:
            best, best_len = o, length
    return _two_opt(d, best, keep_first, keep_last)


def dimension_order(values: Sequence[float], *, descending: bool = False) -> list[int]:
    """Positions sorted by *values* (NaN last, ties in their original order)."""
    v = np.asarray(values, np.float64)
    known = np.flatnonzero(np.isfinite(v))
    unknown = np.flatnonzero(~np.isfinite(v))
    key = -v[known] if descending else v[known]
    return [int(i) for i in known[np.argsort(key, kind="stable")]] + unknown.tolist()
