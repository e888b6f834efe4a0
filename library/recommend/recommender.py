"""The recommender of a library: its similarity index, similar tracks and explanations.

The glue between the :class:`~soundalike.library.store.Store` and the pure engine
modules (:mod:`~soundalike.engine.vectors`, :mod:`~soundalike.engine.similarity`,
:mod:`~soundalike.engine.filters`, :mod:`~soundalike.engine.radio`,
:mod:`~soundalike.engine.explain`)::

    rec = Recommender(store)
    for r in rec.similar(track_id, n=10):           # hybrid method, default filters
        print(r.track.display_title, r.score, r.explanation)
    radio = rec.radio([track_id]); radio.next(5)     # endless, list[Track]
    rec.refresh()                                    # after analysis changes; cheap if none

The index is built from every ``analysed`` track of the current analysis version.
The vector model (library statistics) is stored in the setting
``recommend.vector_model`` and refitted when the library changed by more than
:data:`REFIT_GROWTH` (always for libraries under :data:`ALWAYS_REFIT_BELOW` tracks).
Default filters come from the ``recommend.*`` settings
(:data:`soundalike.library.model.settings.FILTER_SETTINGS`).

What is built on the index lives beside it and takes the recommender as its first
argument (``rec.radio(…)``, the most used, is also a method that hands over):
:mod:`~soundalike.library.recommend.radio` (radios, mood seeds, saved sessions),
:mod:`~soundalike.library.recommend.paths` (song paths),
:mod:`~soundalike.library.recommend.seeds` (seed tracks from album, artist, playlist names),
:mod:`~soundalike.library.recommend.outside` (songs not in the library).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from soundalike.engine import vectors as vec
from soundalike.engine.explain import ALBUM_REASON, Explainer, joined
from soundalike.engine.filters import Filters, MetaTable, ResultFilter, TrackMeta
from soundalike.library.analysis import index_request
from soundalike.library.browse import find_tracks  # noqa: F401 - its former home
from soundalike.library.files.availability import RootCache
from soundalike.library.model.settings import VECTOR_MODEL, WEIGHTS
from soundalike.library.model.states import DEFAULT_METHOD, Method, TrackStatus
from soundalike.library.model.track import Track
from soundalike.library.recommend import radio, vector_index
from soundalike.library.recommend.filter_defaults import default_filters, replace_filters
from soundalike.library.recommend.radio import RadioSession
from soundalike.library.recommend.results import (
    RecommendError,
    Result,
    ResultList,
    track_label,
    track_meta,
)
from soundalike.library.store import Store

METHODS = tuple(Method)

REFIT_GROWTH = vector_index.REFIT_GROWTH
ALWAYS_REFIT_BELOW = vector_index.ALWAYS_REFIT_BELOW


class Recommender:
    """Similar tracks, radio and paths over one library.

    Parameters
    ----------
    store : Store
    weights : mapping, optional
        Block weights of the hybrid vectors (default: setting ``recommend.weights``,
        else :data:`soundalike.engine.vectors.DEFAULT_WEIGHTS`).
    meta_for : callable, optional
        ``meta_for(track) -> TrackMeta`` to override the metadata used by filters
        (the quality evaluation uses it to apply a manifest's artists).
    persist_model : bool
        Store the fitted vector model in the settings (default True).
    """

    def __init__(self, store: Store, *, weights: dict | None = None,
                 meta_for: Callable[[Track], TrackMeta] | None = None,
                 persist_model: bool = True):
        self.store = store
        if weights is None:
            try:  # a hand-edited setting must not stop recommendations
                weights = vec.normalised_weights(store.setting(WEIGHTS))
            except (TypeError, ValueError, AttributeError):
                weights = None
        self.weights = vec.normalised_weights(weights)
        self._custom_meta = meta_for is not None
        self.meta_for = meta_for or track_meta
        self.persist_model = persist_model
        #: the index file shared with other processes (None: a private, nameless one)
        self.index_path = vector_index.index_path(store.path) if self._shared() else None
        self._state: vector_index.State | None = None
        #: why the index file was (re)built last ("" when it was opened as it was)
        self.rebuilt_because = ""
        #: the music folders unavailable now (checked at most every 2 s)
        self.away = RootCache(store)
        self.refresh()

    def _shared(self) -> bool:
        """Whether this recommender's vectors are the library's own (stored model, default
        metadata, the setting's weights), so the index file beside the database serves."""
        if not self.persist_model or self._custom_meta:
            return False
        try:
            stored = vec.normalised_weights(self.store.setting(WEIGHTS))
        except (TypeError, ValueError, AttributeError):
            stored = vec.normalised_weights(None)
        return stored == self.weights

    # -- index ----------------------------------------------------------------------------
    @property
    def index(self):
        """The similarity index (:class:`vector_index.LayeredIndex`), None when nothing
        is analysed."""
        return None if self._state is None else self._state.index

    @property
    def meta(self) -> MetaTable | None:
        return None if self._state is None else self._state.meta

    @property
    def model(self) -> vec.VectorModel | None:
        return None if self._state is None else self._state.model

    @property
    def explainer(self) -> Explainer | None:
        return None if self._state is None else self._state.explainer

    @property
    def uses_mtt(self) -> bool:
        """Whether the hybrid includes the MTT model's blocks (every indexed track has them)."""
        return self._state is not None and self._state.shapes.uses_mtt

    @property
    def has_context(self) -> np.ndarray | None:
        """Which index rows carry their album's context (``vectors.context_vectors``)."""
        return None if self._state is None else self._state.index.column("has_context")

    @property
    def mood_tags(self) -> dict[str, np.ndarray]:
        """Tags per vocabulary (float16), row ↔ index position (radio from words)."""
        return {} if self._state is None else self._state.mood_tags()

    @property
    def tempo(self) -> np.ndarray | None:
        return None if self._state is None else self._state.tempo()

    @property
    def energy(self) -> np.ndarray | None:
        return None if self._state is None else self._state.energy()

    def refresh(self, force: bool = False) -> bool:
        """Bring the index up to date with the database; True if anything changed.

        Changed tracks are overlaid on the index file in memory (cheap); a large change,
        a refit of the vector model or *force* rebuilds the file (streaming the analyses
        in chunks), see :mod:`soundalike.library.vector_index`."""
        if self._state is None or force or vector_index.replaced(self._state, self.index_path):
            self._open_or_build(force)
            changed = True
        else:
            try:
                changed = self._state.catch_up(self.store, lenient=self._lenient())
            except vector_index.NeedsRebuild as why:
                self._build(str(why))
                changed = True
        if self._state is not None and self._state.due and self._lenient():
            index_request.request(self.store.path)  # the file is rebuilt in the background
        if changed:
            self.away.invalidate()  # tracks were masked or revived: folders went or came back
        return changed

    def _open_or_build(self, force: bool = False) -> None:
        if self.index_path is not None and not force:
            try:
                state = self._open()
                state.catch_up(self.store, lenient=self._lenient())
                self._state, self.rebuilt_because = state, ""
                return
            except vector_index.IndexUnusable as why:
                reason = f"the index file was not usable: {why}"
            except vector_index.NeedsRebuild as why:
                reason = str(why)
        else:
            reason = "asked to" if force else "a private index"
        self._build(reason)

    def _lenient(self) -> bool:
        """Whether a due rebuild of the shared index file is left to a background upkeep."""
        return self.index_path is not None and not index_request.IN_UPKEEP

    def _open(self) -> vector_index.State:
        path = self.index_path
        file = vector_index.open_index(path, vector_index.expected_header(self.weights))
        try:
            model = vec.VectorModel.from_dict(self.store.setting(VECTOR_MODEL) or {})
        except ValueError:
            model = None
        if model is None or vector_index.model_fingerprint(model) != file.header.get("model"):
            raise vector_index.IndexUnusable("it was made with another vector model")
        shapes = vector_index.shapes_of(file.header)
        state = vector_index.State(vector_index.Built(file, model, shapes,
                                                      file.header["explain"]), self.meta_for)
        state.exclusion_store = self.store
        return state

    def _build(self, reason: str = "") -> None:
        target = self.index_path
        if target is not None and (self.store.read_only or not os.access(target.parent,
                                                                          os.W_OK)):
            target = None
        with index_request.exclusive(target):
            if target is not None and reason != "asked to" and self._reopened():
                return  # another process built it meanwhile
            self._build_now(target, reason)

    def _reopened(self) -> bool:
        """Whether the index file (another process's new one) serves as it is now."""
        try:
            state = self._open()
            state.catch_up(self.store)
        except (vector_index.IndexUnusable, vector_index.NeedsRebuild):
            return False
        self._state, self.rebuilt_because = state, ""
        return True

    def _build_now(self, target, reason: str) -> None:
        if target is not None:
            vector_index.remove_stale_temporaries(target)
        built = vector_index.build(self.store, target=target, weights=self.weights,
                                   model_source=self._vector_model, meta_for=self.meta_for)
        # (the previous file stays mapped while a radio handed out still reads it)
        if built is None:
            self._state = None
        else:
            self._state = vector_index.State(built, self.meta_for,
                                             follow=target is not None or self.persist_model)
            self._state.exclusion_store = self.store
        self.rebuilt_because = reason or "built"

    def _vector_model(self, n: int, shapes, sample) -> vec.VectorModel:
        """The stored model when it is fresh for *n* tracks of *shapes*, else one fitted
        on ``sample()`` (stored with the settings when this recommender persists it)."""
        from soundalike.engine import dsp
        from soundalike.engine.dsp import FEATURE_GROUPS

        stored = self.store.setting(VECTOR_MODEL) if self.persist_model else None
        model = None
        if stored:
            try:
                model = vec.VectorModel.from_dict(stored)
            except ValueError:
                model = None
        if vector_index.model_is_fresh(model, n, weights=self.weights,
                                       n_features=shapes.n_features, emb_cols=shapes.emb_cols,
                                       tag_cols=shapes.tag_cols, tag_parts=shapes.tag_parts,
                                       emb_parts=shapes.emb_parts):
            return model
        features, tags, emb = sample()
        model = vec.fit(features, tags, emb, feature_names=dsp.FEATURE_NAMES,
                        weights=self.weights, feature_groups=FEATURE_GROUPS,
                        tag_parts=shapes.tag_parts, emb_parts=shapes.emb_parts)
        model.fitted_on = n  # fitted on the sample fit() itself would have drawn from n
        if self.persist_model:
            self.store.save_setting(VECTOR_MODEL, {**model.to_dict(), "fitted_at": time.time()})
        return model

    @property
    def size(self) -> int:
        """Number of tracks that can be recommended."""
        return 0 if self._state is None else self._state.size

    def _positions(self, track_ids: Iterable[int]) -> list[int]:
        if self.index is None:
            raise RecommendError("no analysed tracks yet: run the analysis first")
        out = []
        for tid in track_ids:
            p = self.index.position(tid)
            if p is None:
                t = self.store.get_track(tid)
                if t is None:
                    raise RecommendError(f"no track with id {tid}")
                why = {TrackStatus.PENDING: "is not analysed yet",
                       TrackStatus.FAILED: "could not be analysed",
                       TrackStatus.MISSING: "is missing"}.get(t.status,
                                                              "is not analysed with this version")
                raise RecommendError(f"“{track_label(t)}” {why}")
            out.append(p)
        return out

    def _tracks(self, positions: Sequence[int]) -> list[Track] | None:
        """Tracks at *positions*, or None if one is no longer analysed (index stale)."""
        ids = [int(self.index.ids[p]) for p in positions]
        tracks = self.store.get_tracks(ids)
        if len(tracks) != len(ids) or any(t.status != TrackStatus.ANALYSED for t in tracks):
            return None
        return tracks

    # -- songs that can be played now ------------------------------------------------------
    def reachable(self, filters: Filters) -> Filters:
        """*filters* that also leave out the music folders unavailable now: songs on an
        unplugged drive that no scan or watcher has masked yet (masked ones — missing,
        their analyses kept — are not indexed at all) are never recommended or queued."""
        roots = self.away.roots()
        if not roots:
            return filters
        return replace_filters(filters, exclude_folders=(*filters.exclude_folders, *roots))

    def playable(self, track: Track) -> bool:
        """True if *track* is analysed and its music folder is there now."""
        return track.status == TrackStatus.ANALYSED and self.away.playable(track.path)

    # -- similar --------------------------------------------------------------------------
    def filters(self, **overrides) -> Filters:
        """Default filters of this library, with *overrides*."""
        return default_filters(self.store, **overrides)

    def similar(self, track_ids: int | Sequence[int], n: int = 10, *,
                method: str = DEFAULT_METHOD, filters: Filters | None = None,
                explain: bool = True) -> ResultList:
        """The *n* tracks most similar to one track (or to several together), best first.

        The variety caps are soft unless ``filters.strict_caps``: when they leave fewer
        than *n*, the best remaining tracks fill the rest (``result.topped_up``,
        ``result.note``).

        Raises
        ------
        RecommendError
            A query track is unknown, not analysed, missing or failed.
        ValueError
            Unknown method.
        """
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
        ids = [track_ids] if isinstance(track_ids, (int, np.integer)) else list(track_ids)
        f = self.reachable(filters or self.filters())
        for _attempt in range(2):
            query = self._positions(ids)
            hits, topped = self._search(self.index.vector(query, method), n, method, f,
                                        ResultFilter(self.meta, f, query=query))
            tracks = self._tracks([p for p, _ in hits])
            if tracks is not None:
                break
            self.refresh()  # a hit changed since the last look: follow the database
        else:
            tracks = [t for t in self.store.get_tracks(int(self.index.ids[p]) for p, _ in hits)
                      if t.status == TrackStatus.ANALYSED]
            kept = {t.id for t in tracks}
            flags = [(h, i >= len(hits) - topped) for i, h in enumerate(hits)
                     if int(self.index.ids[h[0]]) in kept]
            hits, topped = [h for h, _ in flags], sum(t for _, t in flags)
        out = []
        q_row = self._analysis(query[0]) if explain and hits else None
        rows = [self._analysis(p) for p, _ in hits] if explain else []
        # album words only for one-track hybrid queries
        albums = (self._album_flags(q_row, None, query[0], [p for p, _ in hits], rows)
                  if q_row is not None and method == Method.HYBRID and len(query) == 1
                  else [False] * len(rows))
        for i, ((_p, score), track) in enumerate(zip(hits, tracks, strict=False)):
            reasons = (self._reasons(q_row, rows[i]) + [ALBUM_REASON] * albums[i]
                       if explain else [])
            out.append(Result(track, score, reasons, joined(reasons) if explain else ""))
        return ResultList(out, topped)

    def _search(self, query: np.ndarray, n: int, method: str, f: Filters,
                rf: ResultFilter) -> tuple[list[tuple[int, float]], int]:
        """The *n* best hits *rf* accepts, diverse first; unless ``f.strict_caps``, a list
        the caps left short is topped up with the best remaining tracks (caps lifted,
        everything else still applied). Returns ``(hits, how many were topped up)``."""
        scores = self.index.scores(query, method)
        hits = self.index.search(query, n, method=method, accept=rf.accept, scores=scores)
        if len(hits) >= n or f.strict_caps or not f.capped:
            return hits, 0
        rf.lift_caps()
        more = self.index.search(query, n - len(hits), method=method, accept=rf.accept,
                                 scores=scores)
        return hits + more, len(more)

    def _reasons(self, a, b) -> list[str]:
        """The engine's reasons for query analysis *a* and result analysis *b*."""
        if a is None or b is None:
            return []
        return self.explainer.reasons(a.features, a.tags, b.features, b.tags,
                                      **self._mtt_pair(a.mtt_tags, b))

    def _plain_vectors(self, rows: Sequence) -> np.ndarray:
        """Analysis rows' hybrid vectors without album context (``VectorModel.transform``'s
        steps, the blocks of all rows at once)."""
        def arrays(r):
            if self.uses_mtt:
                return r.features, np.hstack([r.tags, r.mtt_tags]), np.hstack(
                    [r.embedding, r.mtt_embedding])
            return r.features, r.tags, r.embedding
        f, t, e = (np.array(a, np.float32) for a in zip(*map(arrays, rows), strict=True))
        raw = self.model.raw_blocks(f, t, e)
        # projected row by row (as transform does for one row): a matrix product of a
        # dozen rows wakes BLAS's threads, which cost 8 ms per list instead of 0.5 on a
        # busy 2-core machine
        x = np.stack([r @ self.model.projection for r in raw])
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-6)

    def _album_flags(self, a, xa: np.ndarray | None, pa: int | None,
                     positions: Sequence[int], rows: Sequence) -> list[bool]:
        """For each result (index row, analysis row): did album context bring it in? True
        when the query's album (or the query itself, without one) is closer to the result's
        album than the two tracks are to each other. The query is analysis row *a* at index
        row *pa*, or a plain vector *xa* (a file outside the library)."""
        flags = [False] * len(positions)
        if self.has_context is None:
            return flags
        need = [i for i, p in enumerate(positions)
                if self.has_context[p] and rows[i] is not None]
        if not need or (a is None and xa is None):
            return flags
        plain = self._plain_vectors(([a] if xa is None else []) + [rows[i] for i in need])
        if xa is None:
            xa, plain = plain[0], plain[1:]
        ca = (vec.context_of(self.index.row("hybrid", pa), xa)
              if pa is not None and self.has_context[pa] else xa)
        for xb, i in zip(plain, need, strict=True):
            cb = vec.context_of(self.index.row("hybrid", positions[i]), xb)
            flags[i] = float(ca @ cb) > float(xa @ xb)
        return flags

    def _mtt_pair(self, mtt_tags, b) -> dict:
        """The explainer's MTT arguments for query tags *mtt_tags* against stored analysis
        *b* (the MTT words only when the index uses MTT, so every pair is explained alike)."""
        use = self.uses_mtt and mtt_tags is not None and b.mtt_tags is not None
        return {"mtt_a": mtt_tags if use else None, "mtt_b": b.mtt_tags if use else None}

    def _analysis(self, pos: int):
        return self.store.get_analysis(int(self.index.ids[pos]))

    def explain(self, a: int, b: int) -> str:
        """Why track *b* sounds like track *a*, in a few words."""
        pa, pb = self._positions([a, b])
        ra, rb = self._analysis(pa), self._analysis(pb)
        album = self._album_flags(ra, None, pa, [pb], [rb])[0] if ra is not None else False
        return joined(self._reasons(ra, rb) + [ALBUM_REASON] * album)

    # -- radio (library.recommend.radio) -------------------------------------------------
    def radio(self, seed_ids: Sequence[int], **options) -> RadioSession:
        """See :func:`radio.radio` (an endless radio from seed tracks)."""
        return radio.radio(self, seed_ids, **options)
