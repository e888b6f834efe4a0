"""A 2-D map of a library in which nearby tracks sound alike: pure numpy.

:func:`layout` is a neighbour-graph embedding in the family of LargeVis and UMAP,
written for numpy's whole-array operations instead of per-edge loops:

1. the *k* nearest neighbours of every track in the hybrid space (:func:`knn`: exact
   by blocked matrix products up to :data:`EXACT_KNN_UP_TO` tracks, above that among
   the members of the nearest few of ~√n k-means cells);
2. a start from the first two principal components (so the map keeps PCA's global
   arrangement, and two runs on the same library agree);
3. ``epochs`` rounds of gradient steps on UMAP's cross-entropy: every neighbour pair
   pulls together with the low-dimensional kernel ``1 / (1 + a·d^(2b))``, every pair of
   a track and ``negatives`` random tracks pushes apart; all pairs are updated at once
   each round (the sums by :func:`numpy.bincount`), the step shrinking linearly to 0.

The result is scaled to the unit square like :func:`pca_2d`. ``progress`` and ``cancel``
callbacks let a caller report and stop a long run. :func:`place` puts new tracks at the
mean position of their nearest laid-out neighbours (for tracks analysed after the last
full layout). :func:`neighbour_preservation` is the measure the benchmark reports.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EXACT_KNN_UP_TO = 20_000
STEP = 4.0  # step size per round (times the mean pair gradient)
EDGE_CHUNK = 65_536  # neighbour pairs per vectorised pass
# UMAP's curve for min_dist = 0.1, spread = 1 (fitted there by least squares)
CURVE_A, CURVE_B = 1.577, 0.895


class LayoutCancelled(Exception):
    """The ``cancel`` callback of :func:`layout` returned True."""


def pca_2d(vectors: np.ndarray, *, chunk: int = 4096) -> np.ndarray:
    """First two principal components of *vectors* (n, d), each column standardised first;
    unscaled, shape (n, 2).

    Computed from the (d, d) covariance, *chunk* rows at a time in float64, so the memory
    is that of the (n, 2) result, not of a float64 copy of the vectors and their SVD (a
    memory-mapped index stays on disk). Each axis's sign is fixed: its largest component
    is positive.
    """
    n = len(vectors)
    if n < 2:
        return np.zeros((n, 2), np.float64)
    d = vectors.shape[1]
    total = np.zeros(d)
    for s in range(0, n, chunk):
        total += vectors[s:s + chunk].sum(axis=0, dtype=np.float64)
    mean = total / n
    sq = np.zeros(d)
    for s in range(0, n, chunk):
        sq += ((vectors[s:s + chunk].astype(np.float64) - mean) ** 2).sum(axis=0)
    scale = np.sqrt(sq / n) + 1e-6
    cov = np.zeros((d, d))
    for s in range(0, n, chunk):
        z = (vectors[s:s + chunk].astype(np.float64) - mean) / scale
        cov += z.T @ z
    evals, evecs = np.linalg.eigh(cov)
    axes = evecs[:, np.argsort(evals)[::-1][:2]]
    axes *= np.where(axes[np.argmax(np.abs(axes), axis=0), range(axes.shape[1])] < 0, -1, 1)
    xy = np.empty((n, 2))
    xy[:, axes.shape[1]:] = 0.0
    for s in range(0, n, chunk):
        z = (vectors[s:s + chunk].astype(np.float64) - mean) / scale
        xy[s:s + chunk, :axes.shape[1]] = z @ axes
    return xy


def unit_square(xy: np.ndarray, *, robust: bool = True) -> np.ndarray:
    """*xy* (n, 2) scaled to [0, 1]², the aspect kept (the larger extent fills 0–1,
    the smaller is centred). With *robust* (from 50 points) the 1st–99th percentiles
    are the frame and the few outliers are clipped onto its border. Degenerate input
    (one point, identical points) lands on the centre."""
    n = len(xy)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    xy = np.asarray(xy, np.float64)
    if robust and n >= 50:
        lo, hi = np.percentile(xy, 1, axis=0), np.percentile(xy, 99, axis=0)
    else:
        lo, hi = xy.min(axis=0), xy.max(axis=0)
    extent = float((hi - lo).max())
    if not np.isfinite(extent) or extent <= 1e-12:
        return np.full((n, 2), 0.5, np.float32)
    centre = (lo + hi) / 2
    scaled = (xy - centre) / extent + 0.5
    return np.clip(scaled, 0.0, 1.0).astype(np.float32)


def knn(vectors: np.ndarray, k: int, *, block: int = 256,
        exact_up_to: int = EXACT_KNN_UP_TO, rng: np.random.Generator | None = None,
        cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """Indices (n, k) of each row's *k* most similar other rows by dot product (cosine
    for unit rows), most similar first. Exact up to *exact_up_to* rows; above, searched
    among the rows of the 3 k-means cells whose centres are nearest (most true
    neighbours, at a few per cent of the cost)."""
    x = np.ascontiguousarray(vectors, np.float32)
    n = len(x)
    k = min(k, n - 1)
    if k <= 0:
        return np.zeros((n, 0), np.int64)
    if n <= exact_up_to:
        return _knn_among(x, np.arange(n), np.arange(n), k, block, cancel)
    rng = rng if rng is not None else np.random.default_rng(0)
    cells = max(2, int(np.sqrt(n)))
    centres = _kmeans(x, cells, rng)
    assign = np.argmax(x @ centres.T, axis=1)
    near = np.argsort(-(centres @ centres.T), axis=1)[:, :3]
    out = np.empty((n, k), np.int64)
    members = [np.flatnonzero(assign == c) for c in range(cells)]
    for c in range(cells):
        if cancel is not None and cancel():
            raise LayoutCancelled
        q = members[c]
        if not len(q):
            continue
        cand = np.concatenate([members[j] for j in near[c]])
        if len(cand) <= k:  # a tiny cell among tiny cells: search everything
            cand = np.arange(n)
        out[q] = _knn_among(x, q, cand, k, block, None)
    return out


def _knn_among(x: np.ndarray, queries: np.ndarray, cand: np.ndarray, k: int, block: int,
               cancel: Callable[[], bool] | None) -> np.ndarray:
    """The *k* best of *cand* for each row of *queries* (itself excluded)."""
    kk = min(k, len(cand) - 1)
    out = np.empty((len(queries), k), np.int64)
    xc = x[cand]
    for s in range(0, len(queries), block):
        if cancel is not None and cancel():
            raise LayoutCancelled
        q = queries[s:s + block]
        sims = x[q] @ xc.T
        sims[cand[None, :] == q[:, None]] = -np.inf  # not your own neighbour
        part = np.argpartition(-sims, kk, axis=1)[:, :kk]
        order = np.argsort(-np.take_along_axis(sims, part, axis=1), axis=1)
        best = cand[np.take_along_axis(part, order, axis=1)]
        if kk < k:  # fewer candidates than k: repeat the last
            best = np.hstack([best, np.repeat(best[:, -1:], k - kk, axis=1)])
        out[s:s + block] = best
    return out


def _kmeans(x: np.ndarray, cells: int, rng: np.random.Generator, iters: int = 4) -> np.ndarray:
    """Spherical k-means centres (cells, d) from a sample of *x*."""
    sample = x[rng.choice(len(x), size=min(len(x), cells * 40), replace=False)]
    centres = sample[rng.choice(len(sample), size=cells, replace=False)].copy()
    for _ in range(iters):
        a = np.argmax(sample @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, a, sample)
        empty = np.bincount(a, minlength=cells) == 0
        sums[empty] = sample[rng.choice(len(sample), size=int(empty.sum()))]
        centres = sums / (np.linalg.norm(sums, axis=1, keepdims=True) + 1e-12)
    return centres.astype(np.float32)


def layout(vectors: np.ndarray, *, k: int = 15, epochs: int | None = None,
           negatives: int = 5, seed: int = 0,
           progress: Callable[[float], None] | None = None,
           cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """Map *vectors* (n, d) (unit rows, as the similarity index holds them) to
    [0, 1]², shape (n, 2) float32, keeping each track's neighbours near it.

    Parameters
    ----------
    k : int
        Neighbours per track in the graph.
    epochs : int, optional
        Rounds of updates (default 300 below 10,000 tracks, 200 above).
    negatives : int
        Random pushes per neighbour pair and round.
    progress : callable, optional
        ``progress(fraction)`` now and then, 0 … 1.
    cancel : callable, optional
        Polled between rounds; when it returns True, :class:`LayoutCancelled` is raised.

    Fewer than 4 tracks, or tracks all alike, get the PCA positions (centred).
    """
    x = np.asarray(vectors, np.float32)
    n = len(x)
    if n < 4:
        return unit_square(pca_2d(x), robust=False)
    rng = np.random.default_rng(seed)
    nbrs = knn(x, k, rng=rng, cancel=cancel)
    if progress is not None:
        progress(0.2)
    init = pca_2d(x)
    spread = init.std(axis=0)
    if not np.all(spread > 1e-9):  # all alike (or on a line): a small random cloud
        init = init + rng.normal(scale=1e-3, size=init.shape)
        spread = init.std(axis=0)
    y = (init / spread.max() * 3.0).astype(np.float32)
    head = np.repeat(np.arange(n), nbrs.shape[1])
    tail = nbrs.ravel()
    keep = head != tail
    head, tail = head[keep], tail[keep]
    epochs = epochs if epochs is not None else (300 if n < 10_000 else 200)
    # each track's update is the mean over its pairs (a Jacobi version of UMAP's
    # per-edge steps: a sum would make hubs jump)
    deg = np.bincount(head, minlength=n) + np.bincount(tail, minlength=n)
    step = (STEP / np.maximum(deg, 1)).astype(np.float32)[:, None]
    for e in range(epochs):
        if cancel is not None and cancel():
            raise LayoutCancelled
        grad = np.zeros((n, 2), np.float64)
        for s in range(0, len(head), EDGE_CHUNK):  # bounded memory at any size
            _edge_gradients(grad, y, head[s:s + EDGE_CHUNK], tail[s:s + EDGE_CHUNK],
                            negatives, rng)
        y += (1.0 - e / epochs) * step * grad.astype(np.float32)
        if progress is not None and e % 10 == 0:
            progress(0.2 + 0.8 * e / epochs)
    if progress is not None:
        progress(1.0)
    return unit_square(y)


def _edge_gradients(grad: np.ndarray, y: np.ndarray, head: np.ndarray, tail: np.ndarray,
                    negatives: int, rng: np.random.Generator) -> None:
    """Add one round's gradient of these neighbour pairs, and of *negatives* random
    pairs per head, to *grad* (n, 2)."""
    a, b = CURVE_A, CURVE_B
    n = len(y)
    # attraction along the neighbour edges (both ends move)
    diff = y[head] - y[tail]
    d2 = np.einsum("ij,ij->i", diff, diff)
    pos = d2 > 0
    coef = np.zeros_like(d2)
    coef[pos] = -2 * a * b * d2[pos] ** (b - 1) / (1 + a * d2[pos] ** b)
    g = np.clip(coef[:, None] * diff, -4, 4)
    _accumulate(grad, head, g)
    _accumulate(grad, tail, -g)
    # repulsion from random tracks (only the head moves, as in UMAP)
    rep_head = np.repeat(head, negatives)
    rep_tail = rng.integers(0, n, size=len(rep_head))
    diff = y[rep_head] - y[rep_tail]
    d2 = np.einsum("ij,ij->i", diff, diff)
    coef = 2 * b / ((0.001 + d2) * (1 + a * d2 ** b))
    coef[rep_head == rep_tail] = 0
    _accumulate(grad, rep_head, np.clip(coef[:, None] * diff, -4, 4))


def _accumulate(out: np.ndarray, index: np.ndarray, values: np.ndarray) -> None:
    n = len(out)
    out[:, 0] += np.bincount(index, weights=values[:, 0], minlength=n)
    out[:, 1] += np.bincount(index, weights=values[:, 1], minlength=n)


def place(new_vectors: np.ndarray, vectors: np.ndarray, xy: np.ndarray, *,
          k: int = 5) -> np.ndarray:
    """Positions (m, 2) for *new_vectors* (m, d) on a map *xy* (n, 2) of *vectors*
    (n, d): the mean position of each new track's *k* most similar laid-out tracks."""
    new = np.asarray(new_vectors, np.float32)
    if len(new) == 0:
        return np.zeros((0, 2), np.float32)
    if len(vectors) == 0:
        return np.full((len(new), 2), 0.5, np.float32)
    base = np.asarray(vectors, np.float32)
    k = min(k, len(base))
    out = np.empty((len(new), 2), np.float32)
    for s in range(0, len(new), 1024):
        sims = new[s:s + 1024] @ base.T
        best = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        out[s:s + 1024] = np.asarray(xy, np.float32)[best].mean(axis=1)
    return out


def neighbour_preservation(vectors: np.ndarray, xy: np.ndarray, *, k: int = 10,
                           queries: np.ndarray | None = None) -> float:
    """Mean share of each track's *k* nearest neighbours by cosine in *vectors* that are
    among its *k* nearest on the map *xy* (Euclidean); over *queries* (row indices,
    default all)."""
    x = np.asarray(vectors, np.float32)
    pts = np.asarray(xy, np.float64)
    n = len(x)
    k = min(k, n - 1)
    if k <= 0:
        return 1.0
    q = np.arange(n) if queries is None else np.asarray(queries)
    sq = (pts ** 2).sum(axis=1)
    tie = np.random.default_rng(0)
    total = 0.0
    for s in range(0, len(q), 256):
        rows = q[s:s + 256]
        sims = x[rows] @ x.T
        sims[np.arange(len(rows)), rows] = -np.inf
        true = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        d = sq[rows, None] - 2 * pts[rows] @ pts.T + sq[None, :]
        d[np.arange(len(rows)), rows] = np.inf
        # ties on the map (identical points) are broken at random, not by index
        d += tie.random(d.shape) * 1e-12
        mapped = np.argpartition(d, k - 1, axis=1)[:, :k]
        hit = (true[:, :, None] == mapped[:, None, :]).any(axis=2)
        total += float(hit.sum()) / k
    return total / len(q)
