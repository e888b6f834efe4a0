"""Music folders that come and go (issue 21, item 4): real folders renamed away and back,
real mounts (a bind mount unmounted leaves an empty mount point), the scanner and a real
watchdog observer. Waits are conditions with deadlines."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from soundalike.library.files.availability import (
    UNMOUNTED,
    check_root,
    mount_point,
    unavailable_folders,
)
from soundalike.library.files.scanner import Scanner
from soundalike.library.files.watcher import FolderWatcher
from soundalike.library.model.settings import CACHE_KEYS, MOUNT_POINTS
from soundalike.library.store import Store

sys.path.insert(0, os.path.dirname(__file__))
from test_watcher import Recorder, start, wait_for  # noqa: E402 - the watcher tests' helpers


def statuses(db) -> dict[str, str]:
    with Store(db) as s:
        return {os.path.basename(t.path): str(t.status) for t in s.tracks()}


def scanned(db, folder, *, analysed: bool = True):
    """*db* with the music folder *folder*, scanned (and every track given an analysis)."""
    with Store(db) as s:
        s.add_folder(folder)
        Scanner(s).scan()
    if analysed:
        analyse_all(db)
    return db


def analyse_all(db) -> None:
    with Store(db) as s:
        for t in s.tracks():
            s.save_analysis(t.id, version=1, features=np.arange(4.0), tags=np.zeros(50),
                            embedding=np.zeros(200), duration=1.0)


def _can_mount(tmp: Path) -> bool:
    a, b = tmp / "probe-src", tmp / "probe-dst"
    a.mkdir()
    b.mkdir()
    ok = subprocess.run(["mount", "--bind", str(a), str(b)], capture_output=True,
                        check=False).returncode == 0
    if ok:
        subprocess.run(["umount", str(b)], check=True)
    return ok


@pytest.fixture
def bind(tmp_path):
    """``bind(src, dst)`` mounts *src* on *dst*; ``bind.umount(dst)``; all unmounted after."""
    if not _can_mount(tmp_path):
        pytest.skip("mounting needs root (CAP_SYS_ADMIN)")
    mounted: list[str] = []

    class Bind:
        def __call__(self, src, dst):
            subprocess.run(["mount", "--bind", str(src), str(dst)], check=True)
            mounted.append(str(dst))

        def umount(self, dst):
            subprocess.run(["umount", str(dst)], check=True)
            mounted.remove(str(dst))

    yield Bind()
    for dst in reversed(mounted):
        subprocess.run(["umount", "-l", dst], check=False)


@pytest.fixture
def mounted(tmp_path, copy_audio, bind):
    """A "drive" of two songs bind-mounted on *point*, scanned and analysed as the only
    music folder: ``(drive, point, db)``."""
    drive = tmp_path / "drive"                       # what the drive holds
    copy_audio("flac", drive / "A" / "one.flac")
    copy_audio("ogg", drive / "A" / "two.ogg")
    point = tmp_path / "media" / "usb"               # where it is mounted
    point.mkdir(parents=True)
    bind(drive, point)
    return drive, point, scanned(tmp_path / "lib.db", point)


@pytest.fixture
def library(tmp_path, music):
    """A scanned, analysed library of the ``music`` folder (4 tracks)."""
    return scanned(tmp_path / "lib.db", music), music


# -- the rule ---------------------------------------------------------------------------------
def test_check_root_says_why(tmp_path):
    assert check_root(str(tmp_path / "nope")).kind == "absent"
    assert "unplugged" in check_root(str(tmp_path / "nope")).reason
    (tmp_path / "file").write_text("x")
    assert check_root(str(tmp_path / "file")).kind == "absent"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_root(str(empty), has_tracks=False) is None       # a new, empty folder
    assert check_root(str(empty)).kind == UNMOUNTED                # tracks, mount unknown
    here = mount_point(str(empty))
    assert check_root(str(empty), known_mount=here) is None        # emptied on its own drive
    (empty / "a.flac").write_text("x")
    assert check_root(str(empty)) is None


def test_an_unreadable_root_says_so(tmp_path):
    """Permission denied (root reads everything: checked as the user nobody, when root)."""
    import tempfile

    top = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        top.chmod(0o755)
        locked = top / "Music"
        locked.mkdir()
        locked.chmod(0)
        code = ("from soundalike.library.files.availability import check_root; "
                f"p = check_root({str(locked)!r}); print(p.kind, p.reason)")
        if os.geteuid() == 0:
            if shutil.which("setpriv") is None:
                pytest.skip("needs setpriv to drop root")
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   sys.executable, "-c", code]
        else:
            cmd = [sys.executable, "-c", code]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60,
                             cwd="/")
        assert out.stdout.strip() == "unreadable cannot be read (permission denied)", out
    finally:
        (top / "Music").chmod(0o755)
        shutil.rmtree(top)


def test_mount_point_sees_bind_mounts(tmp_path, bind):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "x").write_text("x")
    assert mount_point(str(dst / "sub")) != str(dst)
    bind(src, dst)
    assert mount_point(str(dst / "sub")) == str(dst)   # os.path.ismount cannot see this one


# -- the scanner ------------------------------------------------------------------------------
def test_folder_renamed_away_is_masked_and_revived_with_analyses(library, tmp_path,
                                                                  copy_audio):
    db, music = library
    assert set(statuses(db).values()) == {"analysed"}
    away = tmp_path / "Music.away"
    os.rename(music, away)
    # a copy of one of its songs in another music folder must not "move" it off the drive
    other = tmp_path / "Other"
    other.mkdir()
    shutil.copy2(away / "loose.wav", other / "copy.wav")
    with Store(db) as s:
        s.add_folder(other)
        report = Scanner(s).scan()
        assert report.absent_folders == [str(music)]
        assert report.unavailable == {str(music): "is not there (unplugged drive?)"}
        [gone] = unavailable_folders(s)
        assert (gone.path, gone.kind, gone.hidden) == (str(music), "absent", 4)
    st = statuses(db)
    assert st.pop("copy.wav") == "pending"          # a new track, not the masked one moved
    assert set(st.values()) == {"missing"} and len(st) == 4

    os.rename(away, music)
    with Store(db) as s:
        report = Scanner(s).scan()
        assert report.revived == 4 and report.absent_folders == []
        assert unavailable_folders(s) == []
        assert s.get_analysis(s.track_by_path(str(music / "loose.wav")).id) is not None
    st = statuses(db)
    assert st.pop("copy.wav") == "pending"
    assert set(st.values()) == {"analysed"}


def test_empty_mount_point_is_unavailable_not_emptied(mounted, bind):
    drive, point, db = mounted
    with Store(db) as s:
        assert s.setting(MOUNT_POINTS) == {str(point): str(point)}
        assert MOUNT_POINTS.key in CACHE_KEYS   # noted again by a scan: not backed up

    bind.umount(point)                               # unmounted: an empty directory is left
    assert point.is_dir() and not any(point.iterdir())
    with Store(db) as s:
        report = Scanner(s).scan()
        assert report.unavailable == {str(point): "is empty (is its drive mounted?)"}
        assert report.empty_folders == []
        [gone] = unavailable_folders(s)
        assert (gone.kind, gone.hidden) == (UNMOUNTED, 2)
    assert set(statuses(db).values()) == {"missing"}

    bind(drive, point)                               # plugged in again
    with Store(db) as s:
        report = Scanner(s).scan()
        assert report.revived == 2 and not report.unavailable
    assert set(statuses(db).values()) == {"analysed"}


def test_folder_emptied_on_a_mounted_drive_is_not_unavailable(library):
    db, music = library
    for p in list(music.iterdir()):
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    with Store(db) as s:
        report = Scanner(s).scan()     # its mount (remembered at the first scan) is there
        assert report.unavailable == {} and report.empty_folders == [str(music)]
        assert report.missing == 4 and unavailable_folders(s) == []


# -- the watcher ------------------------------------------------------------------------------
def watcher(db, rec, **kw) -> FolderWatcher:
    return start(db, rec, check_seconds=0.3, poll_interval=0.2, **kw)


@pytest.mark.parametrize("polling", [False, True], ids=["inotify", "polling"])
def test_watcher_masks_a_folder_that_goes_and_revives_it_when_back(library, tmp_path,
                                                                    copy_audio, polling):
    db, music = library
    rec = Recorder()
    w = watcher(db, rec, force_polling=polling)
    try:
        assert w.watched == {str(music)} and w.unavailable == {}
        away = tmp_path / "Music.away"
        os.rename(music, away)                       # the drive is pulled
        assert wait_for(lambda: set(statuses(db).values()) == {"missing"})
        assert wait_for(lambda: "folder-unavailable" in rec.kinds_for(music))
        assert wait_for(lambda: str(music) in w.unavailable and str(music) not in w.watched)
        os.rename(away, music)                       # … and plugged in again
        assert wait_for(lambda: set(statuses(db).values()) == {"analysed"})
        assert wait_for(lambda: "folder-available" in rec.kinds_for(music))
        assert wait_for(lambda: w.unavailable == {} and str(music) in w.watched)
        assert wait_for(lambda: any("is back: 4 songs again" in m for m in list(rec.messages)))
        # watched again: a song added now is found
        copy_audio("mp3", music / "Beta" / "new.mp3")
        assert wait_for(lambda: statuses(db).get("new.mp3") == "pending")
    finally:
        w.stop()
    assert w.error is None


def test_watcher_sees_a_drive_unmounted_and_mounted_again(mounted, bind):
    drive, point, db = mounted
    rec = Recorder()
    w = watcher(db, rec)
    try:
        assert w.watched == {str(point)}
        bind.umount(point)
        assert wait_for(lambda: set(statuses(db).values()) == {"missing"})
        assert wait_for(lambda: w.unavailable.get(str(point)) ==
                        "is empty (is its drive mounted?)")
        assert wait_for(lambda: any(  # said just after the folder is marked unavailable
            "is empty (is its drive mounted?): 2 songs hidden until it is back" in m
            for m in list(rec.messages)))
        bind(drive, point)
        assert wait_for(lambda: set(statuses(db).values()) == {"analysed"})
        assert wait_for(lambda: w.unavailable == {} and str(point) in w.watched)
    finally:
        w.stop()
    assert w.error is None


def test_watcher_starts_with_a_folder_away_and_picks_it_up(tmp_path, music):
    db = scanned(tmp_path / "lib.db", music, analysed=False)
    away = tmp_path / "Music.away"
    os.rename(music, away)
    rec = Recorder()
    w = watcher(db, rec)
    try:
        assert w.watched == set() and str(music) in w.unavailable
        assert any(str(music) in m and "not there" in m for m in rec.messages)
        os.rename(away, music)
        assert wait_for(lambda: set(statuses(db).values()) == {"pending"})
        assert wait_for(lambda: str(music) in w.watched)
    finally:
        w.stop()


def test_watcher_sees_its_root_deleted_and_made_again(library, tmp_path):
    """A root deleted outright (its own watch ends with it) is masked, said so, and
    watched and rescanned when it is there again — with its analyses."""
    db, music = library
    backup = tmp_path / "backup"
    shutil.copytree(music, backup)                  # copy2: same sizes and times
    rec = Recorder()
    w = watcher(db, rec)
    try:
        shutil.rmtree(music)
        assert wait_for(lambda: "folder-unavailable" in rec.kinds_for(music))
        assert wait_for(lambda: str(music) in w.unavailable and str(music) not in w.watched)
        assert set(statuses(db).values()) == {"missing"}
        assert any(f"{music} is not there (unplugged drive?): 4 songs hidden" in m
                   for m in rec.messages)
        shutil.copytree(backup, music)
        assert wait_for(lambda: set(statuses(db).values()) == {"analysed"})
        assert wait_for(lambda: str(music) in w.watched and not w.unavailable)
    finally:
        w.stop()
    assert w.error is None
