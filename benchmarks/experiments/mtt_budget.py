"""Experiment (issue 13, item 2): the MTT tagger's patch budget — 3 patches or 1?

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 5 .venv/bin/python \\
        benchmarks/experiments/mtt_budget.py --db DEV-V3.db --manifest /work/corpus/dev.csv \\
        --group-col style --artist-col 'composer|package' --resolve debian-games \\
        --work /tmp/mtt_budget

Pre-registered (this docstring was committed before any run; nothing below is tuned
afterwards).

Hypothesis. Analysis version 3 runs the MTT_musicnn tagger on the same 3 patches as the
MSD tagger (the central 3-s patch of each of the 3 excerpts, ``cnn.track_patches``) and
averages them. On the 2-core AVX2 machine of issue 10's cost targets that adds about
3 × 40–45 ms CPU per track, putting the worker pool near the 1.5× bliss floor. The MTT
blocks enter the hybrid at a quarter of the embedding and tag weights and were worth
about +0.01 P@10 (v3 − v2, interval touching 0). So MTT on ONE patch — the central patch
of the middle excerpt — is expected to keep the hybrid's quality (M1 within noise of M3)
at a third of the MTT cost. Against it: in the patch-budget experiment the same single
patch for the MSD model (P1, MSD carrying half the hybrid's weight) lost 3.5 points of
P@10 and 5.5 of same-artist P@10 against 12 patches, well outside noise; MTT carries
0.35 of the weight (embedding 0.25, tags 0.1) beside MSD's 3-patch blocks, so a loss, if
any, should be diluted, but is plausible.

Recipe.

* Manifest and labels exactly as ``benchmarks/quality.py`` reads them (the options above;
  dev corpus, 262 tracks). ``--db`` is an analysed version-3 database of those files; it
  is only read, through a copy (``common.analysed_copy``). Its DSP features, MSD tags and
  MSD embeddings are used unchanged in every plan (MSD stays on 3 patches).
* The engine (``engine.audio``, ``engine.dsp``, ``engine.cnn``) is imported once at the
  start; both shipped model files are copied to ``--work`` and the copies are loaded
  (SHA-256 printed), XNNPACK on one thread (the shipped default).
* Per-patch pass, one process, one thread, per track of the database (in track-id order):
  ``audio.load(path)`` (defaults: 3 × 12 s), ``dsp.features`` (timed only, and checked
  against the stored features), ``cnn.track_patches(segments, sr)`` (one central patch
  per non-empty excerpt, in time order; tracks decoded whole have one), then
  ``TagModel.predict_patches`` of the MSD and the MTT model on that batch (which runs
  first alternates per track). Kept per patch: both models' tags [50] and embedding [200];
  per track the CPU time (``time.process_time``) of decode, DSP, log-mel patches, MSD
  interpreter, MTT interpreter. Cached in ``--work/cache.npz``; a rerun with the cache
  present recomputes nothing but the evaluation. Checks printed (not decision inputs):
  max |Δ| of the recomputed MSD means and of the 3-patch MTT means against the stored
  ones (the same patches ⇒ ≈ 0).
* Plans (k = the track's patch count, patches 0-based in time order):

  ====== ================================================================ ===========
  plan   MTT tags / embedding stored for the track                        MTT patches
  ====== ================================================================ ===========
  M3     float64 mean over all k patches (as shipped)                       k (3)
  M1     patch ``k // 2`` only: the central patch of the middle excerpt     1
  M0     none (NULL): the recommender falls back to the version-2 hybrid    0
  ====== ================================================================ ===========

  Diagnostics, not decision inputs: ``M3-db`` (the database unchanged: its stored MTT
  outputs), ``M1-first`` / ``M1-last`` (patch 0 / patch k − 1 only: how much the choice
  of the single patch matters).
* Evaluation. Per plan a copy of the database gets each track's MTT outputs
  (``Store.upgrade_analysis`` from version 3 to 3, which keeps features and MSD outputs;
  for M0 ``Store.save_analysis`` of the same row without MTT), then
  ``quality.evaluate(db, rows)`` — the quality protocol unchanged (hybrid, default
  weights and block parts; the query's artist excluded; caps 2/artist, 2/album).

Metrics. Primary: hybrid P@10 (artist-filtered, same ``style``). Co-primary: same-artist
P@10. Intervals: ``quality.paired_bootstrap`` (95 %, 2000 rounds, seed 0, resampling
queries) of plan − M3 (and of M3 − M0, M1 − M0 for reference). Reported, not decisive:
P@5, variant MRR, seed P@10, and the vocabulary's stability — the share of tracks whose
map colour (``cnn.top_style(msd tags, mtt tags)``) is the same under M1 as under M3, and
the mean overlap of the top-3 MTT tags (M1 vs M3, out of 3).

Cost. Per plan, CPU ms per track = decode + DSP (means over tracks) + MSD patches per
track × (log-mel + MSD interpreter ms per patch) + MTT patches per track × MTT
interpreter ms per patch, the per-patch rates = total CPU ÷ total patches of this run.
(Log-mel is shared: MSD needs all k patches in every plan.)

Decision rule. Ship M1 when, for hybrid P@10 and for same-artist P@10 each, M1 − M3 has a
point estimate ≥ −0.010 and a 95 % paired-bootstrap interval whose upper end is ≥ 0
(compared with a tolerance of 1e-12 for float summation residues, as in
``patch_budget.py``); otherwise keep M3.

Caveat fixed in advance: the dev corpus is the only labelled data here (262 tracks, 250
same-artist queries), no held-out set; the per-patch CPU rates come from a machine with
AVX-512 shared by other engineers, not issue 10's AVX2 reference machine.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[1]
# benchmarks/experiments/ (common.py) and benchmarks/ (quality.py)
sys.path[:0] = [str(Path(__file__).resolve().parent), str(BENCH)]
import common  # benchmarks/experiments/common.py (manifest plumbing)
import quality  # benchmarks/quality.py

# The engine, imported once at the start (concurrent edits to the tree do not enter the run).
from soundalike.engine import audio, cnn, dsp
from soundalike.engine.analyze import ANALYSIS_VERSION
from soundalike.library.store import Store

PLANS = ("M3", "M1", "M0")
DIAGNOSTICS = ("M3-db", "M1-first", "M1-last")
LABEL = {"M3": "M3 MTT on 3 patches (today)", "M1": "M1 MTT on middle patch",
         "M0": "M0 no MTT (v2 hybrid)", "M3-db": "M3-db (stored MTT)",
         "M1-first": "M1-first (patch 0)", "M1-last": "M1-last (patch k-1)"}
NOISE = -0.010
EPS = 1e-12
STAGES = ("decode", "dsp", "mel", "msd", "mtt")


def patch_pass(paths: list[str], msd: cnn.TagModel, mtt: cnn.TagModel) -> dict:
    """Per-patch outputs of both models on the shipped patches, and per-stage CPU times."""
    n = len(paths)
    times = np.zeros((n, len(STAGES)))
    feats = np.zeros((n, len(dsp.FEATURE_NAMES)), np.float32)
    out = {k: [] for k in ("msd_tags", "msd_embedding", "mtt_tags", "mtt_embedding")}
    counts = np.zeros(n, np.int64)
    ok = np.zeros(n, bool)
    errors = {}
    t_start = time.monotonic()
    for i, p in enumerate(paths):
        try:
            c0 = time.process_time()
            a = audio.load(p)
            c1 = time.process_time()
            f = dsp.features(a.segments, a.sr)
            c2 = time.process_time()
            batch = cnn.track_patches(a.segments, a.sr)
            c3 = time.process_time()
            res, spent = {}, {}
            for name in (("msd", "mtt") if i % 2 == 0 else ("mtt", "msd")):
                m = msd if name == "msd" else mtt
                s0 = time.process_time()
                res[name] = m.predict_patches(batch)
                spent[name] = time.process_time() - s0
        except Exception as exc:  # noqa: BLE001 — reported and left out of every plan
            errors[p] = f"{type(exc).__name__}: {exc}"
            continue
        times[i] = (c1 - c0, c2 - c1, c3 - c2, spent["msd"], spent["mtt"])
        feats[i], counts[i], ok[i] = f, len(batch), True
        for name in ("msd", "mtt"):
            out[f"{name}_tags"].append(res[name][0].astype(np.float32))
            out[f"{name}_embedding"].append(res[name][1].astype(np.float32))
        if (i + 1) % 25 == 0 or i + 1 == n:
            print(f"  {i + 1}/{n} tracks, {time.monotonic() - t_start:.0f} s",
                  file=sys.stderr, flush=True)
    arrays = {k: np.concatenate(v) for k, v in out.items()}
    return {**arrays, "times": times, "features": feats, "ok": ok,
            "offsets": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            "errors": json.dumps(errors)}


def pick(kind: str, k: int) -> list[int]:
    """Which of a track's k patches (time order) a plan's MTT outputs average."""
    return {"M3": list(range(k)), "M1": [k // 2], "M1-first": [0], "M1-last": [k - 1]}[kind]


def plan_mtt(d: dict, kind: str) -> tuple[np.ndarray, np.ndarray]:
    n = len(d["ok"])
    tags = np.full((n, len(cnn.MTT_LABELS)), np.nan, np.float32)
    emb = np.full((n, cnn.EMBEDDING_DIMS), np.nan, np.float32)
    for i in np.flatnonzero(d["ok"]):
        a, b = d["offsets"][i], d["offsets"][i + 1]
        rows = a + np.asarray(pick(kind, int(b - a)))
        tags[i] = d["mtt_tags"][rows].mean(axis=0, dtype=np.float64)
        emb[i] = d["mtt_embedding"][rows].mean(axis=0, dtype=np.float64)
    return tags, emb


def track_means(d: dict, key: str) -> np.ndarray:
    return np.stack([d[key][a:b].mean(axis=0, dtype=np.float64) if b > a
                     else np.full(d[key].shape[1], np.nan)
                     for a, b in zip(d["offsets"][:-1], d["offsets"][1:], strict=True)])


def evaluate_plan(base: str, work: Path, name: str, stored: dict, ids: list[int], ok,
                  mtt: tuple[np.ndarray, np.ndarray] | None, rows: list[dict]) -> dict:
    db = work / f"plan-{name}.db"
    shutil.copyfile(base, db)
    with Store(str(db)) as store:
        for i, tid in enumerate(ids):
            if mtt is None:  # M0: the same row without the MTT outputs
                r = stored[tid]
                store.save_analysis(tid, version=r.version, features=r.features, tags=r.tags,
                                    embedding=r.embedding, duration=r.duration)
            elif ok[i]:
                changed = store.upgrade_analysis(tid, from_versions=(ANALYSIS_VERSION,),
                                                 version=ANALYSIS_VERSION,
                                                 mtt_tags=mtt[0][i], mtt_embedding=mtt[1][i])
                assert changed, f"track {tid} not upgraded"
    res = quality.evaluate(str(db), rows)
    db.unlink()
    return res


def ci(a, b) -> tuple[float, float, float]:
    lo, hi = quality.paired_bootstrap(a, b)
    return float(np.mean(a) - np.mean(b)), lo, hi


def load_cache(path: Path, paths: list[str]) -> dict | None:
    if not path.is_file():
        return None
    z = np.load(path, allow_pickle=False)
    if list(z["paths"]) != paths:
        print(f"cache {path} is for other tracks: ignored", file=sys.stderr)
        return None
    return {k: (str(z[k]) if k in ("errors", "meta") else z[k]) for k in z.files}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_manifest_args(ap)
    ap.add_argument("--work", type=Path, default=Path("/tmp/mtt_budget"))
    ap.add_argument("--limit", type=int, help="first N tracks only (a smoke test, not a result)")
    args = ap.parse_args(argv)
    work = args.work
    work.mkdir(parents=True, exist_ok=True)

    cp = common.analysed_copy(args.db, common.manifest_rows(args), "mtt-budget-")
    ids, paths, rows = cp.ids[: args.limit], cp.paths[: args.limit], cp.rows
    if args.limit:
        rows = [r for r in rows if r["path"] in set(paths)]
    with Store(cp.db) as store:
        stored = {r.track_id: r for _, r in store.analyses_with_paths()}
    if any(stored[t].version != ANALYSIS_VERSION or stored[t].mtt_tags is None for t in ids):
        raise SystemExit(f"--db must hold version-{ANALYSIS_VERSION} analyses with MTT outputs")
    head = subprocess.run(["git", "-C", str(BENCH.parent), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False).stdout.strip()
    copies = {}
    for name in ("msd", "mtt"):
        copies[name] = work / cnn.TAGGERS[name].file
        if not copies[name].is_file():
            shutil.copyfile(cnn.default_model_path(name), copies[name])
    sha = {n: hashlib.sha256(p.read_bytes()).hexdigest() for n, p in copies.items()}
    meta = {"head": head, "model_sha256": sha, "cpu": _cpu(),
            "analysis_version": ANALYSIS_VERSION}
    cache_path = work / "cache.npz"
    d = load_cache(cache_path, paths)
    if d is not None:
        meta = {**json.loads(d["meta"]), "evaluated_at_head": head}
        print(f"(per-patch outputs from the cache {cache_path}, computed at HEAD "
              f"{meta['head']})", flush=True)
    print(f"{len(ids)} analysed tracks; HEAD {head}; models MSD {sha['msd'][:16]}…, MTT "
          f"{sha['mtt'][:16]}…; threads OMP={os.environ.get('OMP_NUM_THREADS')}; "
          f"CPU {meta['cpu']}", flush=True)
    if d is None:
        msd = cnn.TagModel(copies["msd"], model="msd", threads=1)
        mtt = cnn.TagModel(copies["mtt"], model="mtt", threads=1)
        warm = np.zeros((3, cnn.PATCH_FRAMES, cnn.N_MELS), np.float32)
        msd.predict_patches(warm)
        mtt.predict_patches(warm)
        d = patch_pass(paths, msd, mtt)
        tmp = cache_path.with_suffix(".tmp.npz")
        np.savez(tmp, paths=np.asarray(paths), meta=np.asarray(json.dumps(meta)),
                 **{k: np.asarray(v) for k, v in d.items()})
        os.replace(tmp, cache_path)

    ok = d["ok"]
    errs = json.loads(d["errors"])
    if errs:
        print(f"{len(errs)} tracks failed to decode (left out): {list(errs.items())[:3]}")
    k = np.diff(d["offsets"])
    print(f"{int(ok.sum())} tracks used; patches per track: "
          f"{ {int(v): int((k[ok] == v).sum()) for v in np.unique(k[ok])} }")

    # the same patches as the stored analysis?
    got = {"tags": track_means(d, "msd_tags"), "embedding": track_means(d, "msd_embedding"),
           "mtt_tags": track_means(d, "mtt_tags"),
           "mtt_embedding": track_means(d, "mtt_embedding")}
    for key, arr in got.items():
        ref = np.stack([getattr(stored[t], key) for t in ids])
        print(f"check: recomputed {key} (mean over all patches) vs stored: max |Δ| "
              f"{np.nanmax(np.abs(arr[ok] - ref[ok])):.2e}")
    fref = np.stack([stored[t].features for t in ids])
    print(f"check: recomputed DSP features vs stored: max |Δ| "
          f"{np.nanmax(np.abs(d['features'][ok] - fref[ok])):.2e}")

    t = d["times"][ok]
    n_p = int(k[ok].sum())
    rate = {s: 1e3 * t[:, j].sum() / n_p for j, s in enumerate(STAGES) if s in ("mel", "msd",
                                                                                "mtt")}
    per_track = {s: 1e3 * t[:, j].mean() for j, s in enumerate(STAGES)}
    print("CPU per track: " + ", ".join(f"{s} {v:.1f} ms" for s, v in per_track.items())
          + f"; per patch: log-mel {rate['mel']:.2f}, MSD {rate['msd']:.2f}, "
          f"MTT {rate['mtt']:.2f} ms ({n_p} patches)")
    k_mean = float(k[ok].mean())
    mtt_patches = {"M3": k_mean, "M1": 1.0, "M0": 0.0, "M3-db": k_mean, "M1-first": 1.0,
                   "M1-last": 1.0}
    fixed = per_track["decode"] + per_track["dsp"] + k_mean * (rate["mel"] + rate["msd"])
    cost = {p: {"mtt_ms": mtt_patches[p] * rate["mtt"],
                "total_ms": fixed + mtt_patches[p] * rate["mtt"]} for p in mtt_patches}

    results, mtt_arrays = {}, {}
    for name in (*PLANS, *DIAGNOSTICS):
        t0 = time.monotonic()
        if name == "M0":
            mtt = None
        elif name == "M3-db":
            mtt = (np.stack([stored[t].mtt_tags for t in ids]),
                   np.stack([stored[t].mtt_embedding for t in ids]))
        else:
            mtt = plan_mtt(d, name)
        mtt_arrays[name] = mtt
        if name == "M3-db":  # the database as it is
            results[name] = quality.evaluate(cp.db, rows)
        else:
            results[name] = evaluate_plan(cp.db, work, name, stored, ids, ok, mtt, rows)
        r = results[name]["hybrid"]
        print(f"  {name}: hybrid P@10 {r['P@10']:.3f}, same-artist {r['artist_P@10']:.3f} "
              f"({time.monotonic() - t0:.0f} s)", flush=True)

    ref = results["M3"]["hybrid"]
    hdr = (f"{'plan':<28} {'MTT patches':>11} {'MTT ms':>6} {'total ms':>8} {'P@5':>6} "
           f"{'P@10':>6} {'Δ vs M3 (95 %)':>24} {'artist P@10':>11} {'Δ vs M3 (95 %)':>24} "
           f"{'var MRR':>7} {'seed P@10':>9}")
    print("\n" + hdr + "\n" + "-" * len(hdr))
    table = {}
    for name in (*PLANS, *DIAGNOSTICS):
        r = results[name]["hybrid"]
        dh = ci(r["per_query_p10"], ref["per_query_p10"])
        da = ci(r["per_query_artist_p10"], ref["per_query_artist_p10"])
        table[name] = {"mtt_patches": mtt_patches[name], **cost[name], "P@5": r["P@5"],
                       "hybrid": r["P@10"], "d_hybrid": dh, "artist": r["artist_P@10"],
                       "d_artist": da, "variant_mrr": r.get("variant_mrr"),
                       "seed": results[name]["seed"]["P@10"],
                       "queries": len(r["per_query_p10"]),
                       "artist_queries": len(r["per_query_artist_p10"])}
        print(f"{LABEL[name]:<28} {mtt_patches[name]:>11.2f} {cost[name]['mtt_ms']:>6.0f} "
              f"{cost[name]['total_ms']:>8.0f} {r['P@5']:>6.3f} {r['P@10']:>6.3f} "
              f"{f'{dh[0]:+.3f} ({dh[1]:+.3f} … {dh[2]:+.3f})':>24} {r['artist_P@10']:>11.3f} "
              f"{f'{da[0]:+.3f} ({da[1]:+.3f} … {da[2]:+.3f})':>24} "
              f"{r.get('variant_mrr', float('nan')):>7.3f} {results[name]['seed']['P@10']:>9.3f}")
    m0 = results["M0"]["hybrid"]
    for name in ("M3", "M1"):
        r = results[name]["hybrid"]
        dh = ci(r["per_query_p10"], m0["per_query_p10"])
        da = ci(r["per_query_artist_p10"], m0["per_query_artist_p10"])
        table[name]["vs_M0"] = {"d_hybrid": dh, "d_artist": da}
        print(f"{name} − M0: hybrid {dh[0]:+.3f} ({dh[1]:+.3f} … {dh[2]:+.3f}), same-artist "
              f"{da[0]:+.3f} ({da[1]:+.3f} … {da[2]:+.3f})")

    # vocabulary stability (reported, not decisive)
    msd_tags = np.stack([stored[t].tags for t in ids])[ok]
    vocab = {}
    for name in ("M1", "M1-first", "M1-last"):
        s3 = cnn.top_style(msd_tags, mtt_arrays["M3"][0][ok])
        s1 = cnn.top_style(msd_tags, mtt_arrays[name][0][ok])
        top3 = np.argsort(-mtt_arrays["M3"][0][ok], axis=1)[:, :3]
        top1 = np.argsort(-mtt_arrays[name][0][ok], axis=1)[:, :3]
        overlap = float(np.mean([len(set(a) & set(b)) for a, b in zip(top3, top1, strict=True)]))
        same = float(np.mean([a == b for a, b in zip(s3, s1, strict=True)]))
        vocab[name] = {"same_top_style": same, "top3_mtt_overlap": overlap}
        print(f"vocabulary, {name} vs M3: same map colour (top style) {same:.1%}; "
              f"top-3 MTT tags in common {overlap:.2f} of 3")

    # the pre-registered decision rule
    dh, da = table["M1"]["d_hybrid"], table["M1"]["d_artist"]
    ship = (dh[0] >= NOISE - EPS and dh[2] >= -EPS and da[0] >= NOISE - EPS and da[2] >= -EPS)
    print(f"\nrule: M1 − M3 hybrid {dh[0]:+.4f} (upper {dh[2]:+.4f}), same-artist {da[0]:+.4f} "
          f"(upper {da[2]:+.4f}); need Δ ≥ {NOISE:+.3f} and upper ≥ 0 for both")
    chosen = "M1" if ship else "M3"
    verdict = "ship M1 (MTT on the middle excerpt's central patch)" if ship else "keep M3"
    print(f"decision: {verdict}; MTT CPU {cost[chosen]['mtt_ms']:.0f} ms/track "
          f"(M3 {cost['M3']['mtt_ms']:.0f})")
    per_query = {n: {q: results[n]["hybrid"][q] for q in ("per_query_p10",
                                                          "per_query_artist_p10")}
                 for n in results}
    out = {"meta": meta, "per_track_ms": per_track, "per_patch_ms": rate, "table": table,
           "vocabulary": vocab, "chosen": chosen, "tracks_used": int(ok.sum()),
           "per_query": per_query}
    (work / "results.json").write_text(json.dumps(out, indent=1, default=float))
    print(f"(results in {work / 'results.json'})")
    cp.tmp.cleanup()
    return 0


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        name = next(line.split(":", 1)[1].strip() for line in text.splitlines()
                    if line.startswith("model name"))
        return f"{name}, {os.cpu_count()} cores, avx512f {'yes' if 'avx512f' in text else 'no'}"
    except (OSError, StopIteration):
        return "?"


if __name__ == "__main__":
    sys.exit(main())
