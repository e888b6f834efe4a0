"""The one folding of text for comparison: accents dropped and case folded.

``"Beyoncé" → "beyonce"``, ``"ÉLAN" → "elan"``, ``"Straße" → "strasse"``: Unicode NFKD,
combining marks removed, then casefolded (ASCII text is only lowercased, which is the same
and faster). The library's search (:mod:`soundalike.library.model.search`), the result
filters' comparisons (:func:`soundalike.engine.filters.normalise_text`) and the mood words
(:func:`soundalike.engine.moods.fold`) all start from it, so one search semantic holds.
"""

from __future__ import annotations

import unicodedata


def fold_text(text: str) -> str:
    """*text* with accents dropped and case folded."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()
