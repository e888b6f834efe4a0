"""Shared helpers of the GUI tests (importable: tests/gui is put on sys.path by conftest)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audiofiles import click_track, noise, tone, write_audio

from soundalike.library.analysis.controller import AnalysisController
from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store

SR = 22050

# (file stem, title, artist, genre, signal maker)
SONGS = (
    ("01 low hum", "Low Hum", "Drone Band", "Ambient", lambda s: tone([110, 220], s, SR)),
    ("02 low hum again", "Low Hum Again", "Drone Band", "Ambient",
     lambda s: tone([112, 224], s, SR)),
    ("03 hiss", "Hiss", "Noise Co", "Noise", lambda s: noise(s, SR, seed=1)),
    ("04 hiss again", "Hiss Again", "Noise Co", "Noise", lambda s: noise(s, SR, seed=2)),
    ("05 clicks", "Clicks", "Metronome", "Techno", lambda s: click_track(120, s, SR)),
    ("06 fast clicks", "Fast Clicks", "Metronome", "Techno", lambda s: click_track(150, s, SR)),
    ("07 high whistle", "High Whistle", "Kettle", "Ambient", lambda s: tone([1760, 2637], s, SR)),
)


def write_song(folder: Path, stem: str, title: str, artist: str, genre: str, y,
               album: str = "Test Sounds") -> Path:
    """A real FLAC file with tags."""
    tags = {"title": title, "artist": artist, "genre": genre, "album": album}
    return write_audio(folder / f"{stem}.flac", y, SR, tags=tags)


@dataclass
class Library:
    root: Path
    music: Path
    db: Path

    def ids_by_title(self) -> dict[str, int]:
        with Store(self.db) as store:
            return {t.title: t.id for t in store.tracks(limit=None)}


def build_library(root: Path, songs=SONGS, seconds: float = 6.0, analyse: bool = True) -> Library:
    music = root / "music"
    music.mkdir(parents=True)
    for stem, title, artist, genre, make in songs:
        write_song(music, stem, title, artist, genre, make(seconds))
    db = root / "library.db"
    with Store(db) as store:
        store.add_folder(music)
        Scanner(store).scan()
    if analyse:
        progress = AnalysisController(db, workers=2).run()
        assert progress.done == len(songs), progress
    return Library(root, music, db)


