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


# -- shared by the issue-25 experiments (hubness, library adaptation, tagger use) ------------

def rows_as_stored(db: str, rows: list[dict]) -> list[dict]:
    """The manifest rows whose files are in *db*, with the paths as stored there (matched
    by real path, as :func:`analysed_copy` does: the database may hold links to them)."""
    with Store(db) as store:
        real = {os.path.realpath(p): p for p, _ in store.analyses_with_paths()}
    return [dict(r, path=real[os.path.realpath(r["path"])]) for r in rows
            if os.path.realpath(r["path"]) in real]


def unit_rows(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-6)


def project_unit(raw: np.ndarray) -> np.ndarray:
    """The shipped last step of the hybrid: uncentred PCA to ≤ 128 dims, unit rows."""
    from soundalike.engine.vectors import principal_axes

    axes, _ = principal_axes(raw)
    return np.ascontiguousarray(unit_rows(np.asarray(raw, np.float64) @ axes), np.float32)


def artist_halves(rows: list[dict], seed: int = 0) -> tuple[set[str], set[str]]:
    """The manifest's artists split in two halves: sorted, shuffled with *seed*, the first
    ⌈m/2⌉ are half A. Rows with an empty artist go to half B."""
    artists = sorted({r["artist"] for r in rows if r["artist"]})
    order = np.random.default_rng(seed).permutation(len(artists))
    a = {artists[i] for i in order[:(len(artists) + 1) // 2]}
    return a, set(artists) - a


def peer_result(db: str, rows: list[dict], name: str = "musicnn",
                skip: frozenset = frozenset()) -> dict:
    """``quality.evaluate``'s hybrid row with the hybrid scores replaced by a peer's."""
    with Store(db) as store:
        path_of_id = {a.track_id: p for p, a in store.analyses_with_paths()}
    dist, _ = quality.peer_distances(name, db, list(path_of_id.values()))
    return quality.evaluate(db, rows, prepare=quality.peer_prepare(dist, path_of_id),
                            methods=("hybrid",), skip=skip)["hybrid"]


def paired(a: dict, b: dict, key: str = "per_query_p10",
           paths: str = "query_paths") -> tuple[float, float, float, int]:
    """mean(a − b) over the queries both have (matched by path), 95 % paired bootstrap."""
    x, y = dict(zip(a[paths], a[key], strict=True)), dict(zip(b[paths], b[key], strict=True))
    common = [p for p in x if p in y]
    xs, ys = [x[p] for p in common], [y[p] for p in common]
    lo, hi = quality.paired_bootstrap(xs, ys)
    return float(np.mean(xs) - np.mean(ys)), lo, hi, len(common)


def k_occurrence(scores: np.ndarray, k: int = 10) -> np.ndarray:
    """N_k: in how many rows' top-k (self excluded, no filters) each column appears."""
    s = np.array(scores, np.float64, copy=True)
    np.fill_diagonal(s, -np.inf)
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]
    return np.bincount(top.ravel(), minlength=s.shape[1])


def hub_stats(scores: np.ndarray, k: int = 10) -> dict:
    """k-occurrence skewness (Radovanović et al. 2010), hubs (N_k > 2k), anti-hubs (N_k = 0)."""
    n = k_occurrence(scores, k).astype(np.float64)
    sd = n.std()
    skew = float(((n - n.mean()) ** 3).mean() / sd ** 3) if sd > 0 else 0.0
    return {"skew": skew, "hubs": int((n > 2 * k).sum()), "antihubs": int((n == 0).sum()),
            "max": int(n.max())}


def print_against(results: dict[str, dict], ref: str, musicnn: dict, *,
                  width: int = 30) -> None:
    """Each variant: P@10, Δ vs *ref* and vs musicnn cosine (paired bootstrap, 95 %), and
    same-artist P@10 with its Δ vs *ref*."""
    r0 = results[ref]
    print(f"{'variant':<{width}} {'P@10':>6} {'Δ vs ' + ref + ' (95% CI)':>28} "
          f"{'Δ vs musicnn (95% CI)':>28} {'artist P@10':>11} {'Δartist (95% CI)':>26} "
          f"{'var MRR':>7} {'q':>4}")
    for name, r in results.items():
        d, lo, hi, n = paired(r, r0)
        dm, mlo, mhi, _ = paired(r, musicnn)
        da, alo, ahi, _ = paired(r, r0, "per_query_artist_p10", "artist_query_paths")
        print(f"{name:<{width}} {r['P@10']:>6.3f} {f'{d:+.3f} ({lo:+.3f} … {hi:+.3f})':>28} "
              f"{f'{dm:+.3f} ({mlo:+.3f} … {mhi:+.3f})':>28} {r['artist_P@10']:>11.3f} "
              f"{f'{da:+.3f} ({alo:+.3f} … {ahi:+.3f})':>26} "
              f"{r.get('variant_mrr', float('nan')):>7.3f} {n:>4}")
    dm, mlo, mhi, n = paired(musicnn, r0)
    print(f"{'musicnn cosine':<{width}} {musicnn['P@10']:>6.3f} "
          f"{f'{dm:+.3f} ({mlo:+.3f} … {mhi:+.3f})':>28} {'':>28} "
          f"{musicnn['artist_P@10']:>11.3f}")

