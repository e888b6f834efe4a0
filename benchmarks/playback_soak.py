"""Playback soak: does a long radio session leak memory or references, or freeze?

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/playback_soak.py \
        --db .cache/screenshots/library.db [--minutes 4]

Opens the main window on a copy of an analysed library (``make screenshots`` leaves
one of the development corpus in .cache/screenshots/), starts a radio and then, every
0.5 s, skips to the next track (a seek first, one time in three) and, one time in
ten, asks for songs similar to a random track. Every 20 s it prints the resident
memory, the references held to ``None`` (PySide6 6.12.0 dropped one per call on
Python 3.11 until the interpreter aborted) and the longest gap between 10 ms UI-thread
heartbeats. Each figure is compared with its value 20 s into the same run (the
baseline: window built, model loaded, first tracks played).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="an analysed library database (copied)")
    ap.add_argument("--minutes", type=float, default=4.0)
    args = ap.parse_args(argv)

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from soundalike.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    shutil.copy(args.db, tmp / "library.db")
    w = MainWindow(tmp / "library.db", analysis_workers=1,
                   settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    w.show()
    rng = random.Random(1)
    counts = {"tracks": 0, "similar": 0}
    rows: list[tuple[float, float, int, float]] = []
    beat = {"last": time.monotonic(), "gap": 0.0}
    t0 = time.monotonic()

    def heartbeat() -> None:
        now = time.monotonic()
        beat["gap"] = max(beat["gap"], now - beat["last"])
        beat["last"] = now

    def tick() -> None:
        if w.player.current is None:
            return
        if rng.random() < 1 / 3:
            w.player.seek(rng.randint(0, 20000))
        w.player.next()
        counts["tracks"] += 1
        if rng.random() < 0.1:
            w.similarity.find_similar([rng.choice(w.model.track_ids())])
            counts["similar"] += 1

    def report() -> None:
        row = (time.monotonic() - t0, rss_mb(), sys.getrefcount(None), beat["gap"] * 1000)
        beat["gap"] = 0.0
        rows.append(row)
        base = rows[0]
        print(f"{row[0]:5.0f} s  RSS {row[1]:6.1f} MB (×{row[1] / base[1]:.3f})  "
              f"None refs {row[2]} ({row[2] - base[2]:+d})  longest UI gap {row[3]:5.1f} ms  "
              f"tracks {counts['tracks']}  similar lists {counts['similar']}", flush=True)

    timers = []
    for ms, fn in ((10, heartbeat), (500, tick), (20000, report)):
        timer = QTimer()
        timer.timeout.connect(fn)
        timer.start(ms)
        timers.append(timer)
    QTimer.singleShot(3000, lambda: w.similarity.start_radio(w.model.track_ids()[:1]))
    QTimer.singleShot(int(args.minutes * 60000), app.quit)
    app.exec()
    t = time.monotonic()
    w.close()
    print(f"closed in {(time.monotonic() - t) * 1000:.1f} ms after {counts['tracks']} tracks")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
