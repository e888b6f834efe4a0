"""engine/layout.py: the map layout keeps neighbours together and survives bad input."""

from __future__ import annotations

import numpy as np
import pytest

from soundalike.engine import layout as L


def clustered(rng, n=300, clusters=6, d=64, noise=0.35):
    centres = rng.normal(size=(clusters, d))
    label = rng.integers(0, clusters, n)
    x = centres[label] + noise * rng.normal(size=(n, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), label


def test_layout_keeps_neighbours_far_better_than_pca(rng):
    x, label = clustered(rng)
    xy = L.layout(x)
    assert xy.shape == (300, 2) and xy.dtype == np.float32
    assert xy.min() >= 0 and xy.max() <= 1 and np.isfinite(xy).all()
    ours = L.neighbour_preservation(x, xy)
    pca = L.neighbour_preservation(x, L.unit_square(L.pca_2d(x)))
    assert ours > pca + 0.15 and ours > 0.35
    # clusters are readable: a track's 10 nearest on the map are mostly its own cluster
    d = ((xy[:, None] - xy[None]) ** 2).sum(axis=2)
    np.fill_diagonal(d, np.inf)
    near = np.argsort(d, axis=1)[:, :10]
    assert (label[near] == label[:, None]).mean() > 0.9


def test_layout_is_reproducible(rng):
    x, _ = clustered(rng, n=120)
    assert np.array_equal(L.layout(x, epochs=50), L.layout(x, epochs=50))


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_tiny_libraries(n, rng):
    x = rng.normal(size=(n, 8)).astype(np.float32)
    xy = L.layout(x)
    assert xy.shape == (n, 2) and np.isfinite(xy).all()
    assert ((xy >= 0) & (xy <= 1)).all()
    if n == 1:
        assert xy.tolist() == [[0.5, 0.5]]
    if n >= 2:
        assert len({tuple(p) for p in xy.round(4).tolist()}) == n  # distinct dots


def test_identical_vectors_give_finite_positions(rng):
    x = np.tile(rng.normal(size=(1, 16)).astype(np.float32), (40, 1))
    xy = L.layout(x, epochs=30)
    assert xy.shape == (40, 2) and np.isfinite(xy).all()
    assert ((xy >= 0) & (xy <= 1)).all()
    same = np.tile(np.float32([[1.0, 0.0]]), (3, 1))
    assert L.layout(same).tolist() == [[0.5, 0.5]] * 3


def test_progress_and_cancel(rng):
    x, _ = clustered(rng, n=200)
    seen = []
    L.layout(x, epochs=40, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 3
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(L.LayoutCancelled):
        L.layout(x, epochs=1000, cancel=cancel)
    assert len(calls) == 6  # stopped at once, not after 1000 rounds


def test_approximate_knn_finds_most_true_neighbours(rng):
    x, _ = clustered(rng, n=3000, clusters=30, d=32, noise=0.5)
    exact = L.knn(x, 10)
    approx = L.knn(x, 10, exact_up_to=100)
    assert approx.shape == exact.shape == (3000, 10)
    assert not (approx == np.arange(3000)[:, None]).any()  # never its own neighbour
    recall = np.mean([len(np.intersect1d(a, b)) / 10 for a, b in zip(approx, exact,
                                                                        strict=True)])
    assert recall > 0.8
    sims = (x[:5] @ x.T)
    np.fill_diagonal(sims[:, :5], -np.inf)
    assert set(exact[0]) == set(np.argsort(-sims[0])[:10])


def test_place_puts_new_tracks_among_their_neighbours(rng):
    x, label = clustered(rng, n=200)
    xy = L.layout(x, epochs=100)
    new = x[:3] + 0.01 * rng.normal(size=(3, x.shape[1])).astype(np.float32)
    where = L.place(new, x, xy, k=5)
    for i in range(3):
        mates = xy[label == label[i]]
        others = xy[label != label[i]]
        to_mates = np.linalg.norm(mates - where[i], axis=1).mean()
        to_others = np.linalg.norm(others - where[i], axis=1).mean()
        assert to_mates < 0.5 * to_others
    assert L.place(new[:0], x, xy).shape == (0, 2)
    assert L.place(new, x[:0], xy[:0]).tolist() == [[0.5, 0.5]] * 3


def test_neighbour_preservation_extremes(rng):
    x, _ = clustered(rng, n=100, d=2, noise=0.3)
    pts = np.asarray(x, np.float64)  # the map *is* the space (unit circle, so cosine
    assert L.neighbour_preservation(x, pts) > 0.95  # order = Euclidean order)
    assert L.neighbour_preservation(x, rng.permutation(pts)) < 0.3


def test_the_pca_preview_separates_clusters_inside_the_unit_square():
    """The map's first picture (before the full layout): PCA scaled into [0, 1]²."""
    rng = np.random.default_rng(1)
    a = rng.normal(0, 0.1, (20, 50)) + 5
    b = rng.normal(0, 0.1, (20, 50)) - 5
    xy = L.unit_square(L.pca_2d(np.vstack([a, b])))
    assert xy.shape == (40, 2) and xy.min() >= 0 and xy.max() <= 1
    # the first axis separates the two clusters; each cluster stays tight along it
    gap = abs(xy[:20, 0].mean() - xy[20:, 0].mean())
    spread = max(xy[:20, 0].std(), xy[20:, 0].std())
    assert gap > 0.9 and gap > 20 * spread
    assert L.unit_square(L.pca_2d(np.zeros((0, 5)))).shape == (0, 2)
