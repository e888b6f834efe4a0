"""Vocal / instrumental character from the taggers' voice words."""

import numpy as np

from soundalike.engine import character as ch
from soundalike.engine.cnn import MTT_LABELS, TAG_LABELS


def _tags(labels, values: dict) -> np.ndarray:
    row = np.full(len(labels), 0.01, np.float32)
    for word, v in values.items():
        row[labels.index(word)] = v
    return row


def test_voice_words_decide_and_close_calls_are_unsure():
    mtt = np.stack([_tags(MTT_LABELS, {"male vocal": 0.7, "no vocals": 0.1}),
                    _tags(MTT_LABELS, {"no vocals": 0.6, "vocal": 0.2}),
                    _tags(MTT_LABELS, {"vocal": 0.30, "no voice": 0.28})])
    msd = np.stack([_tags(TAG_LABELS, {}), _tags(TAG_LABELS, {"instrumental": 0.4}),
                    _tags(TAG_LABELS, {})])
    got = ch.characters({"mtt": mtt, "msd": msd})
    assert got.tolist() == [ch.VOCAL, ch.INSTRUMENTAL, ch.UNSURE]
    # MSD alone (a library whose MTT tags are not computed yet)
    only = ch.characters({"msd": np.stack([_tags(TAG_LABELS, {"female vocalists": 0.5}),
                                           _tags(TAG_LABELS, {"instrumental": 0.5})])})
    assert only.tolist() == [ch.VOCAL, ch.INSTRUMENTAL]


def test_seed_character_is_the_majority_and_unsure_agrees_with_all():
    chars = np.array([ch.VOCAL, ch.VOCAL, ch.INSTRUMENTAL, ch.UNSURE], np.int8)
    assert ch.seed_character(chars, [0, 1, 2]) == ch.VOCAL
    assert ch.seed_character(chars, [3]) == ch.UNSURE
    assert ch.agrees(chars, ch.INSTRUMENTAL).tolist() == [False, False, True, True]
