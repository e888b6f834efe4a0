"""kNN query latency and index memory on synthetic vectors.

    python benchmarks/similarity.py [--sizes 100000 1000000] [--queries 200]

For each library size, builds a :class:`SimilarityIndex` of unit float32 vectors of
:data:`engine.vectors.MAX_DIMS` dimensions plus 28-d genre vectors, and a
:class:`MetaTable` of synthetic metadata (artists, albums, durations). It times
``similar`` queries (query vector, scores, partial sort, the default result filters:
duplicates, 2 per artist, 2 per album) for both methods, and reports p50/p95 against a
baseline measured in the same run: the naive seed implementation (float64 Euclidean
distances to every genre vector, then a full argsort).

Targets: p95 < 20 ms at 100,000 tracks, < 200 ms at 1,000,000; index memory < 100 MB
at 100,000.

``--library N`` also builds a real library database of N tracks with synthetic analyses
(through the Store API, in one transaction) and measures the whole
:class:`~soundalike.library.recommend.recommender.Recommender`: build time against the bare read of
the analysis rows (baseline), resident-memory growth, ``refresh()`` when nothing changed,
and ``similar(n=10, explain=True)`` latency including the SQLite reads.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from soundalike.engine.filters import Filters, MetaTable, ResultFilter, TrackMeta
from soundalike.engine.similarity import SimilarityIndex
from soundalike.engine.vectors import MAX_DIMS

TARGET_P95_MS = {100_000: 20.0, 1_000_000: 200.0}
TARGET_MB_100K = 100.0


def synthetic(n: int, rng: np.random.Generator) -> tuple[SimilarityIndex, MetaTable]:
    # clustered vectors, like a real library (genres / artists form clumps)
    centres = rng.normal(size=(256, MAX_DIMS)).astype(np.float32)
    hyb = centres[rng.integers(0, 256, n)] + 0.7 * rng.normal(size=(n, MAX_DIMS)).astype(
        np.float32)
    hyb /= np.linalg.norm(hyb, axis=1, keepdims=True)
    genres = rng.dirichlet(np.full(28, 0.3), n).astype(np.float32)
    artists = rng.integers(0, max(1, n // 12), n)
    meta = MetaTable([TrackMeta(i, artist=f"a{artists[i]}", title=f"t{i}",
                                album=f"al{artists[i]}-{i % 3}", duration=float(120 + i % 300))
                      for i in range(n)])
    return SimilarityIndex(np.arange(n), hyb, genres), meta


def naive_seed(genres64: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    d = np.linalg.norm(genres64 - q, axis=1)
    return np.argsort(d)[1:k + 1]


def percentiles(times: list[float]) -> tuple[float, float]:
    a = np.asarray(times) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


def run(n: int, queries: int, rng: np.random.Generator) -> dict:
    t0 = time.perf_counter()
    index, meta = synthetic(n, rng)
    build_s = time.perf_counter() - t0
    meta_mb = sum(a.nbytes for a in (meta.artist, meta.album, meta.song, meta.fingerprint,
                                     meta.duration)) / 2**20
    f = Filters()
    qs = rng.integers(0, n, queries)
    out = {"n": n, "index_mb": index.nbytes / 2**20, "meta_arrays_mb": meta_mb,
           "build_s": build_s}
    for method in ("hybrid", "seed"):
        times = []
        for q in qs:
            t = time.perf_counter()
            rf = ResultFilter(meta, f, query=[int(q)])
            res = index.search(index.vector(int(q), method), 10, method=method, accept=rf.accept)
            times.append(time.perf_counter() - t)
            assert len(res) == 10
        out[method] = percentiles(times)
    genres64 = index.genres.astype(np.float64)
    times = []
    for q in qs[: max(10, queries // 4)]:
        t = time.perf_counter()
        naive_seed(genres64, genres64[q], 10)
        times.append(time.perf_counter() - t)
    out["baseline"] = percentiles(times)
    del genres64
    return out


def _rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def synthetic_library(db: str, n: int, rng: np.random.Generator, *, mtt: bool = False,
                      root: str = "/music") -> list[int]:
    """Write a library of *n* analysed tracks to *db* through the Store (one transaction):
    12 tracks per artist and album under *root*, random DSP features and tags, embeddings
    around 64 cluster centres; with *mtt* also the MTT model's tags and embedding (as
    analysis version 3 stores them). Returns the track ids."""
    from soundalike.engine import dsp
    from soundalike.engine.analyze import ANALYSIS_VERSION
    from soundalike.library.model.track import Track
    from soundalike.library.store import Store

    centres = rng.normal(size=(64, 200)).astype(np.float32)
    mtt_centres = rng.normal(size=(64, 200)).astype(np.float32) if mtt else None
    with Store(db) as store:
        ids = store.add_tracks(
            Track(path=f"{root}/a{i // 12}/al{i // 12}/{i}.flac", title=f"song {i}",
                  artist=f"artist {i // 12}", album=f"album {i // 12}", duration=180.0 + i % 97)
            for i in range(n))
        with store.transaction():
            for tid in ids:
                extra = {}
                if mtt:
                    extra = {"mtt_tags": rng.uniform(0, 1, 50).astype(np.float32),
                             "mtt_embedding": np.maximum(
                                 mtt_centres[tid % 64] + rng.normal(size=200), 0)}
                store.save_analysis(
                    tid, version=ANALYSIS_VERSION,
                    features=rng.normal(size=len(dsp.FEATURE_NAMES)).astype(np.float32),
                    tags=rng.uniform(0, 1, 50).astype(np.float32),
                    embedding=np.maximum(centres[tid % 64] + rng.normal(size=200).astype(
                        np.float32), 0),
                    duration=180.0, **extra)
    return ids


def run_library(n: int, queries: int, rng: np.random.Generator) -> None:
    import gc
    import os
    import tempfile

    from soundalike.engine import cnn, dsp  # noqa: F401  (imported before measuring memory)
    from soundalike.engine.analyze import ANALYSIS_VERSION
    from soundalike.library.recommend.recommender import Recommender
    from soundalike.library.store import Store

    with tempfile.TemporaryDirectory(prefix="soundalike-simbench-") as tmp:
        db = os.path.join(tmp, "library.db")
        t0 = time.perf_counter()
        ids = synthetic_library(db, n, rng)
        print(f"\nlibrary of {n:,} analysed tracks written in {time.perf_counter() - t0:.0f} s")
        with Store(db) as store:
            t = time.perf_counter()
            rows = sum(1 for _ in store.analysis_rows(version=ANALYSIS_VERSION))
            read_s = time.perf_counter() - t
            gc.collect()
            rss0 = _rss_mb()
            t = time.perf_counter()
            rec = Recommender(store, persist_model=False)
            build_s = time.perf_counter() - t
            gc.collect()
            rss1 = _rss_mb()
            assert rows == rec.size == n
            times = []
            for _ in range(5):
                t = time.perf_counter()
                assert rec.refresh() is False
                times.append(time.perf_counter() - t)
            refresh_ms = sorted(times)[2] * 1000
            qs = rng.choice(ids, queries)
            times = []
            for q in qs:
                t = time.perf_counter()
                res = rec.similar(int(q), 10, explain=True)
                times.append(time.perf_counter() - t)
                assert len(res) == 10
            p50, p95 = percentiles(times)
        print(f"bare read of the analysis rows (baseline): {read_s:.2f} s; Recommender build "
              f"{build_s:.2f} s ({build_s / read_s:.1f}× the read)")
        print(f"resident memory growth after build: {rss1 - rss0:.0f} MB "
              f"(index {rec.index.nbytes / 2**20:.1f} MB)")
        print(f"refresh() with nothing changed: {refresh_ms:.1f} ms (median of 5)")
        print(f"similar(n=10, explain=True) incl. SQLite reads: p50 {p50:.1f} ms, "
              f"p95 {p95:.1f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--library", type=int, default=0, metavar="N",
                    help="also measure the whole Recommender on a database of N tracks")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    print(f"dims {MAX_DIMS} (hybrid, float32) + 28 (seed genres); default filters; "
          f"numpy {np.__version__}")
    print(f"{'tracks':>9} {'index MB':>9} {'hybrid p50/p95 ms':>18} {'seed p50/p95 ms':>16} "
          f"{'naive seed p95':>14} {'p95 ratio h/naive':>17} {'target p95':>10}")
    ok = True
    for n in args.sizes:
        r = run(n, args.queries if n <= 200_000 else max(20, args.queries // 4), rng)
        target = TARGET_P95_MS.get(n)
        worst = max(r["hybrid"][1], r["seed"][1])
        met = target is None or worst < target
        if n == 100_000:
            met = met and r["index_mb"] < TARGET_MB_100K
        ok &= met
        print(f"{n:>9,} {r['index_mb']:>9.1f} {r['hybrid'][0]:>8.2f}/{r['hybrid'][1]:<9.2f} "
              f"{r['seed'][0]:>7.2f}/{r['seed'][1]:<8.2f} {r['baseline'][1]:>14.2f} "
              f"{r['hybrid'][1] / r['baseline'][1]:>17.3f} "
              f"{(f'< {target:g} ms' if target else '-'):>10} {'ok' if met else 'MISSED'}")
        print(f"{'':>9} (+ filter metadata arrays {r['meta_arrays_mb']:.1f} MB; "
              f"synthetic build {r['build_s']:.1f} s)")
    if args.library:
        run_library(args.library, min(args.queries, 200), rng)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
