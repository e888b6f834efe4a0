"""Discovery over a library's recommender: what the radio keeps and avoids (issue 24).

Works on a :class:`~soundalike.library.recommend.Recommender`'s public parts only (its
``index``, ``meta``, ``mood_tags`` and ``store``), so it does not care how the index is
built or held.

* **Character** — :func:`characters`: vocal, instrumental or unsure per indexed track,
  from both taggers' voice words (:mod:`soundalike.engine.character`); the radio keeps
  its seeds' character unless asked otherwise.
* **Recently played** — :func:`record_play` keeps when each song was last played (the
  setting ``discovery.recent_plays``, pruned to :data:`KEEP_PLAYS_HOURS`);
  :func:`recent_penalty` turns the plays of the last *hours* into a score penalty per
  indexed track, so those songs are drawn later (not never) in a new session.
* :data:`~soundalike.library.model.settings.RADIO_SETTINGS` — the radio's no-repeat and
  character options, persisted.
* **Sonic order** — :func:`order_tracks` (flow, or energy / tempo / brightness / mood).
* **Similar albums and artists** — :func:`find_groups`, :func:`similar_groups`: the
  cosine of groups' mean track vectors, explained from their mean features and tags.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from soundalike.engine import character as ch
from soundalike.engine.filters import TrackMeta
from soundalike.library.model.settings import RADIO_RECENT_HOURS, RADIO_SETTINGS, RECENT_PLAYS

#: plays older than this are forgotten
KEEP_PLAYS_HOURS = 24 * 7
#: at most this many plays are remembered (the newest)
KEEP_PLAYS = 5000
#: a song played just now scores this much lower (hybrid scores are cosines, −1 … 1);
#: the penalty falls linearly to 0 at *hours*
RECENT_PENALTY = 0.5
DEFAULT_RECENT_HOURS = RADIO_RECENT_HOURS.default


_CHARACTERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def radio_options(store) -> dict:
    """The persisted radio options (:data:`~soundalike.library.model.settings.RADIO_SETTINGS`;
    defaults for what is not set), by Recommender.radio keyword."""
    out = {}
    for setting in RADIO_SETTINGS:
        name, default = setting.name, setting.default
        v = store.get_setting(setting.key)
        if isinstance(default, bool):
            ok = isinstance(v, bool)
        else:  # a number (a hand-edited setting must not stop the radio)
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
        out[name] = type(default)(v) if ok else default
    return out


def characters(rec) -> np.ndarray:
    """VOCAL / INSTRUMENTAL / UNSURE (``engine.character``) per position of
    ``rec.index`` (computed once per index)."""
    index = rec.index
    if index is None:
        return np.zeros(0, np.int8)
    got = _CHARACTERS.get(index)
    if got is None:
        tags, n = rec.mood_tags, len(index)
        got = np.empty(n, np.int8)
        for s in range(0, n, 16384):  # float32 a chunk at a time (row by row anyway)
            got[s:s + 16384] = ch.characters(
                {k: np.asarray(v[s:s + 16384], np.float32) for k, v in tags.items()})
        _CHARACTERS[index] = got
    return got


def character_of(rec, track_id: int) -> str:
    """``"vocal"``, ``"instrumental"`` or ``"unsure"`` for an indexed track."""
    p = rec.index.position(int(track_id)) if rec.index is not None else None
    return "unsure" if p is None else ch.NAMES[int(characters(rec)[p])]


# -- plays ------------------------------------------------------------------------------
def recent_plays(store) -> dict[int, float]:
    """Track id → when it was last played (Unix time), as stored."""
    raw = store.setting(RECENT_PLAYS) or {}
    out = {}
    if isinstance(raw, dict):
        for k, v in raw.items():
            try:
                out[int(k)] = float(v)
            except (TypeError, ValueError):
                continue
    return out


def record_play(store, track_ids: int | Iterable[int], when: float | None = None) -> None:
    """Remember that the songs *track_ids* were played at *when* (now by default)."""
    now = time.time() if when is None else float(when)
    ids = [track_ids] if isinstance(track_ids, (int, np.integer)) else list(track_ids)
    plays = recent_plays(store)
    for t in ids:
        plays[int(t)] = now
    cutoff = now - KEEP_PLAYS_HOURS * 3600.0
    kept = sorted(((t, w) for t, w in plays.items() if w >= cutoff), key=lambda x: -x[1])
    store.save_setting(RECENT_PLAYS, {str(t): round(w, 1) for t, w in kept[:KEEP_PLAYS]})


def recent_penalty(rec, hours: float = DEFAULT_RECENT_HOURS, now: float | None = None
                   ) -> np.ndarray | None:
    """Per position of ``rec.index``: :data:`RECENT_PENALTY` for a song played just
    now, falling to 0 for one played *hours* ago; None when nothing counts."""
    if rec.index is None or not hours or hours <= 0:
        return None
    now = time.time() if now is None else float(now)
    pen = None
    for tid, when in recent_plays(rec.store).items():
        age = max(0.0, now - when) / 3600.0   # (a clock a little behind counts as now)
        if age >= hours:
            continue
        p = rec.index.position(tid)
        if p is None:
            continue
        if pen is None:
            pen = np.zeros(len(rec.index), np.float32)
        pen[p] = max(pen[p], RECENT_PENALTY * (1.0 - age / hours))
    return pen


# -- sonic order ------------------------------------------------------------------------
#: what a list can be ordered by: flow, or one dimension (low → high)
ORDER_BY = ("flow", "energy", "tempo", "brightness", "mood")
ORDER_WORDS = {"flow": "so each song flows into the next", "energy": "from calm to energetic",
               "tempo": "from slow to fast", "brightness": "from dark to bright",
               "mood": "from sad to happy"}


def dimension_values(rec, positions, by: str) -> np.ndarray:
    """One value per index position for *by* (energy, tempo, brightness, mood)."""
    pos = np.asarray(positions, np.intp)
    if by == "energy":
        return np.asarray(rec.energy, np.float64)[pos]
    if by == "tempo":
        return np.asarray(rec.tempo, np.float64)[pos]
    if by == "brightness":
        from soundalike.engine.dsp import INDEX

        out = np.full(len(pos), np.nan)
        for i, p in enumerate(pos):
            a = rec.store.get_analysis(int(rec.index.ids[p]))
            if a is not None and len(a.features) > INDEX["spectral_centroid_hz"]:
                out[i] = float(a.features[INDEX["spectral_centroid_hz"]])
        return out
    if by == "mood":  # sad → happy, from the MSD tagger
        from soundalike.engine.cnn import TAG_LABELS

        tags = np.asarray(rec.mood_tags["msd"], np.float64)[pos]
        return tags[:, TAG_LABELS.index("happy")] - tags[:, TAG_LABELS.index("sad")]
    raise ValueError(f"cannot order by {by!r} (choose from {', '.join(ORDER_BY)})")


def order_tracks(rec, track_ids, by: str = "flow", *, keep_first: bool = False,
                 keep_last: bool = False, descending: bool = False) -> tuple[list[int], int]:
    """*track_ids* in sonic order, and how many of them could not be placed.

    Analysed tracks are ordered; the others (not analysed yet, failed, missing) follow
    them at the end in their original order. With *keep_first* / *keep_last* the
    first / last track stays where it is (when it is analysed).
    """
    from soundalike.engine.order import dimension_order, flow_order

    if by not in ORDER_BY:
        raise ValueError(f"cannot order by {by!r} (choose from {', '.join(ORDER_BY)})")
    ids = [int(t) for t in track_ids]
    index = rec.index
    placed = [(i, p) for i, t in enumerate(ids)
              if index is not None and (p := index.position(t)) is not None]
    rest = [ids[i] for i in range(len(ids)) if i not in {j for j, _ in placed}]
    if len(placed) < 2:
        return ids, len(rest)
    first = keep_first and placed[0][0] == 0
    last = keep_last and placed[-1][0] == len(ids) - 1 and len(placed) > 2
    head = [placed[0]] if first else []
    tail = [placed[-1]] if last else []
    middle = placed[len(head):len(placed) - len(tail)]
    positions = [p for _, p in placed]
    if by == "flow":
        o = flow_order(index.hybrid[positions], keep_first=first, keep_last=last)
        ordered = [placed[i][0] for i in o]
    else:
        vals = dimension_values(rec, [p for _, p in middle], by)
        o = dimension_order(vals, descending=descending)
        ordered = [i for i, _ in head] + [middle[i][0] for i in o] + [i for i, _ in tail]
    if last and rest:   # the kept last song stays last, after the unplaced ones
        return [ids[i] for i in ordered[:-1]] + rest + [ids[ordered[-1]]], len(rest)
    return [ids[i] for i in ordered] + rest, len(rest)


# -- similar albums and artists ---------------------------------------------------------
GROUP_KINDS = ("album", "artist")
#: tracks read per group to explain a match (their mean features and tags)
EXPLAIN_TRACKS = 40

_GROUPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(slots=True)
class Group:
    """One album or artist of the index: its name(s), member positions and centroid."""

    kind: str
    code: int
    name: str            # album title, or artist name
    artist: str          # the album's (album) artist; the artist itself for an artist
    positions: np.ndarray

    @property
    def size(self) -> int:
        return len(self.positions)


@dataclass(slots=True)
class GroupResult:
    """An album or artist like the query, with its score and reasons."""

    group: Group
    score: float
    reasons: list[str]

    @property
    def label(self) -> str:
        g = self.group
        return f"{g.artist} – {g.name}" if g.kind == "album" and g.artist else g.name

    def to_dict(self, rec) -> dict:
        g = self.group
        return {"kind": g.kind, "name": g.name, "artist": g.artist, "tracks": g.size,
                "score": round(self.score, 4), "reasons": list(self.reasons),
                "explanation": " · ".join(self.reasons) or "similar overall sound",
                "track_ids": [int(rec.index.ids[p]) for p in g.positions]}


class _Groups:
    """Albums or artists of one index: codes, centroids (unit rows), names."""

    def __init__(self, rec, kind: str):
        meta = rec.meta
        codes = meta.album if kind == "album" else meta.artist
        self.kind = kind
        # numbered 0 … n-1 here (the index's codes are hashes); stale rows left out
        raw = np.asarray(codes)
        known = raw >= 0
        if meta.dead is not None:
            known[:len(meta.dead)] &= ~meta.dead
        self.codes = np.full(len(raw), -1, np.int64)
        if known.any():
            self.codes[known] = np.unique(raw[known], return_inverse=True)[1]
        n = int(self.codes.max()) + 1 if known.any() else 0
        vec = rec.index.hybrid
        sums = np.zeros((n, vec.shape[1]), np.float64)
        np.add.at(sums, self.codes[known], vec[known])
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        self.centroids = (sums / np.where(norms > 1e-9, norms, 1.0)).astype(np.float32)
        self.counts = np.bincount(self.codes[known], minlength=n)
        order = np.argsort(self.codes, kind="stable")
        starts = np.searchsorted(self.codes[order], np.arange(n + 1))
        self.members = [order[starts[c]:starts[c + 1]] for c in range(n)]
        self.records = meta.records
        self.rec = rec

    def _record(self, p: int):
        """The metadata record at index row *p* (read from the store when the index keeps
        only codes)."""
        if self.records is not None:
            return self.records[p]
        rec = self.rec
        track = rec.store.get_track(int(rec.index.ids[p]))
        return rec.meta_for(track) if track is not None else TrackMeta(int(rec.index.ids[p]))

    def group(self, code: int) -> Group:
        first = self._record(int(self.members[code][0]))
        if self.kind == "album":
            return Group("album", code, first.album, first.albumartist or first.artist,
                         self.members[code])
        return Group("artist", code, first.artist or first.albumartist, first.artist,
                     self.members[code])


def _groups(rec, kind: str) -> _Groups:
    per_index = _GROUPS.setdefault(rec.index, {})
    if kind not in per_index:
        per_index[kind] = _Groups(rec, kind)
    return per_index[kind]


#: what may stand between an artist and an album title in ``album:ARTIST – TITLE``
ARTIST_SEPARATORS = (" – ", " — ", " - ")


def find_groups(rec, kind: str, name: str) -> list[Group]:
    """The albums (by title) or artists (by name) called *name* — case, accents and
    punctuation ignored; an exact match wins over a partial one. An album may be named
    with its artist, ``ARTIST – TITLE`` (as the lists show it), which picks one of
    several albums with the same title."""
    from soundalike.engine.filters import normalise_artist, normalise_text

    if kind not in GROUP_KINDS:
        raise ValueError(f"unknown kind {kind!r} (album or artist)")
    if rec.index is None:
        return []
    g = _groups(rec, kind)
    fold = normalise_text if kind == "album" else normalise_artist
    want = fold(name)
    if not want:
        return []
    groups = [g.group(code) for code in range(len(g.members)) if len(g.members[code])]
    exact = [grp for grp in groups if fold(grp.name) == want]
    if exact:
        return exact
    if kind == "album":
        for sep in ARTIST_SEPARATORS:
            parts = name.split(sep)
            for cut in range(1, len(parts)):   # the title itself may hold the separator
                artist = normalise_artist(sep.join(parts[:cut]))
                title = fold(sep.join(parts[cut:]))
                hits = [grp for grp in groups if fold(grp.name) == title
                        and normalise_artist(grp.artist) == artist]
                if hits:
                    return hits
    return [grp for grp in groups if want in fold(grp.name)]


def similar_groups(rec, kind: str, query: Sequence[Group], n: int = 10, *,
                   other_artists: bool = False, explain: bool = True) -> list[GroupResult]:
    """The *n* albums or artists whose songs sound most like the *query* groups'
    (cosine of the groups' mean track vectors), best first, each with reasons."""
    if not query or rec.index is None:
        return []
    g = _groups(rec, kind)
    q = g.centroids[[x.code for x in query]].mean(axis=0)
    norm = float(np.linalg.norm(q))
    q = q / norm if norm > 1e-9 else q
    scores = g.centroids @ q
    skip = {x.code for x in query}
    if other_artists and kind == "album":
        artists = {int(rec.meta.artist[p]) for x in query for p in x.positions}
    out: list[GroupResult] = []
    for code in np.argsort(-scores, kind="stable"):
        code = int(code)
        if code in skip or g.counts[code] == 0:
            continue
        if other_artists and kind == "album" and \
                int(rec.meta.artist[g.members[code][0]]) in artists:
            continue
        out.append(GroupResult(g.group(code), float(scores[code]), []))
        if len(out) >= n:
            break
    if explain and out and rec.explainer is not None:
        a = _group_profile(rec, [p for x in query for p in x.positions])
        for r in out:
            b = _group_profile(rec, r.group.positions)
            if a is not None and b is not None:
                r.reasons = rec.explainer.reasons(a[0], a[1], b[0], b[1],
                                                  mtt_a=a[2], mtt_b=b[2])
    return out


def _group_profile(rec, positions):
    """Mean features, MSD tags and MTT tags (or None) of up to :data:`EXPLAIN_TRACKS`
    tracks at *positions*."""
    pos = list(positions)
    if len(pos) > EXPLAIN_TRACKS:
        pos = [pos[int(i)] for i in np.linspace(0, len(pos) - 1, EXPLAIN_TRACKS)]
    rows = [a for p in pos if (a := rec.store.get_analysis(int(rec.index.ids[p]))) is not None]
    if not rows:
        return None
    f = np.mean([r.features for r in rows], axis=0)
    t = np.mean([r.tags for r in rows], axis=0)
    mtt = (np.mean([r.mtt_tags for r in rows], axis=0)
           if rec.uses_mtt and all(r.mtt_tags is not None for r in rows) else None)
    return f, t, mtt


def groups_of_tracks(rec, kind: str, track_ids: Iterable[int]) -> list[Group]:
    """The albums or artists the indexed tracks *track_ids* belong to (each once, in
    order of first appearance)."""
    if rec.index is None:
        return []
    g = _groups(rec, kind)
    seen: dict[int, None] = {}
    for t in track_ids:
        p = rec.index.position(int(t))
        if p is not None and g.codes[p] >= 0:
            seen.setdefault(int(g.codes[p]), None)
    return [g.group(c) for c in seen]


def typical_tracks(rec, kind: str, groups: Sequence[Group], k: int = 3) -> list[int]:
    """Track ids of the *k* songs of *groups* nearest their average sound (the seeds of
    an artist radio), by different albums where possible."""
    if not groups or rec.index is None:
        return []
    g = _groups(rec, kind)
    c = g.centroids[[x.code for x in groups]].mean(axis=0)
    pos = np.concatenate([x.positions for x in groups])
    ranked = pos[np.argsort(-(rec.index.hybrid[pos] @ c), kind="stable")]
    out, albums = [], set()
    for p in ranked:   # one per album first, then the rest
        a = int(rec.meta.album[p])
        if a < 0 or a not in albums:
            out.append(int(p))
            albums.add(a)
        if len(out) >= k:
            break
    out += [int(p) for p in ranked if int(p) not in out][:k - len(out)]
    return [int(rec.index.ids[p]) for p in out]
