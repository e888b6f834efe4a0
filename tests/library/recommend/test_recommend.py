"""Recommender over a small real library: scanned, analysed with the real engine."""

import dataclasses
import itertools
import time
from pathlib import Path

import numpy as np
import pytest

from soundalike.engine.analyze import analyze_file
from soundalike.engine.explain import ALBUM_REASON, joined
from soundalike.engine.filters import Filters, normalise_artist
from soundalike.library.model.settings import VECTOR_MODEL
from soundalike.library.recommend.filter_defaults import default_filters, save_default_filters
from soundalike.library.recommend.outside import similar_to_analysis, similar_to_file
from soundalike.library.recommend.paths import path as song_path
from soundalike.library.recommend.recommender import Recommender, find_tracks
from soundalike.library.recommend.results import RecommendError, track_meta
from soundalike.library.recommend.seeds import (
    seeds_for_album,
    seeds_for_artist,
    seeds_for_playlist,
)
from soundalike.library.store import Store


def _id(store, path):
    return store.track_by_path(path).id


@pytest.mark.parametrize("method", ["hybrid", "seed"])
def test_each_method_returns_ranked_filtered_results(store, lib, method):
    rec = Recommender(store)
    assert rec.size == 14  # 12 songs + duplicate copy + audiobook; not missing, not failed
    q = _id(store, lib.paths["Alpha", "A1", 0])
    res = rec.similar(q, n=10, method=method)
    assert len(res) == 10  # 11 other songs: the soft caps fill the list
    diverse, extra = res[:len(res) - res.topped_up], res[len(res) - res.topped_up:]
    for part in (diverse, extra):  # each part best first
        scores = [r.score for r in part]
        assert scores == sorted(scores, reverse=True)
    paths = [r.track.path for r in res]
    assert lib.paths["Alpha", "A1", 0] not in paths and lib.duplicate not in paths
    assert lib.missing not in paths and lib.failed not in paths
    assert len(set(paths)) == len(paths)
    artists = [normalise_artist(r.track.artist) for r in diverse]
    albums = [r.track.album for r in diverse]
    assert max(artists.count(a) for a in set(artists)) <= 2
    assert max(albums.count(a) for a in set(albums)) <= 2
    assert all(r.explanation for r in res)


def test_hybrid_finds_the_same_kind_of_music_by_other_artists(store, lib):
    rec = Recommender(store)
    q = _id(store, lib.paths["Alpha", "A1", 0])
    res = rec.similar(q, n=2, filters=Filters(exclude_query_artist=True))
    # Gamma's G1 album is drum beats like Alpha's; Beta's chords and Gamma's noise are not
    assert {r.track.album for r in res} == {"G1"}
    assert all(r.track.artist != "Alpha" for r in res)
    assert "electronic" in res[0].explanation
    assert rec.explain(q, res[0].track.id) == res[0].explanation


def test_filters_caps_exclusions_and_duplicates_hold(store, lib):
    rec = Recommender(store)
    q = _id(store, lib.paths["Beta", "B1", 0])
    everything = Filters(max_per_artist=None, max_per_album=None)
    ids = [r.track.id for r in rec.similar(q, 20, filters=everything)]
    assert len(ids) == 12  # 14 − the query − one of the two identical Alpha copies
    strict = Filters(max_per_artist=1, strict_caps=True)
    one = [r.track for r in rec.similar(q, 20, filters=strict)]
    assert len({normalise_artist(t.artist) for t in one}) == len(one)
    no_books = rec.similar(q, 20, filters=Filters(exclude_genres=("audiobook",)))
    assert lib.audiobook not in [r.track.path for r in no_books]
    no_folder = rec.similar(q, 20, filters=Filters(
        max_per_artist=None, exclude_folders=(str(Path(lib.audiobook).parent),)))
    assert lib.audiobook not in [r.track.path for r in no_folder]
    # querying the duplicate copy never returns the original
    dup = rec.similar(_id(store, lib.duplicate), 20, filters=everything)
    assert lib.paths["Alpha", "A1", 0] not in [r.track.path for r in dup]


def test_default_filters_are_persisted_settings(store, lib):
    save_default_filters(store, Filters(max_per_artist=1, exclude_keywords=("chapter",)))
    f = default_filters(store)
    assert f.max_per_artist == 1 and f.exclude_keywords == ("chapter",)
    assert default_filters(store, max_per_artist=3).max_per_artist == 3
    rec = Recommender(store)
    res = rec.similar(_id(store, lib.paths["Beta", "B1", 0]), 20)
    assert lib.audiobook not in [r.track.path for r in res]
    diverse = res[:len(res) - res.topped_up]  # the soft cap: one per artist, then the rest
    assert len({r.track.artist for r in diverse}) == len(diverse) == 3


def test_query_errors_are_plain(store, lib):
    rec = Recommender(store)
    with pytest.raises(RecommendError, match="is missing"):
        rec.similar(_id(store, lib.missing))
    with pytest.raises(RecommendError, match="could not be analysed"):
        rec.similar(_id(store, lib.failed))
    with pytest.raises(RecommendError, match="no track with id"):
        rec.similar(99999)
    with pytest.raises(ValueError, match="unknown method"):
        rec.similar(_id(store, lib.duplicate), method="magic")


def test_refresh_is_cheap_when_nothing_changed_and_sees_missing_tracks(store, lib):
    rec = Recommender(store)
    assert rec.refresh() is False
    gone = _id(store, lib.paths["Gamma", "G1", 0])
    store.mark_missing([gone])
    assert rec.refresh() is True and rec.size == 13
    q = _id(store, lib.paths["Alpha", "A1", 1])
    assert gone not in [r.track.id for r in rec.similar(q, 20)]
    # a stale index (no refresh) still never returns a track that went missing
    other = _id(store, lib.paths["Gamma", "G1", 1])
    store.mark_missing([other])
    assert other not in [r.track.id for r in rec.similar(q, 20)]
    assert rec.size == 12


def test_vector_model_is_stored_versioned_and_reused(store):
    rec = Recommender(store)
    saved = store.setting(VECTOR_MODEL)
    assert saved["version"] >= 1 and saved["fitted_on"] == 14
    assert rec.model.dims <= 128
    v1 = rec.index.hybrid.copy()
    rec.refresh(force=True)
    np.testing.assert_allclose(rec.index.hybrid, v1, atol=1e-6)  # deterministic


def test_radio_and_path(store, lib):
    rec = Recommender(store)
    seeds = seeds_for_album(rec, "A1")
    assert len(seeds) == 3  # the two songs and the copy of one
    # the window and the spacing alone (issue 15); no repeats in a session: test_discovery
    radio = rec.radio(seeds, window=5, artist_spacing=1, no_repeat=False, rng=3)
    tracks = radio.next(30)
    assert len(tracks) == 30
    ids = seeds + [t.id for t in tracks]
    for i in range(len(seeds), len(ids)):
        assert ids[i] not in ids[max(0, i - 5):i]
    for a, b in itertools.pairwise(tracks):
        assert normalise_artist(a.artist) != normalise_artist(b.artist)
    assert radio.history == [t.id for t in tracks]
    assert seeds_for_artist(rec, "gamma") and seeds_for_playlist(rec, "nope") == []
    a, b = _id(store, lib.paths["Alpha", "A1", 0]), _id(store, lib.paths["Beta", "B2", 1])
    path = song_path(rec, a, b, steps=5)
    assert path[0].id == a and path[-1].id == b and len(path) == 5
    assert len({t.id for t in path}) == 5
    with pytest.raises(RecommendError):
        song_path(rec, a, a)


def test_find_tracks_by_artist_and_title(store):
    assert [t.title for t in find_tracks(store, "alpha – a1 song 2")] == ["A1 song 2"]
    assert len(find_tracks(store, "alpha")) >= 4
    assert find_tracks(store, "nothing like this") == []


def test_empty_library(tmp_path):
    with Store(tmp_path / "empty.db") as s:
        rec = Recommender(s)
        assert rec.size == 0
        with pytest.raises(RecommendError, match="no analysed tracks"):
            rec.similar(1)


def test_radio_skips_tracks_that_went_missing(store, lib):
    rec = Recommender(store)
    radio = rec.radio(seeds_for_album(rec, "B1"), window=3, artist_spacing=0, rng=1)
    gone = _id(store, lib.paths["Beta", "B2", 0])
    store.mark_missing([gone])  # the radio's index still has it
    tracks = radio.next(20)
    assert len(tracks) == 20 and gone not in [t.id for t in tracks]


def test_refresh_sees_tag_edits_and_new_analyses(store, lib):
    rec = Recommender(store)
    t = store.track_by_path(lib.paths["Beta", "B1", 0])
    t.artist = "Alpha"  # now Alpha: excluded when asking for other artists than Alpha's
    store.update_tracks([t])
    assert rec.refresh() is True and rec.refresh() is False
    q = _id(store, lib.paths["Alpha", "A1", 1])
    others = rec.similar(q, 20, filters=Filters(exclude_query_artist=True, max_per_artist=None))
    assert t.id not in [r.track.id for r in others]
    a = store.get_analysis(t.id)
    store.save_analysis(t.id, version=a.version, features=a.features, tags=a.tags,
                        embedding=a.embedding, duration=a.duration, mtt_tags=a.mtt_tags,
                        mtt_embedding=a.mtt_embedding)
    assert rec.refresh() is True


def test_vector_model_is_refitted_only_when_the_library_changed_enough(store, lib, monkeypatch):
    from soundalike.library.analysis import index_request
    from soundalike.library.recommend import recommender as recommend
    from soundalike.library.recommend import vector_index

    monkeypatch.setattr(vector_index, "ALWAYS_REFIT_BELOW", 0)  # behave like a large library
    rec = Recommender(store)
    assert store.setting(VECTOR_MODEL)["fitted_on"] == 14
    store.mark_missing([_id(store, lib.paths["Gamma", "G2", 0])])  # −7 %: keep the statistics
    rec.refresh()
    assert rec.size == 13 and rec.model.fitted_on == 14
    store.mark_missing([_id(store, lib.paths["Gamma", "G2", 1]),
                        _id(store, lib.paths["Gamma", "G1", 0])])  # −21 %: refit
    rec.refresh()  # in the background (index_upkeep): the query keeps the old model meanwhile
    assert rec.size == 11 and rec._state.due is not None
    deadline = time.monotonic() + 120
    while (store.setting(VECTOR_MODEL)["fitted_on"] != 11
           or index_request.busy(rec.index_path)) and time.monotonic() < deadline:
        time.sleep(0.05)
    rec.refresh()  # maps the rebuilt file
    assert rec.size == 11 and rec.model.fitted_on == 11
    assert store.setting(VECTOR_MODEL)["fitted_on"] == 11
    old = store.setting(VECTOR_MODEL)
    store.save_setting(VECTOR_MODEL, {**old, "version": 0, "fitted_on": 11})  # older version
    assert Recommender(store).model.version == recommend.vec.VECTOR_VERSION
    assert store.setting(VECTOR_MODEL)["version"] == recommend.vec.VECTOR_VERSION


def test_bad_weight_setting_falls_back_to_defaults(store):
    from soundalike.engine.vectors import DEFAULT_WEIGHTS

    store.set_setting("recommend.weights", {"colour": 3})
    assert Recommender(store).weights == pytest.approx(dict(DEFAULT_WEIGHTS))
    store.set_setting("recommend.weights", {"embedding": 1, "tags": 0, "dsp": 0})
    assert Recommender(store).weights["embedding"] == 1.0


def test_radio_seeds_by_name_fold_accents_and_case(store, lib):
    """The radio's album/artist seeds use the one search semantic (library/model/search.py)."""
    tracks = [store.track_by_path(lib.paths["Beta", "B1", n]) for n in range(2)]
    for t in tracks:
        t.artist, t.album = "Beyoncé", "ÉLAN"
    store.update_tracks(tracks)
    rec = Recommender(store)
    want = sorted(t.id for t in tracks)
    assert sorted(seeds_for_artist(rec, "beyonce")) == want
    assert sorted(seeds_for_album(rec, "élan")) == want
    assert sorted(seeds_for_album(rec, "Elan")) == want
    assert rec.radio(seeds_for_artist(rec, "BEYONCE"), window=3, artist_spacing=0, rng=1).next(2)


# -- soft variety caps (issue 13, item 3) --------------------------------------------------
MANY = "Eric Matyas"


@pytest.fixture
def one_artist_store(lib, tmp_path):
    """The test library with Alpha's, Beta's and Gamma's G1 tracks (10 songs and the
    duplicate copy) retagged as one artist; Gamma G2 (2) and the audiobook stay others."""
    s = Store(lib.copy_db(tmp_path))
    many = [t for t in s.tracks() if t.artist in ("Alpha", "Beta")
            or (t.artist == "Gamma" and t.album == "G1")]
    s.update_tracks([dataclasses.replace(t, artist=MANY) for t in many])
    yield s
    s.close()


def test_soft_caps_top_up_a_one_artist_library_and_say_so(one_artist_store, lib):
    store = one_artist_store
    rec = Recommender(store)
    q = _id(store, lib.paths["Beta", "B1", 0])
    res = rec.similar(q, n=10)
    assert len(res) == 10
    assert res.topped_up > 0
    extra = res[10 - res.topped_up:]
    assert {r.track.artist for r in extra} == {MANY}
    assert res.topped_up_artists == [MANY]
    assert res.note == f"more by {MANY}: your library has few other artists like this"
    paths = [r.track.path for r in res]
    assert lib.paths["Beta", "B1", 0] not in paths
    # duplicates still removed: never both copies of Alpha A1 1
    assert not {lib.paths["Alpha", "A1", 0], lib.duplicate} <= set(paths)
    assert res.to_dict()["topped_up"] == res.topped_up and res.to_dict()["note"] == res.note


def test_strict_caps_keep_the_short_list(one_artist_store, lib):
    store = one_artist_store
    rec = Recommender(store)
    q = _id(store, lib.paths["Beta", "B1", 0])
    strict = rec.similar(q, n=10, filters=Filters(strict_caps=True))
    assert len(strict) < 10 and strict.topped_up == 0 and strict.note == ""
    assert sum(r.track.artist == MANY for r in strict) <= 2
    soft = rec.similar(q, n=10)
    assert [r.track.id for r in soft[:len(strict)]] == [r.track.id for r in strict]


def test_no_list_is_starved_while_the_library_has_enough(one_artist_store, lib):
    """Invariant: n results whenever n other analysed, non-duplicate, non-excluded
    tracks exist (here 12 songs besides the query, the duplicate pair counted once)."""
    store = one_artist_store
    rec = Recommender(store)
    for path in (lib.paths["Beta", "B1", 0], lib.paths["Gamma", "G2", 1]):
        q = _id(store, path)
        for n in (1, 5, 10, 12):
            assert len(rec.similar(q, n=n)) == n, (path, n)
        assert len(rec.similar(q, n=13)) == 12  # no more songs than the library has
        excl = rec.similar(q, n=10, filters=Filters(exclude_keywords=("audiobook",)))
        assert len(excl) == 10 and lib.audiobook not in [r.track.path for r in excl]


def test_radio_over_a_one_artist_library_never_stalls(one_artist_store, lib):
    store = one_artist_store
    rec = Recommender(store)
    seeds = [_id(store, lib.paths["Beta", "B1", 0])]
    radio = rec.radio(seeds, window=8, rng=3)
    tracks = radio.next(30)
    assert len(tracks) == 30
    ids = [t.id for t in tracks]
    for i in range(len(ids)):  # no repeat inside the window
        assert ids[i] not in ids[max(0, i - 8):i]


def test_hybrid_uses_both_taggers_and_explains_with_mtt_words(store, lib):
    rec = Recommender(store, persist_model=False)
    assert rec.uses_mtt  # every track analysed by version 3 has the MTT outputs
    assert rec.model.emb_parts == (200, 200) and rec.model.tag_parts == (50, 50)
    q = _id(store, lib.paths["Alpha", "A1", 0])
    res = rec.similar(q, 5)
    assert len(res) == 5 and all(r.explanation for r in res)
    # explanations take MTT words into account: the same pair through the engine
    a, b = store.get_analysis(q), store.get_analysis(res[0].track.id)
    want = rec.explainer.reasons(a.features, a.tags, b.features, b.tags, mtt_a=a.mtt_tags,
                                 mtt_b=b.mtt_tags)
    # … and the recommender may add that the two albums brought them together
    assert rec.explain(q, res[0].track.id) in (joined(want), joined([*want, ALBUM_REASON]))
    # a file from outside is placed in the same space (both models analysed on the spot)
    out = similar_to_file(rec, lib.audiobook, 3)
    assert len(out) == 3
    r = analyze_file(lib.audiobook)
    with pytest.raises(ValueError, match="MTT"):
        similar_to_analysis(rec, r.features, r.tags, r.embedding, 3)


def test_a_file_outside_the_library_is_analysed_in_a_worker_process(lib, tmp_path):
    """similar_to_file's analysis runs apart, with the pool's single-threaded settings, and
    gives what the engine gives in this process; a broken file is a plain error."""
    from soundalike.engine.errors import AnalysisError
    from soundalike.library.analysis.worker import analyse_apart

    apart, here = analyse_apart(lib.audiobook), analyze_file(lib.audiobook)
    for name in ("features", "tags", "embedding", "mtt_tags", "mtt_embedding"):
        assert np.allclose(getattr(apart, name), getattr(here, name), atol=1e-4), name
    assert apart.duration == pytest.approx(here.duration)
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC" + bytes(100))
    with pytest.raises(AnalysisError) as err:
        analyse_apart(broken)
    assert str(err.value) and "Traceback" not in str(err.value)


def _plain(rec, store, track_id):
    """A track's hybrid vector without album context, from its stored analysis."""
    a = store.get_analysis(track_id)
    return rec.model.transform(a.features[None, :], np.hstack([a.tags, a.mtt_tags])[None, :],
                               np.hstack([a.embedding, a.mtt_embedding])[None, :])[0]


def _unit(v):
    return v / np.linalg.norm(v)


def test_index_vectors_carry_their_albums_context(store, lib):
    """Each indexed track is unit(x + unit(sum of its album-mates' x)), its album taken from
    the library's own tags even when meta_for relabels the artists (as the quality
    benchmark does); the explanation says when the albums brought a result in."""
    relabel = lambda t: dataclasses.replace(track_meta(t), artist="someone else")  # noqa: E731
    rec = Recommender(store, persist_model=False, meta_for=relabel)
    tracks = store.get_tracks(int(i) for i in rec.index.ids)
    album_of = {t.id: (t.artist, t.album) for t in tracks}
    plain = {t.id: _plain(rec, store, t.id) for t in tracks}
    contexts = 0
    for t in tracks:
        mates = [u for u in album_of if u != t.id and album_of[u] == album_of[t.id]]
        got = rec.index.hybrid[rec.index.position(t.id)]
        if mates:
            contexts += 1
            want = _unit(plain[t.id] + _unit(sum(plain[u] for u in mates)))
        else:
            want = plain[t.id]
        np.testing.assert_allclose(got, want, atol=2e-5)
        assert bool(rec.has_context[rec.index.position(t.id)]) == bool(mates)
    assert 0 < contexts < len(tracks)  # the audiobook is alone on its album
    q = _id(store, lib.paths["Alpha", "A1", 0])
    said = 0
    for r in rec.similar(q, n=10):
        b = r.track.id
        mates_a = [u for u in album_of if u != q and album_of[u] == album_of[q]]
        mates_b = [u for u in album_of if u != b and album_of[u] == album_of[b]]
        ca = _unit(sum(plain[u] for u in mates_a)) if mates_a else plain[q]
        cb = _unit(sum(plain[u] for u in mates_b)) if mates_b else None
        albums = cb is not None and float(ca @ cb) > float(plain[q] @ plain[b])
        assert (ALBUM_REASON in r.reasons) == albums, r.track.path
        said += albums
        assert rec.explain(q, b) == r.explanation
    assert said > 0


def test_album_context_is_left_out_of_the_seed_method(store, lib):
    rec = Recommender(store)
    q = _id(store, lib.paths["Alpha", "A1", 0])
    assert all(ALBUM_REASON not in r.reasons for r in rec.similar(q, n=10, method="seed"))


def test_songs_on_a_folder_that_is_away_are_never_offered_and_come_back(store, lib):
    """Issue 21: a music folder renamed away (an unplugged drive) before any scan noticed:
    similar, radio and path leave its songs out; a scan masks them with their analyses;
    back and rescanned, they are offered again."""
    import os
    import time

    from soundalike.library.files.scanner import Scanner

    gamma = str(Path(lib.paths["Gamma", "G1", 0]).parents[1])
    store.add_folder(gamma)             # a second music folder (its own drive)
    gamma_ids = {t.id for t in store.tracks() if t.path.startswith(gamma + "/")
                 and t.status == "analysed"}
    assert len(gamma_ids) == 4          # G1 and G2, two songs each
    rec = Recommender(store)
    a, b = _id(store, lib.paths["Alpha", "A1", 0]), _id(store, lib.paths["Beta", "B2", 1])
    assert gamma_ids & {r.track.id for r in rec.similar(a, n=20)}
    away = gamma + ".away"
    os.rename(gamma, away)
    try:
        assert store.get_track(min(gamma_ids)).status == "analysed"   # not noticed yet
        deadline = time.monotonic() + 10   # the folders are checked at most every 2 s
        while gamma_ids & {r.track.id for r in rec.similar(a, n=20)}:
            assert time.monotonic() < deadline, "songs of a folder that is away offered"
            time.sleep(0.1)
        assert len(rec.similar(a, n=20)) >= 5
        radio = rec.radio([a], window=3, artist_spacing=0, rng=2)
        assert not {t.id for t in radio.next(25)} & gamma_ids
        g = min(gamma_ids)
        from_away = rec.radio([g], window=3, artist_spacing=0, rng=2)  # a seed that is away
        drawn = from_away.next(10)
        assert len(drawn) == 10 and not {t.id for t in drawn} & gamma_ids
        assert not {t.id for t in song_path(rec, a, b, steps=6)[1:-1]} & gamma_ids
        Scanner(store).scan()                                          # masked, not forgotten
        assert {store.get_track(i).status for i in gamma_ids} == {"missing"}
        assert all(store.get_analysis(i) is not None for i in gamma_ids)
        assert rec.refresh() and not gamma_ids & set(rec.index.ids.tolist())
    finally:
        os.rename(away, gamma)
    Scanner(store).scan()
    assert {store.get_track(i).status for i in gamma_ids} == {"analysed"}
    assert rec.refresh()
    assert gamma_ids & {r.track.id for r in rec.similar(a, n=20)}
