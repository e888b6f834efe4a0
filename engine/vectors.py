"""The track vector: CNN embedding + tag probabilities + DSP statistics, one per track.

Each block is standardised with statistics fitted on the user's own library, turned
into a unit vector, scaled by the square root of its weight and concatenated, so the
dot product of two track vectors is the weighted sum of the per-block cosines:

    sim(a, b) = w_emb·cos(emb) + w_tags·cos(tags) + w_dsp·cos(dsp)

* embedding (musicnn penultimate layer, 200-d): centred on the library mean and scaled
  by the per-dimension standard deviation. Centring matters most: the raw post-ReLU
  embeddings share a large common component, so their raw cosines are all ≈ 1.
* tags (50 probabilities): log-odds, then standardised per tag, so a tag counts by how
  unusual it is for *this* library rather than by its base rate on the training set.
* dsp (tempo, timbre, loudness statistics): robust z-scores (median / IQR), clipped to
  ±4 so one odd feature cannot dominate; the circular ``key`` and the binary ``mode``
  are left out (they only feed explanations). When feature groups are given (rhythm,
  timbre, tonal, loudness), each group is made a unit vector and weighted by
  :data:`DEFAULT_GROUP_WEIGHTS`, so a group's influence does not depend on how many
  numbers describe it (78 MFCC covariances must not drown 4 rhythm features).

A block may be made of parts, one per model (``emb_parts`` / ``tag_parts``: the column
count of each): with the MSD and MTT taggers the embedding block is [MSD 200 | MTT 200]
and the tags block [MSD 50 | MTT 50]. Each part is standardised as above, made a unit
vector and weighted equally inside its block, so the default weights become embedding
0.25 + 0.25, tags 0.1 + 0.1, DSP 0.3 (the recipe pre-registered in
benchmarks/experiments/mtt_experiment.py).

Finally the vectors are projected on at most :data:`MAX_DIMS` principal axes of the
library (an orthogonal projection, so dot products are preserved up to the discarded
variance) to keep the in-memory index small and queries fast.

Album context (version 4): when the index is built, each track's vector x is joined by
the context of its album, c = the unit sum of its album-mates' vectors (itself left
out), as x̃ = unit(x + :data:`CONTEXT_WEIGHT` · c) (:func:`context_vectors`; albums from
the library's own tags, :func:`context_groups`). One track is three short excerpts; its
album-mates say what the album shares, so the ranking compares songs *and* the albums
they come from — the recipe pre-registered as C1 in
benchmarks/experiments/context_experiment.py (dev corpus: artist-filtered P@10
0.204 → 0.277). A track alone on its album, or without an album tag, keeps x̃ = x.

The fitted :class:`VectorModel` is versioned (:data:`VECTOR_VERSION`) and serialisable,
so it can be stored and refitted only when the library has grown noticeably.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Bumped whenever the construction of track vectors changes.
VECTOR_VERSION = 4  # 2: DSP groups weighted inside the dsp block; 3: block parts; 4: album context
#: Default block weights (must be non-negative; they are renormalised to sum to 1).
DEFAULT_WEIGHTS: Mapping[str, float] = {"embedding": 0.5, "tags": 0.2, "dsp": 0.3}
#: Weights of the DSP feature groups inside the dsp block (timbre first: it is what
#: "sounds like" rests on in the timbre-similarity literature; chroma is key-dependent,
#: so the tonal group counts least). Unlisted groups get weight 0.25.
DEFAULT_GROUP_WEIGHTS: Mapping[str, float] = {"timbre": 0.5, "rhythm": 0.25, "loudness": 0.15,
                                              "tonal": 0.10}
#: Weight of a track's album context against the track itself (:func:`context_vectors`).
CONTEXT_WEIGHT = 1.0
#: Albums larger than this get no context: no album has that many tracks, but a folder
#: of untagged files named as the album of all of them (``library.tags.fill_from_path``)
#: can, and its "context" would be the same vector for every track in it.
MAX_CONTEXT_GROUP = 500
#: Dimensions kept by the final projection.
MAX_DIMS = 128
#: Features that are not meaningful as Euclidean coordinates.
SKIPPED_FEATURES = ("key", "mode")
#: Rows transformed at a time (bounds the temporaries).
TRANSFORM_CHUNK = 8192
#: Rows used to fit the statistics on very large libraries.
FIT_SAMPLE = 20000
_EPS = 1e-6


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, _EPS)


def _unit_parts(x: np.ndarray, parts: Sequence[int]) -> np.ndarray:
    """Each part (consecutive columns, sizes *parts*) a unit vector times √(1/len(parts));
    the whole row a unit vector when there are fewer than two parts."""
    if len(parts) < 2:
        return _unit_rows(x)
    out = np.empty_like(x)
    w = np.float32(np.sqrt(1.0 / len(parts)))
    start = 0
    for size in parts:
        out[:, start:start + size] = w * _unit_rows(x[:, start:start + size])
        start += size
    return out


def _check_parts(parts: Sequence[int] | None, columns: int, block: str) -> tuple[int, ...]:
    parts = tuple(int(p) for p in (parts or ()))
    if parts and (sum(parts) != columns or min(parts) <= 0):
        raise ValueError(f"{block} parts {list(parts)} do not add up to its {columns} columns")
    return parts


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p.astype(np.float64), 1e-4, 1 - 1e-4)
    return np.log(p) - np.log1p(-p)


def _arr(b: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b), dtype="<f4").copy()


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


@dataclass(slots=True)
class VectorModel:
    """Library statistics that turn raw analysis arrays into track vectors.

    Attributes
    ----------
    weights : dict
        Block weights, renormalised to sum to 1.
    feature_mask : np.ndarray of bool, shape (n_features,)
        Which DSP features enter the vector.
    emb_mean, emb_scale, tag_mean, tag_scale, dsp_median, dsp_scale : np.ndarray
        Standardisation statistics, fitted on the library.
    projection : np.ndarray, shape (n_raw_dims, n_dims)
        Orthonormal columns: the principal axes kept.
    fitted_on : int
        Number of tracks the statistics were fitted on.
    version : int
        :data:`VECTOR_VERSION` at fitting time.
    """

    weights: dict[str, float]
    feature_mask: np.ndarray
    emb_mean: np.ndarray
    emb_scale: np.ndarray
    tag_mean: np.ndarray
    tag_scale: np.ndarray
    dsp_median: np.ndarray
    dsp_scale: np.ndarray
    projection: np.ndarray
    fitted_on: int
    version: int = VECTOR_VERSION
    explained_variance: float = field(default=1.0)
    feature_group: np.ndarray | None = None  # int group id per used feature (None: one group)
    group_weights: tuple[float, ...] = ()
    emb_parts: tuple[int, ...] = ()  # columns of each model's part of the embedding block
    tag_parts: tuple[int, ...] = ()  # … and of the tags block (() or one part: not split)

    @property
    def dims(self) -> int:
        return int(self.projection.shape[1])

    def raw_blocks(self, features: np.ndarray, tags: np.ndarray,
                   embedding: np.ndarray) -> np.ndarray:
        """Standardised, weighted, concatenated blocks before projection.

        Parameters
        ----------
        features : np.ndarray, shape (n, n_features)
        tags : np.ndarray, shape (n, 50)
        embedding : np.ndarray, shape (n, 200)

        Returns
        -------
        np.ndarray, shape (n, n_raw_dims), float32
        """
        features = np.atleast_2d(np.asarray(features, dtype=np.float32))
        tags = np.atleast_2d(np.asarray(tags, dtype=np.float32))
        embedding = np.atleast_2d(np.asarray(embedding, dtype=np.float32))
        f32 = np.float32
        emb = _unit_parts((embedding - self.emb_mean.astype(f32)) / self.emb_scale.astype(f32),
                          self.emb_parts)
        tag = _unit_parts((_logit(tags).astype(f32) - self.tag_mean.astype(f32))
                          / self.tag_scale.astype(f32), self.tag_parts)
        f = np.nan_to_num(features[:, self.feature_mask], nan=0.0, posinf=0.0, neginf=0.0)
        z = np.clip((f - self.dsp_median.astype(f32)) / self.dsp_scale.astype(f32), -4.0, 4.0)
        if self.feature_group is None or not len(self.group_weights):
            dsp = _unit_rows(z)
        else:
            dsp = np.zeros_like(z)
            total = sum(self.group_weights)
            for g, gw in enumerate(self.group_weights):
                cols = self.feature_group == g
                if cols.any():
                    dsp[:, cols] = np.sqrt(gw / total) * _unit_rows(z[:, cols])
        w = self.weights
        return np.hstack([np.float32(np.sqrt(w["embedding"])) * emb,
                          np.float32(np.sqrt(w["tags"])) * tag,
                          np.float32(np.sqrt(w["dsp"])) * dsp]).astype(np.float32, copy=False)

    def transform(self, features: np.ndarray, tags: np.ndarray,
                  embedding: np.ndarray) -> np.ndarray:
        """Track vectors, unit length.

        Returns
        -------
        np.ndarray, shape (n, dims), float32
        """
        n = len(np.atleast_2d(features))
        out = np.empty((n, self.dims), dtype=np.float32)
        for i in range(0, n, TRANSFORM_CHUNK):  # bounded temporaries on large libraries
            sl = slice(i, i + TRANSFORM_CHUNK)
            raw = self.raw_blocks(np.atleast_2d(features)[sl], np.atleast_2d(tags)[sl],
                                  np.atleast_2d(embedding)[sl])
            out[sl] = _unit_rows(raw @ self.projection)
        return out

    def to_dict(self) -> dict:
        """A JSON-serialisable form (arrays as base64 float32)."""
        return {
            "version": self.version, "fitted_on": self.fitted_on,
            "weights": dict(self.weights),
            "explained_variance": self.explained_variance,
            "feature_mask": [bool(x) for x in self.feature_mask],
            "projection_shape": list(self.projection.shape),
            "feature_group": None if self.feature_group is None else
            [int(x) for x in self.feature_group],
            "group_weights": list(self.group_weights),
            "emb_parts": list(self.emb_parts), "tag_parts": list(self.tag_parts),
            **{name: _b64(getattr(self, name)) for name in (
                "emb_mean", "emb_scale", "tag_mean", "tag_scale", "dsp_median", "dsp_scale",
                "projection")},
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> VectorModel:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` on a malformed or old record."""
        try:
            if int(d["version"]) != VECTOR_VERSION:
                raise ValueError(f"vector model version {d['version']} is not {VECTOR_VERSION}")
            arrays = {name: _arr(d[name]).astype(np.float64) for name in (
                "emb_mean", "emb_scale", "tag_mean", "tag_scale", "dsp_median", "dsp_scale")}
            proj = _arr(d["projection"]).reshape(d["projection_shape"]).astype(np.float32)
            return cls(weights=dict(d["weights"]),
                       feature_mask=np.asarray(d["feature_mask"], dtype=bool),
                       projection=proj, fitted_on=int(d["fitted_on"]),
                       explained_variance=float(d.get("explained_variance", 1.0)),
                       feature_group=None if d.get("feature_group") is None else
                       np.asarray(d["feature_group"], dtype=np.int64),
                       group_weights=tuple(float(x) for x in d.get("group_weights", ())),
                       emb_parts=tuple(int(x) for x in d.get("emb_parts", ())),
                       tag_parts=tuple(int(x) for x in d.get("tag_parts", ())),
                       **arrays)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"unusable vector model ({exc})") from exc


def normalised_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Complete *weights* with the defaults and scale them to sum to 1."""
    w = dict(DEFAULT_WEIGHTS)
    w.update(weights or {})
    if set(w) != set(DEFAULT_WEIGHTS):
        raise ValueError(f"unknown vector blocks: {sorted(set(w) - set(DEFAULT_WEIGHTS))}")
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError("block weights must be non-negative and not all zero")
    total = sum(w.values())
    return {k: float(v) / total for k, v in w.items()}


def fit(features: np.ndarray, tags: np.ndarray, embedding: np.ndarray, *,
        feature_names: Sequence[str], weights: Mapping[str, float] | None = None,
        feature_groups: Mapping[str, Sequence[str]] | None = None,
        group_weights: Mapping[str, float] | None = None,
        emb_parts: Sequence[int] | None = None, tag_parts: Sequence[int] | None = None,
        max_dims: int = MAX_DIMS, seed: int = 0) -> VectorModel:
    """Fit the standardisation and projection on a library.

    Parameters
    ----------
    features : np.ndarray, shape (n, len(feature_names))
    tags : np.ndarray, shape (n, n_tags)
    embedding : np.ndarray, shape (n, n_embedding)
    feature_names : sequence of str
        Names of the feature columns (``key`` and ``mode`` are skipped).
    weights : mapping, optional
        Block weights ``embedding``, ``tags``, ``dsp`` (default :data:`DEFAULT_WEIGHTS`).
    feature_groups : mapping, optional
        Group name → feature names (``engine.dsp.FEATURE_GROUPS``); each group is
        normalised separately inside the dsp block. Features in no group are dropped.
        Without groups the whole dsp block is normalised at once.
    group_weights : mapping, optional
        Weights of the groups (default :data:`DEFAULT_GROUP_WEIGHTS`).
    emb_parts, tag_parts : sequence of int, optional
        Column counts of each model's part of the embedding / tags block (e.g. (200, 200)
        for MSD + MTT); each part is weighted equally inside its block. Default: one part.
    max_dims : int
        Upper bound on the projected dimension.
    seed : int
        Seed of the row sample used on libraries larger than :data:`FIT_SAMPLE`.

    Returns
    -------
    VectorModel
    """
    features, tags, embedding = (np.atleast_2d(np.asarray(a)) for a in (features, tags, embedding))
    n = features.shape[0]
    if n == 0 or tags.shape[0] != n or embedding.shape[0] != n:
        raise ValueError("fit needs the same, non-zero number of rows in every block")
    if features.shape[1] != len(feature_names):
        raise ValueError(f"{features.shape[1]} feature columns but {len(feature_names)} names")
    emb_parts = _check_parts(emb_parts, embedding.shape[1], "embedding")
    tag_parts = _check_parts(tag_parts, tags.shape[1], "tags")
    if n > FIT_SAMPLE:  # sample before converting: bounded memory on huge libraries
        rows = np.sort(np.random.default_rng(seed).choice(n, FIT_SAMPLE, replace=False))
        features, tags, embedding = features[rows], tags[rows], embedding[rows]
    features, tags, embedding = (np.asarray(a, dtype=np.float64)
                                 for a in (features, tags, embedding))
    mask = np.array([name not in SKIPPED_FEATURES for name in feature_names], dtype=bool)
    feature_group, gweights = None, ()
    if feature_groups:
        names = list(feature_groups)
        gw = {**DEFAULT_GROUP_WEIGHTS, **(group_weights or {})}
        gweights = tuple(float(gw.get(g, 0.25)) for g in names)
        if any(w < 0 for w in gweights) or sum(gweights) <= 0:
            raise ValueError("group weights must be non-negative and not all zero")
        of = {f: i for i, g in enumerate(names) for f in feature_groups[g]}
        group_of = np.array([of.get(f, -1) for f in feature_names], dtype=np.int64)
        mask &= group_of >= 0
        feature_group = group_of[mask]
        # a group left without features (e.g. only key/mode) gets no share
        gweights = tuple(w if np.any(feature_group == i) else 0.0 for i, w in enumerate(gweights))
        if sum(gweights) <= 0:
            raise ValueError("no usable feature in any weighted group")

    def scale(x: np.ndarray) -> np.ndarray:
        s = x.std(axis=0)
        # dimensions constant in this library carry no information: scale 1 keeps them at 0
        return np.where(s > _EPS, s, 1.0)

    logits = _logit(tags)
    f = np.nan_to_num(features[:, mask], nan=0.0, posinf=0.0, neginf=0.0)
    q25, med, q75 = np.percentile(f, [25, 50, 75], axis=0)
    iqr = (q75 - q25) / 1.349  # IQR of a normal distribution in standard deviations
    dsp_scale = np.where(iqr > _EPS, iqr, scale(f))
    model = VectorModel(
        weights=normalised_weights(weights), feature_mask=mask,
        emb_mean=embedding.mean(axis=0), emb_scale=scale(embedding),
        tag_mean=logits.mean(axis=0), tag_scale=scale(logits),
        dsp_median=med, dsp_scale=dsp_scale,
        projection=np.zeros((0, 0), dtype=np.float32), fitted_on=n,
        feature_group=feature_group, group_weights=gweights,
        emb_parts=emb_parts, tag_parts=tag_parts)
    raw = model.raw_blocks(features, tags, embedding).astype(np.float64)
    model.projection, model.explained_variance = principal_axes(raw, max_dims)
    return model


def principal_axes(raw: np.ndarray, max_dims: int = MAX_DIMS) -> tuple[np.ndarray, float]:
    """Uncentred PCA of *raw* rows: the principal axes of their second moment, so the
    projection is a rotation + truncation and dot products are preserved.

    Returns
    -------
    (np.ndarray, shape (raw columns, ≤ max_dims), float32; share of the second moment kept)
    """
    raw = np.asarray(raw, dtype=np.float64)
    if len(raw) < raw.shape[1]:  # few tracks: the thin SVD is cheaper
        _, sv, vt = np.linalg.svd(raw, full_matrices=False)
        evals, evecs = sv ** 2 / len(raw), vt.T
    else:
        evals, evecs = np.linalg.eigh(raw.T @ raw / len(raw))
    order = np.argsort(evals)[::-1]
    evals, evecs = np.clip(evals[order], 0, None), evecs[:, order]
    keep = int(min(max_dims, raw.shape[1], max(1, int(np.sum(evals > evals[0] * 1e-9)))))
    total = float(evals.sum())
    return (evecs[:, :keep].astype(np.float32),
            float(evals[:keep].sum() / total) if total > 0 else 1.0)


def genre_vectors(tags: np.ndarray, genre_index: Sequence[int]) -> np.ndarray:
    """The seed method's genre-probability vectors: genre tags renormalised to sum 1.

    Parameters
    ----------
    tags : np.ndarray, shape (n, n_tags)
    genre_index : sequence of int
        Columns of the genre tags (``engine.cnn.GENRE_INDEX``).

    Returns
    -------
    np.ndarray, shape (n, len(genre_index)), float32
    """
    g = np.atleast_2d(np.asarray(tags, dtype=np.float64))[:, list(genre_index)]
    g = np.clip(g, 0.0, None)
    s = g.sum(axis=1, keepdims=True)
    uniform = np.full_like(g, 1.0 / max(g.shape[1], 1))
    return np.where(s > _EPS, g / np.maximum(s, _EPS), uniform).astype(np.float32)


def context_groups(artists: Sequence[str | None], albums: Sequence[str | None]) -> np.ndarray:
    """Album id per track for :func:`context_vectors`: tracks with the same non-empty album
    tag and the same artist tag (surrounding spaces ignored) share one; −1 without an album.

    Returns
    -------
    np.ndarray, shape (n,), int64
    """
    ids: dict[tuple[str, str], int] = {}
    out = np.full(len(albums), -1, dtype=np.int64)
    for i, (artist, album) in enumerate(zip(artists, albums, strict=True)):
        album = (album or "").strip()
        if album:
            out[i] = ids.setdefault(((artist or "").strip(), album), len(ids))
    return out


def context_vectors(vectors: np.ndarray, groups: np.ndarray, *,
                    weight: float = CONTEXT_WEIGHT, max_group: int = MAX_CONTEXT_GROUP,
                    out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each unit row joined by its group's context: x̃_i = unit(x_i + w · unit(Σ_{j≠i} x_j))
    over the rows *j* of its group.

    Rows in group −1, alone in their group or in a group of more than *max_group* rows are
    copied unchanged. Work is done a block of whole groups at a time (bounded
    temporaries); *out* may be *vectors* itself (in place).

    Returns
    -------
    (np.ndarray, shape (n, d), float32; np.ndarray of bool, shape (n,): which rows got a
    context)
    """
    x = np.asarray(vectors, dtype=np.float32)
    g = np.asarray(groups, dtype=np.int64)
    if len(g) != len(x):
        raise ValueError("one group id per vector is needed")
    if out is None:
        out = x.copy()
    elif out is not x:
        out[...] = x
    size = np.bincount(g[g >= 0]) if np.any(g >= 0) else np.zeros(0, np.int64)
    has = np.zeros(len(g), dtype=bool)
    ok = g >= 0
    has[ok] = (size[g[ok]] >= 2) & (size[g[ok]] <= max_group)
    rows = np.flatnonzero(has)
    if not len(rows):
        return out, has
    order = rows[np.argsort(g[rows], kind="stable")]
    sorted_g = g[order]
    bounds = np.append(np.flatnonzero(np.r_[True, sorted_g[1:] != sorted_g[:-1]]), len(order))
    first = 0
    while first < len(bounds) - 1:  # whole groups, about TRANSFORM_CHUNK rows at a time
        last = max(first + 1, int(np.searchsorted(bounds, bounds[first] + TRANSFORM_CHUNK,
                                                  side="right")) - 1)
        lo, hi = bounds[first], bounds[last]
        idx = order[lo:hi]
        xs = x[idx].astype(np.float64)
        sums = np.add.reduceat(xs, bounds[first:last] - lo, axis=0)
        others = np.repeat(sums, np.diff(bounds[first:last + 1]), axis=0) - xs
        out[idx] = _unit_rows(xs + weight * _unit_rows(others))
        first = last
    return out, has


def context_of(smoothed: np.ndarray, raw: np.ndarray, weight: float = CONTEXT_WEIGHT
               ) -> np.ndarray:
    """The unit context c that :func:`context_vectors` added to the unit row *raw* to give
    *smoothed* = unit(raw + w·c) (for explanations: no context needs to be kept)."""
    xt, x = np.asarray(smoothed, np.float64), np.asarray(raw, np.float64)
    cos = float(xt @ x)
    lam = cos + np.sqrt(max(cos * cos - 1.0 + weight * weight, 0.0))  # |raw + w·c|
    return (lam * xt - x) / weight
