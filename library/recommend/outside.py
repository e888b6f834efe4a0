"""Recommendations for a song that is not in the library (a file, or its analysis).

A file in the library is looked up; any other file is analysed in a worker process
(:func:`soundalike.library.analysis.worker.analyse_apart`) and placed in the library's
vector space::

    outside.similar_to_file(rec, "/tmp/demo.mp3", n=10)       # ResultList
    outside.similar_to_analysis(rec, features, tags, embedding, mtt_tags=…, mtt_embedding=…)

*rec* is a :class:`~soundalike.library.recommend.recommender.Recommender`.
"""

from __future__ import annotations

import numpy as np

from soundalike.engine.explain import ALBUM_REASON, joined
from soundalike.engine.filters import Filters, ResultFilter
from soundalike.library.model.states import DEFAULT_METHOD, Method, TrackStatus
from soundalike.library.recommend.results import RecommendError, Result, ResultList


def similar_to_analysis(rec, features: np.ndarray, tags: np.ndarray,
                        embedding: np.ndarray, n: int = 10, *,
                        method: str = DEFAULT_METHOD, filters: Filters | None = None,
                        explain: bool = True, fingerprint: str | None = None,
                        mtt_tags: np.ndarray | None = None,
                        mtt_embedding: np.ndarray | None = None) -> ResultList:
    """The *n* library tracks most like a song that is not in the library.

    *features*, *tags*, *embedding*, *mtt_tags* and *mtt_embedding* are what
    :func:`engine.analyze.analyze_file` gives for that song; they are placed in this
    library's vector space. Library copies of the same file (same content
    *fingerprint*) are left out.

    Raises
    ------
    RecommendError
        Nothing is analysed yet.
    ValueError
        The library's vectors use the MTT model and *mtt_tags* / *mtt_embedding*
        are missing.
    """
    if method not in tuple(Method):
        raise ValueError(f"unknown method {method!r} (choose from {', '.join(Method)})")
    if rec.index is None or rec.model is None:
        raise RecommendError("no analysed tracks yet: run the analysis first")
    from soundalike.engine import cnn

    row = np.asarray(tags, np.float32)[None, :]
    if method == Method.HYBRID:
        all_tags, all_emb = row, np.asarray(embedding, np.float32)[None, :]
        if rec.uses_mtt:
            if mtt_tags is None or mtt_embedding is None:
                raise ValueError("this library's vectors need the MTT tags and embedding")
            all_tags = np.hstack([all_tags, np.asarray(mtt_tags, np.float32)[None, :]])
            all_emb = np.hstack([all_emb, np.asarray(mtt_embedding, np.float32)[None, :]])
        query = rec.model.transform(np.asarray(features, np.float32)[None, :], all_tags,
                                     all_emb)[0]
    else:
        query = cnn.genre_vector(row)[0]
    copies = ({c.id for c in rec.store.tracks_by_fingerprint(fingerprint)}
              if fingerprint else set())
    exclude = np.flatnonzero(np.isin(rec.index.ids, list(copies))).tolist() if copies \
        else []
    f = rec.reachable(filters or rec.filters())
    hits, topped = rec._search(query, n, method, f,
                                ResultFilter(rec.meta, f, exclude=exclude))
    topped_from = len(hits) - topped
    tracks = {t.id: t for t in rec.store.get_tracks(int(rec.index.ids[p]) for p, _ in hits)
              if t.status == TrackStatus.ANALYSED}
    out, topped = [], 0
    rows = [rec._analysis(p) for p, _ in hits] if explain else [None] * len(hits)
    albums = (rec._album_flags(None, query, None, [p for p, _ in hits], rows)
              if explain and method == Method.HYBRID else [False] * len(hits))
    for i, (p, score) in enumerate(hits):
        track = tracks.get(int(rec.index.ids[p]))
        if track is None:
            continue
        topped += i >= topped_from
        b = rows[i]
        reasons = (rec.explainer.reasons(features, tags, b.features, b.tags,
                                          **rec._mtt_pair(mtt_tags, b))
                   + [ALBUM_REASON] * albums[i] if b is not None else [])
        out.append(Result(track, score, reasons, joined(reasons) if explain else ""))
    return ResultList(out, topped)


def similar_to_file(rec, path: str, n: int = 10, *, method: str = DEFAULT_METHOD,
                    filters: Filters | None = None, explain: bool = True) -> ResultList:
    """The *n* library tracks most like the audio file at *path*.

    A file in the library is looked up; any other file is analysed on the spot (a
    second or two, in a worker process like the analysis pool's) and placed in this
    library's vector space, its library copies left out.

    Raises
    ------
    SoundalikeError
        The file cannot be analysed (``AudioError`` says why in plain words).
    RecommendError
        Nothing is analysed yet.
    """
    from soundalike.library.analysis.worker import analyse_apart
    from soundalike.library.files.fingerprint import fingerprint_path

    track = rec.store.track_by_path(path)
    if track is not None and track.status == TrackStatus.ANALYSED:
        return rec.similar(track.id, n, method=method, filters=filters, explain=explain)
    if rec.index is None or rec.model is None:
        raise RecommendError("no analysed tracks yet: run the analysis first")
    # in a worker process with the pool's single-threaded settings (analysis_worker)
    result = analyse_apart(path)
    try:
        fingerprint = fingerprint_path(path)
    except OSError:
        fingerprint = None
    return similar_to_analysis(rec, result.features, result.tags, result.embedding, n,
                                    method=method, filters=filters, explain=explain,
                                    fingerprint=fingerprint, mtt_tags=result.mtt_tags,
                                    mtt_embedding=result.mtt_embedding)

