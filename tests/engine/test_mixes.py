"""Library mixes' grouping and names (pure numpy)."""

import numpy as np

from soundalike.engine import mixes as mx


def _blobs(rng, k, per=40, d=16, spread=0.25):
    centres = rng.normal(size=(k, d))
    x = np.vstack([c + spread * rng.normal(size=(per, d)) for c in centres])
    return x.astype(np.float32), np.repeat(np.arange(k), per)


def test_cluster_finds_the_librarys_own_number_of_groups(rng):
    x, truth = _blobs(rng, 9)
    labels, cents = mx.cluster(x, 0)
    assert len(cents) == 9
    for j in range(9):   # each found group is one true group
        assert len(set(truth[labels == j])) == 1
    sizes = np.bincount(labels)
    assert list(sizes) == sorted(sizes, reverse=True)


def test_the_number_stays_between_6_and_24_and_small_groups_merge(rng):
    x, _ = _blobs(rng, 2, per=60)
    assert 6 <= len(mx.cluster(x, 0)[1]) <= 24     # two blobs: still at least 6 mixes
    x, _ = _blobs(rng, 40, per=8)
    labels, cents = mx.cluster(x, 0)
    assert len(cents) <= 24 and np.bincount(labels).min() >= mx.MIN_SIZE
    tiny = rng.normal(size=(10, 4))
    assert len(mx.cluster(tiny, 0)[1]) == 3        # a tiny library: fewer, none under 3


def test_silhouette_prefers_the_true_grouping(rng):
    x, truth = _blobs(rng, 4)
    assert mx.silhouette(x, truth) > mx.silhouette(x, rng.permutation(truth)) + 0.3
    assert mx.silhouette(x, np.zeros(len(x), int)) == 0.0


def test_baselines_kmeans_and_top_tag(rng):
    x, truth = _blobs(rng, 5, spread=0.1)
    labels = mx.kmeans(x, 5, rng=0)
    assert all(len(set(labels[truth == t])) == 1 for t in range(5))
    assert mx.top_tag_groups(np.array([[0.1, 0.9], [0.8, 0.2]])).tolist() == [1, 0]


def test_names_are_plain_and_distinct():
    words = ["calm", "piano", "ambient", "strings", "techno", "fast"]
    kinds = {"calm": "mood", "piano": "instrument", "ambient": "style",
             "strings": "instrument", "techno": "style", "fast": "mood"}
    z = np.array([[2.0, 1.5, 1.0, 0.6, 0, 0],     # calm piano · ambient
                  [2.0, 1.5, 1.0, 0.0, 0, 0.9],   # the same, then "fast" tells it apart
                  [0, 0, 0, 0, 2.0, 1.0],         # fast · techno
                  [0, 0, 0, 0, 0, 0]])            # nothing stands out
    names = mx.name_mixes(z, words, kinds)
    assert names[0].startswith("calm piano · ambient")
    assert names[2] == "fast · techno" and names[3] == "mixed"
    assert len(set(names)) == 4


def test_names_that_all_repeat_are_all_numbered():
    z = np.zeros((5, 2))          # nothing stands out anywhere: five "mixed"
    names = mx.name_mixes(z, ["calm", "piano"], {"calm": "mood", "piano": "instrument"})
    assert names == [f"mixed {i}" for i in range(1, 6)]


def test_big_libraries_fit_on_a_sample_and_assign_in_blocks(rng, monkeypatch):
    x, truth = _blobs(rng, 9, per=60)
    monkeypatch.setattr(mx, "FIT_SAMPLE", 200)    # fitted on 200 of the 540 rows
    monkeypatch.setattr(mx, "CHUNK", 64)          # assigned 64 rows at a time
    labels, cents = mx.cluster(x, 0)
    assert len(cents) == 9 and len(labels) == len(x)
    for j in range(9):
        assert len(set(truth[labels == j])) == 1
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    got, scores = mx.assign(unit, cents, chunk=50)
    assert np.array_equal(got, np.argmax(unit @ cents.T, axis=1))
    assert np.allclose(scores, (unit @ cents.T).max(axis=1), atol=1e-6)
