"""The one format registry (engine/formats.py): the scanner and the analysis read the same
bad file the same way."""

from __future__ import annotations

import os

import numpy as np
import pytest
from audio_formats import FORMATS, write_format
from audiofiles import PYAV_FORMATS, SOUNDFILE_FORMATS

from soundalike.engine import audio, formats
from soundalike.engine.errors import AudioError
from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store

# name → content: files whose first bytes decide the reason (both sides look at headers)
HEADER_CASES = {
    "notes.mp3": b"These are my shopping notes.\nMilk, eggs.\n" * 20,
    "latin.flac": "Caf\xe9 cr\xe8me br\xfbl\xe9e, s'il vous pla\xeet\n".encode("latin-1") * 40,
    "empty.flac": b"",
    "picture.ogg": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "photo.mp3": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8,
    "noise.wav": np.random.default_rng(2).bytes(70_000),
    "noise.mp3": np.random.default_rng(3).bytes(70_000),
    "noise.flac": b"\0" + np.random.default_rng(1).bytes(9000),
    "garbage.ogg": bytes([7, 200, 13, 0, 99, 250, 1, 2]) * 500,
    "zeros.wav": bytes(100_000),
    "archive.m4a": b"PK\x03\x04" + bytes(range(256)) * 8,
    "webp.wav": b"RIFF\x00\x10\x00\x00WEBPVP8 " + bytes(range(256)) * 8,
}

# (kind, fraction kept or a byte count): real files cut short; the header still says audio
TRUNCATED = [("flac", 300), ("mp3", 300), ("mp3", 0.5), ("m4a", 0.5), ("m4a", 300),
             ("ogg", 300)]


def _analysis_reason(path) -> str | None:
    try:
        audio.load(path)
    except AudioError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """One scan of a folder of bad files: ``(folder, {file name: scanner's reason})``."""
    root = tmp_path_factory.mktemp("bad") / "Music"
    root.mkdir()
    for name, content in HEADER_CASES.items():
        (root / name).write_bytes(content)
    for kind, keep in TRUNCATED:
        ext = FORMATS[kind][0]
        data = write_format(root.parent / f"full.{ext}", kind, seconds=20.0).read_bytes()
        n = keep if isinstance(keep, int) else int(len(data) * keep)
        (root / f"cut-{keep}.{ext}").write_bytes(data[:n])
    with Store(root.parent / "lib.db") as store:
        store.add_folder(root)
        Scanner(store).scan()
        reasons = {os.path.basename(p): r for p, r in store.failures()}
    return root, reasons


@pytest.mark.parametrize("name", sorted(HEADER_CASES))
def test_scanner_and_analysis_give_one_reason(scanned, name):
    root, reasons = scanned
    assert name in reasons, f"the scanner took {name} for audio"
    assert reasons[name] == _analysis_reason(root / name)
    assert reasons[name] == formats.unreadable_reason(
        (root / name).read_bytes()[:formats.HEAD_BYTES], name)


def test_header_reasons_in_plain_words(scanned):
    _, reasons = scanned
    assert reasons["notes.mp3"] == reasons["latin.flac"] == "not an audio file (text)"
    assert reasons["empty.flac"] == "file is empty (0 bytes)"
    assert reasons["picture.ogg"] == "not an audio file (PNG image)"
    assert reasons["photo.mp3"] == "not an audio file (an image)"
    assert reasons["noise.wav"] == "not a valid WAV file (no WAV header found)"
    assert reasons["garbage.ogg"] == "not an audio file (unrecognised data)"
    assert reasons["zeros.wav"].startswith("no audio data")
    assert reasons["archive.m4a"] == "not an audio file (ZIP archive)"
    assert reasons["webp.wav"] == "not an audio file (WebP image)"


@pytest.mark.parametrize("kind, keep", TRUNCATED)
def test_truncated_files_are_truncated_for_both(scanned, kind, keep):
    """Past the header the readers differ (mutagen weighs the header's promise against the
    size, the decoders count what decodes), so the detail may differ; the verdict may not."""
    root, reasons = scanned
    name = f"cut-{keep}.{FORMATS[kind][0]}"
    analysis = _analysis_reason(root / name)
    assert reasons[name].startswith(f"truncated or corrupt {formats.format_name(name)} ")
    assert analysis is not None and analysis.startswith("truncated or corrupt"), analysis


def test_registry_declares_each_format_once(audio_cache):
    assert len(formats.BY_EXTENSION) == sum(len(f.extensions) for f in formats.FORMATS)
    assert frozenset(formats.BY_EXTENSION) == formats.AUDIO_EXTENSIONS
    for kind, (ext, *_r) in FORMATS.items():
        name = f"{kind}.{ext}"
        head = (audio_cache / name).read_bytes()[:formats.HEAD_BYTES]
        fmt = formats.sniff(head, name)
        assert fmt is not None and fmt is formats.by_name(name), kind
        # the decoder the registry names is the library that wrote the test file
        writer = formats.LIBSNDFILE if kind in SOUNDFILE_FORMATS else formats.FFMPEG
        assert kind in SOUNDFILE_FORMATS or kind in PYAV_FORMATS
        assert formats.decoder_for(head, name) == writer, kind
    assert formats.sniff(b"OggS" + bytes(24) + b"OpusHead").name == "Opus"
    assert formats.sniff(b"\xff\xfb\x90\x00" + bytes(100)).name == "MP3"
    assert formats.sniff(b"\xff\xf1\x50\x80" + bytes(100)).name == "AAC"
    assert formats.sniff(b"RIFF\0\0\0\0AVI LIST") is None
    assert formats.format_name("x.oga") == "Ogg" and formats.format_name("x.xyz") == "XYZ"
    assert not formats.is_audio_name("/music/.hidden.mp3") and formats.is_audio_name("./a.wv")
