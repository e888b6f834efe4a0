"""What recommendations return: :class:`Result` s in a :class:`ResultList` (with the note
of a list topped up beyond the variety caps), the :class:`RecommendError` they raise, and
the records and labels tracks get in them (:func:`track_meta`, :func:`track_label`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from soundalike.engine.filters import TrackMeta
from soundalike.library.model.errors import LibraryError
from soundalike.library.model.track import Track


class RecommendError(LibraryError):
    """A recommendation cannot be made (track not analysed, nothing analysed, …)."""


@dataclass(slots=True)
class Result:
    """One recommended track."""

    track: Track
    score: float
    reasons: list[str]
    explanation: str

    def to_dict(self) -> dict:
        return {"track": self.track.to_dict(), "score": round(self.score, 4),
                "reasons": list(self.reasons), "explanation": self.explanation}


class ResultList(list):
    """The results of one query (a ``list`` of :class:`Result`), best first.

    When the variety caps would have left it short of *n* (and the filters are not
    ``strict_caps``), the last :attr:`topped_up` results are the best remaining tracks
    beyond the caps, and :attr:`note` says so in plain words, naming their artists.
    """

    def __init__(self, results: Iterable[Result] = (), topped_up: int = 0):
        super().__init__(results)
        self.topped_up = int(topped_up)

    @property
    def topped_up_artists(self) -> list[str]:
        """Artists of the topped-up results, in order, each once."""
        if not self.topped_up:
            return []
        names = (r.track.display_artist for r in self[len(self) - self.topped_up:])
        return list(dict.fromkeys(names))

    @property
    def note(self) -> str:
        """``"more by Eric Matyas: your library has few other artists like this"``, or
        ``""`` when the caps did not have to be lifted."""
        return topped_up_note(self.topped_up_artists) if self.topped_up else ""

    def to_dict(self) -> dict:
        return {"results": [r.to_dict() for r in self], "topped_up": self.topped_up,
                "note": self.note}


def topped_up_note(artists: Sequence[str]) -> str:
    """The plain note for a list topped up with tracks by *artists*."""
    names = list(artists)
    if len(names) > 3:
        names = [*names[:2], f"{len(names) - 2} others"]
    who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"more by {who}: your library has few other artists like this"


def track_meta(track: Track) -> TrackMeta:
    """The filter/explanation record of a stored track."""
    return TrackMeta(track_id=int(track.id), artist=track.artist or track.albumartist or "",
                     title=track.title or "", album=track.album or "",
                     albumartist=track.albumartist or "", genre=track.genre or "",
                     path=track.path, duration=track.duration, fingerprint=track.fingerprint)


def track_label(track: Track) -> str:
    """``Artist – Title`` as shown to users."""
    return f"{track.display_artist} – {track.display_title}"
