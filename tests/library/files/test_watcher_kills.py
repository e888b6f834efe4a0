"""SIGKILL ``soundalike watch`` while files move, 20 times at random moments.

A thread of the test keeps moving real audio files between two folders; the watcher (a
real ``soundalike watch`` process: scan, then inotify) is started, killed at a random
moment, started again. After every kill the database passes ``integrity_check`` and a
playlist of every track still holds all of them; at the end one scan brings the library
in step: every file is one present track, and the playlist's entries are still the
original tracks (same ids, so nothing was lost to a delete-and-add), each at its file's
current place. (A file met twice while it moved may leave a second, ``missing`` row.)
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from audiofiles import tone, write_audio

from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store

KILLS = 20
PY = sys.executable


def _mover(dirs: list[Path], stop: threading.Event, moved: list[int]) -> None:
    rng = random.Random(5)
    while not stop.is_set():
        src = rng.choice(dirs)
        files = sorted(src.iterdir())
        if files:
            f = rng.choice(files)
            f.rename(rng.choice([d for d in dirs if d != src]) / f.name)
            moved[0] += 1
        time.sleep(0.03)


def test_sigkill_while_files_move_keeps_the_database_and_every_track(tmp_path):
    music = tmp_path / "music"
    dirs = [music / "A", music / "B", music / "C"]
    for d in dirs:
        d.mkdir(parents=True)
    for i in range(12):
        write_audio(dirs[i % 3] / f"song{i:02d}.flac",
                    tone(150.0 + 40 * i, 1.0, 22050).astype(np.float32), 22050)
    db = tmp_path / "lib.db"
    with Store(db) as store:
        store.add_folder(music)
        Scanner(store).scan()
        ids = {Path(t.path).name: t.id for t in store.tracks()}
        playlist = store.create_playlist("Everything", sorted(ids.values()))
    env = dict(os.environ, SOUNDALIKE_DB=str(db))
    rng = random.Random(14)
    stop, moved = threading.Event(), [0]
    mover = threading.Thread(target=_mover, args=(dirs, stop, moved), daemon=True)
    mover.start()
    try:
        for kill in range(KILLS):
            watch = subprocess.Popen([PY, "-m", "soundalike.main", "watch", "--no-analyze"],
                                     env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
            try:
                for line in watch.stderr:  # up (after its first scan) and watching
                    if line.startswith("watching"):
                        break
                time.sleep(rng.uniform(0.0, 1.0))
            finally:
                os.killpg(watch.pid, signal.SIGKILL)
                watch.wait(30)
            with Store(db) as store:
                assert store.integrity_check() == "ok", f"after kill {kill + 1}"
                kept = [t.id for t in store.playlist_tracks(playlist)]
                assert kept == sorted(ids.values()), f"after kill {kill + 1}"
    finally:
        stop.set()
        mover.join(10)
    assert moved[0] > 100  # files really were moving throughout
    with Store(db) as store:
        Scanner(store).scan()
        on_disk = {p.name: str(p) for d in dirs for p in d.iterdir()}
        assert store.integrity_check() == "ok"
        present = [t for t in store.tracks() if t.status != "missing"]
        assert sorted(t.path for t in present) == sorted(on_disk.values())  # each file once
        listed = store.playlist_tracks(playlist)
        assert [t.id for t in listed] == sorted(ids.values())  # every entry kept its track …
        assert {Path(t.path).name: t.path for t in listed} == on_disk  # … at the file's place
