"""Schema 5: a library written before the compact analysis rows is converted in place.

``data/library-schema4.db`` is a real library made by the code before this change (real
files, real scanner and analysis: ``data/make_schema4_library.py``). The kill tests run the
real CLI in a subprocess and ``SIGKILL`` it while it converts and while it shrinks the file.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from old_library import SCHEMA4, big_schema4_library

from soundalike.engine.dsp import INDEX
from soundalike.library.store import SCHEMA_VERSION, Store
from soundalike.library.store.analyses import COMPACT, FLOAT32, PRECISE_FEATURES
from soundalike.library.store.data_steps import COMPACT_STEP, SHRINK_STEP

BLOCKS = ("features", "tags", "embedding", "mtt_tags", "mtt_embedding")
PRECISE = [INDEX[n] for n in PRECISE_FEATURES]


def track_rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT * FROM tracks ORDER BY id").fetchall()
    finally:
        conn.close()


def originals(db: Path) -> tuple[list[tuple], dict[int, dict[str, np.ndarray]]]:
    """Every track row of an old library, and each analysis's float32 vectors as the old
    code stored them (read with sqlite3, not the Store)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
        vectors = {tid: {b: None if blob is None else np.frombuffer(blob, "<f4").copy()
                         for b, blob in zip(BLOCKS, blobs, strict=True)}
                   for tid, *blobs in conn.execute(
                       f"SELECT track_id, {', '.join(BLOCKS)} FROM analysis")}
    finally:
        conn.close()
    return track_rows(db), vectors


def assert_same_vectors(store: Store, vectors: dict[int, dict[str, np.ndarray]]) -> None:
    """Every original analysis reads back as float32 arrays equal within float16 precision
    (half a unit in the last place: relative 2⁻¹¹, absolute 2⁻²⁵ below float16's normal
    range), the precise features bit-identical."""
    for tid, old in vectors.items():
        row = store.get_analysis(tid)
        assert row is not None, f"analysis of track {tid} lost"
        for block in BLOCKS:
            new = getattr(row, block)
            if old[block] is None:
                assert new is None
                continue
            assert new.dtype == np.float32 and new.shape == old[block].shape
            np.testing.assert_allclose(new, old[block], rtol=2.0 ** -11, atol=2.0 ** -25)
        assert np.array_equal(row.features[PRECISE], old["features"][PRECISE])


def encodings(db: Path) -> dict[int, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT encoding, COUNT(*) FROM analysis GROUP BY 1"))
    finally:
        conn.close()


def test_a_real_schema4_library_is_converted_in_place(tmp_path):
    db = tmp_path / "library.db"
    shutil.copyfile(SCHEMA4, db)
    tracks, vectors = originals(db)
    assert len(vectors) == 15 and {t[22] for t in tracks} == {"analysed", "missing", "failed"}
    loudness = {tid: float(v["features"][INDEX["loudness_db"]]) for tid, v in vectors.items()}
    with Store(db) as store:
        assert store.schema_version() == SCHEMA_VERSION == 6
        assert store.pending_data_steps() == [COMPACT_STEP]
        assert_same_vectors(store, vectors)  # before the data step: old rows read as they were
        seen = []
        report = store.finish_data_steps(seen.append)
        assert report.converted == 15 and report.shrunk and report.problem is None
        assert [(p.done, p.total) for p in seen if p.step == COMPACT_STEP] == [(0, 15), (15, 15)]
        assert any(p.step == SHRINK_STEP for p in seen)
        assert store.pending_data_steps() == []
        assert store.finish_data_steps() is None
        assert_same_vectors(store, vectors)
        rows = list(store.analysis_rows())
        assert len(rows) == 14 and all(r.features.dtype == np.float32 for r in rows)
        for tid, value in loudness.items():
            if store.get_track(tid).status == "analysed":
                assert store.loudness_values(tid)[0] == value
        assert store.integrity_check() == "ok"
    assert encodings(db) == {COMPACT: 15}
    assert track_rows(db) == tracks  # no track lost or changed
    assert db.stat().st_size < SCHEMA4.stat().st_size


def test_new_rows_are_compact_and_a_row_beyond_float16_stays_float32(tmp_path):
    from soundalike.library.model.track import Track

    db = tmp_path / "library.db"
    with Store(db) as store:
        assert store.pending_data_steps() == []  # a new library has nothing to convert
        a, b = store.add_tracks([Track(path="/m/a.flac"), Track(path="/m/b.flac")])
        feats = np.linspace(-50, 50, len(INDEX)).astype(np.float32)
        big = feats.copy()
        big[5] = 1e6  # beyond float16's 65504: kept exactly, as float32
        for tid, f in ((a, feats), (b, big)):
            store.save_analysis(tid, version=3, features=f, tags=np.full(50, 0.25),
                                embedding=np.arange(200.0), duration=1.0,
                                mtt_tags=np.full(50, 0.5), mtt_embedding=np.ones(200))
        assert store.get_analysis(b).features[5] == 1e6
        np.testing.assert_allclose(store.get_analysis(a).features, feats, rtol=2.0 ** -11)
    assert encodings(db) == {COMPACT: 1, FLOAT32: 1}


def _cli(db: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "soundalike", "--db", str(db), "status"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env)


def _wait(cond, proc: subprocess.Popen, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if proc.poll() is not None:
            pytest.fail(f"the CLI ended (code {proc.returncode}) before {what}: "
                        f"{proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no {what} within {timeout:g} s")
        time.sleep(0.005)


def _converted(db: Path) -> int:
    try:
        return encodings(db).get(COMPACT, 0)
    except sqlite3.OperationalError:  # no encoding column yet, or busy
        return 0


def test_kill_9_while_converting_then_while_shrinking_loses_nothing(tmp_path):
    db = tmp_path / "library.db"
    n = 12_000
    big_schema4_library(db, n)
    tracks, vectors = originals(db)
    assert len(vectors) == n

    # 1. killed in the middle of the conversion
    proc = _cli(db)
    _wait(lambda: 0 < _converted(db) < n - 2000, proc, "a partly converted library")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    done = _converted(db)
    assert 0 < done < n
    with Store(db) as store:
        assert store.pending_data_steps() == [COMPACT_STEP]
        assert store.integrity_check() == "ok"
        assert_same_vectors(store, vectors)  # old and new rows alike
        assert store.counts()["analysed"] + store.counts()["missing"] == len(vectors)
    assert track_rows(db) == tracks

    # 2. started again: it carries on, and is killed while it makes the file smaller
    proc = _cli(db)
    lines: list[str] = []

    def shrinking() -> bool:
        line = proc.stderr.readline()
        lines.append(line)
        return "smaller" in line
    _wait(shrinking, proc, "the line saying the file is being made smaller")
    wal = Path(f"{db}-wal")
    _wait(lambda: wal.exists() and wal.stat().st_size > 1_000_000, proc, "VACUUM writing")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert any("compact format" in line for line in lines)
    with Store(db) as store:
        assert store.pending_data_steps() == [SHRINK_STEP]  # the VACUUM did not commit
        assert store.integrity_check() == "ok"
        assert_same_vectors(store, vectors)
    assert encodings(db) == {COMPACT: n}
    assert track_rows(db) == tracks

    # 3. and finishes at the next start, with a line that says so
    before = db.stat().st_size
    run = subprocess.run([sys.executable, "-m", "soundalike", "--db", str(db), "status"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "converted to the compact format" in run.stderr
    with Store(db) as store:
        assert store.pending_data_steps() == []
        assert_same_vectors(store, vectors)
    assert db.stat().st_size < 0.6 * before
    assert track_rows(db) == tracks


def test_too_little_room_to_shrink_is_said_and_nothing_is_lost(tmp_path):
    from small_fs import small_filesystem

    with small_filesystem(tmp_path / "disk", size_mb=40) as disk:
        db = disk / "library.db"
        big_schema4_library(db, 3000)
        tracks, vectors = originals(db)
        filler = disk / "filler"
        filler.write_bytes(b"\0" * (shutil.disk_usage(disk).free - 12_000_000))
        with Store(db) as store:
            report = store.finish_data_steps()
            assert report.converted == 3000 and not report.shrunk
            assert f"MB free in {disk}" in report.problem, report.problem
            assert "later start" in report.problem
            assert store.pending_data_steps() == [SHRINK_STEP]
            assert_same_vectors(store, vectors)
        size = db.stat().st_size
        filler.unlink()
        with Store(db) as store:
            again = store.finish_data_steps()
            assert again.shrunk, again.problem
            assert store.pending_data_steps() == []
            assert_same_vectors(store, vectors)
        assert db.stat().st_size < 0.6 * size
        assert track_rows(db) == tracks
