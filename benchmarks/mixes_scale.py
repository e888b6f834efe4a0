"""Library mixes at 100,000 and 1,000,000 tracks: time and peak memory of making them.

    nice -n 5 python benchmarks/mixes_scale.py [--sizes 100000 1000000] [--db LIBRARY.db]

What is measured is :func:`soundalike.library.recommend.mixes.make_mixes` — the work the
player does on its recommender thread (and ``soundalike mixes --refresh`` in its process)
once the similarity index is built: choosing k, fitting the groups, assigning every track,
naming them and storing their cores. :func:`measure` takes any recommender (a real
:class:`~soundalike.library.recommend.recommender.Recommender`, so benchmarks/scale.py can
call it on its libraries) and returns, for one call in this process: wall time, the
process's peak resident memory during the call (the kernel's high-water mark, reset just
before through ``/proc/self/clear_refs``) and that peak's growth over the resident memory
before the call (what making the mixes adds to a player that already holds the index).
Then the mixes are made again with nothing changed: every mix must keep its id (stable
identities), and a playlist of one mix (``mix_tracks``) is timed.

By default the recommender's inputs are synthetic, in this process: the clustered unit
vectors and metadata of benchmarks/similarity.py (``synthetic``: 128 dimensions, 256
clumps), both taggers' tag probabilities as float16 (as the Recommender keeps them), and
a real SQLite store (a temporary file) for the stored mixes. ``--library`` measures the
real :class:`Recommender` instead, on an analysed library of each size written by
benchmarks/similarity.py's ``synthetic_library`` (both taggers; albums of 12, so the
vectors carry album context); ``--db`` on a copy of a real library (making mixes writes
a setting). The Recommender's build comes first and is not measured here.

Floor measured in the same run: one pass over the index's vectors (``hybrid @ c`` for 24
centroids, the least any grouping of every track must do) — the reported ratio says how
many such passes making the mixes costs. Targets (issue 24, "a laptop"): ≤ 60 s and
≤ 400 MB added at 100,000 tracks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_S, TARGET_MB = 60.0, 400.0


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def measure(rec) -> dict:
    """Make *rec*'s mixes in this thread (the store's thread; the player uses its
    recommender thread, and memory is the process's either way) and return
    ``{"seconds", "peak_mb", "added_mb", "mixes", "kept_ids", "playlist_s", "floor_s"}``."""
    from soundalike.library.recommend import mixes

    x = rec.index.hybrid
    c = np.ascontiguousarray(x[np.linspace(0, len(x) - 1, 24).astype(int)])
    t = time.perf_counter()
    np.argmax(x @ c.T, axis=1)
    floor_s = time.perf_counter() - t
    import gc

    gc.collect()
    before = _status_mb("VmRSS")
    exact = _reset_peak()
    t0 = time.perf_counter()
    made = mixes.make_mixes(rec)
    seconds = time.perf_counter() - t0
    peak = _status_mb("VmHWM") if exact else float("nan")
    again = mixes.make_mixes(rec)
    kept = len({m.id for m in made} & {m.id for m in again})
    t = time.perf_counter()
    mixes.mix_tracks(rec, made[0])
    playlist_s = time.perf_counter() - t
    return {"seconds": seconds, "peak_mb": peak, "added_mb": peak - before,
            "mixes": len(made), "kept_ids": kept, "playlist_s": playlist_s,
            "floor_s": floor_s, "names": [m.name for m in made]}


def synthetic_recommender(n: int, store, seed: int = 0):
    """The attributes :mod:`library.recommend.mixes` reads, from synthetic data."""
    from similarity import synthetic

    rng = np.random.default_rng(seed)
    index, meta = synthetic(n, rng)
    tags = {name: rng.dirichlet(np.full(50, 0.3), n).astype(np.float16)
            for name in ("msd", "mtt")}
    return SimpleNamespace(index=index, meta=meta, mood_tags=tags, store=store, size=n)


def run(n: int | None, db: str | None, library: bool = False) -> dict:
    from soundalike.library.store import Store

    with tempfile.TemporaryDirectory(prefix="soundalike-mixbench-") as tmp:
        path = os.path.join(tmp, "library.db")
        if db:
            shutil.copyfile(db, path)
        elif library:
            from similarity import synthetic_library

            synthetic_library(path, n, np.random.default_rng(0), mtt=True)
        with Store(path) as store:
            t = time.perf_counter()
            if db or library:
                from soundalike.library.recommend.recommender import Recommender

                rec = Recommender(store, persist_model=False)
            else:
                rec = synthetic_recommender(n, store)
            setup_s = time.perf_counter() - t
            r = measure(rec)
            r.update(n=len(rec.index.hybrid), setup_s=setup_s,
                     index_mb=rec.index.hybrid.nbytes / 2**20)
            return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--db", default=None, help="a real analysed library (copied)")
    ap.add_argument("--library", action="store_true",
                    help="the real Recommender on a synthetic analysed library of each size")
    args = ap.parse_args(argv)
    runs = [None] if args.db else args.sizes
    failed = False
    for n in runs:
        r = run(n, args.db, args.library)
        verdict = ""
        if r["n"] == 100_000 or args.db:
            ok = r["seconds"] <= TARGET_S and r["added_mb"] <= TARGET_MB
            failed |= not ok
            verdict = f"  target ≤ {TARGET_S:.0f} s, ≤ {TARGET_MB:.0f} MB: " + (
                "met" if ok else "MISSED")
        print(f"{r['n']:>9,} tracks (index {r['index_mb']:.0f} MB, set up in "
              f"{r['setup_s']:.1f} s): {r['mixes']} mixes in {r['seconds']:.1f} s "
              f"(= {r['seconds'] / r['floor_s']:.0f}× one pass over the vectors, "
              f"{r['floor_s'] * 1000:.0f} ms); peak RSS {r['peak_mb']:.0f} MB, "
              f"+{r['added_mb']:.0f} MB over before; remade with nothing changed: "
              f"{r['kept_ids']}/{r['mixes']} ids kept; a mix's playlist "
              f"{r['playlist_s'] * 1000:.0f} ms{verdict}")
        print("    names: " + "; ".join(r["names"]))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
