"""The second shipped tagger, musicnn MTT, run for real; the analysis that uses both models."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from audiofiles import write_audio

from soundalike.engine import analyze, cnn
from soundalike.engine.errors import AudioError

SR = 16000
TOOLS = Path(__file__).resolve().parents[2] / "tools"


@pytest.fixture(scope="module")
def mtt() -> cnn.TagModel:
    return cnn.TagModel(model="mtt")


def _reference_signal() -> np.ndarray:
    spec = importlib.util.spec_from_file_location("reference_signal",
                                                  TOOLS / "reference_signal.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.reference_signal()


def test_shipped_mtt_model_labels_and_manifest():
    path = cnn.default_model_path("mtt")
    assert path.name == "musicnn_mtt.tflite" and path.is_file()
    meta = json.loads(path.with_name("model_mtt.json").read_text())
    blob = path.read_bytes()
    assert len(blob) < 2_500_000
    assert meta["sha256"] == hashlib.sha256(blob).hexdigest()
    assert meta["vocabulary"] == "mtt" and "MTT_musicnn" in meta["source"]
    assert "ISC" in meta["source"]
    assert len(cnn.MTT_LABELS) == 50 and len(set(cnn.MTT_LABELS)) == 50
    for word in ("strings", "piano", "violin", "choir", "harpsichord", "classical", "techno"):
        assert word in cnn.MTT_LABELS
    assert set(cnn.MTT_STYLES) <= set(cnn.MTT_LABELS)
    assert set(cnn.MTT_INSTRUMENTS) <= set(cnn.MTT_LABELS)
    assert not set(cnn.MTT_STYLES) & set(cnn.MTT_INSTRUMENTS)


def test_mtt_runtime_agrees_with_tensorflow_reference_outputs(mtt):
    """Front end + shipped float16 MTT TFLite vs the float32 TF checkpoint (build_tflite.py)."""
    ref = np.load(cnn.MODELS_DIR / "reference_outputs_mtt.npz")
    batch = cnn.patches(cnn.log_mel(_reference_signal()))
    tags, emb = mtt.predict_patches(batch)
    assert tags.shape == (3, 50) and emb.shape == (3, 200)
    np.testing.assert_allclose(tags, ref["tags"], atol=3e-3)
    np.testing.assert_allclose(emb, ref["embedding"], atol=2e-2)
    for t, r in zip(tags, ref["tags"], strict=True):
        assert set(np.argsort(-t)[:5]) == set(np.argsort(-r)[:5])
    # a different network from MSD on the same input: not the MSD file under another name
    msd_ref = np.load(cnn.MODELS_DIR / "reference_outputs.npz")
    assert np.abs(ref["tags"] - msd_ref["tags"]).max() > 0.05


def test_mtt_names_a_drum_loop_and_a_sustained_chord_differently(mtt):
    rng = np.random.default_rng(3)
    t = np.arange(9 * SR) / SR
    chord = sum(np.sin(2 * np.pi * f * h * t) / h ** 1.5 for f in (261.63, 329.63, 392.0)
                for h in range(1, 6))
    chord = (0.3 * chord / np.abs(chord).max()).astype(np.float32)
    drums = np.zeros_like(chord)
    hit = (rng.standard_normal(2000) * np.exp(-np.arange(2000) / 200)).astype(np.float32)
    for s in range(0, len(drums) - 2000, SR // 4):
        drums[s:s + 2000] += hit
    tags_c, _ = mtt.predict([chord], SR)
    tags_d, _ = mtt.predict([drums / np.abs(drums).max() * 0.6], SR)
    i = cnn.MTT_LABELS.index
    assert tags_d[i("drums")] > tags_c[i("drums")]
    assert tags_c[i("no vocals")] > 0.05 and np.all((tags_c >= 0) & (tags_c <= 1))


def test_tag_vocabulary_is_every_stored_word_per_model():
    vocab = cnn.tag_vocabulary()
    assert vocab == {"msd": cnn.TAG_LABELS, "mtt": cnn.MTT_LABELS}
    words = cnn.tag_words()
    assert len(words) == len(set(words))
    assert {w.lower() for w in cnn.TAG_LABELS} | set(cnn.MTT_LABELS) == set(words)
    assert words.count("rock") == 1 and "hip-hop" in words and "harpsichord" in words


def test_top_style_prefers_an_mtt_style_msd_cannot_name():
    msd = np.zeros((3, 50), np.float32)
    msd[:, cnn.TAG_LABELS.index("jazz")] = 0.3
    mtt = np.zeros((3, 50), np.float32)
    mtt[0, cnn.MTT_LABELS.index("classical")] = 0.8     # orchestral: MTT knows better
    mtt[1, cnn.MTT_LABELS.index("classical")] = 0.1     # MSD's jazz is stronger
    mtt[2, cnn.MTT_LABELS.index("rock")] = 0.6          # shared word: the larger probability
    assert cnn.top_style(msd, mtt) == ["classical", "jazz", "rock"]
    assert cnn.top_style(msd) == ["jazz"] * 3
    nan = np.full((3, 50), np.nan, np.float32)           # no MTT tags: MSD's word
    assert cnn.top_style(msd, nan) == ["jazz"] * 3


def test_unknown_model_name_is_a_plain_error():
    with pytest.raises(ValueError, match="unknown tagging model"):
        cnn.TagModel(model="vgg")


def test_analyze_file_runs_both_models_on_the_same_patches(tmp_path):
    rng = np.random.default_rng(7)
    y = (0.2 * rng.standard_normal(20 * 22050)).astype(np.float32)
    path = write_audio(tmp_path / "noise.flac", y, 22050)
    r = analyze.analyze_file(path)
    assert r.version == analyze.ANALYSIS_VERSION == 3
    assert r.mtt_tags.shape == (50,) and r.mtt_embedding.shape == (200,)
    assert {"decode", "dsp", "cnn", "mtt"} <= set(r.timings)
    from soundalike.engine import audio

    dec = audio.load(path)
    batch = cnn.track_patches(dec.segments, dec.sr)
    want_t, want_e = analyze.default_model("mtt").predict_track(batch)
    np.testing.assert_array_equal(r.mtt_tags, want_t)
    np.testing.assert_array_equal(r.mtt_embedding, want_e)
    np.testing.assert_array_equal(r.tags, analyze.default_model("msd").predict_track(batch)[0])
    # the upgrade path gives exactly what the full analysis stores
    m = analyze.analyze_mtt(path)
    np.testing.assert_array_equal(m.mtt_tags, r.mtt_tags)
    np.testing.assert_array_equal(m.mtt_embedding, r.mtt_embedding)
    assert set(m.timings) == {"decode", "mtt"}


def test_analyze_mtt_reports_bad_input_in_plain_words(tmp_path):
    bad = tmp_path / "notes.mp3"
    bad.write_text("not audio at all\n")
    with pytest.raises(AudioError):
        analyze.analyze_mtt(bad)
    with pytest.raises(AudioError, match="no audio"):
        cnn.TagModel(model="mtt").predict_track(np.zeros((0, 187, 96), np.float32))
