"""benchmarks/loudness.py's BS.1770 reference measurement is right: the standard's
published 48 kHz K-weighting coefficients and its calibration tone."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

_SPEC = importlib.util.spec_from_file_location(
    "loudness_bench", Path(__file__).resolve().parents[2] / "benchmarks" / "loudness.py")
loudness = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(loudness)


def test_k_weighting_at_48k_is_the_standards():
    (b1, a1), (b2, a2) = loudness.k_weighting(48000)
    # ITU-R BS.1770-4, tables 1 and 2
    assert np.allclose(b1, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-9)
    assert np.allclose(a1, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-9)
    assert np.allclose(b2, [1.0, -2.0, 1.0])
    assert np.allclose(a2, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-9)


@pytest.mark.parametrize("rate", [44100, 48000])
def test_a_1k_sine_at_minus_20_dbfs_is_minus_23_lufs(rate):
    t = np.arange(rate * 10) / rate
    y = (10 ** (-20 / 20) * np.sqrt(2)) * np.sin(2 * np.pi * 997 * t)   # −20 dBFS RMS
    mono = loudness.integrated_loudness(y, rate)
    # a full-scale 1 kHz sine reads −3.01 LKFS; at −20 dB (peak) that is −23.01
    peak = 10 ** (-20 / 20) * np.sin(2 * np.pi * 997 * t)
    assert loudness.integrated_loudness(peak, rate) == pytest.approx(-23.01, abs=0.05)
    # two identical channels sum their energies: +3 dB
    stereo = np.stack([peak, peak], axis=1)
    assert loudness.integrated_loudness(stereo, rate) == pytest.approx(-20.0, abs=0.05)
    assert mono == pytest.approx(-20.01, abs=0.05)


def test_gating_ignores_silence():
    rate = 48000
    t = np.arange(rate * 5) / rate
    tone = 0.1 * np.sin(2 * np.pi * 997 * t)
    with_silence = np.concatenate([tone, np.zeros(rate * 20)])
    assert loudness.integrated_loudness(with_silence, rate) == pytest.approx(
        loudness.integrated_loudness(tone, rate), abs=0.2)  # (edge blocks: partly silent)
    assert loudness.integrated_loudness(np.zeros(rate), rate) == -np.inf
