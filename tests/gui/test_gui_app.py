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
