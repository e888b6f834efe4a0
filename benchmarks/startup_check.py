"""The start-up check's cost on a 100k-track library (issue 14, item 3).

``PRAGMA quick_check`` reads every page of the file, so its floor is reading the file; the
other yardstick is what every command pays anyway (opening the Store and counting tracks).
Builds a library of N tracks, each with an analysis row of the real sizes (features, 50 tags,
200-float embedding), then times, warm (pages in the OS cache) and cold (the file's pages
dropped with ``posix_fadvise(DONTNEED)``, nothing else evicted):

- floor: reading the whole file sequentially;
- peer: ``Store(path)`` + ``counts()``;
- the check: :func:`soundalike.library.store.recovery.check`, full (the whole file, once a
  day) and at every start (the schema and the four small tables that cannot be redone).

Usage: ``python benchmarks/startup_check.py [--tracks 100000] [--db /tmp/check-100k.db]``
(the database is built once and reused).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from soundalike.engine.analyze import ANALYSIS_VERSION
from soundalike.engine.dsp import FEATURE_NAMES
from soundalike.library.model.track import Track
from soundalike.library.store import Store
from soundalike.library.store.recovery import check


def build(db: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    with Store(db) as store:
        folder = store.add_folder("/music")
        for start in range(0, n, 5000):
            tracks = [Track(path=f"/music/Artist {i % 2000}/Album {i % 9000}/{i:06d} Song.flac",
                            folder_id=folder, size=30_000_000 + i, mtime=1.7e9 + i,
                            fingerprint=f"{i:032x}", title=f"Song number {i}",
                            artist=f"Artist {i % 2000}", album=f"Album {i % 9000}",
                            genre="Rock", tracknumber=i % 12 + 1, year=1990 + i % 30,
                            duration=240.0, codec="flac", samplerate=44100, channels=2)
                      for i in range(start, min(n, start + 5000))]
            ids = store.add_tracks(tracks)
            with store.transaction():
                for tid in ids:
                    store.save_analysis(
                        tid, version=ANALYSIS_VERSION,
                        features=rng.random(len(FEATURE_NAMES), dtype=np.float32),
                        tags=rng.random(50, dtype=np.float32),
                        embedding=rng.random(200, dtype=np.float32), duration=240.0)


def drop_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def read_all(path: Path) -> None:
    with open(path, "rb", buffering=0) as f:
        while f.read(1 << 20):
            pass


def open_and_count(path: Path) -> None:
    with Store(path) as store:
        store.counts()


def timed(fn, path: Path, cold: bool, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        if cold:
            drop_cache(path)
        t0 = time.perf_counter()
        fn(path)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/soundalike-check-100k.db"))
    args = ap.parse_args()
    if not args.db.exists():
        t0 = time.perf_counter()
        build(args.db, args.tracks)
        print(f"built {args.tracks} tracks in {time.perf_counter() - t0:.0f} s")
    assert check(args.db) is None
    cpuinfo = Path("/proc/cpuinfo").read_text()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                if line.startswith("model name")), platform.processor())
    avx512 = "avx512f" in cpuinfo
    print(f"{args.db}: {args.db.stat().st_size / 1e6:.0f} MB; CPU {cpu}, "
          f"{os.cpu_count()} logical, AVX-512 {'yes' if avx512 else 'no'}")
    print("| | warm s | × floor | cold s | × floor |\n|---|---:|---:|---:|---:|")
    rows = [("floor: read the file", read_all), ("peer: open Store + counts()", open_and_count),
            ("full check (quick_check, once a day)", lambda p: check(p, full=True)),
            ("every-start check (quick_check of 5 tables)", lambda p: check(p, full=False))]
    floors = {}
    for name, fn in rows:
        warm, cold = timed(fn, args.db, False), timed(fn, args.db, True)
        floors.setdefault("warm", warm)
        floors.setdefault("cold", cold)
        print(f"| {name} | {warm:.3f} | {warm / floors['warm']:.1f} | {cold:.3f} | "
              f"{cold / floors['cold']:.1f} |")


if __name__ == "__main__":
    main()
