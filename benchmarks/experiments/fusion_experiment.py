"""Experiment: late fusion of the blocks (RRF) and a Hellinger tag block.

    python benchmarks/experiments/fusion_experiment.py --db /tmp/fq.db \\
        --manifest /work/corpus/dev.csv --group-col style --artist-col 'composer|package' \\
        --resolve debian-games

The database must already hold the analyses (``benchmarks/quality.py --db`` makes it);
it is only read. Both hypotheses and their recipes were fixed before any run
(no parameter was changed after seeing a number):

H1 — late fusion (Cormack, Clarke & Büttcher 2009, reciprocal-rank fusion, k = 60).
    For each block b ∈ {embedding, tags, dsp}: the shipped standardised unit block
    vectors (``VectorModel.raw_blocks`` with the √weight factor divided out, no PCA),
    cosine to the query, every track ranked by it (rank 1 = best, stable order);
    score = Σ_b 1 / (60 + rank_b), unweighted as in the original RRF. Results are taken
    in decreasing score through the normal filters.
H2 — Hellinger tags. The 50 tag probabilities are independent sigmoid outputs, so two
    tracks are compared tag by tag as Bernoulli distributions: the tag block becomes
    φ(p)/√50 with φ(p) = [√p_t, √(1 − p_t)]_t, whose dot product is the mean per-tag
    Bhattacharyya coefficient = 1 − mean squared Hellinger distance. It replaces the
    log-odds z-scored tag block; the embedding and DSP blocks, the weights (0.5 / 0.2 /
    0.3) and the uncentred PCA to ≤ 128 dims are unchanged.
    Diagnostic (not a hypothesis): tags alone, Hellinger vs the shipped transform.

Evaluation is :func:`quality.evaluate` (artist-filtered P@10 of the same group, normal
filters, plus the supplementary variant and same-artist measures); each variant is
compared with the current hybrid by a paired bootstrap over queries. Adoption bar:
≥ +0.03 P@10 with a 95 % interval excluding 0 and no loss on the supplementary measures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

# benchmarks/experiments/ (common.py, the other experiments) and benchmarks/ (quality.py)
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import quality  # benchmarks/quality.py
from common import add_manifest_args, manifest_rows, print_comparison, swap_hybrid_scores

RRF_K = 60


def library_arrays(rec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """DSP features, tag probabilities and embeddings in the index's row order."""
    from soundalike.engine.analyze import ANALYSIS_VERSION

    rows = {r.track_id: r for r in rec.store.analysis_rows(version=ANALYSIS_VERSION)}
    sel = [rows[int(t)] for t in rec.index.ids]
    return (np.array([r.features for r in sel], np.float32),
            np.array([r.tags for r in sel], np.float32),
            np.array([r.embedding for r in sel], np.float32))


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-6)


def unweighted_blocks(rec) -> list[np.ndarray]:
    """The shipped embedding, tag and DSP block vectors, each unit length."""
    f, t, e = library_arrays(rec)
    raw = rec.model.raw_blocks(f, t, e)
    ne, nt = e.shape[1], t.shape[1]
    return [_unit(raw[:, :ne]), _unit(raw[:, ne:ne + nt]), _unit(raw[:, ne + nt:])]


def hellinger_tags(tags: np.ndarray) -> np.ndarray:
    """φ(p)/√n_tags: dot products are mean per-tag Bhattacharyya coefficients."""
    p = np.clip(np.asarray(tags, np.float64), 0.0, 1.0)
    return (np.hstack([np.sqrt(p), np.sqrt(1.0 - p)]) / np.sqrt(p.shape[1])).astype(np.float32)


def rrf_scores(blocks: list[np.ndarray], positions, k: int = RRF_K) -> np.ndarray:
    """Σ_b 1/(k + rank_b) of every row for the query rows *positions*."""
    pos = np.atleast_1d(np.asarray(positions, dtype=np.int64))
    n = blocks[0].shape[0]
    total = np.zeros(n, np.float64)
    for b in blocks:
        s = b @ b[pos].mean(axis=0)
        rank = np.empty(n, np.int64)
        rank[np.argsort(-s, kind="stable")] = np.arange(1, n + 1)
        total += 1.0 / (k + rank)
    return total.astype(np.float32)


def prepare_rrf(rec) -> None:
    blocks = unweighted_blocks(rec)
    swap_hybrid_scores(rec, lambda query: rrf_scores(blocks, query))


def prepare_hellinger(rec, *, tags_only: bool = False) -> None:
    f, t, e = library_arrays(rec)
    h = hellinger_tags(t)
    if tags_only:
        rec.index.hybrid = np.ascontiguousarray(h)
        return
    w = rec.model.weights
    raw = rec.model.raw_blocks(f, t, e).astype(np.float64)
    ne = e.shape[1]
    raw = np.hstack([raw[:, :ne], np.sqrt(w["tags"]) * h.astype(np.float64),
                     raw[:, ne + t.shape[1]:]])
    # the same uncentred PCA as engine.vectors.fit
    evals, evecs = np.linalg.eigh(raw.T @ raw / len(raw))
    order = np.argsort(evals)[::-1]
    evals, evecs = np.clip(evals[order], 0, None), evecs[:, order]
    keep = int(min(128, raw.shape[1], max(1, int(np.sum(evals > evals[0] * 1e-9)))))
    rec.index.hybrid = np.ascontiguousarray(_unit(raw @ evecs[:, :keep]).astype(np.float32))


def print_spread(db: str) -> None:
    """Mean and s.d. of the pairwise cosines of each block (how much each can reorder)."""
    from soundalike.library.recommend.recommender import Recommender
    from soundalike.library.store import Store

    with Store(db) as store:
        rec = Recommender(store, persist_model=False)
        _, t, _ = library_arrays(rec)
        blocks = unweighted_blocks(rec)
    iu = np.triu_indices(len(t), 1)
    for name, m in (("embedding", blocks[0]), ("tags (shipped)", blocks[1]),
                    ("dsp", blocks[2]), ("tags (Hellinger)", hellinger_tags(t))):
        c = (m @ m.T)[iu]
        print(f"pairwise cosine, {name:<17} mean {c.mean():+.3f}  s.d. {c.std():.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_manifest_args(ap)
    args = ap.parse_args(argv)
    rows = manifest_rows(args)
    res = quality.evaluate(args.db, rows)
    res.pop("_info"), res.pop("_ceiling")
    one = {"methods": ("hybrid",)}
    res["H1 RRF(emb,tags,dsp)"] = quality.evaluate(args.db, rows, prepare=prepare_rrf,
                                                   **one)["hybrid"]
    res["H2 Hellinger tags"] = quality.evaluate(args.db, rows, prepare=prepare_hellinger,
                                                **one)["hybrid"]
    res["tags only (shipped)"] = quality.evaluate(
        args.db, rows, weights={"embedding": 0, "tags": 1, "dsp": 0}, **one)["hybrid"]
    res["tags only (Hellinger)"] = quality.evaluate(
        args.db, rows, prepare=lambda r: prepare_hellinger(r, tags_only=True), **one)["hybrid"]
    print_comparison(res)
    a, b = res["tags only (Hellinger)"], res["tags only (shipped)"]
    lo, hi = quality.paired_bootstrap(a["per_query_p10"], b["per_query_p10"])
    alo, ahi = quality.paired_bootstrap(a["per_query_artist_p10"], b["per_query_artist_p10"])
    print(f"diagnostic, tags only, Hellinger − shipped: P@10 {a['P@10'] - b['P@10']:+.3f} "
          f"({lo:+.3f} … {hi:+.3f}); artist P@10 {a['artist_P@10'] - b['artist_P@10']:+.3f} "
          f"({alo:+.3f} … {ahi:+.3f})")
    print_spread(args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
