"""CNN latency on one thread, as ratios to the log-mel front end measured in the same run.

    .venv/bin/python benchmarks/cnn.py [--repeats 5]

Prints per-patch CPU times (3 s of audio each) of :func:`soundalike.engine.cnn.log_mel` (the
baseline) and of the TFLite model for several chunk sizes, the whole ``predict`` of a
36-s track (3 × 12-s excerpts, the analysis default), and the peak-RSS growth per chunk
size. Audio is synthesised (drum loop over a chord), so the run needs no files.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from soundalike.engine import cnn

SR = cnn.SR


def synth(seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    y = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * 0.1
    beat = (np.mod(t, 0.5) < 0.05) * rng.standard_normal(t.size) * 0.3
    return (y + beat).astype(np.float32)


def best_of(fn, repeats: int, clock=time.process_time) -> float:
    """Best of ``repeats`` runs. CPU time by default: the machine is shared, and CPU time
    (one thread) is what bounds analysis throughput; wall time is printed for predict."""
    times = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    segments = [synth(12.0, rng) for _ in range(3)]
    model = cnn.TagModel(threads=1)

    batch = np.concatenate([cnn.patches(cnn.log_mel(s)) for s in segments])  # 12 patches
    n = len(batch)
    cnn.log_mel(segments[0])  # warm-up (imports, FFT plans)
    mel_s = best_of(lambda: [cnn.log_mel(s) for s in segments], args.repeats) / n
    print(f"log-mel front end: {1000 * mel_s:7.2f} ms per 3-s patch (baseline, 1.00x)")

    rss0 = peak_rss_mb()
    for chunk in (1, 4, 8):
        cnn.CHUNK = chunk
        model.predict_patches(batch[:chunk])  # resize + warm-up
        per = best_of(lambda: model.predict_patches(batch), args.repeats) / n
        print(
            f"CNN, chunk {chunk}:        {1000 * per:7.2f} ms per patch "
            f"({per / mel_s:5.1f}x front end); peak RSS +{peak_rss_mb() - rss0:5.0f} MB"
        )
    cnn.CHUNK = 4
    total = best_of(lambda: model.predict(segments, SR), args.repeats)
    wall = best_of(lambda: model.predict(segments, SR), args.repeats, clock=time.perf_counter)
    print(
        f"predict(3 x 12 s) total: {1000 * total:7.1f} ms CPU ({1000 * wall:.1f} ms wall) = "
        f"{total / mel_s / n:5.1f}x front end per patch; {36.0 / total:5.0f}x real time, one thread"
    )


if __name__ == "__main__":
    main()
