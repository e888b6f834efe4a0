"""Fixtures for the GUI tests: a real temporary library of audio files written here,
scanned by the real scanner and analysed once per session by the real engine."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gui_fixtures import SONGS, Library, build_library


@pytest.fixture(scope="session")
def _analysed_template(tmp_path_factory) -> Library:
    """Analysed once per session; tests get their own copy of it."""
    return build_library(tmp_path_factory.mktemp("gui-library"))


@pytest.fixture
def library(_analysed_template, tmp_path) -> Library:
    """A private copy of the analysed library (database paths re-pointed to the copy)."""
    root = tmp_path / "lib"
    shutil.copytree(_analysed_template.root, root)
    db = root / "library.db"
    old, new = str(_analysed_template.music), str(root / "music")
    with sqlite3.connect(db) as conn:  # a copied file: raw SQL on the test's own copy
        conn.execute("UPDATE folders SET path = replace(path, ?, ?)", (old, new))
        conn.execute("UPDATE tracks SET path = replace(path, ?, ?)", (old, new))
    conn.close()
    return Library(root, root / "music", db)


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "soundalike.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, library, settings):
    """The main window on the analysed library (no scan/watch/analysis started)."""
    from soundalike.gui.main_window import MainWindow

    w = MainWindow(library.db, settings=settings, analysis_workers=1)
    qtbot.addWidget(w)
    w.resize(1200, 760)
    w.show()
    qtbot.waitUntil(lambda: w.model.rowCount() == len(SONGS), timeout=5000)
    yield w
    w.close()


@pytest.fixture
def player(qtbot, tmp_path):
    """A real Player on a queue of two 5-s songs written here (MPRIS and desktop tests)."""
    from gui_fixtures import SR, tone, write_song

    from soundalike.gui.library_query import Row
    from soundalike.gui.player import Player
    from soundalike.gui.queue_model import QueueModel

    paths = [write_song(tmp_path, f"s{i}", f"Song {i}", "Singer", "Pop", tone(300 + i, 5, SR))
             for i in range(2)]
    queue = QueueModel()
    queue.append([Row(10 + i, str(p), f"Song {i}", "Singer", "Album", "Pop", None, 5.0,
                      "analysed", None, None, None) for i, p in enumerate(paths)])
    p = Player(queue)
    yield p
    p.stop()
