"""Tag and stream-info reading over every format, untagged fallbacks and bad files."""

from __future__ import annotations

import errno
import os
import shutil

import numpy as np
import pytest
from audio_formats import FORMATS, TAGS, tag_file, write_format

from soundalike.engine.formats import is_audio_name, non_audio_reason, sniff
from soundalike.library.files.tags import _os_reason, read_tags

TAGGABLE = [k for k, v in FORMATS.items() if v[2]]


class TestFormats:
    """One class run over every format Soundalike reads."""

    @pytest.mark.parametrize("kind", TAGGABLE)
    def test_tags_and_stream_info(self, kind, tmp_path, copy_audio):
        path = copy_audio(kind, tmp_path / f"file.{FORMATS[kind][0]}")
        tag_file(path, kind)
        result = read_tags(str(path))
        assert result.ok, result.error
        info = result.info
        for key, value in TAGS.items():
            assert getattr(info, key) == value, key
        assert info.codec == FORMATS[kind][1]
        assert info.channels == 1
        assert info.duration == pytest.approx(1.0, abs=0.1)
        if kind != "opus":  # Opus always decodes at 48 kHz; mutagen does not report a rate
            assert info.samplerate == 44100
        if kind != "wv":
            assert info.bitrate and info.bitrate > 8000

    @pytest.mark.parametrize("kind", list(FORMATS))
    def test_untagged_names_come_from_the_path(self, kind, tmp_path, copy_audio):
        root = tmp_path / "Music"
        ext = FORMATS[kind][0]
        path = copy_audio(kind, root / "Some Artist" / "Some Album" / f"04 - A Title.{ext}")
        result = read_tags(str(path), root=str(root))
        assert result.ok, result.error
        info = result.info
        assert (info.title, info.artist, info.album, info.tracknumber) == (
            "A Title", "Some Artist", "Some Album", 4)
        assert info.codec == FORMATS[kind][1]


def test_folders_above_the_music_folder_are_not_used(tmp_path, copy_audio):
    root = tmp_path / "Music"
    path = copy_audio("flac", root / "track_name.flac")
    info = read_tags(str(path), root=str(root)).info
    assert (info.title, info.artist, info.album) == ("track name", None, None)
    deeper = copy_audio("flac", root / "Just An Album" / "x.flac")
    info = read_tags(str(deeper), root=str(root)).info
    assert (info.artist, info.album) == (None, "Just An Album")


def test_tags_win_over_path(tmp_path, copy_audio):
    path = copy_audio("flac", tmp_path / "Music" / "Wrong" / "Wrong" / "09 Wrong.flac")
    tag_file(path, "flac")
    info = read_tags(str(path), root=str(tmp_path / "Music")).info
    assert (info.title, info.artist, info.album, info.tracknumber) == (
        "Tone Song", "Test Artist", "Test Album", 7)


@pytest.mark.parametrize("name, content, reason", [
    ("empty.mp3", b"", "file is empty (0 bytes)"),
    ("notes.mp3", b"These are my shopping notes.\nMilk, eggs.\n" * 20,
     "not an audio file (text)"),
    ("picture.flac", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "not an audio file (PNG image)"),
    ("zeros.wav", bytes(100_000), "no audio data"),
    ("garbage.ogg", bytes([7, 200, 13, 0, 99, 250, 1, 2]) * 500, "not an audio file"),
    ("noise.mp3", np.random.default_rng(3).bytes(70_000),
     "not a valid MP3 file (no MP3 header found)"),
    ("noise.wav", np.random.default_rng(2).bytes(70_000),
     "not a valid WAV file (no WAV header found)"),
])
def test_bad_files_get_plain_reasons(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    result = read_tags(str(path))
    assert result.info is None
    assert result.error.startswith(reason)


@pytest.mark.parametrize("kind, keep", [("mp3", 0.4), ("flac", 0.05), ("wav", 0.5),
                                        ("aiff", 0.5), ("m4a", 0.3), ("ogg", 0.05)])
def test_truncated_files(tmp_path, kind, keep):
    full = write_format(tmp_path / f"full.{FORMATS[kind][0]}", kind, seconds=3.0)
    data = full.read_bytes()
    cut = tmp_path / f"cut.{FORMATS[kind][0]}"
    cut.write_bytes(data[:max(200, int(len(data) * keep))])
    result = read_tags(str(cut))
    name = {"mp3": "MP3", "flac": "FLAC", "wav": "WAV", "aiff": "AIFF", "m4a": "M4A",
            "ogg": "Ogg"}[kind]
    assert result.error is not None, f"truncated {kind} not noticed"
    assert result.error.startswith(f"truncated or corrupt {name}"), result.error


def test_vanished_file(tmp_path):
    assert read_tags(str(tmp_path / "gone.mp3")).error == \
        "file disappeared while it was being read"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(tmp_path, copy_audio):
    path = copy_audio("flac", tmp_path / "locked.flac")
    path.chmod(0)
    assert read_tags(str(path)).error == "permission denied"


def test_os_errors_in_plain_words(tmp_path, copy_audio):
    # as root a chmod cannot deny reading, so check the mapping with the error the OS raises
    # for permission problems, and a real failing open (a path "inside" a file)
    assert _os_reason(PermissionError(errno.EACCES, "Permission denied")) == "permission denied"
    inner = copy_audio("flac", tmp_path / "a.flac") / "inner.mp3"
    assert read_tags(str(inner)).error == "cannot read the file (Not a directory)"


def test_sniffing_and_extensions(audio_cache):
    for kind, (ext, *_r) in FORMATS.items():
        head = (audio_cache / f"{kind}.{ext}").read_bytes()[:4096]
        assert sniff(head) is not None, kind
        assert non_audio_reason(head) is None, kind
    assert is_audio_name("a.MP3") and is_audio_name("b.ape") and is_audio_name("c.oga")
    assert not is_audio_name(".hidden.mp3") and not is_audio_name("cover.jpg")
    assert not is_audio_name("mp3")


def test_non_utf8_tag_free_name(tmp_path, copy_audio):
    root = tmp_path / "Music"
    d = os.fsencode(root / "Caf\xe9")  # a folder whose name is valid UTF-8
    os.makedirs(d)
    raw = d + b"/01 \xff\xfe bad.flac"
    shutil.copyfile(copy_audio("flac", tmp_path / "src.flac"), raw)
    result = read_tags(os.fsdecode(raw), root=str(root))
    assert result.ok
    assert result.info.title == "\ufffd\ufffd bad"
    assert result.info.album == "Café"
