"""Explanations built from features and tags."""

import numpy as np
from soundalike.engine.explain import Explainer

NAMES = ("tempo_bpm", "spectral_centroid_hz", "bass_ratio", "beat_strength", "key", "mode",
         "key_strength")
TAGS = ("rock", "electronic", "dance", "00s", "instrumental", "jazz")


def _explainer(rng):
    lib = np.column_stack([rng.uniform(70, 170, 100), rng.uniform(800, 3000, 100),
                           rng.uniform(0.1, 0.5, 100), rng.uniform(0.5, 1.5, 100),
                           rng.integers(0, 12, 100), rng.integers(0, 2, 100),
                           rng.uniform(0, 1, 100)])
    return Explainer(lib, NAMES, TAGS)


def test_shared_tags_tempo_and_descriptors(rng):
    ex = _explainer(rng)
    a = np.array([124, 5000, 0.9, 1.0, 9, 0, 0.99])
    b = np.array([126, 4500, 0.8, 1.0, 9, 0, 0.95])
    ta = np.array([0.05, 0.8, 0.5, 0.9, 0.1, 0.0])
    tb = np.array([0.1, 0.7, 0.6, 0.9, 0.3, 0.0])
    r = ex.reasons(a, ta, b, tb)
    assert r[0] == "both electronic/dance"  # decades are never a reason
    assert "124 vs 126 BPM" in r
    assert "bright, bass-heavy" in r
    assert "both in A minor" in r
    assert ex.explain(a, ta, b, tb) == " · ".join(r)


def test_no_false_reasons(rng):
    ex = _explainer(rng)
    a = np.array([90, 5000, 0.3, 1.0, 2, 1, 0.01])
    b = np.array([150, 500, 0.3, 1.0, 2, 1, 0.01])  # weak keys: no key claim
    ta = np.array([0.9, 0.0, 0.0, 0.0, 0.0, 0.0])
    tb = np.array([0.0, 0.9, 0.0, 0.0, 0.0, 0.0])
    assert ex.reasons(a, ta, b, tb) == []
    assert ex.explain(a, ta, b, tb) == "similar overall sound"
    # half/double time counts as matching tempo
    a[0], b[0] = 70, 141
    assert "70 vs 141 BPM" in ex.reasons(a, ta, b, tb)


def test_missing_features_are_skipped():
    ex = Explainer(np.zeros((0, 1)), ("tempo_bpm",), ("rock",))
    assert ex.reasons(np.array([np.nan]), np.array([0.5]), np.array([120.0]),
                      np.array([0.5])) == ["both rock"]
