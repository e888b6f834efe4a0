"""Data steps: the work on existing rows that a schema migration calls for.

A migration (:mod:`.migrations`) only changes the schema, at once, on open. When the rows
themselves must be rewritten, the migration lists a step in the ``data_steps`` table and
:meth:`DataStepsMixin.finish_data_steps` does it; the CLI (before a command) and the player
(before its window opens) call it with a progress display. Until then everything works:
a row says how it is encoded (``analysis.encoding``), so old and new rows read alike.

Steps (in this order):

``compact analyses`` (schema 5)
    Every float32 analysis row is rewritten in the compact encoding
    (:data:`~.analyses.COMPACT`), in batches of :data:`CONVERT_BATCH` rows, one transaction
    each: ``kill -9`` at any moment loses nothing (a batch is written whole or not at all),
    and the next start carries on where it stopped. When no old row is left, the step is
    replaced by the next one in the same transaction.
``shrink file``
    The rows now take about half the pages; ``VACUUM`` gives the freed pages back to the disk.
    It needs room for the new file twice over (in the ``-wal`` beside the database, and in
    SQLite's temporary folder): about 0.8× today's file, not 2×. That is checked first; when
    there is not enough, nothing is done, the reason is returned in plain words and the step
    waits for the next start (the library works meanwhile, only the file stays large). A
    ``VACUUM`` killed half-way leaves the file as it was (its ``-wal`` frames are never
    committed) and is done again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from soundalike.library.store.analyses import (
    _COLUMNS,
    COMPACT,
    FLOAT32,
    decode_vectors,
    encode_vectors,
)
from soundalike.library.store.connection import (
    FREE_SPACE_NEEDED,
    free_space,
    is_busy,
    write_error,
)

COMPACT_STEP = "compact analyses"
SHRINK_STEP = "shrink file"
CONVERT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class StepProgress:
    """Where :meth:`DataStepsMixin.finish_data_steps` is: *step* (a step name), rows *done*
    of *total* (both 0 while shrinking: ``VACUUM`` cannot tell)."""

    step: str
    done: int
    total: int


@dataclass(slots=True)
class StepsReport:
    """What :meth:`DataStepsMixin.finish_data_steps` did."""

    converted: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    shrunk: bool = False
    #: the size the file was expected to have after VACUUM (the free-space check's estimate)
    expected_bytes: int = 0
    #: plain words: why the file was not made smaller (it will be at a later start)
    problem: str | None = None
    seconds: float = 0.0

    def message(self) -> str:
        mb = 1e6
        if self.shrunk:
            text = (f"the library database was converted to the compact format "
                    f"({self.bytes_before / mb:,.0f} MB → {self.bytes_after / mb:,.0f} MB, "
                    f"{self.seconds:.0f} s)")
        elif self.converted:
            text = (f"the library database was converted to the compact format "
                    f"({self.converted:,} analyses)")
        else:
            text = "the library database is in the compact format"
        return text + (f"; {self.problem}" if self.problem else "")


def sqlite_temp_dir() -> Path:
    """The folder where SQLite puts its temporary files (``VACUUM``'s copy): as SQLite's
    Unix VFS chooses it (``unixTempFileDir`` in os_unix.c): ``$SQLITE_TMPDIR``,
    ``$TMPDIR``, ``/var/tmp``, ``/usr/tmp``, ``/tmp``, else the current folder."""
    candidates = [os.environ.get("SQLITE_TMPDIR"), os.environ.get("TMPDIR"), "/var/tmp",
                  "/usr/tmp", "/tmp"]
    for c in candidates:
        if c and os.path.isdir(c) and os.access(c, os.W_OK | os.X_OK):
            return Path(c)
    return Path(".")


def _device(path: Path) -> int | None:
    try:
        return os.stat(path).st_dev
    except OSError:
        return None


def _file_bytes(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            total += os.stat(f"{path}{suffix}").st_size
    return total


class DataStepsMixin:
    """The ``data_steps`` table and the work it lists."""

    def pending_data_steps(self) -> list[str]:
        """Names of the data steps still to do, in order (empty for an up-to-date library)."""
        if self.read_only and "data_steps" not in self.table_names():
            return []
        return [n for (n,) in self._all("SELECT name FROM data_steps ORDER BY added_at, name")]

    def pending_conversions(self) -> int:
        """How many analysis rows the ``compact analyses`` step still has to rewrite (it reads
        the whole table once: call it when the step is pending)."""
        return int(self._one("SELECT COUNT(*) FROM analysis WHERE encoding = ?", (FLOAT32,))[0])

    def finish_data_steps(self, progress: Callable[[StepProgress], None] | None = None
                          ) -> StepsReport | None:
        """Do the pending data steps; None when there were none.

        *progress* is called after each batch of rows (and, while the file shrinks, now and
        then with ``done == total == 0``; a GUI may process its events there). A
        :class:`StepsReport` says what was done; its ``problem`` says in plain words why the
        file was not made smaller, when it was not."""
        steps = self.pending_data_steps()
        if not steps:
            return None
        t0 = time.monotonic()
        report = StepsReport(bytes_before=_file_bytes(self.path))
        if COMPACT_STEP in steps:
            report.converted = self._compact_analyses(progress)
            steps = self.pending_data_steps()
        if SHRINK_STEP in steps:
            report.expected_bytes, needs = self.space_to_shrink()
            report.problem = self._shrink(report.expected_bytes, needs, progress)
            report.shrunk = report.problem is None
        report.bytes_after = _file_bytes(self.path)
        report.seconds = time.monotonic() - t0
        return report

    def _compact_analyses(self, progress) -> int:
        total = self.pending_conversions()
        done, last = 0, -1
        if progress is not None:
            progress(StepProgress(COMPACT_STEP, 0, total))
        while True:
            with self.transaction():
                rows = self._all(f"SELECT {_COLUMNS} FROM analysis a WHERE a.track_id > ? "
                                 "AND a.encoding = ? ORDER BY a.track_id LIMIT ?",
                                 (last, FLOAT32, CONVERT_BATCH))
                if not rows:
                    self._db.execute("DELETE FROM data_steps WHERE name = ?", (COMPACT_STEP,))
                    self._db.execute("INSERT OR IGNORE INTO data_steps(name, added_at) "
                                     "VALUES (?, ?)", (SHRINK_STEP, time.time()))
                    break
                params = []
                for row in rows:
                    a = decode_vectors(row)
                    # a row whose values do not fit float16 stays float32 (encode_vectors)
                    encoding, blobs = encode_vectors(a.features, a.tags, a.embedding,
                                                     a.mtt_tags, a.mtt_embedding,
                                                     encoding=COMPACT)
                    params.append((*blobs, encoding, a.track_id))
                self._db.executemany("UPDATE analysis SET features = ?, tags = ?, "
                                     "embedding = ?, mtt_tags = ?, mtt_embedding = ?, "
                                     "encoding = ? WHERE track_id = ?", params)
                last = int(rows[-1][0])
                done += len(rows)
            if progress is not None:
                progress(StepProgress(COMPACT_STEP, done, max(total, done)))
        return done

    def space_to_shrink(self) -> tuple[int, list[tuple[Path, int, int]]]:
        """``(bytes the file will have, [(folder, bytes needed, bytes free)])`` for
        ``VACUUM``: the new file is written to the ``-wal`` beside the database and copied in
        SQLite's temporary folder first (one entry when both are on one disk)."""
        page_size = int(self._one("PRAGMA page_size")[0])
        pages = int(self._one("PRAGMA page_count")[0])
        free_pages = int(self._one("PRAGMA freelist_count")[0])
        after = (pages - free_pages) * page_size  # at most; rewritten rows leave pages part-empty
        try:  # the bytes in use, where SQLite has the dbstat table (a pass over the file)
            used = self._one("SELECT SUM(pgsize - unused) FROM dbstat")[0]
            after = min(after, int((used or 0) * 1.15))  # VACUUM fills pages to ~90 %
        except sqlite3.Error:
            pass
        db_folder, tmp = self.path.parent, sqlite_temp_dir()
        if _device(db_folder) == _device(tmp):
            return after, [(db_folder, 2 * after + FREE_SPACE_NEEDED, free_space(self.path))]
        return after, [(db_folder, after + FREE_SPACE_NEEDED, free_space(self.path)),
                       (tmp, after, free_space(tmp / "x"))]

    def _shrink(self, after: int, needs: list[tuple[Path, int, int]], progress) -> str | None:
        """``VACUUM`` when there is room (:meth:`space_to_shrink`); None, or why not in plain
        words."""
        short = [(folder, need, free) for folder, need, free in needs if free < need]
        if short:
            where = " and ".join(f"{need / 1e6:,.0f} MB free in {folder} ({free / 1e6:,.0f} MB "
                                 "are)" for folder, need, free in short)
            return (f"making the file smaller (about {after / 1e6:,.0f} MB afterwards) needs "
                    f"{where}; the library works as it is, and the file will be made smaller "
                    "at a later start once there is room")
        conn = self._db
        if progress is not None:
            progress(StepProgress(SHRINK_STEP, 0, 0))

            def tick() -> int:
                progress(StepProgress(SHRINK_STEP, 0, 0))
                return 0
            conn.set_progress_handler(tick, 200_000)
        try:
            conn.execute("VACUUM")
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                return ("the file could not be made smaller now because another program was "
                        "writing to the library; it will be at a later start")
            if (plain := write_error(self.path, exc)) is not None:
                return f"the file could not be made smaller: {plain}"
            raise
        finally:
            conn.set_progress_handler(None, 0)
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with self.transaction():
            conn.execute("DELETE FROM data_steps WHERE name = ?", (SHRINK_STEP,))
        return None
