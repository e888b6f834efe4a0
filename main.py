"""Entry point: no subcommand opens the player; a subcommand runs the command line.

``soundalike``                  → the desktop player
``soundalike --db FILE``        → the desktop player on another library database
``soundalike scan ~/Music``     → the command line (see ``soundalike --help``)
"""

from __future__ import annotations

import os
import sys


def _no_display() -> bool:
    """True on Linux/BSD when Qt has nowhere to open a window (it would abort with a core dump)."""
    if sys.platform in ("win32", "darwin"):
        return False
    return not any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY",
                                                     "QT_QPA_PLATFORM"))


def _gui_db(args: list[str]) -> tuple[bool, str | None]:
    """Return (is_gui, db) when *args* hold nothing but an optional ``--db PATH``."""
    if not args:
        return True, None
    if len(args) == 2 and args[0] == "--db":
        return True, args[1]
    if len(args) == 1 and args[0].startswith("--db="):
        return True, args[0].split("=", 1)[1]
    return False, None


def gui_main(db: str | None = None) -> int:
    """Open the desktop player."""
    if _no_display():
        print("soundalike: no display here (DISPLAY and WAYLAND_DISPLAY are not set), so the "
              "player cannot open; the command line works without one: soundalike --help",
              file=sys.stderr)
        return 1
    try:
        from soundalike.gui.app import run
    except ImportError as exc:  # e.g. Qt's system libraries are missing
        print(f"soundalike: the desktop player cannot start ({exc}).\n"
              "The command line still works: soundalike --help", file=sys.stderr)
        return 1
    return run(db=db)


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the GUI or the CLI."""
    args = sys.argv[1:] if argv is None else list(argv)
    is_gui, db = _gui_db(args)
    if is_gui:
        return gui_main(db)
    from soundalike.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
