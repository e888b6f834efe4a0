"""The Quod Libet plugin in the real Quod Libet 4.5 (Debian 12), under Xvfb with a private HOME
and D-Bus session bus (tests/helpers/desktop_players.py).

The test writes real audio files, installs the plugin with `soundalike plugins install
quodlibet` (into the test's QUODLIBET_USERDIR), enables both of its plugins in Quod Libet's
config and starts Quod Libet. The songs menu's actions are triggered on songs through the
plugin's test hook (SOUNDALIKE_PLUGIN_TEST_HOOK=1: a D-Bus method that builds the songs
menu's Plugins submenu as a right click does and activates the item). What Quod Libet then
holds is read back with Quod Libet's own remote commands (--print-queue) and MPRIS; the
analysis' progress from Quod Libet's task controller (its status bar).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from desktop_players import (
    PLAYER,
    QUODLIBET,
    SYSTEM_PYTHON,
    Bus,
    file_uri_path,
    need,
    playing,
    quodlibet_env,
    running,
    session_bus,
    wait_for,
    xvfb,
)
from plugin_players import (
    CHORD,
    SONGS,
    HeldWork,
    bridge,
    hook,
    hook_json,
    install,
    menu,
    nothing_similar_said,
    outside_song_analysed_on_the_spot,
    scan,
    screenshot,
    write_outside,
    write_songs,
)
from plugin_players import (
    said as plugin_said,
)

HOOK = "org.soundalike.QuodLibetPlugin"

# Quod Libet's song library, written with its own classes in the system's python3 (what a
# first scan of the music folder would store)
QL_LIBRARY = """
import os, sys
import quodlibet
quodlibet.init(no_translations=True, no_excepthook=True)
from quodlibet.library import SongFileLibrary
songs = SongFileLibrary("songs")
for path in sys.argv[1:]:
    assert songs.add_filename(path) is not None, path
songs.save(os.path.join(quodlibet.get_user_dir(), "songs"))
"""


def said(bus: Bus, kind: str) -> list:
    return plugin_said(bus, HOOK, kind)


def tasks(bus: Bus) -> list:
    return hook_json(bus, HOOK, "Tasks")


def test_quod_libet_plugin_queues_what_soundalike_ranks_and_its_radio_steers_after_a_skip(
        tmp_path):
    program = need("quodlibet", "quodlibet")
    if subprocess.run([SYSTEM_PYTHON, "-c", "import quodlibet"], capture_output=True,
                      timeout=60).returncode != 0:
        pytest.skip("Quod Libet's modules are not importable by /usr/bin/python3")
    db = str(tmp_path / "soundalike.db")
    music = tmp_path / "Music"
    paths = write_songs(music)
    # a song in Quod Libet's library but outside its music folder (so outside Soundalike's)
    outside = write_outside(tmp_path)
    with xvfb(tmp_path) as display, session_bus(tmp_path) as address:
        bus = Bus(address)
        env = quodlibet_env(tmp_path, display, address)
        env["SOUNDALIKE_PLUGIN_TEST_HOOK"] = "1"
        plugins = install(db, "quodlibet", env)
        assert plugins == Path(env["QUODLIBET_USERDIR"]) / "plugins"

        made = subprocess.run([SYSTEM_PYTHON, "-c", QL_LIBRARY, *paths.values(), str(outside)],
                              env=env,
                              capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr[-2000:]
        (Path(env["QUODLIBET_USERDIR"]) / "config").write_text(
            "[plugins]\nactive_plugins = mpris\n\tsoundalike\n\tsoundalike_radio\n\n"
            f"[player]\ngst_pipeline = fakesink sync=true\n\n[settings]\nscan = {music}\n\n"
            "[memory]\nbrowser = SearchBar\nquodlibet_size_ = 1000 740\n"
            "quodlibet_position = 0 0\n")

        def ql(*args: str) -> list[str]:
            out = subprocess.run([program, *args], env=env, timeout=30, capture_output=True,
                                 text=True).stdout
            return [file_uri_path(u) for u in out.split()]

        # Soundalike knows the songs but another Soundalike holds the analysis: Quod Libet
        # shows it running, and nothing is analysed until it is released
        scan(db, music)
        held = HeldWork(db)
        with running([program], env, tmp_path / "quodlibet.log"):
            wait_for("Quod Libet and the plugin's hook on the bus",
                     lambda: {QUODLIBET, HOOK} <= set(bus.names()), 60)
            wait_for("the songs in Quod Libet's song list",
                     lambda: sorted(ql("--print-playlist"))
                     == sorted([*paths.values(), str(outside)]))

            # with the player, before any use: the plugin registers Quod Libet's folder and
            # the analysis' progress is a task in Quod Libet's status bar, with how long
            task = wait_for("the analysis' task in Quod Libet's status bar", lambda: [
                t for t in tasks(bus) if t[0] == "Soundalike"])[0]
            assert re.fullmatch(r"analysing 0 of 7 songs — about (a minute|\d+ min)",
                                task[1]), task
            assert task[2] == 0.0
            # the library not analysed yet: the window and a dialog say how far, how long
            menu(bus, HOOK, "Find similar songs", paths["Aa/beat.flac"])
            status = wait_for("the window to say the library is not ready",
                              lambda: said(bus, "window-status"), 120)
            assert re.match(r"Soundalike has not analysed your library yet \(1 of 7 songs — "
                            r"about (a minute|\d+ min) to go\)", status[0]), status
            screenshot(env, tmp_path / "quodlibet-not-analysed.png")
            menu(bus, HOOK, "Play similar next", paths["Ba/noise.flac"])
            wait_for("the dialog about the analysis", lambda: said(bus, "dialog")[-1:] == [
                "Soundalike is still analysing your music"], 120)
            assert re.search(r"\(2 of 7 songs — about (a minute|\d+ min) to go\)",
                             said(bus, "dialog-text")[-1]), said(bus, "dialog-text")
            assert ql("--print-queue") == []
            held.release()  # the plugin starts the analysis itself now; the window lists
            # the songs once it is done
            def listed():
                rows = said(bus, "window")
                return rows and [r[0] for r in rows[-1]] == ["Ab beat", "Ac beat"] and rows[-1]

            rows = wait_for("the similar songs in the window once analysed", listed, 300)
            assert all(why for _title, why in rows)  # each with why
            screenshot(env, tmp_path / "quodlibet-window.png")
            hook(bus, HOOK, "Close")
            status = bridge(db, "status")
            assert status["analysed"] == len(SONGS) and status["folders"] == [str(music)]
            wait_for("the task to leave the status bar once analysed", lambda: not [
                t for t in tasks(bus) if t[0] == "Soundalike"])
            assert said(bus, "progress")[-1] == "all 7 songs analysed"

            # a song outside Soundalike's folders: analysed on the spot, its neighbours
            # listed, and it is not added to Soundalike's library
            outside_song_analysed_on_the_spot(bus, HOOK, db, outside)

            # nothing similar enough (the plugin asks for songs more alike than any can be)
            nothing_similar_said(bus, HOOK, plugins, "Queue similar songs", paths["Aa/beat.flac"])
            assert ql("--print-queue") == []

            # Queue similar songs: the queue holds what Soundalike ranks first, in order
            seed = paths["Aa/beat.flac"]
            ranked = [s["path"] for s in bridge(db, "similar", seed, "-n", "10")["songs"]]
            assert ranked == [paths["Ab/beat.flac"], paths["Ac/beat.flac"]]  # the other beats
            menu(bus, HOOK, "Queue similar songs", seed)
            wait_for("the similar songs in Quod Libet's queue",
                     lambda: ql("--print-queue") == ranked)
            # Play similar next: in front of what was queued
            other = paths[CHORD]
            first = [s["path"] for s in bridge(db, "similar", other, "-n", "10")["songs"]]
            assert first == [paths["Cb/chord.flac"]]
            menu(bus, HOOK, "Play similar next", other)
            wait_for("the next songs at the head of the queue",
                     lambda: ql("--print-queue") == first + ranked)
            for p in set(first + ranked):
                ql(f"--unqueue={p}")
            wait_for("an empty queue", lambda: ql("--print-queue") == [])

            # the radio from two songs (a beat and a chord) plans both outcomes for the
            # song playing: heard through, the beats' neighbourhood goes on; skipped, the
            # radio turns to the chords, and Quod Libet plays the skip's pick
            start = paths["Aa/beat.flac"]
            menu(bus, HOOK, "Start Soundalike radio", start, paths[CHORD])
            wait_for("the first song to play", lambda: playing(bus, QUODLIBET, start))
            plan = wait_for("the radio's plan for it",
                            lambda: said(bus, "radio"))[-1]
            style = {paths[n]: st for n, (st, _v, _a) in SONGS.items()}
            assert style[plan["played"][0]] == "beat"
            assert style[plan["skipped"][0]] == "chord"
            bus.call(QUODLIBET, f"{PLAYER}.Next")  # a skip, seconds into the song
            wait_for("the skip's pick to play",
                     lambda: playing(bus, QUODLIBET, plan["skipped"][0]))
            assert ["skipped", start] in said(bus, "radio-choice")
            # heard through to its end, the next song is the "played" pick of its own plan
            pick = plan["skipped"][0]
            plans = wait_for("the radio's plan for the skip's pick",
                             lambda: said(bus, "radio")[1:])
            wait_for("the song to end and the radio's next pick to play",
                     lambda: playing(bus, QUODLIBET, plans[-1]["played"][0]), 40)
            assert ["played", pick] in said(bus, "radio-choice")
            screenshot(env, tmp_path / "quodlibet-radio.png")

            def last_dialog():
                return (said(bus, "dialog") or [None])[-1]

            # a database a newer Soundalike wrote: its version message, in a dialog
            with sqlite3.connect(db) as con:
                con.execute("PRAGMA user_version = 99")
            menu(bus, HOOK, "Queue similar songs", start)
            wait_for("the dialog about the other version", lambda: last_dialog() ==
                     "Another Soundalike version wrote the library")
            # Soundalike moved away: a dialog says what to run
            config = json.loads((plugins / "soundalike-plugin.json").read_text())
            config["command"] = [str(tmp_path / "gone/soundalike")]
            (plugins / "soundalike-plugin.json").write_text(json.dumps(config))
            menu(bus, HOOK, "Queue similar songs", start)
            wait_for("the dialog saying Soundalike is not there",
                     lambda: last_dialog() == "Soundalike is not installed")
    assert not list(tmp_path.rglob("PWNED"))  # no name was ever run by a shell
    keep = os.environ.get("SOUNDALIKE_SCREENSHOTS")
    if keep:
        for name in ("quodlibet-window.png", "quodlibet-radio.png",
                     "quodlibet-not-analysed.png"):
            (Path(keep) / name).write_bytes((tmp_path / name).read_bytes())
