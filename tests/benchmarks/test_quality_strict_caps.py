"""benchmarks/quality.py keeps the protocol's hard caps (issue 13: the app's caps are soft)."""

import importlib.util
from pathlib import Path

import pytest
from reco_library import STYLES, build_library

from soundalike.engine.filters import Filters

_SPEC = importlib.util.spec_from_file_location(
    "quality_bench_strict", Path(__file__).resolve().parents[2] / "benchmarks" / "quality.py")
quality = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(quality)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return build_library(tmp_path_factory)


def test_protocol_lists_stay_short_under_hard_caps(lib, tmp_path, monkeypatch):
    db = str(lib.copy_db(tmp_path))
    rows = [{"path": lib.paths[a, al, n], "group": a, "artist": a, "variant_of": ""}
            for a, albums in STYLES.items() for al in albums for n in range(2)]
    seen = []
    from soundalike.library.recommend import recommender as recommend

    orig = recommend.Recommender.similar

    def spy(self, *a, filters=None, **kw):
        seen.append(filters)
        return orig(self, *a, filters=filters, **kw)

    monkeypatch.setattr(recommend.Recommender, "similar", spy)
    r = quality.evaluate(db, rows, methods=("hybrid",))["hybrid"]
    # the query's artist is excluded and two other artists × 2 per artist remain: with
    # the hard caps every 10-list is short (4 songs) and none breaks a cap (soft caps
    # would fill the lists without the artist exclusion and break the caps)
    assert r["queries"] == 12 and r["short_lists"] == 12
    assert r["broken_filtered"] == 0
    capped = [f for f in seen if isinstance(f, Filters) and f.capped]
    assert capped and all(f.strict_caps for f in capped)
