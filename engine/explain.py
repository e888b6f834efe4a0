"""Short human reasons why two tracks sound alike, built from their features.

Example: ``both electronic/dance · 124 vs 126 BPM · bright, bass-heavy``, or with the MTT
model's tags ``both classical · strings/violin · 92 vs 95 BPM``.

Reasons come in this order, each only when it holds:

1. tags both tracks carry strongly (``both electronic/dance``, ``both instrumental``); when
   the library's tags are known, the tags that set the pair apart from the library come
   first (in a library of instrumentals, ``both ambient`` says more than ``both
   instrumental``). With MTT tags, its style words (``engine.cnn.MTT_STYLES``: classical,
   techno, opera, …) compete with the MSD tags on the same footing;
2. instruments both carry (MTT tags only, ``engine.cnn.MTT_INSTRUMENTS``): ``strings/piano``;
3. tempo within 6 % (or at half / double time): ``124 vs 126 BPM``;
4. sound descriptors shared by both, relative to *this* library (robust z-score beyond
   ±0.5): bright / dark, bass-heavy / light bass, strong beat / gentle beat, loud /
   quiet, wide dynamics / compressed, noisy / tonal — the most pronounced first;
5. same key and mode when both have a clear key: ``both in A minor``;
6. :data:`ALBUM_REASON` (added by the recommender, which knows the albums): the hybrid
   ranking joins each track with its album's context (``engine.vectors.context_vectors``),
   and the two albums are closer to each other than the two tracks are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Why a match came from its album (see reason 6 above).
ALBUM_REASON = "from albums that sound alike"
#: What a pair is said to share when no reason applies.
NO_REASON = "similar overall sound"
KEY_NAMES = ("C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B")
#: feature → (word when high, word when low)
DESCRIPTORS: dict[str, tuple[str, str]] = {
    "spectral_centroid_hz": ("bright", "dark"),
    "bass_ratio": ("bass-heavy", "light bass"),
    "beat_strength": ("strong beat", "gentle beat"),
    "loudness_db": ("loud", "quiet"),
    "dynamic_range_db": ("wide dynamics", "compressed"),
    "spectral_flatness": ("noisy", "tonal"),
}
#: feature → (comparative when a track has more of it than a group, when less)
CONTRASTS: dict[str, tuple[str, str]] = {
    "tempo_bpm": ("faster", "slower"),
    "spectral_centroid_hz": ("brighter", "darker"),
    "bass_ratio": ("more bass", "less bass"),
    "beat_strength": ("stronger beat", "gentler beat"),
    "loudness_db": ("louder", "quieter"),
    "dynamic_range_db": ("wider dynamics", "more compressed"),
    "spectral_flatness": ("noisier", "more tonal"),
}
TAG_THRESHOLD = 0.2
STATS_SAMPLE = 20000
TEMPO_TOLERANCE = 0.06
Z_THRESHOLD = 0.5
_DECADE = ("00s", "60s", "70s", "80s", "90s")


class Explainer:
    """Explains similarities using statistics of the library's features.

    Parameters
    ----------
    features : np.ndarray, shape (n, len(feature_names))
        Feature matrix of the library (for the robust z-scores).
    feature_names : sequence of str
    tag_labels : sequence of str
    tags : np.ndarray, shape (n, len(tag_labels)), optional
        Tag probabilities of the library; shared tags are then ranked by how far both
        tracks carry them above the library's mean, not by strength alone.
    mtt_tags : np.ndarray, shape (n, len(mtt_labels)), keyword-only, optional
        The library's MTT tag probabilities (their means, as for *tags*).
    mtt_labels, mtt_styles, mtt_instruments : sequence of str, keyword-only
        The MTT vocabulary and which of its words are styles and instruments (default:
        ``engine.cnn``'s); other MTT words (voices, tempo, loudness) are never shown.
    """

    def __init__(self, features: np.ndarray, feature_names: Sequence[str],
                 tag_labels: Sequence[str], tags: np.ndarray | None = None, *,
                 mtt_tags: np.ndarray | None = None,
                 mtt_labels: Sequence[str] | None = None,
                 mtt_styles: Sequence[str] | None = None,
                 mtt_instruments: Sequence[str] | None = None):
        if mtt_labels is None or mtt_styles is None or mtt_instruments is None:
            from soundalike.engine import cnn

            mtt_labels = cnn.MTT_LABELS if mtt_labels is None else mtt_labels
            mtt_styles = cnn.MTT_STYLES if mtt_styles is None else mtt_styles
            mtt_instruments = cnn.MTT_INSTRUMENTS if mtt_instruments is None else mtt_instruments
        self.names = {name: i for i, name in enumerate(feature_names)}
        self.tag_labels = [str(t).lower() for t in tag_labels]
        self.tag_mean = _means(tags, len(self.tag_labels))
        self.mtt_labels = [str(t).lower() for t in mtt_labels]
        self.mtt_mean = _means(mtt_tags, len(self.mtt_labels))
        self.mtt_styles = np.array([self.mtt_labels.index(w) for w in mtt_styles], np.intp)
        self.mtt_instruments = np.array([self.mtt_labels.index(w) for w in mtt_instruments],
                                        np.intp)
        f = np.atleast_2d(np.asarray(features))
        if len(f) > STATS_SAMPLE:  # medians and quartiles are stable on a sample
            f = f[np.random.default_rng(0).choice(len(f), STATS_SAMPLE, replace=False)]
        f = f.astype(np.float64)
        if f.size:
            q25, med, q75 = np.nanpercentile(f, [25, 50, 75], axis=0)
            scale = (q75 - q25) / 1.349
            std = np.nanstd(f, axis=0)
            self.median = np.nan_to_num(med)
            self.scale = np.where(scale > 1e-9, scale, np.where(std > 1e-9, std, 1.0))
        else:
            self.median = np.zeros(len(feature_names))
            self.scale = np.ones(len(feature_names))
        ks = self.names.get("key_strength")
        self.key_strength_median = float(self.median[ks]) if ks is not None else 0.0

    @classmethod
    def from_stats(cls, *, feature_names: Sequence[str], tag_labels: Sequence[str],
                   median: np.ndarray, scale: np.ndarray, tag_mean: np.ndarray,
                   mtt_mean: np.ndarray | None = None) -> Explainer:
        """An explainer of library statistics computed elsewhere (the persistent index
        keeps them): the features' *median* and robust *scale*, the tags' means."""
        ex = cls(np.zeros((0, len(feature_names))), feature_names, tag_labels)
        ex.median = np.asarray(median, np.float64)
        ex.scale = np.asarray(scale, np.float64)
        ex.tag_mean = np.asarray(tag_mean, np.float64)
        if mtt_mean is not None and len(mtt_mean) == len(ex.mtt_labels):
            ex.mtt_mean = np.asarray(mtt_mean, np.float64)
        ks = ex.names.get("key_strength")
        ex.key_strength_median = float(ex.median[ks]) if ks is not None else 0.0
        return ex

    def _feature(self, features: np.ndarray, name: str) -> float | None:
        i = self.names.get(name)
        if i is None or i >= len(features):
            return None
        v = float(features[i])
        return v if np.isfinite(v) else None

    def _z(self, features: np.ndarray, name: str) -> float | None:
        v = self._feature(features, name)
        if v is None:
            return None
        i = self.names[name]
        return (v - float(self.median[i])) / float(self.scale[i])

    def shared_tags(self, tags_a: np.ndarray, tags_b: np.ndarray, limit: int = 2, *,
                    mtt_a: np.ndarray | None = None, mtt_b: np.ndarray | None = None
                    ) -> list[str]:
        """Labels both tracks carry with probability ≥ :data:`TAG_THRESHOLD`.

        The most distinctive first: by how far the weaker of the two lies above the
        library's mean for that tag (by strength alone without library tags). With both
        tracks' MTT tags, its style words compete too (a word both models know counts
        once).
        """
        a, b = np.asarray(tags_a, dtype=np.float64), np.asarray(tags_b, dtype=np.float64)
        both = np.minimum(a, b)
        mean = self.tag_mean[: len(both)] if len(self.tag_mean) >= len(both) else 0.0
        labels = list(self.tag_labels) + [f"tag {i}" for i in range(len(self.tag_labels),
                                                                    len(both))]
        score, strength = both - mean, both
        if mtt_a is not None and mtt_b is not None:
            m = np.minimum(np.asarray(mtt_a, np.float64), np.asarray(mtt_b, np.float64))
            if len(m) == len(self.mtt_labels):
                s = self.mtt_styles
                labels += [self.mtt_labels[i] for i in s]
                score = np.concatenate([score, m[s] - self.mtt_mean[s]])
                strength = np.concatenate([strength, m[s]])
        return self._pick(labels, score, strength, limit)

    def shared_instruments(self, mtt_a: np.ndarray, mtt_b: np.ndarray,
                           limit: int = 2) -> list[str]:
        """MTT instrument words both tracks carry (≥ :data:`TAG_THRESHOLD`), the most
        distinctive for this library first."""
        a, b = np.asarray(mtt_a, np.float64), np.asarray(mtt_b, np.float64)
        if len(a) != len(self.mtt_labels) or len(b) != len(self.mtt_labels):
            return []
        s = self.mtt_instruments
        m = np.minimum(a, b)[s]
        return self._pick([self.mtt_labels[i] for i in s], m - self.mtt_mean[s], m, limit)

    @staticmethod
    def _pick(labels: list[str], score: np.ndarray, strength: np.ndarray,
              limit: int) -> list[str]:
        out: list[str] = []
        for i in np.argsort(-score, kind="stable"):
            if len(out) >= limit:
                break
            if strength[i] < TAG_THRESHOLD:
                continue
            label = labels[i]
            if label in _DECADE:
                continue
            label = {"female vocalist": "female vocalists"}.get(label, label)
            if label not in out:
                out.append(label)
        return out

    def reasons(self, features_a: np.ndarray, tags_a: np.ndarray, features_b: np.ndarray,
                tags_b: np.ndarray, *, mtt_a: np.ndarray | None = None,
                mtt_b: np.ndarray | None = None) -> list[str]:
        """Reasons, most telling first (possibly empty).

        Parameters
        ----------
        features_a, features_b : np.ndarray, shape (n_features,)
        tags_a, tags_b : np.ndarray, shape (n_tags,)
        mtt_a, mtt_b : np.ndarray, shape (n_mtt_tags,), keyword-only, optional
            The two tracks' MTT tags (styles and instruments are named only with both).

        Returns
        -------
        list of str
        """
        out: list[str] = []
        tags = self.shared_tags(tags_a, tags_b, mtt_a=mtt_a, mtt_b=mtt_b)
        if tags:
            out.append("both " + "/".join(tags))
        if mtt_a is not None and mtt_b is not None:
            instruments = self.shared_instruments(mtt_a, mtt_b)
            if instruments:
                out.append("/".join(instruments))
        ta, tb = self._feature(features_a, "tempo_bpm"), self._feature(features_b, "tempo_bpm")
        if ta and tb and ta > 0 and tb > 0:
            ratio = max(ta, tb) / min(ta, tb)
            if ratio <= 1 + TEMPO_TOLERANCE or abs(ratio - 2) <= 2 * TEMPO_TOLERANCE:
                out.append(f"{ta:.0f} vs {tb:.0f} BPM")
        words = []  # (strength, word): the weaker of the two z-scores
        for name, (high, low) in DESCRIPTORS.items():
            za, zb = self._z(features_a, name), self._z(features_b, name)
            if za is None or zb is None:
                continue
            if za > Z_THRESHOLD and zb > Z_THRESHOLD:
                words.append((min(za, zb), high))
            elif za < -Z_THRESHOLD and zb < -Z_THRESHOLD:
                words.append((min(-za, -zb), low))
        if words:
            words.sort(key=lambda w: -w[0])
            out.append(", ".join(w for _, w in words[:3]))
        key = self._key(features_a)
        if key is not None and key == self._key(features_b):
            out.append(f"both in {key}")
        return out

    # -- words for a group of tracks (radio feedback) ----------------------------------
    def _zs(self, features: np.ndarray) -> dict[str, float]:
        out = {}
        for name in ("tempo_bpm", *DESCRIPTORS):
            z = self._z(features, name)
            if z is not None:
                out[name] = z
        return out

    def describe(self, features: np.ndarray, tags: np.ndarray, limit: int = 1) -> list[str]:
        """What a group of tracks has in common, relative to the library ("fast").

        Parameters
        ----------
        features : np.ndarray, shape (m, n_features)
        tags : np.ndarray, shape (m, n_tags)
        """
        f = np.atleast_2d(np.asarray(features, np.float64))
        zs = [self._zs(row) for row in f]
        words = []
        for name, (high, low) in {"tempo_bpm": ("fast", "slow"), **DESCRIPTORS}.items():
            vals = [z[name] for z in zs if name in z]
            if len(vals) == len(zs) and vals:
                if min(vals) > Z_THRESHOLD:
                    words.append((min(vals), high))
                elif max(vals) < -Z_THRESHOLD:
                    words.append((-max(vals), low))
        t = np.atleast_2d(np.asarray(tags, np.float64))
        if t.size and t.shape[1] <= len(self.tag_labels):
            low = t.min(axis=0) - self.tag_mean[: t.shape[1]]
            for i in np.argsort(-low):  # the furthest above the library's mean first
                if low[i] < 0.1:
                    break
                if t[:, i].min() >= TAG_THRESHOLD and self.tag_labels[i] not in _DECADE:
                    words.append((2.0 + float(low[i]), self.tag_labels[i]))
        words.sort(key=lambda w: -w[0])
        return [w for _, w in words[:limit]]

    def contrast(self, group_features: np.ndarray, group_tags: np.ndarray,
                 features: np.ndarray, tags: np.ndarray, limit: int = 2) -> list[str]:
        """How one track differs from a group ("slower, acoustic"), the clearest first."""
        g = np.atleast_2d(np.asarray(group_features, np.float64))
        gz = [self._zs(row) for row in g]
        mine = self._zs(np.asarray(features, np.float64))
        words = []
        for name, (more, less) in CONTRASTS.items():
            vals = [z[name] for z in gz if name in z]
            if name not in mine or not vals:
                continue
            d = mine[name] - float(np.mean(vals))
            if abs(d) >= 2 * Z_THRESHOLD:
                words.append((abs(d), more if d > 0 else less))
        gt = np.atleast_2d(np.asarray(group_tags, np.float64))
        t = np.asarray(tags, np.float64)
        if gt.size and len(t) == gt.shape[1] and len(t) <= len(self.tag_labels):
            diff = t - gt.mean(axis=0)
            for i in np.argsort(-diff)[:3]:
                if diff[i] >= 0.15 and t[i] >= TAG_THRESHOLD and self.tag_labels[i] not in _DECADE:
                    words.append((1.0 + 4 * float(diff[i]), self.tag_labels[i]))
        words.sort(key=lambda w: -w[0])
        return list(dict.fromkeys(w for _, w in words))[:limit]

    def _key(self, features: np.ndarray) -> str | None:
        k, m = self._feature(features, "key"), self._feature(features, "mode")
        s = self._feature(features, "key_strength")
        if k is None or m is None or (s is not None and s < self.key_strength_median):
            return None
        return f"{KEY_NAMES[int(round(k)) % 12]} {'major' if m >= 0.5 else 'minor'}"

    def explain(self, features_a: np.ndarray, tags_a: np.ndarray, features_b: np.ndarray,
                tags_b: np.ndarray, *, mtt_a: np.ndarray | None = None,
                mtt_b: np.ndarray | None = None) -> str:
        """The reasons joined with `` · ``; ``similar overall sound`` when none apply."""
        return joined(self.reasons(features_a, tags_a, features_b, tags_b, mtt_a=mtt_a,
                                   mtt_b=mtt_b))


def joined(reasons: Sequence[str]) -> str:
    """Reasons as one line, `` · `` between them; :data:`NO_REASON` when there are none."""
    return " · ".join(reasons) if reasons else NO_REASON


def _means(tags: np.ndarray | None, columns: int) -> np.ndarray:
    """Per-tag library means (zeros when the tags are absent or of another width)."""
    t = None if tags is None else np.atleast_2d(np.asarray(tags))
    if t is not None and t.size and t.shape[1] == columns:
        return np.nan_to_num(t.mean(axis=0, dtype=np.float64))
    return np.zeros(columns)
