"""CPU per track of a file analysed outside the worker pool: in the calling process (as
``Recommender.similar_to_file`` did: numpy's BLAS with its default threads) against the
pool's worker (:func:`library.analysis_worker.worker_main`: one thread everywhere), on the
same files.

    nice -n 5 python benchmarks/outside_analysis.py [--files 16] [--corpus /work/corpus]

Both analyse one file first (models loaded, caches warm), then the same *files* corpus
tracks; CPU time is the analysing process's user + system time over those files (for the
worker, read from /proc between its first and last reply). Then the whole cost of one
on-the-spot analysis as a cold command pays it: a new process analysing one file in
itself, against one handing it to :func:`analysis_worker.analyse_apart` (spawn, model
load and all): CPU of the process and its children, and wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

IN_PROCESS = """
import json, sys, time
from soundalike.engine.analyze import analyze_file
from soundalike.engine.analyze import configure_default_model
from soundalike.library.analysis.cnn_choice import cached_kernels
files = json.loads(sys.argv[1])
configure_default_model(kernels=cached_kernels(), threads=1)
analyze_file(files[0])
t = time.process_time()
for f in files[1:]:
    analyze_file(f)
print(json.dumps({"cpu": (time.process_time() - t) / (len(files) - 1)}))
"""

WORKER = """
import json, multiprocessing as mp, os, sys
from soundalike.library.analysis.cnn_choice import cached_kernels
from soundalike.library.analysis.worker import Analysed, Ready, Request, worker_main
files = json.loads(sys.argv[1])

def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

if __name__ == "__main__":
    kernels = cached_kernels()
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    p = ctx.Process(target=worker_main, args=(child, False, kernels, 1), daemon=True)
    p.start()
    assert isinstance(parent.recv(), Ready)
    parent.send(Request(0, files[0], "full")); assert isinstance(parent.recv(), Analysed)
    start = cpu(p.pid)
    for i, f in enumerate(files[1:]):
        parent.send(Request(i, f, "full")); assert isinstance(parent.recv(), Analysed)
    used = cpu(p.pid) - start
    parent.send(None); p.join()
    print(json.dumps({"cpu": used / (len(files) - 1)}))
"""

ONE_HERE = """
import sys
from soundalike.engine.analyze import analyze_file
from soundalike.engine.analyze import configure_default_model
from soundalike.library.analysis.cnn_choice import cached_kernels
configure_default_model(kernels=cached_kernels(), threads=1)
analyze_file(sys.argv[1])
"""

ONE_APART = """
import sys
from soundalike.library.analysis.worker import analyse_apart
if __name__ == "__main__":
    analyse_apart(sys.argv[1])
"""


def child(code: str, *args: str) -> tuple[float, float, str]:
    """Run *code* in a new interpreter: ``(wall s, CPU s of it and its children, stdout)``."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {code[:60]}")
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime, out.decode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=16)
    ap.add_argument("--corpus", default="/work/corpus")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    names = (corpus / "tracks.txt").read_text().split("\n")
    files = [str(corpus / n) for n in names if n.strip()][:args.files + 1]
    print(f"{len(files) - 1} corpus files (+1 warm-up); load average {os.getloadavg()[0]:.1f}")
    here = json.loads(child(IN_PROCESS, json.dumps(files))[2])["cpu"]
    apart = json.loads(child(WORKER, json.dumps(files))[2])["cpu"]
    print(f"CPU per track: in-process {here * 1000:.0f} ms, in a pool worker "
          f"{apart * 1000:.0f} ms ({here / apart:.2f}×)")
    one_here = [child(ONE_HERE, files[1]) for _ in range(3)]
    one_apart = [child(ONE_APART, files[1]) for _ in range(3)]
    med = lambda runs, k: sorted(r[k] for r in runs)[1]  # noqa: E731
    print(f"one on-the-spot analysis, cold process: in-process {med(one_here, 1):.2f} s CPU "
          f"{med(one_here, 0):.2f} s wall; analyse_apart {med(one_apart, 1):.2f} s CPU "
          f"{med(one_apart, 0):.2f} s wall (medians of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
