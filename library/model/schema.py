"""The ``tracks`` table, declared once (like beets' ``_fields``).

Each :class:`Field` gives a column's name, SQL type, Python type, constraint, default and
whether it comes from the file's tags and stream headers. Derived from :data:`TRACK_FIELDS`:

- :class:`soundalike.library.model.track.Track` (one attribute per field, in order, with these
  defaults) and :data:`TRACK_COLUMNS`;
- :class:`soundalike.library.files.tags.TagInfo` (the ``tag`` fields);
- the Store's SELECT/INSERT/UPDATE column lists and which values are cleaned as text;
- the GUI's table row (:class:`soundalike.library.model.views.Row`, a subset of the fields).

The migrations (:mod:`soundalike.library.store.migrations`) keep their SQL frozen as
history; ``tests/library/model/test_schema.py`` checks that a migrated database's
``PRAGMA table_info(tracks)`` equals this declaration (:func:`table_info`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from soundalike.library.model.states import TrackStatus


@dataclass(frozen=True, slots=True)
class Field:
    """One column of ``tracks``."""

    name: str
    sql: str                  # SQL type: INTEGER, REAL or TEXT
    py: type                  # the Python type of a value (None is allowed unless not_null)
    constraint: str = ""      # PRIMARY KEY, UNIQUE, REFERENCES … (documentation; DDL is history)
    default: Any = None       # the Python default of a new Track
    not_null: bool = False
    sql_default: str | None = None  # the column's DEFAULT as SQLite reports it
    tag: bool = False         # read from the file's tags / stream headers (TagInfo)

    @property
    def annotation(self) -> Any:
        """The attribute's type hint: ``py``, or ``py | None`` for nullable columns."""
        return self.py if self.not_null else self.py | None

    @property
    def primary_key(self) -> bool:
        return "PRIMARY KEY" in self.constraint

    @property
    def is_text(self) -> bool:
        """Free text (cleaned with ``printable`` before it is written); not paths or states."""
        return self.py is str and self.name != "path"


def _f(name: str, sql: str, **kw) -> Field:
    py = {"INTEGER": int, "REAL": float, "TEXT": str}[sql]
    return Field(name, sql, kw.pop("py", py), **kw)


TRACK_FIELDS: tuple[Field, ...] = (
    _f("id", "INTEGER", constraint="PRIMARY KEY"),
    _f("path", "TEXT", constraint="UNIQUE", not_null=True, default=""),
    _f("folder_id", "INTEGER", constraint="REFERENCES folders(id) ON DELETE SET NULL"),
    _f("size", "INTEGER"),
    _f("mtime", "REAL"),
    _f("fingerprint", "TEXT"),
    _f("title", "TEXT", tag=True),
    _f("artist", "TEXT", tag=True),
    _f("album", "TEXT", tag=True),
    _f("albumartist", "TEXT", tag=True),
    _f("genre", "TEXT", tag=True),
    _f("tracknumber", "INTEGER", tag=True),
    _f("discnumber", "INTEGER", tag=True),
    _f("year", "INTEGER", tag=True),
    _f("duration", "REAL", tag=True),
    _f("codec", "TEXT", tag=True),
    _f("samplerate", "INTEGER", tag=True),
    _f("channels", "INTEGER", tag=True),
    _f("bitrate", "INTEGER", tag=True),
    _f("mb_trackid", "TEXT", tag=True),
    _f("mb_albumid", "TEXT", tag=True),
    _f("mb_artistid", "TEXT", tag=True),
    _f("status", "TEXT", py=TrackStatus, not_null=True, default=TrackStatus.PENDING,
       sql_default="'pending'",
       constraint="CHECK (status IN (" + ",".join(f"'{s}'" for s in TrackStatus) + "))"),
    _f("error", "TEXT"),              # plain-words reason when failed (tag or analysis)
    _f("analysis_version", "INTEGER"),  # version of the analysis row, NULL if none
    _f("added_at", "REAL"),
    _f("updated_at", "REAL"),
)

FIELDS: dict[str, Field] = {f.name: f for f in TRACK_FIELDS}
TRACK_COLUMNS: tuple[str, ...] = tuple(FIELDS)
TAG_FIELDS: tuple[Field, ...] = tuple(f for f in TRACK_FIELDS if f.tag)
#: what :meth:`Store.update_tracks` writes (``id`` and ``added_at`` never change)
WRITABLE_COLUMNS: tuple[str, ...] = tuple(c for c in TRACK_COLUMNS if c not in ("id", "added_at"))
TEXT_COLUMNS: frozenset[str] = frozenset(f.name for f in TRACK_FIELDS if f.is_text)


def table_info() -> list[tuple[str, str, int, str | None, int]]:
    """``(name, type, notnull, dflt_value, pk)`` per field, as ``PRAGMA table_info(tracks)``
    reports them for a table created by the migrations."""
    return [(f.name, f.sql, int(f.not_null), f.sql_default, int(f.primary_key))
            for f in TRACK_FIELDS]


def dataclass_fields(names: tuple[str, ...] | None = None, *,
                     defaults: bool = True) -> list[tuple]:
    """``(name, annotation[, dataclasses.field(default=…)])`` for ``make_dataclass``."""
    import dataclasses

    out = []
    for f in TRACK_FIELDS if names is None else (FIELDS[n] for n in names):
        if defaults:
            out.append((f.name, f.annotation, dataclasses.field(default=f.default)))
        else:
            out.append((f.name, f.annotation))
    return out
