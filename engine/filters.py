"""Result-list filters: duplicates, per-artist/per-album caps and exclusions.

Metadata is held column-wise in a :class:`MetaTable` (small integer codes for the
normalised artist, album and duplicate keys), so filtering a million-track index
touches only the few candidates a query looks at. Nothing here knows about the
database: :mod:`soundalike.library.recommend.recommender` builds the records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from soundalike.engine.text import fold_text

#: Default number of tracks kept per artist and per album in one result list.
DEFAULT_MAX_PER_ARTIST = 2
DEFAULT_MAX_PER_ALBUM = 2
#: Two tracks with the same artist and title are the same song if their durations
#: differ by at most this many seconds.
DUPLICATE_SECONDS = 3.0

_BRACKETS = re.compile(r"[\(\[\{][^\)\]\}]*(remaster|live|version|edit|mix|mono|stereo|"
                       r"explicit|bonus|deluxe|single|radio)[^\)\]\}]*[\)\]\}]")
_FEAT = re.compile(r"\s(feat\.?|ft\.?|featuring)\s.*$")
_NON_WORD = re.compile(r"[^\w]+")


def normalise_text(text: str | None) -> str:
    """Fold *text* for comparisons: case, accents, punctuation and spacing.

    >>> normalise_text("  Beyoncé – Halo (Remastered 2009) ")
    'beyonce halo'
    """
    if not text:
        return ""
    text = fold_text(str(text))
    text = _BRACKETS.sub(" ", text)
    text = _FEAT.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def normalise_artist(text: str | None) -> str:
    """Like :func:`normalise_text`, also ignoring a leading "the"."""
    text = normalise_text(text)
    return text.removeprefix("the ")


@dataclass(frozen=True, slots=True)
class TrackMeta:
    """The plain metadata of one indexed track that filters and explanations use."""

    track_id: int
    artist: str = ""
    title: str = ""
    album: str = ""
    albumartist: str = ""
    genre: str = ""
    path: str = ""
    folder: str = ""
    duration: float | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """What a result list may contain.

    Attributes
    ----------
    max_per_artist, max_per_album : int or None
        Caps per normalised artist / album; ``None`` or 0 disables a cap.
    exclude_query_artist : bool
        Drop every track by the query's artist(s).
    dedupe : bool
        Drop the query's duplicates and keep only the best copy of any song.
    duplicate_seconds : float
        Same artist + title counts as one song within this duration difference.
    exclude_genres : tuple of str
        Genre tags to leave out (matched as words in the file's genre tag).
    exclude_folders : tuple of str
        Folders whose tracks are left out (any depth below them).
    exclude_keywords : tuple of str
        Words that drop a track if they occur in its title, album, artist, genre or path
        (e.g. ``audiobook``, ``podcast``, ``christmas``).
    strict_caps : bool
        The caps are hard: a list stays short when they eat the candidates. By default
        (False) they are soft: the list is filled diverse-first, then topped up with the
        best remaining tracks (duplicates, exclusions and the query still left out).
    """

    max_per_artist: int | None = DEFAULT_MAX_PER_ARTIST
    max_per_album: int | None = DEFAULT_MAX_PER_ALBUM
    exclude_query_artist: bool = False
    dedupe: bool = True
    duplicate_seconds: float = DUPLICATE_SECONDS
    exclude_genres: tuple[str, ...] = ()
    exclude_folders: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    strict_caps: bool = False

    @property
    def capped(self) -> bool:
        """True if a per-artist or per-album cap is set."""
        return bool(self.max_per_artist or self.max_per_album)

    def exclusion_key(self) -> tuple:
        return (self.exclude_genres, self.exclude_folders, self.exclude_keywords)


class _Memo(dict):
    """Remembers a normalisation of the (few, repeated) artist and album names."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __call__(self, text: str | None) -> str:
        try:
            return self[text]
        except KeyError:
            out = self[text] = self.fn(text)
            return out


def _codes(values: Iterable[str]) -> np.ndarray:
    """Integer code per value, equal values equal codes, ``""`` → -1."""
    table: dict[str, int] = {}
    out = []
    for v in values:
        if not v:
            out.append(-1)
        else:
            out.append(table.setdefault(v, len(table)))
    return np.asarray(out, dtype=np.int32)


def meta_keys(records: Sequence[TrackMeta]) -> dict[str, list | np.ndarray]:
    """The normalised keys filters compare, per record: ``artist``, ``album`` (album
    artist or artist + album), ``song`` (artist + title), ``fingerprint`` (``""`` when
    unknown) and ``duration`` (float32, NaN unknown)."""
    artist_of = _Memo(normalise_artist)
    text_of = _Memo(normalise_text)
    artists = [artist_of(r.artist) for r in records]
    albums = [text_of(r.album) for r in records]
    return {
        "artist": artists,
        "album": [f"{artist_of(r.albumartist) if r.albumartist else a}\x1f{al}" if al else ""
                  for a, al, r in zip(artists, albums, records, strict=True)],
        "song": [f"{a}\x1f{t}" if (t := normalise_text(r.title)) else ""
                 for a, r in zip(artists, records, strict=True)],
        "fingerprint": [r.fingerprint or "" for r in records],
        "duration": np.asarray([np.nan if r.duration is None else r.duration
                                for r in records], dtype=np.float32)}


@dataclass(slots=True)
class MetaTable:
    """Column-wise metadata of the indexed tracks, row *i* ↔ index position *i*.

    Built from :class:`TrackMeta` *records* (codes numbered in order), or with
    :meth:`from_codes` from code columns made elsewhere (the persistent index's hashes)
    and an *exclusions* function that computes :meth:`excluded` masks without records.
    Rows in ``dead`` (a stale row of a persistent index) are never accepted.
    """

    records: list[TrackMeta]
    artist: np.ndarray = field(init=False)      # integer codes, -1 unknown
    album: np.ndarray = field(init=False)
    song: np.ndarray = field(init=False)        # normalised artist + title
    fingerprint: np.ndarray = field(init=False)
    duration: np.ndarray = field(init=False)    # float32, NaN unknown
    dead: np.ndarray | None = field(init=False, default=None)
    _exclusions: object = field(init=False, default=None)
    _exclusion_cache: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.records is None:
            return
        keys = meta_keys(self.records)
        self.artist, self.album = _codes(keys["artist"]), _codes(keys["album"])
        self.song, self.fingerprint = _codes(keys["song"]), _codes(keys["fingerprint"])
        self.duration = keys["duration"]

    @classmethod
    def from_codes(cls, *, artist: np.ndarray, album: np.ndarray, song: np.ndarray,
                   fingerprint: np.ndarray, duration: np.ndarray,
                   exclusions=None, dead: np.ndarray | None = None) -> MetaTable:
        """A table of code columns (equal keys, equal codes; -1 unknown). *exclusions*
        ``(filters) -> bool mask`` serves :meth:`excluded` (None: nothing excluded)."""
        table = cls(None)
        table.artist, table.album, table.song = artist, album, song
        table.fingerprint, table.duration = fingerprint, duration
        table._exclusions, table.dead = exclusions, dead
        return table

    def __len__(self) -> int:
        return len(self.artist)

    def is_duplicate(self, i: int, j: int, seconds: float = DUPLICATE_SECONDS) -> bool:
        """True if positions *i* and *j* hold the same song (or the same file content)."""
        if i == j:
            return True
        if self.fingerprint[i] >= 0 and self.fingerprint[i] == self.fingerprint[j]:
            return True
        if self.song[i] < 0 or self.song[i] != self.song[j]:
            return False
        di, dj = self.duration[i], self.duration[j]
        if np.isnan(di) or np.isnan(dj):
            return True
        return bool(abs(di - dj) <= seconds)

    def excluded(self, filters: Filters) -> np.ndarray | None:
        """Boolean mask of positions the filters' exclusions remove (None: nothing)."""
        key = filters.exclusion_key()
        if not any(key):
            return None
        if key not in self._exclusion_cache:
            if len(self._exclusion_cache) > 8:
                self._exclusion_cache.clear()
            if self.records is not None:
                mask = exclusion_mask(self.records, filters)
            elif self._exclusions is not None:
                mask = self._exclusions(filters)
            else:
                mask = None
            self._exclusion_cache[key] = mask
        return self._exclusion_cache[key]


def exclusion_mask(records: Sequence[TrackMeta], f: Filters) -> np.ndarray:
    genres = {normalise_text(g) for g in f.exclude_genres if normalise_text(g)}
    words = [normalise_text(k) for k in f.exclude_keywords if normalise_text(k)]
    folders = [_folder_prefix(p) for p in f.exclude_folders if p]
    mask = np.zeros(len(records), dtype=bool)
    for i, r in enumerate(records):
        if genres:
            g = " " + normalise_text(r.genre) + " "
            if any(f" {x} " in g for x in genres):
                mask[i] = True
                continue
        if folders and any(r.path.replace("\\", "/").startswith(p) for p in folders):
            mask[i] = True
            continue
        if words:
            hay = " " + normalise_text(" ".join(
                (r.title, r.album, r.artist, r.albumartist, r.genre, r.path))) + " "
            if any(f" {w} " in hay for w in words):
                mask[i] = True
    return mask


def _folder_prefix(path: str) -> str:
    p = str(path).replace("\\", "/").rstrip("/")
    return p + "/"


class ResultFilter:
    """Accept or reject ranked candidates for one result list, in rank order.

    Parameters
    ----------
    meta : MetaTable
    filters : Filters
    query : sequence of int
        Index positions of the query track(s); they, their duplicates and (optionally)
        their artists are never accepted.
    exclude : iterable of int, optional
        Further positions never to accept (e.g. a radio's recent history).
    """

    def __init__(self, meta: MetaTable, filters: Filters, query: Sequence[int] = (),
                 exclude: Iterable[int] = ()):
        self.meta = meta
        self.f = filters
        self.query = [int(q) for q in query]
        self.blocked = {int(e) for e in exclude} | set(self.query)
        self.excluded = meta.excluded(filters)
        self.query_artists = {int(meta.artist[q]) for q in self.query if meta.artist[q] >= 0}
        self.accepted: list[int] = []
        #: False once the caps are lifted for a top-up (:meth:`lift_caps`)
        self.caps = True
        self._per_artist: dict[int, int] = {}
        self._per_album: dict[int, int] = {}

    def accept(self, pos: int) -> bool:
        """Decide on the next-best candidate; remembers what it accepted."""
        pos = int(pos)
        m, f = self.meta, self.f
        if pos in self.blocked:
            return False
        if m.dead is not None and pos < len(m.dead) and m.dead[pos]:
            return False
        if self.excluded is not None and self.excluded[pos]:
            return False
        artist, album = int(m.artist[pos]), int(m.album[pos])
        if f.exclude_query_artist and artist >= 0 and artist in self.query_artists:
            return False
        if self.caps:
            if (f.max_per_artist and artist >= 0
                    and self._per_artist.get(artist, 0) >= f.max_per_artist):
                return False
            if (f.max_per_album and album >= 0
                    and self._per_album.get(album, 0) >= f.max_per_album):
                return False
        if f.dedupe:
            for other in self.query + self.accepted:
                if m.is_duplicate(pos, other, f.duplicate_seconds):
                    return False
        self.accepted.append(pos)
        if artist >= 0:
            self._per_artist[artist] = self._per_artist.get(artist, 0) + 1
        if album >= 0:
            self._per_album[album] = self._per_album.get(album, 0) + 1
        return True

    def lift_caps(self) -> None:
        """Stop applying the caps (for a top-up pass over the same ranking); what was
        accepted so far is never accepted again, and duplicates of it stay out."""
        self.caps = False
        self.blocked |= set(self.accepted)


def violations(meta: MetaTable, positions: Sequence[int], filters: Filters,
               query: Sequence[int] = ()) -> dict[str, bool]:
    """Which rules a finished result list breaks: ``duplicate``, ``artist_cap``, ``album_cap``.

    Used by the quality evaluation to count lists that break the caps.
    """
    pos = [int(p) for p in positions]
    dup = any(meta.is_duplicate(a, b, filters.duplicate_seconds)
              for i, a in enumerate(pos) for b in list(query) + pos[:i])
    def over(codes: np.ndarray, cap: int | None) -> bool:
        if not cap:
            return False
        c = codes[pos] if pos else np.array([], dtype=np.int32)
        c = c[c >= 0]
        return bool(c.size and np.unique(c, return_counts=True)[1].max() > cap)
    return {"duplicate": dup,
            "artist_cap": over(meta.artist, filters.max_per_artist),
            "album_cap": over(meta.album, filters.max_per_album)}
