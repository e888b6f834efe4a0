"""Schema history: numbered forward steps kept as data, recorded in the database.

The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS` are applied on
open inside one transaction and recorded in the ``schema_migrations`` table. They print
nothing and take no time; work on the rows themselves that a migration calls for (version
5: converting every analysis to the compact encoding) is a *data step* listed in the
``data_steps`` table and done by :meth:`~.data_steps.DataStepsMixin.finish_data_steps`, which
the CLI and the player run at start with a progress line. Their SQL is frozen history (an
existing database was made by exactly these statements); the ``tracks`` columns they create
are declared in :mod:`soundalike.library.model.schema`, and a test keeps the two equal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from soundalike.library.model.errors import LibraryError


@dataclass(frozen=True, slots=True)
class Migration:
    """One forward schema step: ``version`` it produces, a ``name``, its SQL statements."""

    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", (
        """CREATE TABLE folders(
            id INTEGER PRIMARY KEY,
            path TEXT UNIQUE NOT NULL,
            added_at REAL NOT NULL)""",
        """CREATE TABLE tracks(
            id INTEGER PRIMARY KEY,
            path TEXT UNIQUE NOT NULL,
            folder_id INTEGER REFERENCES folders(id) ON DELETE SET NULL,
            size INTEGER, mtime REAL, fingerprint TEXT,
            title TEXT, artist TEXT, album TEXT, albumartist TEXT, genre TEXT,
            tracknumber INTEGER, discnumber INTEGER, year INTEGER,
            duration REAL, codec TEXT, samplerate INTEGER, channels INTEGER, bitrate INTEGER,
            mb_trackid TEXT, mb_albumid TEXT, mb_artistid TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending','analysed','failed','missing')),
            error TEXT,
            analysis_version INTEGER,
            added_at REAL, updated_at REAL)""",
        "CREATE INDEX tracks_status ON tracks(status)",
        "CREATE INDEX tracks_fingerprint ON tracks(fingerprint)",
        "CREATE INDEX tracks_artist ON tracks(artist)",
        "CREATE INDEX tracks_album ON tracks(album)",
        "CREATE INDEX tracks_folder ON tracks(folder_id)",
        """CREATE TABLE analysis(
            track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            features BLOB NOT NULL,
            tags BLOB NOT NULL,
            embedding BLOB NOT NULL,
            duration REAL,
            created_at REAL NOT NULL)""",
        """CREATE TABLE playlists(
            id INTEGER PRIMARY KEY,
            name TEXT UNIQUE NOT NULL,
            created_at REAL, updated_at REAL)""",
        """CREATE TABLE playlist_items(
            playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
            PRIMARY KEY (playlist_id, position))""",
        "CREATE INDEX playlist_items_track ON playlist_items(track_id)",
        "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )),
    # analysis version 3: the second tagging model (musicnn MTT); NULL in older rows
    Migration(2, "analysis: MTT tags and embedding", (
        "ALTER TABLE analysis ADD COLUMN mtt_tags BLOB",
        "ALTER TABLE analysis ADD COLUMN mtt_embedding BLOB",
    )),
    Migration(3, "library map layout cache", (
        """CREATE TABLE map_layout(
            track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
            x REAL NOT NULL,
            y REAL NOT NULL)""",
        """CREATE TABLE map_layout_info(
            id INTEGER PRIMARY KEY CHECK (id = 1),
            analysis_version INTEGER NOT NULL,
            track_key TEXT NOT NULL,
            method TEXT NOT NULL,
            tracks INTEGER NOT NULL,
            created_at REAL NOT NULL)""",
    )),
    Migration(4, "analysis claims", (
        """CREATE TABLE analysis_claims(
            track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
            owner TEXT NOT NULL,
            fingerprint TEXT,
            claimed_at REAL NOT NULL,
            expires_at REAL NOT NULL)""",
        "CREATE INDEX analysis_claims_owner ON analysis_claims(owner)",
    )),
    # compact analysis rows (analyses.COMPACT): the column says how each row is encoded, 0 =
    # float32 as before; the rows already there are converted afterwards by a data step
    # (:mod:`.data_steps`, with progress, resumable), listed in data_steps until done
    Migration(5, "analysis: compact vectors", (
        "ALTER TABLE analysis ADD COLUMN encoding INTEGER NOT NULL DEFAULT 0",
        """CREATE TABLE data_steps(
            name TEXT PRIMARY KEY,
            added_at REAL NOT NULL)""",
        "INSERT INTO data_steps(name, added_at) SELECT 'compact analyses', "
        "CAST(strftime('%s', 'now') AS REAL) WHERE EXISTS (SELECT 1 FROM analysis)",
    )),
    # the similarity index finds what changed since it was written
    # (library/recommend/vector_index.py)
    Migration(6, "tracks by update time", (
        "CREATE INDEX tracks_updated ON tracks(updated_at)",
    )),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


class MigrationsMixin:
    """Opening migrates; the schema's version, history and health."""

    def schema_version(self) -> int:
        return int(self._one("PRAGMA user_version")[0])

    def _refuse_newer(self) -> None:
        """A file from a newer Soundalike is refused before anything is written to it."""
        current, latest = self.schema_version(), SCHEMA_VERSION
        if current > latest:
            raise LibraryError(
                f"the library database {self.path} was written by a newer Soundalike "
                f"(schema version {current}; this version understands up to {latest}); it "
                "was left untouched: use the newer Soundalike, or another --db")

    def _migrate(self) -> None:
        migrations, latest = MIGRATIONS, SCHEMA_VERSION  # module globals: tests add steps
        current = self.schema_version()
        if current > latest:
            self._refuse_newer()
        if current == latest:
            return
        conn = self._db
        with self.transaction():
            current = self.schema_version()  # another process may have migrated meanwhile
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations("
                         "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL)")
            for migration in migrations:
                if migration.version <= current:
                    continue
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute("INSERT OR REPLACE INTO schema_migrations VALUES (?, ?, ?)",
                             (migration.version, migration.name, time.time()))
                conn.execute(f"PRAGMA user_version={int(migration.version)}")

    def applied_migrations(self) -> list[tuple[int, str]]:
        """``(version, name)`` of every migration recorded in this database."""
        return [(int(v), n) for v, n in self._all(
            "SELECT version, name FROM schema_migrations ORDER BY version")]

    def integrity_check(self) -> str:
        """``"ok"`` or SQLite's description of the damage."""
        return "; ".join(r[0] for r in self._all("PRAGMA integrity_check"))

    def table_info(self, table: str) -> list[tuple[str, str, int, str | None, int]]:
        """``(name, type, notnull, dflt_value, pk)`` of each column of *table*."""
        if table not in self.table_names():
            raise ValueError(f"no table {table!r}")
        return [(r[1], r[2], int(r[3]), r[4], int(r[5]))
                for r in self._all(f"PRAGMA table_info({table})")]

    def table_names(self) -> set[str]:
        return {r[0] for r in self._all("SELECT name FROM sqlite_master WHERE type='table'")}

    def index_names(self) -> set[str]:
        return {r[0] for r in self._all("SELECT name FROM sqlite_master WHERE type='index'")}

    def pragma(self, name: str):
        """The value of a read-only connection setting (journal_mode, foreign_keys,
        busy_timeout, synchronous)."""
        if name not in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous"):
            raise ValueError(f"unknown pragma {name!r}")
        return self._one(f"PRAGMA {name}")[0]
