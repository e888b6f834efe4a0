"""The library cache: one SQLite file holding folders, tracks, analysis results and playlists.

:class:`Store` is composed of one mixin per concern, each in its own module:

- :mod:`.connection` — opening, WAL/busy-timeout settings, ``transaction()``, change
  events (``subscribe``), path values, the search SQL functions;
- :mod:`.migrations` — :data:`MIGRATIONS` (numbered, recorded in ``schema_migrations``),
  schema version, integrity check; :mod:`.data_steps` — the rewriting of existing rows a
  migration calls for (with progress, resumable);
- :mod:`.folders`, :mod:`.tracks`, :mod:`.analyses`, :mod:`.claims`, :mod:`.playlists`,
  :mod:`.settings` — one table each (claims: which analyser works on which track);
- :mod:`.map_layout` — the library map's cached layout;
- :mod:`.browse` — the views the desktop library table and sidebar show;
- :mod:`.backup` — the small rotating backup of playlists, settings and folders;
  :mod:`.recovery` — the start-up check of the file and the recovery of a damaged one.

No SQL and no sqlite3 connection lives outside this package; other modules call Store
methods (:mod:`soundalike.library.browse` for searching and browsing).
"""

from __future__ import annotations

import os

from soundalike.library.model.states import StoreEvent
from soundalike.library.store.analyses import AnalysesMixin, AnalysisRow
from soundalike.library.store.backup import BackupMixin
from soundalike.library.store.browse import BrowseMixin
from soundalike.library.store.claims import Claim, ClaimsMixin
from soundalike.library.store.connection import (
    BATCH_SIZE,
    BUSY_TIMEOUT_MS,
    StoreBase,
    db_path_param,
    db_path_value,
    default_db_path,
)
from soundalike.library.store.data_steps import DataStepsMixin, StepProgress, StepsReport
from soundalike.library.store.folders import FoldersMixin
from soundalike.library.store.map_layout import MapLayoutInfo, MapLayoutMixin
from soundalike.library.store.migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    MigrationsMixin,
)
from soundalike.library.store.playlists import Playlist, PlaylistsMixin
from soundalike.library.store.settings import SettingsMixin
from soundalike.library.store.tracks import IndexEntry, TracksMixin

__all__ = ["BATCH_SIZE", "BUSY_TIMEOUT_MS", "MIGRATIONS", "SCHEMA_VERSION", "AnalysisRow",
           "Claim", "IndexEntry", "MapLayoutInfo", "Migration", "Playlist", "StepProgress",
           "StepsReport", "Store", "StoreEvent", "db_path_param", "db_path_value",
           "default_db_path"]


class Store(MigrationsMixin, DataStepsMixin, FoldersMixin, TracksMixin, AnalysesMixin,
            ClaimsMixin, PlaylistsMixin, SettingsMixin, MapLayoutMixin, BrowseMixin,
            BackupMixin, StoreBase):
    """The library database. Opens (creating and migrating) the file at *path*.

    Parameters
    ----------
    path : str or Path, optional
        The database file; default :func:`default_db_path`. ``":memory:"`` works for tests.
    read_only : bool
        Open an existing file ``mode=ro`` without migrating; the connection may then be
        used from several threads, one call at a time.

    Raises
    ------
    LibraryError
        The file cannot be created or opened, is not a Soundalike database, or was written
        by a newer version of Soundalike.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, read_only: bool = False):
        super().__init__(path, read_only=read_only)
