"""Soundalike against its peer (bliss) and against the floors, on the same real files.

Usage::

    .venv/bin/python benchmarks/peers.py [--corpus DIR] [--files 16] [--skip-pool] [--json FILE]

``pip install -e '.[bench]'`` first (bliss-audio, threadpoolctl). DIR is the development
corpus (default ``$SOUNDALIKE_CORPUS``); N files are picked from ``DIR/tracks.txt``, every
k-th line, so a run is repeatable. In one process, the methods below run on each file in
turn, with the method order rotated from file to file, so drift and other load on the
machine hit all of them alike:

- whole-file decode floor: the whole file to 16 kHz mono (soundfile, else PyAV; soxr);
- excerpt-decode floor: ``engine.audio.load`` (decodes only the analysis excerpts);
- bliss: ``bliss_audio.Song(path)`` (the official Python bindings of bliss-rs);
- Soundalike in-process: ``engine.analyze.analyze_file`` with the default models (MSD and
  MTT taggers), one thread;
- an sgemm slot: the CNN's dominant GEMM with numpy on one BLAS thread → GFLOP/s, which
  times the models' MACs per patch (read from the .tflite files, summed over both) and the
  patches per track the engine actually cuts gives the CNN FLOP floor. "CNN" is both
  taggers together (the shared log-mel front end included, as before).

CPU time is ``time.process_time`` (every thread of the process: bliss may use several), so
tracks/h/core = 3600 s / CPU s per track is fair; wall time is printed too. A file any
method cannot read is left out of every row (the comparison stays on the same files).
Then each method runs once more over the kept files in a fresh subprocess, for its peak
RSS: one process's peak includes everything loaded before. The child reports its VmHWM
(/proc/self/status), because the ``ru_maxrss`` that ``os.wait4`` returns keeps the peak of
the image forked from this (large) process across exec; both are in the JSON.
Last, unless ``--skip-pool``, the real worker pool
(``library.analysis.controller.AnalysisController``) analyses the kept files into a fresh
temporary database, with the default worker count and with one worker; its CPU per track
is the workers' (``RUSAGE_CHILDREN``), start-up included.

The top-level imports are the standard library only: the pool's workers are spawned, and a
spawned process re-imports this file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One thread everywhere, as in the analysis workers (library/analysis/worker.py), and before
# numpy is imported: the sgemm floor must be single-threaded OpenBLAS.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_name] = "1"

METHODS = ("whole", "excerpt", "bliss", "soundalike", "sgemm")
LABELS = {
    "whole": "whole-file decode floor",
    "excerpt": "excerpt-decode floor",
    "cnn_floor": "CNN FLOP floor",
    "bliss": "bliss (bliss-audio)",
    "soundalike": "Soundalike in-process",
    "pool_default": "Soundalike pool, default",
    "pool_1": "Soundalike pool, 1 worker",
}
SGEMM_REPS = 3  # GEMM calls per sgemm slot
#: Fallback MACs per patch, if the .tflite cannot be parsed. musicnn MSD (models/MODEL_CARD.md),
#: 187 frames × 96 mel bands: timbral convs 187·59·204·7·38 + 187·30·204·7·67, temporal
#: 187·96·51·(128+64+32), mid end 187·64·7·561 + 2·187·64·7·64, dense 1506·200 + 200·50
#: ≈ 1.40 GMAC.
FALLBACK_MACS = (187 * 59 * 204 * 7 * 38 + 187 * 30 * 204 * 7 * 67 + 187 * 96 * 51 * (128 + 64 + 32)
                 + 187 * 64 * 7 * 561 + 2 * 187 * 64 * 7 * 64 + 1506 * 200 + 200 * 50)
#: Fallback dominant GEMM: im2col of the first timbral conv, (187·59)×266 @ 266×204.
FALLBACK_GEMM = (187 * 59, 7 * 38, 204)


# ---------------------------------------------------------------------------- machine
def cpu_info() -> dict:
    info = {"model": "unknown", "cores": os.cpu_count(), "flags": {}}
    with contextlib.suppress(AttributeError, OSError):
        info["usable_cores"] = len(os.sched_getaffinity(0))
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and info["model"] == "unknown":
            info["model"] = value.strip()
        elif key == "flags" and not flags:
            flags = set(value.split())
    info["flags"] = {f: f in flags for f in ("avx", "avx2", "avx512f", "fma")}
    return info


def versions() -> dict:
    from importlib import metadata

    out = {}
    for dist in ("ai-edge-litert", "bliss-audio", "numpy", "threadpoolctl", "soundfile", "av",
                 "soxr"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def blas_info() -> list[dict]:
    import numpy  # noqa: F401  (threadpoolctl only sees loaded libraries)

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"error": "threadpoolctl not installed (pip install -e '.[bench]')"}]
    keep = ("user_api", "internal_api", "version", "architecture", "num_threads",
            "threading_layer", "filepath")
    return [{k: d.get(k) for k in keep if k in d} for d in threadpool_info()]


# ---------------------------------------------------------------------------- files
def pick_files(corpus: Path, n: int) -> tuple[list[Path], int]:
    listing = corpus / "tracks.txt"
    if not listing.exists():
        sys.exit(f"no {listing}: fetch the corpus with ../shared/corpus/fetch-dev.sh {corpus}")
    lines = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    files = [corpus / line for line in lines if (corpus / line).exists()]
    if not files:
        sys.exit(f"none of the files in {listing} exist")
    step = max(1, len(files) // max(1, n))
    return files[::step][:n], step


# ---------------------------------------------------------------------------- methods
def full_decode(path: Path) -> float:
    """The whole file to 16 kHz mono: libsndfile, else FFmpeg (PyAV); soxr resampling."""
    import numpy as np
    import soxr

    from soundalike.engine.audio import ANALYSIS_SR

    try:
        import soundfile as sf

        y, sr = sf.read(str(path), dtype="float32", always_2d=True)
        y = y.mean(axis=1)
    except Exception:  # noqa: BLE001 - not a libsndfile format: FFmpeg
        import av

        chunks = []
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            sr = stream.rate
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sr)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        y = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    y = soxr.resample(y, sr, ANALYSIS_SR)
    return float(np.abs(y).mean()) if y.size else 0.0


def excerpt_decode(path: Path):
    from soundalike.engine import audio

    return audio.load(path)


def bliss_song(path: Path):
    from bliss_audio import Song  # benchmark only: the app never imports bliss

    return Song(str(path))


class TimedModel:
    """Wraps a tagging model handed to ``analyze_file``: CPU and wall time of
    ``predict_track`` (result.timings has wall time only) and the patches it ran on."""

    def __init__(self, model) -> None:
        self._model = model
        self.cpu = self.wall = 0.0
        self.calls = 0
        self.last_patches = 0

    def predict_track(self, batch):
        c0, w0 = time.process_time(), time.perf_counter()
        try:
            return self._model.predict_track(batch)
        finally:
            self.cpu += time.process_time() - c0
            self.wall += time.perf_counter() - w0
            self.calls += 1
            self.last_patches = len(batch)

    def __getattr__(self, name):
        return getattr(self._model, name)


def count_patches(segments, sr) -> int:
    """The patches the CNN runs on, as the engine cuts them (``cnn.track_patches``)."""
    from soundalike.engine import cnn

    return len(cnn.track_patches(segments, sr))


# ---------------------------------------------------------------------------- CNN floor
def model_cost(model_path: Path) -> dict:
    """MACs per patch and the dominant GEMM shape, from the conv/FC ops of the .tflite file."""
    try:
        from ai_edge_litert.interpreter import Interpreter

        from soundalike.engine.cnn import _quiet_native_stderr

        interp = Interpreter(model_path=str(model_path), num_threads=1)
        with _quiet_native_stderr():
            interp.allocate_tensors()
        shape = {t["index"]: [int(x) for x in t["shape"]] for t in interp.get_tensor_details()}
        batch = max(1, int(interp.get_input_details()[0]["shape"][0]))
        macs, biggest, gemm, ops = 0, 0, None, {}
        for op in interp._get_ops_details():  # private, but the only way to the graph
            name = op["op_name"]
            ins, outs = op["inputs"], op["outputs"]
            out = shape[outs[0]]
            if name == "CONV_2D":
                o, kh, kw, i = shape[ins[1]]
                m = _prod(out) * kh * kw * i
                if m > biggest:  # im2col: (H_out·W_out) × (KH·KW·I) @ (KH·KW·I) × O
                    biggest, gemm = m, (out[1] * out[2], kh * kw * i, o)
            elif name == "DEPTHWISE_CONV_2D":
                _, kh, kw, _ = shape[ins[1]]
                m = _prod(out) * kh * kw
            elif name == "FULLY_CONNECTED":
                m = _prod(out) * shape[ins[1]][-1]
            elif name == "BATCH_MATMUL":
                m = _prod(out) * shape[ins[0]][-1]
            else:
                continue
            macs += m
            ops[name] = ops.get(name, 0) + m // batch
        if macs <= 0 or gemm is None:
            raise ValueError("no conv or dense op found")
        return {"macs": macs // batch, "gemm": gemm, "source": f"parsed from {model_path.name}",
                "macs_by_op": ops}
    except Exception as exc:  # noqa: BLE001 - fall back to the hand count
        return {"macs": FALLBACK_MACS, "gemm": FALLBACK_GEMM,
                "source": f"hand count (parsing failed: {type(exc).__name__}: {exc})"}


def _prod(xs) -> int:
    p = 1
    for x in xs:
        p *= int(x)
    return p


class Sgemm:
    """C = A @ B in float32 at the dominant GEMM's shape, numpy on one BLAS thread."""

    def __init__(self, m: int, k: int, n: int) -> None:
        import numpy as np

        rng = np.random.default_rng(0)
        self.a = rng.standard_normal((m, k), dtype=np.float32)
        self.b = rng.standard_normal((k, n), dtype=np.float32)
        self.c = np.empty((m, n), dtype=np.float32)
        self.flop = 2.0 * m * k * n

    def __call__(self, _path=None) -> None:
        import numpy as np

        for _ in range(SGEMM_REPS):
            np.matmul(self.a, self.b, out=self.c)


# ---------------------------------------------------------------------------- children
def child_main(method: str, paths: list[Path], workers: int | None, cnn_path: str) -> dict:
    """Run one method over *paths* in this fresh process; the parent reads ru_maxrss."""
    if method == "pool":
        return pool_run(paths, workers)
    c0, w0 = time.process_time(), time.perf_counter()
    if method == "whole":
        fn = full_decode
        import numpy  # noqa: F401
        import soundfile  # noqa: F401
        import soxr  # noqa: F401
    elif method == "excerpt":
        from soundalike.engine import audio  # noqa: F401

        fn = excerpt_decode
    elif method == "bliss":
        from bliss_audio import Song  # noqa: F401

        fn = bliss_song
    elif method == "soundalike":
        from soundalike.engine.analyze import analyze_file

        configure_cnn_path(cnn_path)  # loads the default model
        fn = analyze_file
    else:
        raise SystemExit(f"unknown child method {method}")
    startup = time.process_time() - c0
    failed = []
    for p in paths:
        try:
            fn(p)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - bliss panics are BaseException
            failed.append(f"{p}: {type(exc).__name__}")
    return {"method": method, "files": len(paths), "failed": failed, "startup_cpu_s": startup,
            "cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - w0,
            "vmhwm_mb": vm_hwm_mb()}


def vm_hwm_mb() -> float | None:
    """Peak RSS of this process image (VmHWM). Unlike ru_maxrss it starts afresh at exec:
    ru_maxrss keeps the high-water mark of the forked parent's image across exec, so a child
    of a 600-MB parent reports ≥ 600 MB whatever it does."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return None


def scanned_library(paths: list[Path], folder: str | Path) -> Path:
    """A fresh database in *folder* holding exactly *paths* (linked into one music folder,
    scanned); benchmarks/analysis.py uses it too."""
    from soundalike.library.files.scanner import Scanner
    from soundalike.library.store import Store

    db = Path(folder) / "bench.db"
    links = Path(folder) / "music"
    links.mkdir()
    for i, f in enumerate(paths):
        (links / f"{i:04d}{f.suffix}").symlink_to(f)
    with Store(db) as store:
        store.add_folder(links)
        Scanner(store).scan()
    return db


def pool_run(paths: list[Path], workers: int | None) -> dict:
    """The real worker pool on a fresh database holding exactly *paths*."""
    from soundalike.library.analysis.controller import AnalysisController
    from soundalike.library.analysis.machine import default_workers

    with tempfile.TemporaryDirectory() as tmp:
        db = scanned_library(paths, tmp)
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self0 = resource.getrusage(resource.RUSAGE_SELF)
        controller = (AnalysisController(db) if workers is None
                      else AnalysisController(db, workers=workers))
        t0 = time.perf_counter()
        progress = controller.run()
        wall = time.perf_counter() - t0
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        me = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "method": "pool", "workers": controller.workers, "default_workers": default_workers(),
        "files": len(paths), "done": progress.done, "failed": progress.failed,
        "wall_s": wall,
        "workers_cpu_s": (kids.ru_utime - kids0.ru_utime) + (kids.ru_stime - kids0.ru_stime),
        "controller_cpu_s": (me.ru_utime - self0.ru_utime) + (me.ru_stime - self0.ru_stime),
        "workers_maxrss_mb": kids.ru_maxrss / 1024.0,
        "workers_rss_mb_reported": controller.peak_worker_rss_mb,
        "controller_vmhwm_mb": vm_hwm_mb(),  # workers' ru_maxrss is ≥ this (forked from here)
        "stage_s": dict(controller.timings),
        "cnn_path": _describe(getattr(controller, "cnn", None)),
    }


def _describe(choice) -> str | None:
    if choice is None:
        return None
    try:
        return choice.describe()
    except Exception:  # noqa: BLE001
        return str(choice)


def run_child(method: str, paths: list[Path], workers: int | None = None,
              cnn_path: str = "default") -> dict:
    """Run a child, reap it with os.wait4: its own CPU and peak RSS."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as lst:
        lst.write("\n".join(str(p) for p in paths))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", method,
           "--paths-file", lst.name, "--cnn-path", cnn_path]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
            out = proc.stdout.read()
            proc.stdout.close()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            os.unlink(lst.name)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            return {"method": method, "error": f"exit code {proc.returncode}: {tail}"}
    lines = out.decode().strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, ValueError):
        return {"method": method, "error": f"no report: {out[-500:]!r}"}
    report["child_cpu_s"] = usage.ru_utime + usage.ru_stime
    report["ru_maxrss_mb"] = usage.ru_maxrss / 1024.0  # includes this parent's image (fork)
    vm = report.get("vmhwm_mb")
    report["maxrss_mb"] = vm if vm is not None else report["ru_maxrss_mb"]
    return report


# ---------------------------------------------------------------------------- main pass
def configure_cnn_path(choice: str) -> str:
    """``default``: the engine's default model as it comes. ``app``: the LiteRT kernels the
    library measured fastest on this machine (``library.analysis.cnn_choice``, as the pool's workers
    use them), on one thread. Returns a description of the path in use."""
    note = ""
    if choice == "app":
        try:
            from soundalike.engine.analyze import configure_default_model
            from soundalike.library.analysis import cnn_choice

            kernels = cnn_choice.cnn_choice(max_threads=1).pick(1).kernels
            configure_default_model(kernels=kernels, threads=1)
        except Exception as exc:  # noqa: BLE001 - an engine without that choice yet
            note = f" (the app's choice is unavailable: {type(exc).__name__}: {exc})"
    from soundalike.engine.analyze import default_model

    return f"{getattr(default_model(), 'kernels', 'xnnpack')} kernels, one thread{note}"


def interleaved(files: list[Path], sgemm: Sgemm, model: TimedModel,
                mtt_model: TimedModel) -> dict:
    from soundalike.engine.analyze import analyze_file

    def soundalike(path):
        return analyze_file(path, model=model, mtt_model=mtt_model)

    fns = {"whole": full_decode, "excerpt": excerpt_decode, "bliss": bliss_song,
           "soundalike": soundalike, "sgemm": sgemm}
    # warm-up, untimed: imports, numba JIT (cached), interpreter allocation, BLAS buffers
    for fn in fns.values():
        try:
            fn(files[0])
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
    rows = []
    for i, path in enumerate(files):
        order = METHODS[i % len(METHODS):] + METHODS[:i % len(METHODS)]
        row = {"path": str(path), "order": list(order), "errors": {}}
        for name in order:
            cnn_cpu0, cnn_wall0 = model.cpu, model.wall
            mtt_cpu0 = mtt_model.cpu
            c0, w0 = time.process_time(), time.perf_counter()
            try:
                result = fns[name](path)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - bliss panics are BaseException
                row["errors"][name] = f"{type(exc).__name__}: {str(exc)[:200]}"
                continue
            row[name] = {"cpu": time.process_time() - c0, "wall": time.perf_counter() - w0}
            if name == "soundalike":
                row[name].update({f"{k}_wall": v for k, v in result.timings.items()})
                if model.wall > cnn_wall0:  # analyze_file went through predict_track
                    # both taggers' interpreters; the shared log-mel patches (in the
                    # "cnn" stage) are added from the stage timings below
                    front = max(0.0, result.timings.get("cnn", 0.0)
                                - (model.wall - cnn_wall0))
                    row[name]["mtt_cpu"] = mtt_model.cpu - mtt_cpu0
                    row[name]["cnn_cpu"] = (model.cpu - cnn_cpu0) + row[name]["mtt_cpu"] + front
                    row[name]["patches"] = model.last_patches
                else:  # the engine took another path: wall time, patches of the excerpts
                    row[name]["cnn_cpu"] = (result.timings.get("cnn", float("nan"))
                                            + result.timings.get("mtt", 0.0))
                    row[name]["cnn_cpu_is_wall"] = True
                    decoded = excerpt_decode(path)
                    row[name]["patches"] = count_patches(decoded.segments, decoded.sr)
        print(f"  {i + 1:2d}/{len(files)} {path.name[:48]:<48} "
              + " ".join(f"{m}={row[m]['cpu'] * 1e3:.0f}" if m in row else f"{m}=FAIL"
                         for m in METHODS) + " ms CPU", flush=True)
        rows.append(row)
    return {"rows": rows}


def mean(xs) -> float:
    xs = list(xs)
    return statistics.fmean(xs) if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get("SOUNDALIKE_CORPUS")
    ap.add_argument("--corpus", type=Path, default=Path(env) if env else None,
                    help="corpus folder with tracks.txt (default $SOUNDALIKE_CORPUS)")
    ap.add_argument("--files", type=int, default=16, help="files to use (default 16)")
    ap.add_argument("--skip-pool", action="store_true", help="leave out the worker pool runs")
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    ap.add_argument("--cnn-path", choices=("default", "app"), default="default",
                    help="in-process LiteRT path: the engine's default model (default), or "
                         "the kernels the library measured fastest here, as its workers use")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--paths-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        paths = [Path(p) for p in args.paths_file.read_text().splitlines() if p]
        print(json.dumps(child_main(args.child, paths, args.workers, args.cnn_path)),
              flush=True)
        return
    if args.corpus is None:
        ap.error("no corpus: pass --corpus DIR or set SOUNDALIKE_CORPUS")

    cpu, vers = cpu_info(), versions()
    flags = " ".join(f"{f}{'+' if on else '-'}" for f, on in cpu["flags"].items())
    print(f"CPU: {cpu['model']}; {cpu['cores']} cores "
          f"({cpu.get('usable_cores', '?')} usable); flags {flags}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))
    blas = blas_info()
    for b in blas:
        print("BLAS: " + ", ".join(f"{k}={v}" for k, v in b.items() if k != "filepath"))

    files, step = pick_files(args.corpus, args.files)
    print(f"{len(files)} files from {args.corpus} (every {step}-th existing file of tracks.txt)")

    from soundalike.engine.analyze import default_model
    from soundalike.engine.cnn import default_model_path

    cnn_desc = configure_cnn_path(args.cnn_path)
    print(f"Soundalike in-process CNN: {cnn_desc}")

    costs = {name: model_cost(default_model_path(name)) for name in ("msd", "mtt")}
    cost = {"macs": sum(c["macs"] for c in costs.values()), "gemm": costs["msd"]["gemm"],
            "source": "; ".join(c["source"] for c in costs.values()),
            "macs_by_model": {k: c["macs"] for k, c in costs.items()}}
    m, k, n = cost["gemm"]
    print("models: " + ", ".join(f"{k.upper()} {c['macs'] / 1e9:.3f}" for k, c in costs.items())
          + f" = {cost['macs'] / 1e9:.3f} GMAC per patch ({cost['source']}; hand count of MSD "
          f"{FALLBACK_MACS / 1e9:.3f}); dominant GEMM ({m}×{k}) @ ({k}×{n})")
    sgemm = Sgemm(m, k, n)
    model = TimedModel(default_model("msd"))
    mtt_model = TimedModel(default_model("mtt"))

    print("\ninterleaved pass (method order rotated per file):")
    main_pass = interleaved(files, sgemm, model, mtt_model)
    rows = main_pass["rows"]
    failures = {r["path"]: r["errors"] for r in rows if r["errors"]}
    kept_rows = [r for r in rows if not r["errors"]]
    kept = [Path(r["path"]) for r in kept_rows]
    if not kept:
        sys.exit("every file failed in some method: nothing to compare")

    # ---- per-track figures on the kept files (CPU s)
    def col(name, key="cpu"):
        return [r[name][key] for r in kept_rows]

    sa = {"cpu": mean(col("soundalike")), "wall": mean(col("soundalike", "wall"))}
    for stage in ("decode", "dsp", "cnn", "mtt"):
        sa[f"{stage}_wall"] = mean(col("soundalike", f"{stage}_wall"))
    sa["cnn_cpu"] = mean(col("soundalike", "cnn_cpu"))
    sa["mtt_cpu"] = mean(r["soundalike"].get("mtt_cpu", float("nan")) for r in kept_rows)
    patches = [r["soundalike"]["patches"] for r in kept_rows]
    sa["patches"] = mean(patches)
    slot_gflops = [SGEMM_REPS * sgemm.flop / r["sgemm"]["cpu"] / 1e9 for r in rows
                   if "sgemm" in r and r["sgemm"]["cpu"] > 0]
    if not slot_gflops:
        sys.exit("the sgemm microbenchmark never ran")
    gflops = statistics.median(slot_gflops)
    patch_floor = 2.0 * cost["macs"] / (gflops * 1e9)
    cnn_floor = patch_floor * sa["patches"]
    figures = {
        "whole": {"cpu": mean(col("whole")), "wall": mean(col("whole", "wall"))},
        "excerpt": {"cpu": mean(col("excerpt")), "wall": mean(col("excerpt", "wall"))},
        "cnn_floor": {"cpu": cnn_floor, "wall": None},
        "bliss": {"cpu": mean(col("bliss")), "wall": mean(col("bliss", "wall"))},
        "soundalike": sa,
    }

    # ---- peak RSS: each method in a fresh process over the kept files
    print("\npeak RSS, each method in a fresh subprocess over the kept files:")
    children = {}
    for name in ("whole", "excerpt", "bliss", "soundalike"):
        rep = run_child(name, kept, cnn_path=args.cnn_path)
        children[name] = rep
        if "error" in rep:
            print(f"  {LABELS[name]}: FAILED {rep['error']}")
            continue
        figures[name]["rss"] = rep["maxrss_mb"]
        print(f"  {LABELS[name]:<26} {rep['maxrss_mb']:6.0f} MB; child CPU "
              f"{rep['child_cpu_s']:.2f} s ({rep['startup_cpu_s']:.2f} s start-up)"
              + (f"; failed {rep['failed']}" if rep["failed"] else ""))
    startup = children.get("soundalike", {}).get("startup_cpu_s")

    # ---- the worker pool
    pools = {}
    if not args.skip_pool:
        print("\nworker pool (fresh database, the kept files):")
        runs = [("pool_default", None)]
        from soundalike.library.analysis.machine import default_workers

        if default_workers() != 1:
            runs.append(("pool_1", 1))
        for key, workers in runs:
            rep = run_child("pool", kept, workers)
            pools[key] = rep
            if "error" in rep:
                print(f"  {LABELS[key]}: FAILED {rep['error']}")
                continue
            done = max(rep["done"], 1)
            figures[key] = {"cpu": rep["workers_cpu_s"] / done, "wall": rep["wall_s"] / done,
                            "rss": rep["workers_maxrss_mb"]}
            if startup is not None:
                figures[key]["cpu_excl_startup"] = (
                    (rep["workers_cpu_s"] - rep["workers"] * startup) / done)
            print(f"  {rep['workers']} worker(s): {rep['done']} analysed, {rep['failed']} failed "
                  f"in {rep['wall_s']:.1f} s wall = {3600 * rep['done'] / rep['wall_s']:.0f} "
                  f"tracks/h wall clock (start-up included); workers' CPU "
                  f"{rep['workers_cpu_s']:.1f} s"
                  + (f" (≈ {rep['workers'] * startup:.1f} s of it start-up)" if startup else "")
                  + f", controller CPU {rep['controller_cpu_s']:.2f} s; workers' peak RSS "
                  f"{rep['workers_maxrss_mb']:.0f} MB (ru_maxrss), "
                  f"{rep['workers_rss_mb_reported']:.0f} MB (pool's rss_mb after each file); "
                  f"controller process {rep['controller_vmhwm_mb'] or 0:.0f} MB"
                  + (f"; CNN path: {rep['cnn_path']}" if rep.get("cnn_path") else ""))
        if "pool_1" not in pools and "pool_default" in pools:
            print("  default worker count is 1 on this machine: the 1-worker row is that run")
            if "pool_default" in figures:
                figures["pool_1"] = figures["pool_default"]

    # ---- the table
    n_kept = len(kept)
    base = {"soundalike": sa["cpu"], "whole": figures["whole"]["cpu"],
            "excerpt": figures["excerpt"]["cpu"], "cnn_floor": cnn_floor}
    print(f"\nper track, mean over the same {n_kept} files (CPU = process CPU time; "
          "pool: workers' CPU incl. start-up):")
    head = (f"{'method':<28} {'CPU ms':>8} {'wall ms':>8} {'tracks/h/core':>13} {'peak RSS':>9}"
            f" {'×Soundalike':>11} {'×whole dec':>10} {'×excerpt':>9} {'×CNN floor':>10}")
    print(head)
    print("-" * len(head))
    order = ["whole", "excerpt", "cnn_floor", "bliss", "soundalike", "pool_default", "pool_1"]
    table = []
    for key in order:
        f = figures.get(key)
        if f is None:
            continue
        label = LABELS[key]
        if key.startswith("pool") and key in pools and "workers" in pools[key]:
            label += f" ({pools[key]['workers']})" if key == "pool_default" else ""
        rss = f.get("rss")
        wall = f.get("wall")
        ratios = {b: f["cpu"] / v for b, v in base.items() if v}
        table.append({"method": label, "key": key, "cpu_ms": f["cpu"] * 1e3,
                      "wall_ms": wall * 1e3 if wall is not None else None,
                      "tracks_h_core": 3600.0 / f["cpu"], "peak_rss_mb": rss,
                      "ratios": ratios})
        print(f"{label:<28} {f['cpu'] * 1e3:8.1f} "
              f"{(f'{wall * 1e3:8.1f}' if wall is not None else '       —')} "
              f"{3600.0 / f['cpu']:13,.0f} {(f'{rss:6.0f} MB' if rss else '        —')} "
              f"{ratios['soundalike']:10.2f}× {ratios['whole']:9.2f}× {ratios['excerpt']:8.2f}× "
              f"{ratios['cnn_floor']:9.2f}×")
    if any(r["soundalike"].get("cnn_cpu_is_wall") for r in kept_rows):
        print("\nnote: analyze_file did not call model.predict: the CNN CPU figure is the "
              "wall time of result.timings['cnn']")
    print(f"\nSoundalike in-process stages (wall ms, result.timings): decode "
          f"{sa['decode_wall'] * 1e3:.1f}, dsp {sa['dsp_wall'] * 1e3:.1f}, cnn (patches + MSD) "
          f"{sa['cnn_wall'] * 1e3:.1f}, mtt {sa['mtt_wall'] * 1e3:.1f}; CNN CPU (both taggers) "
          f"{sa['cnn_cpu'] * 1e3:.1f} ms, of it the MTT interpreter {sa['mtt_cpu'] * 1e3:.1f}, "
          f"over {sa['patches']:.2f} patches/track = "
          f"{sa['cnn_cpu'] / sa['patches'] * 1e3:.1f} ms/patch for both")
    print(f"CNN FLOP floor: sgemm {gflops:.1f} GFLOP/s (median of {len(slot_gflops)} slots; "
          f"best {max(slot_gflops):.1f}) × {cost['macs'] / 1e9:.3f} GMAC/patch → "
          f"{patch_floor * 1e3:.1f} ms/patch × {sa['patches']:.2f} patches → "
          f"{cnn_floor * 1e3:.1f} ms/track")
    print(f"bliss: {figures['bliss']['cpu'] * 1e3:.1f} ms CPU, {figures['bliss']['wall'] * 1e3:.1f}"
          f" ms wall per track (CPU/wall {figures['bliss']['cpu'] / figures['bliss']['wall']:.2f}"
          " threads busy on average)")
    if "pool_default" in figures and "cpu_excl_startup" in figures["pool_default"]:
        p = figures["pool_default"]
        print(f"pool CPU per track without worker start-up (estimated): "
              f"{p['cpu_excl_startup'] * 1e3:.1f} ms")
    if failures:
        print(f"\nleft out of ALL rows ({len(failures)} of {len(files)} files):")
        for path, errs in failures.items():
            print(f"  {path}: " + "; ".join(f"{m}: {e.splitlines()[0][:160]}"
                                            for m, e in errs.items()))
    else:
        print(f"\nall {len(files)} files read by every method")

    ratio_bliss = figures["bliss"]["cpu"] / sa["cpu"]  # (3600/sa) / (3600/bliss)
    ratio_cnn = sa["cnn_cpu"] / cnn_floor
    rss_candidates = [v for v in (figures["soundalike"].get("rss"),
                                  figures.get("pool_default", {}).get("rss")) if v]
    peak = max(rss_candidates) if rss_candidates else float("nan")
    print("(peak RSS: the larger of Soundalike in a fresh process and a pool worker)")
    print(f"soundalike/bliss tracks/h/core = {ratio_bliss:.2f}× (target ≥ 1.5×); "
          f"CNN = {ratio_cnn:.2f}× FLOP floor (target ≤ 1.3×); "
          f"peak RSS = {peak:.0f} MB (target ≤ 300)")

    if args.json:
        args.json.write_text(json.dumps({
            "cpu": cpu, "versions": vers, "blas": blas, "corpus": str(args.corpus),
            "cnn_path": cnn_desc,
            "files": [str(f) for f in files], "kept": [str(f) for f in kept],
            "left_out": failures, "model_cost": {**cost, "gemm": list(cost["gemm"])},
            "sgemm_gflops_slots": slot_gflops, "sgemm_gflops": gflops,
            "cnn_floor_ms_per_patch": patch_floor * 1e3, "figures": figures, "table": table,
            "children": children, "pools": pools, "rows": rows,
            "summary": {"soundalike_over_bliss_tracks_h_core": ratio_bliss,
                        "cnn_over_flop_floor": ratio_cnn, "peak_rss_mb": peak},
        }, indent=1, default=str))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
