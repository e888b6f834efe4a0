"""Versions, permissions and damage seen from the command line, in real processes: one plain
line, exit code 1 (or a recovery that says what came back), never a traceback.

Permissions: the test runs as root, which bypasses them. The CLI is therefore started as uid 0
with every capability dropped (``setpriv --bounding-set=-all``): files owned by another user
(``nobody``, by a real ``chown``) then obey their mode bits exactly as for an ordinary user.
(``nobody`` itself cannot run this interpreter here: it lives under /root, mode 0700.)
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from audiofiles import tone, write_audio

from soundalike.library.files.scanner import Scanner
from soundalike.library.store import SCHEMA_VERSION, Store

NOBODY = 65534


def _cli(*args: str, unprivileged: bool = False, env: dict | None = None):
    cmd = [sys.executable, "-m", "soundalike.main", *args]
    if unprivileged:
        if os.geteuid() != 0 or shutil.which("setpriv") is None:
            pytest.skip("needs root and setpriv(1) to run the CLI without its privileges")
        cmd = ["setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all",
               "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env=env or dict(os.environ))


def _plain_failure(done, *words: str) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    err = done.stderr
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("soundalike: ")
    for w in words:
        assert w in err, err
    return err


def _library(tmp_path: Path) -> Path:
    music = tmp_path / "Music"
    music.mkdir()
    for i in range(3):
        write_audio(music / f"s{i}.wav", tone(300.0 + 50 * i, 0.3, 22050).astype(np.float32),
                    22050)
    db = tmp_path / "data" / "library.db"
    with Store(db) as store:
        store.add_folder(music)
        Scanner(store).scan()
        store.create_playlist("Keep", [t.id for t in store.tracks()])
    return db


def _snapshot(folder: Path) -> dict:
    """Every file's bytes and mtime (not the start-up check's time stamp beside them)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())
            if not p.name.endswith(".checked")}


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_newer_schema_is_refused_naming_both_versions_and_left_untouched(tmp_path, journal):
    db = _library(tmp_path)
    with sqlite3.connect(db) as conn:  # what a newer Soundalike would leave (the test's file)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
        conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.close()
    for p in db.parent.glob("library.db.*"):
        p.unlink()  # only the database itself: nothing beside it to hide a change
    before = _snapshot(db.parent)
    for command in (["status"], ["tracks"], ["scan"], ["analyze"]):
        done = _cli("--db", str(db), *command)
        _plain_failure(done, "written by a newer Soundalike",
                       f"schema version {SCHEMA_VERSION + 5}",
                       f"understands up to {SCHEMA_VERSION}", "left untouched")
    assert _snapshot(db.parent) == before  # same files, same bytes, same mtimes


def test_a_database_owned_by_another_user_and_unreadable_is_one_plain_line(tmp_path):
    db = _library(tmp_path)
    os.chown(db, NOBODY, NOBODY)
    os.chmod(db, 0o600)
    before = _snapshot(db.parent)
    for command in (["status"], ["tracks"], ["scan"]):
        _plain_failure(_cli("--db", str(db), *command, unprivileged=True),
                       "cannot be read by root", "belongs to nobody", "permission denied")
    assert _snapshot(db.parent) == before


def test_a_database_owned_by_another_user_and_read_only_reads_but_writes_fail_plainly(
        tmp_path):
    db = _library(tmp_path)
    os.chown(db, NOBODY, NOBODY)
    os.chmod(db, 0o644)
    before = db.read_bytes()
    done = _cli("--db", str(db), "tracks", unprivileged=True)  # reading is allowed
    assert done.returncode == 0 and done.stdout.count("\n") == 3, done.stderr
    for command in (["folders", "add", str(tmp_path)],
                    ["folders", "remove", str(tmp_path / "Music")]):
        _plain_failure(_cli("--db", str(db), *command, unprivileged=True),
                       "cannot be written by root", "belongs to nobody")
    assert db.read_bytes() == before


def test_a_read_only_data_folder_is_one_plain_line(tmp_path):
    db = _library(tmp_path)
    folder = db.parent
    for p in [folder, *folder.iterdir()]:
        os.chown(p, NOBODY, NOBODY)
    os.chmod(db, 0o666)
    os.chmod(folder, 0o555)
    try:
        _plain_failure(_cli("--db", str(db), "status", unprivileged=True),
                       f"its folder {folder} is read-only")
        # a new library in a read-only folder
        _plain_failure(_cli("--db", str(folder / "new.db"), "status", unprivileged=True),
                       "cannot create the library database", "is read-only")
    finally:
        os.chmod(folder, 0o755)


def test_a_missing_data_folder_that_cannot_be_made_is_one_plain_line(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    os.chown(parent, NOBODY, NOBODY)
    os.chmod(parent, 0o555)
    try:
        db = parent / "soundalike" / "library.db"
        _plain_failure(_cli("--db", str(db), "status", unprivileged=True),
                       "cannot create the folder for the library database")
        assert not db.parent.exists()
    finally:
        os.chmod(parent, 0o755)


def test_a_damaged_library_is_recovered_and_rescanned_before_the_command(tmp_path):
    db = _library(tmp_path)
    db.write_text("oops, a text editor saved over it\n")
    done = _cli("--db", str(db), "status", "--json")
    assert done.returncode == 0, done.stderr
    err = " ".join(done.stderr.split())
    assert "Traceback" not in err
    assert "was damaged (it is not an SQLite database file)" in err
    assert "1 playlist (3 songs)" in err and "1 music folder" in err
    assert "rescanned: 3 audio files, 3 to analyse again" in err
    assert list(db.parent.glob("library.db.damaged-*"))
    with Store(db, read_only=True) as store:
        (keep,) = store.playlists()
        assert keep.name == "Keep" and keep.size == 3
        assert store.counts()["pending"] == 3
