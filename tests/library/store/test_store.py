"""The SQLite store: schema, migrations, tracks, analysis, playlists, settings, events."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from soundalike.library.model.errors import LibraryError
from soundalike.library.model.track import TRACK_COLUMNS, Track
from soundalike.library.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    db_path_param,
    default_db_path,
)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "lib.db") as s:
        yield s


def make_track(path="/music/a.mp3", **kw) -> Track:
    kw.setdefault("size", 100)
    kw.setdefault("mtime", 1700000000.5)
    return Track(path=path, **kw)


def test_connection_settings_and_schema(store, tmp_path):
    assert store.pragma("journal_mode") == "wal"
    assert store.pragma("foreign_keys") == 1
    assert store.pragma("busy_timeout") == 10000
    assert store.schema_version() == SCHEMA_VERSION
    assert store.applied_migrations() == [(m.version, m.name) for m in MIGRATIONS]
    cols = [r[0] for r in store.table_info("tracks")]
    assert tuple(cols) == TRACK_COLUMNS
    tables = store.table_names()
    assert {"folders", "tracks", "analysis", "playlists", "playlist_items",
            "settings"} <= tables
    indexes = store.index_names()
    assert {"tracks_status", "tracks_fingerprint", "tracks_artist", "tracks_album",
            "tracks_folder"} <= indexes


def test_reopen_keeps_data_and_does_not_remigrate(tmp_path, capsys):
    with Store(tmp_path / "lib.db") as s:
        s.add_track(make_track())
    with Store(tmp_path / "lib.db") as s:
        assert s.count_tracks() == 1
        assert len(s.applied_migrations()) == len(MIGRATIONS)
    assert capsys.readouterr() == ("", "")  # migrations print nothing


def test_newer_schema_is_refused_in_plain_words(tmp_path):
    db = tmp_path / "lib.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(LibraryError, match="newer Soundalike"):
        Store(db)


def test_not_a_database_is_a_library_error(tmp_path):
    db = tmp_path / "notes.db"
    db.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(LibraryError, match="not a Soundalike library database"):
        Store(db)
    assert db.read_bytes().startswith(b"these are my notes")  # untouched


def test_default_path_follows_env(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUNDALIKE_DB", str(tmp_path / "x" / "env.db"))
    assert default_db_path() == tmp_path / "x" / "env.db"
    with Store() as s:
        assert s.path == tmp_path / "x" / "env.db"
    assert (tmp_path / "x" / "env.db").exists()
    monkeypatch.delenv("SOUNDALIKE_DB")
    assert default_db_path().name == "library.db"
    assert "soundalike" in str(default_db_path())


def test_folders(store, tmp_path):
    fid = store.add_folder(tmp_path / "music")
    assert store.add_folder(str(tmp_path / "music")) == fid
    assert [f.path for f in store.folders()] == [str(tmp_path / "music")]
    t = make_track(str(tmp_path / "music" / "a.mp3"), folder_id=fid, status="analysed")
    store.add_track(t)
    assert store.remove_folder(tmp_path / "music") is True
    assert store.remove_folder(tmp_path / "music") is False
    assert store.folders() == []
    back = store.get_track(t.id)
    assert back.status == "missing" and back.folder_id is None  # kept until purge


def test_track_roundtrip_and_queries(store):
    a = make_track("/m/Abba/Gold/01.mp3", title="Waterloo", artist="ABBA", album="Gold",
                   tracknumber=1, year=1974, duration=164.5, codec="mp3")
    b = make_track("/m/Bach/x.flac", title="Air", artist="Bach", album="Suite 3")
    c = make_track("/m/misc/c.ogg", status="failed", error="not an audio file (text)")
    ids = store.add_tracks([a, b, c])
    assert ids == [a.id, b.id, c.id] and len(set(ids)) == 3
    got = store.get_track(a.id)
    assert got.title == "Waterloo" and got.year == 1974 and got.duration == 164.5
    assert got.mtime == 1700000000.5 and got.added_at is not None
    assert store.track_by_path("/m/Bach/x.flac").id == b.id
    assert store.track_by_path("/nope") is None
    assert [t.id for t in store.tracks("abba waterloo")] == [a.id]
    assert [t.id for t in store.tracks("SUITE")] == [b.id]
    assert [t.id for t in store.tracks("misc")] == [c.id]  # path matches
    assert store.tracks("100%") == []  # LIKE wildcards are literal
    assert store.count_tracks(status="failed") == 1
    assert [t.id for t in store.tracks(order_by="title", status="pending")] == [b.id, a.id]
    assert len(store.tracks(limit=2)) == 2 and len(store.tracks(limit=2, offset=2)) == 1
    assert store.counts() == {"tracks": 3, "pending": 2, "analysed": 0, "failed": 1,
                              "missing": 0}
    assert store.failures() == [("/m/misc/c.ogg", "not an audio file (text)")]
    with pytest.raises(ValueError):
        store.tracks(status="bogus")
    with pytest.raises(ValueError):
        store.tracks(order_by="bogus; DROP TABLE tracks")
    assert [t.id for t in store.get_tracks([c.id, 999, a.id])] == [c.id, a.id]
    assert a.display_artist == "ABBA" and c.display_title == "c"
    assert Track(path="/x/y.mp3", albumartist="V.A.").display_artist == "V.A."


def test_non_utf8_paths_roundtrip(store):
    raw = b"/m/caf\xe9/\xff\xfe song.mp3"
    path = os.fsdecode(raw)
    assert isinstance(db_path_param(path), bytes)
    t = make_track(path, title=os.fsdecode(b"caf\xe9"))
    store.add_track(t)
    got = store.track_by_path(path)
    assert got.path == path and os.fsencode(got.path) == raw
    assert got.title == "caf\ufffd"  # text columns are made printable
    assert store.stat_index()[path].id == t.id
    assert got.to_dict()["path"].startswith("/m/caf\ufffd/")
    store.save_failure(t.id, f"cannot read {path}")
    assert store.failures()[0][0] == path


def test_analysis_save_rows_and_pending(store):
    a, b, c = make_track("/a.mp3"), make_track("/b.mp3"), make_track("/c.mp3")
    store.add_tracks([a, b, c])
    assert [t.id for t in store.pending_for_analysis(3)] == [a.id, b.id, c.id]
    f = np.arange(10, dtype=np.float64)
    store.save_analysis(a.id, version=3, features=f, tags=np.full(50, 0.5),
                        embedding=np.ones(200), duration=12.0)
    store.save_analysis(b.id, version=2, features=f, tags=np.zeros(50),
                        embedding=np.zeros(200), duration=None)
    store.save_failure(c.id, "file is empty (0 bytes)")
    assert [t.id for t in store.pending_for_analysis(3)] == [b.id]  # stale version
    rows = list(store.analysis_rows())
    assert [r.track_id for r in rows] == [a.id, b.id]
    assert rows[0].features.dtype == np.float32 and np.array_equal(rows[0].features, f)
    assert rows[0].tags.shape == (50,) and rows[0].embedding.shape == (200,)
    assert [r.track_id for r in store.analysis_rows(version=3)] == [a.id]
    assert store.get_track(a.id).status == "analysed"
    assert store.get_track(a.id).analysis_version == 3
    assert store.get_track(c.id).error == "file is empty (0 bytes)"
    # missing tracks never appear among analysis rows, and come back as analysed
    store.mark_missing([a.id])
    assert [r.track_id for r in store.analysis_rows()] == [b.id]
    assert store.pending_for_analysis(3) == [store.get_track(b.id)]
    store.revive([a.id, c.id])
    assert store.get_track(a.id).status == "analysed"
    assert store.get_track(c.id).status == "failed"  # not missing, untouched by revive
    # purge drops missing tracks and cascades their analysis
    store.mark_missing([a.id])
    assert store.purge_missing() == 1
    assert store.get_track(a.id) is None and store.get_analysis(a.id) is None


def test_move_keeps_analysis(store):
    t = make_track("/old/a.mp3", fingerprint="fp1")
    store.add_track(t)
    store.save_analysis(t.id, version=1, features=[1.0], tags=np.zeros(50),
                        embedding=np.zeros(200), duration=1.0)
    store.mark_missing([t.id])
    store.move_track(t.id, "/new/b.mp3", size=101, mtime=5.0)
    got = store.track_by_path("/new/b.mp3")
    assert got.id == t.id and got.status == "analysed" and got.size == 101
    assert store.get_analysis(t.id) is not None
    assert store.tracks_by_fingerprint("fp1")[0].id == t.id


def test_a_file_met_twice_keeps_its_older_row_when_moved_back(store):
    """One file, two rows (made at two places while it moved): moving the newer row onto
    the older one's path keeps the older id — the one playlists know — with the newer's
    playlist entries and, the older having none, its analysis."""
    old = make_track("/music/A/x.flac", fingerprint="fpx")
    store.add_track(old)
    dup = make_track("/music/B/x.flac", fingerprint="fpx")
    store.add_track(dup)
    store.save_analysis(dup.id, version=1, features=[1.0], tags=np.zeros(50),
                        embedding=np.zeros(200), duration=1.0)
    other = make_track("/music/A/y.flac", fingerprint="fpy")
    store.add_track(other)
    pid = store.create_playlist("Both", [old.id, dup.id, other.id])
    kept = store.move_track(dup.id, "/music/A/x.flac", size=7, mtime=3.0)
    assert kept == old.id
    assert store.get_track(dup.id) is None
    got = store.track_by_path("/music/A/x.flac")
    assert got.id == old.id and got.size == 7 and got.status == "analysed"
    assert store.get_analysis(old.id) is not None
    assert [t.id for t in store.playlist_tracks(pid)] == [old.id, old.id, other.id]
    # a row of other content at the destination is still replaced by the moving track
    assert store.move_track(other.id, "/music/A/x.flac") == other.id
    assert [t.id for t in store.playlist_tracks(pid)] == [other.id] * 3


def test_playlists_and_settings(store):
    ids = store.add_tracks([make_track(f"/{i}.mp3") for i in range(3)])
    pid = store.create_playlist("Road trip", [ids[2], ids[0], ids[2]])
    assert [t.id for t in store.playlist_tracks(pid)] == [ids[2], ids[0], ids[2]]
    assert store.create_playlist("Road trip", [ids[1]]) == pid  # replaces the items
    assert [(p.name, p.size) for p in store.playlists()] == [("Road trip", 1)]
    store.delete_tracks([ids[1]])
    assert store.playlist_tracks(pid) == []
    assert store.delete_playlist(pid) and store.playlists() == []
    with pytest.raises(LibraryError):
        store.create_playlist("  ")
    assert store.get_setting("volume", 0.8) == 0.8
    store.set_setting("volume", 0.5)
    store.set_setting("cols", ["title", "artist"])
    assert store.get_setting("volume") == 0.5 and store.get_setting("cols") == ["title", "artist"]


def test_transaction_rolls_back_and_events_after_commit(store):
    events = []
    unsubscribe = store.subscribe(lambda e, ids: events.append((e, ids)))
    with pytest.raises(RuntimeError), store.transaction():
        store.add_track(make_track("/a.mp3"))
        assert events == []  # nothing announced before the commit
        raise RuntimeError("boom")
    assert store.count_tracks() == 0 and events == []
    with store.transaction():
        store.add_track(make_track("/a.mp3"))
        store.add_track(make_track("/b.mp3"))
    assert [e for e, _ in events] == ["tracks-added", "tracks-added"]
    store.subscribe(lambda e, ids: 1 / 0)  # a broken listener does not break writes
    store.mark_missing([1])
    assert events[-1] == ("tracks-missing", [1])
    unsubscribe()
    store.revive([1])
    assert events[-1] == ("tracks-missing", [1])


def test_unique_path_violation_leaves_nothing_half_written(store):
    store.add_track(make_track("/a.mp3"))
    with pytest.raises(sqlite3.IntegrityError):
        store.add_tracks([make_track("/b.mp3"), make_track("/a.mp3")])
    assert [t.path for t in store.tracks()] == ["/a.mp3"]


def test_store_belongs_to_its_thread_and_readers_do_not_block_writer(tmp_path):
    db = tmp_path / "lib.db"
    writer = Store(db)
    writer.add_track(make_track("/a.mp3"))
    errors = []
    other = threading.Thread(target=lambda: _try(errors, writer.counts))
    other.start()
    reader = Store(db)
    rows = reader.analysis_rows()  # an open read …
    writer.save_analysis(1, version=1, features=[1.0], tags=[0.0], embedding=[0.0],
                         duration=None)
    next(rows)
    writer.add_track(make_track("/b.mp3"))  # … does not block the writer
    assert Store(db).count_tracks() == 2
    rows.close()
    other.join(5)  # only the thread started here: others (a dummy one) cannot be joined
    assert errors and isinstance(errors[0], sqlite3.ProgrammingError)
    reader.close()
    writer.close()


def _try(errors, fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        errors.append(exc)


def test_a_writer_locked_out_gets_plain_words_not_a_hang(tmp_path, monkeypatch):
    from soundalike.library.store import connection

    monkeypatch.setattr(connection, "WRITE_PATIENCE_S", 4.0)
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 1000)  # several attempts in 4 s
    db = tmp_path / "lib.db"
    store = Store(db)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock …
    try:
        t0 = time.monotonic()
        with pytest.raises(LibraryError, match="busy.*not saved"):
            store.add_track(make_track())
        assert 3.5 < time.monotonic() - t0 < 6  # … we kept trying for the patience, then gave up
        assert store.counts()["tracks"] == 0  # reading still works meanwhile
        assert store.pragma("busy_timeout") == connection.BUSY_TIMEOUT_MS  # restored
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.add_track(make_track())  # and once the lock is free, writing works again
    assert store.count_tracks() == 1
    store.close()


def test_a_writer_retries_past_the_busy_timeout_and_gets_through(tmp_path, monkeypatch):
    """Another process holds the write lock longer than one busy_timeout: the writer
    retries with back-off (within its patience) instead of failing at the first timeout."""
    from soundalike.library.store import connection

    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 500)
    db = tmp_path / "lib.db"
    Store(db).close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True)\n"
        "time.sleep(2.0); c.execute('ROLLBACK')\n"), str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        store = Store(db)
        t0 = time.monotonic()
        store.add_track(make_track())  # 4 busy timeouts later, the lock is free
        assert time.monotonic() - t0 > 1.0
        assert store.counts()["tracks"] == 1
        store.close()
    finally:
        holder.wait(10)


def test_analysis_rows_stream_while_writing(store):
    ids = store.add_tracks([make_track(f"/{i}.mp3") for i in range(2500)])
    with store.transaction():
        for i in ids:
            store.save_analysis(i, version=1, features=[float(i)], tags=np.zeros(50),
                                embedding=np.zeros(200), duration=None)
    seen = []
    for row in store.analysis_rows():
        seen.append(row.track_id)
        if len(seen) == 10:
            store.save_failure(ids[-1], "written while reading")  # same connection
    assert seen[:2] == ids[:2] and len(seen) >= 2499
    assert store.get_track(ids[-1]).status == "failed"


def test_forward_migration_applies_once_and_keeps_data(tmp_path, monkeypatch, capsys):
    import soundalike.library.store.migrations as store_mod

    db = tmp_path / "lib.db"
    with Store(db) as s:
        s.add_track(make_track("/kept.mp3", title="Kept"))
    step = store_mod.Migration(SCHEMA_VERSION + 1, "add rating",
                               ("ALTER TABLE tracks ADD COLUMN rating INTEGER",))
    monkeypatch.setattr(store_mod, "MIGRATIONS", (*MIGRATIONS, step))
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", step.version)
    with Store(db) as s:
        assert s.schema_version() == step.version
        assert s.applied_migrations()[-1] == (step.version, "add rating")
        cols = [r[0] for r in s.table_info("tracks")]
        assert "rating" in cols
        assert s.track_by_path("/kept.mp3").title == "Kept"
    with Store(db) as s:  # already applied: opening again changes nothing
        assert len(s.applied_migrations()) == len(MIGRATIONS) + 1
    assert capsys.readouterr() == ("", "")


def test_analyses_with_paths_replace_embeddings_and_delete_settings(store):
    a, b, c = make_track("/a.mp3"), make_track("/b.mp3"), make_track("/c.mp3")
    store.add_tracks([a, b, c])
    for t, v in ((a, 1.0), (b, 2.0)):
        store.save_analysis(t.id, version=3, features=[v], tags=np.zeros(50),
                            embedding=np.full(200, v), duration=None)
    store.mark_missing([b.id])  # still has its analysis row: listed all the same
    got = list(store.analyses_with_paths())
    assert [(p, r.track_id) for p, r in got] == [("/a.mp3", a.id), ("/b.mp3", b.id)]
    assert got[1][1].embedding.dtype == np.float32 and np.all(got[1][1].embedding == 2.0)
    before = store.get_track(a.id)
    assert store.replace_embeddings([(a.id, np.arange(4.0)), (c.id, np.zeros(4))]) == 1
    row = store.get_analysis(a.id)
    assert np.array_equal(row.embedding, np.arange(4, dtype=np.float32))
    assert row.version == 3 and np.array_equal(row.features, [1.0])  # nothing else changes
    assert store.get_track(a.id) == before and store.get_analysis(c.id) is None
    for key in ("recommend.vector_model", "recommend.max_per_artist", "recommendx", "volume"):
        store.set_setting(key, 1)
    assert store.delete_settings("recommend.") == 2
    assert store.get_setting("recommend.vector_model") is None
    assert store.get_setting("recommendx") == 1 and store.get_setting("volume") == 1
