"""The Rhythmbox plugin in the real Rhythmbox 3.4.6 (Debian 12), under Xvfb with a private HOME
and D-Bus session bus (tests/helpers/desktop_players.py).

The test writes real audio files, installs the plugin with `soundalike plugins install
rhythmbox` (into the test's ~/.local/share/rhythmbox/plugins/soundalike/), enables it with
GSettings (the keyfile backend in the test's HOME: ``org.gnome.rhythmbox.plugins
active-plugins``; the music folder as ``org.gnome.rhythmbox.rhythmdb locations``) and starts
Rhythmbox. The menu items are activated on songs selected in the library's song list
through the plugin's test hook (SOUNDALIKE_PLUGIN_TEST_HOOK=1, D-Bus); the play queue is
read from Rhythmbox's own queue model, and again from the playlists file it saves on quit.
The popup menus are read from Rhythmbox's own GMenu models (``get_shared_menu``), the
analysis' progress from Rhythmbox's task list.
"""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from desktop_players import (
    PLAYER,
    RB_SHELL,
    RHYTHMBOX,
    Bus,
    file_uri_path,
    need,
    playing,
    poll,
    rhythmbox_env,
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

HOOK = "org.soundalike.RhythmboxPlugin"
KEYFILE = """[org/gnome/rhythmbox/plugins]
active-plugins=['soundalike', 'mpris']

[org/gnome/rhythmbox/rhythmdb]
locations=['{uri}']
monitor-library=true
"""


def strings(out: str) -> list[str]:
    """The strings of a dbus-send reply (one a line; printed raw, quotes and all)."""
    return re.findall(r'^\s*string "(.*)"$', out, re.M)


def queue(bus: Bus) -> list[str]:
    return strings(hook(bus, HOOK, "Queue"))


def known(bus: Bus, paths: list[str]) -> list[str]:
    return strings(hook(bus, HOOK, "Known", f"array:string:{','.join(paths)}"))


def said(bus: Bus, kind: str) -> list:
    return plugin_said(bus, HOOK, kind)


def tasks(bus: Bus) -> list:
    return hook_json(bus, HOOK, "Tasks")


ITEMS = {"Find similar songs": "app.soundalike-similar",
         "Play similar next": "app.soundalike-next",
         "Start Soundalike radio": "app.soundalike-radio",
         "Stop Soundalike radio": "app.soundalike-radio-stop"}


def test_rhythmbox_plugin_queues_what_soundalike_ranks_and_its_radio_follows_a_skip(tmp_path):
    program = need("rhythmbox", "rhythmbox")
    db = str(tmp_path / "soundalike.db")
    music = tmp_path / "Music"
    paths = write_songs(music)
    style = {paths[n]: st for n, (st, _v, _a) in SONGS.items()}
    # a song outside Rhythmbox's music folder (so outside Soundalike's), opened in Rhythmbox
    outside = write_outside(tmp_path)
    with xvfb(tmp_path) as display, session_bus(tmp_path) as address:
        bus = Bus(address)
        env = rhythmbox_env(tmp_path, display, address)
        env.update(GSETTINGS_BACKEND="keyfile", SOUNDALIKE_PLUGIN_TEST_HOOK="1")
        folder = install(db, "rhythmbox", env)
        assert folder == tmp_path / "home/.local/share/rhythmbox/plugins/soundalike"
        keyfile = tmp_path / "home/.config/glib-2.0/settings/keyfile"
        keyfile.parent.mkdir(parents=True)
        keyfile.write_text(KEYFILE.format(uri=music.as_uri()))
        data = tmp_path / "rhythmbox"
        data.mkdir()
        # Soundalike knows the songs but another Soundalike holds the analysis: Rhythmbox
        # shows it running and nothing is analysed until it is released
        scan(db, music)
        held = HeldWork(db)
        with running([program, "--rhythmdb-file", str(data / "rhythmdb.xml"),
                      "--playlists-file", str(data / "playlists.xml")], env,
                     tmp_path / "rhythmbox.log") as proc:
            wait_for("Rhythmbox and the plugin's hook on the bus",
                     lambda: {RB_SHELL, HOOK} <= set(bus.names()), 60)
            if not poll(lambda: RHYTHMBOX in bus.names(), 10):
                pytest.skip("Rhythmbox's MPRIS plugin is not installed (Debian package "
                            "rhythmbox-plugins)")
            wait_for("the songs in Rhythmbox's library",
                     lambda: sorted(known(bus, list(paths.values()))) == sorted(paths.values()))

            # the four items are in the three popup menus, as Rhythmbox's menu models hold them
            menus = json.loads(re.search(r'string "(.*)"\s*$', hook(bus, HOOK, "Menus"),
                                         re.S).group(1))
            for name in ("browser-popup", "playlist-popup", "queue-popup"):
                ours = {label: action for label, action in menus[name]
                        if action and action.startswith("app.soundalike")}
                assert ours == ITEMS, (name, menus[name])

            # the analysis' progress: a task in Rhythmbox's task list, with how long
            task = wait_for("the analysis' task in Rhythmbox's task list", lambda: [
                t for t in tasks(bus) if t[0] == "Soundalike"])[0]
            assert re.fullmatch(r"analysing 0 of 7 songs — about (a minute|\d+ min)", task[1]), task
            # the library not analysed yet: a dialog says how far and how long
            menu(bus, HOOK, "Play similar next", paths["Aa/beat.flac"])
            wait_for("the dialog about the analysis", lambda: said(bus, "dialog")[-1:] == [
                "Soundalike is still analysing your music"], 120)
            text = said(bus, "dialog-text")[-1]
            assert re.search(r"\(1 of 7 songs — about (a minute|\d+ min) to go\)", text), text
            screenshot(env, tmp_path / "rhythmbox-progress.png")
            hook(bus, HOOK, "Close")
            held.release()  # the plugin starts the analysis itself now

            # the plugin added Rhythmbox's folder when it started: analysis in the background
            status = wait_for("the background analysis of Rhythmbox's folder",
                              lambda: (s := bridge(db, "status"))["analysed"] == len(SONGS)
                              and not s["running"] and s, 300)
            assert status["folders"] == [str(music)]
            assert said(bus, "status")
            wait_for("the task to leave the task list once analysed", lambda: not [
                t for t in tasks(bus) if t[0] == "Soundalike"])
            assert said(bus, "progress")[-1] == "all 7 songs analysed"

            # nothing similar enough (the plugin asks for songs more alike than any can be)
            nothing_similar_said(bus, HOOK, folder, "Play similar next", paths["Aa/beat.flac"])
            assert queue(bus) == []

            # a song outside Soundalike's folders (opened in Rhythmbox, so in its library):
            # analysed on the spot, its neighbours listed, not added to Soundalike's library
            bus.call(RHYTHMBOX, f"{PLAYER}.OpenUri", f"string:{outside.as_uri()}")
            wait_for("the outside song in Rhythmbox's library",
                     lambda: known(bus, [str(outside)]))
            bus.call(RHYTHMBOX, f"{PLAYER}.Stop")  # the queue must not start playing
            outside_song_analysed_on_the_spot(bus, HOOK, db, outside)

            # Play similar next: the queue holds what Soundalike ranks first, in order
            seed = paths["Aa/beat.flac"]
            ranked = [s["path"] for s in bridge(db, "similar", seed, "-n", "10")["songs"]]
            assert ranked == [paths["Ab/beat.flac"], paths["Ac/beat.flac"]]
            menu(bus, HOOK, "Play similar next", seed)
            wait_for("the similar songs in the play queue", lambda: queue(bus) == ranked)
            other = paths[CHORD]
            first = [s["path"] for s in bridge(db, "similar", other, "-n", "10")["songs"]]
            menu(bus, HOOK, "Play similar next", other)
            wait_for("the next songs at the head of the queue",
                     lambda: queue(bus) == first + ranked)

            before_rows = len(said(bus, "window"))
            menu(bus, HOOK, "Find similar songs", seed)
            rows = wait_for("the similar songs in the plugin's window",
                            lambda: [t for t in said(bus, "window")[before_rows:] if t])
            assert [r[0] for r in rows[-1]] == ["Ab beat", "Ac beat"]
            screenshot(env, tmp_path / "rhythmbox-window.png")
            hook(bus, HOOK, "Close")

            # the radio: the queue holds its pick for "heard through"; a skip plays the
            # skip's pick instead, away from the beats
            hook(bus, HOOK, "ClearQueue")
            wait_for("an empty queue", lambda: queue(bus) == [])
            menu(bus, HOOK, "Start Soundalike radio", seed, paths[CHORD])
            wait_for("the first song to play", lambda: playing(bus, RHYTHMBOX, seed))
            plan = wait_for("the radio's plan for it",
                            lambda: said(bus, "radio"))[-1]
            assert style[plan["played"][0]] == "beat"
            assert style[plan["skipped"][0]] == "chord"
            wait_for("the radio's pick in the queue", lambda: queue(bus) == plan["played"][:1])
            bus.call(RHYTHMBOX, f"{PLAYER}.Next")  # a skip, seconds into the song
            wait_for("the skip's pick to play",
                     lambda: playing(bus, RHYTHMBOX, plan["skipped"][0]))
            assert ["skipped", seed] in said(bus, "radio-choice")
            screenshot(env, tmp_path / "rhythmbox-radio.png")

            # Stop Soundalike radio: its pick leaves the queue, and the next song change
            # plans nothing
            pick_plan = wait_for("the radio's pick after the skip in the queue",
                                 lambda: queue(bus) and said(bus, "radio")[1:])
            assert queue(bus) == pick_plan[-1]["played"][:1]
            hook(bus, HOOK, "Activate", "string:soundalike-radio-stop")
            wait_for("the radio to stop", lambda: said(bus, "radio-stopped"))
            wait_for("the radio's pick to leave the queue", lambda: queue(bus) == [])
            assert not list((tmp_path / "home/.cache/soundalike").glob("rhythmbox-radio*"))
            plans, choices = len(said(bus, "radio")), len(said(bus, "radio-choice"))
            now = bus.now(RHYTHMBOX)[0]
            chosen = next(p for p in paths.values()
                          if Path(p).as_uri() != now and p != paths[CHORD])
            bus.call(RHYTHMBOX, f"{PLAYER}.OpenUri", f"string:{Path(chosen).as_uri()}")
            wait_for("the listener's choice to play", lambda: playing(bus, RHYTHMBOX, chosen))
            assert len(said(bus, "radio-choice")) == choices  # the radio is not listening
            assert len(said(bus, "radio")) == plans and queue(bus) == []
            # stopped, the menu item is disabled until a radio starts again
            assert bus.call(HOOK, "org.soundalike.PluginTest.Activate",
                            "string:soundalike-radio-stop", path="/org/soundalike/Plugin",
                            check=False) == ""
            saved_queue = queue(bus)
            bus.call(RHYTHMBOX, "org.mpris.MediaPlayer2.Quit")
            proc.wait(30)
            assert proc.returncode in (0, -signal.SIGSEGV), proc.returncode  # see the
            # playlist test: a late album-art lookup can crash 3.4.6 after it saved
        saved = ElementTree.parse(data / "playlists.xml").getroot()
        [q] = [p for p in saved.iter("playlist") if p.get("type") == "queue"]
        assert [file_uri_path(loc.text) for loc in q.iter("location")] == saved_queue
    assert not list(tmp_path.rglob("PWNED"))  # no name was ever run by a shell
    keep = os.environ.get("SOUNDALIKE_SCREENSHOTS")
    if keep:
        for name in ("rhythmbox-window.png", "rhythmbox-radio.png", "rhythmbox-progress.png"):
            (Path(keep) / name).write_bytes((tmp_path / name).read_bytes())
