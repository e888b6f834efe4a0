"""The headless command line: ``soundalike scan | analyze | similar | radio | …``.

Each ``*_cmds`` module registers its subcommands with :func:`register`; handlers
take the parsed arguments and return an exit code. Expected failures raise
:class:`CliError` (exit 1) or :class:`UsageError` (exit 2) and print one plain line.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap

from soundalike.cli.errors import CliError, UsageError
from soundalike.library.model.errors import LibraryError

# Modules that contribute subcommands; each has ``register(subparsers)``.
COMMAND_MODULES = (
    "soundalike.cli.library_cmds",
    "soundalike.cli.analysis_cmds",
    "soundalike.cli.recommend_cmds",
    "soundalike.cli.mpd_cmds",
    "soundalike.cli.discovery_cmds",
    "soundalike.cli.bridge_cmds",
    "soundalike.cli.plugin_cmds",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 itself; keep the message plain
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="soundalike",
        description="Find songs that sound alike in your own music library — offline.",
    )
    from soundalike import __version__

    parser.add_argument("--version", action="version", version=f"soundalike {__version__}")
    parser.add_argument("--db", metavar="PATH",
                        help="library database (default: $SOUNDALIKE_DB or the user data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet
                continue
            raise
        module.register(sub)
    _accept_db_anywhere(sub)
    return parser


def _accept_db_anywhere(sub: argparse._SubParsersAction) -> None:
    """Let ``--db`` follow the subcommand too: ``soundalike scan --db x.db``."""
    for child in set(sub.choices.values()):
        nested = [a for a in child._actions if isinstance(a, argparse._SubParsersAction)]
        for action in nested:
            _accept_db_anywhere(action)
        if not any("--db" in a.option_strings for a in child._actions):
            child.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                               help="library database (as before the command)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2 if argv else 0
        check_library(args)
        finish_data_steps(args)
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"soundalike: {exc}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"soundalike: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("\nsoundalike: interrupted", file=sys.stderr)
        return 130
    except LibraryError as exc:  # opening the library failed before any command ran
        print(f"soundalike: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


def finish_data_steps(args: argparse.Namespace) -> None:
    """Before a command: the work on existing rows a migration left (converting a library's
    analyses to the compact format, then making the file smaller), with a line on stderr
    before and after and a progress bar when stderr is a terminal. Interrupting it is safe:
    the next start carries on."""
    from pathlib import Path

    from soundalike.cli.arguments import db_path
    from soundalike.cli.progress import ProgressBar
    from soundalike.library.store import Store
    from soundalike.library.store.data_steps import SHRINK_STEP

    path = Path(db_path(args))
    if not path.is_file():
        return  # nothing to convert; the command creates the library if it needs one
    try:
        store = Store(path)
    except LibraryError:
        return  # the command itself says why the library cannot be opened
    with store:
        if not store.pending_data_steps():
            return
        print("soundalike: updating the library database to the compact format (done once; "
              "it may be interrupted and carries on at the next start) …", file=sys.stderr)
        bar = ProgressBar(None, "Converting", unit="analyses", stream=sys.stderr)
        shrinking = False

        def on_progress(p) -> None:
            nonlocal shrinking
            if p.step != SHRINK_STEP:
                bar.set_total(p.total or None)
                bar.update(p.done)
            elif not shrinking:
                shrinking = True
                bar.close()
                print("soundalike: making the library file smaller …", file=sys.stderr)

        report = store.finish_data_steps(on_progress)
        bar.close()
    if report is not None:
        print(textwrap.fill(f"soundalike: {report.message()}", width=100), file=sys.stderr)


def check_library(args: argparse.Namespace) -> None:
    """Before a command: the start-up check of the library file; a damaged one is set aside,
    recovered (said on stderr) and its folders rescanned to rebuild the tracks."""
    from soundalike.cli.arguments import db_path
    from soundalike.library.store.recovery import ensure_healthy

    report = ensure_healthy(db_path(args))
    if report is None:
        return
    print(textwrap.fill(f"soundalike: {report.message()}", width=100), file=sys.stderr)
    from soundalike.cli import library_cmds

    if report.folders and args.func is not library_cmds.cmd_scan:  # `scan` rescans anyway
        from soundalike.library.store import Store

        with Store(report.path) as store:
            scan = library_cmds.run_scan(store)
            counts = store.counts()
        print(f"soundalike: rescanned: {scan.files} audio files, {counts['pending']} to "
              f"analyse again (soundalike analyze), {counts['missing']} missing",
              file=sys.stderr)
