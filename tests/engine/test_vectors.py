"""Track vectors: block standardisation, weights, projection, serialisation."""

import numpy as np
import pytest

from soundalike.engine import vectors

NAMES = ("tempo_bpm", "key", "mode", "spectral_centroid_hz", "bass_ratio", "zcr")


def _library(rng, n=60):
    emb = np.abs(rng.normal(1.0, 0.3, (n, 200))) + 5.0  # large shared component, like ReLU outputs
    tags = rng.uniform(0.01, 0.6, (n, 50))
    feats = np.column_stack([rng.uniform(60, 180, n), rng.integers(0, 12, n),
                             rng.integers(0, 2, n), rng.uniform(500, 4000, n),
                             rng.uniform(0, 1, n), rng.uniform(0, .2, n)])
    return feats, tags, emb


def test_vectors_are_unit_and_dot_is_weighted_block_cosine(rng):
    feats, tags, emb = _library(rng)
    model = vectors.fit(feats, tags, emb, feature_names=NAMES, max_dims=10_000)
    v = model.transform(feats, tags, emb)
    assert v.shape == (60, model.dims) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    raw = model.raw_blocks(feats, tags, emb)
    # full-rank projection preserves the dot products of the raw (norm-1) vectors
    np.testing.assert_allclose(v @ v.T, raw @ raw.T, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(raw, axis=1), 1.0, atol=1e-5)


def test_centring_removes_the_shared_component(rng):
    feats, tags, emb = _library(rng)
    raw_cos = (emb / np.linalg.norm(emb, axis=1, keepdims=True))
    assert (raw_cos @ raw_cos.T).min() > 0.95  # raw embeddings all look alike
    model = vectors.fit(feats, tags, emb, feature_names=NAMES, weights={"tags": 0, "dsp": 0})
    v = model.transform(feats, tags, emb)
    off = (v @ v.T)[~np.eye(60, dtype=bool)]
    assert abs(off.mean()) < 0.1 and off.min() < 0


def test_weights_select_blocks(rng):
    feats, tags, emb = _library(rng)
    only_dsp = vectors.fit(feats, tags, emb, feature_names=NAMES,
                           weights={"embedding": 0, "tags": 0})
    a = only_dsp.transform(feats[:2], tags[:2], emb[:2])
    # changing embedding and tags does not move a dsp-only vector
    b = only_dsp.transform(feats[:2], rng.uniform(0, 1, (2, 50)), emb[:2] * 3)
    np.testing.assert_allclose(a, b, atol=1e-5)
    # key and mode never enter the vector
    f2 = feats[:2].copy()
    f2[:, 1:3] = [[7, 1], [3, 0]]
    np.testing.assert_allclose(only_dsp.transform(f2, tags[:2], emb[:2]), a, atol=1e-5)
    with pytest.raises(ValueError):
        vectors.normalised_weights({"embedding": -1})
    with pytest.raises(ValueError):
        vectors.normalised_weights({"colour": 1})


def test_projection_is_capped_and_keeps_most_variance(rng):
    feats, tags, emb = _library(rng, n=400)
    model = vectors.fit(feats, tags, emb, feature_names=NAMES, max_dims=32)
    assert model.dims == 32 and 0 < model.explained_variance <= 1
    v = model.transform(feats, tags, emb)
    assert v.shape == (400, 32)
    # each track is still its own nearest neighbour
    assert (np.argmax(v @ v.T, axis=1) == np.arange(400)).mean() > 0.95


def test_nan_features_and_constant_columns_do_not_break(rng):
    feats, tags, emb = _library(rng)
    feats[:, 5] = 0.1  # constant column
    feats[3, 0] = np.nan
    model = vectors.fit(feats, tags, emb, feature_names=NAMES)
    v = model.transform(feats, tags, emb)
    assert np.isfinite(v).all()


def test_model_round_trips_through_json_and_rejects_other_versions(rng):
    import json

    feats, tags, emb = _library(rng)
    model = vectors.fit(feats, tags, emb, feature_names=NAMES, weights={"dsp": 0.5})
    d = json.loads(json.dumps(model.to_dict()))
    back = vectors.VectorModel.from_dict(d)
    np.testing.assert_allclose(back.transform(feats, tags, emb), model.transform(feats, tags, emb),
                               atol=1e-5)
    assert back.fitted_on == 60 and back.weights == model.weights
    d["version"] = vectors.VECTOR_VERSION + 1
    with pytest.raises(ValueError, match="version"):
        vectors.VectorModel.from_dict(d)
    with pytest.raises(ValueError):
        vectors.VectorModel.from_dict({"version": vectors.VECTOR_VERSION})


def test_fit_rejects_mismatched_input(rng):
    feats, tags, emb = _library(rng)
    with pytest.raises(ValueError):
        vectors.fit(feats, tags[:5], emb, feature_names=NAMES)
    with pytest.raises(ValueError):
        vectors.fit(feats, tags, emb, feature_names=NAMES[:3])


def test_genre_vectors_sum_to_one():
    tags = np.zeros((2, 50), dtype=np.float32)
    tags[0, [0, 4]] = [0.6, 0.2]
    g = vectors.genre_vectors(tags, [0, 4, 9])
    np.testing.assert_allclose(g[0], [0.75, 0.25, 0.0], atol=1e-6)
    np.testing.assert_allclose(g[1], [1 / 3] * 3, atol=1e-6)  # nothing known: uniform


def test_feature_groups_weigh_groups_not_feature_counts(rng):
    feats, tags, emb = _library(rng)
    many = rng.normal(size=(60, 40))  # a big group of 40 features
    feats2 = np.hstack([feats, many])
    names = NAMES + tuple(f"cov_{i}" for i in range(40))
    groups = {"rhythm": ("tempo_bpm",), "timbre": names[3:], "tonal": ("key", "mode")}
    model = vectors.fit(feats2, tags, emb, feature_names=names, feature_groups=groups,
                        group_weights={"rhythm": 0.5, "timbre": 0.5},
                        weights={"embedding": 0, "tags": 0}, max_dims=10_000)
    raw = model.raw_blocks(feats2, tags, emb)
    # tempo alone carries half of the dsp block's squared norm, the 43 others the other half
    tempo_col = 0
    np.testing.assert_allclose(raw[:, 250 + tempo_col] ** 2, 0.5, atol=1e-5)
    back = vectors.VectorModel.from_dict(model.to_dict())
    np.testing.assert_allclose(back.transform(feats2, tags, emb),
                               model.transform(feats2, tags, emb), atol=1e-5)


def test_block_parts_weigh_each_model_equally_inside_its_block(rng):
    """MSD + MTT: dot = 0.25 cos(emb msd) + 0.25 cos(emb mtt) + 0.1 + 0.1 (tags) + 0.3 dsp."""
    n = 80
    feats = rng.normal(size=(n, 6))
    tags = rng.uniform(0.01, 0.99, size=(n, 8))
    emb = np.hstack([rng.normal(size=(n, 10)), 5 * rng.normal(size=(n, 30))])  # unequal sizes
    names = [f"f{i}" for i in range(6)]
    m = vectors.fit(feats, tags, emb, feature_names=names, emb_parts=(10, 30),
                    tag_parts=(4, 4), max_dims=1000)
    v = m.transform(feats, tags, emb)

    def z(x, mean, scale):
        return (x - mean) / scale

    def cos(x):
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        return x @ x.T

    ze = z(emb, m.emb_mean, m.emb_scale)
    zt = z(vectors._logit(tags), m.tag_mean, m.tag_scale)
    zf = np.clip(z(feats, m.dsp_median, m.dsp_scale), -4, 4)
    want = (0.25 * cos(ze[:, :10]) + 0.25 * cos(ze[:, 10:]) + 0.1 * cos(zt[:, :4])
            + 0.1 * cos(zt[:, 4:]) + 0.3 * cos(zf))
    np.testing.assert_allclose(v @ v.T, want / np.sqrt(np.outer(np.diag(want), np.diag(want))),
                               atol=2e-4)
    back = vectors.VectorModel.from_dict(m.to_dict())
    assert back.emb_parts == (10, 30) and back.tag_parts == (4, 4)
    np.testing.assert_allclose(back.transform(feats, tags, emb), v, atol=1e-6)
    with pytest.raises(ValueError, match="parts"):
        vectors.fit(feats, tags, emb, feature_names=names, emb_parts=(10, 20))


def _units(n, d=8, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_context_groups_pair_album_and_artist_tags():
    g = vectors.context_groups(["A", "A ", "B", "A", None, "A"],
                           ["X", "X", "X", "", "X", None])
    assert g[0] == g[1] != g[2]  # same album by another artist is another album
    assert g[3] == -1 and g[5] == -1  # no album tag, no group
    assert g[4] not in (g[0], g[2], -1)  # no artist tag: its own ("", album) group


def test_context_vectors_add_the_album_mates_centroid_and_leave_loners_alone():
    x = _units(9)
    groups = np.array([0, 0, 0, 1, 2, 2, -1, 3, 3])
    out, has = vectors.context_vectors(x, groups)
    assert has.tolist() == [True, True, True, False, True, True, False, True, True]
    for i in range(len(x)):
        mates = [j for j in range(len(x)) if j != i and groups[j] == groups[i] >= 0]
        if not mates:
            np.testing.assert_array_equal(out[i], x[i])
            continue
        c = x[mates].astype(np.float64).sum(axis=0)
        want = x[i] + c / np.linalg.norm(c)
        np.testing.assert_allclose(out[i], want / np.linalg.norm(want), atol=1e-6)
        # the context is recoverable from the two vectors (what explanations use)
        np.testing.assert_allclose(vectors.context_of(out[i], x[i]), c / np.linalg.norm(c),
                                   atol=1e-5)
    np.testing.assert_array_equal(x, _units(9))  # the input is not touched


def test_context_vectors_in_place_across_blocks_and_without_giant_groups(monkeypatch):
    monkeypatch.setattr(vectors, "TRANSFORM_CHUNK", 7)  # groups straddle the work blocks
    x = _units(60, seed=1)
    groups = np.repeat(np.arange(12), 5)
    rng = np.random.default_rng(2)
    order = rng.permutation(60)  # members of one group far apart in the matrix
    x, groups = x[order], groups[order]
    want, _ = vectors.context_vectors(x, groups, max_group=10**9)
    monkeypatch.setattr(vectors, "TRANSFORM_CHUNK", 10**6)
    ref, _ = vectors.context_vectors(x, groups)
    np.testing.assert_allclose(want, ref, atol=1e-6)
    same = x.copy()
    got, has = vectors.context_vectors(same, groups, out=same)
    assert got is same and has.all()
    np.testing.assert_allclose(same, ref, atol=1e-6)
    big, has = vectors.context_vectors(x, np.zeros(60, np.int64), max_group=59)
    np.testing.assert_array_equal(big, x)  # one "album" of 60 > 59: no context at all
    assert not has.any()
    with pytest.raises(ValueError):
        vectors.context_vectors(x, groups[:5])
