"""Endless radio from seeds, and song paths from A to B.

Radio: each next track is drawn at random among the best few matches of a *target*
that blends the seeds with the track just played:

    target = (1 − drift) · seeds + drift · last track

so ``drift=0`` stays close to the seeds and ``drift=1`` wanders from song to song.
Candidates inside the repeat window (and their duplicates), by an artist heard in the
last ``artist_spacing`` tracks, or excluded by the filters are never drawn. When the
library is too small to honour every rule, the artist spacing is relaxed first, then
the window shrinks — the radio never stops.

Path: ``A → B`` in *steps* tracks; the *i*-th intermediate track is the best unused
match of the point ``i/(steps−1)`` of the way from A to B, with a bonus for closeness
to the previous track so that consecutive songs flow.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence

import numpy as np

from soundalike.engine.filters import Filters, MetaTable, ResultFilter
from soundalike.engine.similarity import DEFAULT_METHOD, SimilarityIndex, ranked_accept

DEFAULT_WINDOW = 50
DEFAULT_ARTIST_SPACING = 3
DEFAULT_DRIFT = 0.3
DEFAULT_POOL = 10


def _target(index: SimilarityIndex, vectors: Sequence[np.ndarray], weights: Sequence[float],
            method: str) -> np.ndarray:
    v = sum(w * x for w, x in zip(weights, vectors, strict=False))
    if method == "hybrid":
        n = float(np.linalg.norm(v))
        if n > 1e-9:
            v = v / n
    return np.asarray(v, dtype=np.float32)


class Radio:
    """An endless stream of index positions.

    Parameters
    ----------
    index : SimilarityIndex
    meta : MetaTable
    seeds : sequence of int
        Index positions of the seed tracks (at least one).
    drift : float
        0 = stay close to the seeds … 1 = follow the last track.
    window : int
        No position (or duplicate of one) repeats within this many tracks; seeds count
        as played.
    artist_spacing : int
        No artist plays again within this many tracks.
    pool : int
        Number of best candidates the next track is drawn from.
    randomness : float
        0 always plays the best candidate; larger values spread the draw over the pool.
    filters : Filters, optional
        Exclusions (genre, folder, keyword) applied to every draw; the caps are not
        used (spacing and the window replace them).
    method : {"hybrid", "seed"}
    rng : np.random.Generator or int, optional
    """

    def __init__(self, index: SimilarityIndex, meta: MetaTable, seeds: Sequence[int], *,
                 drift: float = DEFAULT_DRIFT, window: int = DEFAULT_WINDOW,
                 artist_spacing: int = DEFAULT_ARTIST_SPACING, pool: int = DEFAULT_POOL,
                 randomness: float = 0.5, filters: Filters | None = None,
                 method: str = DEFAULT_METHOD,
                 rng: np.random.Generator | int | None = None):
        if not seeds:
            raise ValueError("a radio needs at least one seed track")
        if not 0.0 <= drift <= 1.0:
            raise ValueError("drift must be between 0 and 1")
        self.index, self.meta, self.method = index, meta, method
        self.seeds = [int(s) for s in seeds]
        self.drift = float(drift)
        self.window = max(0, int(window))
        self.artist_spacing = max(0, int(artist_spacing))
        self.pool = max(1, int(pool))
        self.randomness = max(0.0, float(randomness))
        base = filters or Filters()
        self.filters = Filters(max_per_artist=None, max_per_album=None, dedupe=True,
                               duplicate_seconds=base.duplicate_seconds,
                               exclude_genres=base.exclude_genres,
                               exclude_folders=base.exclude_folders,
                               exclude_keywords=base.exclude_keywords)
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self._anchor = index.vector(self.seeds, method)
        self.recent: deque[int] = deque(self.seeds[-self.window:] if self.window else [],
                                        maxlen=self.window or None)
        self.history: list[int] = []

    def __iter__(self) -> Iterator[int]:
        while True:
            yield self.next(1)[0]

    def next(self, k: int = 1) -> list[int]:
        """Draw the next *k* positions (always *k*, for any non-empty index)."""
        return [self._next_one() for _ in range(max(0, int(k)))]

    def _recent_artists(self, spacing: int) -> set[int]:
        if spacing <= 0:
            return set()
        played = (self.history[-spacing:] if self.history else self.seeds[-spacing:])
        return {int(self.meta.artist[p]) for p in played if self.meta.artist[p] >= 0}

    def _next_one(self) -> int:
        last = self.history[-1] if self.history else None
        if last is None or self.drift == 0.0:
            target = self._anchor
        else:
            target = _target(self.index, [self._anchor, self.index.vector(last, self.method)],
                             [1.0 - self.drift, self.drift], self.method)
        scores = self.index.scores(target, self.method)
        recent = list(self.recent)
        attempts = [(self.artist_spacing, len(recent))]
        attempts += [(0, len(recent))] if self.artist_spacing else []
        size = len(recent)
        while size > 1:
            size //= 2
            attempts.append((0, size))
        attempts.append((0, 0))
        for spacing, keep in attempts:
            blocked = recent[len(recent) - keep:] if keep else []
            if last is not None:
                blocked = blocked + [last]
            candidates = self._candidates(scores, blocked, spacing)
            if candidates:
                break
        else:  # a one-track library: play it again
            candidates = [last if last is not None else self.seeds[0]]
        choice = self._draw(candidates)
        self.history.append(choice)
        if self.window:
            self.recent.append(choice)
        return choice

    def _candidates(self, scores: np.ndarray, blocked: list[int], spacing: int) -> list[int]:
        rf = ResultFilter(self.meta, self.filters, query=blocked)
        artists = self._recent_artists(spacing)
        accepted: list[int] = []

        def accept(p: int) -> bool:
            if int(self.meta.artist[p]) in artists and self.meta.artist[p] >= 0:
                return False
            # candidates must not duplicate the window, but may resemble each other
            rf.accepted.clear()
            return rf.accept(p)

        for p, _ in ranked_accept(scores, self.pool, accept):
            accepted.append(p)
        return accepted

    def _draw(self, candidates: list[int]) -> int:
        if len(candidates) == 1 or self.randomness == 0.0:
            return candidates[0]
        ranks = np.arange(len(candidates), dtype=np.float64)
        w = np.exp(-ranks / (self.randomness * len(candidates) / 2.0))
        return int(candidates[self.rng.choice(len(candidates), p=w / w.sum())])


def song_path(index: SimilarityIndex, meta: MetaTable, start: int, end: int, steps: int, *,
              filters: Filters | None = None, method: str = DEFAULT_METHOD,
              smoothness: float = 0.5) -> list[int]:
    """A path of index positions from *start* to *end*.

    Parameters
    ----------
    index : SimilarityIndex
    meta : MetaTable
    start, end : int
        Index positions of A and B.
    steps : int
        Number of tracks in the path, A and B included (at least 2). Fewer are returned
        when the library has too few distinct tracks.
    filters : Filters, optional
        Exclusions; duplicates of any track already on the path are never used, and
        no artist plays twice in a row when it can be avoided.
    method : {"hybrid", "seed"}
    smoothness : float
        Weight of the closeness to the previous track against the closeness to the
        straight line from A to B.

    Returns
    -------
    list of int
        Starts with *start*, ends with *end*.
    """
    if steps < 2:
        raise ValueError("a path needs at least 2 steps (A and B)")
    if start == end:
        raise ValueError("a path needs two different tracks")
    base = filters or Filters()
    f = Filters(max_per_artist=None, max_per_album=None, dedupe=True,
                duplicate_seconds=base.duplicate_seconds, exclude_genres=base.exclude_genres,
                exclude_folders=base.exclude_folders, exclude_keywords=base.exclude_keywords)
    va, vb = index.vector(start, method), index.vector(end, method)
    path = [int(start)]
    for i in range(1, steps - 1):
        t = i / (steps - 1)
        target = _target(index, [va, vb], [1.0 - t, t], method)
        scores = index.scores(target, method)
        prev = path[-1]
        scores = scores + smoothness * index.scores(index.vector(prev, method), method)
        rf = ResultFilter(meta, f, query=path + [int(end)])
        prev_artist = int(meta.artist[prev])
        def spaced(p: int, rf: ResultFilter = rf, prev_artist: int = prev_artist) -> bool:
            return (prev_artist < 0 or int(meta.artist[p]) != prev_artist) and rf.accept(p)

        found = list(ranked_accept(scores, 1, spaced))
        if not found:
            rf = ResultFilter(meta, f, query=path + [int(end)])
            found = list(ranked_accept(scores, 1, rf.accept))
        if not found:
            break
        path.append(found[0][0])
    path.append(int(end))
    return path
