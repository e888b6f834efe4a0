"""Radio feedback and radio from words over a small real, analysed library (issue 15)."""

import json

import numpy as np
import pytest

from soundalike.engine import moods
from soundalike.library.recommend.radio import mood_radio, mood_seeds, radio_from_dict
from soundalike.library.recommend.recommender import Recommender
from soundalike.library.recommend.results import RecommendError


def _style(store, lib):
    """Track id → style of the synthetic library (beat / chord / noise)."""
    from reco_library import STYLES

    out = {}
    for (artist, album, _n), path in lib.paths.items():
        t = store.track_by_path(path)
        if t is not None:
            out[t.id] = STYLES[artist][album]
    return out


def test_skips_steer_the_radio_and_the_queue_says_why(store, lib):
    rec = Recommender(store)
    style = _style(store, lib)
    seed = next(i for i, s in style.items() if s == "beat")
    radio = rec.radio([seed], window=2, artist_spacing=0, rng=4)
    first = radio.next(1)[0]
    assert radio.reason(first.id) == ""              # no feedback yet: no reason
    skipped = [t for t in rec.radio([seed], window=2, artist_spacing=0, rng=4).next(12)
               if style.get(t.id) != "beat"][:2]
    for t in skipped:
        assert radio.skipped(t.id, 4.0)
    after = radio.next_with_reasons(3)
    assert all(r.startswith(f"after you skipped {len(skipped)} ") for _, r in after)
    radio.less_like(after[0][0].id)
    assert "“less like this”" in radio.next_with_reasons(1)[0][1]
    assert radio.played(123456, 10.0) is False       # unknown track: nothing happens


def test_more_like_reason_names_the_track(store, lib):
    rec = Recommender(store)
    ids = [int(i) for i in rec.index.ids]
    radio = rec.radio([ids[0]], rng=1)
    liked = store.get_track(ids[1])
    radio.more_like(liked.id)
    t, why = radio.next_with_reasons(1)[0]
    if t.id != liked.id:
        assert why.startswith(f"more like “{liked.display_title}”: ")


def test_radio_state_is_plain_json_and_restores(store, lib):
    rec = Recommender(store)
    ids = [int(i) for i in rec.index.ids]
    radio = rec.radio([ids[0]], rng=8)
    for t in radio.next(3):
        radio.skipped(t.id, 2.0)
    state = json.loads(json.dumps(radio.to_dict()))
    back = radio_from_dict(rec, state)
    assert back.history == radio.history and back.seeds == radio.seeds
    assert [t.id for t in back.next(4)] == [t.id for t in radio.next(4)]
    with pytest.raises(RecommendError, match="cannot restore"):
        radio_from_dict(rec, {"engine": {"version": 99}})


def test_words_resolve_to_tags_and_unknown_words_list_the_known_ones():
    refs = moods.lookup("Mellow, instrumental, easy-listening")
    assert {r.label for r in refs} == {"Mellow", "instrumental", "easy listening"}
    assert {r.label for r in moods.lookup("calm")} >= {"Mellow", "chill", "easy listening"}
    with pytest.raises(moods.UnknownWordsError) as e:
        moods.lookup("calm, banjo, zzz")
    assert e.value.unknown == ["banjo", "zzz"]
    assert "Known words:" in str(e.value) and "ambient" in str(e.value)
    assert "calm" in e.value.known and "80s" not in e.value.known
    with pytest.raises(moods.UnknownWordsError, match="no mood words given"):
        moods.lookup(" , ")
    # a second vocabulary plugs in as one more entry
    two = {"msd": ("rock", "ambient"), "mtt": ("piano", "strings", "slow")}
    refs = moods.lookup("piano, calm", two)
    assert {(r.vocabulary, r.label) for r in refs} == {("mtt", "piano"), ("mtt", "slow")}


def test_mood_scores_follow_tags_tempo_and_energy():
    tags = {"msd": np.array([[0.9, 0.1], [0.1, 0.9], [0.8, 0.2], [0.85, 0.1]], np.float32)}
    refs = moods.lookup("rock", {"msd": ("rock", "ambient")})
    tempo = np.array([120, 120, 60, 200], np.float32)
    s = moods.mood_scores(tags, refs)
    assert np.argmax(s) == 0 and np.argmin(s) == 1
    s = moods.mood_scores(tags, refs, tempo=tempo, tempo_range=(110, 130))
    assert s[0] > s[2] > s[3] or s[0] > s[3]
    energy = np.array([0.1, 0.5, 0.9, 0.95], np.float32)
    s = moods.mood_scores(tags, refs, energy_of=energy, energy_target=1.0)
    assert np.argmax(s) in (2, 3)


def test_mood_radio_over_the_library(store):
    rec = Recommender(store)
    seeds = mood_seeds(rec, "electronic, instrumental", k=3)
    assert len(seeds) == 3 and len(set(seeds)) == 3
    radio = mood_radio(rec, "electronic, instrumental", tempo=(100, 140), energy=0.5)
    assert len(radio.next(5)) == 5 and radio.words == "electronic, instrumental"
    with pytest.raises(RecommendError, match="Known words"):
        mood_seeds(rec, "plinky-plonk")
