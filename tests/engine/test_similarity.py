"""kNN over synthetic vectors, and the result filters."""

import itertools

import numpy as np
import pytest

from soundalike.engine.filters import (
    Filters,
    MetaTable,
    ResultFilter,
    TrackMeta,
    normalise_artist,
    normalise_text,
    violations,
)
from soundalike.engine.similarity import SimilarityIndex, ranked_accept


def _unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _index(rng, n=200, d=16, g=5):
    hyb = _unit(rng.normal(size=(n, d)))
    gen = rng.dirichlet(np.ones(g), n).astype(np.float32)
    return SimilarityIndex(np.arange(100, 100 + n), hyb, gen)


def test_hybrid_ranks_by_dot_product_and_seed_by_euclidean(rng):
    idx = _index(rng)
    q = idx.vector(7, "hybrid")
    res = idx.search(q, 10, method="hybrid")
    brute = np.argsort(-(idx.hybrid @ idx.hybrid[7]))[:10]
    assert [p for p, _ in res] == list(brute) and res[0][0] == 7
    assert all(a[1] >= b[1] for a, b in itertools.pairwise(res))
    res = idx.search(idx.vector(7, "seed"), 10, method="seed")
    d = np.linalg.norm(idx.genres - idx.genres[7], axis=1)
    assert [p for p, _ in res] == list(np.argsort(d, kind="stable")[:10])
    np.testing.assert_allclose([s for _, s in res], 1 - np.sort(d)[:10] / np.sqrt(2), atol=1e-5)
    with pytest.raises(ValueError, match="unknown method"):
        idx.scores(q, "cosmic")


def test_positions_and_validation(rng):
    idx = _index(rng, n=5)
    assert idx.position(102) == 2 and idx.position(1) is None
    assert idx.nbytes > 5 * 16 * 4
    with pytest.raises(ValueError):
        SimilarityIndex([1, 1], np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError):
        SimilarityIndex([1, 2], np.zeros((3, 3)), np.zeros((2, 2)))


def test_ranked_accept_widens_the_window_when_filters_reject_most():
    scores = np.linspace(1, 0, 1000).astype(np.float32)
    got = list(ranked_accept(scores, 5, lambda p: p % 97 == 0))
    assert [p for p, _ in got] == [0, 97, 194, 291, 388]
    got = list(ranked_accept(scores, 5, lambda p: p > 995))  # fewer than k exist
    assert [p for p, _ in got] == [996, 997, 998, 999]
    assert list(ranked_accept(scores, 0)) == []


def test_normalisation_folds_case_accents_and_versions():
    assert normalise_text("Beyoncé – HALO (Remastered 2009)") == "beyonce halo"
    assert normalise_text("Song feat. Someone") == "song"
    assert normalise_artist("The Beatles") == normalise_artist("beatles")
    assert normalise_text(None) == ""


def _meta():
    recs = [
        TrackMeta(0, artist="A", title="One", album="X", duration=200, path="/m/a/1.ogg"),
        TrackMeta(1, artist="a", title="one (Remastered)", album="Best of", duration=201.5,
                  path="/m/a/best/1.ogg"),                           # duplicate song of 0
        TrackMeta(2, artist="A", title="Two", album="X", duration=180, path="/m/a/2.ogg"),
        TrackMeta(3, artist="A", title="Three", album="X", duration=190, path="/m/a/3.ogg"),
        TrackMeta(4, artist="B", title="One", album="Y", duration=200, path="/m/b/1.ogg"),
        TrackMeta(5, artist="B", title="Four", album="Y", duration=210, fingerprint="f1",
                  path="/m/b/4.ogg"),
        TrackMeta(6, artist="C", title="Four copy", album="Z", duration=100, fingerprint="f1",
                  path="/m/c/4.ogg"),                                # same content as 5
        TrackMeta(7, artist="D", title="Silent Night", album="Xmas", genre="Christmas; Pop",
                  duration=150, path="/m/d/sn.ogg"),
        TrackMeta(8, artist="E", title="Chapter 1", genre="Audiobook", path="/books/c1.mp3"),
        TrackMeta(9, artist="A", title="One", album="X live", duration=260, path="/m/a/l.ogg"),
    ]
    return MetaTable(recs)


def _run(meta, f, query, order):
    rf = ResultFilter(meta, f, query=query)
    return [p for p in order if rf.accept(p)]


def test_duplicates_are_removed_by_tags_within_seconds_or_by_fingerprint():
    meta = _meta()
    assert meta.is_duplicate(0, 1) and not meta.is_duplicate(0, 4)
    assert not meta.is_duplicate(0, 9)  # same song name, 60 s longer: a different take
    assert meta.is_duplicate(5, 6)
    got = _run(meta, Filters(max_per_artist=None, max_per_album=None), [0], range(10))
    assert 0 not in got and 1 not in got and 9 in got
    assert 5 in got and 6 not in got  # the better-ranked copy stays
    got = _run(meta, Filters(max_per_artist=None, max_per_album=None, dedupe=False), [0], range(10))
    assert 1 in got and 6 in got


def test_caps_per_artist_and_album_and_query_artist():
    meta = _meta()
    got = _run(meta, Filters(max_per_artist=1, max_per_album=None), [4], range(10))
    artists = [meta.artist[p] for p in got]
    assert len(artists) == len(set(artists))
    got = _run(meta, Filters(max_per_artist=None, max_per_album=2), [5], [0, 2, 3, 9])
    assert got == [0, 2, 9]  # album X capped at 2; "X live" is another album
    got = _run(meta, Filters(exclude_query_artist=True), [0], range(10))
    assert not any(meta.artist[p] == meta.artist[0] for p in got)
    v = violations(meta, [0, 2, 3], Filters())
    assert v == {"duplicate": False, "artist_cap": True, "album_cap": True}
    assert violations(meta, [5, 6], Filters())["duplicate"]
    assert violations(meta, [2], Filters(), query=[0]) == {
        "duplicate": False, "artist_cap": False, "album_cap": False}


def test_exclusions_by_genre_folder_and_keyword():
    meta = _meta()
    loose = {"max_per_artist": None, "max_per_album": None}
    assert 7 not in _run(meta, Filters(**loose, exclude_genres=("christmas",)), [0], range(10))
    assert 7 in _run(meta, Filters(**loose, exclude_genres=("christ",)), [0], range(10))
    got = _run(meta, Filters(**loose, exclude_folders=("/books",)), [0], range(10))
    assert 8 not in got and 7 in got
    got = _run(meta, Filters(**loose, exclude_keywords=("audiobook", "silent night")), [0],
               range(10))
    assert 7 not in got and 8 not in got and 4 in got
