"""`soundalike mpd scan | similar | path | radio` against a real MPD (Debian's ``mpd``).

The MPD of each test module plays the small analysed library of tests/helpers/reco_library.py
to a null output in real time, on a free port of 127.0.0.1 and on a socket of its own. The
radio runs as a real process (``python -m soundalike``), is stopped with SIGINT, and lives
through a real MPD restart.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_run import run
from mpd_server import MPD, MpdServer, free_port
from reco_library import build_library

from soundalike.library.store import Store

pytest.importorskip("mpd", reason="python-mpd2 is not installed (make setup installs it)")
pytestmark = pytest.mark.skipif(not os.path.exists(MPD),
                                reason="mpd is not installed (scripts/system-deps --tests)")


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return build_library(tmp_path_factory)


@pytest.fixture(scope="module")
def server(lib, tmp_path_factory):
    s = MpdServer(tmp_path_factory.mktemp("mpd"), lib.root / "music")
    s.start()
    s.update()
    yield s
    s.stop()


@pytest.fixture
def db(lib, tmp_path):
    return str(lib.copy_db(tmp_path))


@pytest.fixture
def mpc(server):
    """A client on the test's MPD, with an empty, stopped queue."""
    c = server.client()
    c.clear()
    yield c
    c.disconnect()


def uri(lib, key) -> str:
    return os.path.relpath(lib.paths[key], lib.root / "music")


def tcp(server) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(server.port)]


def queue(client) -> list[str]:
    return [s["file"] for s in client.playlistinfo()]


def test_scan_adds_mpds_music_directory_told_over_its_socket(capsys, server, lib, tmp_path):
    db = str(tmp_path / "fresh.db")
    code, out, err = run(capsys, "--db", db, "mpd", "scan", "--host", server.socket, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["music_directory"] == str(lib.root / "music")
    with Store(db) as store:
        assert [f.path for f in store.folders()] == [str(lib.root / "music")]
        assert store.track_by_path(lib.paths["Beta", "B1", 1]).status == "pending"
        assert store.get_setting("mpd.music_directory") == str(lib.root / "music")
    # over TCP MPD will not tell: the remembered folder is used
    code, out, err = run(capsys, "--db", db, "mpd", "scan", *tcp(server))
    assert code == 0, err
    assert out.startswith(f"MPD's music directory {lib.root / 'music'}:")
    assert "tracks to analyse: soundalike analyze" in out


def test_over_tcp_without_a_music_dir_it_says_how_to_give_one(capsys, server, tmp_path):
    code, out, err = run(capsys, "--db", str(tmp_path / "x.db"), "mpd", "scan", *tcp(server))
    assert code == 1 and out == ""
    assert "tells its music directory only on its local socket: give --music-dir" in err


def test_similar_queues_songs_like_the_current_one_right_after_it(capsys, server, lib, db, mpc):
    current, later = uri(lib, ("Alpha", "A1", 0)), uri(lib, ("Beta", "B2", 1))
    mpc.add(current)
    mpc.add(later)
    mpc.play(0)
    code, out, err = run(capsys, "--db", db, "mpd", "similar", "-n", "3", *tcp(server),
                         "--music-dir", str(lib.root / "music"))
    assert code == 0, err
    q = queue(mpc)
    assert q[0] == current and q[-1] == later and len(q) == 5
    assert out.splitlines()[0] == "Queued 3 songs like “Alpha – A1 song 1” after it:"
    with Store(db) as store:  # they are the library's own top 3, in order
        from soundalike.library.recommend.recommender import Recommender

        best = Recommender(store).similar(store.track_by_path(lib.paths["Alpha", "A1", 0]).id,
                                          10, explain=False)
        best_uris = [os.path.relpath(r.track.path, lib.root / "music") for r in best]
    assert q[1:4] == best_uris[:3]


def test_similar_albums_and_artists_of_the_current_song(capsys, server, lib, db, mpc):
    mpc.add(uri(lib, ("Alpha", "A1", 0)))
    mpc.play(0)
    code, out, err = run(capsys, "--db", db, "mpd", "similar", "--albums", "-n", "3",
                         *tcp(server), "--music-dir", str(lib.root / "music"))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Albums like A1 (of “Alpha – A1 song 1”):"
    assert len(lines) == 4 and "A1 " not in "".join(lines[1:])
    assert queue(mpc) == [uri(lib, ("Alpha", "A1", 0))]   # listed, nothing queued
    code, out, err = run(capsys, "--db", db, "mpd", "similar", "--artists", "--json",
                         *tcp(server), "--music-dir", str(lib.root / "music"))
    assert code == 0, err
    data = json.loads(out)
    assert data["query"]["name"] == "Alpha"
    assert "Alpha" not in [r["name"] for r in data["results"]] and data["results"]


def test_path_replaces_the_queue_and_plays_from_a_to_b(capsys, server, lib, db, mpc):
    a, b = uri(lib, ("Alpha", "A1", 0)), uri(lib, ("Beta", "B2", 1))
    mpc.add(uri(lib, ("Gamma", "G1", 0)))
    code, out, err = run(capsys, "--db", db, "mpd", "path", a, "Beta – B2 song 2", "--steps",
                         "4", "--replace", "--host", server.socket)
    assert code == 0, err
    q = queue(mpc)
    assert len(q) == 4 and q[0] == a and q[-1] == b
    assert mpc.status()["state"] == "play"
    assert out.startswith("Playing a path of 4 songs from “Alpha – A1 song 1” to "
                          "“Beta – B2 song 2”:")


def test_an_empty_queue_is_a_plain_error(capsys, server, lib, db, mpc):
    for command in (["similar"], ["path", "current", "Beta – B2 song 2"]):
        code, out, err = run(capsys, "--db", db, "mpd", *command, "--host", server.socket)
        assert (code, out) == (1, "")
        assert err == "soundalike: MPD's queue is empty: add a song and play it first\n"


def test_a_stopped_mpd_and_a_bad_address_are_plain_errors(capsys, db):
    port = free_port()  # nothing listens there
    code, out, err = run(capsys, "--db", db, "mpd", "similar", "--host", "127.0.0.1",
                         "--port", str(port))
    assert (code, out) == (1, "")
    assert err == (f"soundalike: cannot connect to MPD at 127.0.0.1:{port}: nothing listens "
                   "there (is MPD running? see --host/--port, MPD_HOST/MPD_PORT)\n")
    code, _, err = run(capsys, "--db", db, "mpd", "similar", "--host", "/nonexistent/socket")
    assert code == 1 and "there is no such socket (is MPD running?)" in err
    code, _, err = run(capsys, "--db", db, "mpd", "scan", "--port", "music")
    assert code == 2 and "--port must be a port number, got 'music'" in err


def test_a_wrong_password_is_a_plain_error_and_the_right_one_works(
        capsys, lib, db, tmp_path, monkeypatch):
    s = MpdServer(tmp_path / "locked", lib.root / "music", password="opensesame")
    s.start()
    try:
        s.update()
        c = s.client()
        c.add(uri(lib, ("Alpha", "A1", 0)))
        c.play(0)
        monkeypatch.setenv("MPD_HOST", "wrong@127.0.0.1")
        monkeypatch.setenv("MPD_PORT", str(s.port))
        code, out, err = run(capsys, "--db", db, "mpd", "similar", "--music-dir",
                             str(lib.root / "music"))
        assert (code, out) == (1, "")
        assert "refused the password" in err and "Traceback" not in err
        monkeypatch.setenv("MPD_HOST", "opensesame@127.0.0.1")
        code, out, err = run(capsys, "--db", db, "mpd", "similar", "-n", "2", "--music-dir",
                             str(lib.root / "music"))
        assert code == 0, err
        assert len(c.playlistinfo()) == 3
        c.disconnect()
    finally:
        s.stop()


# -- radio: a real process ------------------------------------------------------------------
class RadioProcess:
    """``python -m soundalike mpd radio …`` with its output read line by line."""

    def __init__(self, *args: str):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "soundalike", *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 60.0, after: int = 0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, line in enumerate(self.lines[after:], after):
                if text in line:
                    return i
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} in {self.lines}; stderr: {self.stderr()}")

    def stderr(self) -> str:
        return self.proc.stderr.read() if self.proc.poll() is not None else "(running)"

    def interrupt(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(30)
        self._reader.join(10)
        return code, self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def wait_until(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def upcoming(server) -> int:
    c = server.client()
    try:
        st = c.status()
        return int(st["playlistlength"]) - int(st.get("song", 0)) - 1
    finally:
        c.disconnect()


def test_radio_keeps_songs_queued_notices_skips_and_survives_an_mpd_restart(
        server, lib, db, mpc):
    seed = uri(lib, ("Beta", "B1", 0))
    mpc.add(seed)
    mpc.play(0)
    radio = RadioProcess("--db", db, "mpd", "radio", "--keep", "3", *tcp(server),
                         "--music-dir", str(lib.root / "music"), "--random-seed", "3")
    try:
        radio.wait_for("Radio from “Beta – B1 song 1” on MPD at 127.0.0.1")
        wait_until(lambda: upcoming(server) >= 3)
        q = queue(mpc)
        assert q[0] == seed and len(set(q)) == len(q) == 4
        added = [line for line in radio.lines if line.startswith("+ ")]
        assert len(added) == 3
        # a skip: the listener moves on a second into the song
        mpc.next()
        at = radio.wait_for("Skipped “Beta – B1 song 1” at")
        wait_until(lambda: upcoming(server) >= 3)
        assert len(queue(mpc)) == 5

        # MPD goes away and comes back (its state file keeps the queue)
        mpc.disconnect()
        server.stop()
        radio.wait_for("Lost the connection to MPD at 127.0.0.1", after=at)
        time.sleep(1.0)
        server.start()
        radio.wait_for("Reconnected to MPD at 127.0.0.1", timeout=60)
        c = server.client()
        try:  # the listener removes the upcoming songs: the radio fills them in again
            st = c.status()
            for item in c.playlistinfo()[int(st.get("song", 0)) + 1:]:
                c.deleteid(item["id"])
            wait_until(lambda: upcoming(server) >= 3)
        finally:
            c.disconnect()
        code, err = radio.interrupt()
        assert code == 0, err
        assert "Traceback" not in err
        assert radio.lines[-1].startswith("Radio stopped: ")
    finally:
        radio.kill()
        if server.process is None:
            server.start()


def test_radio_on_an_empty_queue_or_a_stopped_mpd_says_so_and_exits_1(server, lib, db, mpc):
    radio = RadioProcess("--db", db, "mpd", "radio", "--host", server.socket)
    try:
        code = radio.proc.wait(60)
        err = radio.proc.stderr.read()
        assert code == 1
        assert err == ("soundalike: MPD's queue is empty: add a song and start it, then "
                       "start the radio\n")
    finally:
        radio.kill()
    port = free_port()
    radio = RadioProcess("--db", db, "mpd", "radio", "--port", str(port), "--host", "127.0.0.1")
    try:
        assert radio.proc.wait(60) == 1
        err = radio.proc.stderr.read()
        assert err.startswith(f"soundalike: cannot connect to MPD at 127.0.0.1:{port}")
        assert "Traceback" not in err
    finally:
        radio.kill()


def test_radio_on_an_unanalysed_library_says_so(server, lib, tmp_path, mpc):
    db = tmp_path / "empty.db"
    Store(db).close()  # an empty library: it says so before MPD is asked
    mpc.add(uri(lib, ("Alpha", "A1", 0)))
    radio = RadioProcess("--db", str(db), "mpd", "radio", "--host", server.socket)
    try:
        assert radio.proc.wait(60) == 1
        assert "no analysed tracks yet" in radio.proc.stderr.read()
    finally:
        radio.kill()


def test_python_mpd2_talks_to_the_real_daemon(server):
    c = server.client(via_socket=True)
    try:
        assert Path(c.config()) == server.music_dir
    finally:
        c.disconnect()


def test_order_puts_mpds_queue_after_the_current_song_in_tempo_order(capsys, server, lib, db,
                                                                       mpc):
    keys = [("Beta", "B1", 0), ("Alpha", "A1", 0), ("Gamma", "G2", 0), ("Alpha", "A2", 1),
            ("Beta", "B2", 1), ("Gamma", "G1", 0)]
    for k in keys:
        mpc.add(uri(lib, k))
    mpc.play(0)
    code, out, err = run(capsys, "--db", db, "mpd", "order", "--by", "tempo", *tcp(server),
                         "--music-dir", str(lib.root / "music"))
    assert code == 0, err
    assert out.strip() == "Put 5 songs after the current one in tempo order."
    q = queue(mpc)
    assert q[0] == uri(lib, keys[0]) and sorted(q) == sorted(uri(lib, k) for k in keys)
    from soundalike.engine.dsp import INDEX

    with Store(db) as store:
        tempo = [store.get_analysis(store.track_by_path(str(lib.root / "music" / u)).id)
                 .features[INDEX["tempo_bpm"]] for u in q[1:]]
    assert tempo == sorted(tempo)


def test_mix_queues_a_library_mix(capsys, server, lib, db, mpc):
    code, out, _ = run(capsys, "--db", db, "mixes", "--json")
    mix = json.loads(out)["mixes"][0]
    code, out, err = run(capsys, "--db", db, "mpd", "mix", mix["name"], "-n", "3",
                         "--replace", *tcp(server), "--music-dir", str(lib.root / "music"))
    assert code == 0, err
    assert out.strip() == f"Queued 3 songs of the mix “{mix['name']}”."
    q = queue(mpc)
    assert len(q) == 3 and mpc.status()["state"] == "play"
    code, _, err = run(capsys, "--db", db, "mpd", "mix", "no such mix", *tcp(server))
    assert code == 2 and "no mix called" in err
