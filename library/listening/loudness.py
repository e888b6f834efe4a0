"""Playback level: which gain a track gets, from its ReplayGain tags or, without tags,
from the analysis's loudness feature.

Pure logic (no Qt, no SQL): the player asks :func:`choose_gain` for each track it starts.

Modes (:class:`GainMode`): ``off``; ``track`` (each track at the reference level);
``album`` (an album's tracks keep their relative levels); ``auto`` (album gain while an
album plays in order, else track gain — the caller says which through *in_album*).

Without ReplayGain tags (:attr:`GainSettings.level_untagged`), the level comes from
``engine.dsp``'s ``loudness_db``: the mean square of the analysed excerpts (3 × 12 s, mono
mix at 16 kHz), in dBFS, unweighted and ungated. It maps to a ReplayGain-2.0-style gain as

    estimated loudness (LUFS) = loudness_db + ESTIMATE_OFFSET_DB
    gain (dB)                 = REFERENCE_LUFS − estimated loudness

(−18 LUFS is ReplayGain 2.0's reference). ESTIMATE_OFFSET_DB is the median difference
between a BS.1770 measurement of whole files and ``loudness_db`` on the development corpus
(benchmarks/loudness.py; the spread of the error is in benchmarks/RESULTS.md). For an
album without album tags, its level is the energy mean of its tracks' estimates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from soundalike.library.files.tags import ReplayGain

#: ReplayGain 2.0's reference loudness (LUFS)
REFERENCE_LUFS = -18.0
#: BS.1770 integrated loudness ≈ dsp's loudness_db + this (dB). Pre-registered as +3.0
#: (the channel sum); benchmarks/loudness.py measured a bias of −0.43 dB on the development
#: corpus (262 tracks), so it is calibrated to 2.6 (benchmarks/RESULTS.md)
ESTIMATE_OFFSET_DB = 2.6
#: an estimate never moves a track by more than this (dB) either way
ESTIMATE_LIMIT_DB = 12.0
#: analysis loudness at or below this is silence: no estimate
SILENT_DB = -70.0


class GainMode(StrEnum):
    OFF = "off"
    TRACK = "track"
    ALBUM = "album"
    AUTO = "auto"


class GainSource(StrEnum):
    NONE = "none"
    TRACK_TAGS = "track tags"
    ALBUM_TAGS = "album tags"
    TRACK_ESTIMATE = "track estimate"
    ALBUM_ESTIMATE = "album estimate"


@dataclass(frozen=True, slots=True)
class GainSettings:
    """The user's loudness settings."""

    mode: GainMode = GainMode.AUTO
    #: added to every gain (dB); ReplayGain's reference is quieter than most masters
    preamp_db: float = 0.0
    #: never raise a track above the level at which its tagged peak would clip
    prevent_clipping: bool = True
    #: level tracks without tags from their analysis
    level_untagged: bool = True


@dataclass(frozen=True, slots=True)
class Gain:
    """What the player applies: ``db`` and its linear ``factor`` (amplitude), and where
    the gain came from."""

    db: float = 0.0
    source: GainSource = GainSource.NONE
    #: True when the peak limited the gain
    limited: bool = False

    @property
    def factor(self) -> float:
        return 10.0 ** (self.db / 20.0)


def estimate_gain_db(loudness_db: float | None) -> float | None:
    """The gain (dB) the analysis's ``loudness_db`` suggests, or None (no analysis, silence)."""
    if loudness_db is None or not math.isfinite(loudness_db) or loudness_db <= SILENT_DB:
        return None
    gain = REFERENCE_LUFS - (loudness_db + ESTIMATE_OFFSET_DB)
    return max(-ESTIMATE_LIMIT_DB, min(ESTIMATE_LIMIT_DB, gain))


def album_loudness_db(values: Sequence[float]) -> float | None:
    """The energy mean of the album's tracks' ``loudness_db`` (silent ones left out)."""
    live = [v for v in values if v is not None and math.isfinite(v) and v > SILENT_DB]
    if not live:
        return None
    return 10.0 * math.log10(sum(10.0 ** (v / 10.0) for v in live) / len(live))


def choose_gain(rg: ReplayGain, settings: GainSettings, *, in_album: bool = False,
                track_loudness_db: float | None = None,
                album_loudness: float | None = None) -> Gain:
    """The gain for one track.

    Parameters
    ----------
    rg : ReplayGain
        The file's tags (possibly empty).
    settings : GainSettings
    in_album : bool
        For ``auto``: the track is played as part of its album in order.
    track_loudness_db, album_loudness : float, optional
        The analysis's ``loudness_db`` of the track and the energy mean over its album
        (:func:`album_loudness_db`), used without tags when ``level_untagged``.
    """
    mode = GainMode(settings.mode)
    if mode is GainMode.OFF:
        return Gain()
    album = mode is GainMode.ALBUM or (mode is GainMode.AUTO and in_album)
    peak = None
    if album and rg.album_gain is not None:
        db, source, peak = rg.album_gain, GainSource.ALBUM_TAGS, rg.album_peak
    elif rg.track_gain is not None:
        db, source, peak = rg.track_gain, GainSource.TRACK_TAGS, rg.track_peak
    elif settings.level_untagged:
        estimate = estimate_gain_db(album_loudness) if album else None
        source = GainSource.ALBUM_ESTIMATE
        if estimate is None:
            estimate, source = estimate_gain_db(track_loudness_db), GainSource.TRACK_ESTIMATE
        if estimate is None:
            return Gain()
        db = estimate
    else:
        return Gain()
    db += settings.preamp_db
    limited = False
    if settings.prevent_clipping and peak is not None and peak > 0:
        ceiling = -20.0 * math.log10(peak)  # the gain that brings the peak to full scale
        if db > ceiling:
            db, limited = ceiling, True
    return Gain(db, source, limited)
