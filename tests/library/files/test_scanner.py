"""The incremental scanner on real folders: adds, rescans, changes, moves, deletes, bad input."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from audio_formats import tag_file, touch_later, write_format

from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "lib.db") as s:
        yield s


def scan(store, **kw):
    scanner = Scanner(store, **kw)
    report = scanner.scan()
    return scanner, report


def analyse(store, track_id):
    store.save_analysis(track_id, version=1, features=np.arange(4.0), tags=np.zeros(50),
                        embedding=np.ones(200), duration=1.0)


def test_first_scan_reads_tags_and_folders(store, music):
    store.add_folder(music)
    scanner, report = scan(store)
    assert (report.files, report.added, report.failed) == (4, 4, 0)
    assert scanner.reads == 4
    t = store.track_by_path(str(music / "Alpha" / "First" / "02 Second Song.mp3"))
    assert (t.title, t.artist, t.album, t.tracknumber, t.codec) == (
        "Second Song", "Alpha", "First", 2, "mp3")
    assert t.status == "pending" and t.fingerprint and t.size > 0
    assert t.folder_id == store.folders()[0].id
    assert store.track_by_path(str(music / "loose.wav")).album is None


def test_unchanged_rescan_reads_nothing(store, music):
    store.add_folder(music)
    scan(store)
    before = {t.id: (t.updated_at, t.status) for t in store.tracks()}
    scanner, report = scan(store)
    assert scanner.reads == 0  # no file was opened: not for tags, not for the fingerprint
    assert (report.unchanged, report.added, report.updated) == (4, 0, 0)
    assert {t.id: (t.updated_at, t.status) for t in store.tracks()} == before


def test_changed_file_is_retagged_and_queued(store, music, copy_audio):
    store.add_folder(music)
    scan(store)
    path = music / "Alpha" / "First" / "01 Opening.flac"
    tid = store.track_by_path(str(path)).id
    analyse(store, tid)
    tag_file(path, "flac")  # new tags: content and size change
    touch_later(path)
    scanner, report = scan(store)
    assert (report.updated, scanner.reads) == (1, 1)
    t = store.get_track(tid)
    assert t.title == "Tone Song" and t.status == "pending"
    # touched only (same bytes): re-read, but the analysis stays valid
    analyse(store, tid)
    touch_later(path, 10)
    _, report = scan(store)
    assert report.updated == 1 and store.get_track(tid).status == "analysed"


def test_move_keeps_analysis_row(store, music):
    store.add_folder(music)
    scan(store)
    old = music / "Beta" / "Live" / "01 - Encore.ogg"
    tid = store.track_by_path(str(old)).id
    analyse(store, tid)
    new = music / "Gamma" / "Renamed.ogg"
    new.parent.mkdir()
    os.rename(old, new)
    _, report = scan(store)
    assert (report.moved, report.added, report.missing) == (1, 0, 0)
    t = store.get_track(tid)
    assert t.path == str(new) and t.status == "analysed"
    assert store.get_analysis(tid) is not None
    assert store.track_by_path(str(old)) is None


def test_move_of_a_track_already_missing(store, music, tmp_path):
    store.add_folder(music)
    scan(store)
    src = music / "loose.wav"
    tid = store.track_by_path(str(src)).id
    analyse(store, tid)
    shutil.move(src, tmp_path / "aside.wav")
    assert scan(store)[1].missing == 1
    shutil.move(tmp_path / "aside.wav", music / "back-under-new-name.wav")
    _, report = scan(store)
    assert report.moved == 1
    assert store.get_track(tid).status == "analysed"


def test_delete_marks_missing_then_revive_and_purge(store, music, tmp_path):
    store.add_folder(music)
    scan(store)
    path = music / "loose.wav"
    tid = store.track_by_path(str(path)).id
    analyse(store, tid)
    shutil.move(path, tmp_path / "elsewhere.wav")
    _, report = scan(store)
    assert report.missing == 1
    assert store.get_track(tid).status == "missing"
    assert store.get_analysis(tid) is not None  # kept
    shutil.move(tmp_path / "elsewhere.wav", path)  # same path, same stat: back
    scanner, report = scan(store)
    assert report.revived == 1 and scanner.reads == 0
    assert store.get_track(tid).status == "analysed"
    path.unlink()
    scan(store)
    assert store.purge_missing() == 1
    assert store.get_track(tid) is None


def test_absent_folder_marks_missing_and_says_so(store, music, tmp_path):
    usb = tmp_path / "usb"
    shutil.copytree(music, usb)
    store.add_folder(music)
    store.add_folder(usb)
    scan(store)
    analysed = store.track_by_path(str(usb / "loose.wav")).id
    analyse(store, analysed)
    shutil.rmtree(usb)  # the drive is unplugged
    _, report = scan(store)
    assert report.absent_folders == [str(usb)]
    assert report.missing == 4
    assert store.counts()["missing"] == 4 and store.counts()["tracks"] == 8
    shutil.copytree(music, usb)  # plugged back in (new mtimes: re-read, same content)
    _, report = scan(store)
    assert report.absent_folders == [] and store.counts()["missing"] == 0
    assert store.get_track(analysed).status == "analysed"


def test_emptied_folder_is_reported(store, music):
    store.add_folder(music)
    scan(store)
    for p in list(music.rglob("*.*")):
        p.unlink()
    _, report = scan(store)
    assert report.empty_folders == [str(music)] and report.missing == 4


def test_skips_hidden_non_audio_and_special_files(store, music, copy_audio):
    copy_audio("flac", music / ".hidden.flac")
    copy_audio("flac", music / ".cache" / "x.flac")
    (music / "cover.jpg").write_bytes(b"\xff\xd8\xff" + bytes(100))
    (music / "notes.txt").write_text("hello")
    os.mkfifo(music / "pipe.mp3")  # opening this would block forever
    os.mkdir(music / "folder.mp3")
    store.add_folder(music)
    scanner, report = scan(store)
    assert report.files == 4 and scanner.reads == 4
    assert sorted(os.path.basename(t.path) for t in store.tracks()) == [
        "01 - Encore.ogg", "01 Opening.flac", "02 Second Song.mp3", "loose.wav"]


def test_symlinks_followed_without_loops(store, music, tmp_path, copy_audio):
    outside = tmp_path / "outside"
    copy_audio("mp3", outside / "linked.mp3")
    os.symlink(outside, music / "link-to-outside")
    os.symlink(music, music / "Alpha" / "loop")  # a loop back to the top
    os.symlink(music / "Beta", music / "beta-again")  # a second way in
    os.symlink(music / "loose.wav", music / "loose-link.wav")
    os.symlink(tmp_path / "nowhere.mp3", music / "dangling.mp3")
    store.add_folder(music)
    _, report = scan(store)
    paths = sorted(os.path.relpath(t.path, music) for t in store.tracks())
    assert paths == ["Alpha/First/01 Opening.flac", "Alpha/First/02 Second Song.mp3",
                     "Beta/Live/01 - Encore.ogg", "link-to-outside/linked.mp3", "loose.wav"]
    assert report.failed == 0


def test_bad_files_recorded_with_reasons(store, tmp_path, copy_audio):
    root = tmp_path / "Mixed"
    copy_audio("flac", root / "good.flac")
    (root / "empty.mp3").write_bytes(b"")
    (root / "text.mp3").write_text("not music at all, just some words\n" * 10)
    full = write_format(tmp_path / "full.mp3", "mp3", seconds=3.0).read_bytes()
    (root / "cut.mp3").write_bytes(full[:len(full) // 3])
    raw = os.fsencode(root) + b"/caf\xe9 \xff.wav"
    shutil.copyfile(copy_audio("wav", tmp_path / "w.wav"), raw)
    huge = root / "huge.wav"  # 3 GB, sparse: a real WAV header, then nothing on disk
    huge.write_bytes((tmp_path / "w.wav").read_bytes()[:44])
    os.truncate(huge, 3 * 1024**3)
    store.add_folder(root)
    t0 = time.monotonic()
    _, report = scan(store)
    assert time.monotonic() - t0 < 10  # nothing read whole
    reasons = {os.path.basename(p): r for p, r in store.failures()}
    assert reasons["empty.mp3"] == "file is empty (0 bytes)"
    assert reasons["text.mp3"] == "not an audio file (text)"
    assert reasons["cut.mp3"].startswith("truncated or corrupt MP3")
    assert "huge.wav" not in reasons  # valid header; decoding is the analyser's business
    assert report.failed == 3 and report.added == 6
    odd = store.track_by_path(os.fsdecode(raw))
    assert odd is not None and odd.status == "pending" and os.fsencode(odd.path) == raw
    big = store.track_by_path(str(huge))
    assert big.size == 3 * 1024**3 and big.duration == pytest.approx(1.0)  # header's word


def test_file_deleted_mid_scan_is_skipped(store, music):
    store.add_folder(music)
    victim = music / "loose.wav"
    scanner = Scanner(store)
    real_walk = scanner.walk

    def walk_then_delete(roots):  # the file is listed, then deleted before it is read
        items = list(real_walk(roots))
        assert str(victim) in [i.path for i in items]
        victim.unlink()
        return iter(items)

    scanner.walk = walk_then_delete
    report = scanner.scan()
    assert report.skipped == 1 and report.added == 3 and report.failed == 0
    assert store.track_by_path(str(victim)) is None


def test_batches_commit_and_progress(store, tmp_path, copy_audio):
    root = tmp_path / "Many"
    root.mkdir()
    src = copy_audio("wav", tmp_path / "src.wav")
    for i in range(23):
        os.link(src, root / f"{i:02d}.wav")
    commits, calls = [], []
    store.subscribe(lambda e, ids: commits.append(len(ids)) if e == "tracks-added" else None)
    store.add_folder(root)
    _, report = scan(store, batch_size=5, progress=lambda d, t, p: calls.append((d, t)))
    assert report.added == 23
    assert commits == [5, 5, 5, 5, 3]
    assert calls[-1] == (23, 23)


def test_nested_folders_each_own_their_tracks(store, music):
    inner = music / "Alpha"
    store.add_folder(music)
    store.add_folder(inner)
    _, report = scan(store)
    assert report.files == 4
    ids = {f.path: f.id for f in store.folders()}
    t = store.track_by_path(str(inner / "First" / "01 Opening.flac"))
    assert t.folder_id == ids[str(inner)]
    assert store.track_by_path(str(music / "loose.wav")).folder_id == ids[str(music)]


def test_kill_9_mid_scan_leaves_a_sound_database(tmp_path, copy_audio):
    root = tmp_path / "Big"
    root.mkdir()
    src = copy_audio("flac", tmp_path / "src.flac")
    for i in range(400):
        os.link(src, root / f"{i:03d}.flac")
    db = tmp_path / "lib.db"
    with Store(db) as s:
        s.add_folder(root)
    script = textwrap.dedent(f"""
        import time
        from soundalike.library.files.scanner import Scanner
        from soundalike.library.store import Store

        class Slow(Scanner):
            def read(self, path, root):
                time.sleep(0.01)
                return super().read(path, root)

        Slow(Store({str(db)!r}), batch_size=20).scan()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as c:
                if c.execute("SELECT COUNT(*) FROM tracks").fetchone()[0] >= 40:
                    break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    with Store(db) as s:
        assert s.integrity_check() == "ok"
        partial = s.count_tracks()
        assert 40 <= partial < 400 and partial % 20 == 0  # whole batches only
        report = Scanner(s).scan()
        assert report.added == 400 - partial and s.count_tracks() == 400


def test_scan_file_per_file_kinds(store, music, tmp_path, copy_audio):
    store.add_folder(music)
    scanner = Scanner(store)
    scanner.scan()
    changed = []
    scanner.on_tracks_changed = changed.extend
    new = copy_audio("mp3", music / "Alpha" / "First" / "03 Third.mp3")
    kind, tid = scanner.scan_file(str(new))
    assert kind == "added" and changed == [tid]
    assert scanner.scan_file(str(new)) == ("unchanged", tid)
    tag_file(new, "mp3")
    touch_later(new)
    assert scanner.scan_file(str(new)) == ("updated", tid)
    assert store.get_track(tid).title == "Tone Song"
    analyse(store, tid)
    moved = music / "Beta" / "third.mp3"
    os.rename(new, moved)
    assert scanner.scan_file(str(new)) == ("missing", tid)
    assert scanner.scan_file(str(moved)) == ("moved", tid)
    assert store.get_track(tid).status == "analysed"
    (music / "bad.flac").write_text("words, not sound\n" * 4)
    kind, bad = scanner.scan_file(str(music / "bad.flac"))
    assert kind == "failed" and store.get_track(bad).error == "not an audio file (text)"
    assert scanner.scan_file(str(tmp_path / "outside.mp3"))[0] == "skipped"
    assert scanner.scan_file(str(music / "cover.jpg"))[0] == "skipped"
    assert scanner.scan_file(str(music / ".hidden" / "x.mp3"))[0] == "skipped"
    # a folder moved within the library keeps every track's id
    ids = {store.track_by_path(str(p)).id for p in (music / "Alpha").rglob("*.*")}
    os.rename(music / "Alpha", music / "Alpha2")
    assert set(scanner.move_path(str(music / "Alpha"), str(music / "Alpha2"))) == ids
    assert {store.track_by_path(str(p)).id for p in (music / "Alpha2").rglob("*.*")} == ids
    assert scanner.remove_path(str(music / "Alpha2")) and store.counts()["missing"] == 2


def test_removed_then_readded_folder_gets_its_tracks_back(store, music):
    store.add_folder(music)
    scan(store)
    tid = store.track_by_path(str(music / "loose.wav")).id
    analyse(store, tid)
    store.remove_folder(music)
    assert store.counts()["missing"] == 4
    _, report = scan(store)  # no folders: nothing to walk, nothing changes
    assert report.files == 0 and store.counts()["missing"] == 4
    fid = store.add_folder(music)
    scanner, report = scan(store)
    assert report.revived == 4 and scanner.reads == 0
    t = store.get_track(tid)
    assert t.status == "analysed" and t.folder_id == fid


def test_a_stalled_read_costs_only_the_time_limit(store, music):
    """A read that stalls (as on a hung network share) is given up after read_timeout; the
    scan completes and records why. The stall is a real sleep in the reading thread."""
    import threading

    stalled = str(music / "loose.wav")
    release = threading.Event()

    class StallingScanner(Scanner):
        def _read_file(self, path, root):
            if path == stalled:
                release.wait(30)
            return super()._read_file(path, root)

    store.add_folder(music)
    t0 = time.monotonic()
    report = StallingScanner(store, read_timeout=0.5).scan()
    release.set()
    assert time.monotonic() - t0 < 5
    assert report.added == 4 and report.failed == 1
    assert dict(store.failures())[stalled].startswith("reading the file took longer than 0.5 s")
    assert all(t.status == "pending" for t in store.tracks() if t.path != stalled)
