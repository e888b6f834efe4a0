"""Cover art in the player: real pictures embedded with mutagen and real folder images,
thumbnailed with Qt into a real on-disk cache, shown in the now-playing bar, the similar
panel and the album grid, and published over MPRIS."""

from __future__ import annotations

import os

import pytest
from artfiles import embed_picture, huge_png, png_bytes
from gui_fixtures import SR, tone, write_song
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage

from soundalike.gui.covers import CoverLoader, make_thumbnail
from soundalike.gui.library_query import Row
from soundalike.gui.mainwindow.actions import ActionName
from soundalike.gui.mpris import metadata
from soundalike.gui.similar_panel import SimilarPanel, Suggestion
from soundalike.gui.tasks import Tasks
from soundalike.library.files.covers import THUMB_SIZE, CoverCache
from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store

RED, BLUE, GREEN = (220, 30, 30), (30, 40, 220), (30, 200, 60)


def row_for(path, i=1, title="T") -> Row:
    return Row(i, str(path), title, "A", "Alb", None, None, 1.0, "analysed", None, None, None)


def colour_at_centre(file_or_image) -> tuple[int, int, int]:
    image = file_or_image if isinstance(file_or_image, QImage) else QImage(str(file_or_image))
    assert not image.isNull()
    c = image.pixelColor(image.width() // 2, image.height() // 16)  # inside the first band
    return c.red(), c.green(), c.blue()


def close_to(rgb, want, tol=40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(rgb, want, strict=True))


@pytest.fixture
def cache(tmp_path) -> CoverCache:
    return CoverCache(tmp_path / "cache")


class Counting:
    """The real thumbnail maker, counting its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, data: bytes, size: int) -> bytes:
        self.calls += 1
        return make_thumbnail(data, size)


def test_embedded_art_is_thumbnailed_once_and_refreshed_when_the_file_changes(
        qapp, tmp_path, cache):
    song = write_song(tmp_path, "song", "Song", "Band", "Pop", tone(440, 1.0, SR))
    embed_picture(song, png_bytes(600, 400, RED))
    scale = Counting()
    cover = cache.cover(str(song), scale)
    assert cover.found and cover.source == "embedded" and scale.calls == 1
    thumb = QImage(cover.file)
    assert (thumb.width(), thumb.height()) == (THUMB_SIZE, THUMB_SIZE * 400 // 600)
    assert close_to(colour_at_centre(thumb), RED)
    # a second look is a cache hit: no tag reading, no scaling
    assert cache.cached(str(song)) == cover
    assert cache.cover(str(song), scale) == cover and scale.calls == 1
    # a fresh cache object on the same folder (the next start) hits the disk entry
    assert CoverCache(cache.dir).cached(str(song)) == cover
    # the file is re-tagged with another picture: a new thumbnail
    import mutagen

    audio = mutagen.File(song)
    audio.clear_pictures()
    audio.save()
    embed_picture(song, png_bytes(300, 300, BLUE))
    os.utime(song, ns=(os.stat(song).st_atime_ns, os.stat(song).st_mtime_ns + 10**9))
    assert cache.cached(str(song)) is None  # unknown until made
    fresh = cache.cover(str(song), scale)
    assert fresh.file != cover.file and scale.calls == 2
    assert close_to(colour_at_centre(fresh.file), BLUE)


def test_folder_images_are_used_when_the_file_has_none(qapp, tmp_path, cache):
    album = tmp_path / "Album"
    album.mkdir()
    song = write_song(album, "01 a", "A", "Band", "Pop", tone(330, 1.0, SR))
    assert cache.cover(str(song), make_thumbnail).file is None  # nothing anywhere
    cache.forget_folder(str(album))
    (album / "Folder.PNG").write_bytes(png_bytes(200, 200, GREEN))
    cover = cache.cover(str(song), make_thumbnail)
    assert cover.found and cover.source == str(album / "Folder.PNG")
    assert close_to(colour_at_centre(cover.file), GREEN)
    # an embedded picture wins over the folder's
    embed_picture(song, png_bytes(100, 100, RED))
    assert close_to(colour_at_centre(cache.cover(str(song), make_thumbnail).file), RED)


def test_corrupt_huge_and_odd_pictures_are_skipped_with_a_reason(qapp, tmp_path, cache):
    cases = {
        "garbage": (b"\xff\xd8\xff\xe0" + os.urandom(3000), "not a picture|cannot be decoded"),
        "text": (b"hello, I am not a picture", "not a picture"),
        "huge": (huge_png(9000, 9000), r"too large \(9,000 × 9,000 pixels\)"),
        "empty": (b"", None),
    }
    for name, (data, reason) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        song = write_song(folder, "s", name, "B", "P", tone(200, 0.5, SR))
        embed_picture(song, data) if data else None
        cover = cache.cover(str(song), make_thumbnail)
        assert cover.file is None, name
        if reason:
            import re

            assert re.search(reason, cover.reason), (name, cover.reason)
            # the reason is kept: the next look reads nothing again
            assert cache.cached(str(song)).reason == cover.reason
    big = tmp_path / "big"
    big.mkdir()
    song = write_song(big, "s", "Big", "B", "P", tone(200, 0.5, SR))
    (big / "cover.jpg").write_bytes(b"\xff\xd8" + b"\0" * (17 * 1024 * 1024))
    cover = cache.cover(str(song), make_thumbnail)
    assert cover.file is None and "too large (17.8 MB)" in cover.reason
    damaged = tmp_path / "damaged.mp3"
    damaged.write_bytes(b"ID3\x04\0\0\0\0\0\x20" + os.urandom(500))
    assert cache.cover(str(damaged), make_thumbnail).file is None  # no exception


def test_the_cache_is_bounded_and_drops_the_least_recently_used(qapp, tmp_path):
    cache = CoverCache(tmp_path / "cache", max_bytes=10**9)
    covers = []
    for i in range(12):
        folder = tmp_path / f"a{i}"
        folder.mkdir()
        song = write_song(folder, "s", f"S{i}", "B", "P", tone(200 + i, 0.3, SR))
        (folder / "cover.png").write_bytes(png_bytes(400, 400, (i * 20, 100, 50)))
        covers.append((song, cache.cover(str(song), make_thumbnail)))
    entries = cache.entries()
    assert len(entries) == 24  # a thumbnail and a "no embedded picture" marker each
    now = max(t for t, _, _ in entries)
    for age, (_song, cover) in enumerate(reversed(covers)):  # covers[0] used longest ago
        os.utime(cover.file, (now - 100 * age, now - 100 * age))
    # the one used first is touched again by a hit
    assert cache.cached(str(covers[0][0])).found
    used = cache.usage()
    cache.max_bytes = used // 2
    assert cache.trim() > 0
    assert cache.usage() <= used // 2 * 0.9 + 1
    assert os.path.exists(covers[0][1].file)       # recently hit: kept
    assert os.path.exists(covers[-1][1].file)      # newest: kept
    assert not os.path.exists(covers[1][1].file)   # oldest unused: gone
    assert cache.cover(str(covers[1][0]), make_thumbnail).found  # made again on demand


def test_the_loader_works_off_the_ui_thread_and_the_similar_panel_shows_covers(
        qtbot, tmp_path, cache):
    with_art = write_song(tmp_path, "a", "A", "B", "P", tone(200, 0.5, SR))
    embed_picture(with_art, png_bytes(300, 300, RED))
    (tmp_path / "other").mkdir()
    without = write_song(tmp_path / "other", "b", "B", "B", "P", tone(300, 0.5, SR))
    tasks = Tasks()
    loader = CoverLoader(tasks, cache)
    panel = SimilarPanel(covers=loader)
    qtbot.addWidget(panel)
    ready: list[str] = []
    loader.ready.connect(ready.append)
    panel.show_results([row_for(with_art)], [Suggestion(row_for(with_art, 1), 0.9, "x"),
                                             Suggestion(row_for(without, 2), 0.8, "y")])
    panel.resize(600, 300)
    panel.show()
    model = panel.model
    # asking returns at once (nothing yet); the covers arrive through ready
    qtbot.waitUntil(lambda: set(ready) == {str(with_art), str(without)}, timeout=10000)
    pm = model.data(model.index(0, 1), Qt.ItemDataRole.DecorationRole)
    assert pm is not None and not pm.isNull() and pm.width() <= 32
    assert close_to(colour_at_centre(pm.toImage()), RED)
    assert model.data(model.index(1, 1), Qt.ItemDataRole.DecorationRole) is None
    assert loader.loads == 2
    tasks.wait_idle(5000)


@pytest.fixture
def art_library(library):
    """The test library plus two albums with covers: "Red Album" (FLAC, embedded art)
    and "Blue Album" (MP3s, a Folder.PNG next to them), scanned."""
    red, blue = library.music / "Red Album", library.music / "Blue Album"
    red.mkdir()
    blue.mkdir()
    from audiofiles import write_audio

    for n in (2, 1, 3):  # written out of order: the album plays in track order
        song = write_audio(red / f"{n:02d} red.flac", tone(200 + 50 * n, 1.0, SR), SR,
                           tags={"title": f"Red {n}", "artist": "Red Band", "album": "Red Album",
                                 "tracknumber": str(n)})
        embed_picture(song, png_bytes(500, 500, RED))
    for n in (1, 2):
        write_audio(blue / f"{n:02d} blue.mp3", tone(300 + 50 * n, 1.0, SR), SR,
                    tags={"title": f"Blue {n}", "artist": "Blue Band", "album": "Blue Album",
                          "tracknumber": str(n)})
    (blue / "Folder.PNG").write_bytes(png_bytes(640, 480, BLUE))
    with Store(library.db) as store:
        Scanner(store).scan()
    return library


def test_now_playing_album_grid_and_mpris_show_the_covers(qtbot, art_library, settings):
    from soundalike.gui.main_window import MainWindow

    w = MainWindow(art_library.db, settings=settings, analysis_workers=1)
    qtbot.addWidget(w)
    w.resize(1200, 760)
    w.show()
    qtbot.waitUntil(lambda: w.model.rowCount() == 12, timeout=5000)
    try:
        # the album grid: Ctrl+2, loaded in the background, covers as it paints
        w.registry[ActionName.ALBUMS].trigger()
        grid = w.album_grid
        assert w.tabs.currentWidget() is grid and grid.view.hasFocus()
        qtbot.waitUntil(lambda: grid.model.rowCount() == 6, timeout=5000)
        # by artist; "Test Sounds" has no album artist, so it is one album per artist
        assert [(a.name, a.artist) for a in grid.model.albums] == [
            ("Blue Album", "Blue Band"), ("Test Sounds", "Drone Band"), ("Test Sounds", "Kettle"),
            ("Test Sounds", "Metronome"), ("Test Sounds", "Noise Co"), ("Red Album", "Red Band")]
        paths = [a.path for a in grid.model.albums]
        qtbot.waitUntil(lambda: all(w.covers.cover(p) is not None for p in paths), timeout=10000)
        deco = [grid.model.data(grid.model.index(r), Qt.ItemDataRole.DecorationRole)
                for r in range(6)]
        assert close_to(colour_at_centre(deco[0].toImage()), BLUE)
        assert close_to(colour_at_centre(deco[5].toImage()), RED)
        assert not close_to(colour_at_centre(deco[1].toImage()), RED)  # the placeholder
        # keyboard: the first album is current; Right and End move; Return plays it in order
        assert grid.view.currentIndex().row() == 0
        qtbot.keyClick(grid.view, Qt.Key.Key_Right)
        assert grid.view.currentIndex().row() == 1
        qtbot.keyClick(grid.view, Qt.Key.Key_End)
        assert grid.current_album().name == "Red Album"
        qtbot.keyClick(grid.view, Qt.Key.Key_Return)
        assert [r.title for r in w.queue.items] == ["Red 1", "Red 2", "Red 3"]
        assert w.queue.current == 0
        # the now-playing bar shows the playing track's cover
        bar = w.now_playing
        qtbot.waitUntil(lambda: close_to(colour_at_centre(bar.cover_label.pixmap().toImage()),
                                         RED), timeout=10000)
        # MPRIS: mpris:artUrl is the cached thumbnail
        art = metadata(w.player, w.covers)["mpris:artUrl"]
        assert art.startswith("file://") and os.path.isfile(art[len("file://"):])
        assert close_to(colour_at_centre(art[len("file://"):]), RED)
        # Shift+Return queues the current album, Ctrl+Return shows its songs in the table
        qtbot.keyClick(grid.view, Qt.Key.Key_Home)
        qtbot.keyClick(grid.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        assert [r.title for r in w.queue.items][3:] == ["Blue 1", "Blue 2"]
        qtbot.keyClick(grid.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert w.tabs.currentIndex() == 0
        qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=5000)
        assert w.model.browse.album == "Blue Album"
        # a track without any cover: the placeholder, and no artUrl
        w.player.play_rows(w.resolve_rows([art_library.ids_by_title()["Low Hum"]]))
        qtbot.waitUntil(lambda: w.covers.cover(w.player.current.path) is not None,
                        timeout=10000)
        assert "mpris:artUrl" not in metadata(w.player, w.covers)
    finally:
        w.close()


def test_first_paint_does_not_wait_for_covers(qtbot, art_library, tmp_path):
    """Opening the window reads no cover: the loader is only asked when a cover is shown
    (the library table has none)."""
    from soundalike.gui.main_window import MainWindow

    s = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    w = MainWindow(art_library.db, settings=s, analysis_workers=1)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.model.rowCount() == 12, timeout=5000)
    try:
        qtbot.wait(200)
        assert w.covers.loads == 0 and not w.album_grid.model.albums  # grid not loaded yet
    finally:
        w.close()


def test_unwritable_cache_still_shows_covers(qapp, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    song = write_song(tmp_path, "s", "S", "B", "P", tone(200, 0.5, SR))
    embed_picture(song, png_bytes(100, 100, GREEN))
    cache = CoverCache(blocker / "covers")
    cover = cache.cover(str(song), make_thumbnail)
    assert not cache.writable
    assert cover.found and close_to(colour_at_centre(cover.file), GREEN)
