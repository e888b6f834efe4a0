"""A real version-2 library (schema 1, analyses without MTT) brought to version 3.

The database is written the way the version-2 program wrote it: schema 1 only (the
migrations of that time), analysis rows with features, MSD tags and embedding made by the
same engine. Opening it migrates it; the analysis then adds only the MTT outputs to the
version-2 rows (real worker processes, the real models) and analyses changed files in full.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from audiofiles import click_track, noise, tone, write_audio

from soundalike.engine import analyze
from soundalike.library.analysis.controller import AnalysisController, job_for
from soundalike.library.files.scanner import Scanner
from soundalike.library.recommend.recommender import Recommender
from soundalike.library.store import Store
from soundalike.library.store.migrations import SCHEMA_VERSION

SR = 22050


def _blob(a) -> bytes:
    return np.ascontiguousarray(a, dtype="<f4").tobytes()


@pytest.fixture
def v2_library(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """(database, music folder): 4 tracks analysed by version 2, one by version 1."""
    import soundalike.library.store.migrations as migrations

    music = tmp_path / "music"
    music.mkdir()
    makers = [click_track(120, 8, SR), tone(220.0, 8, SR), noise(8, SR, seed=3),
              click_track(90, 8, SR) + 0.2 * tone(330.0, 8, SR), tone(440.0, 8, SR)]
    for i, y in enumerate(makers):
        write_audio(music / f"t{i}.{('flac', 'ogg', 'wav', 'flac', 'wav')[i]}",
                    y.astype(np.float32), SR)
    db = tmp_path / "lib.db"
    with monkeypatch.context() as m:  # the schema of the version-2 program
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
        m.setattr(migrations, "SCHEMA_VERSION", 1)
        with Store(db) as store:
            store.add_folder(music)
            Scanner(store).scan()
            tracks = store.tracks(order_by="path")
    conn = sqlite3.connect(db)
    with conn:  # what version 2's save_analysis wrote
        for t in tracks:
            r = analyze.analyze_file(t.path)
            version = 1 if t.path.endswith("t4.wav") else 2
            conn.execute("INSERT INTO analysis(track_id, version, features, tags, embedding, "
                         "duration, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (t.id, version, _blob(r.features), _blob(r.tags), _blob(r.embedding),
                          r.duration, time.time()))
            conn.execute("UPDATE tracks SET status = 'analysed', analysis_version = ? "
                         "WHERE id = ?", (version, t.id))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "mtt_tags" not in [r[1] for r in conn.execute("PRAGMA table_info(analysis)")]
    conn.close()
    return db, music


def compact(values: np.ndarray) -> np.ndarray:
    """*values* as a compact analysis row stores them (float16)."""
    return np.asarray(values, np.float32).astype(np.float16).astype(np.float32)


def compact_features(values: np.ndarray) -> np.ndarray:
    """Features as a compact row stores them: float16, tempo and loudness kept float32."""
    from soundalike.engine.dsp import INDEX
    from soundalike.library.store.analyses import PRECISE_FEATURES

    out = compact(values)
    keep = [INDEX[n] for n in PRECISE_FEATURES]
    out[keep] = np.asarray(values, np.float32)[keep]
    return out


def test_version_2_library_gets_only_the_mtt_outputs_added(v2_library):
    db, music = v2_library
    with Store(db) as store:  # opening migrates: the new columns exist, the rows are kept
        assert store.schema_version() == SCHEMA_VERSION
        assert (2, "analysis: MTT tags and embedding") in store.applied_migrations()
        before = {r.track_id: r for r in store.analysis_rows()}
        assert all(r.mtt_tags is None for r in before.values())
        jobs = {Path(t.path).name: job_for(t) for t in store.tracks()}
        assert jobs == {"t0.flac": "mtt", "t1.ogg": "mtt", "t2.wav": "mtt", "t3.flac": "mtt",
                        "t4.wav": "full"}
        # meanwhile recommendations use the version-2 analyses (MSD-only hybrid)
        rec = Recommender(store, persist_model=False)
        assert rec.size == 4 and not rec.uses_mtt
        # a file changed since its analysis: pending again, so analysed in full
        changed = store.track_by_path(str(music / "t3.flac"))
    write_audio(music / "t3.flac", noise(8, SR, seed=11).astype(np.float32), SR)
    with Store(db) as store:
        Scanner(store).scan()
        assert job_for(store.get_track(changed.id)) == "full"

    status = json.loads(subprocess.run(
        [sys.executable, "-m", "soundalike", "--db", str(db), "status", "--json"],
        capture_output=True, text=True, check=True, timeout=120).stdout)
    assert status["analysis"] == {"version": 3, "current": 0, "to_upgrade": 3, "to_redo": 1,
                                  "by_version": {"1": 1, "2": 3}}  # t3 is pending now

    controller = AnalysisController(db, workers=1)
    final = controller.run()
    assert final.state == "finished" and final.done == 5 and final.failed == 0
    assert controller.upgraded == 3  # t0, t1, t2: MTT only
    assert controller.timings["mtt"] > 0

    with Store(db) as store:
        after = {r.track_id: r for r in store.analysis_rows()}
        tracks = {t.id: t for t in store.tracks()}
        assert {r.version for r in after.values()} == {analyze.ANALYSIS_VERSION}
        assert all(t.analysis_version == analyze.ANALYSIS_VERSION for t in tracks.values())
        for tid, row in after.items():
            name = Path(tracks[tid].path).name
            full = analyze.analyze_file(tracks[tid].path)
            # the MTT outputs are those a full version-3 analysis gives, as stored (compact)
            np.testing.assert_array_equal(row.mtt_tags, compact(full.mtt_tags))
            np.testing.assert_array_equal(row.mtt_embedding, compact(full.mtt_embedding))
            if name in ("t0.flac", "t1.ogg", "t2.wav"):  # kept, the row now compact
                for field in ("features", "tags", "embedding"):
                    old = getattr(before[tid], field)
                    want = compact_features(old) if field == "features" else compact(old)
                    np.testing.assert_array_equal(getattr(row, field), want)
        changed_row = after[changed.id]
        assert changed_row.features.tobytes() != before[changed.id].features.tobytes()
        # (BLAS threads differ between a worker and this process: float32 rounding)
        np.testing.assert_allclose(changed_row.features,
                                   analyze.analyze_file(music / "t3.flac").features,
                                   rtol=2.0 ** -11 + 1e-5, atol=2.0 ** -24)
        rec = Recommender(store, persist_model=False)
        assert rec.size == 5 and rec.uses_mtt
        assert rec.model.emb_parts == (200, 200) and rec.model.tag_parts == (50, 50)
    # nothing left to do
    again = AnalysisController(db, workers=1).run()
    assert again.total == 0 and again.done == 0


def test_upgrade_is_not_applied_to_a_track_that_changed_meanwhile(v2_library):
    db, _ = v2_library
    with Store(db) as store:
        t = store.tracks(order_by="path")[0]
        store.mark_missing([t.id])
        assert not store.upgrade_analysis(t.id, from_versions=(2,), version=3,
                                          mtt_tags=np.zeros(50), mtt_embedding=np.zeros(200))
        store.revive([t.id])
        assert store.get_track(t.id).status == "analysed"
        assert store.upgrade_analysis(t.id, from_versions=(2,), version=3,
                                      mtt_tags=np.full(50, 0.5), mtt_embedding=np.ones(200))
        row = store.get_analysis(t.id)
        assert row.version == 3 and store.get_track(t.id).analysis_version == 3
        np.testing.assert_array_equal(row.mtt_tags, np.full(50, 0.5, np.float32))
        # a second upgrade of the same row is refused: it is no longer version 2
        assert not store.upgrade_analysis(t.id, from_versions=(2,), version=3,
                                          mtt_tags=np.zeros(50), mtt_embedding=np.zeros(200))
        assert store.analysed_versions() == {1: 1, 2: 3, 3: 1}
