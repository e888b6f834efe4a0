"""Endless radio from seeds, and song paths from A to B.

Radio: each next track is drawn at random among the best few matches of a *target*
that blends the seeds with the track just played:

    target = (1 − drift) · seeds + drift · last track

so ``drift=0`` stays close to the seeds and ``drift=1`` wanders from song to song
(once the listener gives feedback, the last track *heard through* or marked "more like
this"; a track skipped or marked "less like this" is never followed). Draws with the
same target reuse its scores, so a refill of several tracks costs one pass over the
library (plus one per feedback event).

Feedback (issue 15). The radio listens to four events and nothing else — no labels,
no genres, no profile: :meth:`Radio.played` ``(track, seconds)``, :meth:`Radio.skipped`
``(track, at_seconds)``, :meth:`Radio.more_like` and :meth:`Radio.less_like`. Each
event *e* on a track with similarity ``s_e(i)`` to track *i* gets a weight ``w_e``
(:data:`FEEDBACK_WEIGHTS`: a full play pulls a little, "more like this" more; an early
skip pushes away, "less like this" harder; a late skip or a partial play counts
little or nothing) and moves every draw's score::

    score(i) = sim(i, target) + Σ_e w_e · ½^(age_e / half_life) · k_e(i)
    k_e(i) = max(a_e(i), (max(0, s_e(i) − s̄_e) / (1 − s̄_e))^sharpness)

(s̄_e: the library's mean similarity to e; a_e(i) = :data:`ARTIST_WEIGHT` when *i* is by
e's artist, else 0), i.e. the target moves toward (or away from) each rated track, but
only inside its neighbourhood (tracks less like it than the library's average are not
touched), and a little toward (away from) the same artist's other songs. The
age counts the tracks heard since (plays and skips), so the effect fades over the
session (:data:`HALF_LIFE` tracks). :meth:`Radio.to_dict` / :meth:`Radio.from_dict`
give the state (seeds, history, feedback, random state) as plain JSON values, by
track id, so a saved session can be restored over a rebuilt index.
No repeats (issue 24). Within a session (``no_repeat``, the default) a track drawn
before, a seed, or another copy of one of them (same artist and title, or the same
file content) is never drawn again; an artist heard in the last ``artist_spacing``
tracks and an album heard in the last ``album_spacing`` are not drawn either (LMS's
windows). Across sessions, the library passes a *penalty* per track (the songs
played in the last hours): it is subtracted from every score, so those songs come
later, not never. Candidates excluded by the filters are never drawn.

Character (issue 24). With a per-track *character* (``engine.character``: vocal,
instrumental or unsure) and ``keep_character``, only tracks of the seeds' character
(or unsure ones) are drawn.

When the library is too small to honour every rule, the album spacing is relaxed
first, then the artist spacing, then the character; only then may a song come back,
outside a ``window`` of the last tracks (the spacing and character applying again),
and that window shrinks — the radio never stops. (A song never heard this session
comes before keeping an artist apart.)

Path: ``A → B`` in *steps* tracks; the *i*-th intermediate track is the best unused
match of the point ``i/(steps−1)`` of the way from A to B, with a bonus for closeness
to the previous track so that consecutive songs flow.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from soundalike.engine import character as ch
from soundalike.engine.filters import Filters, MetaTable, ResultFilter
from soundalike.engine.similarity import DEFAULT_METHOD, SimilarityIndex, ranked_accept

DEFAULT_WINDOW = 50
DEFAULT_ARTIST_SPACING = 3
DEFAULT_ALBUM_SPACING = 5
DEFAULT_DRIFT = 0.3
DEFAULT_POOL = 10

#: an early skip: before this many seconds, or before :data:`EARLY_SKIP_SHARE` of the track
EARLY_SKIP_SECONDS = 30.0
EARLY_SKIP_SHARE = 0.25
#: a full play: at least this share of the track (or its end)
FULL_PLAY_SHARE = 0.8
#: weight of each kind of event (positive pulls toward the track's neighbourhood)
#: (tuned on the development corpus with benchmarks/radio_feedback.py; RESULTS.md)
FEEDBACK_WEIGHTS = {
    "played": 2.0,        # a full play
    "partial": 0.0,       # played part of it, then moved on without skipping
    "skipped": -1.0,      # an early skip
    "late_skip": -0.2,    # skipped after the first seconds
    "more_like": 3.0,
    "less_like": -3.0,
}
#: tracks heard after which an event counts half
HALF_LIFE = 30.0
#: > 1 narrows each rated track's neighbourhood (the kernel's exponent)
SHARPNESS = 3.0
#: how much of an event applies to every other song by the same artist
ARTIST_WEIGHT = 0.5
#: events weaker than this (after fading) are forgotten
FORGET_BELOW = 0.02
STATE_VERSION = 1


def _target(index: SimilarityIndex, vectors: Sequence[np.ndarray], weights: Sequence[float],
            method: str) -> np.ndarray:
    v = sum(w * x for w, x in zip(weights, vectors, strict=False))
    if method == "hybrid":
        n = float(np.linalg.norm(v))
        if n > 1e-9:
            v = v / n
    return np.asarray(v, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    """One thing the listener did: *kind* (a key of :data:`FEEDBACK_WEIGHTS`) on the
    track at index *position*, when :attr:`Radio.clock` was *clock*."""

    position: int
    kind: str
    weight: float
    clock: int


def _kernel(scores: np.ndarray, sharpness: float = 1.0) -> np.ndarray:
    """The neighbourhood of a track from its similarities to every track: 1 for the
    track itself, 0 at and below the library's mean similarity to it; *sharpness* > 1
    narrows it."""
    mean = float(scores.mean()) if len(scores) else 0.0
    span = max(1e-6, 1.0 - mean)
    k = np.maximum(0.0, (scores - mean) / span)
    return (k if sharpness == 1.0 else k ** sharpness).astype(np.float32)


class Radio:
    """An endless stream of index positions that listens to feedback.

    Parameters
    ----------
    index : SimilarityIndex
    meta : MetaTable
    seeds : sequence of int
        Index positions of the seed tracks (at least one).
    drift : float
        0 = stay close to the seeds … 1 = follow the last track.
    window : int
        When the session has used up the library (or ``no_repeat`` is off): no position
        (or duplicate of one) repeats within this many tracks; seeds count as played.
    artist_spacing : int
        No artist plays again within this many tracks.
    album_spacing : int
        No album plays again within this many tracks.
    no_repeat : bool
        No track (or copy of one) plays twice in the session while others are left.
    character : np.ndarray, optional
        Per position: ``engine.character`` VOCAL, INSTRUMENTAL or UNSURE.
    keep_character : bool
        Draw only tracks of the seeds' character (needs *character*).
    penalty : np.ndarray, optional
        Per position, subtracted from every score (songs played recently).
    pool : int
        Number of best candidates the next track is drawn from.
    randomness : float
        0 always plays the best candidate; larger values spread the draw over the pool.
    filters : Filters, optional
        Exclusions (genre, folder, keyword) applied to every draw; the caps are not
        used (spacing and the window replace them).
    method : {"hybrid", "seed"}
    rng : np.random.Generator or int, optional
    half_life : float
        Tracks heard after which a feedback event counts half.
    feedback_weights : mapping, optional
        Overrides of :data:`FEEDBACK_WEIGHTS`.
    """

    def __init__(self, index: SimilarityIndex, meta: MetaTable, seeds: Sequence[int], *,
                 drift: float = DEFAULT_DRIFT, window: int = DEFAULT_WINDOW,
                 artist_spacing: int = DEFAULT_ARTIST_SPACING, pool: int = DEFAULT_POOL,
                 randomness: float = 0.5, filters: Filters | None = None,
                 method: str = DEFAULT_METHOD,
                 rng: np.random.Generator | int | None = None,
                 half_life: float = HALF_LIFE,
                 feedback_weights: Mapping[str, float] | None = None,
                 sharpness: float = SHARPNESS, artist_weight: float = ARTIST_WEIGHT,
                 album_spacing: int = DEFAULT_ALBUM_SPACING, no_repeat: bool = True,
                 character: np.ndarray | None = None, keep_character: bool = True,
                 penalty: np.ndarray | None = None):
        if not seeds:
            raise ValueError("a radio needs at least one seed track")
        if not 0.0 <= drift <= 1.0:
            raise ValueError("drift must be between 0 and 1")
        self.index, self.meta, self.method = index, meta, method
        self.seeds = [int(s) for s in seeds]
        self.drift = float(drift)
        self.window = max(0, int(window))
        self.artist_spacing = max(0, int(artist_spacing))
        self.album_spacing = max(0, int(album_spacing))
        self.no_repeat = bool(no_repeat)
        self.keep_character = bool(keep_character)
        self.character = None if character is None else np.asarray(character, np.int8)
        if self.character is not None and len(self.character) != len(index):
            raise ValueError("one character per indexed track is needed")
        self.penalty = None if penalty is None else np.asarray(penalty, np.float32)
        if self.penalty is not None and len(self.penalty) != len(index):
            raise ValueError("one penalty per indexed track is needed")
        self.pool = max(1, int(pool))
        self.randomness = max(0.0, float(randomness))
        base = filters or Filters()
        self.filters = Filters(max_per_artist=None, max_per_album=None, dedupe=True,
                               duplicate_seconds=base.duplicate_seconds,
                               exclude_genres=base.exclude_genres,
                               exclude_folders=base.exclude_folders,
                               exclude_keywords=base.exclude_keywords)
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self._anchor = index.vector(self.seeds, method)
        self.recent: deque[int] = deque(self.seeds[-self.window:] if self.window else [],
                                        maxlen=self.window or None)
        self.history: list[int] = []
        self.half_life = max(1e-3, float(half_life))
        self.sharpness = max(0.1, float(sharpness))
        self.artist_weight = float(artist_weight)
        self.weights = {**FEEDBACK_WEIGHTS, **(feedback_weights or {})}
        #: tracks heard so far (plays and skips): the age of feedback is counted in it
        self.clock = 0
        self.events: list[FeedbackEvent] = []
        self._feedback: np.ndarray | None = None   # Σ w · fade · kernel, at self.clock
        self._disliked: set[int] = set()
        self._liked: int | None = None   # the last track heard through or "more like"d
        self._target_scores: tuple[int | None, np.ndarray] | None = None

    # -- feedback ---------------------------------------------------------------------
    def played(self, track: int, seconds: float) -> FeedbackEvent | None:
        """The listener heard *seconds* of the track at index *track* and moved on (or it
        ended). A full play (≥ :data:`FULL_PLAY_SHARE` of it) pulls toward it."""
        duration = self._duration(track)
        full = duration is None or seconds >= FULL_PLAY_SHARE * duration - 1.0
        return self._event(track, "played" if full else "partial", tick=True)

    def skipped(self, track: int, at_seconds: float) -> FeedbackEvent | None:
        """The listener skipped the track at index *track* after *at_seconds*: an early
        skip pushes the radio away from its neighbourhood."""
        duration = self._duration(track)
        limit = EARLY_SKIP_SECONDS if duration is None else min(
            EARLY_SKIP_SECONDS, max(5.0, EARLY_SKIP_SHARE * duration))
        return self._event(track, "skipped" if at_seconds < limit else "late_skip", tick=True)

    def more_like(self, track: int) -> FeedbackEvent | None:
        """"More like this" on the track at index *track*."""
        return self._event(track, "more_like", tick=False)

    def less_like(self, track: int) -> FeedbackEvent | None:
        """"Less like this" on the track at index *track* (pushes harder than a skip)."""
        return self._event(track, "less_like", tick=False)

    def _duration(self, track: int) -> float | None:
        d = float(self.meta.duration[int(track)]) if len(self.meta) else float("nan")
        return d if np.isfinite(d) and d > 0 else None

    def _fade(self, age: float) -> float:
        return float(0.5 ** (age / self.half_life))

    def _event(self, track: int, kind: str, *, tick: bool) -> FeedbackEvent | None:
        p = int(track)
        if not 0 <= p < len(self.index):
            raise ValueError(f"no track at index position {p}")
        if tick:
            self._advance()
        w = float(self.weights.get(kind, 0.0))
        if w < 0:
            self._disliked.add(p)
            if self._liked == p:
                self._liked = None
        elif w > 0:
            self._disliked.discard(p)
            self._liked = p
        if w == 0.0:
            return None
        event = FeedbackEvent(p, kind, w, self.clock)
        self.events.append(event)
        self._add(event, 1.0)
        return event

    def _advance(self) -> None:
        self.clock += 1
        if self._feedback is not None:
            self._feedback *= self._fade(1.0)
        self.events = [e for e in self.events
                       if abs(e.weight) * self._fade(self.clock - e.clock) >= FORGET_BELOW]
        if not self.events:
            self._feedback = None

    def _add(self, event: FeedbackEvent, fade: float) -> None:
        k = _kernel(self.index.scores(self.index.vector(event.position, self.method),
                                      self.method), self.sharpness)
        if self.artist_weight:
            a = int(self.meta.artist[event.position]) if len(self.meta) else -1
            if a >= 0:  # a skip is partly about the artist: the same artist's other songs
                k = np.maximum(k, np.float32(self.artist_weight) * (self.meta.artist == a))
        if self._feedback is None:
            self._feedback = np.zeros(len(self.index), np.float32)
        self._feedback += np.float32(event.weight * fade) * k

    def active_events(self, min_strength: float = 0.25) -> list[tuple[FeedbackEvent, float]]:
        """Events still counting at least *min_strength* (of a weight-1 event), newest
        first, with their faded weight."""
        out = []
        for e in reversed(self.events):
            w = e.weight * self._fade(self.clock - e.clock)
            if abs(w) >= min_strength:
                out.append((e, w))
        return out

    @property
    def has_feedback(self) -> bool:
        return self._feedback is not None

    # -- state ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The radio's state as plain JSON values (track ids, not index positions)."""
        ids = self.index.ids

        def tid(p: int) -> int:
            return int(ids[p])

        return {
            "version": STATE_VERSION, "method": self.method,
            "seeds": [tid(p) for p in self.seeds], "history": [tid(p) for p in self.history],
            "recent": [tid(p) for p in self.recent], "clock": self.clock,
            "events": [{"track_id": tid(e.position), "kind": e.kind, "weight": e.weight,
                        "clock": e.clock} for e in self.events],
            "disliked": sorted(tid(p) for p in self._disliked),
            "liked": None if self._liked is None else tid(self._liked),
            "options": {"drift": self.drift, "window": self.window,
                        "artist_spacing": self.artist_spacing, "pool": self.pool,
                        "album_spacing": self.album_spacing, "no_repeat": self.no_repeat,
                        "keep_character": self.keep_character,
                        "randomness": self.randomness, "half_life": self.half_life,
                        "sharpness": self.sharpness, "artist_weight": self.artist_weight,
                        "feedback_weights": dict(self.weights)},
            "rng": self.rng.bit_generator.state,
        }

    @classmethod
    def from_dict(cls, state: Mapping, index: SimilarityIndex, meta: MetaTable, *,
                  filters: Filters | None = None, character: np.ndarray | None = None,
                  penalty: np.ndarray | None = None) -> Radio:
        """A radio restored from :meth:`to_dict` over *index* (tracks no longer in it
        are dropped); *character* and *penalty* as in the constructor (they are the
        library's, not the radio's). Raises ``ValueError`` when no seed track is left."""
        if int(state.get("version", 0)) != STATE_VERSION:
            raise ValueError("radio state from another version")

        def positions(ids) -> list[int]:
            return [p for t in ids if (p := index.position(int(t))) is not None]

        seeds = positions(state.get("seeds", ()))
        if not seeds:
            raise ValueError("none of the radio's seed tracks is in the library any more")
        opts = dict(state.get("options", {}))
        radio = cls(index, meta, seeds, filters=filters,
                    method=state.get("method", DEFAULT_METHOD), character=character,
                    penalty=penalty, **opts)
        radio.history = positions(state.get("history", ()))
        radio.recent.clear()
        radio.recent.extend(positions(state.get("recent", ())))
        radio.clock = int(state.get("clock", 0))
        radio._disliked = set(positions(state.get("disliked", ())))
        if state.get("liked") is not None:
            radio._liked = index.position(int(state["liked"]))
        for e in state.get("events", ()):
            p = index.position(int(e["track_id"]))
            if p is None:
                continue
            event = FeedbackEvent(p, str(e["kind"]), float(e["weight"]), int(e["clock"]))
            radio.events.append(event)
            radio._add(event, radio._fade(radio.clock - event.clock))
        if state.get("rng"):
            # another bit generator's state: a fresh random state will do
            with contextlib.suppress(TypeError, ValueError, KeyError):
                radio.rng.bit_generator.state = state["rng"]
        return radio

    def __iter__(self) -> Iterator[int]:
        while True:
            yield self.next(1)[0]

    def next(self, k: int = 1) -> list[int]:
        """Draw the next *k* positions (always *k*, for any non-empty index)."""
        return [self._next_one() for _ in range(max(0, int(k)))]

    def _recent(self, codes: np.ndarray, spacing: int) -> set[int]:
        if spacing <= 0:
            return set()
        played = (self.history[-spacing:] if self.history else self.seeds[-spacing:])
        return {int(codes[p]) for p in played if codes[p] >= 0}

    @property
    def seed_character(self) -> int:
        """The character the radio keeps (``engine.character``), UNSURE for none."""
        if self.character is None or not self.keep_character:
            return ch.UNSURE
        return ch.seed_character(self.character, self.seeds)

    def _session_blocked(self) -> tuple[set[int], set[int], set[int]]:
        """Positions, songs and file contents heard this session (seeds included)."""
        heard = set(self.seeds) | set(self.history)
        songs = {int(self.meta.song[p]) for p in heard if self.meta.song[p] >= 0}
        prints = {int(self.meta.fingerprint[p]) for p in heard if self.meta.fingerprint[p] >= 0}
        return heard, songs, prints

    def _next_one(self) -> int:
        last = self.history[-1] if self.history else None
        # drift follows the last track liked: once the listener gives feedback, the last
        # one heard through (or "more like this"), else the last drawn; never a rejected one
        if self._liked is not None:
            followed = self._liked
        elif self.clock or self.events:
            followed = None
        else:
            followed = next((p for p in reversed(self.history) if p not in self._disliked),
                            None)
        if self.drift == 0.0:
            followed = None
        cached = self._target_scores
        if cached is not None and cached[0] == followed:
            scores = cached[1]   # the same target as the last draw: no pass over the library
        else:
            if followed is None:
                target = self._anchor
            else:
                target = _target(self.index,
                                 [self._anchor, self.index.vector(followed, self.method)],
                                 [1.0 - self.drift, self.drift], self.method)
            scores = self.index.scores(target, self.method)
            self._target_scores = (followed, scores)
        if self._feedback is not None:
            scores = scores + self._feedback
        if self.penalty is not None:
            scores = scores - self.penalty
        recent = list(self.recent)
        want = self.seed_character
        keep = ch.agrees(self.character, want) if want != ch.UNSURE else None
        session = self._session_blocked() if self.no_repeat else None
        # (artist spacing, album spacing, character mask, session block, window kept)
        attempts = []
        for blocks in ([session] if session is not None else []) + [None]:
            # every rule; then without the spacing; then any character
            attempts.append((self.artist_spacing, self.album_spacing, keep, blocks,
                             len(recent)))
            if self.album_spacing:
                attempts.append((self.artist_spacing, 0, keep, blocks, len(recent)))
            if self.artist_spacing:
                attempts.append((0, 0, keep, blocks, len(recent)))
            if keep is not None:
                attempts.append((0, 0, None, blocks, len(recent)))
        size = len(recent)
        while size > 1:
            size //= 2
            attempts.append((0, 0, None, None, size))
        attempts.append((0, 0, None, None, 0))
        for spacing, album_spacing, mask, blocked_session, kept in attempts:
            blocked = recent[len(recent) - kept:] if kept else []
            if last is not None:
                blocked = blocked + [last]
            candidates = self._candidates(scores, blocked, spacing, album_spacing, mask,
                                          blocked_session)
            if candidates:
                break
        else:  # a one-track library: play it again
            candidates = [last if last is not None else self.seeds[0]]
        choice = self._draw(candidates)
        self.history.append(choice)
        if self.window:
            self.recent.append(choice)
        return choice

    def _candidates(self, scores: np.ndarray, blocked: list[int], spacing: int,
                    album_spacing: int = 0, mask: np.ndarray | None = None,
                    session: tuple[set[int], set[int], set[int]] | None = None) -> list[int]:
        rf = ResultFilter(self.meta, self.filters, query=blocked)
        m = self.meta
        artists = self._recent(m.artist, spacing)
        albums = self._recent(m.album, album_spacing)
        accepted: list[int] = []

        def accept(p: int) -> bool:
            if int(m.artist[p]) in artists and m.artist[p] >= 0:
                return False
            if int(m.album[p]) in albums and m.album[p] >= 0:
                return False
            if mask is not None and not mask[p]:
                return False
            if session is not None:
                heard, songs, prints = session
                if (p in heard or (m.song[p] >= 0 and int(m.song[p]) in songs)
                        or (m.fingerprint[p] >= 0 and int(m.fingerprint[p]) in prints)):
                    return False
            # candidates must not duplicate the window, but may resemble each other
            rf.accepted.clear()
            return rf.accept(p)

        for p, _ in ranked_accept(scores, self.pool, accept):
            accepted.append(p)
        return accepted

    def _draw(self, candidates: list[int]) -> int:
        if len(candidates) == 1 or self.randomness == 0.0:
            return candidates[0]
        ranks = np.arange(len(candidates), dtype=np.float64)
        w = np.exp(-ranks / (self.randomness * len(candidates) / 2.0))
        return int(candidates[self.rng.choice(len(candidates), p=w / w.sum())])


def song_path(index: SimilarityIndex, meta: MetaTable, start: int, end: int, steps: int, *,
              filters: Filters | None = None, method: str = DEFAULT_METHOD,
              smoothness: float = 0.5) -> list[int]:
    """A path of index positions from *start* to *end*.

    Parameters
    ----------
    index : SimilarityIndex
    meta : MetaTable
    start, end : int
        Index positions of A and B.
    steps : int
        Number of tracks in the path, A and B included (at least 2). Fewer are returned
        when the library has too few distinct tracks.
    filters : Filters, optional
        Exclusions; duplicates of any track already on the path are never used, and
        no artist plays twice in a row when it can be avoided.
    method : {"hybrid", "seed"}
    smoothness : float
        Weight of the closeness to the previous track against the closeness to the
        straight line from A to B.

    Returns
    -------
    list of int
        Starts with *start*, ends with *end*.
    """
    if steps < 2:
        raise ValueError("a path needs at least 2 steps (A and B)")
    if start == end:
        raise ValueError("a path needs two different tracks")
    base = filters or Filters()
    f = Filters(max_per_artist=None, max_per_album=None, dedupe=True,
                duplicate_seconds=base.duplicate_seconds, exclude_genres=base.exclude_genres,
                exclude_folders=base.exclude_folders, exclude_keywords=base.exclude_keywords)
    va, vb = index.vector(start, method), index.vector(end, method)
    path = [int(start)]
    for i in range(1, steps - 1):
        t = i / (steps - 1)
        target = _target(index, [va, vb], [1.0 - t, t], method)
        scores = index.scores(target, method)
        prev = path[-1]
        scores = scores + smoothness * index.scores(index.vector(prev, method), method)
        rf = ResultFilter(meta, f, query=path + [int(end)])
        prev_artist = int(meta.artist[prev])
        def spaced(p: int, rf: ResultFilter = rf, prev_artist: int = prev_artist) -> bool:
            return (prev_artist < 0 or int(meta.artist[p]) != prev_artist) and rf.accept(p)

        found = list(ranked_accept(scores, 1, spaced))
        if not found:
            rf = ResultFilter(meta, f, query=path + [int(end)])
            found = list(ranked_accept(scores, 1, rf.accept))
        if not found:
            break
        path.append(found[0][0])
    path.append(int(end))
    return path
