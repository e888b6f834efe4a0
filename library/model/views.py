"""The library table's views: :class:`Browse` (what the table shows), its :data:`COLUMNS`,
the :class:`Row` records of a table row (a subset of the ``tracks`` fields,
:mod:`soundalike.library.model.schema`) and the album grid's :class:`Album`.

Read through :class:`soundalike.library.browse.LibraryReader`; the SQL behind them lives in
:mod:`soundalike.library.store.browse`.
"""

from __future__ import annotations

from dataclasses import dataclass, make_dataclass
from pathlib import Path

from soundalike.library.model.schema import dataclass_fields
from soundalike.library.model.track import Track

#: (key, header) of the library table's columns, in display order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("artist", "Artist"),
    ("album", "Album"),
    ("genre", "Genre"),
    ("year", "Year"),
    ("duration", "Length"),
    ("status", "Analysis"),
)
COLUMN_KEYS = tuple(k for k, _ in COLUMNS)


@dataclass(frozen=True, slots=True)
class Browse:
    """What the library table shows. Empty fields do not filter."""

    text: str = ""
    artist: str | None = None
    album: str | None = None
    genre: str | None = None
    folder_id: int | None = None
    playlist_id: int | None = None


class _RowMethods:
    __slots__ = ()

    @property
    def display_title(self) -> str:
        return self.title or Path(self.path).stem

    @property
    def display_artist(self) -> str:
        return self.artist or self.albumartist or "Unknown artist"


#: the ``tracks`` fields a table row holds, in :class:`Row`'s positional order
ROW_FIELDS: tuple[str, ...] = ("id", "path", "title", "artist", "album", "genre", "year",
                               "duration", "status", "error", "albumartist", "tracknumber")
ROW_SQL = ", ".join(ROW_FIELDS)
Row = make_dataclass("Row", dataclass_fields(ROW_FIELDS, defaults=False),
                     bases=(_RowMethods,), frozen=True, slots=True,
                     namespace={"__module__": __name__})
Row.__doc__ = "One library table row: the displayed columns of a track (schema types)."


@dataclass(frozen=True, slots=True)
class Album:
    """One album of the album grid: its name, who it is by (album artist, else artist),
    its number of tracks, latest year and the path of its first file (for the cover)."""

    name: str
    artist: str | None
    tracks: int
    year: int | None
    path: str

    @property
    def display_artist(self) -> str:
        return self.artist or "Unknown artist"


def row_from_track(track: Track) -> Row:
    """The :class:`Row` of a :class:`~soundalike.library.model.track.Track`."""
    return Row(*(getattr(track, name) for name in ROW_FIELDS))
