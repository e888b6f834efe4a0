"""``soundalike analyze``: analyse every pending track, resumably, with a progress bar."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time

from soundalike.cli.arguments import db_path, whole_number
from soundalike.cli.errors import CliError, UsageError
from soundalike.cli.progress import ProgressBar, format_duration
from soundalike.library.model.states import AnalysisState


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze", help="analyse pending tracks (resumes where the last run stopped)",
        description="Analyse every track that is new, changed or analysed by an older "
                    "version. Ctrl-C stops cleanly; the next run continues.")
    p.add_argument("--workers", type=whole_number(1), metavar="N",
                   help="worker processes (default: the library's setting, as saved in "
                        "the player's settings; automatic: one per physical core, one "
                        "left free from 3 cores up)")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="give up on a file after this long (default: 120)")
    p.add_argument("--pause-on-battery", action=argparse.BooleanOptionalAction, default=None,
                   help="hold analysis while the computer runs on battery (default: the "
                        "library's setting, as saved in the player's settings)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.set_defaults(func=cmd_analyze)


def run_analysis(path: str, *, workers: int | None = None, time_limit: float | None = None,
                 pause_on_battery: bool | None = None, show_progress: bool = True,
                 stream=sys.stderr):
    """Analyse everything pending in the library at *path*; Ctrl-C cancels cleanly.
    Without *workers*, as many worker processes as the library's ``analysis.workers``
    setting says (automatic when unset); without *pause_on_battery*, as the library's
    ``analysis.pause_on_battery`` says.

    Returns ``(progress, controller, interrupted)``.
    """
    from soundalike.library.analysis.controller import (
        DEFAULT_TIME_LIMIT,
        AnalysisController,
        saved_workers,
    )
    from soundalike.library.model.errors import LibraryError
    from soundalike.library.model.settings import ANALYSIS_PAUSE_ON_BATTERY
    from soundalike.library.store import Store

    if workers is None or pause_on_battery is None:  # the library's settings; a library
        with contextlib.suppress(LibraryError), Store(path) as store:  # that cannot open is
            if workers is None:  # reported below
                workers = saved_workers(store)
            if pause_on_battery is None:
                pause_on_battery = bool(store.setting(ANALYSIS_PAUSE_ON_BATTERY))
    bar = ProgressBar(None, "Analysing", unit="tracks", stream=stream, enabled=show_progress)
    last_state = [""]

    def on_progress(p) -> None:
        bar.set_total(p.total or None)
        if p.state != last_state[0]:  # a full disk is said on a line of its own, always
            if p.state == AnalysisState.PAUSED_DISK_FULL:
                bar.message(f"soundalike: {p.message}")
            elif (last_state[0] == AnalysisState.PAUSED_DISK_FULL
                  and p.state == AnalysisState.RUNNING):
                bar.message("soundalike: disk space is back: analysis resumed")
            last_state[0] = p.state
        note = ("paused: on battery power" if p.state == AnalysisState.PAUSED_BATTERY
                else p.message or (p.last_path or ""))
        bar.update(p.done + p.failed, note)

    controller = AnalysisController(
        path, workers=workers, time_limit=time_limit or DEFAULT_TIME_LIMIT,
        pause_on_battery=bool(pause_on_battery), on_progress=on_progress)
    interrupted = False
    controller.start()
    try:
        while not controller.wait(0.2):
            pass
    except KeyboardInterrupt:
        interrupted = True
        controller.cancel()
        controller.wait()
    finally:
        bar.close()
    return controller.progress, controller, interrupted


def cmd_analyze(args: argparse.Namespace) -> int:
    if args.time_limit is not None and args.time_limit <= 0:
        raise UsageError("--time-limit must be a positive number of seconds")
    started = time.monotonic()
    progress, controller, interrupted = run_analysis(
        db_path(args), workers=args.workers, time_limit=args.time_limit,
        pause_on_battery=args.pause_on_battery, show_progress=not args.json)
    elapsed = time.monotonic() - started
    if progress.state == AnalysisState.ERROR:
        raise CliError(f"analysis cannot run: {progress.message}")
    summary = {
        "analysed": progress.done, "failed": progress.failed,
        "remaining": progress.remaining, "seconds": round(elapsed, 2),
        "interrupted": interrupted,
        "stage_seconds": {k: round(v, 3) for k, v in controller.timings.items()},
        "peak_worker_rss_mb": round(controller.peak_worker_rss_mb, 1),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        rate = progress.done / elapsed * 3600 if elapsed > 0 else 0
        print(f"Analysed {progress.done} tracks, {progress.failed} failed, in "
              f"{format_duration(elapsed)} ({rate:.0f} tracks/h).")
        if progress.failed:
            print("See the reasons with: soundalike status")
        if interrupted:
            print(f"Stopped: {progress.remaining} tracks left; run `soundalike analyze` again "
                  "to continue.")
    return 130 if interrupted else 0
