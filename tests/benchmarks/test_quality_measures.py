"""The supplementary measures of benchmarks/quality.py: variant groups and rank measures."""

import importlib.util
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "quality_bench", Path(__file__).resolve().parents[2] / "benchmarks" / "quality.py")
quality = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(quality)


def _manifest(tmp_path: Path, header: str, lines: list[str]) -> Path:
    for line in lines:
        (tmp_path / line.split(",")[0]).write_bytes(b"x")
    m = tmp_path / "m.csv"
    m.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return m


def test_pieces_from_variant_column(tmp_path):
    m = _manifest(tmp_path, "path,group,artist,variant_of", [
        "song_.ogg,g,A,",          # original of "song" (trailing _ stripped, same artist)
        "song_remix.ogg,g,A,song",
        "air_2.ogg,g,B,air",       # two variants, no original in the manifest
        "air_orch.ogg,g,C,air",
        "song.ogg,g,Z,",           # same name but another artist: not a version
        "lone_mix.ogg,g,A,lone",   # a piece with one version only: no query
        "other.ogg,g,A,",
    ])
    rows, problems = quality.read_manifest(m, path_col="path", group_col="group",
                                           artist_col="artist", resolve=None)
    assert problems == []
    pieces = {Path(p).name: k for p, k in quality.piece_of(rows).items()}
    assert pieces == {"song_.ogg": "song", "song_remix.ogg": "song",
                      "air_2.ogg": "air", "air_orch.ogg": "air"}


def test_no_variant_column_means_no_pieces(tmp_path):
    m = _manifest(tmp_path, "path,group,artist", ["a.ogg,g,A", "a_mix.ogg,g,A"])
    rows, _ = quality.read_manifest(m, path_col="path", group_col="group",
                                    artist_col="artist", resolve=None)
    assert all(r["variant_of"] is None for r in rows)
    assert quality.piece_of(rows) == {}


def test_rank_measures():
    assert quality.rank_measures([5, 7, 9], {9}) == (pytest.approx(1 / 3), 1.0)
    assert quality.rank_measures([5, 7, 9], {7, 42}, k=2) == (0.5, 0.5)
    assert quality.rank_measures(list(range(20)), {15}) == (pytest.approx(1 / 16), 0.0)
    assert quality.rank_measures([1, 2], {3}) == (0.0, 0.0)


def test_supplementary_printed_only_when_measured(capsys):
    quality.print_supplementary([("hybrid", {"P@10": 0.2})])
    assert capsys.readouterr().out == ""
    quality.print_supplementary([("hybrid", {"variant_mrr": 0.25, "variant_recall10": 0.5,
                                             "variant_queries": 4, "variant_merged_pairs": 0,
                                             "artist_P@10": 0.3, "artist_queries": 9})])
    out = capsys.readouterr().out
    assert "4 queries" in out and "0.250" in out and "0.300" in out
