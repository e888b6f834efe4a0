"""Does feedback steer the radio? A simulated listener, with and without feedback.

    python benchmarks/radio_feedback.py --manifest FILE.csv --db PATH [--seeds N]

Pre-registered (issue 15; written and committed before the first run and before any
tuning of the radio's feedback).

Manifest and database: as ``benchmarks/quality.py`` (``path,group,artist``; the same
``--path-col``/``--group-col``/``--artist-col``/``--resolve`` options and loader; the
files are scanned and analysed into ``--db``, reused across runs). For the development
corpus::

    python benchmarks/radio_feedback.py --manifest /work/corpus/dev.csv --group-col style \\
        --artist-col 'composer|package' --resolve debian-games --db /tmp/dev-eval.db

**The radio** is the app's: ``Recommender.radio([seed])`` with its defaults (hybrid
method, drift 0.3, repeat window 50, artist spacing 3, randomness 0.5; duplicates
removed; the manifest's artist as the track's artist; tracks of the database that are
not in the manifest are never drawn). It is given one seed track and, in the feedback
arm, only the listener's events — ``played(track, seconds)`` and ``skipped(track,
at_seconds)`` — never a group, a label or anything else from the manifest.

**The listener.** It likes the seed's group. Tracks are drawn one at a time (the app
refills its queue at once after feedback). For each drawn track: a track of the seed's
group is played to its end (``played(track, duration)``); a track of another group is
skipped after 5 seconds (``skipped(track, 5.0)``).

**Arms.** *feedback*: the radio receives those events. *no-feedback*: the same seed and
the same random generator seed (so the same random draws), no events. Each arm draws 30
tracks (the seed itself is not counted).

**Seeds.** Every indexed manifest track in a random order (fixed seed 0), at most
``--seeds`` (default 300); when fewer than 100 tracks are indexed the list is repeated
(with a different random seed each time round) until there are 100 runs. The radio's
random seed for run *i* is *i*.

**Metrics.** (1) on-target share: the share of tracks 11–30 whose group is the seed's,
per run, averaged over runs, for each arm; the difference feedback − no-feedback with a
95 % paired-bootstrap interval over runs (2,000 resamples, seed 0, as quality.py).
(2) skips until 5 on-target tracks in a row: in the feedback arm, the number of skips
the listener made before the first run of 5 consecutive on-target tracks among the 30
(runs that never get one are counted and reported apart; median and mean over the runs
that did); the same count of off-target tracks for the no-feedback arm. Also printed: the
ceiling of metric 1 (a run's share cannot exceed min(20, group size − 1) / 20, the window
forbidding repeats).

**Hypothesis and bar.** With feedback the on-target share is at least 15 points higher
than without (difference ≥ +0.150), with the interval's lower end above 0. The bar is
for music the project never tuned on; on the development corpus (where the radio's
feedback weights may be tuned) the number is a development figure, and RESULTS.md says
so.

The last line is exactly ``feedback on-target=0.xxx no-feedback on-target=0.xxx``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import (  # noqa: E402 - the shared manifest loader and analysis
    OUTSIDE,
    analysed_manifest,
    paired_bootstrap,
)

TRACKS = 30
MEASURED = slice(10, 30)   # tracks 11–30
SKIP_AT = 5.0
RUN_LENGTH = 5
MIN_RUNS = 100


@dataclasses.dataclass
class Run:
    seed: int
    group: str
    on_target: list[bool]   # per drawn track


def simulate(radio, likes: Callable[[int], bool], duration: Callable[[int], float], *,
             feedback: bool, tracks: int = TRACKS) -> list[bool]:
    """Draw *tracks* tracks one at a time; the listener (``likes(position)``) plays a
    liked track through and skips another after :data:`SKIP_AT` seconds. The radio
    hears only ``played``/``skipped`` with a position and seconds (if *feedback*)."""
    out = []
    for _ in range(tracks):
        p = radio.next(1)[0]
        liked = bool(likes(p))
        out.append(liked)
        if feedback:
            if liked:
                radio.played(p, float(duration(p)))
            else:
                radio.skipped(p, SKIP_AT)
    return out


def skips_until_run(on_target: list[bool], run: int = RUN_LENGTH) -> int | None:
    """Off-target tracks before the first *run* on-target tracks in a row (None: never)."""
    streak = skips = 0
    for hit in on_target:
        if hit:
            streak += 1
            if streak >= run:
                return skips
        else:
            streak = 0
            skips += 1
    return None


def seed_order(n_tracks: int, max_seeds: int) -> list[tuple[int, int]]:
    """``(track index, round)`` for each run, as the docstring says."""
    order = list(np.random.default_rng(0).permutation(n_tracks))[:max_seeds]
    runs = [(int(t), 0) for t in order]
    r = 1
    while len(runs) < MIN_RUNS and order:
        runs += [(int(t), r) for t in np.random.default_rng(r).permutation(order)]
        r += 1
    return runs[:max(MIN_RUNS, len(order))]


def manifest_meta(rows: list[dict]):
    """``meta_for(track)`` for a Recommender: the manifest's artist as the track's, and a
    genre marker (:data:`OUTSIDE`, a marker, not a label) on tracks outside the manifest
    so that filters can leave them out."""
    from soundalike.library.recommend.results import track_meta

    by_path = {r["path"]: r for r in rows}

    def meta_for(track):
        m = track_meta(track)
        r = by_path.get(track.path)
        if r is None:
            return dataclasses.replace(m, genre=OUTSIDE)
        return dataclasses.replace(m, artist=r["artist"], albumartist="", genre="")

    return meta_for


def evaluate(db: str, rows: list[dict], *, max_seeds: int = 300) -> dict:
    from soundalike.library.recommend.recommender import Recommender
    from soundalike.library.store import Store

    by_path = {r["path"]: r for r in rows}
    with Store(db) as store:
        rec = Recommender(store, meta_for=manifest_meta(rows), persist_model=False)
        if rec.size == 0:
            raise SystemExit("radio_feedback: no track could be analysed")
        tracks = {t.id: t for t in store.get_tracks(int(i) for i in rec.index.ids)}
        group_at = [by_path[tracks[int(i)].path]["group"] if int(i) in tracks
                    and tracks[int(i)].path in by_path else None for i in rec.index.ids]
        seeds = [p for p, g in enumerate(group_at) if g is not None]
        size = {g: group_at.count(g) for g in set(group_at) if g is not None}
        filters = rec.filters(exclude_genres=(OUTSIDE,), max_per_artist=None,
                              max_per_album=None)
        duration = rec.meta.duration
        results: dict[str, list[Run]] = {"feedback": [], "no-feedback": []}
        for i, (s, _round) in enumerate(seed_order(len(seeds), max_seeds)):
            seed = seeds[s]
            group = group_at[seed]

            def likes(p: int, group: str = group) -> bool:
                return group_at[p] == group

            def dur(p: int) -> float:
                d = float(duration[p])
                return d if np.isfinite(d) and d > 0 else 180.0

            for arm in results:
                session = rec.radio([int(rec.index.ids[seed])], filters=filters, rng=i)
                hits = simulate(session.engine, likes, dur, feedback=arm == "feedback")
                results[arm].append(Run(seed, group, hits))
    return {"runs": results, "group_size": size}


def summarise(result: dict) -> dict:
    runs, size = result["runs"], result["group_size"]
    out = {}
    for arm, rs in runs.items():
        share = [sum(r.on_target[MEASURED]) / len(r.on_target[MEASURED]) for r in rs]
        skips = [skips_until_run(r.on_target) for r in rs]
        done = [s for s in skips if s is not None]
        out[arm] = {"share": share, "mean": float(np.mean(share)), "skips": done,
                    "never": sum(s is None for s in skips)}
    rs = runs["feedback"]
    out["ceiling"] = float(np.mean([min(20, size[r.group] - 1) / 20 for r in rs]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", required=True, type=Path)
    ap.add_argument("--db", help="evaluation database (default: a temporary one)")
    ap.add_argument("--path-col", default="path")
    ap.add_argument("--group-col", default="group")
    ap.add_argument("--artist-col", default="artist",
                    help="column, or several as 'a|b' (first non-empty wins)")
    ap.add_argument("--resolve", choices=("debian-games",),
                    help="map development-corpus paths (see quality.py)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--seeds", type=int, default=300, metavar="N",
                    help="at most N seed tracks (default 300; at least 100 runs)")
    args = ap.parse_args(argv)

    ready = analysed_manifest(args, "radio_feedback")
    if ready is None:
        return 2
    rows, db, tmp, t0, t1 = ready
    result = evaluate(db, rows, max_seeds=max(1, args.seeds))
    t2 = time.monotonic()
    s = summarise(result)
    fb, nf = s["feedback"], s["no-feedback"]
    n = len(fb["share"])
    print(f"manifest: {args.manifest} — {len(rows)} tracks, {len(result['group_size'])} "
          f"groups; {n} runs of {TRACKS} tracks; analysis {t1 - t0:.0f} s, "
          f"simulation {t2 - t1:.1f} s")
    print(f"{'arm':<12} {'on-target 11–30':>15} {'reach 5 in a row':>16} "
          f"{'skips before (median / mean)':>29}")
    for name, a in (("feedback", fb), ("no-feedback", nf)):
        med = statistics.median(a["skips"]) if a["skips"] else float("nan")
        mean = statistics.mean(a["skips"]) if a["skips"] else float("nan")
        print(f"{name:<12} {a['mean']:>15.3f} {n - a['never']:>9}/{n:<6} "
              f"{f'{med:.1f} / {mean:.2f}':>29}")
    print(f"(ceiling of the on-target share: {s['ceiling']:.3f}; group sizes "
          f"{min(result['group_size'].values())}–{max(result['group_size'].values())})")
    lo, hi = paired_bootstrap(fb["share"], nf["share"])
    print(f"feedback − no-feedback on-target: {fb['mean'] - nf['mean']:+.3f} "
          f"(95% paired-bootstrap interval over runs {lo:+.3f} … {hi:+.3f}; bar +0.150)")
    print(f"feedback on-target={fb['mean']:.3f} no-feedback on-target={nf['mean']:.3f}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
