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
    assert "bass-heavy, bright" in r  # the more pronounced first (bass lies further out)
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


def test_distinctive_tags_and_strongest_descriptors_come_first(rng):
    # a library of instrumentals: "instrumental" is on nearly every track, jazz is rare
    lib_tags = np.tile([0.05, 0.1, 0.1, 0.0, 0.9, 0.05], (100, 1))
    lib = np.column_stack([rng.uniform(70, 170, 100), rng.uniform(800, 3000, 100),
                           rng.uniform(0.1, 0.5, 100), rng.uniform(0.5, 1.5, 100),
                           rng.integers(0, 12, 100), rng.integers(0, 2, 100),
                           rng.uniform(0, 1, 100)])
    pair_tags = np.array([0.0, 0.0, 0.0, 0.0, 0.95, 0.5])
    plain = Explainer(lib, NAMES, TAGS)
    aware = Explainer(lib, NAMES, TAGS, lib_tags)
    assert plain.shared_tags(pair_tags, pair_tags) == ["instrumental", "jazz"]
    assert aware.shared_tags(pair_tags, pair_tags) == ["jazz", "instrumental"]
    # a tag under the threshold is never a reason, however rare in the library
    weak = pair_tags.copy()
    weak[5] = 0.15
    assert aware.shared_tags(weak, weak) == ["instrumental"]
    # both far darker than the library, only a little bass-heavy: "dark" first
    a = np.array([100, 10.0, 0.42, 1.0, 0, 0, 0.0])
    b = np.array([140, 20.0, 0.44, 1.0, 5, 1, 0.0])
    descriptors = aware.reasons(a, pair_tags, b, pair_tags)[1]
    assert descriptors == "dark, bass-heavy"


def test_mtt_styles_and_instruments_name_what_msd_cannot(rng):
    """An orchestral pair: MSD says little (a weak 'jazz'), MTT says classical and strings."""
    from soundalike.engine import cnn

    lib = np.column_stack([rng.uniform(70, 170, 100), rng.uniform(800, 3000, 100),
                           rng.uniform(0.1, 0.5, 100), rng.uniform(0.5, 1.5, 100),
                           rng.integers(0, 12, 100), rng.integers(0, 2, 100),
                           rng.uniform(0, 1, 100)])
    lib_mtt = rng.uniform(0, 0.1, (100, 50))
    ex = Explainer(lib, NAMES, TAGS, mtt_tags=lib_mtt)
    a = np.array([92, 2000, 0.3, 1.0, 2, 1, 0.01])
    b = np.array([95, 2000, 0.3, 1.0, 2, 1, 0.01])
    ta = tb = np.array([0.0, 0.0, 0.0, 0.0, 0.1, 0.15])  # nothing above the threshold
    ma, mb = np.zeros(50), np.zeros(50)
    for word, pa, pb in (("classical", 0.8, 0.7), ("strings", 0.6, 0.5), ("violin", 0.3, 0.25),
                         ("no vocals", 0.9, 0.9), ("slow", 0.7, 0.8), ("harpsichord", 0.1, 0.6)):
        ma[cnn.MTT_LABELS.index(word)], mb[cnn.MTT_LABELS.index(word)] = pa, pb
    r = ex.reasons(a, ta, b, tb, mtt_a=ma, mtt_b=mb)
    assert r == ["both classical", "strings/violin", "92 vs 95 BPM"]  # no 'no vocals', 'slow'
    assert ex.explain(a, ta, b, tb, mtt_a=ma, mtt_b=mb) == \
        "both classical · strings/violin · 92 vs 95 BPM"
    assert ex.reasons(a, ta, b, tb) == ["92 vs 95 BPM"]  # without MTT: as before
    # a word both vocabularies have counts once
    ta2 = np.array([0.6, 0.0, 0.0, 0.0, 0.0, 0.0])  # MSD rock
    ma2 = np.zeros(50)
    ma2[cnn.MTT_LABELS.index("rock")] = 0.7
    assert ex.shared_tags(ta2, ta2, mtt_a=ma2, mtt_b=ma2) == ["rock"]


def test_describe_names_a_tag_the_group_shares_behind_one_it_does_not(rng):
    lib = np.column_stack([rng.uniform(70, 170, 100), rng.uniform(800, 3000, 100),
                           rng.uniform(0.1, 0.5, 100), rng.uniform(0.5, 1.5, 100),
                           rng.integers(0, 12, 100), rng.integers(0, 2, 100),
                           rng.uniform(0, 1, 100)])
    lib_tags = np.zeros((100, len(TAGS)))
    lib_tags[:, 1] = 0.39  # "electronic" is common in this library, "rock" absent
    ex = Explainer(lib, NAMES, TAGS, lib_tags)
    middle = np.median(lib, axis=0)
    group = np.zeros((2, len(TAGS)))
    group[:, 0] = [0.15, 0.9]  # rock: far above the mean, but one track lacks it
    group[:, 1] = [0.5, 0.6]   # electronic: both carry it, 0.11 above the mean
    assert ex.describe(np.vstack([middle, middle]), group, limit=3) == ["electronic"]
