"""Make ``library-schema4.db``: a real library written by Soundalike before the compact
analysis rows (schema version 4, analysis version 3, float32 vectors), for the migration
tests (tests/library/store/test_compact_migration.py).

It must be run with the code of that time, not today's (today's writes compact rows):

    mkdir -p /tmp/old/soundalike && git archive 118302f | tar -x -C /tmp/old/soundalike
    PYTHONPATH=/tmp/old .venv/bin/python tests/library/store/data/make_schema4_library.py

The library is ``tests/helpers/reco_library.py``'s: synthesised music files scanned by the
real scanner and analysed by the real engine (decode → DSP → both CNNs) — 14 analysed
tracks, one of them missing since, and one file that failed.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "library-schema4.db"


class _Factory:
    def __init__(self, root: Path):
        self.root = root

    def mktemp(self, name: str) -> Path:
        path = self.root / name
        path.mkdir()
        return path


def main() -> int:
    import soundalike
    from soundalike.library.store import SCHEMA_VERSION

    if SCHEMA_VERSION != 4:
        print(f"run with the code of schema version 4, not {SCHEMA_VERSION} "
              f"({soundalike.__file__})", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(soundalike.__file__).parent / "tests" / "helpers"))
    from reco_library import build_library

    with tempfile.TemporaryDirectory(prefix="schema4-") as tmp:
        lib = build_library(_Factory(Path(tmp)))
        conn = sqlite3.connect(lib.db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file (a WAL library)
        conn.close()
        shutil.copyfile(lib.db, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
