"""Issue 24 (c): similar albums and artists over a small real library (real audio files,
real analysis; tests/helpers/reco_library.py: Alpha's and Gamma's G1 albums are beats,
Beta's are chords, Gamma's G2 is noise)."""

import numpy as np

from soundalike.library.recommend import discovery
from soundalike.library.recommend.recommender import Recommender


def test_albums_like_an_album_come_by_sound_with_reasons(store):
    rec = Recommender(store)
    [a1] = discovery.find_groups(rec, "album", "a1")
    assert (a1.name, a1.artist, a1.size) == ("A1", "Alpha", 3)   # two songs + a copy
    found = discovery.similar_groups(rec, "album", [a1], 10)
    names = [r.group.name for r in found]
    assert "A1" not in names and len(names) == len(set(names))
    assert [r.score for r in found] == sorted((r.score for r in found), reverse=True)
    # the other beat albums before the chord albums
    assert max(names.index("A2"), names.index("G1")) < min(names.index("B1"),
                                                            names.index("B2"))
    assert found[0].reasons
    d = found[0].to_dict(rec)
    assert d["kind"] == "album" and d["tracks"] == len(d["track_ids"]) == found[0].group.size
    others = discovery.similar_groups(rec, "album", [a1], 10, other_artists=True)
    assert "A2" not in [r.group.name for r in others]


def test_artists_like_an_artist_and_the_groups_of_tracks(store, lib):
    rec = Recommender(store)
    [beta] = discovery.find_groups(rec, "artist", "BETA")
    found = discovery.similar_groups(rec, "artist", [beta], 5)
    assert "Beta" not in [r.group.name for r in found] and found
    # the centroid is the normalised mean of the artist's track vectors
    g = discovery._groups(rec, "artist")
    v = rec.index.hybrid[beta.positions].mean(axis=0)
    assert np.allclose(g.centroids[beta.code], v / np.linalg.norm(v), atol=1e-5)
    tid = store.track_by_path(lib.paths["Gamma", "G2", 1]).id
    assert [x.name for x in discovery.groups_of_tracks(rec, "album", [tid])] == ["G2"]
    assert [x.name for x in discovery.groups_of_tracks(rec, "artist", [tid, tid])] == ["Gamma"]
    assert discovery.find_groups(rec, "artist", "nobody") == []
