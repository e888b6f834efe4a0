"""Typed records of the library: :class:`Track` (one row of ``tracks``) and :class:`Folder`.

``Track``'s attributes are derived from :data:`soundalike.library.model.schema.TRACK_FIELDS`
(names, order, types and defaults), so the class and the table cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, make_dataclass

from soundalike.library.model.schema import TRACK_COLUMNS, dataclass_fields
from soundalike.library.model.states import STATUSES, TrackStatus

__all__ = ["STATUSES", "TRACK_COLUMNS", "Folder", "Track", "TrackStatus", "printable"]


class _TrackMethods:
    """What a :class:`Track` does besides holding its columns."""

    __slots__ = ()

    @property
    def display_title(self) -> str:
        """The title, else the file name without its extension."""
        if self.title:
            return self.title
        return os.path.splitext(os.path.basename(self.path))[0] or self.path

    @property
    def display_artist(self) -> str:
        """The artist, else the album artist, else ``"Unknown artist"``."""
        return self.artist or self.albumartist or "Unknown artist"

    def to_dict(self) -> dict:
        """A JSON-safe dict (file names that are not UTF-8 are shown with U+FFFD)."""
        out = {name: getattr(self, name) for name in TRACK_COLUMNS}
        out["path"] = printable(self.path)
        return out


Track = make_dataclass("Track", dataclass_fields(), bases=(_TrackMethods,), slots=True,
                       namespace={"__module__": __name__})
Track.__doc__ = """One audio file known to the library; attributes are exactly the ``tracks``
columns (:data:`soundalike.library.model.schema.TRACK_FIELDS`).

``path`` is a ``str``; a file name that is not valid UTF-8 is decoded with
``os.fsdecode`` (surrogateescape), so ``open(track.path)`` always works.
"""


@dataclass(slots=True)
class Folder:
    """A configured music folder (``folders`` row)."""

    id: int
    path: str
    added_at: float


def printable(text: str) -> str:
    """*text* with undecodable bytes (lone surrogates) replaced by U+FFFD, safe to print."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = text.encode("utf-8", "replace")
        return raw.decode("utf-8", "replace")
