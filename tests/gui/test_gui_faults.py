"""Faults seen from the window: a full disk (a real small tmpfs filled by the test)."""

from __future__ import annotations

import sys
from pathlib import Path

from gui_fixtures import SONGS, build_library
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from soundalike.gui.main_window import MainWindow
from soundalike.library.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))
from small_fs import fill_up, small_filesystem  # noqa: E402


class Dialogs:
    """Answers every message box that opens (OK), remembering (title, text)."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []
        self.timer = QTimer()
        self.timer.timeout.connect(self._check)
        self.timer.start(30)

    def _check(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.seen.append((box.windowTitle(), box.text()))
            box.done(0)

    def stop(self) -> None:
        self.timer.stop()


def test_full_disk_pauses_the_analysis_in_the_status_bar_and_refuses_playlist_saves(
        qtbot, tmp_path, settings):
    with small_filesystem(tmp_path / "disk", size_mb=32) as disk:
        lib = build_library(disk, SONGS[:4], seconds=4.0, analyse=False)
        w = MainWindow(lib.db, settings=settings, analysis_workers=1)
        qtbot.addWidget(w)
        w.show()
        dialogs = Dialogs()
        try:
            ids = sorted(lib.ids_by_title().values())
            w.queue.append(w.resolve_rows(ids[:2]))
            assert w.save_queue("Evening") is not None
            seen = []
            w.analysis.progress.connect(seen.append)
            filler = fill_up(disk / "filler")
            w.start_background(scan=False, watch=False)
            qtbot.waitUntil(lambda: bool(seen) and seen[-1].state == "paused-disk-full",
                            timeout=120000)
            status = w.analysis_status
            assert status.isVisible()
            assert status.label.text() == "Disk full: analysis paused (16 MB free needed)"

            # saving a playlist now: one plain dialog, the old playlist as it was
            w.queue.append(w.resolve_rows(ids[2:]))
            assert w.save_queue("Evening") is None
            title, text = dialogs.seen[-1]
            assert title == "Save playlist"
            assert text.startswith("The playlist “Evening” was not saved:\ndisk full:")
            with Store(lib.db, read_only=True) as store:
                (evening,) = store.playlists()
                assert [t.id for t in store.playlist_tracks(evening.id)] == ids[:2]

            filler.unlink()  # room again: the analysis goes on by itself
            qtbot.waitUntil(lambda: seen[-1].done == 4, timeout=120000)
            qtbot.waitUntil(lambda: not status.isVisible(), timeout=10000)
            assert w.save_queue("Evening") is not None
            with Store(lib.db, read_only=True) as store:
                assert store.counts()["analysed"] == 4
                assert store.playlists()[0].size == 4
                assert store.integrity_check() == "ok"
        finally:
            dialogs.stop()
            w.close()
