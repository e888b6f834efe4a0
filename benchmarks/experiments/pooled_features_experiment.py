"""Experiment: do musicnn's pooled mid-level features make better track vectors?

    tools/.build-venv/bin/python tools/build_tflite.py --pooled \\
        --out /tmp/poolbuild/musicnn_msd.tflite
    python benchmarks/experiments/pooled_features_experiment.py \\
        --model /tmp/poolbuild/musicnn_msd.tflite \\
        --db /tmp/d.db --manifest /work/corpus/dev.csv --group-col style \\
        --artist-col 'composer|package' --resolve debian-games [--cache /tmp/pooled.npz]

Hypothesis (Pons & Serra 2019; Choi et al. 2017): the back end's pooled features —
for each of musicnn's 753 mid-level features its max and its mean over a 3-s patch,
1506 numbers — transfer to other tasks better than the 200-unit penultimate layer,
which is specialised to the 50 MSD tags.

The recipe was fixed before any number was looked at:

* track vector of the pooled block = mean over the track's patches (the same patches,
  from the same decoded excerpts ``engine.audio.load`` gives, as the stored embedding);
* a block is turned into similarity exactly as the current embedding block is
  (``engine.vectors``): z-score per dimension with the library's statistics, unit
  length, the blocks weighted and concatenated, uncentred PCA to ≤ 128 dims, cosine;
* variants: ``seed`` and ``hybrid`` (the current pipeline, unchanged DB); ``emb only``
  (penultimate alone); ``pooled only``; ``hybrid, pooled replaces emb`` (the primary
  candidate: weights 0.5 / 0.2 / 0.3 unchanged); ``hybrid, pooled joins emb``
  (embedding 0.25 + pooled 0.25, tags 0.2, DSP 0.3).

Evaluation is :func:`benchmarks.quality.evaluate` itself (artist-filtered P@10 of the
same group, the same filters) on copies of the analysed database in which the
embedding blob is swapped for the variant's block; the joined variant swaps
``engine.vectors.fit`` for a 4-block fit in this process. Paired-bootstrap 95 %
intervals over queries are printed for each variant against the current hybrid.
The given database is never modified.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

# benchmarks/experiments/ (common.py, the other experiments) and benchmarks/ (quality.py)
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import quality  # benchmarks/quality.py
from common import add_manifest_args, analysed_copy, manifest_rows

from soundalike.library.store import Store


def pooled_for_tracks(model_path: Path, paths: list[str]) -> dict[str, np.ndarray]:
    """Per-track mean over patches of the three model outputs."""
    from ai_edge_litert.interpreter import Interpreter

    from soundalike.engine import audio, cnn

    interp = Interpreter(model_path=str(model_path), num_threads=1)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]["index"]
    outs = {int(d["shape"][-1]): d["index"] for d in interp.get_output_details()}
    assert set(outs) == {50, 200, 1506}, outs
    size = None
    res = {"tags": [], "embedding": [], "pooled": [], "pooled_std": []}
    t0 = time.monotonic()
    for i, p in enumerate(paths):
        dec = audio.load(p)
        batch = np.concatenate([cnn.patches(cnn.log_mel(s)) for s in dec.segments if s.size])
        per = {k: [] for k in (50, 200, 1506)}
        for start in range(0, len(batch), cnn.CHUNK):
            chunk = batch[start:start + cnn.CHUNK]
            if chunk.shape != size:
                interp.resize_tensor_input(inp, list(chunk.shape))
                interp.allocate_tensors()
                size = chunk.shape
            interp.set_tensor(inp, np.ascontiguousarray(chunk))
            interp.invoke()
            for k, idx in outs.items():
                per[k].append(interp.get_tensor(idx).copy())
        t, e, pl = (np.concatenate(per[k]) for k in (50, 200, 1506))
        res["tags"].append(t.mean(0, dtype=np.float64))
        res["embedding"].append(e.mean(0, dtype=np.float64))
        res["pooled"].append(pl.mean(0, dtype=np.float64))
        res["pooled_std"].append(pl.std(0, dtype=np.float64))
        if (i + 1) % 25 == 0:
            print(f"  {i + 1}/{len(paths)} tracks, {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return {k: np.asarray(v, dtype=np.float32) for k, v in res.items()}


def swap_embedding(src: str, dst: str, ids: list[int], block: np.ndarray) -> None:
    shutil.copyfile(src, dst)
    with Store(dst) as store:
        store.replace_embeddings(zip(ids, block, strict=True))
        # the saved vector model (and filters) of the original: refitted on the new blocks
        store.delete_settings("recommend.")


class JoinedModel:
    """Four blocks: penultimate, pooled, tags, DSP (the embedding blob holds both)."""

    def __init__(self, features, tags, emb, *, feature_names, feature_groups, w_emb, w_pool,
                 w_tags, w_dsp, n_emb=200, max_dims=128):
        from soundalike.engine import vectors as vec

        rest = w_emb + w_tags + w_dsp
        self.base = vec._ORIGINAL_FIT(features, tags, emb[:, :n_emb],
                                      feature_names=feature_names,
                                      weights={"embedding": w_emb, "tags": w_tags, "dsp": w_dsp},
                                      feature_groups=feature_groups)
        self.rest, self.w_pool, self.n_emb = rest, w_pool, n_emb
        pooled = np.asarray(emb[:, n_emb:], np.float64)
        self.p_mean = pooled.mean(0)
        s = pooled.std(0)
        self.p_scale = np.where(s > 1e-6, s, 1.0)
        raw = self.raw(features, tags, emb).astype(np.float64)
        evals, evecs = np.linalg.eigh(raw.T @ raw / len(raw))
        order = np.argsort(evals)[::-1]
        evals, evecs = np.clip(evals[order], 0, None), evecs[:, order]
        keep = min(max_dims, raw.shape[1])
        self.projection = evecs[:, :keep].astype(np.float32)
        self.explained_variance = float(evals[:keep].sum() / evals.sum())

    @property
    def dims(self) -> int:
        return int(self.projection.shape[1])

    def raw(self, features, tags, emb):
        from soundalike.engine.vectors import _unit_rows

        emb = np.atleast_2d(emb)
        a = self.base.raw_blocks(features, tags, emb[:, :self.n_emb]) * np.sqrt(self.rest)
        p = _unit_rows((emb[:, self.n_emb:] - self.p_mean) / self.p_scale)
        return np.hstack([a, np.sqrt(self.w_pool) * p]).astype(np.float32)

    def transform(self, features, tags, emb):
        from soundalike.engine.vectors import _unit_rows

        return _unit_rows(self.raw(features, tags, emb) @ self.projection).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="tflite with the pooled output")
    add_manifest_args(ap)
    ap.add_argument("--cache", type=Path, help="npz of computed outputs (reused if present)")
    args = ap.parse_args(argv)

    cp = analysed_copy(args.db, manifest_rows(args), "pooled-exp-")
    tmp, base, ids, paths, stored_emb, rows = (cp.tmp, cp.db, cp.ids, cp.paths,
                                               cp.embedding, cp.rows)

    if args.cache and args.cache.is_file():
        z = np.load(args.cache)
        assert list(z["ids"]) == ids, "cache is for other tracks"
        out = {k: z[k] for k in ("tags", "embedding", "pooled", "pooled_std")}
    else:
        out = pooled_for_tracks(args.model, paths)
        if args.cache:
            np.savez(args.cache, ids=np.asarray(ids), **out)
    d = np.abs(out["embedding"] - stored_emb).max(axis=1)
    print(f"new model's penultimate vs the database's embedding: identical on "
          f"{int(np.sum(d == 0))} of {len(d)} tracks, max |Δ| = {d.max():.2e} "
          "(differences: excerpts decoded differently when the database was made)")

    from soundalike.engine import vectors as vec

    vec._ORIGINAL_FIT = vec.fit
    results = {}
    results.update(quality.evaluate(base, rows))  # seed, hybrid (unchanged pipeline)
    results["hybrid[emb only]"] = quality.evaluate(
        base, rows, weights={"embedding": 1, "tags": 0, "dsp": 0}, methods=("hybrid",))["hybrid"]
    pooled_db = os.path.join(tmp.name, "pooled.db")
    swap_embedding(base, pooled_db, ids, out["pooled"])
    results["hybrid[pooled only]"] = quality.evaluate(
        pooled_db, rows, weights={"embedding": 1, "tags": 0, "dsp": 0},
        methods=("hybrid",))["hybrid"]
    results["hybrid, pooled replaces emb"] = quality.evaluate(
        pooled_db, rows, methods=("hybrid",))["hybrid"]
    joined_db = os.path.join(tmp.name, "joined.db")
    swap_embedding(base, joined_db, ids, np.hstack([stored_emb, out["pooled"]]))

    def joined_fit(features, tags, emb, *, feature_names, weights=None, feature_groups=None,
                   **_):
        return JoinedModel(features, tags, emb, feature_names=feature_names,
                           feature_groups=feature_groups, w_emb=0.25, w_pool=0.25, w_tags=0.2,
                           w_dsp=0.3)

    vec.fit = joined_fit
    try:
        results["hybrid, pooled joins emb"] = quality.evaluate(
            joined_db, rows, methods=("hybrid",))["hybrid"]
    finally:
        vec.fit = vec._ORIGINAL_FIT
    # exploratory only (not a decision input): mean ‖ std over patches
    ms_db = os.path.join(tmp.name, "meanstd.db")
    swap_embedding(base, ms_db, ids, np.hstack([out["pooled"], out["pooled_std"]]))
    results["(explor.) pooled mean‖std replaces emb"] = quality.evaluate(
        ms_db, rows, methods=("hybrid",))["hybrid"]
    ceiling = results.pop("_ceiling")
    results.pop("_info")

    ref = results["hybrid"]["per_query_p10"]
    seed = results["seed"]["per_query_p10"]
    print(f"{'variant':<42} {'P@5':>6} {'P@10':>6} {'vs hybrid (95% CI)':>26} {'vs seed':>8}")
    for name, r in results.items():
        lo, hi = quality.paired_bootstrap(r["per_query_p10"], ref)
        diff = r["P@10"] - results["hybrid"]["P@10"]
        print(f"{name:<42} {r['P@5']:>6.3f} {r['P@10']:>6.3f} "
              f"{diff:>+8.3f} ({lo:+.3f} … {hi:+.3f}) {r['P@10'] - np.mean(seed):>+8.3f}")
    print(f"{'(best possible)':<42} {ceiling['P@5']:>6.3f} {ceiling['P@10']:>6.3f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
