"""benchmarks/radio_feedback.py: the radio hears only events, never a label, and the
script prints its last line on any manifest."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest
from reco_library import STYLES, build_library

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import radio_feedback  # noqa: E402

from soundalike.engine.filters import MetaTable, TrackMeta  # noqa: E402
from soundalike.engine.radio import Radio  # noqa: E402
from soundalike.engine.similarity import SimilarityIndex  # noqa: E402


class Recording:
    """Wraps a Radio and records every call the benchmark makes on it."""

    def __init__(self, radio):
        self._radio = radio
        self.calls = []

    def __getattr__(self, name):
        attr = getattr(self._radio, name)
        if not callable(attr):
            raise AssertionError(f"the benchmark read radio.{name}")

        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return attr(*args, **kwargs)

        return call


def _index(n=90, seed=1):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, 6)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    meta = MetaTable([TrackMeta(i, artist=f"a{i % 9}", title=f"t{i}", duration=150.0)
                      for i in range(n)])
    return SimilarityIndex(np.arange(n), v, rng.dirichlet(np.ones(3), n).astype(np.float32)), meta


def test_the_radio_receives_only_events_and_its_draws_depend_on_nothing_else():
    idx, meta = _index()
    group = {p: ("left" if idx.hybrid[p, 0] < 0 else "right") for p in range(len(idx))}
    rec = Recording(Radio(idx, meta, [0], rng=7))
    hits = radio_feedback.simulate(rec, lambda p: group[p] == group[0],
                                   lambda p: 150.0, feedback=True)
    assert len(hits) == radio_feedback.TRACKS
    names = {c[0] for c in rec.calls}
    assert names <= {"next", "played", "skipped"}
    for name, args, kwargs in rec.calls:
        assert not kwargs
        assert all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args)
        if name != "next":
            assert len(args) == 2 and isinstance(args[0], int)
            assert args[1] in (150.0, radio_feedback.SKIP_AT)
    # replaying only the events on a fresh radio gives the same tracks: nothing else
    # (no group, no label) reached it
    replay = Radio(idx, meta, [0], rng=7)
    drawn = []
    for name, args, _ in rec.calls:
        out = getattr(replay, name)(*args)
        if name == "next":
            drawn += out
    assert drawn == rec._radio.history
    # renaming the groups changes nothing either
    other = Radio(idx, meta, [0], rng=7)
    renamed = {p: {"left": "x", "right": "y"}[g] for p, g in group.items()}
    assert radio_feedback.simulate(other, lambda p: renamed[p] == renamed[0],
                                   lambda p: 150.0, feedback=True) == hits


def test_skips_until_a_run_and_the_seed_order():
    assert radio_feedback.skips_until_run([False, True, False] + [True] * 5) == 2
    assert radio_feedback.skips_until_run([True] * 4 + [False]) is None
    runs = radio_feedback.seed_order(12, 300)
    assert len(runs) == 100 and {t for t, _ in runs} == set(range(12))
    assert len(radio_feedback.seed_order(262, 300)) == 262


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return build_library(tmp_path_factory)


def test_the_script_prints_its_line_on_a_manifest(lib, tmp_path, capsys):
    manifest = tmp_path / "m.csv"
    with manifest.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "group", "artist"])
        for (artist, album, _n), path in lib.paths.items():
            w.writerow([path, STYLES[artist][album], artist])
    db = lib.copy_db(tmp_path)
    assert radio_feedback.main(["--manifest", str(manifest), "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "100 runs" in out[0]
    assert any(line.startswith("feedback − no-feedback on-target: ") for line in out)
    last = out[-1]
    assert last.startswith("feedback on-target=0.") and " no-feedback on-target=" in last
    a, b = (float(last.split()[i].split("=")[1]) for i in (1, 3))
    assert 0 <= a <= 1 and 0 <= b <= 1
