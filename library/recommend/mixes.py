"""Library mixes (issue 24): 6–24 regions of like-sounding songs made from the analysed
library, named in plain words, kept with stable identities.

    mixes = ensure_mixes(rec)            # the stored ones, remade when the library changed
    tracks = mix_tracks(rec, mixes[0])   # a playlist from its region (flow order)
    radio = mix_radio(rec, mixes[0])     # an endless radio from its region
    set_pinned(rec.store, mixes[0].id)   # never silently replaced

How they are made: :func:`soundalike.engine.mixes.cluster` on the recommender's hybrid
vectors (the method that won the pre-registered comparison, benchmarks/RESULTS.md), as
the index holds them, with each album's context (version 4: this won the pre-registered
``mixes-vectors`` comparison against the plain vectors on cross-artist agreement); names
by :func:`engine.mixes.name_mixes` from both taggers' words. Memory stays bounded in big
libraries (fitted on a sample, every track assigned in blocks; benchmarks/mixes_scale.py).

Stable identities. The setting ``discovery.mixes`` keeps each mix's id, name, whether it
is pinned and its *core* (the up to :data:`CORE` track ids nearest its centre). When
the mixes are made again, a new group that holds at least half of an old mix's
(still indexed) core takes that mix's id and name (pinned mixes choose first); a
pinned mix (pinned by the user, or saved as a playlist) that no new group took over
stays as a fixed centre of its own, so it is never replaced, only refreshed with the
songs nearest it. The mixes are made again only when the number of
indexed tracks moved by more than :data:`STALE_SHARE` (at least :data:`STALE_MIN`
tracks) since the last time, or when asked.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import numpy as np

from soundalike.engine import mixes as mx
from soundalike.library.model.settings import MIXES

VERSION = 1
CORE = 50
STALE_SHARE = 0.05
STALE_MIN = 20
#: a new group inherits an old mix's identity when it holds this share of its core
INHERIT_SHARE = 0.5
#: a mix's playlist: this many songs by default, at most this many per artist
PLAYLIST_SIZE = 50
PER_ARTIST = 2
#: radio seeds (the songs nearest the mix's centre) and drift (stays in the region)
RADIO_SEEDS = 5
RADIO_DRIFT = 0.15

#: words that may name a mix: word → kind (mood, instrument, style)
NAME_WORDS: dict[str, str] = {
    **{w: "mood" for w in ("mellow", "chill", "chillout", "sad", "happy", "party", "catchy",
                           "beautiful", "easy listening", "slow", "fast", "loud", "quiet",
                           "soft", "weird", "acoustic")},
    **{w: "instrument" for w in ("strings", "piano", "violin", "guitar", "drums", "synth",
                                 "harpsichord", "flute", "sitar", "choir", "harp", "cello",
                                 "beats")},
}
#: shown differently from the tag
WORD_SHOWN = {"chillout": "chill", "easy listening": "easy", "hip-hop": "hip hop",
              "rnb": "r&b", "beats": "beat"}


@dataclass(slots=True)
class Mix:
    """One mix: a stable id, a plain name, pinned or not, its core track ids."""

    id: str
    name: str
    pinned: bool = False
    core: list[int] = field(default_factory=list)
    size: int = 0                 # songs in its region when it was made
    words: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "pinned": self.pinned,
                "core": list(self.core), "size": self.size, "words": list(self.words)}

    @classmethod
    def from_dict(cls, d: dict) -> Mix:
        return cls(str(d["id"]), str(d["name"]), bool(d.get("pinned", False)),
                   [int(t) for t in d.get("core", [])], int(d.get("size", 0)),
                   [str(w) for w in d.get("words", [])])


def stored_mixes(store) -> tuple[list[Mix], int]:
    """The stored mixes and the index size they were made from (``([], 0)``: none or
    unreadable)."""
    raw = store.setting(MIXES)
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        return [], 0
    try:
        return [Mix.from_dict(d) for d in raw.get("mixes", [])], int(raw.get("tracks", 0))
    except (KeyError, TypeError, ValueError):
        return [], 0


def _save(store, mixes: list[Mix], tracks: int) -> None:
    store.save_setting(MIXES, {"version": VERSION, "tracks": int(tracks),
                                "made_at": round(time.time(), 1),
                                "mixes": [m.to_dict() for m in mixes]})


def is_stale(store, size: int) -> bool:
    """True when there are no stored mixes or the library moved enough to remake them."""
    mixes, made_from = stored_mixes(store)
    if not mixes:
        return size > 0
    return abs(size - made_from) > max(STALE_MIN, STALE_SHARE * made_from)


def ensure_mixes(rec, *, force: bool = False) -> list[Mix]:
    """The library's mixes: the stored ones, or made again (and stored) when there are
    none, the library changed enough (:func:`is_stale`) or *force*."""
    if rec.index is None:
        return []
    if not force and not is_stale(rec.store, rec.size):
        return stored_mixes(rec.store)[0]
    return make_mixes(rec)


def _positions(rec, ids) -> list[int]:
    return [p for t in ids if (p := rec.index.position(int(t))) is not None]


def _centre(rec, positions) -> np.ndarray | None:
    if not len(positions):
        return None
    v = rec.index.hybrid[list(positions)].mean(axis=0)
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else None


def _tag_z(rec, labels: np.ndarray, k: int) -> tuple[np.ndarray, list[str]]:
    """Per group and name word: z of the group's mean tag probability."""
    from soundalike.engine import cnn

    vocab = cnn.tag_vocabulary()
    words: dict[str, list[np.ndarray]] = {}
    counts = np.maximum(np.bincount(labels, minlength=k), 1)
    for name, tags in rec.mood_tags.items():
        for i, label in enumerate(vocab[name]):
            # one column at a time: no float copy of the whole tag matrix
            col = np.asarray(tags[:, i], np.float64)
            mean, std = col.mean(), col.std() + 1e-6
            z = (np.bincount(labels, weights=col, minlength=k) / counts - mean) / std
            words.setdefault(label.lower(), []).append(z)
    names = list(words)
    return np.column_stack([np.max(words[w], axis=0) for w in names]), names


def _kinds() -> dict[str, str]:
    from soundalike.engine import cnn

    kinds = dict(NAME_WORDS)
    for w in (*cnn.GENRE_LABELS, *cnn.MTT_STYLES):
        kinds.setdefault(w.lower(), "style")
    return kinds


def make_mixes(rec, *, rng: int = 0) -> list[Mix]:
    """Group the library again (keeping pinned mixes and old identities), store and
    return the mixes: pinned ones first, then the largest first."""
    old, _ = stored_mixes(rec.store)
    x = rec.index.hybrid
    labels, cents = mx.cluster(x, rng)
    k = len(cents)
    # old mixes → new groups by core overlap (pinned mixes first, then the best overlap)
    pairs = []
    for m in old:
        core = [int(labels[p]) for p in _positions(rec, m.core)]
        if not core:
            continue
        counts = np.bincount(core, minlength=k)
        pairs += [(m.pinned, counts[j] / len(core), m, j) for j in range(k)
                  if counts[j] / len(core) >= INHERIT_SHARE]
    heir: dict[int, Mix] = {}
    for _p, _share, m, j in sorted(pairs, key=lambda p: (not p[0], -p[1])):
        if j not in heir and m.id not in {h.id for h in heir.values()}:
            heir[j] = m
    # a pinned mix no new group took over stays as a fixed centre of its own
    extra, lost = [], []
    for m in old:
        if m.pinned and m.id not in {h.id for h in heir.values()}:
            c = _centre(rec, _positions(rec, m.core))
            (extra if c is not None else lost).append((m, c))
    if extra:
        cents = np.vstack([cents, np.array([c for _, c in extra], np.float32)])
        labels = mx.assign(x, cents)[0]
        for i, (m, _) in enumerate(extra):
            heir[k + i] = m
        k = len(cents)
    # each track's cosine to its group's centre, in blocks (bounded temporaries)
    near_score = np.empty(len(labels), np.float32)
    for lo in range(0, len(labels), mx.CHUNK):
        hi = lo + mx.CHUNK
        near_score[lo:hi] = np.einsum("ij,ij->i", x[lo:hi], cents[labels[lo:hi]])
    z, words = _tag_z(rec, labels, k)
    kinds = _kinds()
    shown = [WORD_SHOWN.get(w, w) for w in words]
    names = mx.name_mixes(z, shown, {WORD_SHOWN.get(w, w): kind for w, kind in kinds.items()})
    sizes = np.bincount(labels, minlength=k)
    out: list[Mix] = []
    for j in range(k):
        members = np.flatnonzero(labels == j)
        if not len(members):
            continue
        if len(members) > CORE:
            members = members[np.argpartition(-near_score[members], CORE - 1)[:CORE]]
        near = members[np.argsort(-near_score[members], kind="stable")]
        core = [int(rec.index.ids[p]) for p in near[:CORE]]
        top = [shown[i] for i in np.argsort(-z[j])[:6] if kinds.get(words[i])]
        m = heir.get(j)
        if m is not None:
            out.append(Mix(m.id, m.name, m.pinned, core, int(sizes[j]), top))
        else:
            out.append(Mix(uuid.uuid4().hex[:10], names[j], False, core, int(sizes[j]), top))
    out.sort(key=lambda m: (not m.pinned, -m.size))
    out += [Mix(m.id, m.name, True, m.core, 0, m.words) for m, _ in lost]  # said, not dropped
    _distinct(out)
    _save(rec.store, out, rec.size)
    return out


def _distinct(mixes: list[Mix]) -> None:
    """Make the names distinct (a number after a repeated name; pinned names stay)."""
    seen: dict[str, int] = {}
    for m in sorted(mixes, key=lambda m: not m.pinned):
        key = m.name.casefold()
        if key in seen:
            seen[key] += 1
            m.name = f"{m.name} {seen[key]}"
        else:
            seen[key] = 1


def find_mix(store, text: str) -> Mix | None:
    """The stored mix with id *text*, or named *text* (case ignored)."""
    mixes, _ = stored_mixes(store)
    want = text.strip().casefold()
    return next((m for m in mixes if m.id == text.strip() or m.name.casefold() == want), None)


def set_pinned(store, mix_id: str, pinned: bool = True) -> bool:
    """Pin (or unpin) the stored mix *mix_id*; False when there is no such mix."""
    raw = store.setting(MIXES)
    mixes, made_from = stored_mixes(store)
    hit = False
    for m in mixes:
        if m.id == mix_id:
            m.pinned, hit = bool(pinned), True
    if hit and isinstance(raw, dict):
        mixes.sort(key=lambda m: (not m.pinned, -m.size))   # pinned ones first
        _save(store, mixes, made_from)
    return hit


def mix_tracks(rec, mix: Mix, n: int = PLAYLIST_SIZE) -> list[int]:
    """Track ids of a playlist from the mix's region: the *n* songs nearest its centre
    (at most :data:`PER_ARTIST` per artist, no duplicates while others are left), in
    flow order."""
    from soundalike.engine.filters import Filters, ResultFilter
    from soundalike.engine.order import flow_order
    from soundalike.engine.similarity import ranked_accept

    centre = _centre(rec, _positions(rec, mix.core))
    if centre is None:
        return []
    scores = rec.index.hybrid @ centre
    f = Filters(max_per_artist=PER_ARTIST, max_per_album=None)
    rf = ResultFilter(rec.meta, f)
    hits = [p for p, _ in ranked_accept(scores, n, rf.accept)]
    if len(hits) < n:
        rf.lift_caps()
        hits += [p for p, _ in ranked_accept(scores, n - len(hits), rf.accept)]
    order = flow_order(rec.index.hybrid[hits]) if len(hits) > 2 else range(len(hits))
    return [int(rec.index.ids[hits[i]]) for i in order]


def radio_seeds(rec, mix: Mix, n: int = RADIO_SEEDS) -> list[int]:
    """The mix's *n* most typical songs, one per artist and per album (its core, nearest
    the centre first; songs without those tags count as their own): the radio plays them
    first, so a mix does not open with one album."""
    seeds, seen = [], set()
    for t in mix.core:
        p = rec.index.position(t)
        if p is None:
            continue
        keys = {(kind, int(code)) for kind, code in (("artist", rec.meta.artist[p]),
                                                     ("album", rec.meta.album[p])) if code >= 0}
        if keys & seen:
            continue
        seen |= keys
        seeds.append(int(t))
        if len(seeds) == n:
            break
    return seeds


def mix_radio(rec, mix: Mix, **options):
    """An endless radio from the mix's region: seeded with its :data:`RADIO_SEEDS`
    most typical songs by different artists (:func:`radio_seeds`), drifting little
    (:data:`RADIO_DRIFT`)."""
    seeds = radio_seeds(rec, mix)
    if not seeds:
        from soundalike.library.recommend.results import RecommendError

        raise RecommendError(f"the mix “{mix.name}” has no analysed songs left")
    options.setdefault("drift", RADIO_DRIFT)
    session = rec.radio(seeds, **options)
    session.words = mix.name
    return session


def file_name(name: str) -> str:
    """A mix's name as a file name (no path separators nor characters file systems
    refuse)."""
    bad = '<>:"/\\|?*'
    clean = "".join("-" if c in bad or ord(c) < 32 else c for c in name).strip(" .")
    return clean or "mix"
