"""``soundalike folders|scan|watch|status|tracks|purge`` end to end, in process and as a
real subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from audiofiles import tone, write_audio
from cli_run import run

SR = 22050


def wav(path, seconds=0.5, freq=440.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_audio(path, tone(freq, seconds, SR, amp=0.3), SR)


@pytest.fixture
def mixed(tmp_path):
    """A folder of good and broken files, one with a non-UTF-8 name."""
    root = tmp_path / "Mixed"
    wav(root / "Artist" / "Album" / "01 Good One.wav")
    write_audio(root / "two.flac", np.full(SR, 0.1, dtype=np.float32), SR)
    write_audio(root / "three.ogg", np.full(SR, 0.05, dtype=np.float32), SR)
    raw = os.fsencode(root) + b"/na\xefve \xff.wav"
    shutil.copyfile(root / "Artist" / "Album" / "01 Good One.wav", raw)
    (root / "empty.mp3").write_bytes(b"")
    (root / "readme.mp3").write_text("this is a text file with an mp3 name\n" * 5)
    full = (root / "Artist" / "Album" / "01 Good One.wav").read_bytes()
    (root / "cut.wav").write_bytes(full[: len(full) // 4])
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))
    return root, os.fsdecode(raw)


def test_scan_then_status_lists_good_and_broken(tmp_path, mixed, capsys):
    root, odd = mixed
    db = str(tmp_path / "x.db")
    code, out, err = run(capsys, "--db", db, "scan", str(root))
    assert code == 0, err
    assert "7 audio files" in out and "7 added" in out and "3 failed" in out
    assert "Traceback" not in err
    code, out, err = run(capsys, "--db", db, "status", "--json")
    assert code == 0 and err == ""
    status = json.loads(out)
    for key in ("tracks", "pending", "analysed", "failed", "missing"):
        assert isinstance(status[key], int)
    assert (status["tracks"], status["pending"], status["failed"]) == (7, 4, 3)
    reasons = {os.path.basename(f["path"]): f["reason"] for f in status["failures"]}
    assert reasons == {
        "empty.mp3": "file is empty (0 bytes)",
        "readme.mp3": "not an audio file (text)",
        "cut.wav": reasons["cut.wav"],
    }
    assert reasons["cut.wav"].startswith("truncated or corrupt WAV")
    # every good file is listed, the undecodable name included
    code, out, _ = run(capsys, "--db", db, "tracks", "--status", "pending", "--json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 4
    assert {t["title"] for t in listed} == {"Good One", "two", "three", "na\ufffdve \ufffd"}
    assert any(t["path"].endswith("na\ufffdve \ufffd.wav") for t in listed)
    good = next(t for t in listed if t["title"] == "Good One")
    assert (good["artist"], good["album"], good["tracknumber"]) == ("Artist", "Album", 1)
    # text output survives the odd name too
    code, out, _ = run(capsys, "--db", db, "tracks")
    assert code == 0 and "Good One" in out and "na\ufffdve" in out
    assert os.fsencode(odd).endswith(b"\xff.wav")


def test_rescan_and_purge(tmp_path, mixed, capsys):
    root, _ = mixed
    db = str(tmp_path / "x.db")
    run(capsys, "--db", db, "scan", str(root))
    (root / "two.flac").unlink()
    code, out, _ = run(capsys, "--db", db, "scan", "--json")
    report = json.loads(out)
    assert code == 0 and report["missing"] == 1 and report["unchanged"] == 6
    assert report["library"]["missing"] == 1
    code, out, _ = run(capsys, "--db", db, "purge", "--json")
    assert code == 0 and json.loads(out) == {"purged": 1}
    code, out, _ = run(capsys, "--db", db, "tracks", "two", "--json")
    assert json.loads(out) == []


def test_folders_commands(tmp_path, capsys):
    db = str(tmp_path / "x.db")
    a, b = tmp_path / "A", tmp_path / "B"
    a.mkdir()
    b.mkdir()
    assert run(capsys, "--db", db, "folders", "add", str(a), str(b))[0] == 0
    code, out, _ = run(capsys, "--db", db, "folders", "list", "--json")
    assert [f["path"] for f in json.loads(out)] == [str(a), str(b)]
    assert run(capsys, "--db", db, "folders", "remove", str(a))[0] == 0
    code, out, _ = run(capsys, "--db", db, "folders")
    assert code == 0 and out.strip() == str(b)
    code, _, err = run(capsys, "--db", db, "folders", "remove", str(a))
    assert code == 1 and "not a music folder" in err


def test_a_folder_that_is_away_is_listed_as_such(tmp_path, capsys, mixed):
    """Issue 21: an unplugged music folder is named with why and its hidden songs, and
    its tracks are masked (missing), not forgotten; back, they are back."""
    db = str(tmp_path / "x.db")
    root, _ = mixed
    assert run(capsys, "--db", db, "scan", str(root))[0] == 0
    away = tmp_path / "away"
    os.rename(root, away)
    code, _, err = run(capsys, "--db", db, "scan")
    assert code == 0 and "is not there (unplugged drive?); its tracks are marked missing, " \
        "not forgotten" in err
    code, out, _ = run(capsys, "--db", db, "folders", "list", "--json")
    [f] = json.loads(out)
    assert f["present"] is False and f["unavailable"] == "is not there (unplugged drive?)"
    assert f["hidden"] > 0
    code, out, _ = run(capsys, "--db", db, "folders")
    assert f"(not there (unplugged drive?): {f['hidden']} songs hidden until it is back)" in out
    os.rename(away, root)
    code, out, _ = run(capsys, "--db", db, "scan")
    assert code == 0 and f"{f['hidden']} back" in out
    code, out, _ = run(capsys, "--db", db, "folders", "list", "--json")
    assert json.loads(out)[0]["present"] is True


def test_usage_errors_exit_2_and_other_errors_exit_1(tmp_path, capsys):
    db = str(tmp_path / "x.db")
    code, out, err = run(capsys, "--db", db, "scan", str(tmp_path / "nope"))
    assert code == 2 and "no such folder" in err and "Traceback" not in err and out == ""
    (tmp_path / "file").write_text("x")
    assert run(capsys, "--db", db, "scan", str(tmp_path / "file"))[0] == 2
    assert run(capsys, "--db", db, "scan")[0] == 2  # no folders yet
    assert run(capsys, "--db", db, "tracks", "--limit", "lots")[0] == 2
    assert run(capsys, "--db", db, "tracks", "--status", "weird")[0] == 2
    notdb = tmp_path / "notes.db"
    notdb.write_text("my notes\n" * 500)
    code, out, err = run(capsys, "--db", str(notdb), "status", "--json")
    assert code == 1 and out == "" and "not a Soundalike library database" in err
    assert notdb.read_text() == "my notes\n" * 500


def test_env_var_chooses_the_database(tmp_path, capsys, monkeypatch, mixed):
    monkeypatch.setenv("SOUNDALIKE_DB", str(tmp_path / "env.db"))
    root, _ = mixed
    assert run(capsys, "scan", str(root))[0] == 0
    assert (tmp_path / "env.db").exists()
    _, out, _ = run(capsys, "status", "--json")
    assert json.loads(out)["db"] == str(tmp_path / "env.db")


@contextlib.contextmanager
def watching(db: str, *flags: str, env: dict, stderr=subprocess.PIPE):
    """``soundalike watch --no-scan FLAGS`` as a subprocess; Ctrl-C must end it with 0."""
    # Ctrl-C handling as in a terminal, even when this test run was started in the
    # background of a script (which starts its children with SIGINT ignored)
    proc = subprocess.Popen([sys.executable, "-m", "soundalike.main", "--db", db, "watch",
                             "--no-scan", *flags], stdout=subprocess.PIPE, stderr=stderr,
                            text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        yield proc
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_prints_changes_until_interrupted(tmp_path, mixed):
    root, _ = mixed
    db = str(tmp_path / "x.db")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-m", "soundalike.main", "--db", db, "scan", str(root)],
                   check=True, capture_output=True, env=env, timeout=60)
    with watching(db, "--no-analyze", env=env) as proc:
        deadline = time.monotonic() + 30
        line = proc.stderr.readline()
        while "watching" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
        assert "watching 1 folders" in line
        wav(tmp_path / "new.wav", freq=660.0)
        shutil.move(tmp_path / "new.wav", root / "new.wav")
        out_line = proc.stdout.readline()
        assert out_line.strip() == f"added: {root / 'new.wav'}"


def test_watch_analyses_the_files_it_picks_up(tmp_path):
    root = tmp_path / "Music"
    wav(root / "first.wav", seconds=3.0)
    db = str(tmp_path / "x.db")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "soundalike.main", "--db", db, "scan",
                             str(root)], env=env, stdout=subprocess.DEVNULL)
    assert proc.wait(60) == 0
    with watching(db, "--workers", "1", env=env, stderr=subprocess.DEVNULL) as proc:
        seen = [proc.stdout.readline().strip()]  # the backlog (first.wav) is analysed first
        assert seen == [f"analysed: {root / 'first.wav'}"]
        wav(tmp_path / "new.wav", seconds=3.0, freq=880.0)
        shutil.move(tmp_path / "new.wav", root / "new.wav")
        seen = [proc.stdout.readline().strip() for _ in range(2)]
        assert seen == [f"added: {root / 'new.wav'}", f"analysed: {root / 'new.wav'}"]
    status = subprocess.run([sys.executable, "-m", "soundalike.main", "--db", db, "status",
                             "--json"], check=True, capture_output=True, text=True, env=env,
                            timeout=60)
    assert json.loads(status.stdout)["analysed"] == 2


def test_unplugged_folder_is_reported_and_nothing_forgotten(tmp_path, mixed, capsys):
    root, _ = mixed
    db = str(tmp_path / "x.db")
    run(capsys, "--db", db, "scan", str(root))
    aside = tmp_path / "aside"
    root.rename(aside)  # the drive is unplugged
    code, out, err = run(capsys, "--db", db, "scan")
    assert code == 0 and "7 missing" in out
    assert f"music folder {root} is not there (unplugged drive?)" in err
    code, out, _ = run(capsys, "--db", db, "status", "--json")
    assert json.loads(out)["missing"] == 7 and json.loads(out)["tracks"] == 7
    aside.rename(root)  # plugged back in: everything returns, nothing re-read as new
    code, out, _ = run(capsys, "--db", db, "scan", "--json")
    report = json.loads(out)
    assert report["revived"] == 7 and report["added"] == 0
    assert report["library"]["missing"] == 0 and report["library"]["failed"] == 3


def test_watch_without_folders_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "--db", str(tmp_path / "x.db"), "watch")
    assert code == 2 and "no music folders" in err
