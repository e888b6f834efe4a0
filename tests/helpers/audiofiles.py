"""Write real audio files of every format Soundalike reads, from numpy arrays.

A plain module (no pytest import) so any test can use it::

    from audiofiles import write_audio, tone, click_track

soundfile (libsndfile) writes WAV/FLAC/Ogg Vorbis/MP3/AIFF; PyAV (FFmpeg) writes
M4A (AAC), raw AAC, M4A (ALAC), Opus, WMA and WavPack. Nothing is mocked: these are the same codecs
real music files use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Formats written by libsndfile: suffix → (format, subtype)
SOUNDFILE_FORMATS: dict[str, tuple[str, str]] = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "aiff": ("AIFF", "PCM_16"),
}

#: Formats written by PyAV: kind → (suffix, container format, codec, sample format, forced rate)
PYAV_FORMATS: dict[str, tuple[str, str, str, str, int | None]] = {
    "m4a": ("m4a", "mp4", "aac", "fltp", None),
    "aac": ("aac", "adts", "aac", "fltp", None),  # raw ADTS stream, no container index
    "alac": ("m4a", "mp4", "alac", "s16p", None),
    "opus": ("opus", "ogg", "libopus", "s16", 48000),
    "wma": ("wma", "asf", "wmav2", "fltp", None),
    "wv": ("wv", "wv", "wavpack", "s16p", None),
}

#: Input rates an encoder takes as they are (others are resampled to the forced rate).
_NATIVE_RATES: dict[str, tuple[int, ...]] = {"opus": (8000, 12000, 16000, 24000, 48000)}

#: Every kind of file :func:`write_audio` can make.
ALL_FORMATS: tuple[str, ...] = tuple(SOUNDFILE_FORMATS) + tuple(PYAV_FORMATS)


def tone(
    freq: float | list[float],
    seconds: float,
    sr: int = 44100,
    *,
    amp: float = 0.5,
    channels: int = 1,
) -> np.ndarray:
    """Sum of sines (same in every channel), shape (n,) or (n, channels), float32."""
    t = np.arange(round(seconds * sr)) / sr
    freqs = [freq] if np.isscalar(freq) else list(freq)
    y = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs) * amp
    y = y.astype(np.float32)
    return y if channels == 1 else np.repeat(y[:, None], channels, axis=1)


def noise(seconds: float, sr: int = 44100, *, amp: float = 0.3, seed: int = 0) -> np.ndarray:
    """Uniform white noise, shape (n,), float32."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, round(seconds * sr)) * amp).astype(np.float32)


def click_track(bpm: float, seconds: float, sr: int = 44100, *, amp: float = 0.8) -> np.ndarray:
    """Decaying 1 kHz clicks (20 ms) every beat, shape (n,), float32."""
    y = np.zeros(round(seconds * sr), dtype=np.float32)
    n = int(0.02 * sr)
    t = np.arange(n) / sr
    click = (np.sin(2 * np.pi * 1000 * t) * np.exp(-t / 0.004) * amp).astype(np.float32)
    for start in np.arange(0, seconds, 60.0 / bpm):
        i = int(start * sr)
        seg = y[i : i + n]
        seg += click[: len(seg)]
    return y


def _kind_for(path: Path, kind: str | None) -> str:
    if kind is not None:
        return kind
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("aif",):
        return "aiff"
    if suffix in ALL_FORMATS:
        return suffix
    raise ValueError(f"cannot tell the format of {path.name}; pass kind=")


def write_audio(
    path: str | Path,
    y: np.ndarray,
    sr: int = 44100,
    *,
    kind: str | None = None,
    tags: dict[str, str] | None = None,
) -> Path:
    """Write ``y`` (shape (n,) or (n, channels), float in [-1, 1]) to ``path``.

    ``kind`` is one of :data:`ALL_FORMATS`; by default it comes from the suffix
    ("alac" must be given explicitly: its files end in .m4a). ``tags`` (mutagen
    "easy" keys such as title, artist, album, genre, tracknumber) are then written
    into the file with mutagen.
    """
    path = Path(path)
    kind = _kind_for(path, kind)
    y = np.asarray(y, dtype=np.float32)
    _write(path, y, sr, kind)
    if tags:
        _tag(path, tags)
    return path


def _tag(path: Path, tags: dict[str, str]) -> None:
    import mutagen

    f = mutagen.File(str(path), easy=True)
    if f.tags is None:
        f.add_tags()
    for key, value in tags.items():
        f[key] = value
    f.save()


def _write(path: Path, y: np.ndarray, sr: int, kind: str) -> None:
    if kind in SOUNDFILE_FORMATS:
        import soundfile as sf

        fmt, subtype = SOUNDFILE_FORMATS[kind]
        channels = 1 if y.ndim == 1 else y.shape[1]
        # In blocks: libsndfile's Vorbis encoder crashes on one very large write.
        with sf.SoundFile(str(path), "w", sr, channels, subtype=subtype, format=fmt) as f:
            for start in range(0, len(y), 1 << 16):
                f.write(y[start : start + (1 << 16)])
    else:
        _write_pyav(path, y, sr, kind)


def _write_pyav(path: Path, y: np.ndarray, sr: int, kind: str) -> None:
    import av

    _suffix, container_fmt, codec, sample_fmt, forced_rate = PYAV_FORMATS[kind]
    if y.ndim == 1:
        y = y[:, None]
    channels = y.shape[1]
    if forced_rate is not None and sr not in _NATIVE_RATES.get(kind, ()):
        import soxr

        y = soxr.resample(y, sr, forced_rate).astype(np.float32)
        sr = forced_rate
    layout = {1: "mono", 2: "stereo", 6: "5.1"}.get(channels, f"{channels}c")
    with av.open(str(path), "w", format=container_fmt) as out:
        stream = out.add_stream(codec, rate=sr, layout=layout)
        if kind in ("m4a", "aac", "wma"):
            stream.bit_rate = 128000
        stream.format = sample_fmt
        planar = sample_fmt.endswith("p")
        as_int = sample_fmt.startswith("s16")
        block = 4096
        for start in range(0, len(y), block):
            chunk = y[start : start + block]
            data = (np.clip(chunk, -1, 1) * 32767).astype(np.int16) if as_int else chunk
            arr = np.ascontiguousarray(data.T if planar else data.reshape(1, -1))
            frame = av.AudioFrame.from_ndarray(arr, format=sample_fmt, layout=layout)
            frame.sample_rate = sr
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
