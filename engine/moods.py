"""Radio from words: "calm, piano, instrumental" → tracks of the library to start from.

Words are looked up in the tag vocabularies (:func:`vocabularies`: the MSD model's 50
tags and the MTT model's 50, ``engine.cnn.tag_vocabulary``) and in a few plain
:data:`ALIASES` ("calm" → mellow, chill, easy listening). A track's mood score is the
mean, over the words, of how far its tag probability lies above the library's mean for
that tag (in library standard deviations); tracks outside a tempo range, or far from a
wanted energy, score lower. Energy (0 … 1) is a track's rank in the library by loudness,
beat strength, brightness and tempo together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from soundalike.engine.errors import SoundalikeError
from soundalike.engine.text import fold_text

#: plain words → tags of a vocabulary (any that exists there)
ALIASES: dict[str, tuple[str, ...]] = {
    "calm": ("mellow", "chill", "chillout", "easy listening", "soft", "quiet", "slow"),
    "relaxing": ("chillout", "chill", "mellow", "easy listening", "soft"),
    "relaxed": ("chillout", "chill", "mellow", "easy listening", "soft"),
    "energetic": ("party", "dance", "fast", "loud"),
    "upbeat": ("happy", "party", "catchy", "dance"),
    "melancholic": ("sad",), "melancholy": ("sad",),
    "hip hop": ("hip-hop",), "hiphop": ("hip-hop",), "r&b": ("rnb",),
    "female vocals": ("female vocalists", "female vocalist"),
    "male vocals": ("male vocalists",),
    "electronic music": ("electronic",), "techno": ("techno", "electro", "house"),
}

#: features that make up "energy" (each as a rank in the library)
ENERGY_FEATURES = ("loudness_db", "beat_strength", "spectral_centroid_hz", "tempo_bpm")


def vocabularies() -> dict[str, tuple[str, ...]]:
    """Tag vocabularies by name, each in its model's column order (``"msd"``, ``"mtt"``:
    ``engine.cnn.tag_vocabulary``). A library without MTT tags yet scores the MTT words'
    columns as absent (``mood_scores`` skips a vocabulary it has no tags for)."""
    from soundalike.engine.cnn import tag_vocabulary

    return tag_vocabulary()


class UnknownWordsError(SoundalikeError):
    """Some words are in no vocabulary; the message lists the known ones."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]):
        self.unknown, self.known = list(unknown), list(known)
        quoted = ", ".join(f"“{w}”" for w in self.unknown)
        head = (f"unknown mood word{'s' if len(self.unknown) > 1 else ''} {quoted}"
                if self.unknown else "no mood words given")
        super().__init__(f"{head}. Known words: {', '.join(self.known)}")


@dataclass(frozen=True, slots=True)
class TagRef:
    """One word resolved to a column of a vocabulary."""

    word: str
    vocabulary: str
    column: int
    label: str


def fold(text: str) -> str:
    t = fold_text(str(text)).strip()
    return " ".join(t.replace("_", " ").split())


def known_words(vocabs: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Every word :func:`lookup` accepts (labels and aliases), sorted, each once."""
    vocabs = vocabularies() if vocabs is None else vocabs
    labels = {fold(label) for labels in vocabs.values() for label in labels}
    words = set(labels) | {a for a, tags in ALIASES.items() if labels & set(tags)}
    return sorted(w for w in words if w not in {"00s", "60s", "70s", "80s", "90s"})


def parse_words(text: str) -> list[str]:
    """Comma-separated words (``"calm, piano, easy listening"``), folded, each once."""
    return list(dict.fromkeys(w for w in (fold(p) for p in str(text).split(",")) if w))


def lookup(words: Sequence[str] | str,
           vocabs: Mapping[str, Sequence[str]] | None = None) -> list[TagRef]:
    """The vocabulary columns the words name.

    A word matches a label (case, accents, spaces/hyphens folded) in any vocabulary, or
    an alias. An item that is no word but whose space-separated parts all are
    ("calm piano") counts as those words.

    Raises
    ------
    UnknownWordsError
        Some words match nothing (its message lists the known words).
    """
    vocabs = vocabularies() if vocabs is None else vocabs
    items = parse_words(words) if isinstance(words, str) else [fold(w) for w in words]
    index: dict[str, list[tuple[str, int, str]]] = {}
    for name, labels in vocabs.items():
        for i, label in enumerate(labels):
            for key in {fold(label), fold(label).replace("-", " "), fold(label).replace(" ", "")}:
                index.setdefault(key, []).append((name, i, label))

    def refs_for(word: str) -> list[TagRef] | None:
        hits = index.get(word) or index.get(word.replace("-", " "))
        if hits:
            return [TagRef(word, n, i, label) for n, i, label in hits]
        tags = ALIASES.get(word, ())
        out = [TagRef(word, n, i, label) for t in tags for n, i, label in index.get(t, [])]
        return out or None

    found: list[TagRef] = []
    unknown: list[str] = []
    for item in items:
        refs = refs_for(item)
        if refs is None and " " in item:
            parts = [refs_for(p) for p in item.split()]
            if all(parts):
                refs = [r for p in parts for r in p]
        if refs is None:
            unknown.append(item)
        else:
            found += refs
    if unknown:
        raise UnknownWordsError(unknown, known_words(vocabs))
    if not found:
        raise UnknownWordsError([], known_words(vocabs))
    return list(dict.fromkeys(found))


def energy(features: np.ndarray, feature_names: Sequence[str]) -> np.ndarray:
    """Energy 0 … 1 per track: its rank in the library by :data:`ENERGY_FEATURES`.

    Parameters
    ----------
    features : np.ndarray, shape (n, len(feature_names))
    """
    f = np.atleast_2d(np.asarray(features))
    n = len(f)
    if n == 0:
        return np.zeros(0, np.float32)
    cols = [list(feature_names).index(x) for x in ENERGY_FEATURES if x in feature_names]
    ranks = np.zeros(n)
    for c in cols:  # one column at a time in float64, not a float64 copy of every feature
        col = np.nan_to_num(f[:, c].astype(np.float64))
        ranks += np.argsort(np.argsort(col, kind="stable"), kind="stable")
    ranks = np.argsort(np.argsort(ranks, kind="stable"), kind="stable")
    return (ranks / max(1, n - 1)).astype(np.float32)


def mood_scores(tags: Mapping[str, np.ndarray], refs: Sequence[TagRef], *,
                tempo: np.ndarray | None = None, tempo_range: tuple[float, float] | None = None,
                energy_of: np.ndarray | None = None,
                energy_target: float | None = None) -> np.ndarray:
    """How well each track fits the words, tempo range and energy (higher is better).

    Parameters
    ----------
    tags : mapping vocabulary → np.ndarray, shape (n, len(vocabulary))
        Tag probabilities of the library per vocabulary.
    refs : sequence of TagRef
        From :func:`lookup`; words that resolve to several tags count once (their mean).
    tempo : np.ndarray, shape (n,), optional
        BPM per track (0: unknown), with *tempo_range* ``(low, high)``: tracks outside
        score lower by how far outside they are (half and double time count as inside).
    energy_of : np.ndarray, shape (n,), optional
        :func:`energy` per track, with *energy_target* in 0 … 1.
    """
    n = len(next(iter(tags.values()))) if tags else (0 if tempo is None else len(tempo))
    score = np.zeros(n, np.float64)
    by_word: dict[str, list[TagRef]] = {}
    for r in refs:
        by_word.setdefault(r.word, []).append(r)
    for word_refs in by_word.values():
        cols = []
        for r in word_refs:
            m = tags.get(r.vocabulary)
            if m is None or r.column >= m.shape[1]:
                continue
            col = np.asarray(m[:, r.column], np.float64)
            sd = float(col.std())
            cols.append((col - col.mean()) / (sd if sd > 1e-9 else 1.0))
        if cols:
            score += np.mean(cols, axis=0) / len(by_word)
    if tempo is not None and tempo_range is not None:
        lo, hi = sorted(float(x) for x in tempo_range)
        t = np.asarray(tempo, np.float64)
        best = np.full(n, np.inf)
        for k in (1.0, 0.5, 2.0):
            tk = t * k
            outside = np.where(tk < lo, lo - tk, np.where(tk > hi, tk - hi, 0.0))
            best = np.minimum(best, outside + (0.0 if k == 1.0 else 5.0))
        best = np.where(t > 0, best, 20.0)   # unknown tempo: as if 20 BPM off
        score -= best / 10.0
    if energy_of is not None and energy_target is not None:
        score -= 4.0 * np.abs(np.asarray(energy_of, np.float64) - float(energy_target))
    return score.astype(np.float32)
