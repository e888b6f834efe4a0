"""`soundalike bridge …` (the player plugins' JSON interface) and `soundalike plugins`,
over a small real, analysed library; the background work runs as a real detached process."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sqlite3
import time
from contextlib import suppress
from pathlib import Path

import pytest
from audiofiles import write_audio
from cli_run import run
from reco_library import STYLES, _chord

from soundalike.cli import bridge_cmds
from soundalike.library.recommend import vector_index
from soundalike.library.recommend.radio import radio_from_dict
from soundalike.library.recommend.recommender import Recommender
from soundalike.library.store import Store

SR = 22050


def answer(capsys, db, *argv) -> tuple[int, dict]:
    code, out, _err = run(capsys, "--db", db, "bridge", *argv)
    [line] = out.strip().splitlines()  # one JSON object, nothing else on stdout
    got = json.loads(line)
    assert (got["schema"], got["version"]) == ("soundalike-bridge", 1)
    assert line.isascii()
    return code, got


def style_of(lib, path: str) -> str | None:
    for (artist, album, _n), p in lib.paths.items():
        if p == path:
            return STYLES[artist][album]
    return None


def test_similar_lists_what_the_recommender_ranks_first_with_reasons(capsys, lib, db):
    seed = lib.paths["Beta", "B1", 0]
    code, got = answer(capsys, db, "similar", seed, "-n", "4")
    assert code == 0 and got["kind"] == "similar"
    with Store(db) as store:
        rec = Recommender(store)
        results = rec.similar(store.track_by_path(seed).id, 4)
    # the recommender's order, without the songs less alike than two random songs
    expected = [r.track.path for r in results if r.score > 0]
    assert [s["path"] for s in got["songs"]] == expected and 0 < len(expected) < 4
    assert all(s["reason"] and s["title"] for s in got["songs"])
    assert got["query"] == [{"path": seed, "in_library": True, "analysed": True}]
    assert got["analysed_now"] is None
    assert style_of(lib, got["songs"][0]["path"]) == "chord"   # B1's sound first


def test_nothing_similar_enough_is_said(capsys, lib, db):
    code, got = answer(capsys, db, "similar", lib.paths["Beta", "B1", 0], "--min-score", "1")
    assert code == 0 and got["songs"] == []
    assert got["message"].startswith("nothing in your library sounds similar enough")


def test_several_songs_and_a_song_outside_the_folders(capsys, lib, db, tmp_path):
    two = [lib.paths["Alpha", "A1", 0], lib.paths["Alpha", "A2", 1]]
    code, got = answer(capsys, db, "similar", *two, "-n", "3")
    assert code == 0 and not set(two) & {s["path"] for s in got["songs"]}
    outside = tmp_path / "elsewhere" / "new chord.flac"
    outside.parent.mkdir()
    write_audio(outside, _chord(233, __import__("numpy").random.default_rng(3)), SR,
                tags={"artist": "Zeta", "title": "Outside"})
    code, got = answer(capsys, db, "similar", str(outside), "-n", "3")
    assert code == 0 and got["analysed_now"] == [str(outside)]   # analysed on the spot
    assert got["query"][0]["in_library"] is False
    assert style_of(lib, got["songs"][0]["path"]) == "chord"


def test_a_library_song_not_analysed_yet_is_analysed_on_request_and_kept(capsys, lib, db,
                                                                          tmp_path):
    new = tmp_path / "new"
    new.mkdir()
    song = new / "new chord.flac"
    write_audio(song, _chord(225, __import__("numpy").random.default_rng(5)), SR,
                tags={"artist": "Eta", "title": "New"})
    run(capsys, "--db", db, "scan", str(new))
    with Store(db) as store:
        assert store.track_by_path(str(song)).status == "pending"
    code, got = answer(capsys, db, "similar", str(song), "-n", "3")
    assert code == 0 and got["analysed_now"] == [str(song)]
    assert got["query"] == [{"path": str(song), "in_library": True, "analysed": True}]
    top = got["songs"][0]["path"]   # a chord (the audiobook chapter is one too)
    assert style_of(lib, top) == "chord" or top == lib.audiobook
    with Store(db) as store:   # kept: the background analysis has nothing left to do for it
        assert store.track_by_path(str(song)).status == "analysed"
        assert store.claims() == []
    state = tmp_path / "radio.json"   # a radio can start from it now
    code, got = answer(capsys, db, "radio", "--state", str(state), "--seed", str(song))
    assert code == 0 and got["songs"]


def test_bad_cases_answer_in_plain_words(capsys, lib, db, tmp_path):
    code, got = answer(capsys, str(tmp_path / "none.db"), "similar", lib.paths["Beta", "B1", 0])
    assert code == 1 and got["error"]["code"] == "no-library"
    code, got = answer(capsys, db, "similar", str(tmp_path / "gone.flac"))
    assert code == 1 and got["error"]["code"] == "bad-song"
    assert "is not there" in got["error"]["message"]

    newer = tmp_path / "newer.db"
    newer.write_bytes(Path(db).read_bytes())
    with sqlite3.connect(newer) as con:
        con.execute("PRAGMA user_version = 99")
    code, got = answer(capsys, str(newer), "similar", lib.paths["Beta", "B1", 0])
    assert code == 1 and got["error"]["code"] == "other-version"
    assert "newer Soundalike" in got["error"]["message"]

    fresh = tmp_path / "fresh.db"   # folders scanned, nothing analysed yet
    with Store(fresh) as store:
        store.add_folder(str(Path(lib.paths["Beta", "B1", 0]).parent))
    run(capsys, "--db", str(fresh), "scan")
    # a song outside its folders, with nothing of the library analysed yet
    code, got = answer(capsys, str(fresh), "similar", lib.paths["Alpha", "A1", 0])
    assert code == 1 and got["error"]["code"] == "not-analysed"
    assert ("has not analysed your library yet (0 of 2 songs; about a minute of analysis once "
            "it runs)") in got["error"]["message"]
    assert got["status"]["pending"] == 2 and got["status"]["running"] is False


def test_status_says_how_far_and_how_long(capsys, lib, db, tmp_path):
    code, got = answer(capsys, db, "status")
    assert code == 0 and got["message"].startswith("all ") and got["pending"] == 0
    extra = tmp_path / "more"   # two new songs, a worker that says it started a minute ago
    extra.mkdir()
    for i in range(2):
        write_audio(extra / f"new {i}.flac", _chord(300 + 20 * i,
                    __import__("numpy").random.default_rng(i)), SR)
    run(capsys, "--db", db, "scan", str(extra))
    fd = os.open(f"{db}.bridge-work.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps({"pid": os.getpid(), "started": time.time() - 60}).encode())
        with Store(db) as store:   # the library's analyses were written minutes ago at most
            assert store.analysed_since(time.time() - 3600) > 0
            assert store.analysed_since(time.time() + 1) == 0
        code, got = answer(capsys, db, "status")
    finally:
        os.close(fd)
    assert got["running"] is True and got["pending"] == 2
    assert got["eta_seconds"] is not None
    assert got["message"].startswith(f"analysing {got['analysed']} of {got['songs']} songs — ")


def test_folders_start_the_background_work_which_analyses_them(capsys, lib, db, tmp_path):
    new = tmp_path / "Player music"
    new.mkdir()
    for i in range(2):
        write_audio(new / f"song {i}.flac", _chord(180 + 30 * i,
                    __import__("numpy").random.default_rng(10 + i)), SR,
                    tags={"artist": f"New {i}", "title": f"New song {i}"})
    index = vector_index.index_path(db)
    index.unlink(missing_ok=True)  # a cache: the work must leave a current one
    code, got = answer(capsys, db, "folders", str(new), str(tmp_path / "absent"))
    assert code == 0 and got["added"] == [str(new)] and got["started"] is True
    assert got["absent"] == [str(tmp_path / "absent")]
    try:
        end = time.monotonic() + 240
        while time.monotonic() < end:
            _, got = answer(capsys, db, "status")
            if not got["running"] and got["pending"] == 0 and got["songs"] > 0 and \
                    bridge_cmds.worker_info(db) is None:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the background work did not finish: {got}\n"
                        + Path(f"{db}.bridge-work.log").read_text())
        with Store(db) as store:
            assert all(store.track_by_path(str(new / f"song {i}.flac")).status == "analysed"
                       for i in range(2))
        assert index.exists()  # built by the work: the next question does not build it
        for name in (f"{db}.bridge-work.lock", f"{db}.bridge-work.log"):  # owner-only
            assert os.stat(name).st_mode & 0o077 == 0, name
        code, again = answer(capsys, db, "folders", str(new))
        assert again["added"] == [] and str(new) in again["folders"]
    finally:
        info = bridge_cmds.worker_info(db)
        if info and info.get("pid"):
            with suppress(ProcessLookupError):
                os.killpg(info["pid"], signal.SIGTERM)


def test_radio_answers_for_both_outcomes_as_the_radio_would(capsys, lib, db, tmp_path):
    state = tmp_path / "radio.json"
    seed, current = lib.paths["Alpha", "A1", 0], lib.paths["Gamma", "G1", 1]
    code, got = answer(capsys, db, "radio", "--state", str(state), "--seed", seed,
                       "--current", current, "-n", "3", "--random-seed", "5")
    assert code == 0 and got["kind"] == "radio" and got["current"] == current
    with Store(db) as store:  # what the library's radio draws after each kind of feedback
        rec = Recommender(store)
        base = json.loads(state.read_text())
        cid = store.track_by_path(current).id
        for outcome, feedback in (("played", lambda r: r.played(cid, float("inf"))),
                                  ("skipped", lambda r: r.skipped(cid, 1.0))):
            radio = radio_from_dict(rec, base)
            assert feedback(radio)
            assert [[s["path"], s["reason"]] for s in got[outcome]["songs"]] == \
                [[t.path, why] for t, why in radio.next_with_reasons(3)]
            assert json.loads(Path(got[outcome]["state"]).read_text()) == radio.to_dict()
    assert got["skipped"]["songs"][0]["reason"].startswith("after you skipped 1 ")
    # the player takes the skipped branch: the radio continues from that state
    os.replace(got["skipped"]["state"], state)
    nxt = got["skipped"]["songs"][0]["path"]
    code, got = answer(capsys, db, "radio", "--state", str(state), "--current", nxt)
    assert code == 0 and got["current"] == nxt and got["played"]["songs"]
    code, got = answer(capsys, db, "radio", "--state", str(tmp_path / "none.json"))
    assert code == 1 and got["error"]["code"] == "no-radio"


def test_plugins_install_and_uninstall(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUODLIBET_USERDIR", str(tmp_path / "ql"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home/.local/share"))
    code, out, _ = run(capsys, "--db", str(tmp_path / "lib.db"), "plugins", "install", "all")
    assert code == 0
    assert "File ▸ Plugins" in out and "☰ ▸ Plugins" in out
    ql = tmp_path / "ql/plugins"
    rb = tmp_path / "home/.local/share/rhythmbox/plugins/soundalike"
    assert {p.name for p in ql.iterdir()} == {"soundalike_ql.py", "_soundalike_client.py",
                                               "soundalike-plugin.json"}
    assert {p.name for p in rb.iterdir()} == {"soundalike.plugin", "soundalike.py",
                                               "_soundalike_client.py",
                                               "soundalike-plugin.json"}
    plugin = (rb / "soundalike.plugin").read_text()
    assert "Loader=python3" in plugin and "IAge=2" in plugin and "Depends=rb" in plugin
    for folder in (ql, rb):
        config = json.loads((folder / "soundalike-plugin.json").read_text())
        assert config["schema"] == "soundalike-plugin-config" and config["version"] == 1
        assert os.path.isabs(config["command"][0]) and os.access(config["command"][0], os.X_OK)
        assert config["db"] == str(tmp_path / "lib.db")
    (ql / "someone_elses.py").write_text("# another plugin\n")
    code, out, _ = run(capsys, "plugins", "uninstall", "all")
    assert code == 0 and "Removed" in out
    assert [p.name for p in ql.iterdir()] == ["someone_elses.py"] and not rb.exists()
    code, out, _ = run(capsys, "plugins", "uninstall", "quodlibet")
    assert "Nothing to remove" in out
