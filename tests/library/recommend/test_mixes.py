"""Issue 24 (d): library mixes over a small real library (real audio, real analysis;
tests/helpers/reco_library.py — 14 indexed tracks, so fewer than 6 mixes)."""


from soundalike.library.model.settings import MIXES
from soundalike.library.recommend import mixes as mx
from soundalike.library.recommend.recommender import Recommender


def test_mixes_are_made_once_named_and_cover_the_library(store):
    rec = Recommender(store)
    mixes = mx.ensure_mixes(rec)
    assert 1 < len(mixes) <= rec.size // mx.mx.MIN_SIZE
    assert sum(m.size for m in mixes) == rec.size
    names = [m.name for m in mixes]
    assert len(set(names)) == len(names) and all(names)
    assert all(m.core and len(m.core) <= m.size for m in mixes)
    assert mx.ensure_mixes(Recommender(store)) == mixes          # stored: not made again
    assert mx.stored_mixes(store)[1] == rec.size


def test_identities_stay_when_little_changed_and_pinned_mixes_stay(store):
    rec = Recommender(store)
    first = mx.make_mixes(rec)
    again = mx.make_mixes(rec)
    assert [(m.id, m.name) for m in again] == [(m.id, m.name) for m in first]
    pinned = first[-1]
    assert mx.set_pinned(store, pinned.id)
    # the library changes a lot: a big part of the pinned mix's songs go
    for t in pinned.core[: len(pinned.core) // 2]:
        store.mark_missing([t])
    rec.refresh(force=True)
    after = mx.ensure_mixes(rec, force=True)
    kept = next(m for m in after if m.id == pinned.id)
    assert kept.pinned and kept.name == pinned.name and after[0].id == pinned.id
    assert not mx.set_pinned(store, "no-such-mix")
    assert mx.find_mix(store, pinned.name.upper()).id == pinned.id


def test_a_mix_plays_as_radio_from_its_region_and_as_a_playlist(store):
    rec = Recommender(store)
    mix = max(mx.ensure_mixes(rec), key=lambda m: m.size)
    tracks = mx.mix_tracks(rec, mix, n=5)
    assert len(tracks) == 5 and len(set(tracks)) == 5
    assert set(mix.core[:2]) & set(tracks)        # the songs nearest its centre
    radio = mx.mix_radio(rec, mix, rng=1)
    # its most typical songs, one per artist and album: a mix does not open with one album
    typical = [t for t in mix.core if rec.index.position(t) is not None]
    artists = [rec.meta.artist[rec.index.position(t)] for t in radio.seeds]
    albums = [rec.meta.album[rec.index.position(t)] for t in radio.seeds]
    assert radio.seeds and radio.seeds[0] == typical[0]
    assert len(set(artists)) == len(artists) <= mx.RADIO_SEEDS
    assert len(set(albums)) == len(albums)
    assert set(rec.meta.artist[[rec.index.position(t) for t in typical]]) == set(artists)
    assert radio.words == mix.name and len(radio.next(4)) == 4
    assert radio.engine.drift == mx.RADIO_DRIFT


def test_an_unreadable_setting_means_mixes_are_made_again(store):
    store.save_setting(MIXES, {"version": 1, "mixes": [{"nonsense": 1}]})
    assert mx.stored_mixes(store) == ([], 0)
    rec = Recommender(store)
    assert mx.is_stale(store, rec.size) and mx.ensure_mixes(rec)
