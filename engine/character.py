"""A track's character: sung (vocal) or instrumental, from the taggers' voice words.

Both taggers have words for voices. MagnaTagATune (MTT) has "vocal", "singing",
"male voice", … and their opposites "no vocals", "no vocal", "no voice"; the MSD model
has "female vocalists", "male vocalists" and "instrumental". A track is *vocal* when
the strongest voice word (of either tagger) is more probable than the strongest
no-voice word by at least :data:`MARGIN`, *instrumental* when the reverse holds, and
*unsure* in between (an unsure track may follow either kind). The radio and the mixes
use it to keep a seed's character (issue 24, lms-blissmixer #13).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

VOCAL = 1
INSTRUMENTAL = 0
UNSURE = -1
NAMES = {VOCAL: "vocal", INSTRUMENTAL: "instrumental", UNSURE: "unsure"}

#: voice words per tagger (a word missing from a vocabulary is ignored)
VOICE_WORDS: dict[str, tuple[str, ...]] = {
    "mtt": ("vocal", "vocals", "singing", "voice", "male vocal", "female vocal",
            "male voice", "female voice", "choir", "choral", "opera"),
    "msd": ("female vocalists", "male vocalists", "female vocalist"),
}
#: no-voice words per tagger
NO_VOICE_WORDS: dict[str, tuple[str, ...]] = {
    "mtt": ("no vocals", "no vocal", "no voice"),
    "msd": ("instrumental",),
}
#: how much more probable one side must be (tag probabilities are in 0 … 1)
MARGIN = 0.05


def _strongest(tags: np.ndarray, labels: Sequence[str], words: Sequence[str]) -> np.ndarray:
    cols = [i for i, label in enumerate(labels) if label.lower() in words]
    if not cols:
        return np.zeros(len(tags), np.float32)
    return np.asarray(tags, np.float32)[:, cols].max(axis=1)


def voice_balance(tags: Mapping[str, np.ndarray],
                  vocabularies: Mapping[str, Sequence[str]]) -> np.ndarray:
    """Strongest voice word minus strongest no-voice word, per track (−1 … 1).

    Parameters
    ----------
    tags : mapping
        Tagger name → tag probabilities, shape (n, len(vocabulary)); either may be
        missing (a library whose MTT tags are not computed yet uses MSD alone).
    vocabularies : mapping
        Tagger name → its labels in column order (``engine.cnn.tag_vocabulary()``).
    """
    voice = no_voice = None
    for name, t in tags.items():
        if name not in vocabularies or t is None or len(t) == 0:
            continue
        v = _strongest(t, vocabularies[name], VOICE_WORDS.get(name, ()))
        nv = _strongest(t, vocabularies[name], NO_VOICE_WORDS.get(name, ()))
        voice = v if voice is None else np.maximum(voice, v)
        no_voice = nv if no_voice is None else np.maximum(no_voice, nv)
    if voice is None:
        n = max((len(t) for t in tags.values() if t is not None), default=0)
        return np.zeros(n, np.float32)
    return (voice - no_voice).astype(np.float32)


def characters(tags: Mapping[str, np.ndarray],
               vocabularies: Mapping[str, Sequence[str]] | None = None,
               margin: float = MARGIN) -> np.ndarray:
    """:data:`VOCAL`, :data:`INSTRUMENTAL` or :data:`UNSURE` per track (int8)."""
    if vocabularies is None:
        from soundalike.engine.cnn import tag_vocabulary

        vocabularies = tag_vocabulary()
    b = voice_balance(tags, vocabularies)
    out = np.full(len(b), UNSURE, np.int8)
    out[b >= margin] = VOCAL
    out[b <= -margin] = INSTRUMENTAL
    return out


def seed_character(chars: np.ndarray, seeds: Sequence[int]) -> int:
    """The character the seeds share: the majority of their sure characters, or
    :data:`UNSURE` (nothing to keep) when none is sure or they are evenly split."""
    c = [int(chars[int(s)]) for s in seeds if int(chars[int(s)]) != UNSURE]
    if not c:
        return UNSURE
    vocal = sum(x == VOCAL for x in c)
    if vocal * 2 == len(c):
        return UNSURE
    return VOCAL if vocal * 2 > len(c) else INSTRUMENTAL


def agrees(chars: np.ndarray, want: int) -> np.ndarray:
    """Tracks that may follow a seed of character *want* (same, or unsure)."""
    if want == UNSURE:
        return np.ones(len(chars), bool)
    return (chars == want) | (chars == UNSURE)
