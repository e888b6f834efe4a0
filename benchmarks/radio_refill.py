"""Refill after feedback: one skip (or "less like this") and the next tracks, at 100k.

    python benchmarks/radio_refill.py [--sizes 100000] [--repeats 50]

On the synthetic library of benchmarks/similarity.py (clustered unit vectors of
``MAX_DIMS`` dimensions, artists, albums, durations), a radio plays a few tracks, then
each repeat times what the GUI's refill does after feedback, on the engine: the event
(one similarity pass and the neighbourhood update) plus drawing 5 tracks
(``RADIO_REFILL``). Baseline, measured in the same run: drawing the same 5 tracks with
no feedback at all (a ratio, not an absolute, is the robust figure). Target: p95 < 100 ms
at 100,000 tracks. The SQLite reads of the GUI's refill (5 track rows, the reasons' few
analysis rows) come on top: measured with ``--library`` in benchmarks/similarity.py for
``similar`` (a few ms).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from similarity import percentiles, synthetic  # noqa: E402

from soundalike.engine.radio import Radio  # noqa: E402

REFILL = 5
TARGET_MS = 100.0


def run(n: int, repeats: int, rng: np.random.Generator) -> dict:
    idx, meta = synthetic(n, rng)
    plain = Radio(idx, meta, [0], rng=1)
    steered = Radio(idx, meta, [0], rng=1)
    for r in (plain, steered):
        r.next(5)
    base, fb = [], []
    for i in range(repeats):
        t = time.perf_counter()
        plain.next(REFILL)
        base.append(time.perf_counter() - t)
        p = steered.history[-1]
        t = time.perf_counter()
        (steered.skipped(p, 4.0) if i % 2 else steered.less_like(p))
        steered.next(REFILL)
        fb.append(time.perf_counter() - t)
    return {"base": percentiles(base), "feedback": percentiles(fb),
            "events": len(steered.events)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--repeats", type=int, default=50)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'tracks':>8} {'draw 5, no feedback p50/p95':>28} {'event + draw 5 p50/p95':>24} "
          f"{'ratio p95':>9} {'events kept':>11}")
    for n in args.sizes:
        r = run(n, args.repeats, rng)
        (b50, b95), (f50, f95) = r["base"], r["feedback"]
        print(f"{n:>8} {f'{b50:.1f} / {b95:.1f} ms':>28} {f'{f50:.1f} / {f95:.1f} ms':>24} "
              f"{f95 / b95:>9.2f} {r['events']:>11}")
        if n == 100_000:
            print(f"target p95 < {TARGET_MS:.0f} ms at 100,000: "
                  f"{'met' if f95 < TARGET_MS else 'NOT met'} ({f95:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
