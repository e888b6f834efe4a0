"""Spectral building blocks in plain numpy, computed as librosa 0.11 computes them.

The analysis used to call librosa for these; librosa (with numba and scipy) costs
≈ 250 MB of resident memory per analysis process before any work is done. Each
function here reproduces one librosa function *with the arguments the analysis uses*
(named in its docstring), in the same units, array layout — frequency on axis 0, time
on axis 1 — and, where it matters for the result, the same floating-point types.
``tests/engine/test_spectral.py`` checks every one against librosa.

Differences from librosa, all at float-rounding level:

* :func:`dct_ortho` is a matrix product in float64 (scipy's DCT in float32).
* Sums and means may run in another order: the spectrograms here are time-major in
  memory (each frame contiguous), librosa's frequency-major.

Threshold decisions — peak picking, tuning histogram, tempo arg-max — then agree
except where a value lies within rounding of a threshold.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "autocorrelate",
    "chroma_filterbank",
    "chroma_stft",
    "dct_ortho",
    "estimate_tuning",
    "fft_frequencies",
    "frame",
    "hann",
    "hz_to_mel",
    "mel_filterbank",
    "mel_frequencies",
    "mel_to_hz",
    "mfcc",
    "next_fast_len",
    "normalize",
    "onset_detect",
    "onset_strength",
    "peak_pick",
    "piptrack",
    "pitch_tuning",
    "power_to_db",
    "spectral_contrast",
    "spectral_flatness",
    "stft",
    "stft_magnitude",
    "tempo",
    "tempogram",
]


def _tiny(x: np.ndarray) -> float:
    """``librosa.util.tiny``: the smallest normal number of ``x``'s float type."""
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
    return float(np.finfo(dtype).tiny)


# ---------------------------------------------------------------------------- framing, STFT


def hann(n: int, dtype=np.float64) -> np.ndarray:
    """Periodic Hann window (``scipy.signal.get_window("hann", n, fftbins=True)``)."""
    fac = np.linspace(-np.pi, np.pi, n + 1)[:-1]
    return (0.5 + 0.5 * np.cos(fac)).astype(dtype)


def fft_frequencies(sr: float, n_fft: int) -> np.ndarray:
    """Centre frequency (Hz) of each of the ``1 + n_fft // 2`` bins
    (``librosa.fft_frequencies``)."""
    return np.fft.rfftfreq(n=n_fft, d=1.0 / sr)


def frame(x: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """Overlapping frames of a 1-D signal as a read-only view (``librosa.util.frame``, transposed).

    Returns
    -------
    np.ndarray, shape (1 + (len(x) - frame_length) // hop_length, frame_length)
        One frame per **row** (librosa puts frames in columns).
    """
    if len(x) < frame_length:
        raise ValueError(f"input of length {len(x)} is shorter than one frame ({frame_length})")
    return sliding_window_view(x, frame_length)[::hop_length]


def stft(
    y: np.ndarray,
    n_fft: int,
    hop_length: int,
    *,
    window: np.ndarray | None = None,
    pad_mode: str = "constant",
) -> np.ndarray:
    """Centred short-time Fourier transform (``librosa.stft(y, n_fft=…, hop_length=…,
    center=True, pad_mode=…)`` of float32 ``y``).

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono signal; rounded to float32 first (as the analysis decodes it).
    n_fft, hop_length : int
        Frame length (even) and hop in samples.
    window : np.ndarray, shape (n_fft,), optional
        Analysis window; the periodic Hann window when omitted.
    pad_mode : {"constant", "reflect"}
        How ``n_fft // 2`` samples are added at both ends: zeros (librosa ≥ 0.10 default)
        or mirrored (librosa 0.6, musicnn's training front end).

    Returns
    -------
    np.ndarray, shape (1 + n_fft // 2, 1 + n // hop_length), complex64
        Frequency on axis 0, as librosa; in memory time-major (a transposed view of a
        C-contiguous ``(frames, bins)`` array), so per-frame reductions are contiguous.
    """
    frames, w = _centred_frames(y, n_fft, hop_length, window, pad_mode)
    # windowed and transformed in float64, as librosa does (numpy's float64 FFT is also
    # faster than its float32 one), one frame per row; the result rounded to complex64
    return np.fft.rfft(frames * w, axis=-1).astype(np.complex64).T


def _centred_frames(y, n_fft: int, hop_length: int, window, pad_mode: str):
    """The checked, centred-padded frames of *y* (one per row, a view) and the window."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected a 1-D signal, got shape {y.shape}")
    if pad_mode not in ("constant", "reflect"):
        raise ValueError(f"unsupported pad_mode {pad_mode!r}")
    w = hann(n_fft) if window is None else np.asarray(window, dtype=np.float64)
    return frame(np.pad(y, n_fft // 2, mode=pad_mode), n_fft, hop_length), w


#: Samples of frames transformed per block in :func:`stft_magnitude`: the float64 frames and
#: spectra of a block (≈ 1.5 MB) stay in cache; whole-excerpt arrays run ~2× slower.
_BLOCK_SAMPLES = 65536


def stft_magnitude(
    y: np.ndarray,
    n_fft: int,
    hop_length: int,
    *,
    window: np.ndarray | None = None,
    pad_mode: str = "constant",
    power: int = 1,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """``np.abs(stft(y, …)) ** power`` in float32, computed block by block without the
    complex array.

    Parameters
    ----------
    y, n_fft, hop_length, window, pad_mode
        As for :func:`stft`.
    power : {1, 2}
        Magnitude (1) or power (2) spectrogram.
    out : np.ndarray, shape (1 + len(y) // hop_length, 1 + n_fft // 2), float32, optional
        Time-major array to write into (e.g. a slice of a larger one).

    Returns
    -------
    np.ndarray, shape (1 + n_fft // 2, frames), float32
        Frequency on axis 0; in memory time-major (``out.T`` when ``out`` is given).
        Equal to ``np.abs(stft(…)) ** power`` within one float32 rounding (taken before,
        not after, rounding the spectrum to complex64).
    """
    if power not in (1, 2):
        raise ValueError(f"power must be 1 or 2, got {power!r}")
    frames, w = _centred_frames(y, n_fft, hop_length, window, pad_mode)
    if out is None:
        out = np.empty((frames.shape[0], 1 + n_fft // 2), dtype=np.float32)
    elif out.shape != (frames.shape[0], 1 + n_fft // 2):
        raise ValueError(f"out has shape {out.shape}, expected {(frames.shape[0], 1 + n_fft // 2)}")
    step = max(16, _BLOCK_SAMPLES // n_fft)
    for start in range(0, frames.shape[0], step):
        block = np.fft.rfft(frames[start : start + step] * w, axis=-1)
        if power == 1:
            np.abs(block, out=out[start : start + step])
        else:
            np.add(block.real**2, block.imag**2, out=out[start : start + step])
    return out.T


# ---------------------------------------------------------------------------- mel scale


_F_SP = 200.0 / 3  # Slaney: linear below 1 kHz, 66.67 Hz per mel
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def hz_to_mel(frequencies) -> np.ndarray:
    """Slaney mel scale (``librosa.hz_to_mel(f, htk=False)``)."""
    f = np.asanyarray(frequencies, dtype=np.float64)
    mels = f / _F_SP
    log_t = f >= _MIN_LOG_HZ
    return np.where(log_t,
                    _MIN_LOG_MEL + np.log(np.maximum(f, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOGSTEP,
                    mels)


def mel_to_hz(mels) -> np.ndarray:
    """Inverse of :func:`hz_to_mel` (``librosa.mel_to_hz(m, htk=False)``)."""
    m = np.asanyarray(mels, dtype=np.float64)
    return np.where(m >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL)),
                    _F_SP * m)


def mel_frequencies(n_mels: int, fmin: float = 0.0, fmax: float = 11025.0) -> np.ndarray:
    """``n_mels`` frequencies evenly spaced in mel (``librosa.mel_frequencies``, Slaney)."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels))


def mel_filterbank(
    sr: float, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None,
    dtype=np.float32,
) -> np.ndarray:
    """Triangular mel filters, Slaney-normalised (``librosa.filters.mel(sr=…, n_fft=…,
    n_mels=…)`` with its defaults ``htk=False``, ``norm="slaney"``).

    Returns
    -------
    np.ndarray, shape (n_mels, 1 + n_fft // 2)
    """
    fmax = float(sr) / 2 if fmax is None else fmax
    fftfreqs = fft_frequencies(sr, n_fft)
    mel_f = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    lower = -ramps[:n_mels] / fdiff[:n_mels, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper)).astype(dtype)
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights


def power_to_db(S: np.ndarray, ref: float = 1.0, amin: float = 1e-10,
                top_db: float | None = 80.0) -> np.ndarray:
    """Power → decibels, floored ``top_db`` below the array's maximum (``librosa.power_to_db``)."""
    S = np.asarray(S)
    log_spec = 10.0 * np.log10(np.maximum(amin, S))
    log_spec -= 10.0 * np.log10(np.maximum(amin, abs(ref)))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def dct_ortho(n_out: int, n_in: int) -> np.ndarray:
    """The first ``n_out`` rows of the orthonormal DCT-II matrix of size ``n_in`` (float64).

    ``dct_ortho(k, n) @ x == scipy.fft.dct(x, type=2, norm="ortho", axis=0)[:k]``.
    """
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    basis[0] /= np.sqrt(2.0)
    return basis


def mfcc(S_db: np.ndarray, n_mfcc: int) -> np.ndarray:
    """MFCCs of a log-power mel spectrogram (``librosa.feature.mfcc(S=S_db, n_mfcc=…)``:
    DCT-II, orthonormal, no liftering), in ``S_db``'s float type."""
    basis = dct_ortho(n_mfcc, S_db.shape[0])
    return (basis @ S_db.astype(np.float64)).astype(S_db.dtype)


# ---------------------------------------------------------------------------- onsets, tempo


def onset_strength(S_db: np.ndarray, n_fft: int = 2048, hop_length: int = 512) -> np.ndarray:
    """Spectral-flux onset envelope of a dB spectrogram (``librosa.onset.onset_strength(S=S_db,
    hop_length=…)`` with ``lag=1``, ``max_size=1``, ``center=True``, mean over bands).

    ``n_fft`` is librosa's default 2048 whatever spectrogram was passed: it only sets the
    centring delay of ``1 + n_fft // (2 * hop_length)`` frames.

    Returns
    -------
    np.ndarray, shape (frames,)
    """
    S = np.atleast_2d(S_db)
    env = np.maximum(0.0, S[:, 1:] - S[:, :-1]).mean(axis=0)
    pad = 1 + n_fft // (2 * hop_length)
    return np.pad(env, (pad, 0))[: S.shape[1]]


def peak_pick(x: np.ndarray, *, pre_max: int, post_max: int, pre_avg: int, post_avg: int,
              delta: float, wait: int) -> np.ndarray:
    """Indices of the peaks of ``x`` (``librosa.util.peak_pick``): ``x[n]`` is the maximum of
    ``x[n - pre_max : n + post_max]``, at least ``delta`` above the mean of
    ``x[n - pre_avg : n + post_avg]``, and more than ``wait`` samples after the previous peak.
    Vectorised except for the walk over candidates that enforces ``wait``.
    """
    pre_max, post_max, pre_avg, post_avg, wait = (
        int(np.ceil(v)) for v in (pre_max, post_max, pre_avg, post_avg, wait))
    x = np.asarray(x)
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    # window maximum over [i - pre_max, i + post_max), clipped to the signal
    padded = np.pad(x, (pre_max, post_max - 1), constant_values=-np.inf)
    maxn = sliding_window_view(padded, pre_max + post_max).max(axis=1)
    cumsum = np.concatenate(([0.0], np.cumsum(x, dtype=np.float64)))
    i = np.arange(n)
    lo, hi = np.maximum(0, i - pre_avg), np.minimum(i + post_avg, n)
    avg = (cumsum[hi] - cumsum[lo]) / (hi - lo)
    candidates = np.flatnonzero((x == maxn) & (x >= avg + delta))
    peaks = []
    allowed = 0
    for c in candidates.tolist():
        if c >= allowed:
            peaks.append(c)
            allowed = c + wait + 1
    return np.asarray(peaks, dtype=np.intp)


def onset_detect(onset_envelope: np.ndarray, sr: float, hop_length: int) -> np.ndarray:
    """Onset frames (``librosa.onset.onset_detect(onset_envelope=…, sr=…, hop_length=…)`` with
    its defaults: envelope scaled to 0…1, peaks 30 ms apart, 0.07 above the 200 ms mean)."""
    env = onset_envelope - np.min(onset_envelope)
    env = env / (np.max(env) + _tiny(env))
    if not env.any() or not np.all(np.isfinite(env)):
        return np.zeros(0, dtype=np.intp)
    return peak_pick(
        env,
        pre_max=0.03 * sr // hop_length,
        post_max=0.00 * sr // hop_length + 1,
        pre_avg=0.10 * sr // hop_length,
        post_avg=0.10 * sr // hop_length + 1,
        wait=0.03 * sr // hop_length,
        delta=0.07,
    )


def next_fast_len(n: int) -> int:
    """Smallest 5-smooth integer ≥ ``n`` (``scipy.fft.next_fast_len(n, real=True)``)."""
    if n <= 6:
        return max(n, 1)
    best = 1 << (n - 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def autocorrelate(y: np.ndarray, max_size: int | None = None, axis: int = -1) -> np.ndarray:
    """Autocorrelation of real input along ``axis``, lags ``0 … max_size - 1``
    (``librosa.autocorrelate``), by FFT."""
    n = y.shape[axis]
    max_size = n if max_size is None else int(min(max_size, n))
    n_pad = next_fast_len(2 * n - 1)
    spec = np.fft.rfft(y, n=n_pad, axis=axis)
    ac = np.fft.irfft(spec.real**2 + spec.imag**2, n=n_pad, axis=axis)
    return np.take(ac, np.arange(max_size), axis=axis)


def normalize(S: np.ndarray, norm: float = np.inf, axis: int = 0) -> np.ndarray:
    """Scale slices along ``axis`` to unit max-norm (``norm=np.inf``) or Euclidean norm (2);
    slices whose norm is below the float type's tiny number are left alone
    (``librosa.util.normalize`` with ``threshold=None, fill=None``)."""
    mag = np.abs(S).astype(np.float64)
    if norm == np.inf:
        length = np.max(mag, axis=axis, keepdims=True)
    elif norm == 2:
        length = np.sqrt(np.sum(mag**2, axis=axis, keepdims=True))
    else:
        raise ValueError(f"unsupported norm {norm!r}")
    length[length < _tiny(S)] = 1.0
    out = np.empty_like(S)
    out[...] = S / length
    return out


def tempogram(onset_envelope: np.ndarray, win_length: int, step: int = 1) -> np.ndarray:
    """Autocorrelation tempogram (``librosa.feature.tempogram(onset_envelope=…,
    win_length=…)``: centred, linear-ramp padded, Hann-windowed frames of the envelope,
    autocorrelation normalised by its maximum), keeping every ``step``-th column.

    Returns
    -------
    np.ndarray, shape (win_length, columns), float64
    """
    padded = np.pad(onset_envelope, win_length // 2, mode="linear_ramp", end_values=(0, 0))
    frames = frame(padded, win_length, step) * hann(win_length)  # (columns, win), float64
    ac = autocorrelate(frames, axis=-1)
    return normalize(ac, norm=np.inf, axis=1).T


def tempo(tg: np.ndarray, sr: float, hop_length: int, start_bpm: float = 120.0,
          std_bpm: float = 1.0, max_tempo: float = 320.0) -> float:
    """Global tempo (BPM) from a tempogram (``librosa.feature.tempo(tg=…, sr=…, hop_length=…)``:
    mean over time, log-normal prior around ``start_bpm``, nothing above ``max_tempo``)."""
    mean = np.mean(tg, axis=-1)
    n_bins = tg.shape[0]
    bpms = np.zeros(n_bins)
    bpms[0] = np.inf
    bpms[1:] = 60.0 * sr / (hop_length * np.arange(1.0, n_bins))
    with np.errstate(invalid="ignore"):
        logprior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    logprior[: int(np.argmax(bpms < max_tempo))] = -np.inf
    return float(bpms[int(np.argmax(np.log1p(1e6 * mean) + logprior))])


# ---------------------------------------------------------------------------- spectral shape


def spectral_flatness(S: np.ndarray, power: float = 2.0, amin: float = 1e-10) -> np.ndarray:
    """Geometric over arithmetic mean of ``S ** power`` per frame
    (``librosa.feature.spectral_flatness(S=…, power=…)``).

    Returns
    -------
    np.ndarray, shape (frames,)
    """
    S_thresh = np.maximum(amin, S if power == 1.0 else S**power)
    gmean = np.exp(np.mean(np.log(S_thresh), axis=0))
    return gmean / np.mean(S_thresh, axis=0)


def spectral_contrast(S: np.ndarray, sr: float, n_fft: int, fmin: float = 200.0,
                      n_bands: int = 6, quantile: float = 0.02) -> np.ndarray:
    """Octave-band peak-to-valley contrast in dB of a magnitude spectrogram
    (``librosa.feature.spectral_contrast(S=…, sr=…, n_fft=…, fmin=…, n_bands=…)``).

    Returns
    -------
    np.ndarray, shape (n_bands + 1, frames), float64
    """
    freq = fft_frequencies(sr, n_fft)
    octa = np.zeros(n_bands + 2)
    octa[1:] = fmin * (2.0 ** np.arange(0, n_bands + 1))
    if np.any(octa[:-1] >= 0.5 * sr):
        raise ValueError("frequency band exceeds Nyquist: reduce fmin or n_bands")
    frames = S.shape[1]
    valley = np.zeros((n_bands + 1, frames))
    peak = np.zeros_like(valley)
    for k, (f_low, f_high) in enumerate(zip(octa[:-1], octa[1:], strict=True)):
        idx = np.flatnonzero((freq >= f_low) & (freq <= f_high))  # contiguous
        # librosa widens each band by the bin below it and the top band up to Nyquist,
        # sizes the quantile on that, then drops the top bin of every band but the last
        start = idx[0] - 1 if k > 0 else idx[0]
        stop = idx[-1] + 1 if k < n_bands else len(freq)
        q = max(int(np.rint(quantile * (stop - start))), 1)
        sub = S[start : stop - 1 if k < n_bands else stop]
        m = sub.shape[0]
        if q == 1:  # the mean of the one smallest (largest) value is that value
            valley[k] = np.min(sub, axis=0)
            peak[k] = np.max(sub, axis=0)
        else:
            part = np.sort(sub, axis=0)
            valley[k] = np.mean(part[:q], axis=0)
            peak[k] = np.mean(part[m - q :], axis=0)
    return power_to_db(peak) - power_to_db(valley)


# ---------------------------------------------------------------------------- pitch, chroma


def piptrack(S: np.ndarray, sr: float, n_fft: int, fmin: float = 150.0, fmax: float = 4000.0,
             threshold: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Parabolically interpolated spectral peaks (``librosa.piptrack(S=…, sr=…, n_fft=…)``),
    returned sparsely: only the peaks, which are the non-zero entries of librosa's
    ``(pitches, mags)`` arrays.

    Returns
    -------
    pitches, mags : np.ndarray, shape (peaks,), float32
        Interpolated frequency (Hz) and magnitude of each local spectral maximum above
        ``threshold`` × the frame's maximum, in ``[fmin, fmax)``.
    """
    S = np.abs(S)
    fmin, fmax = max(fmin, 0.0), min(fmax, float(sr) / 2)
    freqs = fft_frequencies(sr, n_fft)
    ref = threshold * np.max(S, axis=0, keepdims=True)
    # local maxima along frequency (librosa.util.localmax) of the thresholded spectrum, looked
    # for only in the bins of [fmin, fmax); never the first bin (localmax) nor the last (fmax
    # ≤ Nyquist), so both neighbours of a peak exist
    in_range = np.flatnonzero((fmin <= freqs) & (freqs < fmax))
    if in_range.size == 0:
        return np.zeros(0, S.dtype), np.zeros(0, S.dtype)
    lo, hi = max(int(in_range[0]), 1), min(int(in_range[-1]) + 1, S.shape[0] - 1)
    sub = S[lo - 1 : hi + 1]
    x = sub * (sub > ref)
    lmax = (x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:])
    rows, cols = np.nonzero(lmax)
    rows += lo
    centre, up, down = S[rows, cols], S[rows + 1, cols], S[rows - 1, cols]
    # the shift as librosa's numba stencil computes it: float32 sums, float64 arithmetic
    a = (up + down).astype(np.float64) - 2 * centre.astype(np.float64)
    b = (up - down).astype(np.float64) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a).astype(S.dtype)
    avg = (up - down) / 2.0  # np.gradient along frequency
    dskew = 0.5 * avg * shift
    pitches = ((rows + shift) * float(sr) / n_fft).astype(S.dtype)
    mags = (S[rows, cols] + dskew).astype(S.dtype)
    return pitches, mags


def pitch_tuning(frequencies: np.ndarray, resolution: float = 0.01,
                 bins_per_octave: int = 12) -> float:
    """Most common deviation (fraction of a bin) of ``frequencies`` from A440 equal
    temperament (``librosa.pitch_tuning``); 0.0 when there are none."""
    f = np.atleast_1d(frequencies)
    f = f[f > 0]
    if not np.any(f):
        return 0.0
    residual = np.mod(bins_per_octave * np.log2(f / (440.0 / 16)), 1.0)
    residual[residual >= 0.5] -= 1.0
    bins = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    counts, edges = np.histogram(residual, bins)
    return float(edges[np.argmax(counts)])


def estimate_tuning(S: np.ndarray, sr: float, n_fft: int, resolution: float = 0.01,
                    bins_per_octave: int = 12) -> float:
    """Tuning offset (fraction of a bin, −0.5…0.5) of a magnitude spectrogram
    (``librosa.estimate_tuning(S=…, sr=…, n_fft=…)``): the pitch-tuning histogram of the
    spectral peaks at least as strong as their median. 0.0 when there are no peaks."""
    pitches, mags = piptrack(S, sr, n_fft)
    keep = pitches > 0
    threshold = np.median(mags[keep]) if keep.any() else 0.0
    return pitch_tuning(pitches[(mags >= threshold) & keep], resolution, bins_per_octave)


def chroma_filterbank(sr: float, n_fft: int, tuning: float = 0.0, n_chroma: int = 12,
                      ctroct: float = 5.0, octwidth: float = 2.0) -> np.ndarray:
    """STFT-bin → chroma weights (``librosa.filters.chroma(sr=…, n_fft=…, tuning=…)`` with its
    defaults: Gaussian bumps, columns L2-normalised, octave weighting around C5 ± 2
    octaves, rows starting at C).

    Returns
    -------
    np.ndarray, shape (n_chroma, 1 + n_fft // 2), float32
    """
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    a440 = 440.0 * 2.0 ** (tuning / n_chroma)
    frqbins = n_chroma * np.log2(frequencies / (a440 / 16))
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    D = np.remainder(D + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    wts = np.exp(-0.5 * (2 * D / binwidthbins[None, :]) ** 2)
    wts = normalize(wts, norm=2, axis=0)
    wts *= np.exp(-0.5 * (((frqbins / n_chroma - ctroct) / octwidth) ** 2))[None, :]
    wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    return np.ascontiguousarray(wts[:, : int(1 + n_fft / 2)], dtype=np.float32)


def chroma_stft(S: np.ndarray, sr: float, n_fft: int, tuning: float = 0.0) -> np.ndarray:
    """Chromagram of a power spectrogram, each frame scaled to maximum 1
    (``librosa.feature.chroma_stft(S=…, sr=…, n_fft=…, tuning=…)``).

    Returns
    -------
    np.ndarray, shape (12, frames)
    """
    return normalize(chroma_filterbank(sr, n_fft, tuning) @ S, norm=np.inf, axis=0)
