"""The window when another program keeps the library's write lock: plain words, no traceback."""

from __future__ import annotations

import sqlite3

import pytest
from test_gui_faults import Dialogs


@pytest.fixture
def short_patience(monkeypatch):
    """Writers give up after ~1 s instead of 30 (set before the window opens its Store)."""
    from soundalike.library.store import connection

    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(connection, "WRITE_PATIENCE_S", 1.0)


def test_a_playlist_not_saved_while_the_library_is_busy_says_so(short_patience, window,
                                                                 library):
    ids = [t.id for t in window.store.tracks(order_by="id")][:3]
    other = sqlite3.connect(library.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. a stuck program holding the write lock
    dialogs = Dialogs()
    try:
        assert window.save_tracks_as_playlist(ids, "Evening") is None
        title, text = dialogs.seen[-1]
        assert title == "Save playlist"
        assert text.startswith("The playlist “Evening” was not saved:\nthe library database")
        assert "busy" in text and "not saved" in text
    finally:
        dialogs.stop()
        other.execute("ROLLBACK")
        other.close()
    pid = window.save_tracks_as_playlist(ids, "Evening")  # free again: it is saved
    assert pid is not None
    assert [t.id for t in window.store.playlist_tracks(pid)] == ids
