"""Library mixes: the analysed library grouped into regions of like-sounding songs, each
named from what its songs share (issue 24). Pure numpy.

:func:`cluster` is the shipped grouping (chosen by the pre-registered comparison in
benchmarks/experiments/discovery_experiment.py): spherical k-means (cosine) on the
hybrid track vectors (best of :data:`STARTS` starts; fitted on a sample of
:data:`FIT_SAMPLE` in bigger libraries); *k* between :data:`K_MIN` and :data:`K_MAX` is
the one with the best mean cosine silhouette on a sample of up to :data:`SAMPLE` tracks
(so the number of mixes follows the library's own structure); groups under
:data:`MIN_SIZE` songs join the nearest other group. :func:`kmeans` (Euclidean) and
:func:`top_tag_groups` are the comparison's baselines.

:func:`name_mixes` names each group from the tag words whose mean probability in the
group stands furthest above the library's (in library standard deviations): a mood or
tempo word, an instrument and a style — ``"calm piano · ambient"`` — and makes the
names distinct by adding the next telling word where two would be equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

K_MIN, K_MAX = 6, 24
SAMPLE = 2000
MIN_SIZE = 3
ITERATIONS = 30
#: k-means++ starts per fit (the best is kept)
STARTS = 3
#: above this many tracks the groups are fitted on a sample and every track assigned
FIT_SAMPLE = 50000
#: a word names a mix only when the group's mean lies this many library standard
#: deviations above the library's mean
NAME_Z = 0.5


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 1e-9, n, 1.0)


#: rows per block when every track is assigned (bounds the temporaries: 64k × 128 floats)
CHUNK = 65536


def _unit_if_needed(x: np.ndarray) -> np.ndarray:
    """*x* as float32 unit rows: itself (no copy) when it already is, checked on a sample."""
    x = np.asarray(x)
    if x.dtype == np.float32 and x.ndim == 2 and len(x):
        probe = x[:: max(1, len(x) // 1000)]
        if np.allclose(np.linalg.norm(probe, axis=1), 1.0, atol=1e-3):
            return x
    return _unit(x)


def assign(x: np.ndarray, centroids: np.ndarray, chunk: int | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's nearest centroid by cosine and that cosine: ``(labels, scores)``, in
    blocks of *chunk* rows (default :data:`CHUNK`; unit rows and centroids assumed)."""
    chunk = chunk or CHUNK
    n = len(x)
    labels = np.empty(n, np.intp)
    scores = np.empty(n, np.float32)
    ct = np.ascontiguousarray(np.asarray(centroids, np.float32).T)
    for lo in range(0, n, chunk):
        s = np.asarray(x[lo:lo + chunk], np.float32) @ ct
        labels[lo:lo + chunk] = np.argmax(s, axis=1)
        scores[lo:lo + chunk] = s[np.arange(len(s)), labels[lo:lo + chunk]]
    return labels, scores


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _plus_plus(x: np.ndarray, k: int, rng: np.random.Generator, cosine: bool) -> np.ndarray:
    n = len(x)
    centres = [int(rng.integers(n))]
    d = 1.0 - x @ x[centres[0]] if cosine else ((x - x[centres[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        w = np.maximum(d, 0).astype(np.float64)
        c = int(rng.choice(n, p=w / w.sum())) if w.sum() > 0 else int(rng.integers(n))
        centres.append(c)
        nd = 1.0 - x @ x[c] if cosine else ((x - x[c]) ** 2).sum(axis=1)
        d = np.minimum(d, nd)
    return x[centres].copy()


def spherical_kmeans(x: np.ndarray, k: int, rng=None, iterations: int = ITERATIONS,
                     starts: int = STARTS) -> tuple[np.ndarray, np.ndarray]:
    """Labels (n,) and unit centroids (k, d) of cosine k-means on the rows of *x*, the
    best (highest total cosine to the centroids) of *starts* k-means++ starts."""
    x = _unit_if_needed(x)
    rng = _rng(rng)
    best, best_fit = None, -np.inf
    for _ in range(max(1, starts)):
        labels, c = _spherical_once(x, k, rng, iterations)
        fit = float((x * c[labels]).sum())
        if fit > best_fit:
            best, best_fit = (labels, c), fit
    return best


def _spherical_once(x, k, rng, iterations):
    return _lloyd(x, k, rng, iterations, cosine=True)


def _lloyd(x: np.ndarray, k: int, rng: np.random.Generator, iterations: int, *,
           cosine: bool) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's iterations from a k-means++ start: cosine (unit rows, centroids the
    normalised sums) or Euclidean (centroids the means). An empty group takes the row
    furthest from its centroid (cosine) or keeps its centroid (Euclidean)."""
    k = max(1, min(int(k), len(x)))
    c = _plus_plus(x, k, rng, cosine=cosine)
    labels = np.zeros(len(x), np.intp)
    sq = None if cosine else (x ** 2).sum(axis=1)
    for it in range(iterations):
        if cosine:
            new = np.argmax(x @ c.T, axis=1)
        else:
            new = np.argmin(sq[:, None] - 2 * x @ c.T + (c ** 2).sum(axis=1)[None, :], axis=1)
        if it and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                c[j] = members.sum(axis=0) if cosine else members.mean(axis=0)
            elif cosine:
                c[j] = x[int(np.argmin((x * c[labels]).sum(axis=1)))]
        if cosine:
            c = _unit(c)
    return labels, c


def kmeans(x: np.ndarray, k: int, rng=None, iterations: int = ITERATIONS) -> np.ndarray:
    """Labels of Euclidean k-means (k-means++ start) on the rows of *x*."""
    return _lloyd(np.asarray(x, np.float32), k, _rng(rng), iterations, cosine=False)[0]


def top_tag_groups(tags: np.ndarray) -> np.ndarray:
    """Each row in the group of its most probable tag (column index)."""
    return np.argmax(np.asarray(tags), axis=1)


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean cosine silhouette of *labels* over the rows of *x* (0 for one group)."""
    x = _unit(x)
    groups = np.unique(labels)
    if len(groups) < 2:
        return 0.0
    d = 1.0 - x @ x.T
    onehot = (labels[:, None] == groups[None, :]).astype(np.float32)
    sums = d @ onehot
    counts = onehot.sum(axis=0)
    own = np.searchsorted(groups, labels)
    n_own = counts[own]
    a = np.where(n_own > 1, sums[np.arange(len(x)), own] / np.maximum(n_own - 1, 1), 0.0)
    other = sums / counts[None, :]
    other[np.arange(len(x)), own] = np.inf
    b = other.min(axis=1)
    s = np.where(n_own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-9), 0.0)
    return float(s.mean())


def choose_k(x: np.ndarray, rng=None, k_min: int = K_MIN, k_max: int = K_MAX,
             sample: int = SAMPLE) -> int:
    """The k in ``[k_min, k_max]`` with the best mean silhouette on a sample (fewer
    for a library too small to have ``k_min`` groups of :data:`MIN_SIZE`)."""
    rng = _rng(rng)
    n = len(x)
    top = min(k_max, n // MIN_SIZE)
    if top < k_min:
        return max(1, top)
    idx = rng.choice(n, sample, replace=False) if n > sample else np.arange(n)
    xs = _unit(np.asarray(x)[idx])
    best, best_s = k_min, -np.inf
    for k in range(k_min, top + 1):
        labels, _ = spherical_kmeans(xs, k, np.random.default_rng(k))
        s = silhouette(xs, labels)
        if s > best_s + 1e-6:
            best, best_s = k, s
    return best


def cluster(x: np.ndarray, rng=None, *, k: int | None = None, k_min: int = K_MIN,
            k_max: int = K_MAX) -> tuple[np.ndarray, np.ndarray]:
    """The shipped grouping: ``(labels, unit centroids)``, groups numbered by size
    (largest first), none under :data:`MIN_SIZE` songs (when the library allows).

    Bounded memory in big libraries: unit rows are used as they are (no copy), the groups
    are fitted on a sample of :data:`FIT_SAMPLE` rows and every row is assigned in blocks
    (:func:`assign`), so only the labels grow with the library."""
    rng = _rng(rng)
    x = _unit_if_needed(x)
    if len(x) == 0:
        return np.zeros(0, np.intp), np.zeros((0, x.shape[1] if x.ndim == 2 else 0),
                                               np.float32)
    if k is None:
        k = choose_k(x, rng, k_min, k_max)
    if len(x) > FIT_SAMPLE:
        fit_on = x[np.sort(rng.choice(len(x), FIT_SAMPLE, replace=False))]
        _, c = spherical_kmeans(fit_on, k, rng)
        del fit_on
        labels = assign(x, c)[0]
    else:
        labels, c = spherical_kmeans(x, k, rng)
    # small groups join the nearest other group
    while True:
        sizes = np.bincount(labels, minlength=len(c))
        small = [j for j in range(len(c)) if 0 < sizes[j] < MIN_SIZE]
        if not small or len(c) <= 1:
            break
        j = small[0]
        keep = np.array([i for i in range(len(c)) if i != j])
        c = c[keep]
        labels = assign(x, c)[0]
    sizes = np.bincount(labels, minlength=len(c))
    order = np.array([o for o in np.argsort(-sizes, kind="stable") if sizes[o] > 0], np.intp)
    c = c[order]
    remap = np.full(len(sizes), -1, np.intp)
    remap[order] = np.arange(len(order))
    labels = remap[labels]
    return labels, _unit(c)


def name_mixes(z: np.ndarray, words: Sequence[str], kinds: Mapping[str, str],
               z_min: float = NAME_Z) -> list[str]:
    """Plain names for groups from their tag z-scores.

    Parameters
    ----------
    z : np.ndarray, shape (k, len(words))
        Per group and word: (group mean − library mean) / library standard deviation.
    words : sequence of str
        The words (each once).
    kinds : mapping
        Word → ``"mood"``, ``"instrument"`` or ``"style"``; other words are not used.

    Returns
    -------
    list of str
        ``"calm piano · ambient"``; distinct (a name that would repeat gets the next
        telling word, and a number as a last resort).
    """
    z = np.asarray(z, np.float64)
    cols = {kind: [i for i, w in enumerate(words) if kinds.get(w) == kind]
            for kind in ("mood", "instrument", "style")}

    def ranked(g: int) -> list[tuple[float, str, str]]:
        out = [(z[g, i], words[i], kind) for kind, ix in cols.items() for i in ix
               if z[g, i] >= z_min]
        return sorted(out, key=lambda t: -t[0])

    def compose(parts: dict[str, str], extra: list[str]) -> str:
        head = " ".join(p for p in (parts.get("mood"), parts.get("instrument")) if p)
        tail = [p for p in (parts.get("style"),) if p] + extra
        name = " · ".join([x for x in [head] if x] + tail)
        return name or "mixed"

    names, spare = [], []
    for g in range(len(z)):
        parts: dict[str, str] = {}
        rest = []
        for _, word, kind in ranked(g):
            if kind not in parts:
                parts[kind] = word
            else:
                rest.append(word)
        names.append([parts, []])
        spare.append(rest)
    final = [compose(p, e) for p, e in names]
    for _ in range(4):   # add words where names repeat
        dup = {n for n in final if final.count(n) > 1}
        if not dup:
            break
        for g, n in enumerate(final):
            if n in dup and spare[g]:
                names[g][1].append(spare[g].pop(0))
                final[g] = compose(*names[g])
    repeated = {n for n in final if final.count(n) > 1}
    seen: dict[str, int] = {}
    for g, n in enumerate(final):
        if n in repeated:
            seen[n] = seen.get(n, 0) + 1
            final[g] = f"{n} {seen[n]}"
    return final
