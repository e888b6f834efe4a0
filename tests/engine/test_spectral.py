"""engine/spectral.py against librosa 0.11, the library it replaces at run time.

librosa stays a test dependency for exactly this: every helper is compared with the
librosa call it stands for, on synthesised music-like signals and on a compressed file
decoded and resampled by the real pipeline (so the near-empty top of the spectrum that
soxr leaves is exercised too). ``test_features_match_the_librosa_implementation``
compares whole track feature vectors with the former librosa-based ``dsp.features``.
"""

from __future__ import annotations

import subprocess
import sys

import librosa
import numpy as np
import pytest
import scipy.fft
from audiofiles import click_track, noise, tone, write_audio

from soundalike.engine import audio, cnn, dsp, spectral

SR = 16000


def _music(seconds: float = 12.0, sr: int = SR, seed: int = 1, detune: float = 1.0) -> np.ndarray:
    """A-minor pad with harmonics, a 100-bpm kick/hat loop and a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = np.zeros_like(t)
    for m in (45, 57, 60, 64):
        f = detune * 440.0 * 2 ** ((m - 69) / 12)
        for k in range(1, 6):
            y += np.sin(2 * np.pi * f * k * t + k) / k**1.5
    y *= 0.15 / np.abs(y).max()
    step, hit = int(sr * 60 / 100 / 2), np.arange(int(0.12 * sr)) / sr
    kick = np.sin(2 * np.pi * (45 + 90 * np.exp(-25 * hit)) * hit) * np.exp(-15 * hit)
    hat = np.diff(rng.standard_normal(hit.size + 1)) * np.exp(-90 * hit) * 0.3
    for i, s in enumerate(range(0, len(y) - hit.size, step)):
        y[s : s + hit.size] += 0.5 * (kick if i % 2 == 0 else hat)
    y += 0.005 * rng.standard_normal(len(y))
    return (0.7 * y / np.abs(y).max()).astype(np.float32)


@pytest.fixture(scope="module")
def decoded(tmp_path_factory) -> list[np.ndarray]:
    """Excerpts of a 44.1 kHz stereo AAC file, decoded and resampled to 16 kHz by audio.load."""
    y = _music(40.0, 44100, seed=2)
    path = write_audio(tmp_path_factory.mktemp("spectral") / "song.m4a",
                       np.stack([y, 0.8 * y], axis=1), 44100)
    a = audio.load(path)
    assert a.sr == SR
    return a.segments


@pytest.fixture(scope="module")
def signals(decoded) -> dict[str, np.ndarray]:
    return {
        "music": _music(),
        "decoded": decoded[0],
        "clicks": click_track(128, 10, SR),
        "noise": noise(6, SR),
        "tone": tone(440, 5, SR),
    }


def _mags(y: np.ndarray, n_fft: int = 2048) -> np.ndarray:
    return np.abs(librosa.stft(y, n_fft=n_fft, hop_length=256))


# ---------------------------------------------------------------------------- frames, STFT


def test_window_frequencies_and_framing():
    for n in (16, 500, 512, 2048):
        assert np.array_equal(spectral.hann(n), librosa.filters.get_window("hann", n, fftbins=True))
    assert np.array_equal(spectral.fft_frequencies(SR, 2048),
                          librosa.fft_frequencies(sr=SR, n_fft=2048))
    x = np.arange(1000.0)
    assert np.array_equal(spectral.frame(x, 64, 10),
                          librosa.util.frame(x, frame_length=64, hop_length=10).T)
    with pytest.raises(ValueError):
        spectral.frame(x[:10], 64, 10)


@pytest.mark.parametrize("name", ["music", "decoded", "noise", "tone"])
@pytest.mark.parametrize(("n_fft", "pad_mode"),
                         [(2048, "constant"), (512, "reflect"), (512, "constant")])
def test_stft_equals_librosa(signals, name, n_fft, pad_mode):
    y = signals[name]
    ref = librosa.stft(y, n_fft=n_fft, hop_length=256, pad_mode=pad_mode)
    got = spectral.stft(y, n_fft, 256, pad_mode=pad_mode)
    assert got.dtype == np.complex64
    assert got.shape == ref.shape == (1 + n_fft // 2, 1 + len(y) // 256)
    if pad_mode == "constant":
        assert np.array_equal(got, ref)
    else:
        # librosa 0.11 pads the tail separately: when the last chunk is shorter than the
        # pad, np.pad's reflection bounces off its far end. Here (as librosa 0.6, musicnn's
        # training front end) the whole signal is reflected; only the last frame differs.
        assert np.array_equal(got[:, :-1], ref[:, :-1])
        start = (len(y) // 256) * 256
        last = np.pad(y, n_fft // 2, mode="reflect")[start : start + n_fft] * spectral.hann(n_fft)
        np.testing.assert_allclose(got[:, -1], np.fft.rfft(last), rtol=0,
                                   atol=1e-6 * np.abs(ref).max())
        ref = np.concatenate([ref[:, :-1], np.fft.rfft(last)[:, None]], axis=1)
    mag = spectral.stft_magnitude(y, n_fft, 256, pad_mode=pad_mode)
    assert mag.dtype == np.float32 and mag.shape == ref.shape
    np.testing.assert_allclose(mag, np.abs(ref), rtol=3e-7, atol=1e-6 * np.abs(ref).max())
    power = spectral.stft_magnitude(y, n_fft, 256, pad_mode=pad_mode, power=2)
    np.testing.assert_allclose(power, np.abs(ref) ** 2, rtol=1e-6,
                               atol=1e-6 * np.abs(ref).max() ** 2)


def test_stft_magnitude_writes_into_a_time_major_slice():
    y = _music(3.0)
    out = np.full((2 * (1 + len(y) // 256), 1025), -1.0, np.float32)
    view = spectral.stft_magnitude(y, 2048, 256, out=out[: 1 + len(y) // 256])
    assert np.shares_memory(view, out) and view.shape == (1025, 1 + len(y) // 256)
    assert np.all(out[: 1 + len(y) // 256] >= 0) and np.all(out[1 + len(y) // 256 :] == -1)
    with pytest.raises(ValueError, match="shape"):
        spectral.stft_magnitude(y, 2048, 256, out=out)
    with pytest.raises(ValueError):
        spectral.stft_magnitude(y, 2048, 256, power=3)


# ---------------------------------------------------------------------------- mel, dB, MFCC


def test_mel_scale_and_filterbank_equal_librosa():
    f = np.array([0.0, 50.0, 999.9, 1000.0, 1000.1, 4321.0, 8000.0, 11025.0])
    np.testing.assert_allclose(spectral.hz_to_mel(f), librosa.hz_to_mel(f), rtol=1e-12)
    m = np.linspace(0, 40, 17)
    np.testing.assert_allclose(spectral.mel_to_hz(m), librosa.mel_to_hz(m), rtol=1e-12)
    np.testing.assert_allclose(spectral.mel_frequencies(66, 0.0, 8000.0),
                               librosa.mel_frequencies(66, fmin=0.0, fmax=8000.0), rtol=1e-12)
    for sr, n_fft, n_mels in ((16000, 2048, 64), (16000, 512, 96), (22050, 2048, 64),
                              (44100, 2048, 128)):
        ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)
        got = spectral.mel_filterbank(sr, n_fft, n_mels)
        assert got.dtype == np.float32 and np.array_equal(got, ref), (sr, n_fft, n_mels)


def test_power_to_db_and_mfcc_equal_librosa(signals):
    for y in signals.values():
        mel = librosa.filters.mel(sr=SR, n_fft=2048, n_mels=64) @ _mags(y) ** 2
        db = spectral.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0)
        assert np.array_equal(db, librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0))
        ref = librosa.feature.mfcc(S=db, n_mfcc=13)
        got = spectral.mfcc(db, 13)
        assert got.dtype == np.float32 and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-4)  # float32 DCT rounding
    x = np.random.default_rng(0).standard_normal((64, 7))
    np.testing.assert_allclose(spectral.dct_ortho(13, 64) @ x,
                               scipy.fft.dct(x, type=2, norm="ortho", axis=0)[:13], atol=1e-12)
    assert np.array_equal(spectral.power_to_db(np.array([0.0, 1e-12, 1.0, 100.0]), top_db=None),
                          librosa.power_to_db(np.array([0.0, 1e-12, 1.0, 100.0]), top_db=None))


# ---------------------------------------------------------------------------- onsets, tempo


def _mel_db(y: np.ndarray) -> np.ndarray:
    mel = librosa.filters.mel(sr=SR, n_fft=2048, n_mels=64) @ _mags(y) ** 2
    return librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0)


@pytest.mark.parametrize("name", ["music", "decoded", "clicks", "noise", "tone"])
def test_onset_strength_and_detection_equal_librosa(signals, name):
    db = _mel_db(signals[name])
    ref = librosa.onset.onset_strength(S=db, sr=SR, hop_length=256)
    env = spectral.onset_strength(db, hop_length=256)
    assert env.dtype == ref.dtype and np.array_equal(env, ref)
    onsets = librosa.onset.onset_detect(onset_envelope=ref, sr=SR, hop_length=256, units="frames")
    assert np.array_equal(spectral.onset_detect(env, SR, 256), onsets)
    assert np.array_equal(spectral.onset_detect(env, 22050, 256),
                          librosa.onset.onset_detect(onset_envelope=ref, sr=22050, hop_length=256))


@pytest.mark.parametrize(
    "params",
    [
        {"pre_max": 1, "post_max": 1, "pre_avg": 6, "post_avg": 7, "delta": 0.07, "wait": 1},
        {"pre_max": 3, "post_max": 2, "pre_avg": 10, "post_avg": 3, "delta": 0.0, "wait": 0},
        {"pre_max": 0, "post_max": 5, "pre_avg": 0, "post_avg": 1, "delta": 0.2, "wait": 7},
    ],
)
def test_peak_pick_equals_librosa(params):
    rng = np.random.default_rng(5)
    for x in (rng.random(400), np.round(rng.random(300), 1), np.zeros(50), rng.random(3)):
        assert np.array_equal(spectral.peak_pick(x, **params), librosa.util.peak_pick(x, **params))


def test_autocorrelation_normalisation_and_fast_lengths():
    rng = np.random.default_rng(6)
    for shape, axis, size in (((500, 30), 0, None), ((30, 751), -1, 40), ((999,), -1, 3)):
        x = rng.standard_normal(shape)
        np.testing.assert_allclose(spectral.autocorrelate(x, max_size=size, axis=axis),
                                   librosa.autocorrelate(x, max_size=size, axis=axis), atol=1e-9)
    assert [spectral.next_fast_len(n) for n in range(1, 3000)] == [
        scipy.fft.next_fast_len(n, real=True) for n in range(1, 3000)]
    s = rng.standard_normal((12, 9)).astype(np.float32)
    s[:, 3] = 0.0
    for norm in (np.inf, 2):
        got = spectral.normalize(s, norm=norm, axis=0)
        assert got.dtype == s.dtype
        assert np.array_equal(got, librosa.util.normalize(s, norm=norm, axis=0))


@pytest.mark.parametrize("name", ["music", "decoded", "clicks"])
def test_tempogram_and_tempo_equal_librosa(signals, name):
    env = librosa.onset.onset_strength(S=_mel_db(signals[name]), sr=SR, hop_length=256)
    win = 500
    # what dsp used to compute: librosa.feature.tempogram's steps, every 4th column
    padded = np.pad(env, win // 2, mode="linear_ramp", end_values=(0, 0))
    frames = librosa.util.frame(padded, frame_length=win, hop_length=4)
    frames = frames * librosa.filters.get_window("hann", win, fftbins=True)[:, None]
    ref = librosa.util.normalize(librosa.autocorrelate(frames, axis=0), norm=np.inf, axis=0)
    tg = spectral.tempogram(env, win, 4)
    assert tg.shape == ref.shape
    np.testing.assert_allclose(tg, ref, atol=1e-12)
    full = spectral.tempogram(env, win)
    np.testing.assert_allclose(
        full[:, : len(env)],  # librosa trims the one extra column centring adds
        librosa.feature.tempogram(onset_envelope=env, sr=SR, hop_length=256, win_length=win),
        atol=1e-12)
    assert spectral.tempo(tg, SR, 256) == float(
        librosa.feature.tempo(tg=ref, sr=SR, hop_length=256)[0])


# ---------------------------------------------------------------------------- spectral shape


@pytest.mark.parametrize("name", ["music", "decoded", "noise", "tone"])
def test_flatness_and_contrast_equal_librosa(signals, name):
    mag = _mags(signals[name])
    ref = librosa.feature.spectral_flatness(S=mag, power=2.0)[0]
    np.testing.assert_allclose(spectral.spectral_flatness(mag, power=2.0), ref, rtol=1e-6)
    np.testing.assert_allclose(spectral.spectral_flatness(mag**2, power=1.0), ref, rtol=1e-6)
    for sr, fmin in ((SR, 100.0), (SR, 200.0), (22050, 100.0)):
        ref = librosa.feature.spectral_contrast(S=mag, sr=sr, n_fft=2048, fmin=fmin, n_bands=6)
        got = spectral.spectral_contrast(mag, sr, 2048, fmin=fmin, n_bands=6)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-4)  # dB; float32 means
    with pytest.raises(ValueError, match="Nyquist"):
        spectral.spectral_contrast(mag, 8000, 2048, fmin=200.0, n_bands=6)


# ---------------------------------------------------------------------------- pitch, chroma


@pytest.mark.parametrize("detune", [1.0, 2 ** (0.23 / 12), 2 ** (-0.41 / 12)])
def test_piptrack_and_tuning_equal_librosa(signals, detune):
    for y in (_music(8.0, detune=detune), signals["decoded"], signals["noise"]):
        mag = _mags(y)[:, ::4]
        pitches, mags = librosa.piptrack(S=mag, sr=SR, n_fft=2048)
        nz = np.nonzero(pitches)
        got_p, got_m = spectral.piptrack(mag, SR, 2048)
        assert np.array_equal(got_p, pitches[nz]) and np.array_equal(got_m, mags[nz])
        tuning = spectral.estimate_tuning(mag, SR, 2048)
        assert tuning == librosa.estimate_tuning(S=mag, sr=SR, n_fft=2048)
    assert abs(spectral.estimate_tuning(_mags(_music(8.0, detune=detune)), SR, 2048)
               - 12 * np.log2(detune)) < 0.03
    assert spectral.estimate_tuning(np.zeros((1025, 5), np.float32), SR, 2048) == 0.0


@pytest.mark.parametrize("sr", [SR, 22050])
def test_chroma_filterbank_and_chromagram_equal_librosa(signals, sr):
    for tuning in (0.0, 0.23, -0.41, -0.5):
        assert np.array_equal(spectral.chroma_filterbank(sr, 2048, tuning),
                              librosa.filters.chroma(sr=sr, n_fft=2048, tuning=tuning))
    power = _mags(signals["music"]) ** 2
    power[:, :3] = 0.0  # silent frames stay zero (librosa leaves them un-normalised)
    ref = librosa.feature.chroma_stft(S=power, sr=sr, n_fft=2048, tuning=0.1)
    got = spectral.chroma_stft(power, sr, 2048, tuning=0.1)
    assert got.dtype == ref.dtype
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    assert np.all(got[:, :3] == 0)


# ---------------------------------------------------------------------------- CNN front end


@pytest.mark.parametrize("name", ["music", "decoded", "noise", "tone"])
def test_log_mel_equals_the_librosa_front_end(signals, name):
    """cnn.log_mel as it was computed with librosa 0.11 (reflect-padded STFT, 96 Slaney bands)."""
    y = signals[name]
    spec = librosa.stft(y, n_fft=cnn.N_FFT, hop_length=cnn.HOP, center=True, pad_mode="reflect")
    mel = librosa.filters.mel(sr=SR, n_fft=cnn.N_FFT, n_mels=cnn.N_MELS) @ (
        spec.real**2 + spec.imag**2).astype(np.float32)
    ref = np.log10(np.float32(1.0) + np.float32(10000.0) * mel).T
    got = cnn.log_mel(y)
    assert got.dtype == np.float32 and got.shape == ref.shape and got.flags.c_contiguous
    # float32 rounding; the last frame differs where librosa 0.11 reflects a short tail chunk
    np.testing.assert_allclose(got[:-1], ref[:-1], rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(got[-1], ref[-1], atol=1e-3)
    assert np.array_equal(cnn._mel_basis(), librosa.filters.mel(sr=SR, n_fft=512, n_mels=96))


# ---------------------------------------------------------------------------- whole tracks


def _librosa_features(segments: list[np.ndarray], sr: int) -> np.ndarray:
    """The former librosa implementation of dsp.features (soundalike before engine/spectral)."""
    n_fft, hop = dsp.N_FFT, dsp.HOP
    segs = [np.nan_to_num(np.asarray(s, np.float32)) for s in segments if len(s) >= n_fft]
    out = np.zeros(len(dsp.FEATURE_NAMES))
    out[dsp.INDEX["loudness_db"]] = dsp.FLOOR_DB
    idx = dsp.INDEX
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    window = librosa.filters.get_window("hann", n_fft, fftbins=True)
    mel_fb = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=dsp.N_MELS)
    win = max(round(dsp.TEMPO_WINDOW_S * sr / hop), 16)
    mags, mfccs, tgs, envs = [], [], [], []
    n_on, on_sum, on_frames, cross, samples = 0, 0.0, 0, 0, 0
    for y in segs:
        mag = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window))
        db = librosa.power_to_db(mel_fb @ mag**2, ref=1.0, amin=1e-10, top_db=80.0)
        mags.append(mag)
        mfccs.append(librosa.feature.mfcc(S=db, n_mfcc=dsp.N_MFCC))
        env = librosa.onset.onset_strength(S=db, sr=sr, hop_length=hop)
        on_sum, on_frames = on_sum + float(env.sum()), on_frames + len(env)
        if env.max() > 1e-6:
            envs.append(env)
            padded = np.pad(env, win // 2, mode="linear_ramp", end_values=(0, 0))
            fr = librosa.util.frame(padded, frame_length=win, hop_length=dsp.TEMPOGRAM_STEP)
            fr = fr * librosa.filters.get_window("hann", win, fftbins=True)[:, None]
            tgs.append(librosa.util.normalize(librosa.autocorrelate(fr, axis=0), norm=np.inf,
                                              axis=0))
            n_on += len(librosa.onset.onset_detect(onset_envelope=env, sr=sr, hop_length=hop))
        signs = np.signbit(y)
        cross += int(np.count_nonzero(signs[1:] != signs[:-1]))
        samples += len(y) - 1
    mag = np.concatenate(mags, axis=1)
    power = mag**2
    mfcc = np.concatenate(mfccs, axis=1)
    ms = (power[0] + power[-1] + 2.0 * power[1:-1].sum(axis=0)) / (n_fft * float(np.sum(window**2)))
    frame_db = 10.0 * np.log10(np.maximum(ms, 1e-12))
    out[idx["loudness_db"]] = max(10.0 * np.log10(max(float(ms.mean()), 1e-12)), dsp.FLOOR_DB)
    clipped = np.maximum(frame_db, dsp.DR_FLOOR_DB)
    out[idx["dynamic_range_db"]] = np.percentile(clipped, 95) - np.percentile(clipped, 10)
    out[idx["bass_ratio"]] = (float(power[1:][freqs[1:] < dsp.BASS_HZ].sum())
                              / float(power[1:].sum()))
    out[idx["zcr"]] = cross / samples
    out[idx["onset_strength"]] = on_sum / on_frames
    out[idx["onset_rate"]] = n_on / (sum(len(s) for s in segs) / sr)
    if tgs and out[idx["onset_strength"]] >= dsp.ONSET_MIN:
        bpm = float(librosa.feature.tempo(tg=np.concatenate(tgs, axis=1), sr=sr, hop_length=hop)[0])
        out[idx["tempo_bpm"]] = bpm
        out[idx["beat_strength"]] = dsp.pulse_clarity(envs, 60.0 * sr / (hop * bpm))
    act = frame_db > dsp.SILENCE_DB
    mag, power, mfcc = mag[:, act], power[:, act], mfcc[:, act]
    f32 = freqs.astype(np.float32)
    total = mag.sum(axis=0)
    centroid = (f32 @ mag) / total
    spread = (f32[:, None] ** 2).T @ mag / total - centroid**2
    out[idx["spectral_centroid_hz"]] = centroid.mean()
    out[idx["spectral_bandwidth_hz"]] = np.sqrt(np.maximum(spread, 0.0)).mean()
    out[idx["spectral_rolloff_hz"]] = f32[
        np.argmax(np.cumsum(mag, axis=0) >= dsp.ROLLOFF * total, axis=0)].mean()
    out[idx["spectral_flatness"]] = librosa.feature.spectral_flatness(S=mag, power=2.0).mean()
    contrast = librosa.feature.spectral_contrast(S=mag, sr=sr, n_fft=n_fft, hop_length=hop,
                                                 fmin=dsp.CONTRAST_FMIN, n_bands=dsp.CONTRAST_BANDS)
    out[[idx[f"contrast_mean_{i}"] for i in range(7)]] = contrast.mean(axis=1)
    out[[idx[f"mfcc_mean_{i}"] for i in range(13)]] = mfcc.mean(axis=1)
    out[[idx[f"mfcc_std_{i}"] for i in range(13)]] = mfcc.std(axis=1)
    cov = np.cov(mfcc)[np.triu_indices(13, k=1)]
    out[[idx[n] for n in dsp.FEATURE_NAMES if n.startswith("mfcc_cov_")]] = cov
    tuning = float(librosa.estimate_tuning(S=mag[:, ::4], sr=sr, n_fft=n_fft))
    chroma = librosa.feature.chroma_stft(S=power, sr=sr, n_fft=n_fft, tuning=tuning).mean(axis=1)
    out[[idx[f"chroma_mean_{i}"] for i in range(12)]] = chroma
    out[idx["key"]], out[idx["mode"]], out[idx["key_strength"]] = dsp.estimate_key(chroma)
    return out.astype(np.float32)


@pytest.mark.parametrize("name", ["music", "decoded", "clicks", "detuned", "sr22050"])
def test_features_match_the_librosa_implementation(signals, decoded, name):
    segments, sr = {
        "music": lambda: ([_music(12.0, seed=s) for s in (1, 2, 3)], SR),
        "decoded": lambda: (decoded, SR),
        "clicks": lambda: ([click_track(128, 10, SR) + noise(10, SR, amp=0.1)], SR),
        "detuned": lambda: ([_music(12.0, detune=2 ** (0.3 / 12))], SR),
        "sr22050": lambda: ([_music(12.0, 22050)], 22050),
    }[name]()
    got = dsp.features(segments, sr).astype(np.float64)
    ref = _librosa_features(segments, sr).astype(np.float64)
    for n in ("key", "mode"):
        assert got[dsp.INDEX[n]] == ref[dsp.INDEX[n]], n
    # float32 rounding only: MFCC statistics (values up to ±500) within 1e-4 absolute,
    # everything else within 1e-5 relative
    tol = np.array([1e-4 if n.startswith("mfcc") else 1e-5 * max(abs(r), 1.0)
                    for n, r in zip(dsp.FEATURE_NAMES, ref, strict=True)])
    bad = [(n, g, r) for n, g, r, t in zip(dsp.FEATURE_NAMES, got, ref, tol, strict=True)
           if abs(g - r) > t]
    assert not bad, bad


def test_analysis_imports_neither_librosa_nor_numba_nor_scipy(tmp_path):
    """The memory budget of an analysis process depends on it (librosa + numba ≈ 250 MB)."""
    path = write_audio(tmp_path / "a.wav", _music(20.0, 44100), 44100)
    code = (
        "import sys\n"
        "from soundalike.engine.analyze import analyze_file\n"
        f"r = analyze_file({str(path)!r})\n"
        "assert r.features.shape[0] > 100\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules}\n"
        "               & {'librosa', 'numba', 'scipy', 'llvmlite'})\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
