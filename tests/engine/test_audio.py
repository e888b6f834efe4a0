"""engine/audio.py on real files of every format, written here with libsndfile and FFmpeg."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from audiofiles import ALL_FORMATS, PYAV_FORMATS, noise, tone, write_audio

from soundalike.engine import audio
from soundalike.engine.errors import AudioError

SR_IN = 44100
EXPECTED_CODEC = {
    "wav": "pcm_16",
    "flac": "flac",
    "ogg": "vorbis",
    "mp3": "mp3",
    "aiff": "pcm_16",
    "m4a": "aac",
    "aac": "aac",
    "alac": "alac",
    "opus": "opus",
    "wma": "wmav2",
    "wv": "wavpack",
}


def _suffix(kind: str) -> str:
    return PYAV_FORMATS[kind][0] if kind in PYAV_FORMATS else kind


def _rms_db(y: np.ndarray) -> float:
    y = y[len(y) // 10 : -len(y) // 10]  # codec priming / fades at the ends
    return 20 * np.log10(np.sqrt(np.mean(y.astype(np.float64) ** 2)))


def _peak_hz(y: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y)), n=8 * len(y)))
    return float(np.argmax(spec) * sr / (8 * len(y)))


@pytest.mark.parametrize("kind", ALL_FORMATS)
def test_every_format_decodes_to_mono_float32_at_16k(tmp_path, kind):
    path = write_audio(
        tmp_path / f"a.{_suffix(kind)}", tone(440, 5, SR_IN, channels=2), SR_IN, kind=kind
    )
    a = audio.load(path)
    assert a.sr == audio.ANALYSIS_SR == 16000
    assert a.channels == 2
    assert a.codec == EXPECTED_CODEC[kind]
    # Raw ADTS has no length field: FFmpeg estimates it from the bit rate.
    assert a.duration == pytest.approx(5.0, abs=0.15 if kind == "aac" else 0.05)
    assert len(a.segments) == 1 and a.offsets == [0.0]  # short: decoded whole
    y = a.segments[0]
    assert y.dtype == np.float32 and y.ndim == 1
    assert len(y) / a.sr == pytest.approx(5.0, abs=0.06)
    assert _peak_hz(y, a.sr) == pytest.approx(440, abs=2)
    # amplitude 0.5 sine → −9.03 dBFS; same level whatever the codec and the channel count
    assert _rms_db(y) == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.3)


@pytest.mark.parametrize("kind", ["wav", "flac", "mp3", "m4a", "opus"])
def test_stereo_decodes_at_the_same_level_as_mono(tmp_path, kind):
    """Averaging channels, not an equal-power downmix (+3 dB)."""
    mono = audio.load(
        write_audio(tmp_path / f"m.{_suffix(kind)}", tone(300, 4, SR_IN), SR_IN, kind=kind)
    )
    stereo = audio.load(
        write_audio(
            tmp_path / f"s.{_suffix(kind)}", tone(300, 4, SR_IN, channels=2), SR_IN, kind=kind
        )
    )
    assert stereo.channels == 2 and mono.channels == 1
    assert _rms_db(stereo.segments[0]) == pytest.approx(_rms_db(mono.segments[0]), abs=0.2)


@pytest.mark.parametrize("kind", ["wav", "flac", "alac"])
def test_six_channels_are_averaged(tmp_path, kind):
    base = tone(500, 3, SR_IN)
    gains = np.array([0.6, 0.0, 0.3, 0.0, 0.0, 0.3], dtype=np.float32)  # mean gain 0.2
    a = audio.load(
        write_audio(tmp_path / f"six.{_suffix(kind)}", base[:, None] * gains, SR_IN, kind=kind)
    )
    assert a.channels == 6
    assert _rms_db(a.segments[0]) == pytest.approx(_rms_db(base * 0.2), abs=0.1)


def test_opposite_channels_cancel(tmp_path):
    """The mix is a plain mean of all channels, not the left channel alone."""
    y = tone(440, 3, SR_IN)
    a = audio.load(write_audio(tmp_path / "phase.flac", np.stack([y, -y], axis=1), SR_IN))
    assert np.max(np.abs(a.segments[0])) < 1e-3


def _sweep(seconds: float, sr: int) -> np.ndarray:
    """A sine whose frequency tells the time: f(t) = 200 + 2·t Hz."""
    t = np.arange(int(seconds * sr)) / sr
    return (0.4 * np.sin(2 * np.pi * (200 * t + t**2))).astype(np.float32)


@pytest.fixture(scope="module")
def long_files(tmp_path_factory):
    """10-minute files, written once: a seek test needs a long file, not many."""
    d = tmp_path_factory.mktemp("long")
    y = _sweep(600, 8000)  # a low rate keeps the encoders quick; the sweep ends at 1.4 kHz
    return {
        kind: write_audio(d / f"long.{_suffix(kind)}", y, 8000, kind=kind)
        for kind in ("flac", "mp3", "ogg", "m4a", "opus")
    }


@pytest.mark.parametrize("kind", ["flac", "mp3", "ogg", "m4a", "opus"])
def test_long_file_decodes_only_excerpts_from_the_right_places(long_files, kind):
    a = audio.load(long_files[kind])
    assert a.duration == pytest.approx(600, abs=0.5)
    assert len(a.segments) == audio.N_EXCERPTS == len(a.offsets)
    # Bounded work: never more than the excerpts, whatever the track length.
    assert a.seconds == pytest.approx(audio.N_EXCERPTS * audio.EXCERPT_SECONDS, abs=0.1)
    # Spread over the body of the track, skipping intro and outro.
    assert a.offsets[0] >= 0.1 * 600 and a.offsets[-1] + audio.EXCERPT_SECONDS <= 0.9 * 600
    assert a.offsets == sorted(a.offsets) and a.offsets[-1] - a.offsets[0] > 0.5 * 600
    for y, start in zip(a.segments, a.offsets, strict=True):
        assert len(y) / a.sr == pytest.approx(audio.EXCERPT_SECONDS, abs=0.01)
        # The sweep's frequency where the segment begins says where the decoder really was.
        head = y[: a.sr // 4]
        heard = (_peak_hz(head, a.sr) - 200) / 2 - 0.125
        assert heard == pytest.approx(start, abs=0.3), (
            f"excerpt at {start} s decoded from {heard} s"
        )


def test_excerpt_options(tmp_path):
    path = write_audio(tmp_path / "two.flac", _sweep(120, 16000), 16000)
    a = audio.load(path, n_excerpts=2, excerpt_seconds=6.0)
    assert [len(s) for s in a.segments] == [96000, 96000]
    assert a.offsets == pytest.approx([0.1 * 120 + 0.2 * 120 - 3, 0.1 * 120 + 0.6 * 120 - 3])


def test_short_track_is_decoded_whole(tmp_path):
    a = audio.load(write_audio(tmp_path / "short.ogg", noise(30, SR_IN), SR_IN))
    assert len(a.segments) == 1
    assert a.seconds == pytest.approx(30, abs=0.05)


def test_plan_excerpts():
    assert audio.plan_excerpts(20.0) == [(0.0, 20.0)]
    assert audio.plan_excerpts(44.0) == [(0.0, 44.0)]  # 80 % of it cannot hold 3 × 12 s
    plan = audio.plan_excerpts(240.0)
    assert [n for _, n in plan] == [12.0] * 3
    assert [s + n / 2 for s, n in plan] == pytest.approx(
        [240 * (0.1 + 0.8 * (i + 0.5) / 3) for i in range(3)]
    )
    assert audio.plan_excerpts(3600.0, n_excerpts=4, excerpt_seconds=9.0)[-1][0] < 0.9 * 3600
    with pytest.raises(ValueError):
        audio.plan_excerpts(100.0, n_excerpts=0)


def test_silent_file_is_not_an_error(tmp_path):
    a = audio.load(write_audio(tmp_path / "silence.wav", np.zeros(SR_IN * 3, np.float32), SR_IN))
    assert a.seconds == pytest.approx(3.0) and not np.any(a.segments[0])


def _truncate(path: Path, fraction: float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda d: (d / "empty.mp3").write_bytes(b"") and None or d / "empty.mp3",
            "file is empty (0 bytes)",
        ),
        (
            lambda d: (d / "notes.mp3").write_text("shopping list\n" * 40) and d / "notes.mp3",
            "not an audio file (text)",
        ),
        (
            lambda d: (
                (d / "random.flac").write_bytes(b"\0" + np.random.default_rng(1).bytes(9000))
                and d / "random.flac"
            ),
            "not an audio file",
        ),
        (lambda d: d / "missing.wav", "file not found"),
        (lambda d: d, "not an audio file (a folder)"),
        (
            lambda d: write_audio(d / "half.wav", tone(440, 0.5, SR_IN), SR_IN),
            "too short to analyse (0.5 s)",
        ),
        (
            lambda d: write_audio(d / "header.wav", np.zeros(0, np.float32), SR_IN),
            "too short to analyse (0.0 s)",
        ),
        (
            lambda d: _truncate(write_audio(d / "t.flac", noise(20, SR_IN), SR_IN), 0.5),
            "truncated or corrupt",
        ),
        (
            lambda d: _truncate(write_audio(d / "t.mp3", noise(20, SR_IN), SR_IN), 0.5),
            "truncated or corrupt (decoded ",
        ),
        (
            lambda d: _truncate(write_audio(d / "t.m4a", noise(20, SR_IN), SR_IN), 0.5),
            "truncated or corrupt",
        ),
        (
            lambda d: _truncate(write_audio(d / "t.ogg", noise(20, SR_IN), SR_IN), 0.01),
            "truncated or corrupt",
        ),
    ],
    ids=[
        "empty",
        "text",
        "random",
        "missing",
        "folder",
        "short",
        "header-only",
        "flac-cut",
        "mp3-cut",
        "m4a-cut",
        "ogg-cut",
    ],
)
def test_bad_files_raise_audio_error_in_plain_words(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(AudioError) as info:
        audio.load(path)
    assert str(info.value).startswith(reason)
    assert "Traceback" not in str(info.value) and str(tmp_path) not in str(info.value)


def test_file_without_audio_stream(tmp_path):
    import av

    path = tmp_path / "video.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(AudioError, match=r"^no audio stream$"):
        audio.load(path)


def test_corrupt_middle_of_compressed_file(tmp_path):
    path = write_audio(tmp_path / "garbled.m4a", noise(20, SR_IN), SR_IN)
    data = bytearray(path.read_bytes())
    third = len(data) // 3
    data[third : third + 4000] = np.random.default_rng(2).bytes(4000)
    path.write_bytes(bytes(data))
    with pytest.raises(AudioError, match=r"^truncated or corrupt"):
        audio.load(path)


def test_damaged_flac_falls_back_to_ffmpeg(tmp_path):
    """libsndfile gives up on a FLAC with a damaged stretch; FFmpeg resyncs past it."""
    path = write_audio(tmp_path / "scratched.flac", tone(440, 20, SR_IN), SR_IN)
    data = bytearray(path.read_bytes())
    third = len(data) // 3
    data[third : third + 2000] = np.random.default_rng(2).bytes(2000)
    path.write_bytes(bytes(data))
    a = audio.load(path)
    assert a.codec == "flac"
    assert a.seconds > 18.0
    assert _peak_hz(a.segments[0][: a.sr], a.sr) == pytest.approx(440, abs=2)


def test_picture_named_mp3(tmp_path):
    import av

    path = tmp_path / "cover.mp3"
    with av.open(str(path), "w", format="image2") as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuvj420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    with pytest.raises(AudioError, match=r"^not an audio file \(an image\)$"):
        audio.load(path)


def test_pyav_frames_are_converted_to_mono_once_per_excerpt_or_frame_by_frame():
    """Frames of one format are joined, then scaled and averaged in one pass; a stream that
    changes format mid-way is converted frame by frame, with the same numbers."""
    s16 = np.array([[1000, -2000, 3000], [3000, 2000, -1000]], dtype=np.int16)  # (channels, n)
    flt = np.array([[0.5, -0.25], [0.25, 0.75]], dtype=np.float32)
    packed = s16.T.reshape(-1)  # interleaved L R L R …
    views = [packed[0::2], packed[1::2]]  # what _frame_channels gives for packed s16
    one = audio._pieces_to_mono([("s16", views), ("s16", [c[:2] for c in views])])
    expect = (np.concatenate([s16, s16[:, :2]], axis=1).astype(np.float32) / 32768.0).mean(axis=0)
    np.testing.assert_allclose(one, expect, rtol=1e-7)
    mixed = audio._pieces_to_mono([("s16", views), ("flt", list(flt))])
    np.testing.assert_allclose(mixed, np.concatenate([s16.astype(np.float32).mean(axis=0) / 32768.0,
                                                      flt.mean(axis=0)]), rtol=1e-6)
    assert one.dtype == mixed.dtype == np.float32
