"""Soundalike for Quod Libet: songs that SOUND alike, from your own library, offline.

Installed by ``soundalike plugins install quodlibet`` (with ``_soundalike_client.py`` and
``soundalike-plugin.json`` beside it). Two plugins:

- "Soundalike" (songs menu ▸ Plugins ▸ Soundalike): Find similar songs (a window listing
  them with the reason; play or queue from it), Play similar next, Queue similar songs,
  Start Soundalike radio;
- "Soundalike radio" (a play order, next to Shuffle): each next song is the one the
  radio picks by similarity to what plays; a skip steers it away from that sound.

Nothing of Soundalike runs in Quod Libet's process: every question is a ``soundalike
bridge …`` subprocess answered asynchronously (see _soundalike_client.py), and the
analysis runs in Soundalike's own background processes, started for Quod Libet's music
folders as soon as Quod Libet runs with either plugin enabled; its progress is a task in
Quod Libet's status bar ("Soundalike: analysing 1,204 of 8,310 songs — about 20 min").
"""

import importlib.util
import os

from gi.repository import Gio, GLib, Gtk
from quodlibet import app
from quodlibet.order import OrderInOrder, OrderRemembered
from quodlibet.plugins import PluginManager
from quodlibet.plugins.playorder import ShufflePlugin
from quodlibet.plugins.songsmenu import SongsMenuPlugin
from quodlibet.qltk import Icons
from quodlibet.qltk.notif import Task
from quodlibet.util.library import get_scan_dirs

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYER = "quodlibet"
SIMILAR_N = 10
RADIO_AHEAD = 3


# the client both plugins share, beside this file (loaded by path: the plugin folder is not
# on sys.path, and putting it there could shadow other modules)
_spec = importlib.util.spec_from_file_location("soundalike_plugin_client",
                                               os.path.join(HERE, "_soundalike_client.py"))
client = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(client)
BRIDGE = client.Bridge(HERE)
#: what the plugin last said, for the test hook (kind, title or text)
SHOWN = []


def _window():
    return getattr(app, "window", None)


def _say(kind, text):
    SHOWN.append([kind, text])
    del SHOWN[:-50]


def _error(answer):
    title, text = client.explain(answer, PLAYER)
    _say("dialog", title)
    _say("dialog-text", text)
    client.show_error(_window(), answer, PLAYER)


def _songs(paths):
    """Quod Libet's songs for *paths*, in order (paths it does not know are left out)."""
    out = []
    for p in paths:
        song = app.library.get(p)
        if song is not None:
            out.append(song)
    return out


# -- the library: Quod Libet's folders become Soundalike folders ------------------------------
class Library:
    registered = False
    status = None

    @classmethod
    def ensure(cls):
        """Once per Quod Libet run: add its music folders to Soundalike and let the
        background work (scan, analysis) start."""
        if cls.registered:
            return
        cls.registered = True
        dirs = [d for d in get_scan_dirs() if d]
        BRIDGE.run(["folders", *dirs], cls._answered)

    @classmethod
    def _answered(cls, answer):
        if answer.get("kind") == "error":
            cls.registered = answer["error"]["code"] != "missing"  # try again once installed
            _say("status", answer["error"]["message"])
            return
        cls.status = answer
        _say("status", answer.get("message", ""))
        PROGRESS.start()


class AnalysisTask:
    """The background analysis as a task in Quod Libet's status bar (its own progress bar
    and text), there while the analysis runs."""

    task = None

    @classmethod
    def show(cls, status):
        if status.get("kind") == "error":
            text = status["error"]["message"]
            _say("progress", text)
            cls.done()
            return
        _say("progress", status["message"])
        if status["running"] and (status["pending"] or not status["songs"]):
            if cls.task is None:
                cls.task = Task("Soundalike", status["message"])
            cls.task.desc = status["message"]
            cls.task.update(status["analysed"] / status["songs"] if status["songs"] else 0.0)
        else:
            cls.done()

    @classmethod
    def done(cls):
        if cls.task is not None:
            cls.task.finish()
            cls.task = None


PROGRESS = client.Progress(BRIDGE, AnalysisTask.show)


def _enabled():
    """Whether Quod Libet runs either Soundalike plugin (the plugin manager's own answer)."""
    manager = PluginManager.instance
    if manager is None:
        return False
    return any(manager.enabled(p) for p in manager.plugins
               if p.id in ("soundalike", "soundalike_radio"))


def _start_when_enabled():
    """Checked in the main loop (a dictionary look-up, nothing else) every few seconds until
    a Soundalike plugin is enabled — at start-up or later in File ▸ Plugins; then the
    library's folders are registered and the background analysis starts."""
    if Library.registered:
        return False
    if _enabled():
        Library.ensure()
        return False
    return True


GLib.timeout_add_seconds(2, _start_when_enabled)
GLib.idle_add(lambda: _start_when_enabled() and False)


# -- the songs menu ---------------------------------------------------------------------------
def play_next(paths):
    songs = _songs(paths)
    if songs:
        app.window.playlist.q.insert_many(0, songs)
    return songs


def enqueue(paths):
    songs = _songs(paths)
    if songs:
        app.window.playlist.enqueue(songs)
    return songs


def _with_similar(paths, then):
    def answered(answer):
        if answer.get("kind") == "error":
            _error(answer)
            return
        found = [s["path"] for s in answer["songs"]]
        if not found:
            text = answer.get("message") or "No song in your library sounds like this one."
            _say("dialog", client.TITLES["nothing"])
            _say("dialog-text", text)
            client.message_dialog(_window(), client.TITLES["nothing"], text)
            return
        done = then(found)
        if not done:  # Soundalike's library holds more folders than Quod Libet's
            _say("dialog", "Not in Quod Libet's library")
            client.message_dialog(_window(), "Not in Quod Libet's library",
                                  f"The {len(found)} songs most like it are in Soundalike's "
                                  "library but not in Quod Libet's.")
            return
        _say("status", f"{len(done)} similar songs")

    BRIDGE.run(["similar", *paths, "-n", str(SIMILAR_N), *BRIDGE.similar_options()], answered)


def find_similar(paths):
    names = ", ".join(os.path.basename(p) for p in paths[:2])

    def answered(answer):
        kind = answer.get("kind")
        if kind == "error" and answer["error"]["code"] not in ("not-analysed", "no-library"):
            _error(answer)  # the window shows the analysis' progress itself
        elif kind == "error" or kind == "status":
            _say("window-status", window.status.get_text())
        else:
            _say("window", [[r[0], r[2]] for r in window.store])
            _say("window-status", window.status.get_text())

    window = client.SimilarWindow(f"Songs like {names}", play_next, enqueue, BRIDGE,
                                  ["similar", *paths, "-n", str(SIMILAR_N * 2),
                                   *BRIDGE.similar_options()],
                                  parent=_window(), on_answer=answered)
    window.show_all()
    return window


def start_radio(paths):
    order = app.window.order
    try:
        order.shuffler = SoundalikeRadioOrder
    except ValueError:  # the play order plugin is not enabled
        _say("dialog", "Enable “Soundalike radio”")
        client.message_dialog(_window(), "Enable “Soundalike radio”",
                              "The radio is a play order: tick “Soundalike radio” in "
                              "File ▸ Plugins, then start it again.")
        return
    order.shuffled = True
    RADIO.start(paths)
    songs = _songs(paths[:1])
    if songs:
        app.player.go_to(songs[0], True)
        app.player.paused = False


ACTIONS = (("Find similar songs", find_similar),
           ("Play similar next", lambda p: _with_similar(p, play_next)),
           ("Queue similar songs", lambda p: _with_similar(p, enqueue)),
           ("Start Soundalike radio", start_radio))


class SoundalikeMenu(SongsMenuPlugin):
    PLUGIN_ID = "soundalike"
    PLUGIN_NAME = "Soundalike"
    PLUGIN_DESC = ("Songs that sound alike, from your own library: find them, play or queue "
                   "them, or start a radio. Needs Soundalike (soundalike plugins install "
                   "quodlibet).")
    PLUGIN_ICON = Icons.EDIT_FIND

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = None
        submenu = Gtk.Menu()
        for label, action in ACTIONS:
            item = Gtk.MenuItem(label=label)
            item.connect("activate", self._chose, action)
            submenu.append(item)
        submenu.show_all()
        self.set_submenu(submenu)
        Library.ensure()

    def _chose(self, _item, action):
        self.action = action

    def plugin_songs(self, songs):
        if self.action is not None:
            self.action([s("~filename") for s in songs])
        return True


# -- the radio play order ---------------------------------------------------------------------
class Radio:
    """The radio's plan: for the song now playing, the next songs if it is heard through
    and if it is skipped (one ``soundalike bridge radio --current`` answer, asked for as
    soon as the song starts), so the next song is chosen at once when it ends."""

    def __init__(self):
        cache = os.path.join(GLib.get_user_cache_dir(), "soundalike")
        os.makedirs(cache, exist_ok=True)
        self.state = os.path.join(cache, "quodlibet-radio.json")
        self.current = None
        self.plan = None

    def start(self, paths):
        self.current, self.plan = paths[0], None
        seeds = [a for p in paths for a in ("--seed", p)]
        BRIDGE.run(["radio", "--state", self.state, *seeds, *BRIDGE.radio_options(),
                    "--current", paths[0], "-n", str(RADIO_AHEAD)], self._planned)

    def follow(self, path):
        """*path* plays now (the radio's pick or the listener's): plan for it."""
        if path == self.current:  # asked for already
            return
        self.current, self.plan = path, None
        if not os.path.exists(self.state):
            self.start([path])
            return
        BRIDGE.run(["radio", "--state", self.state, "--current", path,
                    "-n", str(RADIO_AHEAD)], self._planned)

    def _planned(self, answer):
        if answer.get("kind") == "error":
            _say("status", answer["error"]["message"])
            if answer["error"]["code"] != "no-radio":  # the radio cannot go on: say why
                _error(answer)
            return
        if answer.get("current") == self.current:
            self.plan = answer
            _say("radio", {k: [s["path"] for s in answer[k]["songs"]]
                           for k in ("played", "skipped")})

    def choose(self, outcome):
        """The paths to play next after the current song was *outcome* ("played" or
        "skipped"); [] while no plan is there yet."""
        if self.plan is None:
            return []
        branch = self.plan[outcome]
        try:
            os.replace(branch["state"], self.state)
        except OSError:
            return []
        self.plan = None
        _say("radio-choice", [outcome, self.current])
        return [s["path"] for s in branch["songs"]]


RADIO = Radio()


class SoundalikeRadioOrder(ShufflePlugin, OrderRemembered):
    PLUGIN_ID = "soundalike_radio"
    PLUGIN_NAME = "Soundalike radio"
    PLUGIN_DESC = ("A play order that picks each next song by how it sounds, like the song "
                   "playing; skip a song and it steers away from that sound. Needs "
                   "Soundalike (soundalike plugins install quodlibet).")
    PLUGIN_ICON = Icons.MEDIA_PLAYLIST_SHUFFLE
    display_name = "Soundalike radio"
    accelerated_name = "Soundalike _radio"

    def __init__(self):
        super().__init__()
        Library.ensure()

    def _pick(self, playlist, current, outcome):
        OrderRemembered.next(self, playlist, current)
        for path in RADIO.choose(outcome):
            song = app.library.get(path)
            found = playlist.find(song) if song is not None else None
            if found is not None:
                RADIO.follow(path)
                return found
        _say("status", "Soundalike radio: still thinking; playing in order")
        found = OrderInOrder.next(self, playlist, current)
        if found is not None:
            RADIO.follow(playlist.get_value(found)("~filename"))
        return found

    def next_explicit(self, playlist, current):
        length = app.player.info("~#length") if app.player.info else 0
        heard = app.player.get_position() / 1000.0
        outcome = "played" if length and heard >= 0.5 * length else "skipped"
        return self._pick(playlist, current, outcome)

    def next_implicit(self, playlist, current):
        return self._pick(playlist, current, "played")

    def next(self, playlist, current):
        return self._pick(playlist, current, "played")

    def set(self, playlist, current):
        if current is not None:
            RADIO.follow(playlist.get_value(current)("~filename"))
        return OrderRemembered.set(self, playlist, current)


# -- a test hook: the songs menu's actions over D-Bus -----------------------------------------
HOOK_NAME = "org.soundalike.QuodLibetPlugin"
HOOK_XML = """<node><interface name="org.soundalike.PluginTest">
  <method name="Run"><arg type="s" name="action" direction="in"/>
    <arg type="as" name="paths" direction="in"/></method>
  <method name="Shown"><arg type="s" name="json" direction="out"/></method>
  <method name="Close"/>
  <method name="Tasks"><arg type="s" name="json" direction="out"/></method>
</interface></node>"""


def _hook_call(conn, sender, path, interface, method, params, invocation):
    import json

    if method == "Shown":
        invocation.return_value(GLib.Variant("(s)", (json.dumps(SHOWN),)))
        return
    if method == "Tasks":  # the tasks in Quod Libet's status bar, from its task controller
        from quodlibet.qltk.notif import TaskController

        tasks = [[t.source, t.desc, t.frac] for t in TaskController.default_instance.active_tasks]
        invocation.return_value(GLib.Variant("(s)", (json.dumps(tasks),)))
        return
    if method == "Close":  # the plugin's windows and dialogs
        client.close_all()
        invocation.return_value(None)
        return
    action, paths = params.unpack()
    songs = _songs(paths)
    from quodlibet.qltk.songsmenu import SongsMenu

    # the songs menu's Plugins submenu, built as a right click builds it
    menu = SongsMenu.plugins.Menu(app.librarian, songs)
    ours = [i for i in (menu.get_children() if menu else [])
            if getattr(i, "PLUGIN_ID", None) == SoundalikeMenu.PLUGIN_ID]
    if not ours:
        invocation.return_dbus_error("org.soundalike.Error", "the Soundalike menu is not there")
        return
    for item in ours[0].get_submenu().get_children():
        if item.get_label() == action:
            item.activate()
            invocation.return_value(None)
            return
    invocation.return_dbus_error("org.soundalike.Error", f"no menu item {action!r}")


def _own_hook():
    info = Gio.DBusNodeInfo.new_for_xml(HOOK_XML)

    def acquired(conn, name):
        conn.register_object("/org/soundalike/Plugin", info.interfaces[0], _hook_call)

    Gio.bus_own_name(Gio.BusType.SESSION, HOOK_NAME, Gio.BusNameOwnerFlags.NONE,
                     acquired, None, None)


if os.environ.get("SOUNDALIKE_PLUGIN_TEST_HOOK") == "1":
    GLib.idle_add(lambda: _own_hook() and False)
