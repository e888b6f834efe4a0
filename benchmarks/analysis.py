"""Analysis speed and memory on real music, against decode-only baselines from the same run.

Usage::

    python benchmarks/analysis.py [--corpus DIR] [--limit N] [--workers N]

DIR is the development corpus (``../shared/corpus/fetch-dev.sh DIR``; its ``tracks.txt``
lists the music files), default ``$SOUNDALIKE_CORPUS`` or ``../corpus``. Three passes
over the same files:

1. decode-only baselines: the analysis excerpts (what the engine decodes) and, for
   reference, the whole file with librosa-style full decoding and resampling;
2. ``analyze_file`` in this process, one thread: seconds per stage per track;
3. the real worker pool (``AnalysisController``) on a fresh database: tracks/hour and
   peak RSS per worker.

Figures are printed as ratios to the baselines: these machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from soundalike.engine import audio
from soundalike.engine.analyze import analyze_file
from soundalike.engine.cnn import TagModel
from soundalike.library.analysis.controller import AnalysisController

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import (  # benchmarks/ is not a package: found through sys.path
    full_decode,  # the whole file to 16 kHz mono: the naive approach
    scanned_library,
)


def corpus_files(corpus: Path, limit: int | None) -> list[Path]:
    listing = corpus / "tracks.txt"
    if not listing.exists():
        sys.exit(f"no {listing}: fetch the corpus with ../shared/corpus/fetch-dev.sh {corpus}")
    files = [corpus / line.strip() for line in listing.read_text().splitlines() if line.strip()]
    files = [f for f in files if f.exists()]
    return files[:limit] if limit else files


def timed(fn, files) -> list[float]:
    out = []
    for f in files:
        t0 = time.perf_counter()
        fn(f)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path,
                    default=Path(os.environ.get("SOUNDALIKE_CORPUS", here.parent / "corpus")))
    ap.add_argument("--limit", type=int, default=60, help="files to use (0: all)")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    files = corpus_files(args.corpus, args.limit or None)
    print(f"{len(files)} files from {args.corpus}")

    model = TagModel(threads=1)
    analyze_file(files[0], model=model)  # warm-up: interpreter allocation, weight packing

    excerpt = timed(audio.load, files)
    whole = timed(full_decode, files)
    stages: dict[str, list[float]] = {"decode": [], "dsp": [], "cnn": []}
    per_track = []
    for f in files:
        t0 = time.perf_counter()
        r = analyze_file(f, model=model)
        per_track.append(time.perf_counter() - t0)
        for k in stages:
            stages[k].append(r.timings[k])

    with tempfile.TemporaryDirectory() as tmp:
        db = scanned_library(files, tmp)
        controller = AnalysisController(db, workers=args.workers, low_priority=False)
        t0 = time.perf_counter()
        progress = controller.run()
        pool_s = time.perf_counter() - t0
        write_s = controller.timings.get("write", 0.0)

    n = len(files)
    mean = statistics.fmean
    print(f"\nper track (mean over {n}, one thread, in-process):")
    print(f"  decode-only, excerpts   {mean(excerpt) * 1e3:7.1f} ms   (baseline)")
    print(f"  decode-only, whole file {mean(whole) * 1e3:7.1f} ms   "
          f"{mean(whole) / mean(excerpt):5.2f}× excerpts")
    for k, v in stages.items():
        print(f"  {k:<23} {mean(v) * 1e3:7.1f} ms   {mean(v) / mean(excerpt):5.2f}× excerpts")
    print(f"  write (pool, per track) {write_s / max(progress.done, 1) * 1e3:7.1f} ms")
    print(f"  total analyze_file      {mean(per_track) * 1e3:7.1f} ms   "
          f"{mean(per_track) / mean(excerpt):5.2f}× excerpt decode, "
          f"{mean(per_track) / mean(whole):5.2f}× whole-file decode")
    rate = progress.done / pool_s * 3600
    print(f"\nworker pool: {args.workers} worker(s), {progress.done} analysed, "
          f"{progress.failed} failed in {pool_s:.1f} s (including worker start-up)")
    print(f"  {rate:.0f} tracks/h, {rate / args.workers:.0f} tracks/h per worker; "
          f"in-process rate {3600 / mean(per_track):.0f} tracks/h per core")
    print(f"  peak RSS per worker {controller.peak_worker_rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
