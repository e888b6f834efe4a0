"""The shipped musicnn MSD TFLite model, run for real on signals synthesised here."""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
import pytest

from soundalike.engine import cnn
from soundalike.engine.errors import AudioError, ModelError

SR = 16000


def _drum_loop(rng: np.random.Generator, seconds: float = 9.0) -> np.ndarray:
    """120 bpm: kick on 1 and 3, noise snare on 2 and 4, hi-hat on every eighth."""
    n = int(seconds * SR)
    y = np.zeros(n)
    t = np.arange(int(0.25 * SR)) / SR
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-30 * t)) * t) * np.exp(-12 * t)
    snare = 0.5 * rng.standard_normal(t.size) * np.exp(-25 * t)
    hat = 0.2 * np.diff(rng.standard_normal(t.size + 1)) * np.exp(-80 * t)
    for i, s in enumerate(range(0, n - t.size, SR // 4)):
        y[s : s + t.size] += hat + (kick if i % 4 == 0 else 0) + (snare if i % 4 == 2 else 0)
    return (0.6 * y / np.abs(y).max()).astype(np.float32)


def _major_chord(seconds: float = 9.0) -> np.ndarray:
    """Sustained C major triad with five decaying harmonics per note."""
    t = np.arange(int(seconds * SR)) / SR
    y = sum(
        np.sin(2 * np.pi * f * h * t) / h**1.5 for f in (261.63, 329.63, 392.0) for h in range(1, 6)
    )
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


def _white_noise(rng: np.random.Generator, seconds: float = 9.0) -> np.ndarray:
    return (0.3 * rng.standard_normal(int(seconds * SR))).astype(np.float32)


def _clipped_square(seconds: float = 9.0) -> np.ndarray:
    """A 110 Hz square wave driven 12 dB into clipping: every sample at ±1.0 (0 dBFS)."""
    t = np.arange(int(seconds * SR)) / SR
    return np.clip(4 * np.sign(np.sin(2 * np.pi * 110 * t)), -1, 1).astype(np.float32)


@pytest.fixture(scope="module")
def model() -> cnn.TagModel:
    return cnn.TagModel()


@pytest.fixture(scope="module")
def signals() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261125)
    return {"drums": _drum_loop(rng), "chord": _major_chord(), "noise": _white_noise(rng)}


@pytest.fixture(scope="module")
def predictions(model, signals) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {name: model.predict([y], SR) for name, y in signals.items()}


def _cos_dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_labels_genres_and_shipped_label_file():
    assert len(cnn.TAG_LABELS) == 50 and len(set(cnn.TAG_LABELS)) == 50
    assert len(cnn.GENRE_LABELS) == 28
    assert [cnn.TAG_LABELS[i] for i in cnn.GENRE_INDEX] == list(cnn.GENRE_LABELS)
    assert list(cnn.GENRE_INDEX) == sorted(cnn.GENRE_INDEX)  # genre order follows tag order
    shipped = cnn.default_model_path().with_name("labels.txt").read_text().splitlines()
    assert shipped == list(cnn.TAG_LABELS)


def test_genre_vector_is_renormalised_genre_subset():
    tags = np.linspace(0.01, 0.99, 50, dtype=np.float32)
    g = cnn.genre_vector(tags)
    assert g.shape == (28,) and g.dtype == np.float32
    assert g.sum() == pytest.approx(1.0, abs=1e-6)
    # proportional to the genre tags, non-genre tags play no part
    np.testing.assert_allclose(g, tags[cnn.GENRE_INDEX] / tags[cnn.GENRE_INDEX].sum(), rtol=1e-6)
    other = tags.copy()
    other[np.setdiff1d(np.arange(50), cnn.GENRE_INDEX)] = 0.0
    np.testing.assert_allclose(cnn.genre_vector(other), g, rtol=1e-6)
    # no genre evidence at all → uniform, never NaN
    np.testing.assert_allclose(cnn.genre_vector(np.zeros(50)), np.full(28, 1 / 28), rtol=1e-6)
    # batches work row by row
    batch = cnn.genre_vector(np.stack([tags, np.zeros(50)]))
    assert batch.shape == (2, 28) and np.allclose(batch.sum(axis=1), 1.0)
    with pytest.raises(ValueError):
        cnn.genre_vector(np.ones(28))


def test_log_mel_matches_librosa_training_front_end(rng):
    t = np.arange(5 * SR) / SR
    y = 0.4 * np.sin(2 * np.pi * (200 + 300 * t) * t) + 0.05 * rng.standard_normal(t.size)
    mel = cnn.log_mel(y.astype(np.float32))
    ref = librosa.feature.melspectrogram(
        y=y.astype(np.float64), sr=SR, n_fft=512, hop_length=256, n_mels=96, pad_mode="reflect"
    )
    ref = np.log10(1 + 10000 * ref.T)
    assert mel.dtype == np.float32
    assert mel.shape == (1 + t.size // 256, 96) == ref.shape
    np.testing.assert_allclose(mel, ref, atol=2e-4, rtol=1e-4)


def test_log_mel_is_finite_on_full_scale_audio_where_float16_overflows():
    y = _clipped_square()
    mel = cnn.log_mel(y)
    assert np.isfinite(mel).all() and mel.max() > 5  # loud, yet finite
    # musicnn's own float16 computation of 10000·x overflows on this very signal
    power16 = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=512, hop_length=256, n_mels=96
    ).astype(np.float16)
    with np.errstate(over="ignore"):
        assert np.isinf(np.log10(10000 * power16.T + 1)).any()


def test_log_mel_treats_non_finite_samples_as_silence_and_pads_tiny_input():
    y = np.zeros(SR, np.float32)
    y[100:200] = np.nan
    y[300] = np.inf
    assert np.array_equal(cnn.log_mel(y), cnn.log_mel(np.zeros(SR, np.float32)))
    assert cnn.log_mel(np.ones(10, np.float32)).shape == (3, 96)  # one FFT frame of audio


def test_patches_are_non_overlapping_and_short_input_is_repeat_padded(rng):
    mel = rng.random((2 * 187 + 50, 96), dtype=np.float32)
    p = cnn.patches(mel)
    assert p.shape == (2, 187, 96)
    assert np.array_equal(p[0], mel[:187]) and np.array_equal(p[1], mel[187:374])
    short = rng.random((70, 96), dtype=np.float32)
    one = cnn.patches(short)
    assert one.shape == (1, 187, 96)
    assert np.array_equal(one[0, :70], short) and np.array_equal(one[0, 70:140], short)
    assert np.array_equal(one[0, 140:], short[:47])
    assert cnn.patches(np.zeros((0, 96), np.float32)).shape == (0, 187, 96)
    with pytest.raises(ValueError):
        cnn.patches(np.zeros((200, 40), np.float32))


def test_outputs_have_contract_shapes_and_ranges(predictions):
    for tags, emb in predictions.values():
        assert tags.shape == (50,) and tags.dtype == np.float32
        assert emb.shape == (200,) and emb.dtype == np.float32
        assert ((tags > 0) & (tags < 1)).all() and np.isfinite(emb).all()


def test_different_sounds_get_clearly_different_tags(predictions):
    names = list(predictions)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            (ta, ea), (tb, eb) = predictions[a], predictions[b]
            assert _cos_dist(ta, tb) > 0.1, (a, b)
            assert _cos_dist(ea, eb) > 0.3, (a, b)
            top3 = {a: set(np.argsort(-ta)[:3]), b: set(np.argsort(-tb)[:3])}
            assert top3[a] != top3[b], (a, b)
    # a sustained chord is not heard as the same thing as percussion or noise
    top = {n: cnn.TAG_LABELS[int(np.argmax(t))] for n, (t, _) in predictions.items()}
    assert top["chord"] != top["drums"] and top["chord"] != top["noise"]


def test_predict_is_deterministic_across_calls_and_instances(model, signals, predictions):
    tags, emb = model.predict([signals["drums"]], SR)
    assert np.array_equal(tags, predictions["drums"][0])
    assert np.array_equal(emb, predictions["drums"][1])
    other = cnn.TagModel(threads=1)
    t2, e2 = other.predict([signals["drums"]], SR)
    assert np.array_equal(t2, tags) and np.array_equal(e2, emb)


def test_predict_is_the_mean_over_the_central_patch_of_each_segment(model, signals):
    a, b = signals["chord"][: 4 * SR], signals["noise"]  # 1 patch + 3 patches
    tags, emb = model.predict([a, b], SR)
    pa, pb = cnn.patches(cnn.log_mel(a)), cnn.patches(cnn.log_mel(b))
    assert (len(pa), len(pb)) == (1, 3)
    # one patch per segment: the only one of a, the middle one (n // 2 = 1) of b
    pt, pe = model.predict_patches(np.stack([pa[0], pb[1]]))
    np.testing.assert_allclose(tags, pt.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(emb, pe.mean(axis=0), rtol=1e-5, atol=1e-5)
    # chunked inference (CHUNK patches per call) equals one patch at a time
    singles = np.concatenate([model.predict_patches(p[None])[0] for p in pb])
    np.testing.assert_allclose(model.predict_patches(pb)[0], singles, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("seconds", [2.0, 5.9, 6.0, 9.1, 12.0, 12.3, 40.0])
def test_central_patch_is_that_patch_of_the_whole_spectrogram(seconds):
    """Only the central patch's 3 s are transformed, with the whole excerpt's values."""
    y = (0.1 * np.random.default_rng(7).standard_normal(int(seconds * SR))).astype(np.float32)
    full = cnn.patches(cnn.log_mel(y))
    central = cnn.central_patch(y)
    assert central.shape == (cnn.PATCH_FRAMES, cnn.N_MELS)
    np.testing.assert_allclose(central, full[len(full) // 2 if len(full) >= 2 else 0],
                               atol=1e-5)


def test_loud_clipped_audio_gives_finite_outputs(model):
    tags, emb = model.predict([_clipped_square()], SR)
    assert np.isfinite(tags).all() and np.isfinite(emb).all()


def test_other_sample_rates_are_resampled(model, signals, predictions):
    y44 = librosa.resample(signals["chord"], orig_sr=SR, target_sr=44100)
    tags, emb = model.predict([y44], 44100)
    assert _cos_dist(tags, predictions["chord"][0]) < 0.01
    assert _cos_dist(emb, predictions["chord"][1]) < 0.05


def test_short_and_empty_segments(model):
    tags, emb = model.predict([np.zeros(0, np.float32), _major_chord(0.5)], SR)
    assert tags.shape == (50,) and np.isfinite(emb).all()
    with pytest.raises(AudioError, match="no audio"):
        model.predict([np.zeros(0, np.float32)], SR)
    with pytest.raises(AudioError):
        model.predict([], SR)


def test_missing_model_raises_model_error_naming_the_path(tmp_path: Path):
    missing = tmp_path / "nope" / "model.tflite"
    with pytest.raises(ModelError, match="not found") as info:
        cnn.TagModel(missing)
    assert str(missing) in str(info.value)


def test_broken_model_file_raises_model_error(tmp_path: Path):
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"this is not a flatbuffer" * 10)
    with pytest.raises(ModelError) as info:
        cnn.TagModel(broken)
    assert str(broken) in str(info.value)
    empty = tmp_path / "empty.tflite"
    empty.write_bytes(b"")
    with pytest.raises(ModelError):
        cnn.TagModel(empty)


def test_shipped_model_is_small_and_matches_its_manifest():
    import hashlib
    import json

    path = cnn.default_model_path()
    meta = json.loads(path.with_name("model.json").read_text())
    blob = path.read_bytes()
    assert len(blob) < 2_500_000  # float16 weights
    assert meta["sha256"] == hashlib.sha256(blob).hexdigest()
    assert meta["input"]["shape"] == [-1, cnn.PATCH_FRAMES, cnn.N_MELS]


def test_runtime_agrees_with_tensorflow_reference_outputs(model):
    """Front end + shipped float16 TFLite vs the float32 TF checkpoint (build_tflite.py)."""
    import importlib.util

    models_dir = cnn.default_model_path().parent
    tools_dir = Path(__file__).resolve().parents[2] / "tools"
    spec = importlib.util.spec_from_file_location(
        "reference_signal", tools_dir / "reference_signal.py"
    )
    ref_mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref_mod)
    ref = np.load(models_dir / "reference_outputs.npz")
    batch = cnn.patches(cnn.log_mel(ref_mod.reference_signal()))
    assert batch.shape == (3, 187, 96)
    tags, emb = model.predict_patches(batch)
    np.testing.assert_allclose(tags, ref["tags"], atol=3e-3)
    np.testing.assert_allclose(emb, ref["embedding"], atol=2e-2)
    for t, r in zip(tags, ref["tags"], strict=True):
        assert set(np.argsort(-t)[:5]) == set(np.argsort(-r)[:5])


def test_stereo_input_is_refused_not_interleaved(model):
    stereo = np.zeros((2, SR), np.float32)
    with pytest.raises(ValueError, match="mono"):
        cnn.log_mel(stereo)
    with pytest.raises(ValueError, match="mono"):
        model.predict([stereo], SR)
    column = _major_chord(4.0)[:, None]  # (n, 1) is still mono
    assert np.array_equal(cnn.log_mel(column), cnn.log_mel(column[:, 0]))
