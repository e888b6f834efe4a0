"""Experiment: do compact (float16) analysis rows change the recommendations? (issue 21, item 3)

    python benchmarks/experiments/float16_storage.py --db /tmp/dbsize/dev-f32.db \\
        --manifest /work/corpus/dev.csv --group-col style --artist-col 'composer|package' \\
        --resolve debian-games

``--db`` is the development corpus analysed by the float32 code (schema 4, as on main before
this change), e.g. made by ``benchmarks/quality.py … --db /tmp/dbsize/dev-f32.db`` run from a
checkout of main. It is only read: the script copies it twice.

Hypothesis (written and committed before any run; nothing is tuned afterwards): storing
tags and embeddings as float16, and the DSP features as float16 except tempo, loudness and
dynamic range (float32), as ``library.store.analyses.COMPACT`` does, changes no ranking
beyond noise: float16 keeps 11 significant bits (relative error ≤ 2⁻¹¹ ≈ 0.05 %), far
below the spread between tracks that the vectors are standardised by.

Pre-registered recipe:

* copy A: the float32 database opened by today's Store (schema migrated, the data step
  *not* run: every row stays float32, ``encoding = 0``) — the reference;
* copy B: the same database after ``Store.finish_data_steps()`` — the real migration path
  (rows rewritten compact, then VACUUM); every row must then be ``encoding = 1``;
* both scored by ``quality.evaluate`` (hybrid, the protocol's filters: query's artist
  excluded, caps 2/artist and 2/album, duplicates removed; same-artist P@10 without caps);
* paired per query (B − A): P@10 and same-artist P@10, 95 % paired-bootstrap intervals
  (``quality.paired_bootstrap``: 2000 resamplings of the queries, seed 0);
* rank agreement: for every query, the hybrid top-10 under the protocol's filters in A and
  in B; overlap@10 = |A ∩ B| / 10, its mean with a 95 % bootstrap interval over queries
  (2000 resamplings, seed 0), and the share of lists identical in order;
* diagnostics (not decision inputs): the largest absolute and relative difference per
  block between A's and B's stored vectors.

Bar (all must hold, else the compact encoding is not adopted as it is):

1. P@10: the 95 % interval of B − A lies within [−0.01, +0.01];
2. same-artist P@10: the 95 % interval of B − A lies within [−0.01, +0.01];
3. mean overlap@10 ≥ 0.95 and the lower end of its 95 % interval ≥ 0.93;
4. tempo_bpm, loudness_db and dynamic_range_db read back bit-identical for every track.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys

import numpy as np
from common import add_manifest_args, analysed_copy, manifest_rows, quality

from soundalike.engine.dsp import INDEX
from soundalike.library.store import Store
from soundalike.library.store.analyses import PRECISE_FEATURES

K = 10
BLOCKS = ("features", "tags", "embedding", "mtt_tags", "mtt_embedding")


def encodings(db: str) -> dict[int, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return dict(conn.execute("SELECT encoding, COUNT(*) FROM analysis GROUP BY 1"))


def top_lists(db: str, rows: list[dict]) -> tuple[dict, dict[str, list[str]]]:
    """``quality.evaluate``'s hybrid result and each query's top-10 paths under the
    protocol's filters (computed from the very Recommender it scores)."""
    from soundalike.engine.filters import Filters

    lists: dict[str, list[str]] = {}
    by_path = {r["path"] for r in rows}

    def capture(rec) -> None:
        filters = Filters(exclude_query_artist=True, exclude_genres=(quality.OUTSIDE,),
                          strict_caps=True)
        for tid in rec.index.ids:
            res = rec.similar(int(tid), K, method="hybrid", filters=filters, explain=False)
            path = rec.store.get_track(int(tid)).path
            if path in by_path:
                lists[path] = [r.track.path for r in res]

    result = quality.evaluate(db, rows, methods=("hybrid",), prepare=capture)
    return result["hybrid"], lists


def bootstrap_mean(x: list[float], *, rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    a = np.asarray(x, dtype=float)
    rng = np.random.default_rng(seed)
    means = a[rng.integers(0, len(a), (rounds, len(a)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def vectors(db: str) -> dict[int, object]:
    with Store(db) as store:
        return {a.track_id: a for a in store.analysis_rows()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_manifest_args(ap)
    args = ap.parse_args(argv)
    rows = manifest_rows(args)
    copy = analysed_copy(args.db, rows, "soundalike-f16-")
    a_db = copy.db  # opened by today's Store: migrated, rows left float32
    b_db = os.path.join(copy.tmp.name, "compact.db")
    shutil.copyfile(a_db, b_db)
    with Store(b_db) as store:
        report = store.finish_data_steps()
    print(f"B: {report.message() if report else 'nothing to do'}")
    enc_a, enc_b = encodings(a_db), encodings(b_db)
    print(f"row encodings: A {enc_a}, B {enc_b}")
    assert set(enc_a) == {0} and set(enc_b) == {1}, "the copies are not float32 / compact"

    va, vb = vectors(a_db), vectors(b_db)
    assert va.keys() == vb.keys()
    print("\nstored vectors, B vs A (diagnostic):")
    for block in BLOCKS:
        diffs = [(np.abs(getattr(vb[t], block) - getattr(va[t], block)),
                  np.abs(getattr(va[t], block))) for t in va
                 if getattr(va[t], block) is not None]
        if not diffs:
            continue
        absd = max(float(d.max()) for d, _ in diffs)
        rel = max(float((d / np.maximum(m, 1e-30))[m > 1e-4].max(initial=0)) for d, m in diffs)
        print(f"  {block:<14} max |Δ| {absd:.3g}, max relative |Δ| (|x| > 1e-4) {rel:.3g}")
    precise = [INDEX[n] for n in PRECISE_FEATURES]
    exact = all(np.array_equal(va[t].features[precise], vb[t].features[precise]) for t in va)
    print(f"  {', '.join(PRECISE_FEATURES)} identical for all {len(va)} tracks: {exact}")

    ra, la = top_lists(a_db, copy.rows)
    rb, lb = top_lists(b_db, copy.rows)
    queried = sorted(la.keys() & lb.keys())
    overlap = [len(set(la[p]) & set(lb[p])) / K for p in queried]
    same = sum(la[p] == lb[p] for p in queried) / len(queried)
    olo, ohi = bootstrap_mean(overlap)
    mean_overlap = float(np.mean(overlap))

    def paired(key: str, paths_key: str) -> tuple[float, float, float, int]:
        mine = dict(zip(rb[paths_key], rb[key], strict=True))
        ref = dict(zip(ra[paths_key], ra[key], strict=True))
        both = [p for p in mine if p in ref]
        x, y = [mine[p] for p in both], [ref[p] for p in both]
        lo, hi = quality.paired_bootstrap(x, y)
        return (sum(x) - sum(y)) / len(both), lo, hi, len(both)

    d, lo, hi, n = paired("per_query_p10", "query_paths")
    da, alo, ahi, na = paired("per_query_artist_p10", "artist_query_paths")
    print(f"\nA (float32): hybrid P@10 {ra['P@10']:.3f}, same-artist P@10 {ra['artist_P@10']:.3f}")
    print(f"B (compact): hybrid P@10 {rb['P@10']:.3f}, same-artist P@10 {rb['artist_P@10']:.3f}")
    print(f"B − A P@10: {d:+.4f} (95% paired-bootstrap interval {lo:+.4f} … {hi:+.4f}, "
          f"{n} queries)")
    print(f"B − A same-artist P@10: {da:+.4f} ({alo:+.4f} … {ahi:+.4f}, {na} queries)")
    print(f"top-10 overlap: mean {mean_overlap:.4f} (95% interval {olo:.4f} … {ohi:.4f}, "
          f"{len(queried)} queries); identical lists {same:.1%}")
    bar = {
        "1. P@10 interval within ±0.01": lo >= -0.01 and hi <= 0.01,
        "2. same-artist P@10 interval within ±0.01": alo >= -0.01 and ahi <= 0.01,
        "3. overlap@10 mean ≥ 0.95, lower end ≥ 0.93": mean_overlap >= 0.95 and olo >= 0.93,
        "4. tempo/loudness/dynamic range identical": exact,
    }
    print("\nbar:")
    for name, ok in bar.items():
        print(f"  {name}: {'PASS' if ok else 'FAIL'}")
    print(f"verdict: {'PASS' if all(bar.values()) else 'FAIL'}")
    copy.tmp.cleanup()
    return 0 if all(bar.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
