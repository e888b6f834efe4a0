"""Strawberry, Quod Libet and Rhythmbox open Soundalike's exported playlists: the real programs.

The playlists are exported from a real Soundalike library (scanned by the Scanner) of audio
files with awkward names: non-ASCII, spaces, '&', ',', '#', '%' and a literal '%20'. Each
player runs with its own HOME/XDG folders on a private D-Bus session bus (no service
activation) started by the test, and is driven over MPRIS2 with dbus-send:

- Strawberry (Debian's ``strawberry``) runs offscreen: ``strawberry --load`` opens the .m3u8
  and the .xspf, its SQLite database then holds the playlist's items; Play/Next/Pause/Quit;
- Quod Libet (``quodlibet``) runs under an Xvfb of the test's own: its playlist Import (the
  function the Playlists browser's Import button calls, in the system's python3) reads the
  .m3u8; the real program opens the imported playlist and, with its MPRIS plugin on, plays it;
- Rhythmbox (``rhythmbox`` + ``rhythmbox-plugins``) under Xvfb imports both files through its
  playlist manager's D-Bus interface; its UPnP media-server plugin shows their tracks, MPRIS2
  activates and plays each.

Every process the test starts is ended (its whole process group) even when an assertion
fails; each wait has a deadline; a missing program skips with the package to install
(``scripts/system-deps --tests`` installs them). The helpers that start and drive the
players are shared with the plugin tests (tests/helpers/desktop_players.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from audiofiles import write_audio
from desktop_players import (
    DEADLINE,
    PLAYER,
    QUODLIBET,
    RB_SHELL,
    RHYTHMBOX,
    SYSTEM_PYTHON,
    Bus,
    cleanup,
    file_uri_path,
    need,
    playing,
    poll,
    quodlibet_env,
    rhythmbox_env,
    running,
    session_bus,
    wait_for,
    xvfb,
)

from soundalike.library.files.playlist_files import entries_for_tracks, write_playlist
from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store

SR = 8000
SECONDS = 40  # long enough that no track ends (and the player moves on) during a test
NAMES = ["Ärger & Söhne/01 Zwei Wörter.flac", "plain/02 song, with comma.flac",
         "plain/03 #hash start.flac", "100% pure/04 a%20b.flac"]


@pytest.fixture(scope="module")
def music(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("music")
    t = np.arange(SR * SECONDS) / SR
    for i, name in enumerate(NAMES):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        y = (0.2 * np.sin(2 * np.pi * (220 + 110 * i) * t)).astype(np.float32)
        write_audio(root / name, y, SR, tags={"artist": f"Artist {i}", "title": f"Title {i}",
                                              "album": "Odd names"})
    return root


@pytest.fixture(scope="module")
def exported(music, tmp_path_factory) -> dict[str, Path]:
    """radio.m3u8 and radio.xspf written from the scanned library, in NAMES' order."""
    folder = tmp_path_factory.mktemp("playlists")
    with Store(folder / "library.db") as store:
        store.add_folder(str(music))
        Scanner(store).scan()
        tracks = [store.track_by_path(music / name) for name in NAMES]
    assert all(tracks)
    entries = entries_for_tracks(tracks)
    return {"m3u8": write_playlist(folder / "radio.m3u8", entries),
            "xspf": write_playlist(folder / "radio.xspf", entries, title="Soundalike radio")}


def paths(music: Path, names=NAMES) -> list[str]:
    return [str(music / n) for n in names]



# -- Strawberry ---------------------------------------------------------------------------

STRAWBERRY = "org.mpris.MediaPlayer2.strawberry"
# No lyrics or cover look-ups on the internet while the test plays.
STRAWBERRY_CONF = """[Lyrics]
providers=none

[Covers]
providers=none

[MainWindow]
search_for_cover_auto=false
"""


def strawberry_items(db: Path) -> list[tuple[str, str, str]] | None:
    """(url, title, artist) of every item of Strawberry's playlists, None while unreadable."""
    if not db.exists():
        return None
    try:
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT url, title, artist FROM playlist_items "
                               "ORDER BY playlist, rowid").fetchall()
    except sqlite3.Error:
        return None


def remove_qt_ipc(folder: Path) -> None:
    """Remove the System V shared memory and semaphores Qt 5 keyed on files in *folder*
    (``ftok(file, 'Q')``), once their program has ended. Strawberry's single-instance block
    survives a killed Strawberry; a later one whose key file gets the same inode number
    takes it for a running instance and hands its files to nobody."""
    ipcrm = shutil.which("ipcrm")
    for file in folder.glob("qipc_*") if ipcrm else []:
        st = file.stat()
        key = ord("Q") << 24 | (st.st_dev & 0xFF) << 16 | (st.st_ino & 0xFFFF)
        kind = "-M" if file.name.startswith("qipc_sharedmemory_") else "-S"
        subprocess.run([ipcrm, kind, hex(key)], capture_output=True, timeout=10)


def strawberry_env(tmp_path: Path, address: str) -> dict[str, str]:
    home = tmp_path / "home"
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_RUNTIME_DIR=str(tmp_path / "run"), TMPDIR=str(tmp_path / "tmp"),
               DBUS_SESSION_BUS_ADDRESS=address, QT_QPA_PLATFORM="offscreen")
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_LOGGING_RULES"):
        env.pop(key, None)
    for d in ("run", "tmp", "home/.config/strawberry"):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
    (tmp_path / "run").chmod(0o700)
    (home / ".config/strawberry/strawberry.conf").write_text(STRAWBERRY_CONF)
    return env


def test_strawberry_loads_the_exported_m3u8_and_xspf_and_is_driven_over_mpris(
        music, exported, tmp_path):
    """Strawberry 1.0.14 (Debian 12): the .m3u8 loads whole, in order; MPRIS2 plays, skips,
    pauses and quits it. Its XSPF parser decodes the location's escapes before it reads it as
    a URL, so a '#' (written %23, as RFC 3986 asks) starts a fragment there: the track whose
    name has a '#' is dropped from the .xspf (TagLib is asked for "…/03 "), the others load.

    Each file is opened by a Strawberry of its own (the second one in the same HOME, after
    the first quit): handing a file to a running Strawberry through its single-instance
    socket was lost in about 1 run in 4 of the whole suite here, the second process exiting
    0 with the running one never told."""
    program = need("strawberry", "strawberry")
    with session_bus(tmp_path) as address:
        bus = Bus(address)
        env = strawberry_env(tmp_path, address)
        db = tmp_path / "home/.local/share/strawberry/strawberry/strawberry.db"

        def loaded(expected: list[str]):
            items = strawberry_items(db) or []
            return items if [file_uri_path(u) for u, _, _ in items] == expected else None

        def strawberry(playlist: Path, log: str):
            return running([program, "--load", str(playlist)], env, tmp_path / log)

        def quit_it(proc: subprocess.Popen) -> None:
            bus.call(STRAWBERRY, "org.mpris.MediaPlayer2.Quit")
            proc.wait(DEADLINE)
            assert proc.returncode == 0
            wait_for("Strawberry off the bus", lambda: STRAWBERRY not in bus.names())

        with cleanup(remove_qt_ipc, tmp_path / "tmp"):  # after the Strawberrys have ended
            with strawberry(exported["m3u8"], "strawberry.log") as proc:
                wait_for("Strawberry on the bus", lambda: STRAWBERRY in bus.names())
                items = wait_for("the .m3u8's items in Strawberry's playlist",
                                 lambda: loaded(paths(music)))
                assert [(t, a) for _, t, a in items] == [(f"Title {i}", f"Artist {i}")
                                                         for i in range(len(NAMES))]

                bus.call(STRAWBERRY, f"{PLAYER}.Play")
                wait_for("Playing", lambda: bus.status(STRAWBERRY) == "Playing")
                for i, path in enumerate(paths(music)):
                    if i:
                        bus.call(STRAWBERRY, f"{PLAYER}.Next")
                    _, title = wait_for(f"track {i} in MPRIS Metadata",
                                        lambda p=path: playing(bus, STRAWBERRY, p))
                    assert title == f"Title {i}"
                    wait_for(f"track {i} to play on", lambda: bus.position(STRAWBERRY) > 0)
                bus.call(STRAWBERRY, f"{PLAYER}.Pause")
                wait_for("Paused", lambda: bus.status(STRAWBERRY) == "Paused")
                quit_it(proc)

            with strawberry(exported["xspf"], "strawberry-xspf.log") as proc:
                wait_for("Strawberry on the bus again", lambda: STRAWBERRY in bus.names())
                without_hash = [n for n in NAMES if "#" not in n]
                items = wait_for("the .xspf's items in Strawberry's playlist",
                                 lambda: loaded(paths(music, without_hash)))
                assert [t for _, t, _ in items] == ["Title 0", "Title 1", "Title 3"]
                quit_it(proc)


# -- Quod Libet ---------------------------------------------------------------------------

# What the Playlists browser's Import button runs (PlaylistsBrowser._import_playlists: it only
# uses the browser's songs_lib and pl_lib), on Quod Libet's own libraries; then the imported
# playlist (Quod Libet keeps its playlists as XSPF files of its own) and the songs library
# are written into the user folder, which the real program opens afterwards.
QL_IMPORT = """
import json, os, sys, types
import quodlibet
quodlibet.init(no_translations=True, no_excepthook=True)
from quodlibet.browsers.playlists.main import PlaylistsBrowser
from quodlibet.library import SongFileLibrary
from quodlibet.library.playlist import PlaylistLibrary
userdir = quodlibet.get_user_dir()
songs = SongFileLibrary("songs")
playlists = PlaylistLibrary(songs, os.path.join(userdir, "playlists"))
browser = types.SimpleNamespace(songs_lib=songs, pl_lib=playlists)
total = PlaylistsBrowser._import_playlists(browser, sys.argv[1:])
for pl in playlists.values():
    pl.write()
songs.save(os.path.join(userdir, "songs"))
print(json.dumps({"total": total, "playlists": {
    pl.name: [[s("~filename"), s("title"), s("artist")] for s in pl]
    for pl in playlists.values()}}))
"""


def quodlibet_config(music: Path, playlist: str) -> str:
    """The MPRIS plugin on (Quod Libet ships it off), silent GStreamer output, the music
    folder as library (no first-run dialog), the imported playlist open in the Playlists
    browser."""
    return (f"[plugins]\nactive_plugins = mpris\n\n[player]\ngst_pipeline = fakesink sync=true"
            f"\n\n[settings]\nscan = {music}\n\n[browsers]\nplaylist = {playlist}\n\n"
            "[memory]\nbrowser = PlaylistsBrowser\n")


def test_quod_libet_imports_the_exported_m3u8_and_plays_it_under_mpris(
        music, exported, tmp_path):
    """Quod Libet 4.5 (Debian 12): Import reads the .m3u8 whole (paths and tags); it has no
    XSPF import (Import offers .m3u/.m3u8/.pls and skips an .xspf), and its own playlists are
    XSPF files of a private dialect (plain paths, no namespace) that a standard XSPF is not.
    The real program then opens the imported playlist, and with its MPRIS plugin on (off by
    default) plays, skips through, pauses and quits over MPRIS2."""
    program = need("quodlibet", "quodlibet")
    if not os.path.exists(SYSTEM_PYTHON) or subprocess.run(
            [SYSTEM_PYTHON, "-c", "import quodlibet"], capture_output=True,
            timeout=60).returncode != 0:
        pytest.skip("Quod Libet's modules are not importable by /usr/bin/python3")
    with xvfb(tmp_path) as display, session_bus(tmp_path) as address:
        bus = Bus(address)
        env = quodlibet_env(tmp_path, display, address)
        imported = subprocess.run(
            [SYSTEM_PYTHON, "-c", QL_IMPORT, str(exported["m3u8"]), str(exported["xspf"])],
            env=env, capture_output=True, text=True, timeout=120, start_new_session=True)
        assert imported.returncode == 0, imported.stderr[-2000:]
        got = json.loads(imported.stdout.strip().splitlines()[-1])
        assert got["total"] == [1, len(NAMES)]  # one playlist, the .m3u8 (the .xspf: skipped)
        [(name, songs)] = got["playlists"].items()
        assert name == f"Title 0 and {len(NAMES) - 1} more"  # named after its songs
        assert songs == [[p, f"Title {i}", f"Artist {i}"] for i, p in enumerate(paths(music))]

        (tmp_path / "quodlibet/config").write_text(quodlibet_config(music, name))
        with running([program], env, tmp_path / "quodlibet.log") as proc:
            wait_for("Quod Libet on the bus", lambda: QUODLIBET in bus.names())

            def shown():
                out = subprocess.run([program, "--print-playlist"], env=env, timeout=30,
                                     capture_output=True, text=True).stdout
                return [file_uri_path(u) for u in out.split()] == paths(music)

            wait_for("the imported playlist in Quod Libet's song list", shown)
            bus.call(QUODLIBET, f"{PLAYER}.Play")
            wait_for("Playing", lambda: bus.status(QUODLIBET) == "Playing")
            for i, path in enumerate(paths(music)):
                if i:
                    bus.call(QUODLIBET, f"{PLAYER}.Next")
                _, title = wait_for(f"track {i} in MPRIS Metadata",
                                    lambda p=path: playing(bus, QUODLIBET, p))
                assert title == f"Title {i}"
            bus.call(QUODLIBET, f"{PLAYER}.Pause")
            wait_for("Paused", lambda: bus.status(QUODLIBET) == "Paused")
            bus.call(QUODLIBET, "org.mpris.MediaPlayer2.Quit")
            proc.wait(DEADLINE)
            assert proc.returncode == 0


# -- Rhythmbox ----------------------------------------------------------------------------

RB_PLAYLISTS = "org.gnome.Rhythmbox3.PlaylistManager"
RB_PLAYLISTS_PATH = "/org/gnome/Rhythmbox3/PlaylistManager"
RB_MEDIA_SERVER = "org.gnome.UPnP.MediaServer2.Rhythmbox"
RB_MEDIA_SERVER_PLAYLISTS = "/org/gnome/UPnP/MediaServer2/Playlists"


def mpris_playlists(bus: Bus, dest: str) -> dict[str, str]:
    """name → object path, from MPRIS2 Playlists.GetPlaylists."""
    out = bus.call(dest, "org.mpris.MediaPlayer2.Playlists.GetPlaylists", "uint32:0",
                   "uint32:100", "string:Alphabetical", "boolean:false")
    return {name: path for path, name in
            re.findall(r'object path "([^"]+)"\s+string "([^"]*)"', out)}


def rb_playlist_urls(bus: Bus, name: str, count: int) -> list[str] | None:
    """The track URLs of Rhythmbox's playlist *name*, from its UPnP MediaServer2 plugin
    (in no particular order); None until it has *count*."""
    children = "org.gnome.UPnP.MediaContainer2.ListChildren"
    out = bus.call(RB_MEDIA_SERVER, children, "uint32:0", "uint32:0",
                   "array:string:Path,DisplayName", path=RB_MEDIA_SERVER_PLAYLISTS, check=False)
    found = dict(re.findall(r'string "Path"\s+variant\s+string "([^"]+)"\s+\)\s+dict entry\('
                            r'\s+string "DisplayName"\s+variant\s+string "([^"]*)"', out))
    path = next((p for p, n in found.items() if n == name), None)
    if path is None:
        return None
    items = bus.call(RB_MEDIA_SERVER, children, "uint32:0", "uint32:0", "array:string:URLs",
                     path=path, check=False)
    urls = re.findall(r'string "(file://[^"]*)"', items)
    return urls if len(urls) == count else None


def test_rhythmbox_imports_the_exported_m3u8_and_xspf_and_plays_them_under_mpris(
        music, exported, tmp_path):
    """Rhythmbox 3.4.6 (Debian 12; MPRIS comes with rhythmbox-plugins, which its package
    recommends): its playlist manager's ImportPlaylist (what Import Playlist… in its window
    does) reads both files whole, the .xspf under its title and the .m3u8 as "Unnamed
    playlist"; MPRIS2 lists them, plays each through in order, pauses and quits. Activating
    a playlist over MPRIS while another one plays stops playback; Next then starts the new
    playlist at its first track (Play, here, did not). On quitting it saves both, in order."""
    program = need("rhythmbox", "rhythmbox")
    with xvfb(tmp_path) as display, session_bus(tmp_path) as address:
        bus = Bus(address)
        env = rhythmbox_env(tmp_path, display, address)
        data = tmp_path / "rhythmbox"
        data.mkdir()
        with running([program, "--rhythmdb-file", str(data / "rhythmdb.xml"),
                      "--playlists-file", str(data / "playlists.xml")], env,
                     tmp_path / "rhythmbox.log") as proc:
            wait_for("Rhythmbox on the bus", lambda: RB_SHELL in bus.names())
            if not poll(lambda: {RHYTHMBOX, RB_MEDIA_SERVER} <= set(bus.names()), 10):
                pytest.skip("Rhythmbox's MPRIS and media-server plugins are not installed "
                            "(Debian package rhythmbox-plugins)")
            for path in (exported["m3u8"], exported["xspf"]):
                bus.call(RB_SHELL, f"{RB_PLAYLISTS}.ImportPlaylist", f"string:{path.as_uri()}",
                         path=RB_PLAYLISTS_PATH)
            names = ("Unnamed playlist", "Soundalike radio")
            for name in names:  # the import adds the tracks as their tags are read
                urls = wait_for(f"the tracks of {name!r}",
                                lambda n=name: rb_playlist_urls(bus, n, len(NAMES)))
                assert sorted(file_uri_path(u) for u in urls) == sorted(paths(music))
            lists = mpris_playlists(bus, RHYTHMBOX)
            assert set(names) <= set(lists), lists

            for n, name in enumerate(names):
                bus.call(RHYTHMBOX, "org.mpris.MediaPlayer2.Playlists.ActivatePlaylist",
                         f"objpath:{lists[name]}")
                if n:  # over a playing one, activating stops; Next starts the new playlist
                    wait_for("Stopped", lambda: bus.status(RHYTHMBOX) == "Stopped")
                for i, path in enumerate(paths(music)):
                    if i or n:
                        bus.call(RHYTHMBOX, f"{PLAYER}.Next")
                    _, title = wait_for(f"{name}: track {i} in MPRIS Metadata",
                                        lambda p=path: playing(bus, RHYTHMBOX, p))
                    assert title == f"Title {i}"
                wait_for("Playing", lambda: bus.status(RHYTHMBOX) == "Playing")
            bus.call(RHYTHMBOX, f"{PLAYER}.Pause")
            wait_for("Paused", lambda: bus.status(RHYTHMBOX) == "Paused")
            bus.call(RHYTHMBOX, "org.mpris.MediaPlayer2.Quit")
            proc.wait(DEADLINE)
            # Rhythmbox 3.4.6 quits with 0, or (about 1 run in 8 here) with a segfault after
            # it saved: an album-art lookup finishing during shutdown calls
            # rb_shell_player_get_playing_entry on the player already gone (gdb backtrace)
            assert proc.returncode in (0, -signal.SIGSEGV), proc.returncode
        saved = ElementTree.parse(data / "playlists.xml").getroot()
        for name in names:  # what it keeps of each import, in the files' order
            [playlist] = [p for p in saved.iter("playlist") if p.get("name") == name]
            assert [file_uri_path(loc.text) for loc in playlist.iter("location")] == \
                paths(music)
