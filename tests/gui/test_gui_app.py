"""The whole start: ``run()`` on a new library asks for the music folders, scans them
and shows the songs; closing the window ends ``run()`` with exit code 0."""

from __future__ import annotations

from gui_fixtures import SR, tone, write_song
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from soundalike.gui.app import run
from soundalike.gui.main_window import MainWindow
from soundalike.gui.settings_dialog import FirstRunDialog


def test_first_start_asks_for_folders_scans_and_lists(tmp_path, monkeypatch, qapp):
    music = tmp_path / "Music"
    music.mkdir()
    write_song(music, "one", "First Light", "Dawn", "Ambient", tone(220, 3.0, SR))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_MUSIC_DIR", raising=False)
    seen: dict = {}

    def step() -> None:
        modal = QApplication.activeModalWidget()
        window = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, MainWindow) and w.isVisible()), None)
        if isinstance(modal, FirstRunDialog):
            seen["offered"] = modal.chosen_folders()
            modal.accept()  # "Start" with the offered ~/Music
        elif window is not None and window.model.rowCount() == 1:
            m = window.model
            seen["listed"] = m.data(m.index(0, 0))
            window.close()
            return
        QTimer.singleShot(100, step)

    QTimer.singleShot(100, step)
    QTimer.singleShot(60000, qapp.quit)  # never hang
    assert run(str(tmp_path / "library.db")) == 0
    assert seen == {"offered": [str(music)], "listed": "First Light"}


def test_an_old_library_is_converted_in_a_progress_dialog_before_the_window(tmp_path, qapp):
    import sqlite3

    from old_library import big_schema4_library
    from PySide6.QtWidgets import QProgressDialog

    from soundalike.library.store import Store

    db = tmp_path / "library.db"
    big_schema4_library(db, 5000)  # a real library written before schema 5, grown
    labels: list[str] = []
    seen: dict = {}

    def look() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QProgressDialog) and w.isVisible() and (
                    not labels or labels[-1] != w.labelText()):
                labels.append(w.labelText())
            if isinstance(w, MainWindow) and w.isVisible() and "window" not in seen:
                seen["window"] = len(labels)
                w.close()

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(0)  # also fires inside the dialog's processEvents
    QTimer.singleShot(60000, qapp.quit)  # never hang
    assert run(str(db)) == 0
    timer.stop()
    assert labels[0].startswith("Updating the library to a smaller format")
    assert "5,000 of 5,000 analysed songs" in "".join(labels)
    assert labels[-1] == "Making the library file smaller…", labels
    assert seen["window"] == len(labels)  # the window opened after the dialog
    with Store(db) as store:
        assert store.pending_data_steps() == []
        # every analysis kept, compact (the start-up scan then marked the tracks missing:
        # their music folder is not on this machine)
        assert sum(1 for _ in store.analyses_with_paths()) == 5000
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT encoding, COUNT(*) FROM analysis GROUP BY 1").fetchall() == [
        (1, 5000)]
    conn.close()
