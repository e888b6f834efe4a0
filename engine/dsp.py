"""Hand-crafted audio features, summarised per track, each with a name a user can read.

Everything is derived from **one** short-time Fourier transform per excerpt
(``n_fft`` = 2048 = 128 ms at 16 kHz, hop 256 = 16 ms): spectral shape, chroma, the
mel spectrogram (→ MFCC and the onset envelope → tempo) and frame loudness (by
Parseval's theorem). Only the zero-crossing rate looks at the waveform. Frame-level
values of all excerpts are pooled before summarising; timbre and chroma statistics
use only frames above :data:`SILENCE_DB` so that pauses do not dilute them. The spectral
building blocks are :mod:`soundalike.engine.spectral` (numpy, computed as librosa does).

Silent or empty input gives finite defaults (zeros; ``loudness_db`` = :data:`FLOOR_DB`),
never NaN or inf. The result depends only on the input samples (deterministic).

Key and mode: Krumhansl–Schmuckler key finding — Pearson correlation of the mean
chroma vector with the 24 rotations of the Krumhansl–Kessler major and minor
key profiles (C. L. Krumhansl, *Cognitive Foundations of Musical Pitch*, Oxford
University Press, 1990, ch. 4; profiles from Krumhansl & Kessler, *Psychological
Review* 89(4), 1982). ``key_strength`` is the winning correlation (−1…1).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from soundalike.engine import spectral

N_FFT = 2048
HOP = 256
N_MELS = 64
N_MFCC = 13
#: Frames quieter than this (dBFS) count as silence for timbre/chroma statistics.
SILENCE_DB = -60.0
#: Lowest loudness reported (dBFS): the value for digital silence.
FLOOR_DB = -100.0
#: Frame loudness is clipped here before the dynamic-range percentiles.
DR_FLOOR_DB = -80.0
#: Upper edge (Hz) of the "bass" band of ``bass_ratio``.
BASS_HZ = 250.0
#: Tempogram window (s), as librosa's default ``ac_size``.
TEMPO_WINDOW_S = 8.0
#: Tempogram columns are computed every this many onset frames (64 ms).
TEMPOGRAM_STEP = 4
#: Roll-off point: share of spectral magnitude below ``spectral_rolloff_hz``.
ROLLOFF = 0.85
#: Below this mean onset strength there is no beat to speak of: tempo and beat strength are 0.
ONSET_MIN = 0.1
CONTRAST_FMIN = 100.0
CONTRAST_BANDS = 6  # → 7 values; top band edge 100·2⁶ = 6.4 kHz < 8 kHz Nyquist

KEY_NAMES = ("C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B")

# Krumhansl–Kessler probe-tone profiles, tonic first (Krumhansl 1990, table 2.1).
_MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

_RHYTHM = ("tempo_bpm", "beat_strength", "onset_rate", "onset_strength")
_CONTRAST = tuple(f"contrast_mean_{i}" for i in range(CONTRAST_BANDS + 1))
_MFCC_MEAN = tuple(f"mfcc_mean_{i}" for i in range(N_MFCC))
_MFCC_STD = tuple(f"mfcc_std_{i}" for i in range(N_MFCC))
_MFCC_COV = tuple(f"mfcc_cov_{i}_{j}" for i in range(N_MFCC) for j in range(i + 1, N_MFCC))
_TIMBRE = (
    (
        "spectral_centroid_hz",
        "spectral_bandwidth_hz",
        "spectral_rolloff_hz",
        "spectral_flatness",
        "zcr",
        "bass_ratio",
    )
    + _CONTRAST
    + _MFCC_MEAN
    + _MFCC_STD
    + _MFCC_COV
)
_CHROMA = tuple(f"chroma_mean_{i}" for i in range(12))
_TONAL = ("key", "mode", "key_strength") + _CHROMA
_LOUDNESS = ("loudness_db", "dynamic_range_db")

#: Name of every value :func:`features` returns, in order (the stored vector's layout).
FEATURE_NAMES: tuple[str, ...] = _RHYTHM + _TIMBRE + _TONAL + _LOUDNESS
#: Human groups → feature names (every name is in exactly one group).
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "rhythm": _RHYTHM,
    "timbre": _TIMBRE,
    "tonal": _TONAL,
    "loudness": _LOUDNESS,
}
#: Plain-words meaning (and unit) of the headline features, for explanations.
FEATURE_DESCRIPTIONS: dict[str, str] = {
    "tempo_bpm": "tempo (beats per minute)",
    "beat_strength": "how clear and regular the beat is (0–1)",
    "onset_rate": "note/drum onsets per second",
    "onset_strength": "how sharp the attacks are (mean onset strength)",
    "spectral_centroid_hz": "brightness: centre of mass of the spectrum (Hz)",
    "spectral_bandwidth_hz": "spread of the spectrum around its centre (Hz)",
    "spectral_rolloff_hz": "frequency below which 85 % of the energy lies (Hz)",
    "spectral_flatness": "noisiness: 0 = pure tones, 1 = white noise",
    "zcr": "zero-crossing rate (per sample): percussive/noisy content",
    "bass_ratio": "share of energy below 250 Hz",
    "key": "estimated key (0 = C … 11 = B)",
    "mode": "estimated mode (1 = major, 0 = minor)",
    "key_strength": "how clearly the music is in that key (correlation, −1…1)",
    "loudness_db": "average loudness (RMS, dBFS)",
    "dynamic_range_db": "loud-to-quiet range (95th − 10th percentile of frame level, dB)",
}
INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}


def key_name(key: float, mode: float) -> str:
    """``key_name(9, 0) == "A minor"``."""
    return f"{KEY_NAMES[round(key) % 12]} {'major' if round(mode) else 'minor'}"


def features(segments: Sequence[np.ndarray], sr: int) -> np.ndarray:
    """Summary features of a track from its decoded excerpts.

    Parameters
    ----------
    segments : sequence of np.ndarray, each shape (n,)
        Mono excerpts (float, nominally −1…1), e.g. ``audio.load(path).segments``.
        Segments shorter than one analysis window (128 ms at 16 kHz) are ignored.
    sr : int
        Their sample rate (Hz); the analysis rate is 16 kHz.

    Returns
    -------
    np.ndarray, shape (len(FEATURE_NAMES),), float32
        Values in the order of :data:`FEATURE_NAMES`; always finite.

    Raises
    ------
    ValueError
        ``sr`` ≤ 12.8 kHz: the top spectral-contrast band would pass the Nyquist frequency.
    """
    if sr <= 2 * CONTRAST_FMIN * 2**CONTRAST_BANDS:
        raise ValueError(f"sample rate {sr} Hz is too low for these features (use 16 kHz)")
    n_fft = N_FFT
    segs = [np.ascontiguousarray(s, dtype=np.float32) for s in segments]
    segs = [np.nan_to_num(s, nan=0.0, posinf=0.0, neginf=0.0) for s in segs if len(s) >= n_fft]
    out = np.zeros(len(FEATURE_NAMES), dtype=np.float64)
    out[INDEX["loudness_db"]] = FLOOR_DB
    if not segs:
        return out.astype(np.float32)

    freqs = spectral.fft_frequencies(sr, n_fft)
    window = spectral.hann(n_fft)
    mel_fb = _mel_fb(sr)
    win_frames = max(round(TEMPO_WINDOW_S * sr / HOP), 16)

    # Magnitude spectrogram of all excerpts, one block of frames per excerpt, time-major in
    # memory (``mag`` is its (bins, frames) transposed view): per-frame reductions then run
    # over contiguous memory.
    bounds = np.cumsum([0] + [1 + len(y) // HOP for y in segs])
    mag_t = np.empty((int(bounds[-1]), n_fft // 2 + 1), dtype=np.float32)
    for y, t0, t1 in zip(segs, bounds[:-1], bounds[1:], strict=True):
        spectral.stft_magnitude(y, n_fft, HOP, window=window, out=mag_t[t0:t1])
    mag = mag_t.T
    power = np.square(mag)

    mfccs, tempograms, envelopes = [], [], []
    n_onsets, onset_sum, onset_frames = 0, 0.0, 0
    crossings, samples = 0, 0
    for y, t0, t1 in zip(segs, bounds[:-1], bounds[1:], strict=True):
        mel_db = spectral.power_to_db(mel_fb @ power[:, t0:t1], ref=1.0, amin=1e-10, top_db=80.0)
        mfccs.append(spectral.mfcc(mel_db, N_MFCC))
        oenv = spectral.onset_strength(mel_db, hop_length=HOP)
        onset_sum += float(oenv.sum())
        onset_frames += len(oenv)
        if oenv.max() > 1e-6:
            envelopes.append(oenv)
            tempograms.append(_tempogram(oenv, win_frames))
            n_onsets += len(spectral.onset_detect(oenv, sr, HOP))
        signs = np.signbit(y)
        crossings += int(np.count_nonzero(signs[1:] != signs[:-1]))
        samples += len(y) - 1

    mfcc = np.concatenate(mfccs, axis=1)
    seconds = sum(len(s) for s in segs) / sr

    # Loudness: frame mean square by Parseval (one-sided spectrum, Hann-weighted).
    edge = power[0] + power[-1]
    ms = (edge + 2.0 * power[1:-1].sum(axis=0)) / (n_fft * float(np.sum(window**2)))
    frame_db = 10.0 * np.log10(np.maximum(ms, 1e-12))
    out[INDEX["loudness_db"]] = max(10.0 * np.log10(max(float(ms.mean()), 1e-12)), FLOOR_DB)
    clipped = np.maximum(frame_db, DR_FLOOR_DB)
    out[INDEX["dynamic_range_db"]] = np.percentile(clipped, 95) - np.percentile(clipped, 10)
    total = float(power[1:].sum())
    if total > 0:
        bass = int(np.searchsorted(freqs, BASS_HZ))  # bins below BASS_HZ
        out[INDEX["bass_ratio"]] = float(power[1:bass].sum()) / total
    out[INDEX["zcr"]] = crossings / max(samples, 1)

    # Rhythm.
    out[INDEX["onset_strength"]] = onset_sum / max(onset_frames, 1)
    out[INDEX["onset_rate"]] = n_onsets / seconds
    if tempograms and out[INDEX["onset_strength"]] >= ONSET_MIN:
        tg = np.concatenate(tempograms, axis=1)
        bpm = spectral.tempo(tg, sr, HOP)
        out[INDEX["tempo_bpm"]] = bpm
        out[INDEX["beat_strength"]] = pulse_clarity(envelopes, 60.0 * sr / (HOP * bpm))

    active = frame_db > SILENCE_DB
    if np.any(active):
        if not active.all():  # (a copy; most music has no silent frames)
            mag, power, mfcc = mag.T[active].T, power.T[active].T, mfcc[:, active]
        _timbre(out, mag, power, mfcc, sr)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


@lru_cache(maxsize=4)
def _mel_fb(sr: int) -> np.ndarray:
    """The mel filterbank (float32, shape (N_MELS, 1 + N_FFT // 2)) at ``sr``; read-only."""
    fb = spectral.mel_filterbank(sr, N_FFT, N_MELS)
    fb.flags.writeable = False
    return fb


@lru_cache(maxsize=64)
def _chroma_fb(sr: int, tuning: float) -> np.ndarray:
    """``spectral.chroma_filterbank(sr, N_FFT, tuning)``, cached (tuning takes 101 values)."""
    fb = spectral.chroma_filterbank(sr, N_FFT, tuning)
    fb.flags.writeable = False
    return fb


def _tempogram(oenv: np.ndarray, win: int) -> np.ndarray:
    """Autocorrelation tempogram as :func:`librosa.feature.tempogram` computes it (centred
    Hann-windowed frames of the onset envelope, autocorrelation normalised by lag 0), but
    only every :data:`TEMPOGRAM_STEP`-th column: the tempo estimate averages the columns,
    and neighbouring ones overlap by > 99 %.

    Returns
    -------
    np.ndarray, shape (win, columns)
    """
    return spectral.tempogram(oenv, win, TEMPOGRAM_STEP)


def pulse_clarity(envelopes: Sequence[np.ndarray], period: float) -> float:
    """How strongly the onset envelopes repeat at the beat period (0–1).

    The autocorrelation of the mean-removed onset envelope at the beat period (best of
    the neighbouring integer lags), relative to lag 0, averaged over the excerpts
    weighted by length — the autocorrelation form of *pulse clarity* (Lartillot,
    Eerola, Toiviainen & Fornari, ISMIR 2008). Noise scores near 0, a click track near 1.

    Parameters
    ----------
    envelopes : sequence of np.ndarray, each shape (frames,)
        Onset-strength envelopes.
    period : float
        Beat period in frames.

    Returns
    -------
    float
    """
    lag = int(np.floor(period))
    total, weight = 0.0, 0
    for env in envelopes:
        if lag < 1 or len(env) < 2 * (lag + 2):
            continue
        centred = env.astype(np.float64) - env.mean()
        ac = spectral.autocorrelate(centred, max_size=lag + 2)
        if ac[0] <= 0:
            continue
        total += max(0.0, float(ac[lag : lag + 2].max() / ac[0])) * len(env)
        weight += len(env)
    return float(np.clip(total / weight, 0.0, 1.0)) if weight else 0.0


def _timbre(out: np.ndarray, mag: np.ndarray, power: np.ndarray, mfcc: np.ndarray, sr: int) -> None:
    """Spectral shape, MFCC and chroma statistics of the non-silent frames (in place)."""
    # Centroid, bandwidth and roll-off as librosa defines them (magnitude-weighted), with one
    # normalisation instead of librosa's three.
    freqs = spectral.fft_frequencies(sr, N_FFT).astype(np.float32)
    total = mag.sum(axis=0)
    keep = total > 0
    m, total = (mag, total) if keep.all() else (mag.T[keep].T, total[keep])
    if m.shape[1]:
        centroid = (freqs @ m) / total
        spread = (freqs[:, None] ** 2).T @ m / total - centroid**2
        cum = np.cumsum(m, axis=0)
        rolloff = freqs[np.argmax(cum >= ROLLOFF * total, axis=0)]
        out[INDEX["spectral_centroid_hz"]] = centroid.mean()
        out[INDEX["spectral_bandwidth_hz"]] = np.sqrt(np.maximum(spread, 0.0)).mean()
        out[INDEX["spectral_rolloff_hz"]] = rolloff.mean()
    out[INDEX["spectral_flatness"]] = spectral.spectral_flatness(power, power=1.0).mean()
    contrast = spectral.spectral_contrast(
        mag, sr, N_FFT, fmin=CONTRAST_FMIN, n_bands=CONTRAST_BANDS
    ).mean(axis=1)
    out[[INDEX[n] for n in _CONTRAST]] = contrast

    out[[INDEX[n] for n in _MFCC_MEAN]] = mfcc.mean(axis=1)
    out[[INDEX[n] for n in _MFCC_STD]] = mfcc.std(axis=1)
    if mfcc.shape[1] > 1:
        cov = np.cov(mfcc)
        out[[INDEX[n] for n in _MFCC_COV]] = cov[np.triu_indices(N_MFCC, k=1)]

    with warnings.catch_warnings(), np.errstate(all="ignore"):  # no pitches: no tuning then
        warnings.simplefilter("ignore")
        tuning = spectral.estimate_tuning(mag[:, ::4], sr, N_FFT)
    tuning = tuning if np.isfinite(tuning) else 0.0
    chroma = spectral.normalize(_chroma_fb(sr, tuning) @ power, norm=np.inf, axis=0)
    mean_chroma = chroma.mean(axis=1)
    out[[INDEX[n] for n in _CHROMA]] = mean_chroma
    key, mode, strength = estimate_key(mean_chroma)
    out[INDEX["key"]], out[INDEX["mode"]], out[INDEX["key_strength"]] = key, mode, strength


def estimate_key(chroma: np.ndarray) -> tuple[int, int, float]:
    """Krumhansl–Schmuckler key estimate from a 12-bin chroma vector (C first).

    Parameters
    ----------
    chroma : np.ndarray, shape (12,)
        Mean chroma (any non-negative scale).

    Returns
    -------
    key : int
        Tonic pitch class, 0 = C … 11 = B.
    mode : int
        1 major, 0 minor.
    strength : float
        Pearson correlation with the winning profile; 0 for a flat (e.g. silent) vector.
    """
    c = np.asarray(chroma, dtype=np.float64)
    if c.shape != (12,) or not np.all(np.isfinite(c)) or np.ptp(c) < 1e-9:
        return 0, 1, 0.0
    # Pearson correlation with all 24 rotated profiles at once: rows major C…B, minor C…B
    profiles = np.stack([np.roll(p, k)
                         for p in (_MAJOR_PROFILE, _MINOR_PROFILE) for k in range(12)])
    dc = c - c.mean()
    dp = profiles - profiles.mean(axis=1, keepdims=True)
    r = (dp @ dc) / np.sqrt((dp**2).sum(axis=1) * (dc**2).sum())
    best = int(np.argmax(r))  # first maximum: major before minor, C first, as before
    return best % 12, 1 - best // 12, float(np.clip(r[best], -1.0, 1.0))
