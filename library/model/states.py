"""The states the library names: track statuses, store events, analysis states,
recommendation methods.

All are :class:`enum.StrEnum`, so a member equals (and JSON-encodes as) its string:
``TrackStatus.ANALYSED == "analysed"``; the database and every JSON output hold the same
text as before these types existed.
"""

from __future__ import annotations

from enum import StrEnum


class TrackStatus(StrEnum):
    """``tracks.status``: where a track stands in the analysis."""

    PENDING = "pending"     # waiting for (re-)analysis
    ANALYSED = "analysed"   # has an analysis row
    FAILED = "failed"       # could not be read or analysed; ``tracks.error`` says why
    MISSING = "missing"     # the file is gone (its analysis is kept)


class StoreEvent(StrEnum):
    """What :meth:`Store.subscribe` callbacks hear after a commit."""

    TRACKS_ADDED = "tracks-added"
    TRACKS_CHANGED = "tracks-changed"
    TRACKS_MOVED = "tracks-moved"
    TRACKS_MISSING = "tracks-missing"
    TRACKS_REMOVED = "tracks-removed"
    ANALYSIS_SAVED = "analysis-saved"
    ANALYSIS_FAILED = "analysis-failed"
    FOLDERS_CHANGED = "folders-changed"
    PLAYLISTS_CHANGED = "playlists-changed"


class AnalysisState(StrEnum):
    """``Progress.state`` of an analysis run (:mod:`soundalike.library.analysis.controller`)."""

    IDLE = "idle"                          # kept running, nothing to do
    RUNNING = "running"
    PAUSED = "paused"                      # paused by the user
    PAUSED_BATTERY = "paused-battery"      # on battery power, set to pause then
    PAUSED_DISK_FULL = "paused-disk-full"  # waiting for free space (``message`` says how much)
    WAITING = "waiting"                    # only tracks another analyser works on are left
    FINISHED = "finished"
    CANCELLED = "cancelled"
    ERROR = "error"                        # cannot run; ``message`` says why


class Method(StrEnum):
    """How recommendations compare tracks (``engine.similarity.METHODS``)."""

    HYBRID = "hybrid"   # fitted vectors of features, tags and embedding
    SEED = "seed"       # the CNN's genre distribution only


#: ``tracks.status`` values in declaration order (what ``--status`` accepts).
STATUSES: tuple[str, ...] = tuple(s.value for s in TrackStatus)
DEFAULT_METHOD = Method.HYBRID
