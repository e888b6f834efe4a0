"""The one search semantic of Soundalike (library table, ``soundalike tracks``, radio seeds).

A search is a list of words; a track matches when every word occurs somewhere in its
*search text*: title, artist, album, album artist, genre and path, folded by :func:`fold`
(Unicode NFKD, accents dropped, casefolded), so ``beyonce`` finds "Beyoncé" and ``ÉLAN``
finds "élan". Words are literal (``%`` and ``_`` are not wildcards); a word made only of
dashes (the "–" in "Artist – Title") separates and is not searched for.

SQL uses the same functions: every Store connection registers ``fold(text)``,
``search_text(…)`` and ``search_match(words, …)`` (see
:mod:`soundalike.library.store.connection`), and
:func:`sql_clause` builds the ``WHERE`` terms; in memory :func:`filter_indices` matches
the same words against the same text.
"""

from __future__ import annotations

import os
from functools import lru_cache

from soundalike.engine.text import fold_text
from soundalike.library.model.track import printable

#: the columns a search looks in, in this order
SEARCH_COLUMNS: tuple[str, ...] = ("title", "artist", "album", "albumartist", "genre", "path")
_DASHES = frozenset("-‐‑‒–—―−")


def _fold(text: str) -> str:
    if text.isascii():  # fold_text's own fast path, without a call: one per row in SQL
        return text.lower()
    return printable(fold_text(text))  # undecodable bytes of a path → U+FFFD (SQLite: UTF-8)


_fold_cached = lru_cache(maxsize=65536)(_fold)


def fold(value: str | bytes | None) -> str:
    """*value* for comparison: accents dropped and case folded (``"ÉLAN" → "elan"``).

    ``None`` gives ``""``; bytes (a path that is not UTF-8) are ``os.fsdecode``-d first
    and bytes that are not UTF-8 become U+FFFD.
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    return _fold_cached(str(value))


def search_text(*values: str | bytes | None) -> str:
    """The folded text search words are matched against (values joined by newlines).

    Folding the joined text equals joining the folded values (NFKD, dropping combining
    marks and casefolding never reach across the newline), and is one call per track.
    """
    return _fold("\n".join(os.fsdecode(v) if isinstance(v, bytes) else str(v)
                           for v in values if v))


def search_words(text: str | None) -> list[str]:
    """The folded words of a search (each must occur in the track's search text)."""
    return [w for w in fold(text).split() if not set(w) <= _DASHES]


def matches(hay: str, words: list[str]) -> bool:
    """True if every one of *words* (from :func:`search_words`) occurs in *hay*."""
    return all(w in hay for w in words)


def filter_indices(hay: list[str], text: str, within: list[int] | None = None) -> list[int]:
    """Positions in *hay* (or in *within*, order kept) whose text holds every word."""
    keep = range(len(hay)) if within is None else within
    for word in sorted(search_words(text), key=len, reverse=True):  # longest: fewest left
        keep = [i for i in keep if word in hay[i]]
    return list(keep)


def filter_view(ids: list[int], hay: list[str], text: str) -> list[int]:
    """The *ids* (order kept) whose search text contains every word of *text*."""
    if not search_words(text):
        return list(ids)
    return [ids[i] for i in filter_indices(hay, text)]


def search_match(words: str, *values: str | bytes | None) -> int:
    """SQL ``search_match(words, col, …)``: 1 if every newline-separated word of *words*
    occurs in the search text of *values*, else 0 (one call per row for any number of
    words)."""
    hay = search_text(*values)
    return int(all(w in hay for w in words.split("\n")))


def sql_clause(text: str | None, prefix: str = "") -> tuple[list[str], list[str]]:
    """``WHERE`` terms (to be AND-ed) and their parameters for the search *text*.

    *prefix* qualifies the columns (``"t."``). Needs the ``search_match`` SQL function
    every Store connection registers.
    """
    words = search_words(text)
    if not words:
        return [], []
    cols = ", ".join(prefix + c for c in SEARCH_COLUMNS)
    return [f"search_match(?, {cols})"], ["\n".join(words)]
