"""The library map's colours: a track's top style over both taggers' vocabularies."""

from __future__ import annotations

import numpy as np

from soundalike.engine import cnn
from soundalike.gui.map_view import colour_groups, load_map


def test_orchestral_tracks_read_classical_not_jazz():
    msd = np.zeros((4, 50), np.float32)
    msd[:, cnn.TAG_LABELS.index("jazz")] = 0.3
    msd[3, cnn.TAG_LABELS.index("electronic")] = 0.9
    mtt = np.zeros((4, 50), np.float32)
    mtt[:3, cnn.MTT_LABELS.index("classical")] = 0.7
    groups, labels = colour_groups(msd, mtt)
    assert labels == ["classical", "electronic"]  # the most common first (colour order)
    assert groups.tolist() == [0, 0, 0, 1]
    # without MTT tags (a version-2 analysis): MSD's genre, as before
    groups, labels = colour_groups(msd, np.full((4, 50), np.nan, np.float32))
    assert labels == ["jazz", "electronic"] and groups.tolist() == [0, 0, 0, 1]


def test_load_map_colours_a_real_library(tmp_path_factory):
    from reco_library import build_library

    lib = build_library(tmp_path_factory)
    data = load_map(str(lib.db))
    assert len(data.ids) > 0 and len(data.style_rank) == len(data.ids)
    assert set(data.labels) <= set(cnn.STYLE_WORDS)
    assert max(data.style_rank) == len(data.labels) - 1
