"""Diagnostic: how much of a manifest's group signal do the track features carry at all?

    python benchmarks/experiments/style_probe.py --db /tmp/fq.db --manifest /work/corpus/dev.csv \\
        --group-col style --artist-col 'composer|package' --resolve debian-games

The database must already hold the analyses (``benchmarks/quality.py --db`` makes it);
it is only read.

The quality benchmark asks an *unsupervised* similarity (the product knows nothing of
the manifest's groups) to put same-group tracks by other artists first. This script
asks the opposite, deliberately unfair question: if a metric were **trained on the
groups themselves**, how far would the same features go? It is a supervised probe in
the sense of Alain & Bengio (2016), "Understanding intermediate layers using linear
classifier probes": a linear map fitted with the labels, evaluated on data it did not
see. Its score is an estimate of what any re-weighting, whitening or metric learning of
these features can reach under the benchmark's protocol — not a method the product
could ship (a user's library has no such labels).

Recipe (fixed before the first run; nothing was tuned on its result):

* features: the shipped hybrid's standardised, weighted blocks before the projection
  (``VectorModel.raw_blocks``: embedding, tags, DSP), or one block of them;
* leave-one-artist-out: for the tracks of each artist, Fisher's linear discriminant
  analysis is fitted on all *other* artists' tracks (within-class scatter shrunk halfway
  to a scaled identity, shrinkage 0.5 fixed; ``n_groups − 1`` discriminant directions);
  that artist's tracks are then scored against every track by cosine in the fitted space;
* a second, non-linear-in-the-scores probe: a multinomial logistic regression (scikit-learn
  defaults, C = 1) fitted the same leave-one-artist-out way; two tracks are scored by
  ``p_i · p_j``, the model's probability that they share a group;
* those scores replace the hybrid's inside :func:`quality.evaluate`, so the filters,
  caps, artist exclusion and P@10 are exactly the benchmark's.

The held-out artist's own tracks never inform its projection, so the probe cannot
simply memorise "this artist is in group g" — the same guard the benchmark uses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

# benchmarks/experiments/ (common.py, the other experiments) and benchmarks/ (quality.py)
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import fusion_experiment  # benchmarks/experiments/fusion_experiment.py (library_arrays)
import quality  # benchmarks/quality.py
from common import add_manifest_args, manifest_rows, swap_hybrid_scores

SHRINKAGE = 0.5


def lda_directions(x: np.ndarray, groups: np.ndarray, shrinkage: float = SHRINKAGE
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Shrunk Fisher discriminant directions.

    Parameters
    ----------
    x : np.ndarray, shape (n, d)
    groups : np.ndarray, shape (n,)
    shrinkage : float
        Weight of the scaled identity in the within-class scatter.

    Returns
    -------
    mean : np.ndarray, shape (d,)
    directions : np.ndarray, shape (d, n_groups - 1)
    """
    mean = x.mean(axis=0)
    d = x.shape[1]
    within = np.zeros((d, d))
    between = np.zeros((d, d))
    labels = np.unique(groups)
    for g in labels:
        xg = x[groups == g]
        mg = xg.mean(axis=0)
        within += (xg - mg).T @ (xg - mg)
        between += len(xg) * np.outer(mg - mean, mg - mean)
    within /= len(x)
    between /= len(x)
    within = (1 - shrinkage) * within + shrinkage * np.eye(d) * np.trace(within) / d
    evals, evecs = np.linalg.eig(np.linalg.solve(within, between))
    order = np.argsort(-evals.real)[: max(1, len(labels) - 1)]
    return mean, np.real(evecs[:, order])


def probe_scores(x: np.ndarray, groups: np.ndarray, artists: np.ndarray) -> np.ndarray:
    """Row i: cosine of track i to every track under a projection fitted without its artist.

    Returns
    -------
    np.ndarray, shape (n, n), float32
    """
    scores = np.zeros((len(x), len(x)), np.float32)
    for a in np.unique(artists):
        held = artists == a
        mean, w = lda_directions(x[~held], groups[~held])
        z = (x - mean) @ w
        z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
        scores[held] = z[held] @ z.T
    return scores


def logistic_scores(x: np.ndarray, groups: np.ndarray, artists: np.ndarray) -> np.ndarray:
    """Row i: ``p_i · p_j`` under a logistic regression fitted without track i's artist.

    Returns
    -------
    np.ndarray, shape (n, n), float32
    """
    from sklearn.linear_model import LogisticRegression

    labels = np.unique(groups)
    scores = np.zeros((len(x), len(x)), np.float32)
    for a in np.unique(artists):
        held = artists == a
        model = LogisticRegression(max_iter=2000).fit(x[~held], groups[~held])
        p = np.zeros((len(x), len(labels)))
        p[:, np.searchsorted(labels, model.classes_)] = model.predict_proba(x)
        scores[held] = p[held] @ p.T
    return scores


def block_slices(rec, tags: np.ndarray, emb: np.ndarray) -> dict[str, slice]:
    ne, nt = emb.shape[1], tags.shape[1]
    return {"all blocks": slice(None), "embedding": slice(0, ne),
            "tags": slice(ne, ne + nt), "dsp": slice(ne + nt, None)}


def extra_blocks(cache, track_ids) -> np.ndarray:
    """MTT embedding (weight 0.5) and tag (0.2) blocks from mtt_experiment's patch cache.

    Each is the mean over the track's patches, z-scored on the library (tags as
    log-odds) and unit length, as ``engine.vectors`` treats the MSD blocks.
    """
    where = {int(t): k for k, t in enumerate(cache["ids"])}
    rows = [where[int(t)] for t in track_ids]
    off = cache["offsets"]
    out = []
    for name, weight in (("mtt_embedding", 0.5), ("mtt_tags", 0.2)):
        a = np.array([cache[name][off[i]:off[i + 1]].mean(axis=0) for i in rows], np.float64)
        if name.endswith("tags"):
            a = np.clip(a, 1e-4, 1 - 1e-4)
            a = np.log(a / (1 - a))
        a = (a - a.mean(axis=0)) / (a.std(axis=0) + 1e-6)
        out.append(np.sqrt(weight) * a / np.linalg.norm(a, axis=1, keepdims=True))
    return np.hstack(out)


def prepare_probe(rows: list[dict], block: str, kind: str = "lda", cache=None):
    """A ``quality.evaluate`` hook that swaps the hybrid scores for the probe's.

    With *cache* (mtt_experiment's ``--cache`` npz) the MTT blocks join the features.
    """
    by_path = {r["path"]: r for r in rows}

    def prepare(rec) -> None:
        f, t, e = fusion_experiment.library_arrays(rec)
        raw = rec.model.raw_blocks(f, t, e).astype(np.float64)
        x = raw[:, block_slices(rec, t, e)[block]]
        if cache is not None:
            x = np.hstack([x, extra_blocks(cache, rec.index.ids)])
        paths = {tr.id: tr.path for tr in rec.store.get_tracks(int(i) for i in rec.index.ids)}
        meta = [by_path.get(paths[int(i)]) for i in rec.index.ids]
        # tracks outside the manifest form their own group and artist; the benchmark's
        # filters never return them anyway
        groups = np.array([m["group"] if m else "\0outside" for m in meta])
        artists = np.array([m["artist"] if m else "\0outside" for m in meta])
        s = (probe_scores if kind == "lda" else logistic_scores)(x, groups, artists)
        swap_hybrid_scores(rec, lambda query: s[query].mean(axis=0))

    return prepare


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_manifest_args(ap)
    ap.add_argument("--patches", type=Path,
                    help="mtt_experiment.py's --cache: also probe with the MTT blocks added")
    args = ap.parse_args(argv)
    rows = manifest_rows(args)
    res = quality.evaluate(args.db, rows)
    ceiling = res.pop("_ceiling")
    res.pop("_info")
    for block in ("all blocks", "embedding", "tags", "dsp"):
        res[f"probe: {block}"] = quality.evaluate(
            args.db, rows, prepare=prepare_probe(rows, block), methods=("hybrid",))["hybrid"]
    res["probe: all, logistic"] = quality.evaluate(
        args.db, rows, prepare=prepare_probe(rows, "all blocks", "logistic"),
        methods=("hybrid",))["hybrid"]
    if args.patches:
        res["probe: all + MTT"] = quality.evaluate(
            args.db, rows, prepare=prepare_probe(rows, "all blocks", cache=np.load(args.patches)),
            methods=("hybrid",))["hybrid"]
    seed = res["seed"]
    print(f"{'scores':<22} {'P@5':>6} {'P@10':>6} {'− seed P@10 (95% CI)':>26}")
    for name, r in res.items():
        lo, hi = quality.paired_bootstrap(r["per_query_p10"], seed["per_query_p10"])
        delta = f"{r['P@10'] - seed['P@10']:+.3f} ({lo:+.3f} … {hi:+.3f})"
        print(f"{name:<22} {r['P@5']:>6.3f} {r['P@10']:>6.3f} {delta:>26}")
    print(f"{'(best possible)':<22} {ceiling['P@5']:>6.3f} {ceiling['P@10']:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
