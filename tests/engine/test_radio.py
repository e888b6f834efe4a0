"""Radio and song paths over synthetic vectors."""

import itertools

import numpy as np
import pytest

from soundalike.engine.filters import Filters, MetaTable, TrackMeta
from soundalike.engine.radio import Radio, song_path
from soundalike.engine.similarity import SimilarityIndex


def _setup(rng, n=120, artists=15):
    # points along a circle: neighbours on the circle are similar
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    hyb = np.column_stack([np.cos(ang), np.sin(ang), 0.05 * rng.normal(size=(n, 2))])
    hyb = (hyb / np.linalg.norm(hyb, axis=1, keepdims=True)).astype(np.float32)
    gen = rng.dirichlet(np.ones(4), n).astype(np.float32)
    meta = MetaTable([TrackMeta(i, artist=f"artist {i % artists}", title=f"song {i}",
                                album=f"album {i % (2 * artists)}", duration=100 + i)
                      for i in range(n)])
    return SimilarityIndex(np.arange(n), hyb, gen), meta


def test_radio_never_repeats_within_window_and_spaces_artists(rng):
    idx, meta = _setup(rng)
    radio = Radio(idx, meta, [0, 1], window=30, artist_spacing=4, rng=1)
    played = radio.next(200)
    assert len(played) == 200
    seq = [0, 1] + played
    for i, p in enumerate(seq):
        if i >= 2:
            assert p not in seq[max(0, i - 30):i]
    for i in range(len(played)):
        recent = played[max(0, i - 4):i]
        assert meta.artist[played[i]] not in {meta.artist[r] for r in recent}


def test_drift_zero_stays_near_the_seeds_and_drift_one_wanders(rng):
    idx, meta = _setup(rng)
    seed_vec = idx.vector([10])
    near = Radio(idx, meta, [10], drift=0.0, window=20, rng=2).next(60)
    far = Radio(idx, meta, [10], drift=1.0, window=20, rng=2).next(60)

    def sim(ps):
        return float(np.mean(idx.hybrid[ps] @ seed_vec))

    assert sim(near) > sim(far) + 0.3


def test_radio_is_endless_on_a_tiny_library(rng):
    idx, meta = _setup(rng, n=3, artists=1)
    radio = Radio(idx, meta, [0], window=50, artist_spacing=3, rng=0)
    played = radio.next(10)
    assert len(played) == 10
    assert all(a != b for a, b in itertools.pairwise(played))  # never the same twice in a row
    one, meta1 = _setup(rng, n=1, artists=1)
    assert Radio(one, meta1, [0]).next(3) == [0, 0, 0]


def test_radio_honours_exclusions_and_is_reproducible(rng):
    idx, meta = _setup(rng)
    f = Filters(exclude_keywords=("song 5", "song 6", "song 7"))
    a = Radio(idx, meta, [4], filters=f, rng=5).next(30)
    assert not {5, 6, 7} & set(a)
    assert a == Radio(idx, meta, [4], filters=f, rng=5).next(30)
    with pytest.raises(ValueError):
        Radio(idx, meta, [])
    with pytest.raises(ValueError):
        Radio(idx, meta, [1], drift=2)


def test_path_runs_from_a_to_b_smoothly(rng):
    idx, meta = _setup(rng)
    a, b = 0, 60  # opposite sides of the circle
    path = song_path(idx, meta, a, b, 8)
    assert path[0] == a and path[-1] == b and len(path) == 8
    assert len(set(path)) == 8
    # monotone progress: similarity to B grows along the path (roughly)
    to_b = idx.hybrid[path] @ idx.hybrid[b]
    assert np.corrcoef(np.arange(8), to_b)[0, 1] > 0.9
    assert all(meta.artist[x] != meta.artist[y] for x, y in itertools.pairwise(path))
    assert song_path(idx, meta, a, b, 2) == [a, b]
    with pytest.raises(ValueError):
        song_path(idx, meta, a, a, 5)
    with pytest.raises(ValueError):
        song_path(idx, meta, a, b, 1)


def test_path_is_shorter_when_the_library_runs_out(rng):
    idx, meta = _setup(rng, n=4)
    path = song_path(idx, meta, 0, 3, 10)
    assert path[0] == 0 and path[-1] == 3 and len(path) == 4 and len(set(path)) == 4


# -- issue 24: no repeats in a session, album windows, character, recent plays ------------
def test_no_song_repeats_in_a_session_until_the_library_is_used_up(rng):
    idx, meta = _setup(rng, n=60, artists=12)
    # position 59 is another copy of song 0 (same artist and title)
    recs = list(meta.records)
    recs[59] = TrackMeta(59, artist=recs[0].artist, title=recs[0].title, album="other",
                         duration=recs[0].duration)
    meta = MetaTable(recs)
    radio = Radio(idx, meta, [0], window=5, artist_spacing=0, album_spacing=0, rng=3)
    played = radio.next(58)
    assert len(set(played)) == 58 and 0 not in played and 59 not in played
    assert len(radio.next(5)) == 5   # used up: it goes on, repeats outside the window
    old = Radio(idx, meta, [0], window=5, artist_spacing=0, album_spacing=0,
                no_repeat=False, rng=3).next(58)
    assert len(set(old)) < 58        # the window alone lets songs come back


def test_album_spacing_keeps_albums_apart(rng):
    idx, meta = _setup(rng, n=120, artists=15)
    played = Radio(idx, meta, [0], artist_spacing=0, album_spacing=6, rng=4).next(60)
    for i in range(len(played)):
        before = {meta.album[p] for p in played[max(0, i - 6):i]}
        assert meta.album[played[i]] not in before


def test_the_seeds_character_is_kept_unless_asked_otherwise(rng):
    from soundalike.engine import character as ch

    idx, meta = _setup(rng, n=120, artists=15)
    chars = np.where(np.arange(120) % 2 == 0, ch.VOCAL, ch.INSTRUMENTAL).astype(np.int8)
    chars[::7] = ch.UNSURE
    kept = Radio(idx, meta, [2], character=chars, rng=5).next(40)
    assert all(chars[p] in (ch.VOCAL, ch.UNSURE) for p in kept)
    mixed = Radio(idx, meta, [2], character=chars, keep_character=False, rng=5).next(40)
    assert any(chars[p] == ch.INSTRUMENTAL for p in mixed)
    # seeds of both characters, evenly: nothing to keep
    assert Radio(idx, meta, [2, 3], character=chars).seed_character == ch.UNSURE


def test_songs_with_a_penalty_come_later_not_never(rng):
    idx, meta = _setup(rng, n=40, artists=40)
    best = [p for p, _ in idx.search(idx.vector([0]), 6) if p != 0][:5]
    penalty = np.zeros(40, np.float32)
    penalty[best] = 0.5
    radio = Radio(idx, meta, [0], drift=0.0, randomness=0.0, penalty=penalty, rng=6)
    played = radio.next(39)
    assert not set(best) & set(played[:5])
    assert set(best) <= set(played)
    fresh = Radio(idx, meta, [0], drift=0.0, randomness=0.0, rng=6).next(5)
    assert set(fresh) == set(best)   # without the penalty they come first


def test_the_new_options_survive_a_saved_state(rng):
    from soundalike.engine import character as ch

    idx, meta = _setup(rng)
    chars = np.full(len(idx), ch.INSTRUMENTAL, np.int8)
    radio = Radio(idx, meta, [0], album_spacing=2, no_repeat=False, keep_character=False,
                  character=chars, rng=7)
    radio.next(3)
    again = Radio.from_dict(radio.to_dict(), idx, meta, character=chars)
    assert (again.album_spacing, again.no_repeat, again.keep_character) == (2, False, False)
    assert again.character is not None
