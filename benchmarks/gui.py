"""GUI responsiveness: first paint with 100,000 tracks, search-as-you-type latency, and
the longest UI-thread stall while the analysis runs.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui.py [--tracks 100000]

Each figure is printed with a baseline measured in the same run:

* first paint of the 100,000-track library vs. first paint of a 1,000-track one;
* search latency (text set → rows on screen, the 120 ms typing debounce excluded) vs. the
  bare SQLite query of the same view on a fresh connection;
* longest gap between 10 ms QTimer heartbeats on the UI thread while the analysis runs
  vs. the same window idle for the same time;
* (issue 17) first paint of the 100,000-track library with a saved session to restore
  (a 500-track queue of real files, the current track at 12 s) vs. the same library
  without one; the album grid (every album of the library) shown, and the longest UI
  stall while the covers of its first albums are read, thumbnailed and shown (real
  folder images) vs. the same window idle.

Targets (issue 6): first paint < 1 s, search < 50 ms, stall < 50 ms; issue 17 keeps
them with the session and covers (first paint with a session < 1 s, album grid shown
< 1 s, stall while covers load < 50 ms).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "helpers"))


def make_db(path: Path, n: int) -> None:
    from soundalike.library.model.track import Track
    from soundalike.library.store import Store

    genres = ("Rock", "Jazz", "Ambient", "Electronic", "Folk", "Classical", "Metal")
    with Store(path) as store:
        fid = store.add_folder(path.parent / "music")
        batch = []
        for i in range(n):
            batch.append(Track(
                path=str(path.parent / "music" / f"artist{i % 2000:04d}" / f"{i:06d}.flac"),
                folder_id=fid, title=f"Song number {i} of the day", artist=f"Artist {i % 2000}",
                album=f"Album {i % 9000}", genre=genres[i % len(genres)], year=1960 + i % 60,
                tracknumber=i % 12 + 1, duration=120 + i % 300,
                status=("analysed", "pending")[i % 2]))
            if len(batch) == 10000:
                store.add_tracks(batch)
                batch = []
        if batch:
            store.add_tracks(batch)


class PaintWatch:
    """Records when the table's viewport first paints rows."""

    def __init__(self, window):
        from PySide6.QtCore import QEvent, QObject

        self.t = None
        watch = self

        class Filter(QObject):
            def eventFilter(self, obj, event):
                if (event.type() == QEvent.Type.Paint and watch.t is None
                        and window.model.rowCount() > 0):
                    watch.t = time.perf_counter()
                return False

        self.filter = Filter()
        window.table.viewport().installEventFilter(self.filter)


def wait_until(app, cond, timeout=60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.001)
    return False


def _open_and_paint(app, db: Path, ini: Path):
    """A new main window on *db*: ``(window, t0, seconds until the table painted rows)``."""
    from PySide6.QtCore import QSettings

    from soundalike.gui.main_window import MainWindow

    t0 = time.perf_counter()
    w = MainWindow(db, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    watch = PaintWatch(w)
    w.resize(1280, 800)
    w.show()
    if not wait_until(app, lambda: watch.t is not None, 60):
        raise SystemExit("the table never painted")
    return w, t0, watch.t - t0


def first_paint(app, db: Path, ini: Path) -> float:
    w, _, elapsed = _open_and_paint(app, db, ini)
    w.close()
    return elapsed


def search_latency(app, db: Path, ini: Path, words: list[str]) -> tuple[list[float], list[float]]:
    """(GUI latencies, bare query times) in seconds, one per typed prefix."""
    from PySide6.QtCore import QSettings

    from soundalike.gui.main_window import MainWindow
    from soundalike.library.model.views import Browse
    from soundalike.library.store import Store

    w = MainWindow(db, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    w.resize(1280, 800)
    w.show()
    wait_until(app, lambda: w.model.rowCount() > 0 and w.model.search_ready())
    gui, bare = [], []
    store = Store(db, read_only=True)
    loaded: list[float] = []
    w.model.loaded.connect(lambda n, s: loaded.append(time.perf_counter()))
    for text in words:
        loaded.clear()
        t0 = time.perf_counter()
        w.model.set_text(text)  # what the debounce timer calls
        wait_until(app, lambda: bool(loaded))
        w.table.viewport().repaint()  # the rows on screen
        gui.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        store.view_ids(Browse(text=text))
        bare.append(time.perf_counter() - t1)
    store.close()
    w.close()
    return gui, bare


def heartbeat_stall(app, window, seconds: float, *, until=None) -> tuple[float, int]:
    """Longest gap (s) between 10 ms timer ticks over *seconds* (or until *until()*)."""
    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    end = time.monotonic() + seconds
    loop_until = until or (lambda: False)
    while time.monotonic() < end and not loop_until():
        app.processEvents()
        time.sleep(0.002)
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    return (max(gaps) if gaps else float("inf")), len(ticks)


def analysis_stall(app, root: Path, n_files: int) -> dict:
    from audiofiles import click_track, noise, tone, write_audio
    from PySide6.QtCore import QSettings

    from soundalike.gui.main_window import MainWindow
    from soundalike.library.files.scanner import Scanner
    from soundalike.library.store import Store

    music = root / "analysis-music"
    music.mkdir()
    sr = 22050
    makers = (lambda i: tone([110 + 7 * i, 220 + 5 * i], 30, sr), lambda i: noise(30, sr, seed=i),
              lambda i: click_track(90 + 5 * i, 30, sr))
    for i in range(n_files):
        write_audio(music / f"{i:03d}.flac", makers[i % 3](i), sr)
    db = root / "analysis.db"
    with Store(db) as store:
        store.add_folder(music)
        Scanner(store).scan()
    w = MainWindow(db, settings=QSettings(str(root / "a.ini"), QSettings.Format.IniFormat))
    w.resize(1280, 800)
    w.show()
    wait_until(app, lambda: w.model.rowCount() == n_files)
    progress = []
    w.analysis.progress.connect(progress.append)
    t0 = time.perf_counter()
    w.start_background(scan=False, watch=False)
    busy, ticks = heartbeat_stall(app, w, 600,
                                  until=lambda: bool(progress) and progress[-1].done
                                  + progress[-1].failed >= n_files)
    busy_s = time.perf_counter() - t0
    idle, _ = heartbeat_stall(app, w, min(busy_s, 20))
    t1 = time.perf_counter()
    w.close()
    quit_s = time.perf_counter() - t1
    return {"busy": busy, "idle": idle, "seconds": busy_s, "files": n_files,
            "ticks": ticks, "quit": quit_s}


def add_session_and_covers(db: Path, root: Path, n_queue: int = 500,
                           n_covers: int = 120) -> None:
    """Real files for the first *n_queue* tracks of the queue and the first *n_covers*
    albums (links to one FLAC), a cover.png in their folders, and a saved session."""
    import struct
    import zlib

    from audiofiles import tone, write_audio

    from soundalike.library.browse import LibraryReader
    from soundalike.library.listening.session import Session, save_session, session_path
    from soundalike.library.model.views import Browse

    real = write_audio(root / "real.flac", tone([220, 330], 30, 22050), 22050)

    def png(w: int, h: int) -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

        rows = b"".join(b"\0" + bytes((y % 256, 90, 160)) * w for y in range(h))
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

    reader = LibraryReader(db)
    try:
        albums = reader.albums()[:n_covers]
        ids = reader.ids(Browse())
        queue_rows = reader.rows(ids[:n_queue])
    finally:
        reader.close()
    cover = png(1000, 1000)
    paths = [queue_rows[i].path for i in ids[:n_queue]] + [a.path for a in albums]
    for path in paths:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        if not p.exists():
            p.symlink_to(real)
        if not (p.parent / "cover.png").exists():
            (p.parent / "cover.png").write_bytes(cover)
    save_session(session_path(db), Session(
        queue=[(i, queue_rows[i].path) for i in ids[:n_queue]], current=10,
        position_ms=12000, playing=True))


def first_paint_with_session(app, db: Path, ini: Path) -> tuple[float, float]:
    """First paint as :func:`first_paint`, the saved session restored too."""
    w, t0, elapsed = _open_and_paint(app, db, ini)
    if not wait_until(app, lambda: w.queue.rowCount() > 0, 30):
        raise SystemExit("the session was not restored")
    restored = time.perf_counter() - t0
    w.close()
    return elapsed, restored


def album_grid(app, db: Path, ini: Path, n_covers: int) -> dict:
    """Album grid shown (list loaded, painted) and the UI stall while its covers load."""
    from PySide6.QtCore import QEvent, QObject, QSettings

    from soundalike.gui.main_window import MainWindow
    from soundalike.gui.mainwindow.actions import ActionName

    w = MainWindow(db, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    w.resize(1280, 800)
    w.show()
    wait_until(app, lambda: w.model.rowCount() > 0 and w.model.search_ready()
               and w.session.ready)
    idle, _ = heartbeat_stall(app, w, 3.0)
    painted: list[float] = []

    class Filter(QObject):
        def eventFilter(self, obj, event):
            if (event.type() == QEvent.Type.Paint and not painted
                    and w.album_grid.model.rowCount() > 0):
                painted.append(time.perf_counter())
            return False

    f = Filter()
    w.album_grid.view.viewport().installEventFilter(f)
    t0 = time.perf_counter()
    w.registry[ActionName.ALBUMS].trigger()
    wait_until(app, lambda: bool(painted), 60)
    shown = painted[0] - t0
    albums = w.album_grid.model.albums
    first = [a.path for a in albums[:n_covers]]
    t1 = time.perf_counter()
    # scroll through the first albums so each asks for its cover while the clock runs
    busy, ticks = heartbeat_stall(
        app, w, 120, until=lambda: all(w.covers.cover(p) is not None for p in first))
    covers_s = time.perf_counter() - t1
    found = sum(1 for p in first if w.covers.art_file(p))
    w.close()
    return {"albums": len(albums), "shown": shown, "busy": busy, "idle": idle,
            "covers": len(first), "found": found, "seconds": covers_s}


def main() -> int:
    parser = argparse.ArgumentParser(description="GUI responsiveness benchmark")
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--analysis-files", type=int, default=12)
    parser.add_argument("--covers", type=int, default=120,
                        help="albums whose covers the album grid benchmark loads")
    args = parser.parse_args()

    from soundalike.gui.app import make_app

    app = make_app()
    root = Path(tempfile.mkdtemp(prefix="soundalike-gui-bench-"))
    big, small = root / "big.db", root / "small.db"
    t = time.perf_counter()
    make_db(big, args.tracks)
    make_db(small, 1000)
    print(f"(built test databases in {time.perf_counter() - t:.1f} s)", file=sys.stderr)
    ini = root / "bench.ini"
    # a cover cache of this run only (not the user's)
    os.environ["SOUNDALIKE_CACHE_DIR"] = str(root / "cache")

    first_paint(app, small, ini)  # warm-up (imports, fonts)
    base = statistics.median(first_paint(app, small, ini) for _ in range(3))
    fp = statistics.median(first_paint(app, big, ini) for _ in range(3))
    print(f"first paint, {args.tracks:,} tracks: {fp * 1000:.0f} ms (target < 1000 ms); "
          f"1,000 tracks: {base * 1000:.0f} ms; ratio {fp / base:.2f}")

    typed = "song number 4"
    prefixes = [typed[:i] for i in range(1, len(typed) + 1)] + ["artist 17", "jazz", "zzz"]
    gui, bare = search_latency(app, big, ini, prefixes)
    print(f"search as you type, {args.tracks:,} tracks, {len(gui)} queries: median "
          f"{statistics.median(gui) * 1000:.1f} ms, max {max(gui) * 1000:.1f} ms "
          f"(target < 50 ms); bare SQL median {statistics.median(bare) * 1000:.1f} ms; "
          f"ratio {statistics.median(gui) / statistics.median(bare):.2f}")
    for text, g, b in zip(prefixes, gui, bare, strict=False):
        print(f"    {text!r:18} gui {g * 1000:6.1f} ms   sql {b * 1000:6.1f} ms", file=sys.stderr)

    # issue 17: a saved session to restore, and the album grid with covers
    add_session_and_covers(big, root, n_covers=args.covers)
    from soundalike.library.listening.session import session_path

    saved = session_path(big).read_text()
    with_session, without = [], []
    for _ in range(3):  # interleaved, so both see the same machine
        session_path(big).unlink()
        without.append(first_paint(app, big, ini))
        session_path(big).write_text(saved)
        with_session.append(first_paint_with_session(app, big, ini))
    session_path(big).write_text(saved)
    fs = statistics.median(t for t, _ in with_session)
    rs = statistics.median(r for _, r in with_session)
    fw = statistics.median(without)
    print(f"first paint, {args.tracks:,} tracks, saved 500-track session: {fs * 1000:.0f} ms "
          f"(target < 1000 ms; queue restored at {rs * 1000:.0f} ms); without a session "
          f"(interleaved): {fw * 1000:.0f} ms; ratio {fs / fw:.2f}")
    g = album_grid(app, big, ini, args.covers)
    print(f"album grid, {g['albums']:,} albums: shown in {g['shown'] * 1000:.0f} ms "
          f"(target < 1000 ms); {g['covers']} covers ({g['found']} found, from 1000x1000 PNGs) "
          f"loaded in {g['seconds']:.1f} s with the longest UI stall {g['busy'] * 1000:.1f} ms "
          f"(target < 50 ms); idle window: {g['idle'] * 1000:.1f} ms; "
          f"ratio {g['busy'] / g['idle']:.2f}")

    r = analysis_stall(app, root, args.analysis_files)
    print(f"longest UI stall while analysing {r['files']} files ({r['seconds']:.1f} s): "
          f"{r['busy'] * 1000:.1f} ms (target < 50 ms); idle window: "
          f"{r['idle'] * 1000:.1f} ms; ratio {r['busy'] / r['idle']:.2f}; "
          f"quit after analysis {r['quit'] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
