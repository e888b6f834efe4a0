"""The Soundalike plugins' side of the bridge: shared by the Quod Libet and Rhythmbox plugins.

It runs in the PLAYER's Python (the system's python3 with GTK 3), never in Soundalike's:
it starts ``soundalike bridge …`` (the command recorded by ``soundalike plugins install``
in ``soundalike-plugin.json`` beside this file) with Gio.Subprocess — song paths as
arguments, no shell — and reads its one JSON answer asynchronously, so the player's main
loop never waits. The answer's schema and version are checked (docs/CONTRACTS.md, "Player
bridge"); every failure becomes an answer of kind "error" with a code and a message in
plain words, which :func:`explain` turns into what the player shows.

The file name starts with "_" so that Quod Libet's plugin scanner leaves it alone.
"""

import json
import os

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gio, GLib, Gtk, Pango  # noqa: E402

SCHEMA = "soundalike-bridge"
VERSION = 1
CONFIG_NAME = "soundalike-plugin.json"
HERE = os.path.dirname(os.path.abspath(__file__))


def load_config(folder=HERE):
    """The recorded command (a list) and database (or None); an error answer when missing."""
    path = os.path.join(folder, CONFIG_NAME)
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        command = [str(c) for c in config["command"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None, error("missing", "The plugin does not know where Soundalike is "
                           f"({path} is missing or unreadable).")
    if not command or not os.access(command[0], os.X_OK):
        return None, error("missing", f"Soundalike is not at {command[0] if command else '?'} "
                           "any more (uninstalled or moved).")
    return config, None


def error(code, message, **extra):
    return {"schema": SCHEMA, "version": VERSION, "kind": "error",
            "error": {"code": code, "message": message}, **extra}


def install_hint(player):
    return ("Install Soundalike (pip install soundalike), then run:\n\n"
            f"    soundalike plugins install {player}\n\nand restart the player.")


class Bridge:
    """Runs ``soundalike bridge ARGS`` asynchronously; ``on_answer(dict)`` runs in the main
    loop. ``busy`` counts the commands under way (for a spinner)."""

    def __init__(self, folder=HERE):
        self.folder = folder
        self.busy = 0
        self.on_busy = None  # callback(busy count)

    def argv(self, args):
        config, err = load_config(self.folder)
        if err:
            return None, err
        db = ["--db", config["db"]] if config.get("db") else []
        return [*config["command"], *db, "bridge", *args], None

    def radio_options(self):
        """``--randomness R`` when the config sets ``radio_randomness`` (0 always plays the
        best match), else nothing."""
        config, err = load_config(self.folder)
        value = (config or {}).get("radio_randomness")
        return [] if err or value is None else ["--randomness", str(float(value))]

    def similar_options(self):
        """``--min-score S`` when the config sets ``min_score`` (how alike a song must be to
        be offered; the bridge's default is 0, as alike as two songs picked at random)."""
        config, err = load_config(self.folder)
        value = (config or {}).get("min_score")
        return [] if err or value is None else ["--min-score", str(float(value))]

    def run(self, args, on_answer):
        argv, err = self.argv(args)
        if err:
            GLib.idle_add(lambda: on_answer(err) and False)
            return
        try:
            proc = Gio.Subprocess.new(argv, Gio.SubprocessFlags.STDOUT_PIPE
                                      | Gio.SubprocessFlags.STDERR_PIPE)
        except GLib.Error as exc:
            answer = error("missing", f"Soundalike could not be started ({exc.message}).")
            GLib.idle_add(lambda: on_answer(answer) and False)
            return
        self._busy(+1)

        def done(p, result):
            self._busy(-1)
            try:
                _ok, out, err_text = p.communicate_utf8_finish(result)
            except GLib.Error as exc:
                on_answer(error("broken", f"Soundalike stopped unexpectedly ({exc.message})."))
                return
            on_answer(parse(out or "", err_text or ""))

        proc.communicate_utf8_async(None, None, done)

    def _busy(self, step):
        self.busy += step
        if self.on_busy:
            self.on_busy(self.busy)


class Progress:
    """The background analysis, followed while it runs: ``bridge status`` every few seconds
    (each one a subprocess answered asynchronously), *on_status(answer)* with each answer.

    Started with the player (the plugin registers the player's folders, which starts the
    work); when the work is not running while songs wait (it stopped, or another program
    held it), it is started again with ``bridge folders`` — at most RESTARTS times per run
    of the player, so a work that keeps failing is not started forever."""

    POLL_S = 3
    RESTARTS = 3

    def __init__(self, bridge, on_status):
        self.bridge, self.on_status = bridge, on_status
        self.polling = False
        self.restarts = 0
        self.stopped = False

    def start(self):
        if not self.polling and not self.stopped:
            self.polling = True
            self._ask()

    def stop(self):
        self.stopped = True

    def _ask(self):
        if self.stopped:
            return False
        self.bridge.run(["status"], self._answered)
        return False

    def _answered(self, answer):
        if self.stopped:
            return
        self.on_status(answer)
        if answer.get("kind") == "error":
            self.polling = False
            return
        if answer["pending"] and not answer["running"] and self.restarts < self.RESTARTS:
            self.restarts += 1
            self.bridge.run(["folders"], self._answered)
            return
        if answer["running"] or answer.get("started"):
            GLib.timeout_add_seconds(self.POLL_S, self._ask)
        else:
            self.polling = False


def parse(out, err_text=""):
    """The one JSON answer of *out* (its last line), checked; an error answer else."""
    lines = [line for line in out.splitlines() if line.strip()]
    try:
        answer = json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = (err_text.strip().splitlines() or ["no output"])[-1]
        return error("broken", f"Soundalike gave no answer: {tail}")
    if answer.get("schema") != SCHEMA:
        return error("broken", "Soundalike answered in an unknown format.")
    if answer.get("version") != VERSION:
        return error("other-bridge", "This plugin speaks version "
                     f"{VERSION} of Soundalike's bridge and Soundalike speaks version "
                     f"{answer.get('version')}: reinstall the plugin with the installed "
                     "Soundalike (soundalike plugins install …).")
    return answer


TITLES = {
    "missing": "Soundalike is not installed",
    "not-analysed": "Soundalike is still analysing your music",
    "song-not-analysed": "This song is not analysed yet",
    "bad-song": "Soundalike cannot read this song",
    "other-version": "Another Soundalike version wrote the library",
    "no-library": "Soundalike has no music yet",
    "nothing": "Nothing sounds similar enough",
}


def explain(answer, player):
    """(title, text) to show for an error answer."""
    err = answer.get("error", {})
    code, text = err.get("code", "broken"), err.get("message", "something went wrong")
    if code == "missing":
        text = f"{text}\n\n{install_hint(player)}"
    return TITLES.get(code, "Soundalike could not answer"), text


#: the windows and dialogs the plugin has open
OPEN = []


def _keep(window):
    OPEN.append(window)
    window.connect("destroy", lambda w: w in OPEN and OPEN.remove(w))
    return window


def close_all():
    for window in list(OPEN):
        window.destroy()


def message_dialog(parent, title, text, kind=Gtk.MessageType.INFO):
    """A non-modal message; the text can be selected (a command to copy)."""
    dialog = Gtk.MessageDialog(transient_for=parent, modal=False, message_type=kind,
                               buttons=Gtk.ButtonsType.CLOSE, text=title)
    dialog.format_secondary_text(text)
    for child in dialog.get_message_area().get_children():
        if isinstance(child, Gtk.Label):
            child.set_selectable(True)
    dialog.connect("response", lambda d, _r: d.destroy())
    dialog.show_all()
    return _keep(dialog)


def show_error(parent, answer, player):
    title, text = explain(answer, player)
    return message_dialog(parent, title, text, Gtk.MessageType.WARNING)


class SimilarWindow(Gtk.Window):
    """Similar songs with why each is similar; Play and Queue act on the chosen rows.

    *play(paths)* and *queue(paths)* are the player's own actions; the window asks
    *bridge* ``bridge ARGS`` itself and hands each answer to *on_answer(answer)* too. The
    status line says what runs ("Looking for similar songs…" with a spinner); while the
    library is not analysed yet it shows the analysis' progress ("analysing 1,204 of 8,310
    songs — about 20 min", asked every few seconds) and asks again once it is done."""

    POLL_S = 3

    def __init__(self, title, play, queue, bridge, args, parent=None, on_answer=None):
        super().__init__(title=title)
        self.bridge, self.args, self.on_answer = bridge, list(args), on_answer
        self.closed = False
        self.asked_at = None  # how many songs were analysed when it last asked
        self.connect("destroy", self._closed)
        self.set_default_size(640, 340)
        if parent is not None:  # cascaded over the player's window, its songs still in view
            self.set_transient_for(parent)
            x, y = parent.get_position()
            width, height = parent.get_size()
            self.move(x + max(0, width - 680), y + max(0, height - 420))
        self.play, self.queue = play, queue
        self.store = Gtk.ListStore(str, str, str, str)  # title, artist, reason, path
        view = Gtk.TreeView(model=self.store)
        view.get_selection().set_mode(Gtk.SelectionMode.MULTIPLE)
        for i, (name, expand) in enumerate((("Title", True), ("Artist", False),
                                            ("Why it sounds alike", True))):
            cell = Gtk.CellRendererText(ellipsize=Pango.EllipsizeMode.END)
            col = Gtk.TreeViewColumn(name, cell, text=i)
            col.set_expand(expand)
            col.set_resizable(True)
            view.append_column(col)
        view.connect("row-activated", lambda v, path, c: self.play([self.store[path][3]]))
        self.view = view
        scroll = Gtk.ScrolledWindow()
        scroll.add(view)
        self.spinner = Gtk.Spinner()
        self.status = Gtk.Label(xalign=0.0, wrap=True)  # whole: it says how long
        play_b = Gtk.Button(label="Play next")
        queue_b = Gtk.Button(label="Queue")
        play_b.connect("clicked", lambda b: self.play(self.chosen()))
        queue_b.connect("clicked", lambda b: self.queue(self.chosen()))
        bar = Gtk.Box(spacing=6)
        bar.pack_start(self.spinner, False, False, 0)
        bar.pack_start(self.status, True, True, 0)
        bar.pack_end(queue_b, False, False, 0)
        bar.pack_end(play_b, False, False, 0)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6, border_width=6)
        box.pack_start(scroll, True, True, 0)
        box.pack_start(bar, False, False, 0)
        self.add(box)
        _keep(self)
        self.ask()

    def _closed(self, _window):
        self.closed = True

    def ask(self):
        self.working("Looking for similar songs…")
        self.bridge.run(self.args, self._answered)

    def _answered(self, answer):
        if self.closed:
            return
        self.fill(answer)
        if self.on_answer:
            self.on_answer(answer)
        status = answer.get("status") or {}
        self.asked_at = status.get("analysed")
        if answer.get("kind") == "error":
            waiting = answer["error"]["code"] in ("not-analysed", "no-library")
        else:  # a list from a library still being analysed: it grows as the analysis goes
            waiting = bool(status.get("running") and status.get("pending"))
            if waiting:
                self.working(f"{self.status.get_text()} · {status['message']}")
        if waiting:
            self.spinner.start()
            GLib.timeout_add_seconds(self.POLL_S, self._poll)

    def _poll(self):
        if not self.closed:
            self.bridge.run(["status"], self._progress)
        return False

    def _progress(self, status):
        if self.closed:
            return
        if status.get("kind") == "error":
            self.idle(explain(status, "")[1].split("\n")[0])
            return
        shown = f"{len(self.store)} similar songs so far · " if len(self.store) else ""
        self.working(shown + status["message"])
        if self.on_answer:
            self.on_answer(status)
        if status["running"] and status["pending"]:
            GLib.timeout_add_seconds(self.POLL_S, self._poll)
        elif status["analysed"] != self.asked_at:  # done (or stopped) since: ask again
            self.ask()
        else:
            self.idle(status["message"])

    def chosen(self):
        model, paths = self.view.get_selection().get_selected_rows()
        rows = [model[p][3] for p in paths]
        return rows or [row[3] for row in self.store]

    def working(self, text):
        self.status.set_text(text)
        self.spinner.start()

    def idle(self, text):
        self.status.set_text(text)
        self.spinner.stop()

    def fill(self, answer):
        self.store.clear()
        if answer.get("kind") == "error":
            self.idle(explain(answer, "")[1].split("\n")[0])
            return
        for s in answer.get("songs", []):
            self.store.append([s["title"], s["artist"], s.get("reason", ""), s["path"]])
        note = answer.get("message") or answer.get("note") or ""
        now = answer.get("analysed_now") or []
        for q in answer.get("query", []):
            if q["path"] in now:
                name = os.path.basename(q["path"])
                note = (f"{name} was not analysed yet: analysed just now. " if q["in_library"]
                        else f"{name} is outside Soundalike's folders: analysed just now. ")\
                    + note
        self.idle(note or f"{len(self.store)} similar songs")
