"""Concurrency soak (issue 14): the app, ``watch``, ``analyze``, ``scan`` and readers at once.

    nice -n 5 .venv/bin/python benchmarks/concurrency_soak.py [--minutes 10] \\
        [--corpus /work/corpus] [--tracks N]

Copies the development corpus's audio (``dev.csv``; ``--tracks`` limits it) into a
temporary library in three folders, scans it, and adds the SQLite triggers of
tests/helpers/worklog.py that log every analysis any process saves. Then, for
``--minutes``, all of these share that one library:

* the desktop app: tests/helpers/gui_saver.py ``--background`` — the real MainWindow,
  offscreen, with its own scan, folder watcher and analysis (1 worker), saving a playlist
  through its "Save playlist" path every 0.5 s and printing each save once committed;
* ``soundalike watch --workers 1`` (watcher and analysis);
* ``soundalike analyze --workers 1``, started again whenever it finishes;
* ``soundalike scan`` in a loop, 5 s apart;
* two reader processes (worklog.py ``read``: fresh and shared Stores, counts, pages of
  tracks, every analysis row, playlists, 20 ms apart) and a loop of ``status --json``,
  ``tracks --json`` and ``similar`` commands;
* a thread that every 2 s moves a random file to another folder and, one time in four,
  rewrites one (a copy saved over it with a new title tag: new content, so it must be
  analysed again — once).

Counted at the end: "database is locked" / "busy" in any process's output or any
reader's errors; duplicate analyses (the same track with the same contents saved more
than once, from the trigger log; also how often the same contents were claimed again,
after a result was dropped because its file moved while it was read); playlists reported
saved but lost or changed; reader and command latency; ``integrity_check``. Targets:
0 locked, 0 duplicate analyses, 0 lost playlists.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HELPERS = REPO / "tests" / "helpers"
sys.path.insert(0, str(HELPERS))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import worklog  # noqa: E402  (tests/helpers, found through sys.path)
from quality import resolve_debian_games  # noqa: E402

PY = sys.executable
LOCKED = ("database is locked", "database is busy", "is busy:")


def corpus_files(corpus: Path, limit: int | None) -> list[Path]:
    with open(corpus / "dev.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    files = [Path(p) for r in rows if (p := resolve_debian_games(r["path"], corpus))]
    return files[:limit] if limit else files


class Soak:
    def __init__(self, root: Path, db: Path, dirs: list[Path], seconds: float):
        self.root, self.db, self.dirs, self.seconds = root, db, dirs, seconds
        self.env = dict(os.environ, SOUNDALIKE_DB=str(db), QT_QPA_PLATFORM="offscreen",
                        SOUNDALIKE_CACHE_DIR=str(root / "cache"))
        self.stop = threading.Event()
        self.outputs: list[tuple[str, str]] = []  # (who, stderr text) of every process
        self.command_ms: list[float] = []
        self.command_failures: list[str] = []
        self.analyze_runs = self.scans = self.moves = self.rewrites = 0
        self.lock = threading.Lock()

    def _run(self, who: str, args: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
        t0 = time.perf_counter()
        r = subprocess.run([PY, "-m", "soundalike.main", *args], env=self.env,
                           capture_output=True, text=True, timeout=timeout)
        with self.lock:
            self.outputs.append((who, r.stderr))
            if who == "read":
                self.command_ms.append((time.perf_counter() - t0) * 1000)
        return r

    def log(self, name: str):
        """A file for a long-running process's output (a pipe nobody reads would fill)."""
        return open(self.root / f"{name}.log", "w+")  # noqa: SIM115 - read back and closed

    def analyze_loop(self) -> None:
        while not self.stop.is_set():
            with self.log(f"analyze{self.analyze_runs}") as err:
                proc = subprocess.Popen([PY, "-m", "soundalike.main", "analyze", "--workers",
                                         "1", "--json"], env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=err,
                                        start_new_session=True)
                while proc.poll() is None and not self.stop.is_set():
                    time.sleep(0.5)
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGINT)
                proc.wait(120)
                err.seek(0)
                with self.lock:
                    self.outputs.append(("analyze", err.read()))
                    self.analyze_runs += 1
            self.stop.wait(3)

    def scan_loop(self) -> None:
        while not self.stop.wait(5):
            self._run("scan", ["scan", "--json"])
            self.scans += 1

    def command_loop(self) -> None:
        rng = random.Random(3)
        while not self.stop.wait(1):
            cmd = rng.choice([["status", "--json"], ["tracks", "--json", "--limit", "50"],
                              ["similar", rng.choice(["mayhem", "battle", "theme", "night"]),
                               "-n", "5"]])
            r = self._run("read", cmd)
            if r.returncode != 0 and any(k in r.stderr for k in LOCKED):
                self.command_failures.append(f"{cmd}: {r.stderr.strip()}")

    def mover(self) -> None:
        import mutagen

        rng = random.Random(7)
        while not self.stop.wait(2):
            src = rng.choice(self.dirs)
            files = sorted(p for p in src.iterdir() if not p.name.startswith("."))
            if not files:
                continue
            f = rng.choice(files)
            if rng.random() < 0.25:  # an editor saving a copy over the file: new content
                tmp = f.with_name(f".{f.name}.part")
                shutil.copyfile(f, tmp)
                try:
                    tags = mutagen.File(tmp, easy=True)
                    if tags is not None:
                        if tags.tags is None:
                            tags.add_tags()
                        tags["title"] = f"edited {self.rewrites}"
                        tags.save()
                    os.replace(tmp, f)
                    self.rewrites += 1
                except Exception:  # noqa: BLE001 - a file mutagen cannot tag is left as it was
                    tmp.unlink(missing_ok=True)
            else:
                f.rename(rng.choice([d for d in self.dirs if d != src]) / f.name)
                self.moves += 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--tracks", type=int, default=None, help="use only the first N files")
    ap.add_argument("--keep", action="store_true", help="keep the temporary library")
    args = ap.parse_args(argv)

    from soundalike.library.files.scanner import Scanner
    from soundalike.library.store import Store

    root = Path(tempfile.mkdtemp(prefix="soundalike-soak-"))
    dirs = [root / "music" / d for d in ("A", "B", "C")]
    for d in dirs:
        d.mkdir(parents=True)
    files = corpus_files(Path(args.corpus), args.tracks)
    for i, f in enumerate(files):
        shutil.copyfile(f, dirs[i % 3] / f"{i:03d} {f.name}")
    db = root / "library.db"
    with Store(db) as store:
        store.add_folder(root / "music")
        Scanner(store).scan()
        n_tracks = store.count_tracks()
    worklog.install(db)
    print(f"library: {n_tracks} tracks in {root}; soaking for {args.minutes:g} min",
          flush=True)

    soak = Soak(root, db, dirs, args.minutes * 60)
    stop_file = root / "stop-readers"
    procs: dict[str, subprocess.Popen] = {}
    logs = {name: soak.log(name) for name in ("gui", "watch", "reader0", "reader1")}
    procs["gui"] = subprocess.Popen([PY, str(HELPERS / "gui_saver.py"), str(db),
                                     str(root / "gui.ini"), "soak", "--background",
                                     "--pause", "0.5"], env=soak.env,
                                    stdout=subprocess.PIPE, stderr=logs["gui"],
                                    text=True, start_new_session=True)
    procs["watch"] = subprocess.Popen([PY, "-m", "soundalike.main", "watch", "--workers", "1"],
                                      env=soak.env, stdout=subprocess.DEVNULL,
                                      stderr=logs["watch"], start_new_session=True)
    for i in range(2):
        procs[f"reader{i}"] = subprocess.Popen(
            [PY, str(HELPERS / "worklog.py"), "read", str(db), str(soak.seconds + 60),
             str(stop_file)], env=soak.env, stdout=subprocess.PIPE, stderr=logs[f"reader{i}"],
            text=True)
    gui_lines: list[str] = []

    def read_gui() -> None:
        for line in procs["gui"].stdout:
            gui_lines.append(line.rstrip("\n"))
    threads = [threading.Thread(target=read_gui, daemon=True)] + [
        threading.Thread(target=fn, daemon=True)
        for fn in (soak.analyze_loop, soak.scan_loop, soak.command_loop, soak.mover)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < soak.seconds:
            time.sleep(30)
            with Store(db, read_only=True) as store:
                c = store.counts()
            print(f"{(time.monotonic() - t0) / 60:4.1f} min: {c['analysed']} analysed, "
                  f"{c['pending']} pending, {c['failed']} failed; "
                  f"{sum(1 for x in gui_lines if x.startswith('saved '))} playlists saved, "
                  f"{soak.moves} moves, {soak.rewrites} rewrites", flush=True)
    finally:
        soak.stop.set()
        stop_file.touch()
        os.killpg(procs["gui"].pid, signal.SIGKILL)  # as a crash: saves reported so far count
        os.killpg(procs["watch"].pid, signal.SIGINT)
        for t in threads[1:]:
            t.join(180)
        results = {}
        for name, p in procs.items():
            out = p.stdout.read() if name.startswith("reader") else ""
            p.wait(120)
            logs[name].seek(0)
            soak.outputs.append((name, logs[name].read()))
            logs[name].close()
            results[name] = out
        threads[0].join(10)

    # -- what happened --------------------------------------------------------------------
    locked = [(who, line) for who, text in soak.outputs for line in text.splitlines()
              if any(k in line for k in LOCKED)]
    reads = [json.loads(results[f"reader{i}"]) for i in range(2)]
    locked += [("reader", e) for r in reads for e in r["errors"] if any(k in e for k in LOCKED)]
    reader_errors = [e for r in reads for e in r["errors"]]
    tracebacks = [who for who, text in soak.outputs if "Traceback" in text]
    expected: dict[str, list[int]] = {}
    in_flight: tuple[str, list[int]] | None = None
    for line in gui_lines:
        if line.startswith("saving "):
            name, ids = line[len("saving "):].split("\t")
            in_flight = (name, json.loads(ids))
        elif line.startswith("saved ") and in_flight:
            expected[in_flight[0]] = in_flight[1]
            in_flight = None
    with Store(db) as store:
        integrity = store.integrity_check()
        actual = {p.name: [t.id for t in store.playlist_tracks(p.id)]
                  for p in store.playlists()}
        counts = store.counts()
        failures = store.failures()
    if in_flight and actual.get(in_flight[0]) == in_flight[1]:
        expected[in_flight[0]] = in_flight[1]
    lost = [n for n in expected if n not in actual or len(actual[n]) < len(expected[n])]
    changed = [n for n in expected if n in actual and actual[n] != expected[n] and n not in lost]
    dups = worklog.duplicates(db)
    restarts = worklog.duplicates(db, "claim")
    analyses = len(worklog.entries(db, "analysis"))
    claims = len(worklog.entries(db, "claim"))
    lat = sorted(soak.command_ms)
    print()
    print(f"soak: {args.minutes:g} min, {n_tracks} tracks (dev corpus), GUI + watch + "
          f"analyze ({soak.analyze_runs} runs) + scan ({soak.scans} runs) + 2 readers + "
          f"{len(lat)} read commands; {soak.moves} moves, {soak.rewrites} rewrites")
    print(f"'database is locked'/busy: {len(locked)}" + "".join(
        f"\n  {who}: {line}" for who, line in locked[:10]))
    print(f"duplicate analyses: {sum(n - 1 for n in dups.values())} "
          f"({len(dups)} tracks); analyses saved: {analyses}; started (claims): {claims}, "
          f"of the same contents again: {sum(n - 1 for n in restarts.values())} (a result "
          "dropped because its file moved or changed meanwhile, or an owner killed)")
    print(f"playlists reported saved: {len(expected)}; lost: {len(lost)}; "
          f"changed: {len(changed)}")
    print(f"reader processes: {sum(r['reads'] for r in reads)} reads, errors "
          f"{len(reader_errors)}, p99 {max(r['p99_ms'] for r in reads)} ms, max "
          f"{max(r['max_ms'] for r in reads)} ms")
    if lat:
        print(f"read commands (status/tracks/similar, process start included): median "
              f"{statistics.median(lat):.0f} ms, p95 {lat[int(len(lat) * 0.95)]:.0f} ms, "
              f"max {lat[-1]:.0f} ms; failures from locking: {len(soak.command_failures)}")
    print(f"integrity_check: {integrity}; library at the end: {counts}")
    print(f"processes with a traceback: {sorted(set(tracebacks)) or 'none'}")
    for path, reason in failures[:5]:
        print(f"  failed: {Path(path).name}: {reason}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"kept {root}")
    ok = not locked and not dups and not lost and integrity == "ok"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
