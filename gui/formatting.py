"""Small text helpers shared by the widgets."""

from __future__ import annotations

import math


def format_time(seconds: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a duration in seconds; ``–:––`` when unknown."""
    if seconds is None or math.isnan(seconds) or seconds < 0:
        return "–:––"
    total = int(seconds + 0.5)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_eta(seconds: float | None) -> str:
    """A rough remaining time: ``about 3 min``, ``under a minute``."""
    if seconds is None:
        return "estimating…"
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} min"
    return f"about {minutes / 60:.1f} h"
