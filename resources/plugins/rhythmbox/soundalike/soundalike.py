"""Soundalike for Rhythmbox: songs that SOUND alike, from your own library, offline.

Installed by ``soundalike plugins install rhythmbox`` into
~/.local/share/rhythmbox/plugins/soundalike/ (with ``_soundalike_client.py`` and
``soundalike-plugin.json``). Right-click songs in the library, a playlist or the play
queue: "Find similar songs" (a window with the reasons; play or queue from it), "Play
similar next" (to the head of the play queue), "Start Soundalike radio" (plays the song;
the queue then always holds the radio's next pick, and a skip steers it away), "Stop
Soundalike radio" (the radio's pick leaves the queue; what plays plays on, in Rhythmbox's
own order).

Nothing of Soundalike runs in Rhythmbox's process: every question is a ``soundalike
bridge …`` subprocess answered asynchronously, and the analysis runs in Soundalike's own
background processes, started for Rhythmbox's library folders when the plugin starts; its
progress is a task in Rhythmbox's task area under the sidebar ("Soundalike: analysing
1,204 of 8,310 songs — about 20 min").
"""

import contextlib
import importlib.util
import json
import os

import gi

gi.require_version("RB", "3.0")
gi.require_version("Peas", "1.0")
gi.require_version("Gtk", "3.0")
from gi.repository import RB, Gio, GLib, GObject, Gtk, Peas  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYER = "rhythmbox"
SIMILAR_N = 10
MENUS = ("browser-popup", "playlist-popup", "queue-popup")


# the client both plugins share, beside this file (loaded by path: the plugin folder is not
# on sys.path, and putting it there could shadow other modules)
_spec = importlib.util.spec_from_file_location("soundalike_plugin_client",
                                               os.path.join(HERE, "_soundalike_client.py"))
client = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(client)


def entry_path(entry):
    uri = entry.get_string(RB.RhythmDBPropType.LOCATION) if entry is not None else None
    return Gio.File.new_for_uri(uri).get_path() if uri and uri.startswith("file:") else None


def _tree_view(widget):
    if isinstance(widget, Gtk.TreeView):
        return widget
    for child in widget.get_children() if isinstance(widget, Gtk.Container) else ():
        found = _tree_view(child)
        if found is not None:
            return found
    return None


def _menu_items(model):
    """[label, action] of every item of a GMenuModel, sections and submenus followed (the
    popups reach the plugins' items through Rhythmbox's linked plugin-menu sections)."""
    found = []
    if model is None:
        return found
    for i in range(model.get_n_items()):
        label = model.get_item_attribute_value(i, "label", GLib.VariantType.new("s"))
        action = model.get_item_attribute_value(i, "action", GLib.VariantType.new("s"))
        if label is not None or action is not None:
            found.append([label.get_string() if label else None,
                          action.get_string() if action else None])
        for link in (Gio.MENU_LINK_SECTION, Gio.MENU_LINK_SUBMENU):
            found += _menu_items(model.get_item_link(i, link))
    return found


class SoundalikePlugin(GObject.Object, Peas.Activatable):
    __gtype_name__ = "SoundalikePlugin"
    object = GObject.Property(type=GObject.Object)

    ACTIONS = (("soundalike-similar", "Find similar songs", "find_similar"),
               ("soundalike-next", "Play similar next", "play_similar_next"),
               ("soundalike-radio", "Start Soundalike radio", "start_radio"),
               ("soundalike-radio-stop", "Stop Soundalike radio", "stop_radio"))

    def do_activate(self):
        self.shell = self.object
        self.bridge = client.Bridge(HERE)
        self.shown = []          # what the plugin said (for the test hook)
        self.radio = None        # {"current", "plan", "queued", "elapsed"} while it runs
        cache = os.path.join(GLib.get_user_cache_dir(), "soundalike")
        os.makedirs(cache, exist_ok=True)
        self.state = os.path.join(cache, "rhythmbox-radio.json")
        app = self.shell.props.application
        for name, label, method in self.ACTIONS:
            action = Gio.SimpleAction.new(name, None)
            action.connect("activate", self._on_action, method)
            app.add_action(action)
            for menu in MENUS:
                app.add_plugin_menu_item(menu, name, Gio.MenuItem.new(
                    label=label, detailed_action=f"app.{name}"))
        app.lookup_action("soundalike-radio-stop").set_enabled(False)  # no radio yet
        player = self.shell.props.shell_player
        self._handlers = [player.connect("playing-song-changed", self._song_changed),
                          player.connect("elapsed-changed", self._elapsed)]
        self.task = None  # the analysis' task in Rhythmbox's task area
        self.progress = client.Progress(self.bridge, self._progress)
        self._register_folders()
        self._hook = None
        if os.environ.get("SOUNDALIKE_PLUGIN_TEST_HOOK") == "1":
            self._own_hook()

    def do_deactivate(self):
        app = self.shell.props.application
        for name, _label, _method in self.ACTIONS:
            for menu in MENUS:
                app.remove_plugin_menu_item(menu, name)
            app.remove_action(name)
        player = self.shell.props.shell_player
        for h in self._handlers:
            player.disconnect(h)
        self.progress.stop()
        self._task_done()
        if self._hook is not None:
            Gio.bus_unown_name(self._hook)
        self.shell = self.bridge = None

    # -- helpers ------------------------------------------------------------------------------
    def _say(self, kind, text):
        self.shown.append([kind, text])
        del self.shown[:-50]

    def _window(self):
        return self.shell.props.window

    def _error(self, answer):
        title, text = client.explain(answer, PLAYER)
        self._say("dialog", title)
        self._say("dialog-text", text)
        client.show_error(self._window(), answer, PLAYER)

    def _entry(self, path):
        return self.shell.props.db.entry_lookup_by_location(Gio.File.new_for_path(path).get_uri())

    def _entries(self, paths):
        return [e for e in (self._entry(p) for p in paths) if e is not None]

    def selected_paths(self):
        page = self.shell.props.selected_page
        view = page.get_entry_view() if page is not None else None
        entries = view.get_selected_entries() if view is not None else []
        return [p for p in (entry_path(e) for e in entries) if p]

    def _register_folders(self):
        settings = Gio.Settings.new("org.gnome.rhythmbox.rhythmdb")
        dirs = [Gio.File.new_for_uri(u).get_path() for u in settings.get_strv("locations")]
        dirs = [d for d in dirs if d]
        if dirs:
            self.bridge.run(["folders", *dirs], self._folders_answered)

    def _folders_answered(self, answer):
        text = answer.get("message") or answer.get("error", {}).get("message", "")
        self._say("status", text)
        if answer.get("kind") != "error":
            self.progress.start()

    def _progress(self, status):
        """The background analysis' progress as a task in Rhythmbox's own task list (shown
        under the sidebar with a progress bar), there while the analysis runs."""
        if self.shell is None:
            return
        if status.get("kind") == "error":
            self._say("progress", status["error"]["message"])
            self._task_done()
            return
        self._say("progress", status["message"])
        if status["running"] and (status["pending"] or not status["songs"]):
            if self.task is None:
                self.task = RB.TaskProgressSimple.new()
                self.task.props.task_label = "Soundalike"
                self.shell.props.task_list.add_task(self.task)
            self.task.props.task_detail = status["message"]
            self.task.props.task_progress = (status["analysed"] / status["songs"]
                                             if status["songs"] else 0.0)
        else:
            self._task_done()

    def _task_done(self):
        if self.task is not None:
            self.task.props.task_progress = 1.0
            self.task.props.task_outcome = RB.TaskOutcome.COMPLETE
            self.shell.props.task_list.remove_task(self.task)
            self.task = None

    def _on_action(self, _action, _param, method):
        paths = self.selected_paths()
        if paths or method == "stop_radio":
            getattr(self, method)(paths)

    # -- the actions ----------------------------------------------------------------------------
    def queue(self, paths, index=-1):
        queue = self.shell.props.queue_source
        entries = self._entries(paths)
        for i, entry in enumerate(entries):
            queue.add_entry(entry, index + i if index >= 0 else -1)
        return entries

    def play_next(self, paths):
        return self.queue(paths, 0)

    def find_similar(self, paths):
        names = ", ".join(os.path.basename(p) for p in paths[:2])

        def answered(answer):
            kind = answer.get("kind")
            if kind == "error" and answer["error"]["code"] not in ("not-analysed",
                                                                   "no-library"):
                self._error(answer)  # the window shows the analysis' progress itself
            elif kind == "error" or kind == "status":
                self._say("window-status", window.status.get_text())
            else:
                self._say("window", [[r[0], r[2]] for r in window.store])
                self._say("window-status", window.status.get_text())

        window = client.SimilarWindow(f"Songs like {names}", self.play_next, self.queue,
                                      self.bridge,
                                      ["similar", *paths, "-n", str(SIMILAR_N * 2),
                                       *self.bridge.similar_options()],
                                      parent=self._window(), on_answer=answered)
        window.show_all()
        return window

    def play_similar_next(self, paths):
        def answered(answer):
            if answer.get("kind") == "error":
                self._error(answer)
                return
            found = [s["path"] for s in answer["songs"]]
            if not found:
                text = answer.get("message") or "No song in your library sounds like it."
                self._say("dialog", client.TITLES["nothing"])
                self._say("dialog-text", text)
                client.message_dialog(self._window(), client.TITLES["nothing"], text)
                return
            done = self.play_next(found)
            if not done:  # Soundalike's library holds more folders than Rhythmbox's
                self._say("dialog", "Not in Rhythmbox's library")
                client.message_dialog(self._window(), "Not in Rhythmbox's library",
                                      f"The {len(found)} songs most like it are in "
                                      "Soundalike's library but not in Rhythmbox's.")
                return
            self._say("status", f"{len(done)} similar songs next")

        self.bridge.run(["similar", *paths, "-n", str(SIMILAR_N),
                         *self.bridge.similar_options()], answered)

    # -- the radio: the play queue always holds its next pick -------------------------------------
    def start_radio(self, paths):
        entry = self._entry(paths[0])
        if entry is None:
            return
        self._drop_pick()
        self.radio = {"current": paths[0], "plan": None, "queued": None, "elapsed": 0}
        self.shell.props.application.lookup_action("soundalike-radio-stop").set_enabled(True)
        seeds = [a for p in paths for a in ("--seed", p)]
        self.bridge.run(["radio", "--state", self.state, *seeds, *self.bridge.radio_options(),
                         "--current", paths[0], "-n", "3"], self._planned)
        self.shell.props.shell_player.play_entry(entry, self.shell.props.library_source)

    def stop_radio(self, _paths=None):
        """The radio ends: its pick leaves the play queue, its plans are forgotten (an answer
        still on its way is dropped) and its state files go; the song playing plays on."""
        if self.radio is None:
            return
        self._drop_pick()
        self.radio = None
        for suffix in ("", ".played", ".skipped"):
            with contextlib.suppress(OSError):
                os.remove(self.state + suffix)
        self.shell.props.application.lookup_action("soundalike-radio-stop").set_enabled(False)
        self._say("radio-stopped", True)

    def _drop_pick(self):
        queued = self.radio and self.radio.get("queued")
        old = self._entry(queued) if queued else None
        if old is not None:
            self.shell.props.queue_source.remove_entry(old)

    def _plan_for(self, path):
        self.radio.update(current=path, plan=None, elapsed=0)
        self.bridge.run(["radio", "--state", self.state, "--current", path, "-n", "3"],
                        self._planned)

    def _planned(self, answer):
        radio = self.radio
        if radio is None:
            return
        if answer.get("kind") == "error":
            self._say("status", answer["error"]["message"])
            if answer["error"]["code"] != "no-radio":  # the radio cannot go on: say why
                self._error(answer)
            return
        if answer.get("current") != radio["current"]:
            return
        radio["plan"] = answer
        self._say("radio", {k: [s["path"] for s in answer[k]["songs"]]
                            for k in ("played", "skipped")})
        pick = next((p for p in (s["path"] for s in answer["played"]["songs"])
                     if self._entry(p) is not None), None)
        if pick is not None and pick != radio["queued"]:  # the next song if heard through
            if radio["queued"] is not None:
                old = self._entry(radio["queued"])
                if old is not None:
                    self.shell.props.queue_source.remove_entry(old)
            self.queue([pick])
            radio["queued"] = pick

    def _elapsed(self, _player, seconds):
        if self.radio is not None:
            self.radio["elapsed"] = seconds

    def _song_changed(self, player, entry):
        radio = self.radio
        path = entry_path(entry)
        if radio is None or path is None or path == radio["current"]:
            return
        plan, before = radio["plan"], radio["current"]
        duration = self._duration(before)
        heard = radio["elapsed"]
        outcome = "played" if not duration or heard >= 0.5 * duration else "skipped"
        self._say("radio-choice", [outcome, before])
        if plan is None or path != radio["queued"]:  # the listener chose another song
            if radio["queued"] is not None:  # the pick for the song before is not next now
                GLib.idle_add(self._unqueue, radio["queued"])
            radio["queued"] = None
            self._plan_for(path)
            return
        branch = plan[outcome]
        with contextlib.suppress(OSError):
            os.replace(branch["state"], self.state)
        radio["queued"] = None
        if outcome == "skipped":  # steer away at once: the skip's pick, not the queued one
            pick = next((p for p in (s["path"] for s in branch["songs"])
                         if self._entry(p) is not None), None)
            if pick is not None and pick != path:
                self._plan_for(pick)
                player.play_entry(self._entry(pick), self.shell.props.library_source)
                # the queued pick started playing from the queue and was left at once: it
                # stays there unless taken out (not while it plays: that stops Rhythmbox)
                GLib.idle_add(self._unqueue, path)
                return
        self._plan_for(path)

    def _unqueue(self, path):
        entry = self._entry(path) if self.shell is not None else None
        if entry is not None and (self.radio is None or path != self.radio["queued"]):
            self.shell.props.queue_source.remove_entry(entry)
        return False

    def _duration(self, path):
        entry = self._entry(path) if path else None
        return entry.get_ulong(RB.RhythmDBPropType.DURATION) if entry is not None else 0

    # -- a test hook: the menu actions over D-Bus ------------------------------------------------
    HOOK_XML = """<node><interface name="org.soundalike.PluginTest">
      <method name="Run"><arg type="s" name="action" direction="in"/>
        <arg type="as" name="paths" direction="in"/></method>
      <method name="Shown"><arg type="s" name="json" direction="out"/></method>
      <method name="Close"/>
      <method name="Queue"><arg type="as" name="paths" direction="out"/></method>
      <method name="ClearQueue"/>
      <method name="Known"><arg type="as" name="paths" direction="in"/>
        <arg type="as" name="known" direction="out"/></method>
      <method name="Menus"><arg type="s" name="json" direction="out"/></method>
      <method name="Tasks"><arg type="s" name="json" direction="out"/></method>
      <method name="Activate"><arg type="s" name="action" direction="in"/></method>
    </interface></node>"""

    def _own_hook(self):
        info = Gio.DBusNodeInfo.new_for_xml(self.HOOK_XML)

        def acquired(conn, name):
            conn.register_object("/org/soundalike/Plugin", info.interfaces[0], self._hook_call)

        self._hook = Gio.bus_own_name(Gio.BusType.SESSION, "org.soundalike.RhythmboxPlugin",
                                      Gio.BusNameOwnerFlags.NONE, acquired, None, None)

    def _hook_call(self, conn, sender, path, interface, method, params, invocation):
        if method == "Shown":
            invocation.return_value(GLib.Variant("(s)", (json.dumps(self.shown),)))
        elif method == "Queue":  # the play queue's entries, as Rhythmbox's own model has them
            model = self.shell.props.queue_source.props.query_model
            paths = [entry_path(row[0]) for row in model]
            invocation.return_value(GLib.Variant("(as)", ([p for p in paths if p],)))
        elif method == "Close":  # the plugin's windows and dialogs
            client.close_all()
            invocation.return_value(None)
        elif method == "ClearQueue":
            queue = self.shell.props.queue_source
            for row in list(queue.props.query_model):
                queue.remove_entry(row[0])
            invocation.return_value(None)
        elif method == "Menus":  # the items of the plugin section of each popup menu, as
            # Rhythmbox's GMenu models have them (the section the popups link to by name)
            app = self.shell.props.application
            menus = {m: _menu_items(app.get_plugin_menu(m)) for m in MENUS}
            invocation.return_value(GLib.Variant("(s)", (json.dumps(menus),)))
        elif method == "Tasks":  # the tasks in Rhythmbox's task list (under the sidebar)
            # its items come as pointers: the plugin's task is found among them by its own
            # (PyGObject's hash of a GObject is its pointer)
            model = self.shell.props.task_list.props.model
            t = self.task
            tasks = [[t.props.task_label, t.props.task_detail, t.props.task_progress]
                     for i in range(model.n_items()) if t is not None and model.get(i) == hash(t)]
            invocation.return_value(GLib.Variant("(s)", (json.dumps(tasks),)))
        elif method == "Activate":  # an application action by name, as a menu item does it
            (name,) = params.unpack()
            action = self.shell.props.application.lookup_action(name)
            if action is None or not action.get_enabled():
                invocation.return_dbus_error("org.soundalike.Error",
                                             f"action {name!r} is not there or disabled")
                return
            action.activate(None)
            invocation.return_value(None)
        elif method == "Known":  # which of the paths Rhythmbox's library has
            (paths,) = params.unpack()
            known = [p for p in paths if self._entry(p) is not None]
            invocation.return_value(GLib.Variant("(as)", (known,)))
        else:
            action, paths = params.unpack()
            view = self.shell.props.library_source.get_entry_view()
            self.shell.props.display_page_tree.select(self.shell.props.library_source)
            view.select_none()
            tree = _tree_view(view)  # a selection of several songs, as shift-click makes
            wanted = set(paths)
            for row in tree.get_model():
                if entry_path(row[0]) in wanted:
                    tree.get_selection().select_iter(row.iter)
            method = {label: m for _n, label, m in self.ACTIONS}.get(action)
            if method is None:
                invocation.return_dbus_error("org.soundalike.Error", f"no menu item {action!r}")
                return
            chosen = self.selected_paths()  # what the menu item acts on: the selection
            if sorted(chosen) != sorted(paths):
                invocation.return_dbus_error("org.soundalike.Error",
                                             f"selected {chosen!r}, not {paths!r}")
                return
            getattr(self, method)(list(paths))  # in the caller's order (the first plays)
            invocation.return_value(None)
