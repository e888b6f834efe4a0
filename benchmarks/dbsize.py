"""Database bytes per analysed track, float32 rows against compact rows, and the migration.

    python benchmarks/dbsize.py [--tracks 100000]

Writes, in one run, synthetic libraries of N analysed tracks through ``Store.save_analysis``
(``similarity.synthetic_library``: both taggers' tags and embeddings, 64 clusters):

* **before** — every row float32 (``analyses.WRITE_ENCODING = FLOAT32``: the bytes the code
  before schema 5 wrote, plus one record-header byte for ``encoding = 0``), with the
  ``compact analyses`` data step listed as the schema-5 migration lists it for an old library;
* the **migration** of that library in place (``Store.finish_data_steps``: conversion in
  batches, then ``VACUUM``), timed per phase;
* **fresh** — the same library written compact from the start.

Reports the file size (database + ``-wal`` after a checkpoint) per track for each, where
the bytes go (``dbstat``: analysis, tracks, indexes) and the migration's time. Target
(issue 21, item 3): ≤ 2 KB (2,000 bytes) per analysed track.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import cpu_info  # benchmarks/peers.py
from similarity import synthetic_library  # benchmarks/similarity.py

TARGET = 2000


def file_bytes(db: str) -> int:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))


def breakdown(db: str) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT name, SUM(pgsize), COUNT(*) FROM dbstat GROUP BY name "
                            "ORDER BY 2 DESC").fetchall()
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.Error as exc:
        return f"(no dbstat: {exc})"
    finally:
        conn.close()
    parts = [f"{name} {size / 1e6:.1f} MB" for name, size, _ in rows[:6]]
    return f"page size {page}; " + ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    from soundalike.library.store import Store, analyses
    from soundalike.library.store.data_steps import COMPACT_STEP, SHRINK_STEP

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tracks", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dir", help="folder for the libraries (default: a temporary one)")
    args = ap.parse_args(argv)
    n = args.tracks
    info = cpu_info()
    print(f"{n:,} analysed tracks (both taggers); {info['model']}, {info['cores']} CPUs; "
          f"SQLite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory(prefix="soundalike-dbsize-", dir=args.dir) as tmp:
        before = os.path.join(tmp, "before.db")
        analyses.WRITE_ENCODING = analyses.FLOAT32
        t = time.perf_counter()
        synthetic_library(before, n, np.random.default_rng(args.seed), mtt=True)
        write_before = time.perf_counter() - t
        with sqlite3.connect(before) as conn:  # as migration 5 lists it for an old library
            conn.execute("INSERT INTO data_steps(name, added_at) VALUES (?, ?)",
                         (COMPACT_STEP, time.time()))
        size_before = file_bytes(before)
        info_before = breakdown(before)

        analyses.WRITE_ENCODING = analyses.COMPACT
        marks: dict[str, float] = {}

        def progress(p) -> None:
            marks.setdefault(p.step, time.perf_counter())

        with Store(before) as store:
            t = time.perf_counter()
            report = store.finish_data_steps(progress)
            total_s = time.perf_counter() - t
        size_migrated = file_bytes(before)
        convert_s = marks.get(SHRINK_STEP, t + total_s) - marks.get(COMPACT_STEP, t)
        vacuum_s = total_s - convert_s
        info_migrated = breakdown(before)
        os.remove(before)

        fresh = os.path.join(tmp, "fresh.db")
        t = time.perf_counter()
        synthetic_library(fresh, n, np.random.default_rng(args.seed), mtt=True)
        write_fresh = time.perf_counter() - t
        size_fresh = file_bytes(fresh)
        info_fresh = breakdown(fresh)

    def line(name: str, size: int) -> str:
        per = size / n
        return (f"{name:<26} {size / 1e6:>9.1f} MB {per:>8,.0f} B/track "
                f"{'≤' if per <= TARGET else '>'} {TARGET:,}")

    print(line("before (float32 rows)", size_before) + f"   written in {write_before:.0f} s")
    print(f"{'':<26} {info_before}")
    print(line("after the migration", size_migrated))
    print(f"{'':<26} {info_migrated}")
    print(line("fresh compact library", size_fresh) + f"   written in {write_fresh:.0f} s")
    print(f"{'':<26} {info_fresh}")
    print(f"migration in place: {total_s:.1f} s ({convert_s:.1f} s converting "
          f"{report.converted:,} rows, {vacuum_s:.1f} s VACUUM); shrunk: {report.shrunk}; "
          f"free-space check's estimate of the size after it {report.expected_bytes / 1e6:.0f} MB")
    print(f"ratio after/before: {size_migrated / size_before:.2f}")
    return 0 if size_migrated / n <= TARGET and size_fresh / n <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
