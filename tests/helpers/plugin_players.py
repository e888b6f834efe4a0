"""What the plugin tests share: the songs (neighbourhoods of near-alike songs by different
artists), the plugins' test hook over D-Bus, the bridge, a screenshot of the X screen.

The plugins own a D-Bus name when SOUNDALIKE_PLUGIN_TEST_HOOK=1 is set: ``Run(action,
paths)`` activates the menu item *action* on those songs as a right click would, ``Shown()``
is what the plugin showed (dialog titles, status lines, the window's rows, the radio's
plans and choices) as JSON.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from audiofiles import write_audio
from desktop_players import SYSTEM_PYTHON, Bus, wait_for
from reco_library import _beat, _chord, _noise

SR = 22050
HOOK_PATH = "/org/soundalike/Plugin"
HOOK_IFACE = "org.soundalike.PluginTest"
# a name a shell would run commands from: paths must reach the players and soundalike as
# arguments, never through a shell (the tests check that no PWNED file appears)
CHORD = "Ca/it's a \"chord\"; $(touch PWNED) & `touch PWNED`.flac"
# neighbourhoods: songs by different artists that sound nearly the same
SONGS = {"Aa/beat.flac": ("beat", 0, "Aa"), "Ab/beat.flac": ("beat", 1, "Ab"),
         "Ac/beat.flac": ("beat", 2, "Ac"),
         CHORD: ("chord", 0, "Ca"), "Cb/chord.flac": ("chord", 1, "Cb"),
         "Ba/noise.flac": ("noise", 0, "Ba"), "Bb/noise.flac": ("noise", 1, "Bb")}



def write_songs(root: Path) -> dict[str, str]:
    """The SONGS under *root*; name → path."""
    for name, (style, variant, artist) in SONGS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        write_audio(root / name, audio(style, variant), SR,
                    tags={"artist": artist, "title": f"{artist} {style}", "album": artist})
    return {name: str(root / name) for name in SONGS}


def audio(style: str, variant: int) -> np.ndarray:
    rng = np.random.default_rng(100 + variant)
    if style == "beat":
        return _beat(120 + variant, rng)
    if style == "chord":
        return _chord(220 + 2 * variant, rng)
    return _noise(rng)


def hook(bus: Bus, name: str, method: str, *args: str) -> str:
    return bus.call(name, f"{HOOK_IFACE}.{method}", *args, path=HOOK_PATH)


def hook_json(bus: Bus, name: str, method: str):
    """A hook method's JSON answer (Shown, Tasks, Menus), decoded."""
    out = hook(bus, name, method)
    return json.loads(re.search(r'string "(.*)"\s*$', out, re.S).group(1))


def shown(bus: Bus, name: str) -> list:
    return hook_json(bus, name, "Shown")


def said(bus: Bus, name: str, kind: str) -> list:
    """What the plugin showed of one *kind*, oldest first."""
    return [t for k, t in shown(bus, name) if k == kind]


def menu(bus: Bus, name: str, action: str, *paths: str) -> None:
    assert all("," not in p for p in paths)  # dbus-send's array separator
    hook(bus, name, "Run", f"string:{action}", f"array:string:{','.join(paths)}")


def bridge(db: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "soundalike", "--db", db, "bridge", *args],
                          capture_output=True, text=True, timeout=120)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def screenshot(env: dict, out: Path) -> None:
    """The whole X screen, grabbed with GDK in the system's python3."""
    code = ("import sys, gi; gi.require_version('Gdk', '3.0'); from gi.repository import Gdk;"
            "w = Gdk.get_default_root_window();"
            "Gdk.pixbuf_get_from_window(w, 0, 0, w.get_width(), w.get_height())"
            ".savev(sys.argv[1], 'png', [], [])")
    subprocess.run([SYSTEM_PYTHON, "-c", code, str(out)], env=env, check=True, timeout=60)




def install(db: str, player: str, env: dict) -> Path:
    """`soundalike plugins install PLAYER` for the player's *env* (its HOME and folders),
    with the radio set to play its best match (a checkable order); the plugin's folder."""
    proc = subprocess.run([sys.executable, "-m", "soundalike", "--db", db, "plugins", "install",
                           player, "--json"], env={**env, "PATH": os.environ["PATH"]},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [done] = json.loads(proc.stdout)["installed"]
    folder = Path(done["folder"])
    config = json.loads((folder / "soundalike-plugin.json").read_text())
    config["radio_randomness"] = 0.0
    (folder / "soundalike-plugin.json").write_text(json.dumps(config))
    return folder


class HeldWork:
    """The background work's lock (``DB.bridge-work.lock``, cli/bridge_cmds.py) held by the
    test, as another Soundalike analysing the same database holds it: the plugins see the
    analysis running and start none of their own, and nothing is analysed in the background
    until :meth:`release` — what the player shows while a library is being analysed, without
    racing a real analysis."""

    def __init__(self, db: str):
        self.fd = os.open(f"{db}.bridge-work.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.pwrite(self.fd, json.dumps({"pid": os.getpid(), "started": time.time()}).encode(), 0)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def scan(db: str, folder: Path) -> None:
    """`soundalike scan FOLDER`: the songs in Soundalike's library, none analysed yet."""
    proc = subprocess.run([sys.executable, "-m", "soundalike", "--db", db, "scan", str(folder)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def set_config(folder: Path, **values) -> dict:
    """Change the installed plugin's soundalike-plugin.json; the config as it was."""
    path = folder / "soundalike-plugin.json"
    before = json.loads(path.read_text())
    path.write_text(json.dumps({**before, **values}))
    return before


def write_outside(tmp_path: Path) -> Path:
    """A beat outside the music folder (so outside Soundalike's folders too)."""
    outside = tmp_path / "Elsewhere/Ad beat.flac"
    outside.parent.mkdir()
    write_audio(outside, audio("beat", 3), SR, tags={"artist": "Ad", "title": "Ad beat"})
    return outside


def outside_song_analysed_on_the_spot(bus: Bus, name: str, db: str, outside: Path) -> None:
    """Find similar songs on *outside* (in the player's library, outside Soundalike's
    folders): the window lists the beats and says it was analysed just now; Soundalike's
    library does not grow."""
    before = len(said(bus, name, "window"))
    menu(bus, name, "Find similar songs", str(outside))
    rows = wait_for("the similar songs of the outside song",
                    lambda: said(bus, name, "window")[before:], 120)[-1]
    assert {r[0] for r in rows[:3]} == {"Aa beat", "Ab beat", "Ac beat"}, rows
    status = said(bus, name, "window-status")
    assert status[-1].startswith(
        "Ad beat.flac is outside Soundalike's folders: analysed just now."), status
    assert bridge(db, "status")["songs"] == len(SONGS)
    hook(bus, name, "Close")


def nothing_similar_said(bus: Bus, name: str, folder: Path, action: str, seed: str) -> None:
    """With the plugin asking for songs more alike than any can be (min_score 1.5),
    *action* on *seed* says so in a dialog; the setting is put back."""
    set_config(folder, min_score=1.5)
    menu(bus, name, action, seed)
    wait_for("the dialog saying nothing is similar enough",
             lambda: said(bus, name, "dialog")[-1:] == ["Nothing sounds similar enough"])
    assert said(bus, name, "dialog-text")[-1].startswith(
        "nothing in your library sounds similar enough to this song")
    hook(bus, name, "Close")
    set_config(folder, min_score=None)  # the default again

