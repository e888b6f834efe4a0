"""Library commands: ``folders``, ``scan``, ``watch``, ``status``, ``tracks``, ``purge``.

Other command modules open the library with :func:`open_store`.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import threading

from soundalike.cli.arguments import db_path, whole_number
from soundalike.cli.errors import CliError, UsageError
from soundalike.cli.progress import ProgressBar
from soundalike.library.model.errors import LibraryError
from soundalike.library.model.states import STATUSES, TrackStatus
from soundalike.library.model.track import printable
from soundalike.library.store import Store


def open_store(args: argparse.Namespace) -> Store:
    """Open the library chosen by ``--db`` / ``$SOUNDALIKE_DB``; a broken one is a CliError."""
    try:
        return Store(db_path(args))
    except LibraryError as exc:
        raise CliError(str(exc)) from None


def print_json(obj) -> None:
    """Machine-readable output on stdout (undecodable file-name bytes are escaped)."""
    json.dump(obj, sys.stdout, ensure_ascii=True, indent=None)
    sys.stdout.write("\n")


def _plain_errors(func):
    """Report library errors (a busy or damaged database …) as one line, exit 1."""
    @functools.wraps(func)
    def wrapper(args, *a, **kw):
        try:
            return func(args, *a, **kw)
        except LibraryError as exc:
            raise CliError(str(exc)) from None
    return wrapper


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("folders", help="list, add or remove music folders",
                       description="Manage the music folders Soundalike scans and watches.")
    fsub = p.add_subparsers(dest="folders_cmd", metavar="ACTION")
    pa = fsub.add_parser("add", help="add music folders")
    pa.add_argument("dirs", nargs="+", metavar="DIR")
    pa.set_defaults(func=cmd_folders_add)
    pr = fsub.add_parser("remove", help="stop managing folders (their tracks become missing)")
    pr.add_argument("dirs", nargs="+", metavar="DIR")
    pr.set_defaults(func=cmd_folders_remove)
    pl = fsub.add_parser("list", help="list the music folders")
    pl.add_argument("--json", action="store_true", help="print JSON on stdout")
    pl.set_defaults(func=cmd_folders_list)
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(func=cmd_folders_list)

    p = sub.add_parser("scan", help="add folders and update the library from disk",
                       description="Add each DIR as a music folder, then scan every music "
                                   "folder: new files are added, changed files re-read, moved "
                                   "files keep their analysis, deleted files marked missing.")
    p.add_argument("dirs", nargs="*", metavar="DIR")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("watch", help="watch the music folders and apply changes until Ctrl-C")
    p.add_argument("--polling", action="store_true",
                   help="poll for changes instead of using inotify (network drives)")
    p.add_argument("--no-scan", action="store_true", help="do not scan before watching")
    p.add_argument("--no-analyze", action="store_true",
                   help="only keep the library in sync; do not analyse new or changed files")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="analysis worker processes (default: one per physical core, "
                        "one left free from 3 cores up)")
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("status", help="how many tracks are pending, analysed, failed, missing")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--measure-cnn", action="store_true",
                   help="time the tagging model's LiteRT paths on this CPU again (1–3 s) "
                        "and keep the fastest for the analysis")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("tracks", help="list tracks, optionally matching words")
    p.add_argument("query", nargs="*", metavar="QUERY",
                   help="words that must all appear in artist, title, album or path")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--limit", type=whole_number(0), metavar="N")
    p.add_argument("--json", action="store_true", help="print a JSON list on stdout")
    p.set_defaults(func=cmd_tracks)

    p = sub.add_parser("purge", help="forget missing tracks (and their analysis)")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(func=cmd_purge)


def _existing_dirs(dirs: list[str]) -> list[str]:
    out = []
    for d in dirs:
        path = os.path.abspath(os.path.expanduser(d))
        if not os.path.exists(path):
            raise UsageError(f"no such folder: {d}")
        if not os.path.isdir(path):
            raise UsageError(f"not a folder: {d}")
        out.append(path)
    return out


# -- folders --------------------------------------------------------------------------------
@_plain_errors
def cmd_folders_add(args) -> int:
    dirs = _existing_dirs(args.dirs)
    with open_store(args) as store:
        for d in dirs:
            store.add_folder(d)
            print(f"added {printable(d)}")
    print("run `soundalike scan` to read them", file=sys.stderr)
    return 0


@_plain_errors
def cmd_folders_remove(args) -> int:
    with open_store(args) as store:
        unknown = []
        for d in args.dirs:
            if store.remove_folder(os.path.abspath(os.path.expanduser(d))):
                print(f"removed {printable(d)}")
            else:
                unknown.append(d)
        if unknown:
            raise CliError("not a music folder: " + ", ".join(unknown)
                           + " (see `soundalike folders list`)")
    return 0


@_plain_errors
def cmd_folders_list(args) -> int:
    from soundalike.library.files.availability import unavailable_folders

    with open_store(args) as store:
        folders = store.folders()
        away = {u.path: u for u in unavailable_folders(store)}
        if getattr(args, "json", False):
            print_json([{"id": f.id, "path": printable(f.path), "present": f.path not in away,
                         "unavailable": away[f.path].reason if f.path in away else None,
                         "hidden": away[f.path].hidden if f.path in away else 0}
                        for f in folders])
            return 0
        if not folders:
            print("no music folders yet: soundalike scan DIR", file=sys.stderr)
        for f in folders:
            u = away.get(f.path)
            note = f"   ({u.reason[3:] if u.reason.startswith('is ') else u.reason}: " \
                f"{u.hidden} songs hidden until it is back)" if u else ""
            print(printable(f.path) + note)
    return 0


# -- scan -----------------------------------------------------------------------------------
def run_scan(store: Store, *, show_progress: bool = True, stream=None):
    """Scan every folder of *store* with a progress bar on stderr; return the ScanReport."""
    from soundalike.library.files.scanner import Scanner

    bar = ProgressBar(None, "Scanning", stream=stream or sys.stderr, enabled=show_progress)

    def progress(done: int, total: int | None, path: str) -> None:
        if total is None:
            bar.label = "Finding files"
        else:
            bar.label = "Reading"
            bar.set_total(total)
        bar.update(done, printable(os.path.basename(path)))

    try:
        return Scanner(store, progress=progress).scan()
    finally:
        bar.close()


@_plain_errors
def cmd_scan(args) -> int:
    dirs = _existing_dirs(args.dirs)
    with open_store(args) as store:
        for d in dirs:
            store.add_folder(d)
        if not store.folders():
            raise UsageError("no music folders yet: give one, e.g. soundalike scan ~/Music")
        report = run_scan(store, show_progress=not args.json)
        counts = store.counts()
    if args.json:
        print_json({**report.as_dict(), "library": counts})
        return 0
    print(f"{report.files} audio files in {report.seconds:.1f} s: {report.added} added, "
          f"{report.updated} updated, {report.moved} moved, {report.missing} missing, "
          f"{report.failed} failed, {report.unchanged} unchanged"
          + (f", {report.revived} back" if report.revived else ""))
    for path in report.absent_folders:
        why = report.unavailable.get(path, "is not there (unplugged drive?)")
        print(f"warning: music folder {printable(path)} {why}; "
              "its tracks are marked missing, not forgotten", file=sys.stderr)
    for path in report.empty_folders:
        print(f"warning: music folder {printable(path)} is empty now; its tracks are marked "
              "missing (is the drive mounted?)", file=sys.stderr)
    for path, reason in report.failures[:20]:
        print(f"  failed: {printable(path)}: {reason}")
    if len(report.failures) > 20:
        print(f"  … and {len(report.failures) - 20} more: soundalike tracks --status failed")
    if counts[TrackStatus.PENDING]:
        print(f"{counts[TrackStatus.PENDING]} tracks to analyse: soundalike analyze")
    return 0


# -- watch ----------------------------------------------------------------------------------
@_plain_errors
def cmd_watch(args, *, stop_event: threading.Event | None = None,
              on_tracks_changed=None) -> int:
    """Watch until Ctrl-C (or *stop_event*). *on_tracks_changed(ids)* is the hook the
    analysis layer uses to analyse picked-up files."""
    from soundalike.library.files.watcher import FolderWatcher

    with open_store(args) as store:
        if not store.folders():
            raise UsageError("no music folders yet: soundalike folders add DIR")
    stop = stop_event or threading.Event()

    def on_change(kind: str, path: str) -> None:
        print(f"{kind}: {printable(path)}", flush=True)

    def on_message(text: str) -> None:
        print(f"note: {text}", file=sys.stderr, flush=True)

    controller = None
    if not getattr(args, "no_analyze", False) and on_tracks_changed is None:
        controller = _watch_analysis(db_path(args), getattr(args, "workers", None))

        def on_tracks_changed(ids):
            controller.notify()
    watcher = FolderWatcher(db_path(args), on_change=on_change, on_message=on_message,
                            on_tracks_changed=on_tracks_changed, force_polling=args.polling)
    try:
        watcher.start()
    except LibraryError as exc:
        raise CliError(str(exc)) from None
    try:
        if not args.no_scan:  # after start(): a file added while the scan runs is not missed
            with open_store(args) as store:
                report = run_scan(store)
            print(f"scanned {report.files} files: {report.added} added, {report.updated} "
                  f"updated, {report.moved} moved, {report.missing} missing", flush=True)
        if controller is not None:
            controller.start()
        print(f"watching {len(watcher.watched)} folders (Ctrl-C to stop)", file=sys.stderr,
              flush=True)
        while not stop.wait(0.5):
            if watcher.error is not None:
                raise CliError(f"the folder watcher stopped: {watcher.error}")
    except KeyboardInterrupt:
        print("stopping…", file=sys.stderr)
    finally:
        watcher.stop()
        if controller is not None:
            controller.cancel()
            controller.wait(10)
    return 0


def _watch_analysis(path: str, workers: int | None):
    """An analysis controller that stays up and prints each analysed or failed file."""
    from soundalike.library.analysis.controller import AnalysisController
    from soundalike.library.store import Store

    def on_result(track_id: int, ok: bool, reason: str | None) -> None:
        with Store(path) as store:
            track = store.get_track(track_id)
        name = printable(track.path) if track else f"track {track_id}"
        print(f"analysed: {name}" if ok else f"analysis failed: {name}: {reason}", flush=True)

    return AnalysisController(path, workers=workers, keep_running=True, on_result=on_result)


# -- status, tracks, purge ------------------------------------------------------------------
@_plain_errors
def cmd_status(args) -> int:
    with open_store(args) as store:
        counts = store.counts()
        failures = store.failures()
        folders = store.folders()
        versions = store.analysed_versions()
    cnn, key = _cnn_status(getattr(args, "measure_cnn", False))
    analysis, models = _analysis_status(versions)
    if args.json:
        print_json({**counts,
                    "failures": [{"path": printable(p), "reason": r} for p, r in failures],
                    "folders": [printable(f.path) for f in folders],
                    "db": printable(db_path(args)),
                    "analysis": analysis, "models": models,
                    "cnn": _cnn_json(cnn, key)})
        return 0
    print(f"library: {printable(db_path(args))}")
    print(f"folders: {len(folders)}")
    print(f"tracks: {counts['tracks']} — {counts[TrackStatus.ANALYSED]} analysed, "
          f"{counts[TrackStatus.PENDING]} pending, {counts[TrackStatus.FAILED]} failed, "
          f"{counts[TrackStatus.MISSING]} missing")
    print(_analysis_line(analysis))
    print("models: " + "; ".join(
        f"{m['title']} ({m['file']}, {m['tags']} tags, "
        + (f"sha256 {m['sha256'][:12]})" if m["sha256"] else "file missing)")
        for m in models) + " — both on the same 3-s patches, 3 per track")
    if cnn is not None:
        print(f"CNN: {cnn.describe()}")
    else:
        sha = (key.get("model_sha256") or "model file missing")[:12]
        print("CNN: not measured yet — measured when analysis first starts, or now with "
              f"--measure-cnn (for {key['cpu']}, {key['logical_cores']} logical cores, "
              f"model {sha}, LiteRT {key['litert']})")
    for path, reason in failures:
        print(f"  failed: {printable(path)}: {reason}")
    return 0


def _analysis_status(versions: dict[int, int]) -> tuple[dict, list[dict]]:
    """(analysis versions of the analysed tracks, the tagging models) for ``status``."""
    from soundalike.engine import analyze, cnn
    from soundalike.library.analysis.cnn_choice import model_digest

    current = versions.get(analyze.ANALYSIS_VERSION, 0)
    upgrade = sum(n for v, n in versions.items() if v in analyze.UPGRADABLE_VERSIONS)
    analysis = {"version": analyze.ANALYSIS_VERSION, "current": current,
                "to_upgrade": upgrade,
                "to_redo": sum(versions.values()) - current - upgrade,
                "by_version": {str(v): n for v, n in sorted(versions.items())}}
    models = [{"name": t.name, "title": t.title, "file": t.file, "tags": len(t.labels),
               "sha256": model_digest(t.path)} for t in cnn.TAGGERS.values()]
    return analysis, models


def _analysis_line(a: dict) -> str:
    parts = [f"{a['current']} current"]
    if a["to_upgrade"]:
        parts.append(f"{a['to_upgrade']} of an older version to complete (only the "
                     "instrument tags, MTT, are added)")
    if a["to_redo"]:
        parts.append(f"{a['to_redo']} of an older version to analyse again")
    return f"analysis: version {a['version']} — " + ", ".join(parts)


def _cnn_status(measure: bool):
    """(cached or, with *measure*, freshly measured CnnChoice or None, current key)."""
    from soundalike.engine.errors import SoundalikeError
    from soundalike.library.analysis import cnn_choice

    key = cnn_choice.current_key()
    if measure:
        try:
            return cnn_choice.cnn_choice(max_threads=cnn_choice.threads_per_worker(),
                                         force=True), key
        except SoundalikeError as exc:
            raise CliError(f"cannot time the tagging model: {exc}") from None
    return cnn_choice.read_cache(key=key), key


def _cnn_json(cnn, key: dict) -> dict:
    from soundalike.library.analysis import cnn_choice

    if cnn is None:
        return {"measured": False, "key": key, "cache": str(cnn_choice.cache_path())}
    return {"measured": True, **cnn.as_dict(), "summary": cnn.describe(),
            "cache": str(cnn_choice.cache_path())}


def _duration(seconds: float | None) -> str:
    if not seconds:
        return "--:--"
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


@_plain_errors
def cmd_tracks(args) -> int:
    query = " ".join(args.query) or None
    with open_store(args) as store:
        tracks = store.tracks(query, status=args.status, limit=args.limit)
    if args.json:
        print_json([t.to_dict() for t in tracks])
        return 0
    for t in tracks:
        line = (f"{t.id:>6}  {t.status:<8}  {_duration(t.duration):>6}  "
                f"{printable(t.display_artist)} — {printable(t.display_title)}")
        if t.album:
            line += f"  [{printable(t.album)}]"
        if t.error:
            line += f"  ({t.error})"
        print(line)
    if not tracks:
        print("no tracks match", file=sys.stderr)
    return 0


@_plain_errors
def cmd_purge(args) -> int:
    with open_store(args) as store:
        n = store.purge_missing()
    if args.json:
        print_json({"purged": n})
    else:
        print(f"forgot {n} missing tracks")
    return 0
