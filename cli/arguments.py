"""Argument types shared by the subcommands: plain-words messages, exit code 2 on misuse."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def db_path(args: argparse.Namespace) -> str:
    """The database path chosen by ``--db``, else ``$SOUNDALIKE_DB``, else the default."""
    from soundalike.library.store import default_db_path

    return str(getattr(args, "db", None) or default_db_path())


def whole_number(minimum: int = 0, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` accepting whole numbers in ``[minimum, maximum]``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                "must be 0 or more" if minimum == 0 else f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}")
        return value

    return parse


def fraction(text: str) -> float:
    """A number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value
