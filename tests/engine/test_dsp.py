"""engine/dsp.py on synthesised signals whose features are known in advance."""

from __future__ import annotations

import numpy as np
import pytest
from audiofiles import click_track, noise, tone, write_audio

from soundalike.engine import audio, dsp

SR = 16000


def feat(y: np.ndarray | list[np.ndarray], sr: int = SR) -> dict[str, float]:
    segments = y if isinstance(y, list) else [y]
    v = dsp.features(segments, sr)
    assert v.dtype == np.float32 and v.shape == (len(dsp.FEATURE_NAMES),)
    assert np.all(np.isfinite(v))
    return dict(zip(dsp.FEATURE_NAMES, v.tolist(), strict=True))


def chord(midi: list[int], seconds: float = 8.0, sr: int = SR) -> np.ndarray:
    """Notes with four harmonics each (1/k amplitudes), like a plain organ chord."""
    t = np.arange(int(seconds * sr)) / sr
    y = np.zeros_like(t)
    for m in midi:
        f = 440.0 * 2 ** ((m - 69) / 12)
        for k in range(1, 5):
            y += np.sin(2 * np.pi * f * k * t) / k
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


def hihat(seconds: float, sr: int = SR, bpm: float = 240) -> np.ndarray:
    """Short bursts of high-passed noise."""
    n = noise(seconds, sr, amp=0.5, seed=3)
    n = np.diff(n, prepend=0.0).astype(np.float32)  # first difference: a high-pass
    env = np.zeros_like(n)
    step, burst = int(sr * 60 / bpm), int(0.03 * sr)
    for i in range(0, len(n), step):
        env[i : i + burst] = np.exp(-np.arange(len(env[i : i + burst])) / (0.008 * sr))
    return n * env


def test_names_and_groups_are_consistent():
    names = dsp.FEATURE_NAMES
    assert len(set(names)) == len(names)
    grouped = [n for group in dsp.FEATURE_GROUPS.values() for n in group]
    assert sorted(grouped) == sorted(names)  # every name in exactly one group
    assert set(dsp.FEATURE_GROUPS) == {"rhythm", "timbre", "tonal", "loudness"}
    guaranteed = {
        "tempo_bpm",
        "beat_strength",
        "spectral_centroid_hz",
        "spectral_flatness",
        "bass_ratio",
        "loudness_db",
        "dynamic_range_db",
        "key",
        "mode",
        "key_strength",
        "zcr",
        "mfcc_mean_0",
        "mfcc_mean_12",
        "chroma_mean_11",
        "contrast_mean_0",
        "mfcc_std_0",
        "mfcc_cov_0_1",
    }
    assert guaranteed <= set(names)
    assert set(dsp.FEATURE_DESCRIPTIONS) <= set(names)
    assert all(dsp.INDEX[n] == i for i, n in enumerate(names))


@pytest.mark.parametrize("bpm", [120, 90, 140])
def test_click_track_tempo(bpm):
    f = feat(click_track(bpm, 24, SR))
    assert f["tempo_bpm"] == pytest.approx(bpm, abs=3)
    assert f["onset_rate"] == pytest.approx(bpm / 60, rel=0.15)


def test_tempo_pooled_over_excerpts():
    segments = [click_track(120, 12, SR) for _ in range(3)]
    assert feat(segments)["tempo_bpm"] == pytest.approx(120, abs=3)


def test_a_click_track_has_a_clearer_beat_than_noise_or_a_steady_tone():
    clicks = feat(click_track(120, 16, SR))
    assert clicks["beat_strength"] > 0.5
    assert clicks["beat_strength"] > feat(noise(16, SR))["beat_strength"] + 0.05
    steady = feat(tone(440, 16, SR))
    assert steady["tempo_bpm"] == 0.0 and steady["beat_strength"] == 0.0


@pytest.mark.parametrize(
    ("notes", "key", "mode", "name"),
    [
        ([48, 60, 64, 67], 0, 1, "C major"),  # C3 C4 E4 G4
        ([45, 57, 60, 64], 9, 0, "A minor"),  # A2 A3 C4 E4
        ([43, 55, 59, 62], 7, 1, "G major"),
        ([50, 62, 65, 69], 2, 0, "D minor"),
    ],
)
def test_key_and_mode_of_a_chord(notes, key, mode, name):
    f = feat(chord(notes))
    assert (f["key"], f["mode"]) == (key, mode)
    assert dsp.key_name(f["key"], f["mode"]) == name
    assert f["key_strength"] > 0.6


def test_estimate_key_profiles():
    # The Krumhansl–Kessler major profile itself, rotated to E, is E major with r = 1.
    assert dsp.estimate_key(np.roll(dsp._MAJOR_PROFILE, 4)) == (4, 1, pytest.approx(1.0))
    assert dsp.estimate_key(np.roll(dsp._MINOR_PROFILE, 11))[:2] == (11, 0)
    assert dsp.estimate_key(np.ones(12)) == (0, 1, 0.0)


def test_noise_is_flatter_and_brighter_than_a_sine():
    n, s = feat(noise(6, SR)), feat(tone(440, 6, SR))
    assert n["spectral_flatness"] > 0.3
    assert s["spectral_flatness"] < 0.01
    assert s["spectral_centroid_hz"] == pytest.approx(440, abs=15)
    assert n["spectral_centroid_hz"] == pytest.approx(4000, rel=0.05)  # white up to 8 kHz
    assert n["zcr"] == pytest.approx(0.5, abs=0.02)
    assert s["zcr"] == pytest.approx(2 * 440 / SR, rel=0.02)
    assert n["spectral_rolloff_hz"] > s["spectral_rolloff_hz"]
    assert n["spectral_bandwidth_hz"] > s["spectral_bandwidth_hz"]


def test_bass_sine_has_more_bass_than_a_hihat():
    bass, hat = feat(tone(60, 6, SR)), feat(hihat(6))
    assert bass["bass_ratio"] > 0.95
    assert hat["bass_ratio"] < 0.05
    assert hat["spectral_centroid_hz"] > 3000


def test_loudness_in_dbfs():
    loud, quiet = feat(tone(440, 5, SR, amp=0.5)), feat(tone(440, 5, SR, amp=0.05))
    assert loud["loudness_db"] == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.2)
    assert loud["loudness_db"] - quiet["loudness_db"] == pytest.approx(20.0, abs=0.2)
    assert loud["dynamic_range_db"] < 1.0


def test_dynamic_range_grows_with_contrast():
    steady = tone(440, 8, SR, amp=0.3)
    gain = np.where(np.arange(len(steady)) % SR < SR // 2, 1.0, 0.03).astype(np.float32)
    f = feat(steady * gain)
    assert f["dynamic_range_db"] == pytest.approx(20 * np.log10(1 / 0.03), abs=2.0)
    assert feat(steady)["dynamic_range_db"] < 1.0


def test_mfcc_statistics_separate_timbres():
    a, b = feat(chord([48, 60, 64, 67])), feat(noise(8, SR))
    mean_a = np.array([a[f"mfcc_mean_{i}"] for i in range(dsp.N_MFCC)])
    mean_b = np.array([b[f"mfcc_mean_{i}"] for i in range(dsp.N_MFCC)])
    assert np.linalg.norm(mean_a - mean_b) > 20
    # steady noise varies little frame to frame; covariance entries stay finite
    assert all(b[f"mfcc_std_{i}"] < 10 for i in range(1, dsp.N_MFCC))


@pytest.mark.parametrize(
    "segments",
    [
        [np.zeros(SR * 10, np.float32)],
        [np.zeros(SR * 3, np.float32)] * 3,
        [],
        [np.zeros(100, np.float32)],
        [np.full(SR * 2, np.nan, np.float32)],
        [np.full(SR * 2, 1e-9, np.float32)],
    ],
    ids=["silence", "silent-excerpts", "nothing", "too-short", "nan", "near-silence"],
)
def test_silence_and_degenerate_input_give_finite_defaults(segments):
    f = feat(segments)
    assert f["loudness_db"] <= -90
    assert f["tempo_bpm"] == 0.0 and f["beat_strength"] == 0.0
    assert f["spectral_centroid_hz"] == 0.0 and f["key_strength"] == 0.0


def test_deterministic_and_order_of_calls_irrelevant():
    y = click_track(100, 10, SR) + noise(10, SR, amp=0.05)
    first = dsp.features([y], SR)
    dsp.features([tone(220, 4, SR)], SR)
    assert np.array_equal(first, dsp.features([y.copy()], SR))


def test_pipeline_from_a_real_file(tmp_path):
    """Decode a compressed stereo file and describe it: the two halves fit together."""
    y = chord([45, 57, 60, 64], 20, 44100) + 0.5 * click_track(120, 20, 44100)
    a = audio.load(write_audio(tmp_path / "song.m4a", np.stack([y, y], axis=1), 44100))
    f = feat(a.segments, a.sr)
    assert f["tempo_bpm"] == pytest.approx(120, abs=3)
    assert dsp.key_name(f["key"], f["mode"]) == "A minor"


def test_other_sample_rates():
    """Features are in physical units, so the same tone at 22.05 kHz reads alike."""
    a, b = feat(tone(440, 6, SR)), feat(tone(440, 6, 22050), sr=22050)
    assert b["spectral_centroid_hz"] == pytest.approx(a["spectral_centroid_hz"], abs=15)
    assert b["loudness_db"] == pytest.approx(a["loudness_db"], abs=0.1)
    assert (b["key"], b["mode"]) == (a["key"], a["mode"])
    with pytest.raises(ValueError, match="too low"):
        dsp.features([tone(440, 2, 8000)], 8000)
