"""Issue 24 (a): no repeats, recent plays drawn later and the seeds' character, over a
small real library (real audio files, real analysis; tests/helpers/reco_library.py)."""

import time

import numpy as np

from soundalike.engine import character as ch
from soundalike.library.recommend import discovery
from soundalike.library.recommend.recommender import Recommender


def test_a_session_never_repeats_a_song_nor_its_copy(store, lib):
    rec = Recommender(store)
    seed = store.track_by_path(lib.paths["Beta", "B1", 0]).id
    copy_of = {store.track_by_path(lib.paths["Alpha", "A1", 0]).id,
               store.track_by_path(lib.duplicate).id}
    radio = rec.radio([seed], rng=1)
    tracks = radio.next(rec.size - 2)   # every other song once (the copy is the same song)
    ids = [t.id for t in tracks]
    assert seed not in ids and len(set(ids)) == len(ids)
    assert len(copy_of & set(ids)) == 1
    assert len(radio.next(5)) == 5      # used up: it still goes on


def test_songs_played_today_come_later_in_a_new_session(store, lib):
    rec = Recommender(store)
    seed = store.track_by_path(lib.paths["Alpha", "A1", 1]).id
    first = [t.id for t in rec.radio([seed], randomness=0.0, artist_spacing=0,
                                     album_spacing=0, keep_character=False, rng=2).next(3)]
    discovery.record_play(store, first)
    assert set(discovery.recent_plays(store)) == set(first)
    again = [t.id for t in rec.radio([seed], randomness=0.0, artist_spacing=0,
                                     album_spacing=0, keep_character=False, rng=2).next(3)]
    assert not set(first) & set(again)
    # off (0 hours), or played more than a day ago: as before
    off = [t.id for t in rec.radio([seed], randomness=0.0, artist_spacing=0, album_spacing=0,
                                   keep_character=False, recent_hours=0, rng=2).next(3)]
    assert off == first
    discovery.record_play(store, first, when=time.time() - 25 * 3600)
    assert discovery.recent_penalty(rec, 24.0) is None


def test_the_radio_keeps_the_seeds_character_from_the_real_tags(store, lib):
    rec = Recommender(store)
    chars = discovery.characters(rec)
    assert len(chars) == rec.size and set(np.unique(chars)) <= {ch.VOCAL, ch.INSTRUMENTAL,
                                                               ch.UNSURE}
    # give the library both characters: Beta's songs sung (the rest as tagged)
    beta = {store.track_by_path(lib.paths["Beta", a, n]).id for a in ("B1", "B2")
            for n in range(2)}
    for t in beta:
        chars[rec.index.position(t)] = ch.VOCAL
    others = [p for p in range(rec.size) if int(rec.index.ids[p]) not in beta]
    chars[others] = ch.INSTRUMENTAL
    seed = store.track_by_path(lib.paths["Beta", "B1", 0]).id
    kept = rec.radio([seed], artist_spacing=0, album_spacing=0, rng=3).next(3)
    assert {t.id for t in kept} <= beta
    mixed = rec.radio([seed], artist_spacing=0, album_spacing=0, keep_character=False,
                      rng=3).next(8)
    assert {t.id for t in mixed} - beta
    assert discovery.character_of(rec, seed) == "vocal"


def test_radio_options_come_from_the_settings_and_bad_values_are_ignored(store):
    store.set_setting("radio.album_spacing", 2)
    store.set_setting("radio.keep_character", "yes")   # hand-edited nonsense
    o = discovery.radio_options(store)
    assert o["album_spacing"] == 2 and o["keep_character"] is True
    rec = Recommender(store)
    radio = rec.radio([int(rec.index.ids[0])])
    assert radio.engine.album_spacing == 2
