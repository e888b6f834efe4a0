"""Fixtures for library tests: real audio files, written once per session and copied."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from audio_formats import FORMATS, write_format


@pytest.fixture(scope="session")
def audio_cache(tmp_path_factory) -> Path:
    """One untagged file per format, written once per session (copy them, never edit)."""
    d = tmp_path_factory.mktemp("audio-cache")
    for kind, (ext, *_rest) in FORMATS.items():
        write_format(d / f"{kind}.{ext}", kind)
    return d


@pytest.fixture
def copy_audio(audio_cache):
    """``copy_audio(kind, dest_path)`` → a fresh copy of a real file of that format."""
    def copy(kind: str, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(audio_cache / f"{kind}.{FORMATS[kind][0]}", dest)
        return dest
    return copy


@pytest.fixture
def music(tmp_path, copy_audio):
    """A small music folder: Artist/Album/NN Title.ext in a few formats."""
    root = tmp_path / "Music"
    copy_audio("flac", root / "Alpha" / "First" / "01 Opening.flac")
    copy_audio("mp3", root / "Alpha" / "First" / "02 Second Song.mp3")
    copy_audio("ogg", root / "Beta" / "Live" / "01 - Encore.ogg")
    copy_audio("wav", root / "loose.wav")
    return root
