"""The real desktop window (offscreen), saving playlists as fast as its event loop turns.

    python gui_saver.py DB INI PREFIX [--background] [--pause SECONDS]

Opens :class:`~soundalike.gui.main_window.MainWindow` on the library at DB and, from a
timer on the GUI thread, saves playlists through the window's own path
(``save_tracks_as_playlist``, as the "Save playlist" action does): mostly new ones named
``PREFIX NNNN``, one time in four new contents for a playlist saved before (``--burst N``:
N saves back to back per turn of the event loop). Before each
save it prints ``saving NAME [ids]``, after it returns (committed) ``saved NAME``; a test
that kills this process may then hold it to every playlist it saw reported saved.
``--background`` also starts the scan, the folder watcher and the analysis, as the app does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("ini")
    ap.add_argument("prefix")
    ap.add_argument("--background", action="store_true")
    ap.add_argument("--pause", type=float, default=0.0, help="seconds between saves")
    ap.add_argument("--burst", type=int, default=1, help="saves per turn of the event loop")
    args = ap.parse_args(argv)

    from PySide6.QtCore import QSettings, QTimer

    from soundalike.gui.app import make_app
    from soundalike.gui.main_window import MainWindow
    from soundalike.gui.tasks import Tasks

    app = make_app()
    window = MainWindow(args.db, settings=QSettings(args.ini, QSettings.Format.IniFormat),
                        tasks=Tasks(app), analysis_workers=1)
    window.show()
    if args.background:
        window.start_background()
    rng = random.Random(os.getpid())
    ids = [t.id for t in window.store.tracks(order_by="id")]
    names = [p.name for p in window.store.playlists()]
    count = 0

    def save_burst() -> None:
        for _ in range(args.burst):
            save()

    def save() -> None:
        nonlocal count
        current = [t.id for t in window.store.tracks(order_by="id")] or ids
        if names and rng.random() < 0.25:
            name = rng.choice(names)
        else:
            name = f"{args.prefix} {count:04d}"
            count += 1
        chosen = rng.sample(current, rng.randint(1, min(len(current), 12)))
        print(f"saving {name}\t{json.dumps(chosen)}", flush=True)
        if window.save_tracks_as_playlist(chosen, name) is not None:
            print(f"saved {name}", flush=True)
            if name not in names:
                names.append(name)

    timer = QTimer()
    timer.timeout.connect(save_burst)
    timer.start(int(args.pause * 1000))
    print("ready", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
