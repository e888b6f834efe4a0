"""The library map's positions: the cached layout, new tracks placed, the full layout
computed in a separate process.

A full layout (:func:`soundalike.engine.layout.layout` of the hybrid vectors) takes seconds
to a minute or two, so it runs in a spawned process (:class:`~.map_layout_job.LayoutJob`,
nice 10, one thread; the UI never waits on the GIL for it) and is stored through the Store
(``map_layout`` tables) under the analysis version and a key of the set of tracks laid out
(:func:`track_key`). :func:`map_positions` gives the positions to show *now*:

``cached``
    the stored layout is for exactly these tracks and this analysis version;
``placed``
    it is for this version but tracks were analysed (or removed) since: the new ones sit
    at the mean position of their 5 most similar laid-out tracks
    (:func:`engine.layout.place`); a full layout is due when more than
    :data:`RELAYOUT_SHARE` of the tracks changed;
``pca``
    nothing usable is stored (first run, or another analysis version): the first two
    principal components of the hybrid vectors, and a full layout is due.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from soundalike.library.model.errors import LibraryError

METHOD = "neighbour-graph"
#: a full layout is due when more than this share of the tracks is new or gone
RELAYOUT_SHARE = 0.10
#: positions of new tracks are the mean of this many nearest laid-out tracks
PLACE_NEIGHBOURS = 5


class MapLayoutError(LibraryError):
    """The map layout could not be computed (the process failed or was stopped)."""


def track_key(version: int, track_ids) -> str:
    """A short key of the analysis *version* and the set of *track_ids* (order ignored)."""
    ids = np.unique(np.asarray(list(track_ids), np.int64)).astype("<i8")
    h = hashlib.sha1(f"v{int(version)}:".encode())
    h.update(ids.tobytes())
    return h.hexdigest()[:20]


def layout_version(store) -> int:
    """The analysis version the map's layout is stored under: the version of the hybrid the
    recommendations use now. While version-2 analyses are being upgraded (MTT added) the
    hybrid is the MSD-only one of version 2, so a layout made then is not taken for one of
    the full version-3 hybrid."""
    from soundalike.engine.analyze import ANALYSIS_VERSION, USABLE_VERSIONS

    present = [v for v, n in store.analysed_versions().items() if n and v in USABLE_VERSIONS]
    return min(present) if present else ANALYSIS_VERSION


def hybrid_vectors(store) -> tuple[np.ndarray, np.ndarray]:
    """``(track ids (n,), unit hybrid vectors (n, d))`` of the analysed tracks, as the
    recommendations compare them: the library's similarity index
    (library/recommend/vector_index.py), memory-mapped (built first if missing or stale)."""
    from soundalike.library.recommend.recommender import Recommender

    rec = Recommender(store)
    if rec.index is None:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    return rec.index.live_rows()


@dataclass(slots=True)
class Positions:
    """What the map shows now for ``ids`` (the order asked for)."""

    xy: np.ndarray          # (n, 2) float32 in [0, 1]
    state: str              # "cached" | "placed" | "pca" | "empty"
    placed: int = 0         # tracks placed near their neighbours (state "placed")
    relayout_due: bool = False


def map_positions(store, ids, *, version: int | None = None,
                  vectors: tuple[np.ndarray, np.ndarray] | None = None) -> Positions:
    """Positions for the analysed tracks *ids* (see the module docstring); *vectors* are
    :func:`hybrid_vectors` when the caller has them already."""
    from soundalike.engine import layout

    if version is None:
        version = layout_version(store)
    ids = np.asarray(ids, np.int64)
    n = len(ids)
    if n == 0:
        return Positions(np.zeros((0, 2), np.float32), "empty")
    info = store.map_layout_info()
    usable = info is not None and info.analysis_version == version
    if usable and info.track_key == track_key(version, ids):
        cached_ids, cached_xy = store.map_layout()
        pos = _lookup(cached_ids, ids)
        if (pos >= 0).all():
            return Positions(cached_xy[pos], "cached")
    hyb_ids, hybrid = vectors if vectors is not None else hybrid_vectors(store)
    vec_pos = _lookup(hyb_ids, ids)
    if usable:
        cached_ids, cached_xy = store.map_layout()
        pos = _lookup(cached_ids, ids)
        old = pos >= 0
        new = ~old & (vec_pos >= 0)
        if old.any():
            xy = np.full((n, 2), 0.5, np.float32)
            xy[old] = cached_xy[pos[old]]
            base = vec_pos[old & (vec_pos >= 0)]
            if new.any() and len(base):
                xy[new] = layout.place(hybrid[vec_pos[new]], hybrid[base],
                                       xy[old & (vec_pos >= 0)], k=PLACE_NEIGHBOURS)
            changed = int((~old).sum()) + max(0, int(info.tracks) - int(old.sum()))
            return Positions(xy, "placed", placed=int((~old).sum()),
                             relayout_due=changed > RELAYOUT_SHARE * max(n, info.tracks))
    xy = np.full((n, 2), 0.5, np.float32)
    have = vec_pos >= 0
    if have.any():
        rows = vec_pos[have]
        same = len(rows) == len(hybrid) and bool(np.all(rows == np.arange(len(rows))))
        # the index's own rows in order: no copy of every vector (51 MB per 100k tracks)
        xy[have] = layout.unit_square(layout.pca_2d(hybrid if same else hybrid[rows]))
    return Positions(xy, "pca", relayout_due=True)


def _lookup(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Index of each of *needles* in *haystack* (unique ids), -1 where absent."""
    if len(haystack) == 0:
        return np.full(len(needles), -1, np.int64)
    order = np.argsort(haystack, kind="stable")
    sorted_ = haystack[order]
    at = np.clip(np.searchsorted(sorted_, needles), 0, len(sorted_) - 1)
    return np.where(sorted_[at] == needles, order[at], -1)


def compute_layout(db_path: str, *, version: int | None = None,
                   progress: Callable[[float], None] | None = None,
                   cancel: Callable[[], bool] | None = None) -> int:
    """Lay out every analysed track of the library at *db_path* and store the result;
    returns how many tracks. (What :class:`~.map_layout_job.LayoutJob` runs in its process.)"""
    from soundalike.engine import layout
    from soundalike.library.store import Store

    with Store(db_path) as store:
        if version is None:
            version = layout_version(store)
        ids, hybrid = hybrid_vectors(store)
        xy = layout.layout(hybrid, progress=progress, cancel=cancel) if len(ids) else \
            np.zeros((0, 2), np.float32)
        store.save_map_layout(ids.tolist(), xy, analysis_version=version,
                              track_key=track_key(version, ids), method=METHOD)
    return len(ids)


def low_priority() -> None:
    """Lower this process's priority (nice 10), where the system allows."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
