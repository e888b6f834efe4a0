"""Screenshot of a music folder that is away (issue 21): ``docs/folder-away.png`` — the
banner naming the unplugged folder and its hidden songs, the library without them and the
queue keeping them greyed.

    python docs/screenshots_drives.py --db LIBRARY.db [--out docs]

*LIBRARY.db* is the screenshot library of ``docs/screenshots.py`` (``--build-only``
makes it; use that one or a copy: this adds one of its sub-folders as a music folder of
its own, the "drive"). The drive is unplugged by renaming that folder of links away while
the player runs — the real folder watcher notices — and plugged in again (renamed back)
before the script ends. Starts Xvfb when ``DISPLAY`` is unset.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import SIZE, pause, wait_until, with_display  # noqa: E402


def drive_folder(db: Path) -> Path:
    """The sub-folder of the screenshot library with the most songs (the "drive"), added
    as a music folder of its own."""
    from soundalike.library.files.scanner import Scanner
    from soundalike.library.store import Store

    with Store(db) as store:
        [music] = [Path(f.path) for f in store.folders() if Path(f.path).name == "music"] \
            or [Path(store.folders()[0].path)]
        subs = [d for d in music.iterdir() if d.is_dir() and not d.name.startswith(".")]
        drive = max(subs, key=lambda d: sum(1 for _ in d.iterdir()))
        store.add_folder(drive)
        Scanner(store).scan()
    return drive


def shoot(db: Path, out: Path) -> Path:
    from PySide6.QtCore import QSettings

    from soundalike.gui.app import make_app
    from soundalike.gui.main_window import MainWindow
    from soundalike.library.listening.session import session_path

    drive = drive_folder(db)
    away = drive.parent.parent / (drive.name + ".unplugged")  # out of the music tree
    app = make_app()
    session_path(db).unlink(missing_ok=True)
    ini = Path(tempfile.mkdtemp()) / "screenshots.ini"
    w = MainWindow(db, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    w.resize(*SIZE)
    w.move(40, 40)
    w.show()
    try:
        wait_until(app, lambda: w.model.rowCount() > 0, 30)
        w.main_split.setSizes([230, SIZE[0] - 230])
        ids = w.model.track_ids()
        rows = w.resolve_rows(ids)
        on_drive = [r for r in rows if r.path.startswith(str(drive) + os.sep)]
        others = [r for r in rows if not r.path.startswith(str(drive) + os.sep)]
        queue = others[:4] + on_drive[:4] + others[4:8]
        w.queue.replace(queue)
        w.queue.set_current(1)
        w.watcher_options = {"check_seconds": 0.5}
        w.start_background(scan=False, analyse=False)
        wait_until(app, lambda: w.watcher is not None and str(drive) in w.watcher.watched, 15)
        os.rename(drive, away)                       # the drive is unplugged
        if not wait_until(app, lambda: w.folder_banner.isVisible(), 20):
            sys.exit("screenshots: the banner did not appear")
        wait_until(app, lambda: w.model.rowCount() == len(ids) - len(on_drive), 20)
        pause(app, 1.0)
        path = out / "folder-away.png"
        w.grab().save(str(path))
        print(f"screenshots: wrote {path}", file=sys.stderr)
        os.rename(away, drive)                       # … and plugged in again
        away = None
        if not wait_until(app, lambda: not w.folder_banner.isVisible()
                          and w.model.rowCount() == len(ids), 30):
            sys.exit("screenshots: the songs did not come back")
        return path
    finally:
        if away is not None and away.exists():
            os.rename(away, drive)
        w.close()
        w.tasks.wait_idle(5000)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="the screenshot library (or a copy)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    args = ap.parse_args(argv)
    # the covers' thumbnails go next to the screenshot library, not the user's cache
    os.environ.setdefault("SOUNDALIKE_CACHE_DIR", str(Path(args.db).parent / "cache"))
    with_display(lambda: shoot(Path(args.db), Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
