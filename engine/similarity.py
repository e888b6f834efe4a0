"""k-nearest neighbours over every analysed track, in memory.

Two methods:

``seed``
    The original method, kept as a baseline: Euclidean distance between the 28
    genre-probability vectors. Score = ``1 − distance / √2`` (√2 is the largest
    distance between two probability vectors).
``hybrid`` (default)
    Dot product of the unit track vectors of :mod:`soundalike.engine.vectors`
    (a weighted sum of embedding, tag and DSP cosines). Score in [−1, 1].

Both are a single matrix–vector product over a float32 matrix followed by a partial
sort; candidates are then walked in rank order through a caller-supplied acceptance
test (the result filters), fetching more candidates only when the filters ate them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

METHODS = ("hybrid", "seed")
DEFAULT_METHOD = "hybrid"
_SQRT2 = float(np.sqrt(2.0))


class SimilarityIndex:
    """Track vectors of a library, row *i* ↔ ``ids[i]``.

    Parameters
    ----------
    ids : array-like of int, shape (n,)
        Track ids, unique.
    hybrid : np.ndarray, shape (n, d), float32
        Unit track vectors (:meth:`VectorModel.transform`).
    genres : np.ndarray, shape (n, g), float32
        Genre-probability vectors for the ``seed`` method.
    """

    def __init__(self, ids: Sequence[int], hybrid: np.ndarray, genres: np.ndarray):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.hybrid = np.ascontiguousarray(hybrid, dtype=np.float32)
        self.genres = np.ascontiguousarray(genres, dtype=np.float32)
        n = len(self.ids)
        if self.hybrid.shape[0] != n or self.genres.shape[0] != n:
            raise ValueError("ids, hybrid and genre matrices must have the same rows")
        self._genre_sq = np.einsum("ij,ij->i", self.genres, self.genres)
        self._pos = {int(t): i for i, t in enumerate(self.ids)}
        if len(self._pos) != n:
            raise ValueError("track ids must be unique")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """Memory held by the matrices and id arrays (bytes)."""
        return int(self.ids.nbytes + self.hybrid.nbytes + self.genres.nbytes
                   + self._genre_sq.nbytes)

    def position(self, track_id: int) -> int | None:
        """Row of *track_id*, or None when it is not indexed."""
        return self._pos.get(int(track_id))

    def vector(self, positions: Sequence[int] | int, method: str = DEFAULT_METHOD) -> np.ndarray:
        """Query vector for one or several rows (their normalised mean for several)."""
        pos = np.atleast_1d(np.asarray(positions, dtype=np.int64))
        if method == "hybrid":
            v = self.hybrid[pos].mean(axis=0)
            n = float(np.linalg.norm(v))
            return (v / n if n > 1e-9 else v).astype(np.float32)
        if method == "seed":
            return self.genres[pos].mean(axis=0).astype(np.float32)
        raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")

    def scores(self, query: np.ndarray, method: str = DEFAULT_METHOD) -> np.ndarray:
        """Similarity of every row to the query vector (higher is closer).

        Returns
        -------
        np.ndarray, shape (n,), float32
        """
        q = np.asarray(query, dtype=np.float32)
        if method == "hybrid":
            return self.hybrid @ q
        if method == "seed":
            return seed_scores(self.genres @ q, self._genre_sq, q)
        raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")

    def search(self, query: np.ndarray, k: int, *, method: str = DEFAULT_METHOD,
               accept: Callable[[int], bool] | None = None,
               scores: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The *k* best rows that *accept* lets through, best first.

        Parameters
        ----------
        query : np.ndarray
            Query vector for *method* (:meth:`vector`).
        k : int
            Number of results wanted.
        method : {"hybrid", "seed"}
        accept : callable, optional
            ``accept(position) -> bool``, called in rank order (it may keep state,
            e.g. per-artist counts); everything is accepted when omitted.
        scores : np.ndarray, optional
            Precomputed :meth:`scores` (e.g. a blended radio target).

        Returns
        -------
        list of (position, score)
        """
        s = self.scores(query, method) if scores is None else scores
        return list(ranked_accept(s, k, accept))


def seed_scores(dots: np.ndarray, genre_sq: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The seed method's scores from the genre vectors' dot products with *q* and their
    squared norms: ``1 − distance / √2``."""
    d2 = genre_sq - 2.0 * dots + float(q @ q)
    return (1.0 - np.sqrt(np.maximum(d2, 0.0)) / _SQRT2).astype(np.float32)


def ranked_accept(scores: np.ndarray, k: int,
                  accept: Callable[[int], bool] | None = None) -> Iterable[tuple[int, float]]:
    """Yield up to *k* ``(position, score)`` in decreasing score that *accept* lets through.

    A partial sort of the best ``4k + 32`` candidates is enough unless the filter
    rejects most of them; then the window grows fourfold each time.
    """
    n = len(scores)
    if k <= 0 or n == 0:
        return
    found = 0
    seen: set[int] = set()
    m = min(n, 4 * k + 32)
    order: np.ndarray | None = None
    while True:
        if m >= n:
            order = np.argsort(-scores, kind="stable")
        else:
            part = np.argpartition(-scores, m - 1)[:m]
            order = part[np.argsort(-scores[part], kind="stable")]
        for pos in order:
            p = int(pos)
            if p in seen:
                continue
            seen.add(p)
            if accept is None or accept(p):
                yield p, float(scores[p])
                found += 1
                if found >= k:
                    return
        if m >= n:
            return
        m = min(n, m * 4)
