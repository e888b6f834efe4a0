"""Synthetic analysed libraries written through the Store (benchmarks/scale.py and the
similarity-index tests).

    from synthetic_library import write_library   # tests/helpers on sys.path
    write_library("/tmp/lib.db", 100_000)          # both taggers, 64 clusters

Each track gets plausible metadata (2,000 artists, albums of 12, seven genres, one music
folder) and an analysis of the current version made of both taggers' outputs: the
embeddings are drawn around one of *clusters* random centres (post-ReLU, like musicnn's),
the tags are uniform probabilities, the DSP features standard normal. Everything goes
through :meth:`Store.add_tracks` and :meth:`Store.save_analysis` (in transactions of
:data:`BATCH` tracks), so the database is what a real analysis would leave.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

BATCH = 10_000
GENRES = ("Rock", "Jazz", "Ambient", "Electronic", "Folk", "Classical", "Metal")


def write_library(path: str | os.PathLike, n: int, *, clusters: int = 64, seed: int = 0,
                  mtt: bool = True, music_root: str | None = None,
                  progress: bool = False) -> float:
    """Write a library database of *n* analysed tracks at *path* (which must not exist);
    returns the seconds it took."""
    from soundalike.engine import cnn
    from soundalike.library.store import Store

    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    rng = np.random.default_rng(seed)
    root = music_root or str(path.parent / "music")
    music_folder(root)
    dims = cnn.EMBEDDING_DIMS
    centres = rng.normal(size=(clusters, dims)).astype(np.float32)
    mtt_centres = rng.normal(size=(clusters, dims)).astype(np.float32)
    t0 = time.perf_counter()
    with Store(path) as store:
        fid = store.add_folder(root)
        _write_tracks(store, root, fid, 0, n, rng, centres, mtt_centres, mtt=mtt,
                      progress=progress)
    if progress:
        print()
    return time.perf_counter() - t0


def grow_library(path: str | os.PathLike, n_new: int, *, seed: int = 1) -> float:
    """Add *n_new* analysed tracks to the library of :func:`write_library` at *path* (its
    music folder, numbered after its tracks); returns the seconds it took."""
    from soundalike.engine import cnn
    from soundalike.library.store import Store

    rng = np.random.default_rng(seed)
    dims = cnn.EMBEDDING_DIMS
    centres = rng.normal(size=(64, dims)).astype(np.float32)
    mtt_centres = rng.normal(size=(64, dims)).astype(np.float32)
    t0 = time.perf_counter()
    with Store(path) as store:
        folder = store.folders()[0]
        start = store.count_tracks()
        _write_tracks(store, folder.path, folder.id, start, start + n_new, rng, centres,
                      mtt_centres)
    return time.perf_counter() - t0


def _write_tracks(store, root: str, fid: int, first: int, n: int, rng, centres, mtt_centres,
                  *, mtt: bool = True, progress: bool = False) -> None:
    """Tracks numbered *first* … *n* - 1 and their analyses, :data:`BATCH` at a time."""
    from soundalike.engine import cnn, dsp
    from soundalike.engine.analyze import ANALYSIS_VERSION
    from soundalike.library.model.track import Track

    n_feat, n_tags, n_mtt = len(dsp.FEATURE_NAMES), len(cnn.TAG_LABELS), len(cnn.MTT_LABELS)
    dims, clusters = cnn.EMBEDDING_DIMS, len(centres)
    for start in range(first, n, BATCH):
        stop = min(n, start + BATCH)
        tracks = [Track(path=f"{root}/artist{i % 2000:04d}/album{i // 12:06d}/{i:07d}.flac",
                        folder_id=fid, title=f"Song number {i} of the day",
                        artist=f"Artist {i % 2000}", album=f"Album {i // 12}",
                        genre=GENRES[i % len(GENRES)], year=1960 + i % 60,
                        tracknumber=i % 12 + 1, duration=120.0 + i % 300)
                  for i in range(start, stop)]
        ids = store.add_tracks(tracks)
        m = len(ids)
        which = rng.integers(0, clusters, m)
        feats = rng.normal(size=(m, n_feat)).astype(np.float32)
        tags = rng.uniform(0, 1, (m, n_tags)).astype(np.float32)
        emb = np.maximum(centres[which] + rng.normal(size=(m, dims)).astype(np.float32), 0)
        mtags = rng.uniform(0, 1, (m, n_mtt)).astype(np.float32)
        memb = np.maximum(mtt_centres[which]
                          + rng.normal(size=(m, dims)).astype(np.float32), 0)
        with store.transaction():
            for j, tid in enumerate(ids):
                store.save_analysis(tid, version=ANALYSIS_VERSION, features=feats[j],
                                    tags=tags[j], embedding=emb[j],
                                    duration=tracks[j].duration,
                                    mtt_tags=mtags[j] if mtt else None,
                                    mtt_embedding=memb[j] if mtt else None)
        if progress:
            print(f"\r  {stop:,} / {n:,} tracks written", end="", flush=True)


def music_folder(root: str | os.PathLike) -> None:
    """The library's music folder on disk, not empty: a folder that is missing or empty
    counts as an unplugged drive, and its songs would be hidden (files/availability.py)."""
    Path(root).mkdir(parents=True, exist_ok=True)
    (Path(root) / "synthetic-library.txt").write_text("the songs of a synthetic library\n")


def cached_library(n: int, cache: str | os.PathLike, **options) -> Path:
    """The database of :func:`write_library` for *n* tracks under *cache*, written once
    (a half-written file from an interrupted run is replaced)."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"library-{n}.db"
    done = cache / f"library-{n}.done"
    if db.exists() and done.exists():
        music_folder(cache / f"music-{n}")
        return db
    for stale in cache.glob(f"library-{n}.db*"):
        stale.unlink()
    write_library(db, n, music_root=str(cache / f"music-{n}"), progress=True, **options)
    done.write_text("ok\n")
    return db
