"""The real start (``gui.app.run``) on a library it must not or cannot open as is: one dialog
in plain words, exit code 1 and the file untouched (a newer schema, a folder it cannot
create); a damaged file: the "library recovered" dialog, then the window with the recovered
playlist and the rescanned songs."""

from __future__ import annotations

import gc
import os
import sqlite3

from gui_fixtures import SR, tone, write_song
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from soundalike.gui.app import run
from soundalike.gui.main_window import MainWindow
from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store
from soundalike.library.store.migrations import SCHEMA_VERSION


def _answer_dialogs(qapp, seen: list[tuple[str, str]], until=None):
    """Press OK on every message box run() shows, noting (title, text); close the main
    window once ``until(window)`` is true; never hang. Returns stop(), called after run()."""
    stopped = []

    def step() -> None:
        if stopped:
            return
        modal = next((w for w in QApplication.topLevelWidgets()
                      if isinstance(w, QMessageBox) and w.isVisible()), None)
        if modal is not None:
            seen.append((modal.windowTitle(), modal.text()))
            modal.accept()
        window = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, MainWindow) and w.isVisible()), None)
        if window is not None and modal is None and until is not None and until(window):
            window.close()
            return
        QTimer.singleShot(50, step)

    QTimer.singleShot(50, step)
    QTimer.singleShot(60000, qapp.quit)
    return lambda: stopped.append(True)


def test_a_library_from_a_newer_soundalike_is_refused_in_one_dialog_and_left_untouched(
        tmp_path, qapp):
    db = tmp_path / "library.db"
    with Store(db) as store:
        store.add_folder(tmp_path)
    with sqlite3.connect(db) as conn:  # as a newer release would leave it
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    seen: list[tuple[str, str]] = []
    stop = _answer_dialogs(qapp, seen)
    assert run(str(db)) == 1
    stop()
    assert len(seen) == 1
    text = seen[0][1]
    assert "newer" in text and str(SCHEMA_VERSION + 5) in text and str(SCHEMA_VERSION) in text
    assert "Traceback" not in text
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    gc.collect()  # no connection is left open on it (its -wal/-shm would remain)
    assert not (tmp_path / "library.db-wal").exists()


def test_a_data_folder_that_cannot_be_made_gives_one_dialog_and_exit_1(tmp_path, qapp):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    seen: list[tuple[str, str]] = []
    stop = _answer_dialogs(qapp, seen)
    assert run(str(blocker / "library.db")) == 1
    stop()
    assert len(seen) == 1 and "Traceback" not in seen[0][1]
    assert str(blocker) in seen[0][1] or "folder" in seen[0][1]
    assert blocker.read_text() == "a file where the data folder should be"


def test_a_damaged_library_is_recovered_with_a_dialog_and_the_window_shows_it_again(
        tmp_path, qapp):
    music = tmp_path / "Music"
    music.mkdir()
    for i, freq in enumerate((220, 330, 440)):
        write_song(music, f"s{i}", f"Song {i}", "Dawn", "Ambient", tone(freq, 2.0, SR))
    db = tmp_path / "data" / "library.db"
    with Store(db) as store:
        store.add_folder(music)
        Scanner(store).scan()
        ids = [t.id for t in store.tracks(limit=None)]
        store.create_playlist("Evening", ids[:2])
    with Store(db) as store:  # a second change: the backup is written when it closes
        store.set_setting("analysis.workers", 1)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])  # a half-copied file
    seen: list[tuple[str, str]] = []
    shown: dict = {}

    def recovered(window) -> bool:
        if window.model.rowCount() < 3:  # the start-up scan rebuilds the tracks
            return False
        with Store(db, read_only=True) as store:
            shown["playlists"] = {p.name: len(store.playlist_tracks(p.id))
                                  for p in store.playlists()}
        return True

    stop = _answer_dialogs(qapp, seen, until=recovered)
    assert run(str(db)) == 0
    stop()
    assert [title for title, _ in seen] == ["Soundalike — library recovered"]
    text = seen[0][1]
    assert "damaged" in text and "1 playlist" in text and "rescanning" in text
    assert shown["playlists"] == {"Evening": 2}
    kept = [p for p in os.listdir(db.parent)
            if p.startswith("library.db.damaged-") and not p.endswith(("-wal", "-shm"))]
    assert len(kept) == 1
