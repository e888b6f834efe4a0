"""Experiment: does a second musicnn checkpoint (MagnaTagATune, MTT) improve hybrid similarity?

    tools/.build-venv/bin/python tools/build_tflite.py \\
        --checkpoint tools/.checkpoints/x/musicnn/MTT_musicnn --out /tmp/mtt/musicnn_mtt.tflite
    python benchmarks/experiments/mtt_experiment.py --mtt-model /tmp/mtt/musicnn_mtt.tflite \\
        --db /tmp/fq.db --manifest /work/corpus/dev.csv --group-col style \\
        --artist-col 'composer|package' --resolve debian-games --cache /tmp/mtt/patches.npz

Hypothesis (written before any run; nothing is tuned afterwards): the game-soundtrack
styles (orchestral, chiptune, ambient, techno, rock) are largely about instrumentation,
which the MTT vocabulary names (guitar, strings, piano, synth, violin, harpsichord,
flute, choir, drums, techno, ambient, …) and the shipped MSD model's genre/era/mood
vocabulary does not. So adding the MTT_musicnn model's embedding and tags as extra
blocks improves hybrid P@10 (artist-filtered, same ``style`` group).

Pre-registered recipe:

* per track, both TFLite models (the shipped MSD model and MTT_musicnn converted by
  ``tools/build_tflite.py``, same architecture) run on exactly the same patches:
  ``engine.audio.load`` → ``engine.cnn.log_mel`` → ``engine.cnn.patches`` per excerpt;
  a track's block = the mean over its patches;
* every block gets the treatment of ``engine.vectors``: embedding z-scored with the
  library's mean/std, tags as log-odds z-scored likewise, DSP exactly as shipped
  (robust z, groups); each block unit length, times √weight, concatenated, uncentred
  PCA to ≤ 128 dims, unit length, cosine (the DSP/tag/embedding transforms are
  ``engine.vectors.fit`` itself, fitted once per model's arrays);
* **primary candidate**: embedding = MSD emb 0.25 + MTT emb 0.25, tags = MSD tags 0.1 +
  MTT tags 0.1, DSP 0.3;
* also reported: MTT embedding alone; MTT tags alone; "MTT replaces MSD" (MTT emb 0.5,
  MTT tags 0.2, DSP 0.3); diagnostics (not decision inputs): MSD embedding alone and the
  current hybrid rebuilt from the recomputed MSD outputs by this script's own block code
  (must match the shipped pipeline up to decoding differences).
* reference: the current hybrid from the unchanged database (``quality.evaluate``).

Adoption bar: ≥ +0.03 P@10 over the current hybrid with a 95 % paired-bootstrap interval
(over queries) excluding 0, and no drop in the supplementary measures (variant MRR,
same-artist P@10).

Adoption check (issue 13, item 2; written before the run, nothing tuned after it). The
issue adopts the primary candidate for its vocabulary (instrument and style words for
explanations and the map) given the +1.0-point result above. The shipped engine runs it on
the shipped patch budget (3 central patches per track, not the 12 above) with exactly the
primary recipe's weights (``engine.vectors`` block parts: embedding 0.25 + 0.25, tags
0.1 + 0.1, DSP 0.3). Check: ``benchmarks/quality.py --db DEV-V3 --baseline-db DEV-V2``,
DEV-V3 being a copy of the dev corpus's version-2 database upgraded by ``soundalike
analyze`` (MTT outputs added, features and MSD outputs kept). Expected: hybrid P@10 gains
about +0.01 as above. Bar for keeping it: the paired 95 % interval of (v3 − v2) P@10 does
not lie wholly below 0, and neither does same-artist P@10's; otherwise it is left out of
the hybrid (the vocabulary may still serve explanations and the map).

Evaluation is :func:`quality.evaluate` with its ``prepare`` hook replacing the index's
hybrid vectors. The given database is only read, through a temporary copy.

The ``--cache`` npz keeps the per-patch outputs of both models (reused when present):
``ids`` int64 [n] track ids (ascending), ``paths`` str [n], ``offsets`` int64 [n + 1]
(track i's patches are rows ``offsets[i]:offsets[i + 1]``), ``patch_segment`` int16 [P]
(excerpt index within the track), ``patch_start_s`` float32 [P] (patch start in the
file, s), ``msd_tags`` / ``mtt_tags`` float32 [P, 50], ``msd_embedding`` /
``mtt_embedding`` float32 [P, 200], ``msd_seconds`` / ``mtt_seconds`` float64 [n]
(interpreter time per track), plus ``msd_model`` / ``mtt_model`` (paths).
With ``--extra NAME=MODEL`` (added after the MTT_musicnn run, for the VGG models the
brief lists as optional — ``tools/build_vgg_tflite.py``; their variants were fixed
before they were run): ``NAME_tags`` [P, 50], ``NAME_embedding`` [P, d] (d = 256 for
VGG: its flattened last pooling layer) and ``NAME_seconds`` [n], computed in a second
pass that re-runs the MSD model on the re-decoded patches, checks its outputs equal the
cached ones (so the patches are the same) and keeps its time as ``NAME_msd_seconds``.
Extra variants: each extra model's embedding block alone, and its tag block alone.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

# benchmarks/experiments/ (common.py, the other experiments) and benchmarks/ (quality.py)
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import quality  # benchmarks/quality.py
from common import add_manifest_args, analysed_copy, manifest_rows, print_comparison
from fusion_experiment import library_arrays  # benchmarks/experiments/fusion_experiment.py

MAX_DIMS = 128


class Runner:
    """One LiteRT interpreter (one thread) with tags [n, 50] and embedding [n, d] outputs."""

    def __init__(self, path: Path) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interp = Interpreter(model_path=str(path), num_threads=1)
        self.interp.allocate_tensors()
        self.inp = self.interp.get_input_details()[0]["index"]
        outs = {int(d["shape"][-1]): d["index"] for d in self.interp.get_output_details()}
        assert len(outs) == 2 and 50 in outs, outs
        self.tags_out = outs.pop(50)
        self.emb_out = outs.popitem()[1]
        self.shape = None
        self.seconds = 0.0

    def __call__(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from soundalike.engine import cnn

        tags, embs = [], []
        for start in range(0, len(batch), cnn.CHUNK):
            chunk = np.ascontiguousarray(batch[start:start + cnn.CHUNK])
            if chunk.shape != self.shape:
                self.interp.resize_tensor_input(self.inp, list(chunk.shape))
                self.interp.allocate_tensors()
                self.shape = chunk.shape
            t0 = time.perf_counter()
            self.interp.set_tensor(self.inp, chunk)
            self.interp.invoke()
            tags.append(self.interp.get_tensor(self.tags_out).copy())
            embs.append(self.interp.get_tensor(self.emb_out).copy())
            self.seconds += time.perf_counter() - t0
        return np.concatenate(tags), np.concatenate(embs)


def patch_outputs(models: dict[str, Path], paths: list[str]) -> dict[str, np.ndarray]:
    """Per-patch outputs of the named models on the patches the shipped analysis uses."""
    from soundalike.engine import audio, cnn

    runners = {name: Runner(path) for name, path in models.items()}
    res: dict[str, list] = {"patch_segment": [], "patch_start_s": []}
    for name in runners:
        res.update({f"{name}_tags": [], f"{name}_embedding": [], f"{name}_seconds": []})
    offsets = [0]
    t0 = time.monotonic()
    for i, p in enumerate(paths):
        dec = audio.load(p)
        assert dec.sr == cnn.SR, dec.sr
        cut, seg, start = [], [], []
        for j, s in enumerate(dec.segments):
            if not s.size:
                continue
            b = cnn.patches(cnn.log_mel(s))
            cut.append(b)
            seg += [j] * len(b)
            start += [dec.offsets[j] + k * cnn.PATCH_FRAMES * cnn.HOP / cnn.SR
                      for k in range(len(b))]
        batch = np.concatenate(cut)
        # alternate which model runs first, so cache effects do not favour one
        order = list(runners) if i % 2 == 0 else list(runners)[::-1]
        for name in order:
            r = runners[name]
            before = r.seconds
            tags, emb = r(batch)
            res[f"{name}_tags"].append(tags)
            res[f"{name}_embedding"].append(emb)
            res[f"{name}_seconds"].append(r.seconds - before)
        res["patch_segment"].append(np.asarray(seg, np.int16))
        res["patch_start_s"].append(np.asarray(start, np.float32))
        offsets.append(offsets[-1] + len(batch))
        if (i + 1) % 25 == 0:
            print(f"  {i + 1}/{len(paths)} tracks, {time.monotonic() - t0:.0f} s",
                  file=sys.stderr)
    out = {k: np.concatenate(v) for k, v in res.items() if not k.endswith("_seconds")}
    out.update({k: np.asarray(v, np.float64) for k, v in res.items() if k.endswith("_seconds")})
    out["offsets"] = np.asarray(offsets, np.int64)
    return out


def track_means(patches: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Mean over each track's patch rows (float64 accumulation, float32 result)."""
    return np.stack([patches[a:b].mean(0, dtype=np.float64)
                     for a, b in itertools.pairwise(offsets)]).astype(np.float32)


def unit_blocks(features: np.ndarray, tags: np.ndarray, emb: np.ndarray):
    """The embedding, tag and DSP blocks of ``engine.vectors``, each unit length, unweighted."""
    from soundalike.engine import dsp
    from soundalike.engine import vectors as vec

    m = vec.fit(features, tags, emb, feature_names=dsp.FEATURE_NAMES,
                feature_groups=dsp.FEATURE_GROUPS)
    raw = m.raw_blocks(features, tags, emb).astype(np.float64)
    ne, nt = emb.shape[1], tags.shape[1]
    parts = raw[:, :ne], raw[:, ne:ne + nt], raw[:, ne + nt:]
    return [p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-6) for p in parts]


def combine(blocks: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """√weight-scaled unit blocks, concatenated, uncentred PCA to ≤ 128 dims, unit rows.

    The same projection rule as ``engine.vectors.fit``.
    """
    total = sum(weights.values())
    raw = np.hstack([np.sqrt(w / total) * blocks[k] for k, w in weights.items() if w > 0])
    evals, evecs = np.linalg.eigh(raw.T @ raw / len(raw))
    order = np.argsort(evals)[::-1]
    evals, evecs = np.clip(evals[order], 0, None), evecs[:, order]
    keep = int(min(MAX_DIMS, raw.shape[1], max(1, int(np.sum(evals > evals[0] * 1e-9)))))
    v = raw @ evecs[:, :keep]
    return np.ascontiguousarray(
        (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-6)).astype(np.float32))


def block_hook(by_id: dict[str, dict[int, np.ndarray]], weights: dict[str, float]):
    """A ``quality.evaluate`` prepare hook: hybrid vectors from the named blocks.

    *by_id* maps ``<model>_tags``/``<model>_embedding`` to {track id: track mean}.
    Blocks: ``dsp`` (the database's features), ``<model>_emb``, ``<model>_tags``.
    """

    def prepare(rec) -> None:
        f, _, _ = library_arrays(rec)
        ids = [int(t) for t in rec.index.ids]
        arr = {k: np.stack([v[t] for t in ids]) for k, v in by_id.items()}
        blocks = {}
        for model in sorted({k.rsplit("_", 1)[0] for k in arr}):
            e, t, d = unit_blocks(f, arr[f"{model}_tags"], arr[f"{model}_embedding"])
            blocks[f"{model}_emb"], blocks[f"{model}_tags"] = e, t
            blocks["dsp"] = d  # identical for both (features only)
        rec.index.hybrid = combine(blocks, weights)

    return prepare


VARIANTS: dict[str, dict[str, float]] = {
    "PRIMARY msd+mtt emb .25/.25, tags .1/.1, dsp .3": {
        "msd_emb": 0.25, "mtt_emb": 0.25, "msd_tags": 0.1, "mtt_tags": 0.1, "dsp": 0.3},
    "MTT emb alone": {"mtt_emb": 1.0},
    "MTT tags alone": {"mtt_tags": 1.0},
    "MTT replaces MSD (.5/.2/.3)": {"mtt_emb": 0.5, "mtt_tags": 0.2, "dsp": 0.3},
    "diag: MSD emb alone (recomputed)": {"msd_emb": 1.0},
    "diag: hybrid rebuilt (recomputed MSD)": {"msd_emb": 0.5, "msd_tags": 0.2, "dsp": 0.3},
}


def main(argv: list[str] | None = None) -> int:
    from soundalike.engine import cnn

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mtt-model", type=Path, required=True, help="MTT_musicnn as .tflite")
    ap.add_argument("--msd-model", type=Path, default=cnn.default_model_path())
    add_manifest_args(ap)
    ap.add_argument("--cache", type=Path, help="npz of per-patch outputs (reused if present)")
    ap.add_argument("--extra", action="append", default=[], metavar="NAME=MODEL",
                    help="another .tflite (tags [n, 50] + embedding) run on the same patches")
    args = ap.parse_args(argv)

    cp = analysed_copy(args.db, manifest_rows(args), "mtt-exp-")
    tmp, base, ids, paths, stored_emb, rows = (cp.tmp, cp.db, cp.ids, cp.paths,
                                               cp.embedding, cp.rows)

    if args.cache and args.cache.is_file():
        z = np.load(args.cache)
        assert list(z["ids"]) == ids, "cache is for other tracks"
        out = {k: z[k] for k in z.files}
    else:
        out = patch_outputs({"msd": args.msd_model, "mtt": args.mtt_model}, paths)
        out.update(ids=np.asarray(ids, np.int64), paths=np.asarray(paths),
                   msd_model=str(args.msd_model), mtt_model=str(args.mtt_model))
        if args.cache:
            np.savez(args.cache, **out)
    extras = dict(e.split("=", 1) for e in args.extra)
    todo = {k: Path(v) for k, v in extras.items() if f"{k}_embedding" not in out}
    if todo:
        new = patch_outputs({"msd": args.msd_model, **todo}, paths)
        assert np.array_equal(new["offsets"], out["offsets"]), "other patches than cached"
        for k in ("msd_tags", "msd_embedding"):
            assert np.array_equal(new[k], out[k]), f"{k} differs from the cache"
        for k, path in todo.items():
            out.update({f"{k}_tags": new[f"{k}_tags"], f"{k}_embedding": new[f"{k}_embedding"],
                        f"{k}_seconds": new[f"{k}_seconds"],
                        f"{k}_msd_seconds": new["msd_seconds"], f"{k}_model": str(path)})
        if args.cache:
            np.savez(args.cache, **out)
    n_patches = int(out["offsets"][-1])
    ms, mt = out["msd_seconds"].sum(), out["mtt_seconds"].sum()
    print(f"CNN time, {n_patches} patches ({n_patches / len(ids):.1f}/track), one thread, same "
          f"run, alternating order: MSD {1e3 * ms / n_patches:.1f} ms/patch, MTT "
          f"{1e3 * mt / n_patches:.1f} ms/patch, MTT/MSD = {mt / ms:.3f}")
    for k in extras:
        xs, bs = out[f"{k}_seconds"].sum(), out[f"{k}_msd_seconds"].sum()
        print(f"CNN time, second pass: MSD {1e3 * bs / n_patches:.1f} ms/patch, {k} "
              f"{1e3 * xs / n_patches:.1f} ms/patch, {k}/MSD = {xs / bs:.3f}")
    names = ["msd", "mtt", *extras]
    means = {f"{m}_{b}": track_means(out[f"{m}_{b}"], out["offsets"])
             for m in names for b in ("tags", "embedding")}
    d = np.abs(means["msd_embedding"] - stored_emb).max(axis=1)
    print(f"recomputed MSD embedding vs the database's: max |Δ| ≤ 1e-3 on "
          f"{int(np.sum(d <= 1e-3))} of {len(d)} tracks, overall max {d.max():.2e}")
    by_id = {k: dict(zip(ids, v, strict=False)) for k, v in means.items()}

    results = quality.evaluate(base, rows)  # seed, hybrid: the unchanged pipeline
    ceiling = results.pop("_ceiling")
    results.pop("_info")
    variants = dict(VARIANTS)
    for k in extras:
        variants[f"{k} emb alone"] = {f"{k}_emb": 1.0}
        variants[f"{k} tags alone"] = {f"{k}_tags": 1.0}
    for name, w in variants.items():
        results[name] = quality.evaluate(base, rows, methods=("hybrid",),
                                         prepare=block_hook(by_id, w))["hybrid"]

    ref = results["hybrid"]
    print()
    print_comparison(results, width=48)
    print(f"{'(best possible)':<48} {ceiling['P@5']:>6.3f} {ceiling['P@10']:>6.3f}")
    print(f"\n{'group (P@10)':<40} {'hybrid':>7} {'primary':>7}")
    prim = results[next(iter(VARIANTS))]
    for g in ref["per_group"]:
        print(f"{g[:40]:<40} {ref['per_group'][g]:>7.3f} {prim['per_group'][g]:>7.3f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
