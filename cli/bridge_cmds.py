"""``soundalike bridge …``: the versioned JSON interface the player plugins call.

Quod Libet and Rhythmbox run their plugins in the system's python3 with GTK; they cannot
import Soundalike. Their plugins run ``soundalike bridge COMMAND ARGS…`` as a subprocess
(song paths as arguments, never through a shell) and read ONE JSON object from stdout::

    {"schema": "soundalike-bridge", "version": 1, "kind": "similar", ...}
    {"schema": "soundalike-bridge", "version": 1, "kind": "error",
     "error": {"code": "not-analysed", "message": "..."}, ...}           (exit status 1)

The fields of each kind are listed in docs/CONTRACTS.md ("Player bridge"). The JSON is
ASCII (``\\u`` escapes): a file name that is not UTF-8 travels as Python's surrogate
escapes, so ``os.fsencode(json.loads(out)["songs"][0]["path"])`` gives its bytes back.

Commands: ``status``; ``folders DIR…`` (make the player's folders Soundalike folders and
start the background scan + analysis, a detached ``soundalike bridge work``); ``similar
PATH…``; ``radio --state FILE [--seed PATH…] [--current PATH]`` (a radio whose state lives
in FILE; with ``--current`` it answers for both things the listener may do next — hear the
song through or skip it — so the player picks the next song at once, without waiting);
``work`` (the background scan + analysis itself, one at a time per database).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

from soundalike.cli.arguments import db_path, fraction, whole_number
from soundalike.cli.errors import CliError
from soundalike.engine.errors import SoundalikeError
from soundalike.library.model.errors import LibraryError
from soundalike.library.model.states import TrackStatus

SCHEMA = "soundalike-bridge"
VERSION = 1
#: the seconds of recent analysis the time left is estimated from
RATE_WINDOW_S = 600.0
#: songs less alike than this are not offered: 0 is as alike as two songs picked at random
#: (the hybrid score is a cosine of standardised vectors)
MIN_SCORE = 0.0
#: what a skip before the next song is planned for counts as (an early skip)
PLANNED_SKIP_AT_S = 1.0
#: CPU seconds one song's analysis takes, for a first estimate of the time left before any
#: song of this run is done (benchmarks/RESULTS.md: 449 ms CPU per track on this project's
#: 2-core AMD EPYC; rounded up for slower laptops and disks)
PRIOR_S_PER_SONG = 0.6


class BridgeError(Exception):
    """An answer the plugin shows in plain words: ``code`` tells it which case this is."""

    def __init__(self, code: str, message: str, **extra):
        super().__init__(message)
        self.code, self.message, self.extra = code, message, extra


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bridge", help="the JSON interface of the Quod Libet and Rhythmbox plugins",
        description="Commands the player plugins run; each prints one JSON object "
                    f"(schema {SCHEMA!r}, version {VERSION}; see docs/CONTRACTS.md).")
    bsub = p.add_subparsers(dest="bridge_command", metavar="COMMAND", required=True)

    s = bsub.add_parser("status", help="the library's analysis progress")
    s.set_defaults(func=_answer(cmd_status))

    s = bsub.add_parser("folders", help="add music folders and analyse them in the background")
    s.add_argument("dirs", nargs="*", metavar="DIR")
    s.add_argument("--no-start", action="store_true",
                   help="only add the folders; start no background work")
    s.set_defaults(func=_answer(cmd_folders))

    s = bsub.add_parser("similar", help="songs that sound like the given songs")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("-n", type=whole_number(1, 1000), default=10, metavar="N")
    s.add_argument("--min-score", type=float, default=MIN_SCORE, metavar="S",
                   help="leave out songs less alike than this (default 0: as alike as two "
                        "songs picked at random)")
    s.set_defaults(func=_answer(cmd_similar))

    s = bsub.add_parser("radio", help="the next songs of a radio whose state is kept in a file")
    s.add_argument("--state", required=True, metavar="FILE",
                   help="the radio's state (written; FILE.played / FILE.skipped with "
                        "--current)")
    s.add_argument("--seed", action="append", default=[], metavar="PATH",
                   help="start a new radio from this song (repeatable)")
    s.add_argument("--current", metavar="PATH",
                   help="the song now playing: answer for both 'heard through' and "
                        "'skipped'")
    s.add_argument("-n", type=whole_number(1, 100), default=1, metavar="N")
    s.add_argument("--randomness", type=fraction, default=0.5, metavar="0..1",
                   help="with --seed: 0 always plays the best match, 1 spreads the draw "
                        "(default 0.5)")
    s.add_argument("--random-seed", type=int, default=None, metavar="INT")
    s.set_defaults(func=_answer(cmd_radio))

    s = bsub.add_parser("work", help="scan the folders, then analyse (what `folders` starts)")
    s.add_argument("--lock-fd", type=int, default=None, help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_work)


# -- the JSON envelope -------------------------------------------------------------------------
def emit(kind: str, **fields) -> None:
    print(json.dumps({"schema": SCHEMA, "version": VERSION, "kind": kind, **fields},
                     ensure_ascii=True), flush=True)


def _answer(command):
    """Run *command*; a :class:`BridgeError` (or a plain CLI/library error) becomes the
    ``error`` answer with exit status 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except BridgeError as exc:
            emit("error", error={"code": exc.code, "message": exc.message}, **exc.extra)
        except (CliError, LibraryError, SoundalikeError) as exc:
            emit("error", error={"code": _library_code(str(exc)), "message": str(exc)})
        return 1

    run.__name__ = command.__name__
    return run


def _library_code(message: str) -> str:
    return "other-version" if "newer Soundalike" in message else "library"


def _store(args: argparse.Namespace, *, must_exist: bool = True):
    from soundalike.library.store import Store

    path = db_path(args)
    if must_exist and path != ":memory:" and not os.path.exists(path):
        raise BridgeError("no-library", "Soundalike has no music folders yet: open the "
                          "plugin once with the player's library loaded, or run "
                          "`soundalike scan FOLDER`.", status=None)
    try:
        return Store(path)
    except (LibraryError, SoundalikeError) as exc:
        raise BridgeError(_library_code(str(exc)), str(exc)) from None


# -- background work ---------------------------------------------------------------------------
def _lock_path(db: str) -> str | None:
    return None if db == ":memory:" else f"{db}.bridge-work.lock"


def worker_info(db: str) -> dict | None:
    """``{"pid", "started"}`` of the running background work for *db*, else None."""
    import fcntl

    path = _lock_path(db)
    if path is None or not os.path.exists(path):
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            with contextlib.suppress(OSError, ValueError):
                return json.loads(os.pread(fd, 4096, 0) or b"{}") or {"pid": None}
            return {"pid": None}
        return None  # nobody holds it
    finally:
        os.close(fd)


def _write_lock(fd: int, pid: int | None) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"pid": pid, "started": time.time()}).encode(), 0)


def start_work(db: str) -> bool:
    """Start the detached background work for *db* unless it runs; True if started.

    The lock is taken here and handed to the child (its descriptor is inherited), so
    from this moment on :func:`worker_info` sees the work as running."""
    import fcntl

    fd = os.open(_lock_path(db), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _write_lock(fd, None)
        log = os.open(f"{db}.bridge-work.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with open(log, "ab") as out:  # it names the user's files: owner-only
            subprocess.Popen([sys.executable, "-m", "soundalike", "--db", db, "bridge", "work",
                              "--lock-fd", str(fd)], pass_fds=(fd,), stdin=subprocess.DEVNULL,
                             stdout=out, stderr=out,
                             start_new_session=True)  # outlives the player that asked
        return True
    finally:
        os.close(fd)  # the child keeps the lock


def cmd_work(args: argparse.Namespace) -> int:
    """Scan every folder, then analyse what is pending; one run per database at a time
    (a lock file next to it says who runs and since when)."""
    import fcntl

    from soundalike.cli import library_cmds
    from soundalike.cli.analysis_cmds import run_analysis
    from soundalike.library.store import Store

    db = db_path(args)
    path = _lock_path(db)
    if path is None:
        raise CliError("background work needs a database file")
    fd = args.lock_fd if args.lock_fd is not None else os.open(path, os.O_RDWR | os.O_CREAT,
                                                               0o600)
    try:
        if args.lock_fd is None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print("soundalike: the background work already runs", file=sys.stderr)
                return 0
        _write_lock(fd, os.getpid())
        with Store(db) as store:
            if store.folders():
                library_cmds.run_scan(store)
        progress, _controller, interrupted = run_analysis(db, show_progress=False)
        if progress.done and not interrupted:
            # the similarity index beside the database brought up to date here, in the
            # background, so the player's next question opens it instead of building it
            # (8 s at 100,000 songs, benchmarks/RESULTS.md)
            from soundalike.library.recommend.recommender import Recommender

            with Store(db) as store:
                Recommender(store)
        print(f"soundalike: analysed {progress.done}, failed {progress.failed}, "
              f"{progress.remaining} left", file=sys.stderr)
        return 130 if interrupted else 0
    finally:
        os.close(fd)  # the lock goes with it


# -- status ------------------------------------------------------------------------------------
def _minutes(seconds: float) -> str:
    if seconds < 90:
        return "about a minute"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


def library_status(store, db: str) -> dict:
    """Counts, whether analysis runs, the time left and one sentence saying it."""
    counts = store.counts()
    total = counts["tracks"] - counts[TrackStatus.MISSING]
    analysed, pending = counts[TrackStatus.ANALYSED], counts[TrackStatus.PENDING]
    now = time.time()
    worker = worker_info(db)
    claimed = any(expires > now for _, _, expires in store.claims())
    running = worker is not None or claimed
    started = float((worker or {}).get("started") or 0.0)
    window = RATE_WINDOW_S if not started else max(1.0, min(RATE_WINDOW_S, now - started))
    recent = store.analysed_since(now - window)
    if recent and pending:
        eta = pending / (recent / window)
    else:  # no rate measured yet: the benchmarked cost per song, one worker per core
        eta = pending * PRIOR_S_PER_SONG / max(1, os.cpu_count() or 1) if pending else None
    if total == 0:
        message = ("looking for songs in the music folders…" if running
                   else "no songs in Soundalike's music folders yet")
    elif not pending:
        message = f"all {analysed:,} songs analysed" + (
            f" ({counts[TrackStatus.FAILED]:,} could not be read)"
            if counts[TrackStatus.FAILED] else "")
    elif running:
        message = f"analysing {analysed:,} of {total:,} songs — {_minutes(eta)}"
    else:
        message = (f"{analysed:,} of {total:,} songs analysed; the analysis is not running "
                   "(the plugin starts it with the player, or run `soundalike analyze`)")
    return {"folders": [f.path for f in store.folders()], "songs": total,
            "analysed": analysed, "pending": pending, "failed": counts[TrackStatus.FAILED],
            "running": running, "eta_seconds": None if eta is None else round(eta),
            "message": message}


def cmd_status(args: argparse.Namespace) -> int:
    db = db_path(args)
    if db != ":memory:" and not os.path.exists(db):  # asking creates nothing
        emit("status", folders=[], songs=0, analysed=0, pending=0, failed=0, running=False,
             eta_seconds=None, message="no songs in Soundalike's music folders yet")
        return 0
    with _store(args) as store:
        emit("status", **library_status(store, db_path(args)))
    return 0


def cmd_folders(args: argparse.Namespace) -> int:
    dirs = [os.path.abspath(os.path.expanduser(d)) for d in args.dirs]
    absent = [d for d in dirs if not os.path.isdir(d)]
    db = db_path(args)
    with _store(args, must_exist=False) as store:
        known = {f.path for f in store.folders()}
        added = [d for d in dirs if d not in absent and d not in known]
        for d in added:
            store.add_folder(d)
        started = False if args.no_start or not store.folders() else start_work(db)
        emit("folders", added=added, absent=absent, started=started,
             **library_status(store, db))
    return 0


# -- similar songs -----------------------------------------------------------------------------
def _song(track, *, score: float | None = None, reason: str = "") -> dict:
    out = {"path": track.path, "title": track.display_title, "artist": track.display_artist,
           "album": track.album or "", "duration": track.duration}
    if score is not None:
        out["score"] = round(float(score), 4)
    out["reason"] = reason
    return out


def not_analysed(store, db: str) -> BridgeError:
    """The answer while too little of the library is analysed to answer: how far the
    analysis is and how long it has to go."""
    status = library_status(store, db)
    eta = status["eta_seconds"]
    when = ("" if eta is None else f" — {_minutes(eta)} to go" if status["running"]
            else f"; {_minutes(eta)} of analysis once it runs")
    if not status["songs"]:
        text = ("Soundalike is looking for the songs in your music folders; try again "
                "in a moment." if status["running"] else
                "Soundalike's music folders have no songs yet.")
    else:
        text = ("Soundalike has not analysed your library yet "
                f"({status['analysed']:,} of {status['songs']:,} songs{when}). "
                + ("It is working on it; try again then." if status["running"] else
                   "Start it from the plugin, or run `soundalike analyze`."))
    return BridgeError("not-analysed", text, status=status)


def _recommender(store, db: str):
    from soundalike.library.recommend.recommender import Recommender

    rec = Recommender(store)
    if rec.size == 0:
        raise not_analysed(store, db)
    return rec


#: at most this many of the asked-about songs are analysed on request, one after another
ANALYSE_ON_REQUEST = 5


def _analyse_library_songs(store, tracks) -> list[str]:
    """Library songs among *tracks* that are not analysed yet: analysed now and kept (the
    background analysis would have reached them later); their paths."""
    from soundalike.library.analysis.on_request import analyse_now

    waiting = [t for t in tracks if t is not None and t.status == TrackStatus.PENDING]
    done = analyse_now(store, [t.id for t in waiting[:ANALYSE_ON_REQUEST]])
    return [t.path for t in waiting if done.get(t.id, "") is None]


def cmd_similar(args: argparse.Namespace) -> int:
    from soundalike.library.recommend.outside import similar_to_file
    from soundalike.library.recommend.results import RecommendError

    paths = [os.path.abspath(os.path.expanduser(p)) for p in args.paths]
    for p in paths:
        if not os.path.isfile(p):
            raise BridgeError("bad-song", f"the file {p} is not there any more")
    db = db_path(args)
    with _store(args) as store:
        tracks = [store.track_by_path(p) or store.track_by_path(os.path.realpath(p))
                  for p in paths]
        analysed_now = _analyse_library_songs(store, tracks)
        tracks = [store.get_track(t.id) if t is not None else None for t in tracks]
        rec = _recommender(store, db)
        ready = [t.id for t in tracks if t is not None and t.status == TrackStatus.ANALYSED
                 and rec.index.position(t.id) is not None]
        query = [{"path": p, "in_library": t is not None,
                  "analysed": t is not None and t.id in ready} for p, t in zip(
                      paths, tracks, strict=True)]
        try:
            if ready:
                results = rec.similar(ready, args.n)
            else:  # outside the folders (or another analyser has it): analysed on the spot
                analysed_now = [paths[0]]
                results = similar_to_file(rec, paths[0], args.n)
        except SoundalikeError as exc:
            raise BridgeError("bad-song", f"cannot analyse {paths[0]}: {exc}") from None
        except RecommendError as exc:
            raise BridgeError("library", str(exc)) from None
        chosen = set(paths)
        songs = [_song(r.track, score=r.score, reason=r.explanation) for r in results
                 if r.track.path not in chosen and r.score > args.min_score]
        status = library_status(store, db)
        if not songs and status["pending"]:
            # nothing similar among the songs analysed so far: not "nothing similar" (the
            # songs like it may be among those still waiting), but how far the analysis is
            raise not_analysed(store, db)
        message = "" if songs else (
            "nothing in your library sounds similar enough to "
            + ("this song" if len(paths) == 1 else "these songs")
            + (" (the others sound less alike than two songs picked at random)"
               if results else ""))
        emit("similar", query=query, analysed_now=analysed_now or None, songs=songs,
             note=results.note, message=message, status=status)
    return 0


# -- radio -------------------------------------------------------------------------------------
def _write_json(path: str, value: dict) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def cmd_radio(args: argparse.Namespace) -> int:
    from soundalike.library.recommend.radio import radio_from_dict
    from soundalike.library.recommend.results import RecommendError

    db = db_path(args)
    state_path = os.path.abspath(os.path.expanduser(args.state))
    with _store(args) as store:
        rec = _recommender(store, db)

        def track_id(path: str) -> int | None:
            p = os.path.abspath(os.path.expanduser(path))
            t = store.track_by_path(p) or store.track_by_path(os.path.realpath(p))
            return t.id if t is not None and rec.index.position(t.id) is not None else None

        try:
            if args.seed:
                _analyse_library_songs(store, [
                    store.track_by_path(os.path.abspath(os.path.expanduser(p)))
                    for p in args.seed])
                rec.refresh()
                seeds = [i for p in args.seed if (i := track_id(p)) is not None]
                if not seeds:
                    status = library_status(store, db)
                    raise BridgeError(
                        "song-not-analysed",
                        "the radio starts from an analysed song, and "
                        + ("this one is" if len(args.seed) == 1 else "these are")
                        + f" not analysed yet ({status['message']}); "
                        "“Find similar songs” works for it now.", status=status)
                radio = rec.radio(seeds, randomness=args.randomness, rng=args.random_seed)
            else:
                try:
                    with open(state_path, encoding="utf-8") as f:
                        state = json.load(f)
                except (OSError, ValueError) as exc:
                    raise BridgeError("no-radio", f"no radio to continue ({exc}); "
                                      "start one from a song") from None
                radio = radio_from_dict(rec, state)
            current = track_id(args.current) if args.current else None
            if current is None:
                songs = [_song(t, reason=why) for t, why in radio.next_with_reasons(args.n)]
                _write_json(state_path, radio.to_dict())
                emit("radio", songs=songs, state=state_path)
                return 0
            base = radio.to_dict()
            _write_json(state_path, base)
            branches = {}
            for outcome in ("played", "skipped"):
                branch = radio_from_dict(rec, base)
                if outcome == "played":
                    branch.played(current, float("inf"))
                else:
                    branch.skipped(current, PLANNED_SKIP_AT_S)
                songs = [_song(t, reason=why) for t, why in branch.next_with_reasons(args.n)]
                _write_json(f"{state_path}.{outcome}", branch.to_dict())
                branches[outcome] = {"songs": songs, "state": f"{state_path}.{outcome}"}
            emit("radio", current=args.current, state=state_path, **branches)
            return 0
        except RecommendError as exc:
            raise BridgeError("library", str(exc)) from None
