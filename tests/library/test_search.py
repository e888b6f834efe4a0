"""One search semantic (library/model/search.py): accents and case folded, every word literal,
the same in the Store, the library table (SQL and in memory), the CLI and radio seeds."""

from __future__ import annotations

import pytest

from soundalike.library import browse
from soundalike.library.browse import LibraryReader, filter_view, find_tracks
from soundalike.library.model.search import fold, search_words
from soundalike.library.model.track import Track
from soundalike.library.model.views import Browse
from soundalike.library.store import Store

SONGS = [
    {"path": "/m/Beyoncé/I Am/01 Halo.flac", "artist": "Beyoncé", "title": "Halo",
     "album": "I Am"},
    {"path": "/m/misc/élan.ogg", "artist": "Ann", "title": "élan", "album": "Vital",
     "genre": "Jazz"},
    {"path": "/m/Björk/Debut/Human.mp3", "artist": "Björk", "title": "Human Behaviour",
     "album": "Debut"},
    {"path": "/m/plain/100 Percent.mp3", "artist": "Plain", "title": "One hundred",
     "album": "X"},
]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "lib.db"
    with Store(path) as store:
        store.add_tracks([Track(**s) for s in SONGS])
    return path


def test_fold_and_words():
    assert fold("ÉLAN") == "elan" == fold("élan") == fold("e\u0301lan")
    assert fold("Beyoncé") == "beyonce" and fold("STRASSE") == fold("Straße")
    assert fold(None) == "" and fold(b"caf\xc3\xa9") == "cafe"
    assert search_words("Beyoncé – Halo") == ["beyonce", "halo"]  # a lone dash separates
    assert search_words("100%") == ["100%"] and search_words("%") == ["%"]


@pytest.mark.parametrize(("text", "titles"), [
    ("beyonce", {"Halo"}), ("BEYONCÉ halo", {"Halo"}), ("ÉLAN", {"élan"}),
    ("elan", {"élan"}), ("bjork human", {"Human Behaviour"}), ("jazz", {"élan"}),
    ("100%", set()), ("%", set()), ("_", set()), ("beyonce bjork", set()),
])
def test_store_table_sql_and_memory_agree(db, text, titles):
    with Store(db) as store:
        assert {t.title for t in store.tracks(text)} == titles
        assert store.count_tracks(text) == len(titles)
        by_id = {t.id: t.title for t in store.tracks()}
    reader = LibraryReader(db)
    try:
        ids = reader.ids(Browse(text=text), "title")
        assert {by_id[i] for i in ids} == titles
        view_ids, hay = reader.search_text(Browse(text=text), "title")
        assert filter_view(view_ids, hay, text) == ids  # typing filters in memory alike
    finally:
        reader.close()


def test_find_tracks_and_the_cli_track_search(db, capsys):
    import json

    from cli_run import run

    from soundalike.cli.recommend_cmds import resolve_query

    with Store(db) as store:
        assert [t.title for t in find_tracks(store, "beyonce – halo")] == ["Halo"]
        assert [t.title for t in find_tracks(store, "ÉLAN")] == ["élan"]
        assert resolve_query(store, "bjork").title == "Human Behaviour"
    code, out, _ = run(capsys, "--db", str(db), "tracks", "beyonce", "--json")
    assert code == 0 and [t["title"] for t in json.loads(out)] == ["Halo"]
    code, out, _ = run(capsys, "--db", str(db), "tracks", "ÉLAN", "--json")
    assert code == 0 and [t["title"] for t in json.loads(out)] == ["élan"]


def test_seeds_by_name_fold_accents_and_case(db):
    with Store(db) as store:
        assert [t.title for t in browse.artist_tracks(store, "BEYONCE", status=None)] == ["Halo"]
        assert [t.title for t in browse.album_tracks(store, "vital", status=None)] == ["élan"]
        pid = store.create_playlist("Été", [1])
        assert browse.playlist_named(store, "ete").id == pid
