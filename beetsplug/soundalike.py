"""Soundalike for beets: songs that sound alike, from the audio, in your beets library.

Enable it in beets' config (``pip install 'soundalike[beets]'``)::

    plugins: soundalike
    soundalike:
        db: ''        # Soundalike's database; '' = the app's own ($SOUNDALIKE_DB, else the
                      # user data folder), so the player and beets share one analysis
        auto: no      # analyse new items during `beet import` (import_task_files)
        workers: 0    # analysis processes; 0 = one per physical core

Commands::

    beet soundalike analyze [QUERY]                 analyse the matching items
    beet soundalike similar QUERY [-n 10]           items that sound like QUERY
    beet soundalike similar -a QUERY [-n 10]        albums like the albums of QUERY
    beet soundalike similar --artists QUERY         artists like the artists of QUERY
    beet soundalike radio QUERY [-n 50] [-o FILE]   a radio from QUERY (.m3u8/.m3u/.xspf)
    beet soundalike order QUERY [-b flow]           the items in sonic order (flow, energy,
                                                    tempo, brightness, mood) [-o FILE]
    beet soundalike mixes [-o DIR]                  the library's mixes (M3U8 files in DIR)

Items are Soundalike tracks by path: ``analyze`` adds beets' music directory (and the folder
of any item outside it) as a Soundalike folder and reads each matching file, then analyses
those that need it in worker processes.
"""

from __future__ import annotations

import os
import sys

from beets import ui
from beets.plugins import BeetsPlugin

ACTIONS = ("analyze", "similar", "radio", "order", "mixes")
USAGE = ("beet soundalike analyze [QUERY]\n"
         "       beet soundalike similar [-a | --artists] QUERY [-n 10]\n"
         "       beet soundalike radio QUERY [-n 50] [-o FILE.m3u8]\n"
         "       beet soundalike order QUERY [-b flow|energy|tempo|brightness|mood] "
         "[-o FILE.m3u8]\n"
         "       beet soundalike mixes [-o DIR]")


def _path(item) -> str:
    return os.fsdecode(item.path)


class SoundalikePlugin(BeetsPlugin):
    def __init__(self):
        super().__init__()
        self.config.add({"db": "", "auto": False, "workers": 0})
        if self.config["auto"].get(bool):
            self.register_listener("import_task_files", self.imported)

    # -- configuration ------------------------------------------------------------------
    def db_path(self) -> str:
        from soundalike.library.store import default_db_path

        given = self.config["db"].get()
        return os.path.expanduser(str(given)) if given else str(default_db_path())

    def _workers(self) -> int | None:
        value = self.config["workers"].get(int)
        return value if value and value > 0 else None

    # -- commands -----------------------------------------------------------------------
    def commands(self):
        cmd = ui.Subcommand("soundalike", help="songs that sound alike (Soundalike)",
                            aliases=())
        cmd.parser.usage = USAGE
        cmd.parser.add_option("-n", "--number", type="int", dest="number", default=None,
                              help="how many items (similar: 10, radio: 50)")
        cmd.parser.add_option("-o", "--output", dest="output", default=None,
                              metavar="FILE", help="radio: write a playlist (.m3u8/.m3u/.xspf)")
        cmd.parser.add_option("-a", "--album", action="store_true", dest="albums",
                              default=False, help="similar: albums, not items")
        cmd.parser.add_option("--artists", action="store_true", dest="artists",
                              default=False, help="similar: artists, not items")
        cmd.parser.add_option("-b", "--by", dest="by", default="flow",
                              help="order: flow, energy, tempo, brightness or mood")
        cmd.func = self.run
        return [cmd]

    def run(self, lib, opts, args):
        if not args or args[0] not in ACTIONS:
            raise ui.UserError(f"say what to do: {USAGE}")
        action, query = args[0], list(args[1:])
        if opts.number is not None and opts.number < 1:
            raise ui.UserError("-n must be at least 1")
        if opts.output and action not in ("radio", "order", "mixes"):
            raise ui.UserError("-o is for `beet soundalike radio`, `order` and `mixes`")
        try:
            if action == "analyze":
                self.analyze(lib, query)
            elif action == "similar" and (opts.albums or opts.artists):
                self.similar_groups(lib, query, opts.number or 10,
                                    "album" if opts.albums else "artist")
            elif action == "similar":
                self.similar(lib, query, opts.number or 10)
            elif action == "order":
                self.order(lib, query, opts.by, opts.output)
            elif action == "mixes":
                self.mixes(opts.output)
            else:
                self.radio(lib, query, opts.number or 50, opts.output)
        except ui.UserError:
            raise
        except Exception as exc:  # noqa: BLE001 - our own errors become beets' one line
            from soundalike.engine.errors import SoundalikeError

            if isinstance(exc, SoundalikeError):
                raise ui.UserError(str(exc)) from None
            raise

    # -- analyse ------------------------------------------------------------------------
    def analyze(self, lib, query):
        items = list(lib.items(query))
        if not items:
            raise ui.UserError("no items match the query" if query else "the library is empty")
        ids = self._add(lib, [_path(i) for i in items])
        done, failed, skipped = analyze_tracks(self.db_path(), ids, workers=self._workers())
        ui.print_(f"Soundalike: {done} analysed, {failed} failed, {skipped} already analysed "
                  f"({len(items)} items; database {self.db_path()}).")

    def imported(self, session, task):
        """``import_task_files``: analyse what the import just placed (``auto: yes``)."""
        paths = [_path(i) for i in task.imported_items()]
        if not paths:
            return
        from soundalike.engine.errors import SoundalikeError

        try:
            ids = self._add(session.lib, paths)
            done, failed, _ = analyze_tracks(self.db_path(), ids, workers=self._workers())
        except SoundalikeError as exc:  # never stop an import: say why and go on
            self._log.warning("soundalike: cannot analyse the imported files: {}", exc)
            return
        self._log.info("soundalike: analysed {} imported files ({} failed)", done, failed)

    def _add(self, lib, paths: list[str]) -> list[int]:
        """Make Soundalike tracks of *paths* (reading their tags); their ids."""
        from soundalike.library.files.scanner import Scanner
        from soundalike.library.store import Store

        roots = library_folders(os.fsdecode(lib.directory), paths)
        with Store(self.db_path()) as store:
            known = {f.path for f in store.folders()}
            for root in roots:
                if root not in known:
                    store.add_folder(root)
            scanner = Scanner(store)
            try:
                ids = [tid for p in paths if (tid := scanner.scan_file(p)[1]) is not None]
            finally:
                scanner.close()
        return ids

    # -- recommendations ----------------------------------------------------------------
    def _open(self):
        from soundalike.library.recommend.recommender import Recommender
        from soundalike.library.store import Store

        path = self.db_path()
        if not os.path.exists(path):
            raise ui.UserError(f"no Soundalike database at {path}: run "
                               "`beet soundalike analyze` first")
        store = Store(path)
        rec = Recommender(store)
        if rec.size == 0:
            store.close()
            raise ui.UserError("nothing is analysed yet: run `beet soundalike analyze`")
        return store, rec

    def _seeds(self, lib, store, rec, query) -> list[int]:
        if not query:
            raise ui.UserError("give a query, e.g. beet soundalike similar artist:Eno")
        items = list(lib.items(query))
        if not items:
            raise ui.UserError("no items match the query")
        ids = [t.id for i in items if (t := store.track_by_path(_path(i))) is not None
               and rec.index.position(t.id) is not None]
        if not ids:
            raise ui.UserError(f"none of the {len(items)} matching items is analysed yet: run "
                               f"`beet soundalike analyze {' '.join(query)}`")
        return ids

    def similar(self, lib, query, n: int):
        store, rec = self._open()
        try:
            seeds = self._seeds(lib, store, rec, query)
            for r in rec.similar(seeds, n, explain=True):
                ui.print_(f"{r.score:.3f}  {self._label(lib, r.track)}  ({r.explanation})")
        finally:
            store.close()

    def similar_groups(self, lib, query, n: int, kind: str):
        """Albums (or artists) that sound like those of the items *query* matches."""
        from soundalike.library.recommend.discovery import groups_of_tracks, similar_groups

        store, rec = self._open()
        try:
            seeds = self._seeds(lib, store, rec, query)
            groups = groups_of_tracks(rec, kind, seeds)
            if not groups:
                raise ui.UserError(f"the matching items have no {kind} tag")
            for r in similar_groups(rec, kind, groups, n):
                why = " · ".join(r.reasons) or "similar overall sound"
                ui.print_(f"{r.score:.3f}  {r.label}  ({r.group.size} items; {why})")
        finally:
            store.close()

    def order(self, lib, query, by: str, output: str | None):
        """The matching items in sonic order (those not analysed last)."""
        from soundalike.library.files.playlist_files import PlaylistEntry, write_playlist
        from soundalike.library.recommend.discovery import ORDER_BY, order_tracks

        if by not in ORDER_BY:
            raise ui.UserError(f"-b must be one of {', '.join(ORDER_BY)}")
        items = list(lib.items(query))
        if not items:
            raise ui.UserError("no items match the query")
        store, rec = self._open()
        try:
            tracks = [store.track_by_path(_path(i)) for i in items]
            ids = [t.id if t is not None else -1 - n for n, t in enumerate(tracks)]
            order, _ = order_tracks(rec, ids, by)
            at = {tid: n for n, tid in enumerate(ids)}
            ordered = [items[at[t]] for t in order]
            if output:
                written = write_playlist(os.path.expanduser(output),
                                         [PlaylistEntry(_path(i)) for i in ordered],
                                         title=f"Soundalike {by} order")
                ui.print_(f"Wrote {len(ordered)} items in {by} order to {written}")
                return
            for i in ordered:
                ui.print_(format(i))
        finally:
            store.close()

    def mixes(self, output: str | None):
        """The library's mixes; with *output*, one M3U8 per mix in that folder."""
        from soundalike.library.files.playlist_files import entries_for_tracks, write_playlist
        from soundalike.library.recommend import mixes as mx

        store, rec = self._open()
        try:
            for m in mx.ensure_mixes(rec):
                if output:
                    folder = os.path.expanduser(output)
                    os.makedirs(folder, exist_ok=True)
                    tracks = store.get_tracks(mx.mix_tracks(rec, m))
                    write_playlist(os.path.join(folder, mx.file_name(m.name) + ".m3u8"),
                                   entries_for_tracks(tracks), title=m.name)
                ui.print_(f"{m.name}  ({m.size} items){'  pinned' if m.pinned else ''}")
        finally:
            store.close()

    def radio(self, lib, query, n: int, output: str | None):
        from soundalike.library.files.playlist_files import entries_for_tracks, write_playlist

        store, rec = self._open()
        try:
            seeds = self._seeds(lib, store, rec, query)
            tracks = rec.radio(seeds).next(n)
            if output:
                written = write_playlist(os.path.expanduser(output), entries_for_tracks(tracks),
                                         title="Soundalike radio")
                ui.print_(f"Wrote {len(tracks)} items to {written}")
                return
            for t in tracks:
                ui.print_(self._label(lib, t))
        finally:
            store.close()

    @staticmethod
    def _label(lib, track) -> str:
        """beets' own format of the item at the track's path, else ``Artist – Title``."""
        from beets.dbcore.query import PathQuery

        from soundalike.library.recommend.results import track_label

        found = list(lib.items(PathQuery("path", os.fsencode(track.path))))
        return format(found[0]) if found else track_label(track)


def library_folders(directory: str, paths: list[str]) -> list[str]:
    """The Soundalike folders that hold *paths*: beets' music *directory*, and the folder
    of each file outside it (one per folder)."""
    root = os.path.abspath(directory)
    folders = [root]
    for p in paths:
        parent = os.path.dirname(os.path.abspath(p))
        if os.path.commonpath([root, parent]) == root:
            continue
        if not any(os.path.commonpath([f, parent]) == f for f in folders):
            folders.append(parent)
    return folders


def analyze_tracks(db_path: str, track_ids: list[int], *, workers: int | None = None,
                   stream=sys.stderr) -> tuple[int, int, int]:
    """Analyse the tracks *track_ids* that need it (others pending in the library wait for
    the next `soundalike analyze`). Returns ``(analysed, failed, already analysed)``; an
    item that had failed before (and whose file has not changed since) counts as failed."""
    import threading

    from soundalike.cli.progress import ProgressBar
    from soundalike.engine.analyze import ANALYSIS_VERSION
    from soundalike.library.analysis.controller import AnalysisController
    from soundalike.library.model.states import AnalysisState, TrackStatus
    from soundalike.library.store import Store

    with Store(db_path) as store:
        tracks = store.get_tracks(track_ids)
    # what the analyser takes (Store.pending_for_analysis): failed tracks are not retried
    todo = {t.id for t in tracks if t.status == TrackStatus.PENDING or (
        t.status == TrackStatus.ANALYSED and t.analysis_version != ANALYSIS_VERSION)}
    failed_before = {t.id for t in tracks if t.status == TrackStatus.FAILED}
    already = len({t.id for t in tracks}) - len(todo) - len(failed_before)
    if not todo:
        return 0, len(failed_before), already
    bar = ProgressBar(len(todo), "Analysing", unit="tracks", stream=stream)
    left, lock, finished = set(todo), threading.Lock(), threading.Event()
    counts = {"ok": 0, "failed": 0}

    def on_result(track_id: int, ok: bool, reason: str | None) -> None:
        with lock:
            if track_id not in left:
                return
            left.discard(track_id)
            counts["ok" if ok else "failed"] += 1
            bar.update(len(todo) - len(left))
            if not left:
                finished.set()

    controller = AnalysisController(db_path, workers=workers, on_result=on_result)
    controller.prioritise(sorted(todo))
    controller.start()
    try:
        while not finished.wait(0.2):
            if controller.wait(0):
                break  # nothing left to analyse (or it could not run)
        if controller.progress.state == AnalysisState.ERROR:
            from soundalike.engine.errors import AnalysisError

            raise AnalysisError(f"analysis cannot run: {controller.progress.message}")
    finally:
        controller.cancel()
        controller.wait()
        bar.close()
    return counts["ok"], counts["failed"] + len(failed_before), already
