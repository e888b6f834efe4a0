"""A small progress bar for long CLI work, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import sys
import time
from typing import Self, TextIO


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class ProgressBar:
    """``with ProgressBar(total, "Scanning") as bar: bar.update(done, note)``.

    Shows done/total, a bar, the rate in items/s and an ETA. When stderr is not a
    terminal (pipes, CI, ``--json``) it stays silent unless ``force`` is set.
    """

    def __init__(self, total: int | None, label: str, *, unit: str = "files",
                 stream: TextIO | None = None, force: bool = False, enabled: bool = True):
        self.total = total
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = enabled and (force or self.stream.isatty())
        self.start = time.monotonic()
        self._last_draw = 0.0
        self.done = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def set_total(self, total: int | None) -> None:
        self.total = total

    def update(self, done: int, note: str = "") -> None:
        self.done = done
        now = time.monotonic()
        if not self.enabled or (now - self._last_draw < 0.1 and done != self.total):
            return
        self._last_draw = now
        self.stream.write("\r\x1b[K" + self.render(note))
        self.stream.flush()

    def render(self, note: str = "") -> str:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        rate = self.done / elapsed
        if self.total:
            frac = min(1.0, self.done / self.total)
            bar = "█" * int(frac * 24) + "░" * (24 - int(frac * 24))
            eta = (self.total - self.done) / rate if rate > 0 else 0
            text = (f"{self.label} {bar} {self.done}/{self.total} {self.unit} "
                    f"{rate:.1f}/s ETA {format_duration(eta)}")
        else:
            text = f"{self.label} {self.done} {self.unit} {rate:.1f}/s"
        if note:
            width = 100 - len(text)
            text += "  " + (note if len(note) <= width else "…" + note[-max(width - 1, 0):])
        return text

    def message(self, text: str) -> None:
        """Print *text* on a line of its own, terminal or not (the bar redraws below it)."""
        prefix = "\r\x1b[K" if self.enabled else ""
        self.stream.write(f"{prefix}{text}\n")
        self.stream.flush()
        self._last_draw = 0.0

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K" + self.render() + "\n")
            self.stream.flush()
            self.enabled = False
