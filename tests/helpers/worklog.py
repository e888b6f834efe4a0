"""See every analysis that any process starts or saves in a library, through SQLite itself.

:func:`install` adds a side table and two triggers to a (test's own) library database: each
claim an analyser takes and each analysis row written by any process is logged with the
track's fingerprint at that moment. Nothing in Soundalike is changed or mocked; the
triggers run inside the real writers' transactions. :func:`duplicates` then lists the work
done twice: two analyses saved for the same track and the same file contents.

Also :func:`reader_loop`, a database reader that records every error and its latencies
(run it in a process of its own: ``python worklog.py read DB SECONDS [STOP_FILE]``).
"""

from __future__ import annotations

import collections
import json
import sqlite3
import sys
import time
from pathlib import Path

_SQL = """
CREATE TABLE IF NOT EXISTS work_log(kind TEXT, track_id INTEGER, owner TEXT,
                                    fingerprint TEXT, at REAL);
CREATE TRIGGER IF NOT EXISTS work_log_claim AFTER INSERT ON analysis_claims BEGIN
    INSERT INTO work_log VALUES ('claim', NEW.track_id, NEW.owner, NEW.fingerprint,
                                 NEW.claimed_at);
END;
CREATE TRIGGER IF NOT EXISTS work_log_analysis AFTER INSERT ON analysis BEGIN
    INSERT INTO work_log VALUES ('analysis', NEW.track_id, NULL,
        (SELECT fingerprint FROM tracks WHERE id = NEW.track_id), NEW.created_at);
END;
"""


def install(db: str | Path) -> None:
    """Add the log table and its triggers to the library at *db* (already created)."""
    with sqlite3.connect(db, timeout=30) as conn:
        conn.executescript(_SQL)
    conn.close()


def entries(db: str | Path, kind: str | None = None) -> list[tuple]:
    """``(kind, track_id, owner, fingerprint, at)`` rows, in order."""
    with sqlite3.connect(db, timeout=30) as conn:
        rows = conn.execute("SELECT kind, track_id, owner, fingerprint, at FROM work_log "
                            "ORDER BY rowid").fetchall()
    conn.close()
    return [r for r in rows if kind is None or r[0] == kind]


def duplicates(db: str | Path, kind: str = "analysis") -> dict[tuple[int, str], int]:
    """``(track id, fingerprint) → times`` for every track whose same contents were
    analysed (``kind="analysis"``) or claimed (``"claim"``) more than once."""
    counts = collections.Counter((t, fp) for _, t, _, fp, _ in entries(db, kind))
    return {k: n for k, n in counts.items() if n > 1}


def reader_loop(db: str, seconds: float, stop_file: str | None = None) -> dict:
    """Read the library the ways the app and the CLI do, for *seconds* or until
    *stop_file* exists, 20 ms apart: fresh writable and read-only Stores, counts, a page of
    tracks, every analysis row, playlists. Returns ``{"reads", "errors", "max_ms", "p99_ms"}``."""
    from soundalike.library.store import Store

    errors: list[str] = []
    lat: list[float] = []
    end = time.monotonic() + seconds
    shared = Store(db, read_only=True)
    n = 0
    while time.monotonic() < end and not (stop_file and Path(stop_file).exists()):
        t0 = time.perf_counter()
        try:
            if n % 3 == 0:
                with Store(db) as store:  # what every CLI command does first
                    store.counts()
                    store.tracks(limit=50)
            elif n % 3 == 1:
                with Store(db, read_only=True) as store:
                    store.playlists()
                    sum(1 for _ in store.analysis_rows())
            else:
                shared.counts()
                shared.tracks(query="a", limit=20)
        except Exception as exc:  # noqa: BLE001 - every failure is what we count
            errors.append(f"{type(exc).__name__}: {exc}")
        lat.append((time.perf_counter() - t0) * 1000)
        n += 1
        time.sleep(0.02)  # a busy reader, not a CPU hog (the machine runs the writers too)
    shared.close()
    lat.sort()
    return {"reads": n, "errors": errors,
            "max_ms": round(lat[-1], 1) if lat else 0.0,
            "p99_ms": round(lat[int(len(lat) * 0.99)], 1) if lat else 0.0}


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "read":
        print(json.dumps(reader_loop(sys.argv[2], float(sys.argv[3]),
                                     sys.argv[4] if len(sys.argv) == 5 else None)), flush=True)
    else:
        sys.exit("usage: worklog.py read DB SECONDS [STOP_FILE]")
