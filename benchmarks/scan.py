"""Scan speed: first scan and unchanged rescan of N files, against a bare os.scandir walk.

Builds N audio files (hard links of a few real tagged files, 100 per album folder), then
times, in the same run:
  * baseline — a bare recursive ``os.scandir`` walk that stats every file;
  * first scan — every file fingerprinted and tag-read, written to a fresh database;
  * rescan — nothing changed (target: 100,000 files in < 10 s).

    .venv/bin/python benchmarks/scan.py [--n 100000] [--dir /tmp/somewhere] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store


def make_sources(d: Path) -> list[Path]:
    import mutagen

    sr = 22050
    t = np.arange(sr) / sr
    out = []
    for i, (fmt, ext) in enumerate((("FLAC", "flac"), ("WAV", "wav"), ("OGG", "ogg"))):
        p = d / f"src{i}.{ext}"
        sf.write(str(p), (0.2 * np.sin(2 * np.pi * (220 + 110 * i) * t)).astype(np.float32),
                 sr, format=fmt)
        audio = mutagen.File(str(p))
        if ext != "wav":
            audio["title"] = f"Source {i}"
            audio["artist"] = "Benchmark"
            audio.save()
        out.append(p)
    return out


def build_tree(root: Path, n: int, sources: list[Path]) -> None:
    for i in range(n):
        album = root / f"Artist {i // 1000:03d}" / f"Album {i // 100 % 10}"
        if i % 100 == 0:
            album.mkdir(parents=True, exist_ok=True)
        src = sources[i % len(sources)]
        os.link(src, album / f"{i % 100:02d} Track {i}{src.suffix}")


def bare_walk(root: str) -> int:
    count = 0
    stack = [root]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                if e.is_dir():
                    stack.append(e.path)
                else:
                    e.stat()
                    count += 1
    return count


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="number of files (default 100000)")
    ap.add_argument("--dir", help="build the tree here (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the tree and database")
    args = ap.parse_args()
    base = Path(args.dir or tempfile.mkdtemp(prefix="soundalike-scanbench-"))
    base.mkdir(parents=True, exist_ok=True)
    root = base / "Music"
    try:
        sources = make_sources(base)
        _, t_build = timed(lambda: build_tree(root, args.n, sources))
        print(f"built {args.n} files in {t_build:.1f} s under {root}", file=sys.stderr)
        bare_walk(str(root))  # warm the dentry/inode cache for every measurement alike
        count, t_walk = timed(lambda: bare_walk(str(root)))
        assert count == args.n, count
        with Store(base / "bench.db") as store:
            store.add_folder(root)
            first, t_first = timed(lambda: Scanner(store).scan())
            assert first.added == args.n, first.as_dict()
            scanner = Scanner(store)
            again, t_again = timed(scanner.scan)
            assert again.unchanged == args.n and scanner.reads == 0, again.as_dict()
        db_mb = (base / "bench.db").stat().st_size / 1e6
        rows = [("bare os.scandir walk (baseline)", t_walk, 1.0),
                ("first scan (tags + fingerprint + insert)", t_first, t_first / t_walk),
                ("unchanged rescan", t_again, t_again / t_walk)]
        print(f"\nScan benchmark, N = {args.n} files, {os.cpu_count()} cores")
        print(f"{'phase':<44}{'seconds':>9}{'files/s':>11}{'× baseline':>12}")
        for name, secs, ratio in rows:
            print(f"{name:<44}{secs:>9.2f}{args.n / secs:>11.0f}{ratio:>12.1f}")
        print(f"database size: {db_mb:.1f} MB")
        verdict = "meets" if t_again < 10 * args.n / 100_000 else "MISSES"
        print(f"unchanged rescan {verdict} the target (100,000 files in < 10 s, scaled to N)")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
