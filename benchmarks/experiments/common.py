"""Shared plumbing of the pre-registered quality experiments in benchmarks/experiments/
(``*_experiment.py``, ``style_probe.py``, ``patch_budget.py``).

Each experiment reads a manifest the way ``quality.py`` does, evaluates variants with
:func:`quality.evaluate` and its ``prepare`` hook, and prints them against the current
hybrid with paired-bootstrap intervals. The pieces they all need live here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# benchmarks/experiments/ (common.py, the other experiments) and benchmarks/ (quality.py)
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import quality  # benchmarks/quality.py

from soundalike.library.store import Store


def add_manifest_args(ap: argparse.ArgumentParser) -> None:
    """``--db`` (an analysed database, only read) and the manifest options of quality.py."""
    ap.add_argument("--db", required=True, help="analysed database of the manifest's tracks")
    ap.add_argument("--manifest", required=True, type=Path)
    ap.add_argument("--path-col", default="path")
    ap.add_argument("--group-col", default="group")
    ap.add_argument("--artist-col", default="artist")
    ap.add_argument("--resolve", choices=("debian-games",))


def manifest_rows(args: argparse.Namespace) -> list[dict]:
    rows, _ = quality.read_manifest(args.manifest, path_col=args.path_col,
                                    group_col=args.group_col, artist_col=args.artist_col,
                                    resolve=args.resolve)
    return rows


@dataclass
class AnalysedCopy:
    """A temporary copy of an analysed database and what the experiments read from it."""

    tmp: tempfile.TemporaryDirectory
    db: str
    ids: list[int]
    paths: list[str]
    embedding: np.ndarray  # stored embeddings, rows in ``ids`` order
    rows: list[dict]  # manifest rows whose files are in the database, paths as stored


def analysed_copy(db: str, rows: list[dict], prefix: str) -> AnalysedCopy:
    """Copy *db* (it is only ever read through the copy) and match the manifest to it."""
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    base = os.path.join(tmp.name, "base.db")
    shutil.copyfile(db, base)
    with Store(base) as store:
        tracks = [(path, a.track_id, a.embedding) for path, a in store.analyses_with_paths()]
    ids = [t[1] for t in tracks]
    paths = [t[0] for t in tracks]
    # manifest paths are resolved files; the database may hold links to them
    real = {os.path.realpath(p): p for p in paths}
    matched = [dict(r, path=real[os.path.realpath(r["path"])]) for r in rows
               if os.path.realpath(r["path"]) in real]
    print(f"{len(matched)} manifest rows matched to {len(ids)} analysed tracks", file=sys.stderr)
    emb = np.stack([t[2] for t in tracks])
    return AnalysedCopy(tmp, base, ids, paths, emb, matched)


swap_hybrid_scores = quality.swap_hybrid_scores  # the prepare hooks' score swap


def print_comparison(results: dict[str, dict], *, width: int = 24) -> None:
    """One row per variant: P@5, P@10 and the supplementary measures, Δ vs ``hybrid``."""
    ref = results["hybrid"]
    print(f"{'variant':<{width}} {'P@5':>6} {'P@10':>6} {'ΔP@10 vs hybrid (95% CI)':>28} "
          f"{'var MRR':>7} {'var R@10':>8} {'artist P@10':>11} {'Δartist (95% CI)':>24}")
    for name, r in results.items():
        d = r["P@10"] - ref["P@10"]
        lo, hi = quality.paired_bootstrap(r["per_query_p10"], ref["per_query_p10"])
        da = r["artist_P@10"] - ref["artist_P@10"]
        alo, ahi = quality.paired_bootstrap(r["per_query_artist_p10"],
                                            ref["per_query_artist_p10"])
        print(f"{name:<{width}} {r['P@5']:>6.3f} {r['P@10']:>6.3f} "
              f"{f'{d:+.3f} ({lo:+.3f} … {hi:+.3f})':>28} {r['variant_mrr']:>7.3f} "
              f"{r['variant_recall10']:>8.3f} {r['artist_P@10']:>11.3f} "
              f"{f'{da:+.3f} ({alo:+.3f} … {ahi:+.3f})':>24}")
