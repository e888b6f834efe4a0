"""Radios: endless playlists from seed tracks or mood words, steered by feedback.

The library side of :class:`soundalike.engine.radio.Radio`::

    session = radio.radio(rec, [track_id]); session.next(5)   # endless, list[Track]
    radio.mood_radio(rec, "calm, piano")                       # seeds from mood words
    radio.radio_from_dict(rec, session.to_dict())              # a saved session restored

*rec* is a :class:`~soundalike.library.recommend.recommender.Recommender` (which offers
the same as methods: ``rec.radio(…)``). The no-repeat and character options come from
the library's ``radio.*`` settings (:mod:`library.recommend.discovery`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from soundalike.engine import moods
from soundalike.engine.filters import Filters, ResultFilter
from soundalike.engine.radio import Radio as EngineRadio
from soundalike.engine.similarity import ranked_accept
from soundalike.library.model.states import DEFAULT_METHOD
from soundalike.library.model.track import Track
from soundalike.library.recommend import discovery
from soundalike.library.recommend.results import RecommendError


def radio(rec, seed_ids: Sequence[int], *, drift: float = 0.3, window: int = 50,
          artist_spacing: int | None = None, randomness: float = 0.5,
          method: str = DEFAULT_METHOD, filters: Filters | None = None,
          rng: int | np.random.Generator | None = None,
          album_spacing: int | None = None, no_repeat: bool | None = None,
          keep_character: bool | None = None,
          recent_hours: float | None = None) -> RadioSession:
    """An endless radio from one or more seed tracks (see :class:`engine.radio.Radio`).

    The no-repeat and character options (None: the library's ``radio.*`` settings,
    :mod:`library.recommend.discovery`): *album_spacing*, *no_repeat* (no song twice in the
    session), *keep_character* (the seeds' vocal/instrumental character),
    *recent_hours* (songs played in the last hours are drawn later; 0: off)."""
    if not seed_ids:
        raise RecommendError("a radio needs at least one seed track")
    seeds = rec._positions(seed_ids)
    engine = EngineRadio(rec.index, rec.meta, seeds, drift=drift, window=window,
                         randomness=randomness,
                         filters=rec.reachable(filters or rec.filters()),
                         method=method, rng=rng,
                         **_discovery_options(rec, artist_spacing, album_spacing,
                                              no_repeat, keep_character, recent_hours))
    return RadioSession(rec, engine)


def _discovery_options(rec, artist_spacing=None, album_spacing=None, no_repeat=None,
                       keep_character=None, recent_hours=None) -> dict:
    o = discovery.radio_options(rec.store)
    given = {"artist_spacing": artist_spacing, "album_spacing": album_spacing,
             "no_repeat": no_repeat, "keep_character": keep_character,
             "recent_hours": recent_hours}
    o.update({k: v for k, v in given.items() if v is not None})
    hours = o.pop("recent_hours")
    return {**o, "character": discovery.characters(rec),
            "penalty": discovery.recent_penalty(rec, hours)}


def mood_seeds(rec, words: str | Sequence[str], *,
               tempo: tuple[float, float] | None = None, energy: float | None = None,
               k: int = 5) -> list[int]:
    """The *k* analysed tracks that best fit mood *words* ("calm, piano"), a tempo
    range (BPM) and an energy (0 … 1), by different artists where possible.

    Raises
    ------
    RecommendError
        Unknown words (the message lists the known ones), or nothing analysed.
    """
    if rec.index is None:
        raise RecommendError("no analysed tracks yet: run the analysis first")
    try:
        refs = moods.lookup(words)
    except moods.UnknownWordsError as exc:
        raise RecommendError(str(exc)) from None
    scores = moods.mood_scores(rec.mood_tags, refs, tempo=rec.tempo, tempo_range=tempo,
                               energy_of=rec.energy, energy_target=energy)
    rf = ResultFilter(rec.meta, Filters(max_per_artist=1, max_per_album=1))
    hits = [p for p, _ in ranked_accept(scores, k, rf.accept)]
    if len(hits) < k:
        dead = rec.meta.dead
        live = None if dead is None else (lambda p: p >= len(dead) or not dead[p])
        hits += [p for p, _ in ranked_accept(scores, k + len(hits), live)
                 if p not in hits][:k - len(hits)]
    return [int(rec.index.ids[p]) for p in hits]


def mood_radio(rec, words: str | Sequence[str], *,
               tempo: tuple[float, float] | None = None, energy: float | None = None,
               **options) -> RadioSession:
    """A radio that starts from mood words (see :func:`mood_seeds`); its first tracks
    are drawn near the best-fitting tracks (which are not played themselves)."""
    session = radio(rec, mood_seeds(rec, words, tempo=tempo, energy=energy), **options)
    session.words = ", ".join(moods.parse_words(words) if isinstance(words, str)
                              else words)
    return session


def radio_from_dict(rec, state: dict, *, filters: Filters | None = None) -> RadioSession:
    """A radio restored from :meth:`RadioSession.to_dict` (a saved session).

    Raises
    ------
    RecommendError
        The state is unreadable or none of its seeds is analysed any more.
    """
    if rec.index is None:
        raise RecommendError("no analysed tracks yet: run the analysis first")
    try:
        engine = EngineRadio.from_dict(state.get("engine", {}), rec.index, rec.meta,
                                       filters=rec.reachable(filters or rec.filters()),
                                       character=discovery.characters(rec))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RecommendError(f"cannot restore the radio ({exc})") from None
    session = RadioSession(rec, engine)
    session.words = str(state.get("words") or "")
    return session


class RadioSession:
    """An endless radio over a :class:`Recommender`: ``next(k) -> list[Track]``.

    Feedback by track id — :meth:`played`, :meth:`skipped`, :meth:`more_like`,
    :meth:`less_like` — steers the draws that follow (:class:`engine.radio.Radio`);
    :meth:`reason` says in words why a track came after feedback. :meth:`to_dict` is
    the whole state as JSON values (:func:`radio_from_dict` restores it).
    Feedback lives in this object only: nothing is written anywhere.
    """

    def __init__(self, recommender, engine: EngineRadio):
        self.recommender = recommender
        self.engine = engine
        self.words = ""   # the mood words it started from, if any

    def next(self, k: int = 1) -> list[Track]:
        """The next *k* tracks; tracks that went missing since the index was built are
        skipped (and more drawn in their place)."""
        out: list[Track] = []
        for _ in range(3):
            want = k - len(out)
            if want <= 0:
                break
            ids = [int(self.engine.index.ids[p]) for p in self.engine.next(want)]
            by_id = {t.id: t for t in self.recommender.store.get_tracks(set(ids))}
            out += [by_id[i] for i in ids if i in by_id and self.recommender.playable(by_id[i])]
        return out

    def next_with_reasons(self, k: int = 1) -> list[tuple[Track, str]]:
        """The next *k* tracks, each with :meth:`reason` ("" without feedback)."""
        tracks = self.next(k)
        note = self._feedback_note() if tracks else None  # read once for the k tracks
        return [(t, self._reason(t.id, note)) for t in tracks]

    @property
    def history(self) -> list[int]:
        """Track ids played so far."""
        return [int(self.engine.index.ids[p]) for p in self.engine.history]

    @property
    def seeds(self) -> list[int]:
        return [int(self.engine.index.ids[p]) for p in self.engine.seeds]

    # -- feedback -------------------------------------------------------------------------
    def _position(self, track_id: int) -> int | None:
        return self.engine.index.position(int(track_id))

    def played(self, track_id: int, seconds: float) -> bool:
        """The track was heard for *seconds* (to its end, or until the listener moved
        on). False when the track is not in the index (nothing changes)."""
        p = self._position(track_id)
        return p is not None and self.engine.played(p, float(seconds)) is not None

    def skipped(self, track_id: int, at_seconds: float) -> bool:
        """The listener skipped the track after *at_seconds*."""
        p = self._position(track_id)
        return p is not None and self.engine.skipped(p, float(at_seconds)) is not None

    def more_like(self, track_id: int) -> bool:
        p = self._position(track_id)
        return p is not None and self.engine.more_like(p) is not None

    def less_like(self, track_id: int) -> bool:
        p = self._position(track_id)
        return p is not None and self.engine.less_like(p) is not None

    def reason(self, track_id: int) -> str:
        """Why *track_id* was chosen after the feedback still in effect, in words:
        ``"after you skipped 2 fast tracks: slower, acoustic"``; "" without feedback."""
        return self._reason(int(track_id), self._feedback_note())

    def _feedback_note(self) -> tuple | None:
        """What the feedback in effect says, the same for every track drawn next:
        ``("negative", head, features, tags)`` of up to 5 tracks pushed away, or
        ``("positive", liked track)``; None when it explains nothing."""
        rec = self.recommender
        active = self.engine.active_events()
        if not active or rec.explainer is None:
            return None
        ids = self.engine.index.ids
        negative = [e for e, w in active if w < 0][:5]
        positive = [e for e, w in active if w > 0 and e.kind == "more_like"][:1]
        if negative:
            rows = [a for e in negative if (a := rec.store.get_analysis(int(ids[e.position])))]
            if not rows:
                return None
            feats = np.array([a.features for a in rows])
            tags = np.array([a.tags for a in rows])
            what = rec.explainer.describe(feats, tags)
            skips = sum(e.kind in ("skipped", "late_skip") for e in negative)
            less = len(negative) - skips
            noun = f"{' '.join(what)} track" if what else "track"
            parts = []
            if skips:
                parts.append(f"skipped {skips} {noun}{'s' if skips > 1 else ''}")
            if less:
                parts.append(f"marked {less} {'' if skips else noun + ' '}“less like this”")
            return "negative", "after you " + " and ".join(parts), feats, tags
        if positive:
            liked = rec.store.get_track(int(ids[positive[0].position]))
            return None if liked is None else ("positive", liked)
        return None

    def _reason(self, track_id: int, note: tuple | None) -> str:
        if note is None:
            return ""
        rec = self.recommender
        chosen = rec.store.get_analysis(track_id)
        if chosen is None:
            return ""
        if note[0] == "negative":
            _, head, feats, tags = note
            how = rec.explainer.contrast(feats, tags, chosen.features, chosen.tags)
            return f"{head}: {', '.join(how)}" if how else head
        liked = note[1]
        if liked.id == track_id:
            return ""
        return f"more like “{liked.display_title}”: {rec.explain(liked.id, track_id)}"

    # -- state ----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The radio's state (seeds, history, feedback, random state) as JSON values."""
        return {"engine": self.engine.to_dict(), "words": self.words}
