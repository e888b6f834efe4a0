"""Screenshots of the main views for the README: ``make screenshots``.

Builds (or reuses) a library database from the development corpus, opens the player
in a real X11 window (starting Xvfb when ``DISPLAY`` is unset) and saves
``docs/library.png``, ``docs/similar.png`` (with the explanations), ``docs/radio.png``,
``docs/albums.png``, ``docs/map.png`` (the laid-out map, one artist highlighted by its
search), ``docs/radio-feedback.png`` (the queue after two skips, each row saying why it
was chosen), ``docs/mood-dialog.png``, ``docs/mixes.png`` (the Mixes in the sidebar, one
playing as a radio), ``docs/similar-albums.png`` (albums like an album, with reasons),
``docs/sonic-order.png`` (the queue's Sonic order menu, the queue in flow order behind),
``docs/settings.png``, ``docs/settings-playback.png`` and ``docs/about.png``.

    python docs/screenshots.py [--corpus DIR] [--db FILE] [--out DIR] [--only NAME,…]

``make screenshots`` runs this, then ``docs/screenshots_drives.py`` on the same library.
``--only settings,about`` takes just those (names: library, similar, radio, albums, map,
radio-feedback, mood, mixes, similar-albums, sonic-order, settings, about).

The corpus is ``--corpus``, else ``$SOUNDALIKE_CORPUS``, else ``../corpus`` next to the
repository; its ``tracks.txt`` lists the music files (paths relative to the corpus).
The corpus (game soundtracks) has no cover art and is never written to, so the library
is a folder tree next to the database: one folder per corpus folder, holding links to
its music files and a ``cover.png`` this script paints; one folder holds copies of the
files with the picture embedded in their tags instead (so both ways covers are found
show up). The covers are read, thumbnailed and cached by the player as for any library.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZE = (1440, 900)


def corpus_dir(arg: str | None) -> Path:
    path = Path(arg or os.environ.get("SOUNDALIKE_CORPUS") or REPO.parent / "corpus")
    if not (path / "tracks.txt").is_file():
        sys.exit(f"screenshots: no corpus at {path} (tracks.txt missing); "
                 "pass --corpus DIR or set SOUNDALIKE_CORPUS")
    return path


def cover_png(seed: str, size: int = 600) -> bytes:
    """A made-up album cover (two-colour gradient with rings), as PNG bytes."""
    import colorsys
    import hashlib
    import struct
    import zlib

    import numpy as np

    h = hashlib.sha1(seed.encode()).digest()
    hue_a, hue_b = h[0] / 255, (h[0] / 255 + 0.25 + h[1] / 1020) % 1.0
    a = np.array(colorsys.hsv_to_rgb(hue_a, 0.65, 0.85))
    b = np.array(colorsys.hsv_to_rgb(hue_b, 0.75, 0.35))
    y, x = np.mgrid[0:size, 0:size] / size
    t = ((x + y) / 2)[..., None]
    img = a * (1 - t) + b * t
    cx, cy = 0.3 + h[2] / 400, 0.3 + h[3] / 400
    r = np.hypot(x - cx, y - cy)
    rings = (np.sin(r * (25 + h[4] % 20)) > 0.6)[..., None]
    img = np.where(rings, img * 0.75 + 0.25, img)
    pixels = (np.clip(img, 0, 1) * 255).astype(np.uint8)
    raw = b"".join(b"\0" + row.tobytes() for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2,
                                                                 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def music_tree(corpus: Path, root: Path) -> Path:
    """The screenshot library: ``root/music/<corpus folder>/`` with links to the corpus
    files and a painted ``cover.png``; the first folder gets copies with the picture
    embedded instead. Made once; returns the music folder."""
    import base64

    music = root / "music"
    done = music / ".complete"
    if done.exists():
        return music
    files = [corpus / line.strip() for line in (corpus / "tracks.txt").read_text().splitlines()
             if line.strip()]
    by_folder: dict[Path, list[Path]] = {}
    for f in files:
        if f.is_file():
            by_folder.setdefault(f.parent, []).append(f)
    embedded = min(by_folder, key=lambda d: sum(f.stat().st_size for f in by_folder[d]))
    for folder, members in sorted(by_folder.items()):
        rel = folder.relative_to(corpus).parts
        package = rel[1] if len(rel) > 1 else rel[0]
        name = package.removesuffix("-data").removesuffix("-music")
        if rel[-1] not in (package, "music"):
            name = f"{name} {rel[-1]}"
        target = music / name.replace("_", " ")
        target.mkdir(parents=True, exist_ok=True)
        png = cover_png(target.name)
        if folder != embedded:
            (target / "cover.png").write_bytes(png)
        for f in members:
            link = target / f.name
            if link.exists() or link.is_symlink():
                continue
            if folder != embedded:
                link.symlink_to(f)
                continue
            import mutagen
            from mutagen.flac import Picture

            shutil.copyfile(f, link)
            audio = mutagen.File(link)
            pic = Picture()
            pic.type, pic.mime, pic.data = 3, "image/png", png
            audio["metadata_block_picture"] = [base64.b64encode(pic.write()).decode("ascii")]
            audio.save()
    done.touch()
    return music


def build_library(corpus: Path, db: Path) -> None:
    """Lay out the music folder (:func:`music_tree`), scan it and analyse what is
    pending."""
    from soundalike.library.analysis.controller import AnalysisController
    from soundalike.library.analysis.machine import default_workers
    from soundalike.library.files.scanner import Scanner
    from soundalike.library.store import Store

    db.parent.mkdir(parents=True, exist_ok=True)
    music = music_tree(corpus, db.parent)
    with Store(db) as store:
        store.add_folder(music)
        report = Scanner(store).scan()
        pending = store.counts()["pending"]
    print(f"screenshots: library {db}: {report.added} new files, {pending} to analyse",
          file=sys.stderr)
    if pending:
        def progress(p) -> None:
            n = p.done + p.failed
            if n and (n % 20 == 0 or n == p.total):
                print(f"  analysed {n}/{p.total}", file=sys.stderr)

        AnalysisController(db, workers=default_workers(), on_progress=progress).run()


def ensure_display() -> subprocess.Popen | None:
    """Start Xvfb on a free display when there is no X server to draw on."""
    if os.environ.get("DISPLAY"):
        return None
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        sys.exit("screenshots: DISPLAY is not set and Xvfb is not installed "
                 "(apt-get install xvfb)")
    for n in range(99, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen([xvfb, f":{n}", "-screen", "0", f"{SIZE[0] + 80}x{SIZE[1] + 80}x24",
                             "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = f":{n}"
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return proc


def wait_until(app, condition, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def pause(app, seconds: float) -> None:
    wait_until(app, lambda: False, seconds)


def find_rows(window, *words: str) -> list[int]:
    """Rows of the table whose title or artist contain one of *words* (case-insensitive)."""
    m = window.model
    out = []
    for r in range(m.rowCount()):
        text = f"{m.data(m.index(r, 0))} {m.data(m.index(r, 1))}".lower()
        if any(w.lower() in text for w in words):
            out.append(r)
    return out


def select(window, rows: list[int]) -> None:
    sel = window.table.selectionModel()
    window.table.clearSelection()
    for r in rows:
        sel.select(window.model.index(r, 0), sel.SelectionFlag.Select | sel.SelectionFlag.Rows)
    if rows:
        window.table.scrollTo(window.model.index(rows[0], 0),
                              window.table.ScrollHint.PositionAtCenter)


SHOTS = ("library", "similar", "radio", "albums", "map", "radio-feedback", "mood", "mixes",
         "similar-albums", "sonic-order", "settings", "about")
#: the shots taken in the main window after the first (the rest are dialogs)
WINDOW_SHOTS = set(SHOTS) - {"library", "settings", "about"}
#: the album whose like-sounding albums are shown (docs/similar-albums.png)
ALBUM = "The Battle for Wesnoth OST"


def shoot(db: Path, out: Path, only: set[str] | None = None) -> list[Path]:
    from PySide6.QtCore import QSettings, Qt

    from soundalike.gui.app import make_app
    from soundalike.gui.main_window import MainWindow
    from soundalike.gui.mainwindow.actions import ActionName
    from soundalike.library.listening.session import session_path

    app = make_app()
    session_path(db).unlink(missing_ok=True)  # start from an empty queue every time
    ini = Path(tempfile.mkdtemp()) / "screenshots.ini"
    w = MainWindow(db, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    w.resize(*SIZE)
    w.move(40, 40)
    w.show()
    saved: list[Path] = []

    def wanted(key: str) -> bool:
        return only is None or key in only

    def save(widget, name: str, key: str | None = None) -> None:
        if not wanted(key or name.split(".")[0].split("-")[0]):
            return
        pause(app, 0.4)
        path = out / name
        widget.grab().save(str(path))
        saved.append(path)
        print(f"screenshots: wrote {path}", file=sys.stderr)

    if not wait_until(app, lambda: w.model.rowCount() > 0, 30):
        sys.exit("screenshots: the library is empty")
    w.main_split.setSizes([230, SIZE[0] - 230])

    def covers_known(paths) -> bool:
        return all(w.covers.cover(p) is not None for p in paths)

    # 1. library: browsing the sidebar, a track playing (its cover in the now-playing bar)
    w.sidebar.categories["artist"].setExpanded(True)
    wait_until(app, lambda: w.sidebar.categories["artist"].childCount() > 0, 10)
    start = (find_rows(w, "Dystopic") or [0])[0]
    w.play_from_table(start)
    w.queue_dock.setVisible(False)
    select(w, [start])
    wait_until(app, lambda: w.player.current is not None
               and covers_known([w.player.current.path]), 20)
    pause(app, 2.5)
    w.player.pause()
    save(w, "library.png")

    if only is not None and not only & WINDOW_SHOTS:
        return finish(app, w, only, save, saved)

    # 2. similar songs with explanations (an orchestral seed: the MTT words name its
    #    style and instruments, "both classical · strings …")
    w.queue_dock.setVisible(True)
    seed = (find_rows(w, "Breaking the Chains") or find_rows(w, "Mayhem") or [0])[0]
    select(w, [seed])
    w.similarity.find_similar(w.selected_ids())
    wait_until(app, lambda: w.similar_panel.model.rowCount() > 0, 60)
    w.center_split.setSizes([SIZE[1] // 2, SIZE[1] // 2])
    wait_until(app, lambda: covers_known([s.row.path for s in w.similar_panel.model.items]), 30)
    save(w, "similar.png")

    # 3. radio from two seeds
    seeds = find_rows(w, "Mayhem")[:2] or [0]
    select(w, seeds)
    w.similarity.start_radio(w.selected_ids())
    wait_until(app, lambda: w.queue.rowCount() >= 10, 60)
    pause(app, 2.0)
    w.player.pause()
    w.similar_panel.setVisible(False)
    w.registry[ActionName.SIMILAR_PANEL].setChecked(False)
    w.resizeDocks([w.queue_dock], [380], Qt.Orientation.Horizontal)
    save(w, "radio.png")

    # 4. the album grid (the first album with a cover chosen)
    w.registry[ActionName.ALBUMS].trigger()
    grid = w.album_grid
    wait_until(app, lambda: grid.model.rowCount() > 0, 30)
    wait_until(app, lambda: covers_known([a.path for a in grid.model.albums[:40]]), 60)
    pause(app, 0.3)
    with_cover = [i for i, a in enumerate(grid.model.albums) if w.covers.art_file(a.path)]
    if with_cover:
        grid.view.setCurrentIndex(grid.model.index(with_cover[min(2, len(with_cover) - 1)]))
    save(w, "albums.png")

    # 5. the library map (the full layout, cached in the database), one artist highlighted
    #    by the map's search and the first match stepped to with Enter
    w.tabs.setCurrentWidget(w.map)
    if not wait_until(app, lambda: w.map.data is not None and len(w.map.data.ids) > 0
                      and w.map.data.state == "cached" and not w.map.layout_running, 300):
        print("screenshots: the map layout did not finish; showing the preview",
              file=sys.stderr)
    w.map.search.setText("Eric Matyas")
    w.map.apply_search()
    w.map.step_match(1)
    save(w, "map.png")
    w.map.search.clear()
    w.tabs.setCurrentIndex(0)

    if wanted("radio-feedback") or wanted("mood"):
        radio_feedback(app, w, save)
    if only is None or only & {"mixes", "similar-albums", "sonic-order"}:
        discovery(app, w, save, wanted, out, saved)
    return finish(app, w, only, save, saved)


def radio_feedback(app, w, save) -> None:
    """6. The listening radio (issue 15): the queue after two skips, each row saying why
    it was chosen; the mood dialog."""
    from soundalike.gui.mood_dialog import MoodDialog

    ids = w.model.track_ids()
    w.similarity.start_radio([ids[min(40, len(ids) - 1)]])
    wait_until(app, lambda: w.similarity.radio_active and w.queue.rowCount() > 5, 60)
    w.player.set_volume(0)
    for _ in range(2):
        before = len(w.queue.reasons)
        pause(app, 1.0)
        w.player.next()     # a skip a second in
        wait_until(app, lambda b=before: len(w.queue.reasons) > b, 30)
    pause(app, 1.5)
    save(w, "radio-feedback.png", "radio-feedback")
    d = MoodDialog(w, "calm, ambient, instrumental")
    d.use_tempo.setChecked(True)
    d.tempo_low.setValue(60)
    d.tempo_high.setValue(110)
    d.use_energy.setChecked(True)
    d.energy.setValue(25)
    d.show()
    pause(app, 1.0)
    save(d, "mood-dialog.png", "mood")
    d.close()


def discovery(app, w, save, wanted, out: Path, saved: list[Path]) -> None:
    """7–9. Discovery (issue 24): the Mixes in the sidebar with one playing as a radio;
    albums like an album, with reasons; the queue's Sonic order menu."""
    from PySide6.QtCore import QPoint

    w.player.set_volume(0)
    if wanted("mixes"):
        sidebar_width = w.main_split.sizes()[0]
        w.main_split.setSizes([270, SIZE[0] - 270])   # the mixes' names in full
        mixes = w.sidebar.categories["mix"]
        mixes.setExpanded(True)
        if not wait_until(app, lambda: bool(w.sidebar.mix_names()), 180):
            sys.exit("screenshots: the mixes were not made")
        w.sidebar.scrollToItem(mixes.child(mixes.childCount() - 1))
        pick = mixes.child(min(1, mixes.childCount() - 1))
        w.sidebar.setCurrentItem(pick)
        w.sidebar._double_clicked(pick)
        wait_until(app, lambda: w.queue_panel.radio_label.text().startswith("Mix:")
                   and w.queue.rowCount() > 8, 60)
        pause(app, 1.5)
        save(w, "mixes.png", "mixes")
        w.main_split.setSizes([sidebar_width, SIZE[0] - sidebar_width])
    if wanted("similar-albums"):
        w.discovery.similar_groups("album", source_kind="album", name=ALBUM)
        dialog = w.discovery.groups_dialog()
        if not wait_until(app, lambda: dialog.isVisible() and bool(dialog.results()), 60):
            sys.exit(f"screenshots: no albums like {ALBUM!r}")
        dialog.resize(820, 460)
        pause(app, 1.0)
        save(dialog, "similar-albums.png", "similar-albums")
        dialog.close()
    if wanted("sonic-order"):
        if w.queue.rowCount() < 8:
            w.similarity.start_radio(w.model.track_ids()[:1])
            wait_until(app, lambda: w.queue.rowCount() > 8, 60)
        # the queue in flow order, its menu open with Sonic order's submenu (menus are
        # windows of their own: the screen is grabbed where the main window is)
        before = w.queue.ids()
        w.discovery.order_queue("flow")
        wait_until(app, lambda: w.queue.ids() != before, 60)
        view = w.queue_panel.view
        rect = view.visualRect(w.queue.index(3))
        menu = w.queue_panel.context_menu(3)
        # near the row's left end, the submenu to the menu's left: both inside the window
        menu.popup(view.viewport().mapToGlobal(QPoint(rect.left() + 40, rect.center().y())))
        pause(app, 0.5)
        sonic = next(a for a in menu.actions() if a.menu() is not None)
        menu.setActiveAction(sonic)
        sub = sonic.menu()
        sub.popup(menu.mapToGlobal(QPoint(4 - sub.sizeHint().width(),
                                          menu.actionGeometry(sonic).top())))
        pause(app, 1.0)
        top_left = w.mapToGlobal(QPoint(0, 0))
        path = out / "sonic-order.png"
        app.primaryScreen().grabWindow(0, top_left.x(), top_left.y(), w.width(),
                                       w.height()).save(str(path))
        saved.append(path)
        print(f"screenshots: wrote {path}", file=sys.stderr)
        sub.close()
        menu.close()


def finish(app, w, only, save, saved: list[Path]) -> list[Path]:
    """The dialogs: settings (Library and Playback tabs) and About."""
    # 6. settings
    dialog = w.open_settings()
    pause(app, 0.5)
    save(dialog, "settings.png")
    dialog.tabs.setCurrentIndex(1)
    save(dialog, "settings-playback.png")
    dialog.reject()

    # 7. About
    about = w.show_about()
    pause(app, 0.5)
    save(about, "about.png")
    about.reject()

    w.close()
    w.tasks.wait_idle(5000)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="development corpus folder (with tracks.txt)")
    parser.add_argument("--db", default=str(REPO / ".cache" / "screenshots" / "library.db"),
                        help="library database to build or reuse")
    parser.add_argument("--out", default=str(REPO / "docs"), help="where to write the PNGs")
    parser.add_argument("--only", help="comma-separated shots to take (default: all): "
                        + ", ".join(SHOTS))
    parser.add_argument("--build-only", action="store_true",
                        help="build the library database and stop")
    args = parser.parse_args(argv)
    db = Path(args.db)
    # the covers' thumbnails go next to the screenshot library, not the user's cache
    os.environ.setdefault("SOUNDALIKE_CACHE_DIR", str(db.parent / "cache"))
    build_library(corpus_dir(args.corpus), db)
    if args.build_only:
        return 0
    only = {n.strip() for n in args.only.split(",") if n.strip()} if args.only else None
    if only is not None and only - set(SHOTS):
        sys.exit(f"screenshots: unknown shot(s) {sorted(only - set(SHOTS))}; "
                 f"choose from {', '.join(SHOTS)}")
    with_display(lambda: shoot(db, Path(args.out), only))
    return 0


def with_display(fn):
    """``fn()`` with an X display (Xvfb started, and stopped after, when there is none)."""
    xvfb = ensure_display()
    try:
        return fn()
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)


if __name__ == "__main__":
    sys.exit(main())
