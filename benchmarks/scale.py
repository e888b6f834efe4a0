"""Soundalike at 100,000 and 1,000,000 analysed tracks: the persistent similarity index
against the full build every call paid before it, and against the floor.

    nice -n 5 python benchmarks/scale.py [--sizes 100000 1000000] [--cache /work/scale-cache]
                                         [--baseline REV] [--no-player] [--no-baseline]
                                         [--growth 0.05]

For each size N, a synthetic analysed library (tests/helpers/synthetic_library.py: both
taggers, 64 clusters, written through ``Store.save_analysis``) is written once into
``--cache`` (outside the repository; a 1M library takes ~4.5 GB) and copied afresh for
each run. Measured in one run, every process cold (a new interpreter; the page cache
warm), wall time and peak resident memory (``wait4``'s ``ru_maxrss``):

``today``
    ``soundalike similar`` of the code at ``--baseline`` (default: the merge base with
    ``main``), exported with ``git archive`` into the cache: every call rebuilds the
    whole index from the raw analyses.
``build``
    the first ``soundalike similar`` after the analysis, which fits the vector model,
    builds the index file (and applies the schema step that indexes ``updated_at``); its
    time and size. (Today's runs use another copy: they store a vector model.)
``cold``
    ``soundalike similar`` with the index built: median wall and worst peak RSS of 5.
``floor``
    a cold process that imports numpy and reads the index file's vectors once, with one
    matrix–vector product: what no brute-force query can beat.
``warm``
    ``Recommender.similar(n=10, explain=True)`` in one process, p50 / p95 of 200 queries.
``db``
    database bytes per analysed track.
``player`` (100k only)
    the player's peak RSS through first paint, Find similar, Start radio and the map,
    and the map layout process's peak RSS (benchmarks/gui.py's window helpers).

Results that differ from today's top-10 are reported (the index must rank exactly as the
full build did). Targets (issue 21): cold ``similar`` ≤ 0.8 s and ≤ 250 MB at 100k,
≤ 1.5 s and ≤ 400 MB at 1M; the build ≤ 2× those memory limits; the player ≤ 400 MB and
the map layout process ≤ 400 MB at 100k.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "helpers"))

TARGETS = {100_000: (0.8, 250), 1_000_000: (1.5, 400)}
PLAYER_TARGET_MB = 400


def child_env(extra: dict | None, cache: Path) -> dict:
    """The children's environment: byte code cached (as an installed program has it), in
    the cache folder rather than the repository."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")
    return {**env, **(extra or {})}


CACHE = Path("/work/scale-cache")


def run_child(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run *cmd*; ``(wall seconds, peak RSS MB, stdout)``."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=child_env(env, CACHE), cwd="/")
    out, err = b"", b""
    # read the pipes to the end, then reap with wait4 for the child's own rusage
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out.decode()


def baseline_tree(rev: str, cache: Path) -> Path:
    """The code at *rev* as an importable ``soundalike`` package under *cache*."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", rev], check=True,
                         capture_output=True, text=True).stdout.strip()
    root = cache / f"baseline-{sha[:12]}"
    if not (root / "soundalike" / "library").is_dir():
        (root / "soundalike").mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", sha], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root / "soundalike")], input=archive, check=True)
    return root


def similar_cmd(db: Path, query: str) -> list[str]:
    return [sys.executable, "-m", "soundalike", "--db", str(db), "similar", "--json", query]


def top_ids(stdout: str) -> list[int]:
    return [r["track"]["id"] for r in json.loads(stdout)["results"]]


FLOOR = """
import sys, json, struct, numpy as np
path = sys.argv[1]
with open(path, 'rb') as f:
    head = f.read(12)
    (length,) = struct.unpack('<I', head[8:])
    header = json.loads(f.read(length))['header']
    off, dtype, width, _ = header['arrays']['hybrid']
    f.seek(off)
    x = np.fromfile(f, dtype=dtype, count=header['n'] * width).reshape(header['n'], width)
s = x @ x[0]
print(int(np.argmax(s)))
"""

WARM = """
import sys, time, json, numpy as np
from soundalike.library.store import Store
from soundalike.library.recommend.recommender import Recommender
store = Store(sys.argv[1])
rec = Recommender(store)
rng = np.random.default_rng(0)
ids = rng.choice(rec.index.ids, 200)
times = []
for q in ids:
    t = time.perf_counter()
    rec.similar(int(q), 10, explain=True)
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"p50": times[len(times) // 2], "p95": times[int(len(times) * 0.95)],
                  "size": rec.size}))
"""

PLAYER = """
import os, sys, time, json, resource
sys.path.insert(0, sys.argv[3])
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from gui import _open_and_paint, wait_until
from soundalike.gui.app import make_app
app = make_app()
db, ini = Path(sys.argv[1]), Path(sys.argv[2])
steps = {}
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
w, t0, paint = _open_and_paint(app, db, ini)
steps["first paint"] = (paint, rss())
ids = w.model.track_ids()[:1]
panel = w.similarity.similar_panel
t = time.perf_counter()
w.similarity.find_similar(ids)
if not wait_until(app, lambda: len(panel.model.items) > 0, 600):
    raise SystemExit("Find similar never answered")
steps["find similar"] = (time.perf_counter() - t, rss())
t = time.perf_counter()
qlen = w.queue.rowCount() if hasattr(w.queue, "rowCount") else 0
w.similarity.start_radio(ids)
if not wait_until(app, lambda: w.similarity.radio_active and (w.queue.rowCount() > qlen), 600):
    raise SystemExit("the radio never started")
steps["start radio"] = (time.perf_counter() - t, rss())
t = time.perf_counter()
w.browser.show_map()
m = w.map
m.auto_layout = True
if not wait_until(app, lambda: m.data is not None and len(m.data.ids) > 0, 600):
    raise SystemExit("the map never loaded")
m.start_layout()
steps["map shown"] = (time.perf_counter() - t, rss())
def hwm(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
layout_rss, end = 0.0, time.monotonic() + float(sys.argv[4])
while m.layout_job is not None and time.monotonic() < end:
    app.processEvents()
    if m.layout_job is not None and m.layout_job.pid:
        layout_rss = max(layout_rss, hwm(m.layout_job.pid))
    time.sleep(0.05)
finished = m.layout_job is None and not m.layout_error
if not finished:
    m.cancel_layout()
steps["map layout " + ("done" if finished else "stopped at the time limit")] = (
    time.perf_counter() - t, rss())
w.close()
print(json.dumps({"steps": steps, "layout_rss": layout_rss}))
"""


def player(db: Path, cache: Path, layout_seconds: float = 900.0) -> dict:
    ini = cache / "player-bench.ini"
    ini.unlink(missing_ok=True)
    env = {"SOUNDALIKE_CACHE_DIR": str(cache / "player-cache"), "QT_QPA_PLATFORM": "offscreen"}
    wall, rss, out = run_child([sys.executable, "-c", PLAYER, str(db), str(ini),
                                str(REPO / "benchmarks"), str(layout_seconds)], env)
    result = json.loads(out.strip().splitlines()[-1])
    result["peak"] = rss
    return result


def fresh_copy(src: Path, dest: Path) -> Path:
    for old in dest.parent.glob(dest.stem + ".*"):
        if old.is_file():
            old.unlink()
    shutil.copyfile(src, dest)
    return dest


def run_size(n: int, args, base_root: Path | None) -> dict:
    from synthetic_library import cached_library

    src = cached_library(n, args.cache)
    query = f"{Path(args.cache) / f'music-{n}'}/artist0005/album000000/0000005.flac"
    out: dict = {"n": n}
    if base_root is not None:  # on its own copy: it stores a vector model the build must not find
        today = fresh_copy(src, Path(args.cache) / f"today-{n}.db")
        runs = [run_child(similar_cmd(today, query), {"PYTHONPATH": str(base_root)})
                for _ in range(2)]
        out["today"] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
        today_ids = top_ids(runs[-1][2])
        for f in today.parent.glob(today.name + "*"):
            f.unlink()
    work = fresh_copy(src, Path(args.cache) / f"work-{n}.db")
    run_child([sys.executable, "-c", "import soundalike.cli, "
               "soundalike.library.recommend.recommender"])  # byte code cache, as installed
    wall, rss, stdout = run_child(similar_cmd(work, query))
    index = work.with_name(work.stem + ".index")
    out["build"] = (wall, rss, index.stat().st_size)
    runs = [run_child(similar_cmd(work, query)) for _ in range(5)]
    out["cold"] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
    ids = top_ids(runs[-1][2])
    out["same_as_today"] = None if base_root is None else ids == today_ids
    floor = [run_child([sys.executable, "-c", FLOOR, str(index)]) for _ in range(3)]
    out["floor"] = (statistics.median(r[0] for r in floor), max(r[1] for r in floor))
    _, _, warm = run_child([sys.executable, "-c", WARM, str(work)])
    out["warm"] = json.loads(warm)
    wal = work.with_name(work.name + "-wal")
    out["db_bytes_per_track"] = (work.stat().st_size
                                 + (wal.stat().st_size if wal.exists() else 0)) / n
    if n <= 100_000 and args.player:
        out["player"] = player(work, Path(args.cache), args.layout_seconds)
    return out


def run_growth(n: int, args, base_root: Path | None) -> dict:
    """``--growth F``: the cold ``similar`` after the library grew by F (new analysed
    tracks written through the Store once the index file was built), without a background
    upkeep (the code at ``--baseline`` rebuilds the file in the query; today's code with
    the upkeep lock held elsewhere answers from the old file plus the overlay) and with it
    (``python -m soundalike.library.recommend.index_upkeep DB``, as the analysis run's end
    starts it, has rebuilt the file first)."""
    from synthetic_library import cached_library, grow_library

    from soundalike.library.analysis import index_request
    from soundalike.library.store import Store

    src = cached_library(n, args.cache)
    with Store(src) as store:  # (a library copied from another cache keeps its folder)
        query = f"{store.folders()[0].path}/artist0005/album000000/0000005.flac"
    work = fresh_copy(src, Path(args.cache) / f"growth-{n}.db")
    run_child(similar_cmd(work, query))  # builds the index file
    grown = int(n * args.growth)
    out: dict = {"n": n, "grown": grown, "write": grow_library(work, grown)}
    index = work.with_name(work.stem + ".index")
    if base_root is not None:  # the file rebuilt by the query itself, on a copy
        copy = Path(args.cache) / f"growth-{n}-today.db"
        fresh_copy(work, copy)
        shutil.copyfile(index, copy.with_name(copy.stem + ".index"))
        wall, rss, stdout = run_child(similar_cmd(copy, query), {"PYTHONPATH": str(base_root)})
        out["without"] = (wall, rss)
        today_ids = top_ids(stdout)
        for f in copy.parent.glob(copy.stem + ".*"):
            f.unlink()
    with index_request.held(index):  # an upkeep runs elsewhere: the query overlays
        runs = [run_child(similar_cmd(work, query)) for _ in range(3)]
    out["overlay"] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
    before = index.stat().st_mtime_ns
    wall, rss, said = run_child([sys.executable, "-m",
                                 "soundalike.library.recommend.index_upkeep", str(work)])
    assert index.stat().st_mtime_ns != before, said
    out["upkeep"] = (wall, rss, said.strip())
    runs = [run_child(similar_cmd(work, query)) for _ in range(3)]
    assert index.stat().st_mtime_ns != before
    out["with"] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
    out["same"] = None if base_root is None else top_ids(runs[-1][2]) == today_ids
    return out


def report_growth(r: dict) -> None:
    print(f"\n== {r['n']:,} analysed tracks, then {r['grown']:,} more "
          f"(written in {r['write']:.0f} s) ==")
    if "without" in r:
        print(f"cold similar, no upkeep (today: the query rebuilds the file): "
              f"{r['without'][0]:.2f} s, {r['without'][1]:.0f} MB peak")
    print(f"cold similar, file due, upkeep running elsewhere (old file + overlay): "
          f"{r['overlay'][0]:.2f} s, {r['overlay'][1]:.0f} MB peak")
    u = r["upkeep"]
    print(f"background upkeep process (nice 10): {u[0]:.2f} s, {u[1]:.0f} MB peak ({u[2]})")
    print(f"cold similar after the upkeep: {r['with'][0]:.2f} s, {r['with'][1]:.0f} MB peak")
    if r["same"] is not None:
        print(f"top 10 identical to today's: {r['same']}")


def report(r: dict) -> None:
    n = r["n"]
    wall_t, mb_t = TARGETS.get(n, (None, None))
    print(f"\n== {n:,} analysed tracks ==")
    if "today" in r:
        print(f"today (full build each call): similar {r['today'][0]:.2f} s, "
              f"{r['today'][1]:.0f} MB peak")
    b = r["build"]
    print(f"first call, builds the index: {b[0]:.2f} s, {b[1]:.0f} MB peak "
          f"(target ≤ {2 * mb_t} MB); index file {b[2] / 2**20:.0f} MB "
          f"({b[2] / n:.0f} B/track)")
    c, f = r["cold"], r["floor"]
    ok = c[0] <= wall_t and c[1] <= mb_t
    print(f"cold similar, index built: {c[0]:.2f} s, {c[1]:.0f} MB peak (target ≤ {wall_t} s, "
          f"≤ {mb_t} MB) {'ok' if ok else 'MISSED'}"
          + (f"; {r['today'][0] / c[0]:.1f}× faster, {r['today'][1] / c[1]:.1f}× less memory "
             "than today" if "today" in r else ""))
    print(f"floor (cold numpy + read the vectors once + one product): {f[0]:.2f} s, "
          f"{f[1]:.0f} MB; cold similar / floor: {c[0] / f[0]:.2f}× wall")
    if r["same_as_today"] is not None:
        print(f"top 10 identical to today's: {r['same_as_today']}")
    w = r["warm"]
    print(f"warm similar(n=10, explain): p50 {w['p50'] * 1000:.1f} ms, "
          f"p95 {w['p95'] * 1000:.1f} ms")
    print(f"database: {r['db_bytes_per_track']:.0f} bytes per analysed track")
    if "player" in r:
        p = r["player"]
        for step, (secs, mb) in p["steps"].items():
            print(f"player {step}: {secs:.2f} s, peak so far {mb:.0f} MB")
        own = max(mb for _, mb in p["steps"].values())
        print(f"player peak {own:.0f} MB (its own ru_maxrss; target ≤ {PLAYER_TARGET_MB}); "
              f"with its children {p['peak']:.0f} MB; map layout "
              f"process peak {p['layout_rss']:.0f} MB (VmHWM; target ≤ {PLAYER_TARGET_MB})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--cache", default="/work/scale-cache")
    ap.add_argument("--baseline", default=None,
                    help="git revision of 'today' (default: merge base with main)")
    ap.add_argument("--no-baseline", dest="baseline_run", action="store_false")
    ap.add_argument("--no-player", dest="player", action="store_false")
    ap.add_argument("--growth", type=float, default=None,
                    help="measure only the cold similar after the library grew by this "
                         "fraction, with and without the background index upkeep")
    ap.add_argument("--layout-seconds", type=float, default=900.0,
                    help="how long the player benchmark waits for the map layout process "
                         "(its peak RSS is read from /proc while it runs)")
    args = ap.parse_args()
    global CACHE
    CACHE = Path(args.cache)
    base_root = None
    if args.baseline_run:
        rev = args.baseline or subprocess.run(
            ["git", "-C", str(REPO), "merge-base", "HEAD", "main"], check=True,
            capture_output=True, text=True).stdout.strip()
        base_root = baseline_tree(rev, Path(args.cache))
        print(f"today = {rev[:12]} ({base_root})")
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    print(f"CPU: {cpu}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    for n in args.sizes:
        if args.growth:
            report_growth(run_growth(n, args, base_root))
        else:
            report(run_size(n, args, base_root))
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
