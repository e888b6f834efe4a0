"""Typed records of the library: :class:`Track` (one row of ``tracks``) and :class:`Folder`."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

STATUSES = ("pending", "analysed", "failed", "missing")


@dataclass(slots=True)
class Track:
    """One audio file known to the library; attributes are exactly the ``tracks`` columns.

    ``path`` is a ``str``; a file name that is not valid UTF-8 is decoded with
    ``os.fsdecode`` (surrogateescape), so ``open(track.path)`` always works.
    """

    id: int | None = None
    path: str = ""
    folder_id: int | None = None
    size: int | None = None
    mtime: float | None = None
    fingerprint: str | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    albumartist: str | None = None
    genre: str | None = None
    tracknumber: int | None = None
    discnumber: int | None = None
    year: int | None = None
    duration: float | None = None
    codec: str | None = None
    samplerate: int | None = None
    channels: int | None = None
    bitrate: int | None = None
    mb_trackid: str | None = None
    mb_albumid: str | None = None
    mb_artistid: str | None = None
    status: str = "pending"
    error: str | None = None
    analysis_version: int | None = None
    added_at: float | None = None
    updated_at: float | None = None

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


TRACK_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Track))


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
