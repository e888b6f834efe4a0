"""``soundalike radio --interactive``: steer a radio from the terminal with single keys.

The screen shows the track now "on" and the next few; keys (no Enter needed):
``s`` skip it, ``m`` more like this, ``l`` less like this, Enter/``n``/space: heard it
through, next; ``q`` (or Ctrl+D) quit. After each key the upcoming tracks are drawn
again at once, each with why it was chosen. The seconds a track was on the screen are
what the radio hears as "played for" / "skipped at". The terminal is put back as it was
on the way out (also on Ctrl+C).
"""

from __future__ import annotations

import os
import sys
import termios
import time
import tty

UPCOMING = 4
HELP = "keys: s skip · m more like this · l less like this · Enter next · q quit"


def _label(track) -> str:
    from soundalike.library.model.track import printable
    from soundalike.library.recommend.results import track_label

    return printable(track_label(track))


def _read_key(fd: int) -> str:
    b = os.read(fd, 1)
    return b.decode("utf-8", "replace") if b else "\x04"


def run_interactive(radio, *, stdin=None, out=None) -> list:
    """Run the key loop until ``q``; returns the tracks that were on, in order."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    played: list = []

    def say(text: str = "") -> None:
        out.write(text.replace("\n", "\r\n") + "\r\n")
        out.flush()

    try:
        tty.setcbreak(fd)
        queue = radio.next_with_reasons(1 + UPCOMING)
        say(HELP)
        new = True
        started = time.monotonic()
        while queue:
            current, why = queue[0]
            if new:
                played.append(current)
                started = time.monotonic()
                say(f"\n▶ {_label(current)}" + (f"   ({why})" if why else ""))
            for t, reason in queue[1:]:
                say(f"  next: {_label(t)}" + (f"   — {reason}" if reason else ""))
            key = ""
            while key not in ("s", "m", "l", "n", " ", "\r", "\n", "q", "\x04", "\x03"):
                key = _read_key(fd).lower()
            seconds = time.monotonic() - started
            new = True
            if key in ("q", "\x04", "\x03"):
                radio.played(current.id, seconds)
                say("bye")
                break
            if key == "s":
                radio.skipped(current.id, seconds)
                say(f"skipped {_label(current)} after {seconds:.0f} s")
                queue = radio.next_with_reasons(1 + UPCOMING)   # refill at once
            elif key == "l":
                radio.less_like(current.id)
                say(f"less like {_label(current)}: skipped")
                queue = radio.next_with_reasons(1 + UPCOMING)
            elif key == "m":   # the track plays on; what follows is drawn again
                radio.more_like(current.id)
                say(f"more like {_label(current)}")
                queue = [queue[0]] + radio.next_with_reasons(UPCOMING)
                new = False
            else:
                radio.played(current.id, float("inf"))
                queue = queue[1:] + radio.next_with_reasons(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return played
