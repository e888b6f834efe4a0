"""Experiment (issue 10, part 2): the CNN patch budget, measured.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python \\
        benchmarks/experiments/patch_budget.py --manifest /work/corpus/dev.csv \\
        --group-col style --artist-col 'composer|package' --resolve debian-games \\
        --work /tmp/patch_budget

Pre-registered (this docstring was committed before any run; nothing below is tuned
afterwards).

Hypothesis. Today every track costs 12 CNN patches: 3 excerpts × 12 s centred at 23 / 50 /
77 % of the track, each cut into 4 non-overlapping 3-s patches, tags and embedding = the
mean over the 12. Patches inside one excerpt are strongly correlated, so the track mean
should be nearly as good from far fewer of them; quality (artist-filtered "same style"
hybrid P@10, same-artist P@10) is expected to be flat down to about one patch per excerpt
(3) and to drop below that. Shrinking the decoded excerpts too (the DSP features then see
less audio) may cost more, mainly through the tempo estimate.

Recipe.

* Manifest and labels exactly as ``benchmarks/quality.py`` reads them
  (``quality.read_manifest`` with the options above; dev corpus, 262 tracks).
* The engine (``engine.audio``, ``engine.dsp``, ``engine.cnn``) is imported once at the
  start; the shipped model file is copied to ``--work`` first and that copy is loaded
  (its SHA-256 is printed), so concurrent edits to the tree do not enter the run.
* Decode pass "12 s" (today): ``audio.load(path)`` (defaults: 3 × 12 s), ``dsp.features``
  on its segments, and for each non-empty segment ``cnn.patches(cnn.log_mel(seg))``; all
  patches of the track go through ``TagModel.predict_patches`` once. Kept per patch: tags
  [50], embedding [200], excerpt index, index within the excerpt. Passes "6 s" and "3 s"
  do the same with ``audio.load(path, excerpt_seconds=6)`` / ``=3`` (same 3 centres).
  Per track and pass the CPU time (``time.process_time``, one process, one thread) of
  decode, DSP, log-mel front end and interpreter is recorded. Everything is cached in
  ``--work/cache.npz``; a rerun with the cache present recomputes nothing but the
  evaluation. A track that fails to decode in any pass is left out of every plan.
* Plans. A plan picks excerpts and, within each picked excerpt of n patches, patches;
  the track's tags and embedding are the float64 mean over the picked patches (as
  ``TagModel.predict``). For the usual layout (3 excerpts × 4 patches):

  ====== ====================================== ======== =========================
  plan   patches averaged                        patches  decode + DSP
  ====== ====================================== ======== =========================
  P12    all (today)                             12       3 × 12 s
  P9     first three of each excerpt             9        3 × 12 s
  P6     middle two of each excerpt (#1, #2)     6        3 × 12 s
  P3     central patch of each excerpt (#2)      3        3 × 12 s
  P2     central patch of excerpts 1 and 3       2        3 × 12 s
  P1     central patch of the middle excerpt     1        3 × 12 s
  J6     "3 × 6 s": all patches of pass 6 s       6        3 × 6 s (DSP on those)
  J3     "3 × 3 s": all patches of pass 3 s       3        3 × 3 s (DSP on those)
  ====== ====================================== ======== =========================

  Patch numbers are 0-based; "central" = ``n // 2`` (for n = 4 the patch that starts at
  the excerpt's centre). General rule, used for the few tracks decoded whole (shorter
  than 45 s: one segment of any length): excerpts "all" / "first and last" / "middle"
  (``len // 2``); within an excerpt "first three" = the first max(1, ⌈3n/4⌉), "middle
  two" = the middle max(1, n // 2), "central" = ``n // 2``. The DSP features of P1…P12
  are those of pass 12 s, unchanged.
  Diagnostics, not decision inputs: J6-cnn / J3-cnn = the CNN of pass 6 s / 3 s with the
  DSP features of pass 12 s (separates the CNN effect from the DSP effect).
* Evaluation. The manifest's files are scanned (``Scanner.scan_file``, no analysis) into
  a base database; per plan a copy of it gets every track's row by
  ``Store.save_analysis(version=ANALYSIS_VERSION, features, tags, embedding, duration)``,
  then ``quality.evaluate(db, rows)`` — the quality protocol unchanged (hybrid, default
  weights; the query's artist excluded; caps 2/artist, 2/album).

Metrics. Primary: hybrid P@10 (artist-filtered, same ``style``). Co-primary: same-artist
P@10 (supplementary measure of ``quality.evaluate``). Reported, not decisive: variant MRR
(8 queries), seed P@10. Intervals: ``quality.paired_bootstrap`` (95 %, 2000 rounds,
seed 0, resampling queries), of plan − P12 in the table and of plan − best for the rule.

Cost. Per plan, CPU ms per track = decode + DSP (mean over tracks, measured in the plan's
decode pass) + patches per track × (log-mel ms per patch + interpreter ms per patch), the
per-patch rates measured in pass 12 s of this run (total CPU ÷ total patches). The CNN
column is the last term alone.

Decision rule. "best" = the plan among P12, P9, P6, P3, P2, P1, J6, J3 with the highest
hybrid P@10. A plan is *within noise of the best* when, for hybrid P@10 and for
same-artist P@10 each, the difference plan − best has a point estimate ≥ −0.010 and a
95 % paired-bootstrap interval whose upper end is ≥ 0 (not significantly worse). Ship the
cheapest plan within noise of the best, cheapest by the CPU ms per track above (ties:
fewer patches). If that is P12 nothing changes.

Caveat fixed in advance: the dev corpus is the only labelled data here; there is no
held-out set, so the recommendation rests on these 262 tracks (250 same-artist queries)
and eight comparisons against one best, with no correction for multiplicity.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import hashlib
import json
import math
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
from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store

PASSES = {"12s": 12.0, "6s": 6.0, "3s": 3.0}
#: plan → (decode pass of the CNN, excerpts, patches within an excerpt, pass of the DSP)
PLANS = {
    "P12": ("12s", "all", "all", "12s"),
    "P9": ("12s", "all", "first3", "12s"),
    "P6": ("12s", "all", "middle2", "12s"),
    "P3": ("12s", "all", "central", "12s"),
    "P2": ("12s", "ends", "central", "12s"),
    "P1": ("12s", "middle", "central", "12s"),
    "J6": ("6s", "all", "all", "6s"),
    "J3": ("3s", "all", "all", "3s"),
}
DIAGNOSTICS = {
    "J6-cnn": ("6s", "all", "all", "12s"),
    "J3-cnn": ("3s", "all", "all", "12s"),
}
NOMINAL = {"P12": 12, "P9": 9, "P6": 6, "P3": 3, "P2": 2, "P1": 1, "J6": 6, "J3": 3,
           "J6-cnn": 6, "J3-cnn": 3}
LABEL = {"P12": "P12 (today)", "P9": "P9 first 3 / excerpt", "P6": "P6 middle 2 / excerpt",
         "P3": "P3 central / excerpt", "P2": "P2 central of 1st + 3rd",
         "P1": "P1 central of middle", "J6": "J6 3 × 6 s (DSP too)",
         "J3": "J3 3 × 3 s (DSP too)", "J6-cnn": "J6-cnn (DSP 12 s)",
         "J3-cnn": "J3-cnn (DSP 12 s)"}
NOISE = -0.010
#: Tolerance of the rule's comparisons. Per-query P@10 values are multiples of 0.1, so the
#: interval ends are exact multiples of 0.1 / queries; float summation leaves residues of
#: ~1e-18 where the exact value is 0 (added after the first run, whose P3 same-artist upper
#: end came out as −8.8e-19 and was printed "worse"; see RESULTS.md).
EPS = 1e-12


def pick_excerpts(kind: str, n: int) -> list[int]:
    if kind == "all":
        return list(range(n))
    if kind == "ends":
        return sorted({0, n - 1})
    if kind == "middle":
        return [n // 2]
    raise ValueError(kind)


def pick_patches(kind: str, n: int) -> list[int]:
    if kind == "all":
        return list(range(n))
    if kind == "first3":
        return list(range(max(1, math.ceil(3 * n / 4))))
    if kind == "middle2":
        m = max(1, n // 2)
        s = (n - m) // 2
        return list(range(s, s + m))
    if kind == "central":
        return [n // 2]
    raise ValueError(kind)


def select(seg: np.ndarray, within: np.ndarray, ex_kind: str, p_kind: str) -> np.ndarray:
    """Row indices (into one track's patches) that a plan averages."""
    n_seg = int(seg.max()) + 1
    rows = []
    for e in pick_excerpts(ex_kind, n_seg):
        idx = np.flatnonzero(seg == e)
        n = len(idx)
        rows.extend(idx[w] for w in pick_patches(p_kind, n) if w < n)
    return np.asarray(rows, dtype=np.intp)


def decode_pass(paths: list[str], seconds: float, model: cnn.TagModel) -> dict:
    """Decode, DSP and per-patch CNN outputs of every track for one excerpt length."""
    n = len(paths)
    feats = np.zeros((n, len(dsp.FEATURE_NAMES)), np.float32)
    dur = np.zeros(n)
    ok = np.zeros(n, bool)
    times = np.zeros((n, 4))  # decode, dsp, log-mel, interpreter (CPU s)
    tags, embs, seg, within, counts = [], [], [], [], np.zeros(n, np.int64)
    errors = {}
    t_start = time.monotonic()
    for i, p in enumerate(paths):
        try:
            c0 = time.process_time()
            a = audio.load(p, excerpt_seconds=seconds)
            c1 = time.process_time()
            f = dsp.features(a.segments, a.sr)
            c2 = time.process_time()
            if a.sr != cnn.SR:
                raise RuntimeError(f"analysis rate {a.sr} ≠ CNN rate {cnn.SR}")
            cut, s_idx, w_idx = [], [], []
            k = 0
            for s in a.segments:
                y = np.asarray(s, np.float32).reshape(-1)
                if y.size == 0:
                    continue
                pt = cnn.patches(cnn.log_mel(y))
                cut.append(pt)
                s_idx.extend([k] * len(pt))
                w_idx.extend(range(len(pt)))
                k += 1
            batch = np.concatenate(cut)
            c3 = time.process_time()
            t, e = model.predict_patches(batch)
            c4 = time.process_time()
        except Exception as exc:  # noqa: BLE001 — reported and left out of every plan
            errors[p] = f"{type(exc).__name__}: {exc}"
            continue
        feats[i], dur[i], ok[i] = f, a.duration, True
        times[i] = (c1 - c0, c2 - c1, c3 - c2, c4 - c3)
        tags.append(t.astype(np.float32))
        embs.append(e.astype(np.float32))
        seg.append(np.asarray(s_idx, np.int16))
        within.append(np.asarray(w_idx, np.int16))
        counts[i] = len(t)
        if (i + 1) % 25 == 0 or i + 1 == n:
            print(f"  pass {seconds:g} s: {i + 1}/{n} tracks, {time.monotonic() - t_start:.0f} s",
                  file=sys.stderr, flush=True)
    return {"features": feats, "duration": dur, "ok": ok, "times": times,
            "offsets": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            "tags": np.concatenate(tags), "embedding": np.concatenate(embs),
            "segment": np.concatenate(seg), "within": np.concatenate(within),
            "errors": json.dumps(errors)}


def load_cache(path: Path, paths: list[str]) -> dict[str, dict]:
    if not path.is_file():
        return {}
    z = np.load(path, allow_pickle=False)
    if list(z["paths"]) != paths:
        print(f"cache {path} is for other tracks: ignored", file=sys.stderr)
        return {}
    out: dict[str, dict] = {}
    for name in PASSES:
        keys = [k for k in z.files if k.startswith(name + "/")]
        if keys:
            out[name] = {k.split("/", 1)[1]: z[k] for k in keys}
            out[name]["errors"] = str(out[name]["errors"])
    return out


def save_cache(path: Path, paths: list[str], passes: dict[str, dict], meta: dict) -> None:
    arrays = {"paths": np.asarray(paths), "meta": np.asarray(json.dumps(meta))}
    for name, d in passes.items():
        for k, v in d.items():
            arrays[f"{name}/{k}"] = np.asarray(v)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def plan_arrays(passes: dict[str, dict], spec: tuple, ok: np.ndarray):
    cnn_pass, ex_kind, p_kind, dsp_pass = spec
    d = passes[cnn_pass]
    n = len(ok)
    tags = np.zeros((n, 50), np.float32)
    emb = np.zeros((n, 200), np.float32)
    used = np.zeros(n, np.int64)
    for i in np.flatnonzero(ok):
        a, b = d["offsets"][i], d["offsets"][i + 1]
        rows = a + select(d["segment"][a:b], d["within"][a:b], ex_kind, p_kind)
        tags[i] = d["tags"][rows].mean(axis=0, dtype=np.float64)
        emb[i] = d["embedding"][rows].mean(axis=0, dtype=np.float64)
        used[i] = len(rows)
    return passes[dsp_pass]["features"], tags, emb, used


def scan_base(db: Path, paths: list[str]) -> dict[str, int]:
    if db.exists():
        db.unlink()
    with Store(str(db)) as store:
        root = os.path.commonpath(paths)
        store.add_folder(root if os.path.isdir(root) else os.path.dirname(root))
        scanner = Scanner(store)
        for p in paths:
            scanner.scan_file(p)
        ids = {}
        for p in paths:
            t = store.track_by_path(p)
            if t is not None:
                ids[p] = t.id
    return ids


def evaluate_plan(base: Path, work: Path, name: str, ids: dict[str, int], paths, ok,
                  features, tags, emb, duration, rows) -> dict:
    db = work / f"plan-{name}.db"
    shutil.copyfile(base, db)
    with Store(str(db)) as store:
        for i, p in enumerate(paths):
            if ok[i] and p in ids:
                store.save_analysis(ids[p], version=ANALYSIS_VERSION, features=features[i],
                                    tags=tags[i], embedding=emb[i], duration=float(duration[i]))
    res = quality.evaluate(str(db), rows)
    db.unlink()
    return res


def ci(a, b) -> tuple[float, float, float]:
    lo, hi = quality.paired_bootstrap(a, b)
    return float(np.mean(a) - np.mean(b)), lo, hi


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--manifest", required=True, type=Path)
    ap.add_argument("--path-col", default="path")
    ap.add_argument("--group-col", default="group")
    ap.add_argument("--artist-col", default="artist")
    ap.add_argument("--resolve", choices=("debian-games",))
    ap.add_argument("--work", type=Path, default=Path("/tmp/patch_budget"))
    ap.add_argument("--limit", type=int, help="first N rows only (a smoke test, not a result)")
    args = ap.parse_args(argv)
    work = args.work
    work.mkdir(parents=True, exist_ok=True)

    rows = common.manifest_rows(args)[: args.limit]
    paths = [r["path"] for r in rows]
    head = subprocess.run(["git", "-C", str(BENCH.parent), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False).stdout.strip()
    model_copy = work / cnn.MODEL_FILE
    cache_path = work / "cache.npz"
    passes = load_cache(cache_path, paths)
    if not model_copy.is_file():
        shutil.copyfile(cnn.default_model_path(), model_copy)
    sha = hashlib.sha256(model_copy.read_bytes()).hexdigest()
    meta = {"head": head, "model_sha256": sha, "cpu": _cpu(), "analysis_version": ANALYSIS_VERSION}
    if passes and cache_path.is_file():  # the passes were computed by an earlier run
        meta = {**json.loads(str(np.load(cache_path)["meta"])), "evaluated_at_head": head}
        print(f"passes cached by a run at HEAD {meta['head']} with model sha256 "
              f"{meta['model_sha256'][:16]}…", flush=True)
    print(f"{len(rows)} manifest rows; HEAD {head}; model copy {model_copy} sha256 {sha[:16]}…; "
          f"threads OMP={os.environ.get('OMP_NUM_THREADS')} "
          f"OPENBLAS={os.environ.get('OPENBLAS_NUM_THREADS')}", flush=True)

    if len(passes) < len(PASSES):
        model = cnn.TagModel(model_copy, threads=1)
        model.predict_patches(np.zeros((cnn.CHUNK, cnn.PATCH_FRAMES, cnn.N_MELS), np.float32))
        for name, seconds in PASSES.items():
            if name in passes:
                continue
            passes[name] = decode_pass(paths, seconds, model)
            save_cache(cache_path, paths, passes, meta)
    else:
        print(f"(all passes from the cache {cache_path})", flush=True)

    ok = np.logical_and.reduce([passes[n]["ok"] for n in PASSES])
    for n in PASSES:
        errs = json.loads(passes[n]["errors"])
        if errs:
            print(f"pass {n}: {len(errs)} failed: {list(errs.items())[:3]}")
    print(f"{int(ok.sum())} tracks decoded in every pass (used), {int((~ok).sum())} left out")

    # costs: per-patch rates from pass 12 s; decode + DSP per pass (means over used tracks)
    p12 = passes["12s"]
    n_patches12 = np.diff(p12["offsets"])[ok].sum()
    mel_ms = 1e3 * p12["times"][ok, 2].sum() / n_patches12
    net_ms = 1e3 * p12["times"][ok, 3].sum() / n_patches12
    per_pass = {n: {"decode_ms": 1e3 * d["times"][ok, 0].mean(),
                    "dsp_ms": 1e3 * d["times"][ok, 1].mean(),
                    "net_ms_per_patch": 1e3 * d["times"][ok, 3].sum()
                    / np.diff(d["offsets"])[ok].sum()} for n, d in passes.items()}
    print(f"pass 12 s: log-mel {mel_ms:.2f} ms/patch, interpreter {net_ms:.2f} ms/patch (CPU)")
    for n, c in per_pass.items():
        print(f"pass {n}: decode {c['decode_ms']:.1f} ms/track, DSP {c['dsp_ms']:.1f} ms/track, "
              f"interpreter {c['net_ms_per_patch']:.2f} ms/patch")

    # tempo agreement of the shorter decodes with the 12-s one
    ti = dsp.INDEX["tempo_bpm"]
    tempo = {}
    for n in ("6s", "3s"):
        a, b = p12["features"][ok, ti], passes[n]["features"][ok, ti]
        both = (a > 0) & (b > 0)
        r = b[both] / a[both]
        oct_ = np.min(np.abs(np.log2(r)[:, None] - np.array([-1.0, 0.0, 1.0])), axis=1)
        tempo[n] = {"both": int(both.sum()), "zero_12s": int((a <= 0).sum()),
                    "zero_short": int((b <= 0).sum()),
                    "within4": float(np.mean(np.abs(r - 1) <= 0.04)),
                    "within4_octave": float(np.mean(oct_ <= np.log2(1.04))),
                    "median_abs_pct": float(np.median(np.abs(r - 1)) * 100)}
        t = tempo[n]
        print(f"tempo {n} vs 12 s: {t['both']} tracks with a tempo in both; within ±4 %: "
              f"{t['within4']:.1%}; within ±4 % up to an octave: {t['within4_octave']:.1%}; "
              f"median |Δ| {t['median_abs_pct']:.1f} %; no tempo: 12 s {t['zero_12s']}, "
              f"{n} {t['zero_short']}")

    base = work / "base.db"
    ids = scan_base(base, paths)
    print(f"scanned {len(ids)} tracks into {base}", flush=True)
    results, used_mean = {}, {}
    for name, spec in {**PLANS, **DIAGNOSTICS}.items():
        t0 = time.monotonic()
        f, t, e, used = plan_arrays(passes, spec, ok)
        dur = passes[spec[3]]["duration"]
        results[name] = evaluate_plan(base, work, name, ids, paths, ok, f, t, e, dur, rows)
        used_mean[name] = float(used[ok].mean())
        r = results[name]["hybrid"]
        print(f"  {name}: hybrid P@10 {r['P@10']:.3f}, same-artist {r['artist_P@10']:.3f}, "
              f"{used_mean[name]:.2f} patches/track ({time.monotonic() - t0:.0f} s)", flush=True)

    cost = {}
    for name, spec in {**PLANS, **DIAGNOSTICS}.items():
        cnn_ms = used_mean[name] * (mel_ms + net_ms)
        c_dec, c_dsp = per_pass[spec[0]]["decode_ms"], per_pass[spec[3]]["dsp_ms"]
        if spec[0] != spec[3]:  # diagnostics: both decodes are needed
            c_dec += per_pass[spec[3]]["decode_ms"]
        cost[name] = {"cnn_ms": cnn_ms, "total_ms": c_dec + c_dsp + cnn_ms}

    ref = results["P12"]["hybrid"]
    hdr = (f"{'plan':<26} {'patches':>7} {'CNN ms':>7} {'total ms':>8} {'hybrid P@10':>11} "
           f"{'Δ vs P12 (95 %)':>24} {'artist P@10':>11} {'Δ vs P12 (95 %)':>24} "
           f"{'var MRR':>7} {'seed P@10':>9}")
    print("\n" + hdr + "\n" + "-" * len(hdr))
    table = {}
    for name in {**PLANS, **DIAGNOSTICS}:
        r = results[name]["hybrid"]
        dh = ci(r["per_query_p10"], ref["per_query_p10"])
        da = ci(r["per_query_artist_p10"], ref["per_query_artist_p10"])
        table[name] = {"patches": used_mean[name], **cost[name], "hybrid": r["P@10"],
                       "d_hybrid": dh, "artist": r["artist_P@10"], "d_artist": da,
                       "variant_mrr": r.get("variant_mrr"), "seed": results[name]["seed"]["P@10"]}
        print(f"{LABEL[name]:<26} {used_mean[name]:>7.2f} {cost[name]['cnn_ms']:>7.0f} "
              f"{cost[name]['total_ms']:>8.0f} {r['P@10']:>11.3f} "
              f"{f'{dh[0]:+.3f} ({dh[1]:+.3f} … {dh[2]:+.3f})':>24} {r['artist_P@10']:>11.3f} "
              f"{f'{da[0]:+.3f} ({da[1]:+.3f} … {da[2]:+.3f})':>24} "
              f"{r.get('variant_mrr', float('nan')):>7.3f} {results[name]['seed']['P@10']:>9.3f}")

    # the pre-registered decision rule (diagnostics excluded)
    best = max(PLANS, key=lambda n: results[n]["hybrid"]["P@10"])
    b = results[best]["hybrid"]
    print(f"\nbest by hybrid P@10: {best} ({b['P@10']:.3f}); within noise of it "
          f"(Δ ≥ {NOISE:+.3f} and 95 % upper end ≥ 0, hybrid and same-artist):")
    within = []
    for name in PLANS:
        r = results[name]["hybrid"]
        dh = ci(r["per_query_p10"], b["per_query_p10"])
        da = ci(r["per_query_artist_p10"], b["per_query_artist_p10"])
        passes_rule = (dh[0] >= NOISE - EPS and dh[2] >= -EPS
                       and da[0] >= NOISE - EPS and da[2] >= -EPS)
        table[name]["vs_best"] = {"d_hybrid": dh, "d_artist": da, "within": passes_rule}
        print(f"  {name:<4} hybrid {dh[0]:+.3f} ({dh[1]:+.3f} … {dh[2]:+.3f})  same-artist "
              f"{da[0]:+.4f} ({da[1]:+.3f} … {da[2]:+.3f} [{da[2]:.1e}])  "
              f"total {cost[name]['total_ms']:.0f} "
              f"ms/track → {'within noise' if passes_rule else 'worse'}")
        if passes_rule:
            within.append(name)
    chosen = min(within, key=lambda n: (cost[n]["total_ms"], NOMINAL[n]))
    print(f"decision: ship {chosen} ({LABEL[chosen]}), the cheapest plan within noise of {best}")
    per_query = {n: {k: results[n]["hybrid"][k] for k in ("per_query_p10", "per_query_artist_p10")}
                 for n in results}
    out = {"meta": meta, "tempo": tempo, "per_query": per_query, "per_pass": per_pass,
           "mel_ms_per_patch": mel_ms,
           "net_ms_per_patch": net_ms, "table": table, "best": best, "chosen": chosen,
           "tracks_used": int(ok.sum())}
    (work / "results.json").write_text(json.dumps(out, indent=1, default=float))
    print(f"(results in {work / 'results.json'})")
    return 0


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return "?"


if __name__ == "__main__":
    sys.exit(main())
