"""Song paths: tracks that lead from one track to another, step by step.

The library side of :func:`soundalike.engine.radio.song_path`::

    paths.path(rec, a_id, b_id, steps=8)     # list[Track], A … B

*rec* is a :class:`~soundalike.library.recommend.recommender.Recommender`.
"""

from __future__ import annotations

from soundalike.engine.filters import Filters
from soundalike.engine.radio import song_path
from soundalike.library.model.states import DEFAULT_METHOD
from soundalike.library.model.track import Track
from soundalike.library.recommend.results import RecommendError


def path(rec, a: int, b: int, steps: int = 10, *, method: str = DEFAULT_METHOD,
         filters: Filters | None = None) -> list[Track]:
    """Tracks leading from *a* to *b* in *steps* tracks (both included)."""
    if a == b:
        raise RecommendError("a path needs two different tracks")
    if steps < 2:
        raise RecommendError("a path needs at least 2 steps")
    pa, pb = rec._positions([a, b])
    positions = song_path(rec.index, rec.meta, pa, pb, steps, method=method,
                          filters=rec.reachable(filters or rec.filters()))
    return rec.store.get_tracks(int(rec.index.ids[p]) for p in positions)

