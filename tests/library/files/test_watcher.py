"""The folder watcher with real watchdog observers on temporary folders."""

from __future__ import annotations

import os
import shutil
import threading
import time

import numpy as np
import pytest

from soundalike.library.files.scanner import Scanner
from soundalike.library.files.watcher import FolderWatcher
from soundalike.library.store import Store


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.changes: list[tuple[str, str]] = []
        self.ids: list[int] = []
        self.messages: list[str] = []

    def on_change(self, kind, path):
        with self.lock:
            self.changes.append((kind, path))

    def on_ids(self, ids):
        with self.lock:
            self.ids.extend(ids)

    def kinds_for(self, path) -> list[str]:
        with self.lock:
            return [k for k, p in self.changes if p == str(path)]


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def library(tmp_path, music):
    db = tmp_path / "lib.db"
    with Store(db) as s:
        s.add_folder(music)
        Scanner(s).scan()
    return db, music


def start(db, rec, **kw) -> FolderWatcher:
    w = FolderWatcher(db, on_change=rec.on_change, on_tracks_changed=rec.on_ids,
                      on_message=rec.messages.append, settle_seconds=0.3, **kw)
    w.start()
    return w


def track(db, path):
    with Store(db) as s:
        return s.track_by_path(str(path))


@pytest.mark.parametrize("polling", [False, True], ids=["inotify", "polling"])
def test_copy_rename_delete(library, tmp_path, copy_audio, polling):
    db, music = library
    rec = Recorder()
    w = start(db, rec, force_polling=polling, poll_interval=0.2)
    try:
        assert w.watched == {str(music)}
        # a file copied in slowly, in pieces: applied once, complete
        src = copy_audio("flac", tmp_path / "incoming.flac").read_bytes()
        dest = music / "Alpha" / "New.flac"
        with open(dest, "wb") as fh:
            for i in range(0, len(src), 4096):
                fh.write(src[i:i + 4096])
                fh.flush()
                time.sleep(0.01)
        assert wait_for(lambda: rec.kinds_for(dest) == ["added"])
        t = track(db, dest)
        assert t.status == "pending" and t.size == len(src) and t.codec == "flac"
        assert t.id in rec.ids
        # analysed, then renamed: same row, analysis kept
        with Store(db) as s:
            s.save_analysis(t.id, version=1, features=np.zeros(3), tags=np.zeros(50),
                            embedding=np.zeros(200), duration=1.0)
        renamed = music / "Alpha" / "Renamed.flac"
        os.rename(dest, renamed)
        assert wait_for(lambda: track(db, renamed) is not None)
        moved = track(db, renamed)
        assert moved.id == t.id and moved.status == "analysed"
        assert track(db, dest) is None
        # deleted: marked missing, not dropped
        renamed.unlink()
        assert wait_for(lambda: track(db, renamed).status == "missing")
        assert "missing" in rec.kinds_for(renamed)
    finally:
        w.stop()
    assert w.error is None


def test_whole_folder_moves_and_deletes(library, tmp_path):
    db, music = library
    rec = Recorder()
    w = start(db, rec)
    try:
        old = music / "Alpha"
        ids = {track(db, p).id for p in old.rglob("*.*")}
        os.rename(old, music / "Alpha Renamed")
        new_paths = list((music / "Alpha Renamed").rglob("*.*"))
        assert wait_for(lambda: all(track(db, p) is not None for p in new_paths))
        assert {track(db, p).id for p in new_paths} == ids
        # moved out of the music folders entirely: missing
        shutil.move(music / "Alpha Renamed", tmp_path / "outside")
        assert wait_for(lambda: all(track(db, p).status == "missing" for p in new_paths))
        # a whole album copied in
        shutil.copytree(tmp_path / "outside", music / "Copied")
        copied = list((music / "Copied").rglob("*.*"))
        assert len(copied) == 2
        assert wait_for(lambda: all(track(db, p) is not None for p in copied))
    finally:
        w.stop()


def test_folder_added_while_running_is_watched(library, tmp_path, copy_audio):
    db, _ = library
    rec = Recorder()
    other = tmp_path / "Other"
    copy_audio("mp3", other / "already-there.mp3")
    w = start(db, rec)
    try:
        w.add_folder(str(other))
        assert wait_for(lambda: str(other) in w.watched)
        assert wait_for(lambda: track(db, other / "already-there.mp3") is not None)
        copy_audio("ogg", other / "later.ogg")
        assert wait_for(lambda: rec.kinds_for(other / "later.ogg") == ["added"])
    finally:
        w.stop()


def test_ignores_hidden_and_non_audio(library, copy_audio):
    db, music = library
    rec = Recorder()
    w = start(db, rec)
    try:
        (music / "notes.txt").write_text("hello")
        copy_audio("flac", music / ".hidden.flac")
        copy_audio("flac", music / "visible.flac")
        assert wait_for(lambda: rec.kinds_for(music / "visible.flac") == ["added"])
        time.sleep(0.5)
        with Store(db) as s:
            assert s.track_by_path(str(music / ".hidden.flac")) is None
            assert s.track_by_path(str(music / "notes.txt")) is None
    finally:
        w.stop()


def test_absent_folder_is_reported_not_fatal(tmp_path):
    db = tmp_path / "lib.db"
    with Store(db) as s:
        s.add_folder(tmp_path / "unplugged")
    rec = Recorder()
    w = start(db, rec)
    w.stop()
    assert w.watched == set()
    assert any("unplugged" in m and "not there" in m for m in rec.messages)


def test_bad_database_is_raised_by_start(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("not a database\n" * 100)
    from soundalike.library.model.errors import LibraryError

    with pytest.raises(LibraryError):
        FolderWatcher(bad).start()


def test_modified_file_is_reread(library):
    from audio_formats import tag_file

    db, music = library
    path = music / "Alpha" / "First" / "01 Opening.flac"
    tid = track(db, path).id
    rec = Recorder()
    w = start(db, rec)
    try:
        tag_file(path, "flac")
        assert wait_for(lambda: "updated" in rec.kinds_for(path))
        t = track(db, path)
        assert t.id == tid and t.title == "Tone Song" and t.status == "pending"
        assert tid in rec.ids
    finally:
        w.stop()


def test_polling_sees_a_file_added_right_after_start(library, tmp_path, copy_audio):
    """start() returns only once the polled folder's first snapshot is taken: a file
    copied in at once is a change, not part of the snapshot (CI saw it missed)."""
    db, music = library
    src = copy_audio("flac", tmp_path / "incoming.flac")
    for attempt in range(3):
        rec = Recorder()
        w = start(db, rec, force_polling=True, poll_interval=0.2)
        dest = music / f"right-after-start-{attempt}.flac"
        try:
            shutil.copy(src, dest)
            assert wait_for(lambda r=rec, d=dest: "added" in r.kinds_for(d)), rec.changes
        finally:
            w.stop()


def test_falls_back_to_polling_when_inotify_hits_a_limit(library, copy_audio, tmp_path):
    """A real EMFILE: the subprocess uses up its file descriptors so inotify cannot start."""
    import subprocess
    import sys
    import textwrap

    db, music = library
    src = copy_audio("flac", tmp_path / "incoming.flac")
    script = textwrap.dedent(f"""
        import os, resource, shutil, time
        from soundalike.library.files.watcher import FolderWatcher

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))
        spare = []
        while True:
            try:
                spare.append(os.open(os.devnull, os.O_RDONLY))
            except OSError:
                break
        for _ in range(3):  # just enough for the watcher's database (db, -wal, -shm)
            os.close(spare.pop())
        messages, changes = [], []

        def on_message(text):
            messages.append(text)
            for _ in range(10):  # room for the polling observer's directory scans
                os.close(spare.pop())

        w = FolderWatcher({str(db)!r}, on_message=on_message, settle_seconds=0.2,
                          poll_interval=0.2, on_change=lambda k, p: changes.append(k))
        w.start()
        shutil.copy({str(src)!r}, {str(music / "polled.flac")!r})
        deadline = time.monotonic() + 15
        while not changes and time.monotonic() < deadline:
            time.sleep(0.05)
        w.stop()
        print(w.polling, changes, messages)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=False, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("True ['added']"), out.stdout
    assert "limit" in out.stdout and "polling instead" in out.stdout
    assert track(db, music / "polled.flac").status == "pending"
