"""library/files/disk.py: the one atomic write every file of ours goes through."""

from __future__ import annotations

import os

import pytest

from soundalike.library.files.disk import cache_dir, write_atomic


def test_write_atomic_writes_replaces_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "state.json"
    write_atomic(path, "première")
    assert path.read_text(encoding="utf-8") == "première"
    write_atomic(str(path), b"\x00\xffbytes")
    assert path.read_bytes() == b"\x00\xffbytes"
    assert os.listdir(tmp_path) == ["state.json"]


def test_a_failed_write_keeps_the_old_file_and_cleans_up(tmp_path):
    path = tmp_path / "state.json"
    write_atomic(path, "old")
    with pytest.raises(TypeError):
        write_atomic(path, 12345)  # not text or bytes: fails after the temporary file exists
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["state.json"]


def test_an_unwritable_folder_is_an_oserror_and_nothing_changes(tmp_path):
    with pytest.raises(OSError):
        write_atomic(tmp_path / "no such folder" / "state.json", "x")
    assert os.listdir(tmp_path) == []


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUNDALIKE_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
