"""Library-map layouts compared: time, memory, and how well neighbours survive.

    python benchmarks/map_layout.py [--sizes 1000 10000 100000] [--db DEV.db --corpus DIR]
                                    [--methods pca ours sklearn-tsne opentsne umap]
                                    [--cap 600]

Candidates: ``pca`` (the old map: first two principal components, the floor), ``ours``
(:func:`soundalike.engine.layout.layout`: kNN graph + UMAP's loss by whole-array numpy
steps, no new dependency), ``sklearn-tsne`` (scikit-learn's Barnes-Hut ``TSNE``, cosine,
PCA init), ``opentsne`` (openTSNE's FFT-accelerated t-SNE, cosine, PCA init) and
``umap`` (umap-learn, cosine, defaults).

**Time and memory** on synthetic libraries of 1,000, 10,000 and 100,000 unit vectors of
128 dimensions (the hybrid size) clustered around 256 centres, as benchmarks/similarity.py
makes them. Each (method, size) runs in a fresh subprocess with one thread
(``OMP/OPENBLAS/MKL/NUMBA_NUM_THREADS=1``: the map is computed in the background on a
machine that is playing music), so its wall time includes whatever the library compiles
on first use (numba's JIT for umap), and its peak RSS (VmHWM) is that process's alone;
the growth over the RSS before the fit is reported beside it. The cost of importing is
reported separately. A run still going after ``--cap`` seconds is stopped and reported as
such.

**Neighbourhood preservation**: for each track, the share of its 10 nearest neighbours in
the hybrid space (cosine) that are among its 10 nearest on the map (Euclidean), averaged
(:func:`soundalike.engine.layout.neighbour_preservation`); at 100,000 over a random 2,000
tracks (their neighbours still searched among all). PCA in the same run is the floor.

**Readability on the development corpus** (``--db``: a library of the dev corpus with
hybrid vectors, read through :class:`Recommender`; ``--corpus``: its ``dev.csv``):
preservation, and the share of each track's 10 nearest on the map that have its ``style``
label (the same share for its 10 nearest in the hybrid space is the ceiling).

**Decision rule, written before the run.** Every peer library brings scipy and
scikit-learn into the runtime (which today has neither), umap-learn also numba and
llvmlite. A peer is adopted only if, against ``ours``, its preservation is higher by at
least 0.05 both on the dev corpus and at 10,000 tracks, and it finishes 100,000 tracks
under the cap. Otherwise the map uses ``ours``. Install sizes (the files of each method's
distributions as installed here) are printed for the record.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

METHODS = ("pca", "ours", "sklearn-tsne", "opentsne", "umap")
DISTS = {
    "pca": [],
    "ours": [],
    "sklearn-tsne": ["scikit-learn", "scipy", "joblib", "threadpoolctl"],
    "opentsne": ["openTSNE", "scikit-learn", "scipy", "joblib", "threadpoolctl"],
    "umap": ["umap-learn", "pynndescent", "numba", "llvmlite", "scikit-learn", "scipy",
             "joblib", "threadpoolctl"],
}
ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                               "NUMBA_NUM_THREADS")}


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def synthetic(n: int, seed: int = 1):
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(256, 128)).astype(np.float32)
    x = centres[rng.integers(0, 256, n)] + 0.7 * rng.normal(size=(n, 128)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def importer(method: str):
    """Import what *method* needs; return ``fit(x) -> xy``."""
    from soundalike.engine import layout

    if method == "pca":
        return lambda x: layout.unit_square(layout.pca_2d(x))
    if method == "ours":
        return layout.layout
    if method == "sklearn-tsne":
        from sklearn.manifold import TSNE

        return lambda x: TSNE(2, init="pca", metric="cosine", random_state=0,
                              perplexity=min(30.0, (len(x) - 1) / 3)).fit_transform(x)
    if method == "opentsne":
        from openTSNE import TSNE as OpenTSNE

        return lambda x: OpenTSNE(metric="cosine", initialization="pca", random_state=0,
                                  n_jobs=1, perplexity=min(30.0, (len(x) - 1) / 3)).fit(x)
    if method == "umap":
        import umap

        return lambda x: umap.UMAP(metric="cosine", random_state=0,
                                   n_jobs=1).fit_transform(x)
    raise SystemExit(f"unknown method {method}")


def one(method: str, n: int, repeat: bool) -> dict:
    """Child: one method on one synthetic size; prints a JSON line."""
    import numpy as np

    from soundalike.engine.layout import neighbour_preservation

    x = synthetic(n)
    t0 = time.perf_counter()
    fit = importer(method)
    import_s = time.perf_counter() - t0
    rss0 = status_mb("VmRSS")
    t0 = time.perf_counter()
    xy = np.asarray(fit(x))
    fit_s = time.perf_counter() - t0
    out = {"method": method, "n": n, "import_s": import_s, "fit_s": fit_s,
           "peak_mb": status_mb("VmHWM"), "growth_mb": status_mb("VmHWM") - rss0}
    if repeat:  # the same fit again in the same process: compiled code is warm
        t0 = time.perf_counter()
        fit(x)
        out["second_fit_s"] = time.perf_counter() - t0
    q = None if n <= 10_000 else np.random.default_rng(0).choice(n, 2000, replace=False)
    out["preservation"] = neighbour_preservation(x, xy, queries=q)
    return out


def install_mb(method: str) -> float:
    total = 0
    for name in DISTS[method]:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return float("nan")
        for f in dist.files or ():
            p = Path(dist.locate_file(f))
            if p.is_file():
                total += p.stat().st_size
    return total / 2**20


def run_child(method: str, n: int, cap: float, repeat: bool) -> dict:
    env = {**os.environ, **ONE_THREAD}
    cmd = [sys.executable, __file__, "--one", method, str(n)] + (["--repeat"] if repeat else [])
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=cap)
    except subprocess.TimeoutExpired:
        return {"method": method, "n": n, "capped": cap}
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        return {"method": method, "n": n, "error": (done.stderr.strip().splitlines() or
                                                      ["failed"])[-1]}
    return json.loads(lines[-1])


def dev_corpus(db: str, corpus: str, methods: list[str]) -> None:
    import numpy as np

    from soundalike.engine.layout import neighbour_preservation
    from soundalike.library.recommend.recommender import Recommender
    from soundalike.library.store import Store

    with Store(db, read_only=True) as store:
        rec = Recommender(store, persist_model=False)
        x = rec.index.hybrid
        paths = {t.id: t.path for t in store.get_tracks(int(i) for i in rec.index.ids)}
        ids = [int(i) for i in rec.index.ids]
    sys.path.insert(0, str(Path(__file__).parent))
    from quality import resolve_debian_games  # the dev corpus's path rule

    style = {}
    with open(Path(corpus) / "dev.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            style[resolve_debian_games(row["path"], Path(corpus))] = row["style"]
    labels = np.array([style.get(paths[i], "?") for i in ids])
    known = labels != "?"

    def label_share(order: np.ndarray) -> float:
        same = labels[order] == labels[:, None]
        return float(same[known].mean())

    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    ceiling = label_share(np.argsort(-sims, axis=1)[:, :10])
    print(f"\ndev corpus: {len(ids)} tracks ({int(known.sum())} with a style label); "
          f"same style among the 10 nearest in hybrid space: {ceiling:.3f}")
    print(f"{'method':14s} {'preservation@10':>16s} {'same style@10':>14s} {'time s':>7s}")
    for method in methods:
        fit = importer(method)
        t0 = time.perf_counter()
        xy = np.asarray(fit(x), np.float64)
        secs = time.perf_counter() - t0
        d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
        np.fill_diagonal(d, np.inf)
        near = np.argsort(d, axis=1)[:, :10]
        print(f"{method:14s} {neighbour_preservation(x, xy):16.3f} {label_share(near):14.3f}"
              f" {secs:7.1f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--cap", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--db", help="dev-corpus library (read only)")
    parser.add_argument("--corpus", default="/work/corpus", help="folder with dev.csv")
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--repeat", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]), args.repeat)))
        return 0
    from soundalike.library.analysis.machine import cpu_model

    flags = Path("/proc/cpuinfo").read_text()
    print(f"CPU: {cpu_model()}; avx512f: {'avx512f' in flags}; one thread per run")
    print("install size (MB, the distributions a method brings):",
          ", ".join(f"{m} {install_mb(m):.0f}" for m in args.methods))
    if args.db:
        dev_corpus(args.db, args.corpus, args.methods)
    print(f"\n{'method':14s} {'n':>7s} {'import s':>9s} {'fit s':>8s} {'2nd fit s':>9s} "
          f"{'peak MB':>8s} {'+MB':>6s} {'preservation@10':>16s}")
    for n in args.sizes:
        for method in args.methods:
            r = run_child(method, n, args.cap, repeat=n == min(args.sizes))
            if "capped" in r or "error" in r:
                why = (f"stopped after {r['capped']:.0f} s" if "capped" in r
                       else f"failed: {r['error']}")
                print(f"{method:14s} {n:7d} {why}", flush=True)
                continue
            second = f"{r['second_fit_s']:9.2f}" if "second_fit_s" in r else f"{'':9s}"
            print(f"{method:14s} {n:7d} {r['import_s']:9.2f} {r['fit_s']:8.2f} {second} "
                  f"{r['peak_mb']:8.0f} {r['growth_mb']:6.0f} {r['preservation']:16.3f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
