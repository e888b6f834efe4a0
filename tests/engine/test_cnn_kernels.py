"""The tagging model's two LiteRT paths (XNNPACK, builtin kernels) and timing them.

Real model, real LiteRT: nothing is mocked. Timings are kept short (one patch, best of
three) so the module takes a few seconds.
"""

from __future__ import annotations

import numpy as np
import pytest
from audiofiles import click_track, tone

from soundalike.engine import cnn
from soundalike.engine.cnn import KernelTiming, choose_kernels


@pytest.fixture(scope="module")
def measured() -> cnn.KernelChoice:
    return cnn.measure_kernels()


def test_xnnpack_and_builtin_kernels_give_the_same_outputs():
    batch = cnn.benchmark_patches(3)
    xnn = cnn.TagModel(kernels="xnnpack")
    builtin = cnn.TagModel(kernels="builtin")
    assert (xnn.kernels, builtin.kernels) == ("xnnpack", "builtin")
    tags_x, emb_x = xnn.predict_patches(batch)
    tags_b, emb_b = builtin.predict_patches(batch)
    np.testing.assert_allclose(tags_b, tags_x, atol=3e-3)
    np.testing.assert_allclose(emb_b, emb_x, atol=3e-3 * max(1.0, float(np.abs(emb_x).max())))
    # and on real audio, through the whole predict path
    y = (click_track(120, 8, 16000) + 0.3 * tone(440.0, 8, 16000)).astype(np.float32)
    t_x, e_x = xnn.predict([y], 16000)
    t_b, e_b = builtin.predict([y], 16000)
    np.testing.assert_allclose(t_b, t_x, atol=3e-3)
    assert np.corrcoef(e_b, e_x)[0, 1] > 0.9999


def test_threads_and_kernels_are_checked():
    with pytest.raises(ValueError, match="kernels"):
        cnn.TagModel(kernels="gpu")
    with pytest.raises(ValueError, match="threads"):
        cnn.TagModel(threads=0)
    two = cnn.TagModel(kernels="builtin", threads=2)
    assert two.threads == 2
    tags, _ = two.predict_patches(cnn.benchmark_patches(1))
    assert tags.shape == (1, len(cnn.TAG_LABELS))


def test_measure_kernels_times_both_paths_and_picks_the_fastest(measured):
    assert [(t.kernels, t.threads) for t in measured.timings] == [("xnnpack", 1),
                                                                  ("builtin", 1)]
    for t in measured.timings:
        assert t.cpu_ms > 0 and t.wall_ms > 0
        assert 1 < t.ms_per_patch < 60_000
    fastest = min(measured.timings, key=lambda t: t.cpu_ms)
    assert (measured.kernels, measured.threads) == (fastest.kernels, 1)
    assert measured.ms_per_patch == fastest.cpu_ms
    assert 0 < measured.seconds < 30


def test_a_threaded_candidate_is_timed_only_when_cores_are_idle():
    got = cnn.measure_kernels(max_threads=2, repeats=1)
    single = [t for t in got.timings if t.threads == 1]
    threaded = [t for t in got.timings if t.threads > 1]
    assert {t.kernels for t in single} == set(cnn.KERNELS)
    assert len(threaded) == 1 and threaded[0].threads == 2
    assert threaded[0].kernels == min(single, key=lambda t: t.cpu_ms).kernels
    assert (got.kernels, got.threads) in {(t.kernels, t.threads) for t in got.timings}


def test_choose_kernels_rules():
    x, b = KernelTiming("xnnpack", 1, 80.0, 90.0), KernelTiming("builtin", 1, 170.0, 180.0)
    assert choose_kernels([x, b]) is x
    assert choose_kernels([b, x]) is x
    slow_x = KernelTiming("xnnpack", 1, 750.0, 760.0)
    assert choose_kernels([slow_x, b]).kernels == "builtin"
    tie = KernelTiming("builtin", 1, 80.0, 90.0)
    assert choose_kernels([x, tie]) is x  # ties go to XNNPACK, LiteRT's default
    fast2 = KernelTiming("xnnpack", 2, 95.0, 50.0)
    meh2 = KernelTiming("xnnpack", 2, 150.0, 80.0)
    assert choose_kernels([x, b, fast2]) is x          # 2 threads not allowed
    assert choose_kernels([x, b, fast2], max_threads=2) is fast2
    assert choose_kernels([x, b, meh2], max_threads=2) is x  # not a clear gain
    with pytest.raises(ValueError):
        choose_kernels([fast2], max_threads=2)
