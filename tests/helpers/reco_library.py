"""A small real, analysed library for the recommendation tests (built once per run).

Three artists × two albums × two tracks of synthesised music (FLAC, tags written with
mutagen), plus a byte-identical copy of one track in another folder (a duplicate), an
"audiobook" chapter, a corrupt file (→ failed) and a track whose file is deleted after
analysis (→ missing). Files are scanned with the real scanner and analysed with the
real engine (decode → DSP → CNN), in this process.

    from reco_library import build_library
    lib = build_library(tmp_path_factory)   # cached: the second call copies nothing
    lib.db, lib.paths["Alpha", "A1", 0], lib.duplicate, lib.missing, lib.failed
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from audiofiles import write_audio

SR = 22050
SECONDS = 10.0

ARTISTS = ("Alpha", "Beta", "Gamma")
# artist → album → style of its two tracks
STYLES = {
    "Alpha": {"A1": "beat", "A2": "beat"},
    "Beta": {"B1": "chord", "B2": "chord"},
    "Gamma": {"G1": "beat", "G2": "noise"},
}


def _beat(bpm: float, rng: np.random.Generator) -> np.ndarray:
    n = int(SECONDS * SR)
    y = np.zeros(n, dtype=np.float32)
    t = np.arange(int(0.15 * SR)) / SR
    kick = np.sin(2 * np.pi * 60 * t * (1 + 2 * np.exp(-t / 0.02))) * np.exp(-t / 0.08)
    hat = rng.uniform(-1, 1, len(t)) * np.exp(-t / 0.01) * 0.3
    step = 60.0 / bpm
    for i, start in enumerate(np.arange(0, SECONDS - 0.2, step / 2)):
        k = int(start * SR)
        y[k:k + len(t)] += (kick if i % 2 == 0 else hat).astype(np.float32)
    bass = 0.15 * np.sin(2 * np.pi * 55 * np.arange(n) / SR)
    return (0.6 * y + bass).astype(np.float32)


def _chord(root: float, rng: np.random.Generator) -> np.ndarray:
    n = int(SECONDS * SR)
    t = np.arange(n) / SR
    y = np.zeros(n)
    for ratio in (1.0, 1.25, 1.5, 2.0):
        for h in range(1, 5):
            y += np.sin(2 * np.pi * root * ratio * h * t + rng.uniform(0, 6)) / (h * h)
    env = 0.6 + 0.4 * np.sin(2 * np.pi * 0.25 * t)
    return (0.15 * y * env).astype(np.float32)


def _noise(rng: np.random.Generator) -> np.ndarray:
    n = int(SECONDS * SR)
    white = rng.normal(size=n)
    # brown-ish noise: integrate and leak
    y = np.zeros(n)
    acc = 0.0
    for i in range(0, n, 64):
        acc = 0.98 * acc + white[i:i + 64].sum() * 0.02
        y[i:i + 64] = acc + white[i:i + 64] * 0.05
    y /= np.abs(y).max() + 1e-9
    return (0.5 * y).astype(np.float32)


def _audio(style: str, variant: int, rng: np.random.Generator) -> np.ndarray:
    if style == "beat":
        return _beat(118 + 6 * variant, rng)
    if style == "chord":
        return _chord(220 * 2 ** (variant / 12), rng)
    return _noise(rng)


@dataclass
class Library:
    root: Path
    db: Path
    paths: dict = field(default_factory=dict)   # (artist, album, n) → path
    duplicate: str = ""
    audiobook: str = ""
    missing: str = ""
    failed: str = ""

    def copy_db(self, dest: Path) -> Path:
        """A private copy of the database (for tests that change it)."""
        out = Path(dest) / "library.db"
        shutil.copy(self.db, out)
        return out


_CACHE: dict[str, Library] = {}


def build_library(tmp_path_factory) -> Library:
    if "lib" in _CACHE:
        return _CACHE["lib"]
    from soundalike.engine.analyze import analyze_file
    from soundalike.engine.errors import SoundalikeError
    from soundalike.library.files.scanner import Scanner
    from soundalike.library.store import Store

    root = tmp_path_factory.mktemp("reco-lib")
    music = root / "music"
    rng = np.random.default_rng(7)
    lib = Library(root=root, db=root / "library.db")
    variant = 0
    for artist, albums in STYLES.items():
        for album, style in albums.items():
            folder = music / artist / album
            folder.mkdir(parents=True)
            for n in range(2):
                p = folder / f"{n + 1:02d} {artist} {album} {n + 1}.flac"
                write_audio(p, _audio(style, variant, rng), SR, tags={
                    "artist": artist, "album": album, "title": f"{album} song {n + 1}",
                    "genre": "Electronic" if style != "chord" else "Ambient",
                    "tracknumber": str(n + 1)})
                variant += 1
                lib.paths[artist, album, n] = str(p)
    copies = music / "copies"
    copies.mkdir()
    lib.duplicate = str(copies / "copy of alpha.flac")
    shutil.copy(lib.paths["Alpha", "A1", 0], lib.duplicate)
    book = music / "Books"
    book.mkdir()
    lib.audiobook = str(book / "chapter 1.flac")
    write_audio(lib.audiobook, _chord(196, rng), SR, tags={
        "artist": "Narrator", "album": "Long Story", "title": "Chapter 1",
        "genre": "Audiobook"})
    lib.missing = str(music / "Gamma" / "G2" / "gone.flac")
    write_audio(lib.missing, _beat(121, rng), SR,
                tags={"artist": "Delta", "album": "Gone", "title": "Gone song"})
    lib.failed = str(music / "broken.flac")
    Path(lib.failed).write_bytes(b"fLaC" + bytes(range(256)) * 8)

    with Store(lib.db) as store:
        store.add_folder(str(music))
        Scanner(store).scan()
        for t in store.tracks(status="pending"):
            try:
                r = analyze_file(t.path)
            except SoundalikeError as exc:
                store.save_failure(t.id, str(exc))
                continue
            store.save_analysis(t.id, version=r.version, features=r.features, tags=r.tags,
                                embedding=r.embedding, duration=r.duration,
                                mtt_tags=r.mtt_tags, mtt_embedding=r.mtt_embedding)
        Path(lib.missing).unlink()
        Scanner(store).scan()
    _CACHE["lib"] = lib
    return lib
