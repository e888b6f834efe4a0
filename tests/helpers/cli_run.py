"""Run the CLI in process and capture what it prints::

    from cli_run import run
    code, out, err = run(capsys, "--db", db, "status", "--json")
"""

from __future__ import annotations

from soundalike.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``soundalike *argv``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
