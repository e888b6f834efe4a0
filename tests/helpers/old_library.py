"""The real library written before schema 5 (``tests/library/store/data/library-schema4.db``,
made by the code of that time: ``tests/library/store/data/make_schema4_library.py``), and a bigger
one grown from it for the migration tests::

    from old_library import SCHEMA4, big_schema4_library
    big_schema4_library(tmp_path / "library.db", 12_000)
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

SCHEMA4 = (Path(__file__).resolve().parents[1] / "library" / "store" / "data"
           / "library-schema4.db")


def big_schema4_library(path: Path, n: int) -> None:
    """The real schema-4 library grown to *n* analysed tracks by copying its rows (the old
    code's bytes, new paths), still schema 4."""
    shutil.copyfile(SCHEMA4, path)
    conn = sqlite3.connect(path)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(tracks)") if r[1] not in ("id", "path")]
    src = [r[0] for r in conn.execute("SELECT track_id FROM analysis ORDER BY track_id")]
    with conn:
        for i in range(n - len(src)):
            s = src[i % len(src)]
            cur = conn.execute(f"INSERT INTO tracks(path, {', '.join(cols)}) SELECT "
                               f"'/music/copy/' || ? || '.flac', {', '.join(cols)} "
                               "FROM tracks WHERE id = ?", (i, s))
            conn.execute("INSERT INTO analysis SELECT ?, version, features, tags, embedding, "
                         "duration, created_at, mtt_tags, mtt_embedding FROM analysis "
                         "WHERE track_id = ?", (cur.lastrowid, s))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
