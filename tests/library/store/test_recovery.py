"""A damaged library file, really damaged by the test: the start-up check finds it, keeps it aside,
recovers playlists, settings and folders (from the file, else from the rotating backup) and the
tracks come back by rescanning. Also the backup itself: rotation, throttling, half-written files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from audiofiles import tone, write_audio

from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store
from soundalike.library.store.backup import backup_paths, read_backup
from soundalike.library.store.recovery import check, ensure_healthy

SR = 22050
N_SONGS = 40
PAGE = 4096


def _write_music(root: Path) -> list[str]:
    root.mkdir(parents=True)
    paths = []
    for i in range(N_SONGS):
        p = root / f"artist{i % 5}" / f"song {i:02d}.wav"
        p.parent.mkdir(exist_ok=True)
        write_audio(p, tone(200.0 + 7 * i, 0.3, SR).astype(np.float32), SR)
        paths.append(str(p))
    return paths


def _state(db: Path) -> dict:
    """Folders, settings and playlists (songs by path) of a library."""
    with Store(db, read_only=True) as store:
        return {"folders": [f.path for f in store.folders()],
                "settings": {k: store.get_setting(k) for k in ("analysis.workers",
                                                               "recommend.caps.artist")},
                "playlists": {p.name: [t.path for t in store.playlist_tracks(p.id)]
                              for p in store.playlists()}}


@pytest.fixture
def library(tmp_path) -> tuple[Path, dict, list[str]]:
    """A scanned library of real files with two playlists and settings; its WAL checkpointed
    (every connection closed), and two backups (one per Store that changed them)."""
    paths = _write_music(tmp_path / "Music")
    db = tmp_path / "data" / "library.db"
    with Store(db) as store:
        store.add_folder(tmp_path / "Music")
        Scanner(store).scan()
        by_path = {t.path: t.id for t in store.tracks(limit=None)}
        store.create_playlist("Evening", [by_path[p] for p in paths[3:20]])
        store.create_playlist("Morning", [by_path[p] for p in paths[30:35][::-1]])
    with Store(db) as store:
        store.set_setting("analysis.workers", 3)
        store.set_setting("recommend.caps.artist", 2)
    assert all(p.exists() for p in backup_paths(db)[:2])
    expected = _state(db)
    assert len(expected["playlists"]["Evening"]) == 17
    return db, expected, paths


def _pages(db: Path) -> int:
    return db.stat().st_size // PAGE


def truncate(db: Path, rng) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: int(len(data) * 0.6)])


def random_pages(db: Path, rng) -> None:
    data = bytearray(db.read_bytes())
    for page in range(2, _pages(db), 2):  # every other page after the schema page
        data[(page - 1) * PAGE: page * PAGE] = rng.integers(0, 256, PAGE, dtype=np.uint8).tobytes()
    db.write_bytes(bytes(data))


def zero_length(db: Path, rng) -> None:
    db.write_bytes(b"")


def text_file(db: Path, rng) -> None:
    db.write_text("my music notes\nplaylists: evening, morning\n")


def half_copied(db: Path, rng) -> None:
    """The file restored from a copy that stopped half way, and the newest backup also half
    copied: the recovery falls back to the older backup."""
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    newest = backup_paths(db)[0]
    b = newest.read_bytes()
    newest.write_bytes(b[: len(b) // 2])


DAMAGE = [truncate, random_pages, zero_length, text_file, half_copied]


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__ for d in DAMAGE])
def test_a_damaged_library_is_kept_aside_and_recovered_then_rescanned(library, damage, rng):
    db, expected, paths = library
    damage(db, rng)
    damaged_bytes = db.read_bytes()
    assert check(db) is not None

    report = ensure_healthy(db)

    assert report is not None
    # the damaged file is kept, byte for byte, under a dated name
    assert report.damaged_copy.name.startswith("library.db.damaged-")
    assert report.damaged_copy.read_bytes() == damaged_bytes
    # a fresh, sound library with everything that cannot be redone
    assert check(db) is None
    with Store(db) as store:
        assert store.integrity_check() == "ok"
        Scanner(store).scan()  # the rebuild: every track read again
        assert store.counts()["pending"] == N_SONGS and store.counts()["missing"] == 0
    settings = 2
    if damage is half_copied:  # the older backup was made before the second setting
        assert report.backup == backup_paths(db)[1]
        expected["settings"]["recommend.caps.artist"] = None
        settings = 1
    assert _state(db) == expected
    assert report.playlists == 2 and report.songs == 22 and report.folders == 1
    assert report.settings == settings
    message = report.message()
    assert "was damaged" in message and report.damaged_copy.name in message
    assert f"2 playlists (22 songs), {settings} setting" in message
    assert "1 music folder" in message and "rescanning the music folders" in message
    # healthy now: a second start leaves it alone
    assert ensure_healthy(db) is None


def test_random_damage_on_the_tracks_pages_is_salvaged_from_the_file_itself(library, rng):
    """With no backup at all, playlists still come back from what SQLite can read."""
    db, expected, _ = library
    for p in backup_paths(db):
        p.unlink(missing_ok=True)
    with sqlite3.connect(db) as conn:  # the test's own copy: find the tracks' leaf pages
        leaves = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'tracks' AND pagetype = 'leaf'")]
    conn.close()
    assert len(leaves) >= 3
    data = bytearray(db.read_bytes())
    page = leaves[len(leaves) // 2]  # a middle leaf: rows on either side stay readable
    data[(page - 1) * PAGE: page * PAGE] = rng.integers(0, 256, PAGE, dtype=np.uint8).tobytes()
    db.write_bytes(bytes(data))

    report = ensure_healthy(db)
    assert report is not None and report.from_file and report.backup is None
    assert 0 < report.tracks < N_SONGS  # the tracks on the damaged page are gone …
    with Store(db) as store:
        Scanner(store).scan()  # … and come back from the rescan
        assert store.counts()["tracks"] == N_SONGS
    state = _state(db)
    assert state["folders"] == expected["folders"]
    assert state["settings"] == expected["settings"]
    assert set(state["playlists"]) == {"Evening", "Morning"}
    for name, songs in state["playlists"].items():  # in order, only songs that were damaged
        assert songs == [p for p in expected["playlists"][name] if p in songs]


def test_beyond_recovery_without_a_backup_starts_empty_and_says_so(tmp_path):
    db = tmp_path / "library.db"
    db.write_text("not a database\n")
    report = ensure_healthy(db)
    assert report is not None and not report.from_file and report.backup is None
    assert "Nothing could be recovered from it and there is no backup" in report.message()
    with Store(db) as store:
        assert store.counts()["tracks"] == 0 and store.integrity_check() == "ok"


def test_an_earlier_damaged_copy_is_never_overwritten(library):
    db, expected, _ = library
    db.write_text("first damage\n")
    first = ensure_healthy(db).damaged_copy
    db.write_text("second damage\n")
    second = ensure_healthy(db).damaged_copy
    assert first != second
    assert first.read_text() == "first damage\n" and second.read_text() == "second damage\n"
    assert _state(db) == expected  # the backup survived both recoveries


def test_healthy_missing_and_new_files_are_left_alone(library, tmp_path):
    db, _, _ = library
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    assert ensure_healthy(db) is None
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    assert ensure_healthy(tmp_path / "nothing-here.db") is None
    fresh = tmp_path / "fresh.db"
    fresh.write_bytes(b"")  # an empty file with no backups: a new library, as SQLite sees it
    assert ensure_healthy(fresh) is None and fresh.exists()
    assert not list(db.parent.glob("*.damaged-*"))


def test_backups_rotate_keep_three_and_skip_a_half_written_one(library):
    db, expected, _ = library
    for n in range(3):
        with Store(db) as store:
            store.set_setting("analysis.workers", 10 + n)
    first, second, third = backup_paths(db)
    assert read_backup(first).settings["analysis.workers"] == "12"
    assert read_backup(second).settings["analysis.workers"] == "11"
    assert read_backup(third).settings["analysis.workers"] == "10"
    assert len(list(db.parent.glob("library.db.backup-*"))) == 4  # three and the lock
    saved = read_backup(first)
    assert saved.playlists["Morning"][2] == expected["playlists"]["Morning"]
    half = first.read_bytes()
    first.write_bytes(half[: len(half) // 2])
    with pytest.raises(sqlite3.DatabaseError):
        read_backup(first)
    db.write_text("gone\n")
    report = ensure_healthy(db)
    assert report.backup == second
    with Store(db, read_only=True) as store:
        assert store.get_setting("analysis.workers") == 11


def test_changes_soon_after_a_backup_are_backed_up_on_close(library):
    db, _, _ = library
    with Store(db) as store:
        store.create_playlist("One", [])   # backed up at once
        store.create_playlist("Two", [])   # within the interval: waits for a timer …
        assert "Two" not in read_backup(backup_paths(db)[0]).playlists
    assert "Two" in read_backup(backup_paths(db)[0]).playlists  # … or the close
    assert not list(db.parent.glob("library.db.backup-tmp-*"))


def test_the_analysis_cache_and_track_writes_do_not_back_up(library):
    db, _, _ = library
    stamp = [p.stat().st_mtime_ns for p in backup_paths(db) if p.exists()]
    with Store(db) as store:
        store.set_setting("recommend.vector_model", {"fitted_at": 1})
        store.mark_missing([1])
    assert [p.stat().st_mtime_ns for p in backup_paths(db) if p.exists()] == stamp


def test_every_start_checks_the_precious_tables_and_the_whole_file_once_a_day(library, rng):
    db, _, _ = library
    assert check(db) is None  # no stamp yet: the whole file, then stamped
    assert Path(f"{db}.checked").exists()
    with sqlite3.connect(db) as conn:
        pages = dict(conn.execute("SELECT name, min(pageno) FROM dbstat GROUP BY name"))
    conn.close()
    data = bytearray(db.read_bytes())
    analysis = pages["analysis"]
    data[(analysis - 1) * PAGE: analysis * PAGE] = rng.integers(0, 256, PAGE,
                                                                dtype=np.uint8).tobytes()
    db.write_bytes(bytes(data))
    assert check(db) is None  # the analysis cache is not looked at again today …
    assert check(db, full=True) is not None  # … the daily whole-file check finds it
    playlists = pages["playlists"]
    data[(playlists - 1) * PAGE: playlists * PAGE] = bytes(PAGE)
    db.write_bytes(bytes(data))
    assert check(db) is not None  # the playlists are checked at every start
