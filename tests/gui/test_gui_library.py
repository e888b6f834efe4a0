"""The library table, search, sorting and the sidebar, on a real analysed library."""

from __future__ import annotations

import time

from gui_fixtures import SONGS
from PySide6.QtCore import Qt

from soundalike.gui.library_query import Browse, LibraryReader
from soundalike.library.model.track import Track
from soundalike.library.store import Store


def titles(window) -> list[str]:
    m = window.model
    return [m.data(m.index(r, 0)) for r in range(m.rowCount())]


def test_window_lists_every_track(window):
    assert sorted(titles(window)) == sorted(s[1] for s in SONGS)
    m = window.model
    # artist, album, genre and analysis status columns are filled from the database
    row = titles(window).index("Hiss")
    assert [m.data(m.index(row, c)) for c in (1, 2, 3, 6)] == ["Noise Co", "Test Sounds",
                                                                "Noise", "✓"]
    assert m.data(m.index(row, 5)) == "0:06"
    assert "7 tracks" in window.count_label.text()


def test_search_filters_as_you_type(window, qtbot):
    qtbot.keyClicks(window.search, "clicks")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=3000)
    assert sorted(titles(window)) == ["Clicks", "Fast Clicks"]
    assert "2 of 7" in window.count_label.text()
    # every word must match (artist and title together)
    window.search.setText("drone again")
    qtbot.waitUntil(lambda: titles(window) == ["Low Hum Again"], timeout=3000)
    window.search.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == len(SONGS), timeout=3000)


def test_sorting_by_any_column(window, qtbot):
    window.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: titles(window)[0] == "Clicks", timeout=3000)
    assert titles(window) == sorted(titles(window), key=str.lower)
    window.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: titles(window)[0] == "Low Hum Again", timeout=3000)
    window.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # artist
    qtbot.waitUntil(lambda: window.model.data(window.model.index(0, 1)) == "Drone Band",
                    timeout=3000)


def test_sidebar_browses_by_artist_and_genre(window, qtbot):
    sidebar = window.sidebar
    sidebar.categories["artist"].setExpanded(True)
    qtbot.waitUntil(lambda: len(sidebar.child_labels("artist")) == 4, timeout=3000)
    assert "Noise Co  (2)" in sidebar.child_labels("artist")
    assert sidebar.select("artist", "Noise Co")
    qtbot.waitUntil(lambda: sorted(titles(window)) == ["Hiss", "Hiss Again"], timeout=3000)
    sidebar.categories["genre"].setExpanded(True)
    qtbot.waitUntil(lambda: "Ambient  (3)" in sidebar.child_labels("genre"), timeout=3000)
    assert sidebar.select("genre", "Ambient")
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=3000)
    sidebar.show_all()
    qtbot.waitUntil(lambda: window.model.rowCount() == len(SONGS), timeout=3000)


def test_double_click_plays_from_that_row(window, qtbot):
    row = titles(window).index("Clicks")
    window.play_from_table(row)
    assert window.queue.current_item().title == "Clicks"
    assert window.queue.rowCount() == len(SONGS) - row
    qtbot.waitUntil(lambda: window.now_playing.title_label.text() == "Clicks", timeout=3000)


def _big_db(path, n: int) -> None:
    with Store(path) as store:
        fid = store.add_folder(path.parent)
        store.add_tracks(Track(path=str(path.parent / f"{i:06d}.mp3"), folder_id=fid,
                               title=f"Song {i:06d}", artist=f"Artist {i % 97:02d}",
                               album=f"Album {i % 13}", genre=("Rock", "Jazz")[i % 2],
                               duration=100 + i % 300, status="pending")
                         for i in range(n))


def test_reader_pages_and_orders_a_large_library(tmp_path):
    db = tmp_path / "big.db"
    _big_db(db, 5000)
    reader = LibraryReader(db)
    ids = reader.ids(Browse(), "title")
    assert len(ids) == 5000
    rows = reader.rows(ids[:3])
    assert [rows[i].title for i in ids[:3]] == ["Song 000000", "Song 000001", "Song 000002"]
    desc = reader.ids(Browse(), "title", descending=True)
    assert reader.rows([desc[0]])[desc[0]].title == "Song 004999"
    # every word matches anywhere: 0049xx, 00049x and 000049 (titles and file names)
    assert len(reader.ids(Browse(text="song 0049"))) == 100 + 10 + 1
    assert len(reader.ids(Browse(genre="Jazz"))) == 2500
    # LIKE wildcards typed by the user are taken literally
    assert reader.ids(Browse(text="%")) == []
    reader.close()


def test_large_library_opens_fast_and_scrolls(tmp_path, qtbot):
    from soundalike.gui.library_model import PAGE, LibraryModel

    db = tmp_path / "big.db"
    _big_db(db, 20000)
    reader = LibraryReader(db)
    model = LibraryModel(reader)
    model.reload_now()
    assert model.rowCount() == 20000
    # only the pages that are looked at are read
    assert model.data(model.index(19999, 0)).startswith("Song ")
    assert len(model._pages) == 1
    t0 = time.perf_counter()
    for r in range(0, 20000, PAGE):
        model.data(model.index(r, 0))
    assert time.perf_counter() - t0 < 5.0
    assert len(model._pages) <= 50  # bounded cache
    reader.close()


def test_typing_filters_in_memory_like_the_sql_search(tmp_path):
    from soundalike.gui.library_model import LibraryModel

    db = tmp_path / "big.db"
    _big_db(db, 3000)
    reader = LibraryReader(db)
    model = LibraryModel(reader)
    model.reload_now()
    assert model.search_ready()
    # typing on, deleting, and starting over: each result equals the SQL query's
    for text in ("s", "so", "song 00", "song 001", "song 00", "artist 0", "artist 05 jazz",
                 "ROCK", "", "zzz"):
        model.set_text(text)
        assert model.track_ids() == reader.ids(Browse(text=text)), text
    reader.close()
