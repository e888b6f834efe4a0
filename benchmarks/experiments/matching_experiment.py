"""Experiment: compare tracks as distributions of their excerpts, not as mean vectors.

    python benchmarks/experiments/matching_experiment.py --db /tmp/fq.db \\
        --patches /tmp/mtt/patches.npz \\
        --manifest /work/corpus/dev.csv --group-col style --artist-col 'composer|package' \\
        --resolve debian-games

``--db`` must hold the analyses (``benchmarks/quality.py --db`` makes it; only read);
``--patches`` is the per-patch cache of ``benchmarks/mtt_experiment.py --cache`` (the
shipped MSD model's outputs for every 3-s patch of the same excerpts).

Both hypotheses and their recipes were fixed before any run; nothing was changed after
seeing a number.

H3 — timbre Gaussians (Mandel & Ellis 2005, "Song-level features and support vector
    machines for music classification"; the single-Gaussian timbre model musly builds
    on). Each track is N(μ, Σ) over its 13 MFCC frames, rebuilt from the stored DSP
    features (``mfcc_mean_*``, ``mfcc_std_*`` on the diagonal, ``mfcc_cov_*`` off it;
    Σ regularised by 1e-3 · tr Σ / 13 · I). Distance: the symmetrised Kullback–Leibler
    divergence; similarity −log(1 + KL). Variants: timbre alone; hybrid + timbre, the
    two score vectors z-scored over the library per query and mixed 0.7 / 0.3.
H4 — per-excerpt set matching. A track is the set of its patch embeddings (MSD 200-d,
    z-scored with the library's per-patch statistics, unit length), and two tracks are
    compared by the symmetrised mean best-match cosine (each patch's best match in the
    other track, averaged, then both directions averaged — a Chamfer similarity), so a
    track whose sections differ is not blurred into one mean. Variants: set similarity
    alone (vs the mean embedding alone, which is the shipped embedding block); the
    hybrid as the weighted sum of block cosines 0.5 · set + 0.2 · tags + 0.3 · DSP (the
    shipped unit blocks, no PCA), against the same sum with the mean embedding.

H5 — within-track covariance normalisation (WCCN; Hatch, Kajarekar & Stolcke 2006, from
    speaker verification), added after H3/H4 were run, recipe fixed before its own run.
    The patches of one track are samples of one class, a label that costs nothing: the
    directions in which a track's own patches differ (a louder section, a break) are
    noise for comparing tracks. Patch embeddings z-scored with the library's per-patch
    statistics; S_w = the mean per-patch scatter around each track's mean, shrunk halfway
    to a scaled identity (0.5, as in style_probe.py); the centred track means are
    multiplied by S_w^(-1/2), unit length, cosine. Variants: WCCN embedding alone (vs the
    mean embedding alone above); 0.5 · WCCN emb + 0.2 · tags + 0.3 · DSP cosines (vs
    "H4 blocks, mean emb"); the same with the tag logits WCCN-normalised too.

Evaluation: :func:`quality.evaluate` with its ``prepare`` hook swapping the hybrid
scores (artist-filtered P@10 of the same group, normal filters, supplementary measures);
paired bootstraps against the current hybrid. Adoption bar: ≥ +0.03 P@10 with the 95 %
interval excluding 0 and no loss on the supplementary measures.
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
from fusion_experiment import library_arrays, unweighted_blocks


def mfcc_gaussians(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-track MFCC mean [n, 13] and regularised full covariance [n, 13, 13]."""
    from soundalike.engine import dsp

    n, idx = dsp.N_MFCC, dsp.INDEX
    f = np.asarray(features, np.float64)
    mu = f[:, [idx[f"mfcc_mean_{i}"] for i in range(n)]]
    sd = f[:, [idx[f"mfcc_std_{i}"] for i in range(n)]]
    iu = np.triu_indices(n, 1)
    cov = np.zeros((len(f), n, n))
    cov[:, iu[0], iu[1]] = f[:, [idx[f"mfcc_cov_{i}_{j}"] for i, j in zip(*iu, strict=True)]]
    cov += cov.transpose(0, 2, 1)
    cov[:, np.arange(n), np.arange(n)] = sd**2
    cov += np.eye(n) * (1e-3 * np.trace(cov, axis1=1, axis2=2) / n)[:, None, None]
    return mu, cov


def symmetric_kl(mu: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """KL(i‖j) + KL(j‖i) for every pair of Gaussians, [n, n]."""
    inv = np.linalg.inv(cov)
    trace = np.einsum("iab,jba->ij", inv, cov)  # tr(Σ_i⁻¹ Σ_j)
    diff = mu[:, None, :] - mu[None, :, :]
    maha = np.einsum("ija,iab,ijb->ij", diff, inv, diff)
    return np.maximum(0.5 * (trace + trace.T + maha + maha.T) - mu.shape[1], 0.0)


def chamfer_similarity(patches: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Symmetrised mean best-match cosine between the tracks' patch sets, [n, n]."""
    z = (patches - patches.mean(axis=0)) / (patches.std(axis=0) + 1e-6)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    cos = z @ z.T
    n = len(offsets) - 1
    best = np.empty((len(z), n))
    for j in range(n):
        best[:, j] = cos[:, offsets[j]:offsets[j + 1]].max(axis=1)
    sim = np.array([best[offsets[i]:offsets[i + 1]].mean(axis=0) for i in range(n)])
    return 0.5 * (sim + sim.T)


def wccn_track_vectors(patches: np.ndarray, offsets: np.ndarray,
                       shrinkage: float = 0.5) -> np.ndarray:
    """Track means whitened by the shrunk within-track patch covariance, unit rows."""
    z = (patches - patches.mean(axis=0)) / (patches.std(axis=0) + 1e-6)
    n = len(offsets) - 1
    means = np.array([z[offsets[i]:offsets[i + 1]].mean(axis=0) for i in range(n)])
    resid = np.vstack([z[offsets[i]:offsets[i + 1]] - means[i] for i in range(n)])
    within = resid.T @ resid / len(resid)
    d = len(within)
    within = (1 - shrinkage) * within + shrinkage * np.eye(d) * np.trace(within) / d
    evals, evecs = np.linalg.eigh(within)
    x = (means - means.mean(axis=0)) @ (evecs @ np.diag(evals ** -0.5) @ evecs.T)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _zscore(s: np.ndarray) -> np.ndarray:
    return (s - s.mean()) / (s.std() + 1e-12)


def prepare_timbre(mix: bool):
    def prepare(rec) -> None:
        f, _, _ = library_arrays(rec)
        sim = -np.log1p(symmetric_kl(*mfcc_gaussians(f)))
        hybrid = rec.index.hybrid

        def rows(q):
            st = sim[q].mean(axis=0)
            if not mix:
                return st
            return 0.7 * _zscore(hybrid @ hybrid[q].mean(axis=0)) + 0.3 * _zscore(st)

        swap_hybrid_scores(rec, rows)

    return prepare


def prepare_sets(cache, mode: str):
    def prepare(rec) -> None:
        where = {int(t): k for k, t in enumerate(cache["ids"])}
        order = np.array([where[int(t)] for t in rec.index.ids])
        sets = chamfer_similarity(cache["msd_embedding"].astype(np.float64),
                                  cache["offsets"])[np.ix_(order, order)]
        emb, tag, dsp = unweighted_blocks(rec)

        def rows(q):
            e = sets[q].mean(axis=0) if mode.startswith("set") else emb @ emb[q].mean(axis=0)
            if mode.endswith("alone"):
                return e
            return 0.5 * e + 0.2 * (tag @ tag[q].mean(axis=0)) + 0.3 * (dsp @ dsp[q].mean(axis=0))

        swap_hybrid_scores(rec, rows)

    return prepare


def prepare_wccn(cache, mode: str):
    def prepare(rec) -> None:
        where = {int(t): k for k, t in enumerate(cache["ids"])}
        order = [where[int(t)] for t in rec.index.ids]
        off = cache["offsets"]
        emb = wccn_track_vectors(cache["msd_embedding"].astype(np.float64), off)[order]
        _, tag, dsp = unweighted_blocks(rec)
        if mode == "emb+tags":
            tag = wccn_track_vectors(_logit(cache["msd_tags"].astype(np.float64)), off)[order]

        def rows(q):
            e = emb @ emb[q].mean(axis=0)
            if mode == "alone":
                return e
            return 0.5 * e + 0.2 * (tag @ tag[q].mean(axis=0)) + 0.3 * (dsp @ dsp[q].mean(axis=0))

        swap_hybrid_scores(rec, rows)

    return prepare


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_manifest_args(ap)
    ap.add_argument("--patches", required=True, type=Path,
                    help="per-patch cache written by mtt_experiment.py --cache")
    args = ap.parse_args(argv)
    rows = manifest_rows(args)
    cache = np.load(args.patches)
    res = quality.evaluate(args.db, rows)
    res.pop("_info"), res.pop("_ceiling")
    for name, prepare in (("H3 timbre alone", prepare_timbre(False)),
                          ("H3 hybrid + timbre", prepare_timbre(True)),
                          ("H4 mean emb alone", prepare_sets(cache, "mean alone")),
                          ("H4 set emb alone", prepare_sets(cache, "set alone")),
                          ("H4 blocks, mean emb", prepare_sets(cache, "mean")),
                          ("H4 blocks, set emb", prepare_sets(cache, "set")),
                          ("H5 WCCN emb alone", prepare_wccn(cache, "alone")),
                          ("H5 blocks, WCCN emb", prepare_wccn(cache, "emb")),
                          ("H5 blocks, WCCN emb+tags", prepare_wccn(cache, "emb+tags"))):
        res[name] = quality.evaluate(args.db, rows, prepare=prepare,
                                     methods=("hybrid",))["hybrid"]
    print_comparison(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
