"""``soundalike analyze`` end to end: real files, the real model, real worker processes."""

from __future__ import annotations

import json

import pytest
from audiofiles import click_track, tone, write_audio
from cli_run import run


@pytest.mark.parametrize("argv, message", [
    (["analyze", "--workers", "0"], "must be at least 1"),
    (["analyze", "--workers", "two"], "expected a whole number"),
    (["analyze", "--time-limit", "-5"], "--time-limit must be a positive number"),
])
def test_bad_arguments_are_usage_errors(capsys, tmp_path, argv, message):
    code, _out, err = run(capsys, "--db", str(tmp_path / "x.db"), *argv)
    assert code == 2 and message in err and "Traceback" not in err


def test_analyze_then_status_counts_everything(capsys, tmp_path):
    music = tmp_path / "Music"
    music.mkdir()
    write_audio(music / "beat.flac", click_track(128, 6, 22050), 22050)
    write_audio(music / "hum.ogg", tone([110.0, 220.0], 6, 22050), 22050)
    (music / "broken.mp3").write_text("not audio\n" * 100)
    db = str(tmp_path / "x.db")
    assert run(capsys, "--db", db, "scan", str(music))[0] == 0
    # --db is accepted after the subcommand as well
    code, out, err = run(capsys, "analyze", "--db", db, "--workers", "1", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["analysed"] == 2 and summary["remaining"] == 0
    assert set(summary["stage_seconds"]) >= {"decode", "dsp", "cnn", "mtt", "write"}
    code, out, _ = run(capsys, "--db", db, "status", "--json")
    status = json.loads(out)
    assert (status["analysed"], status["failed"], status["pending"]) == (2, 1, 0)
    assert [f["path"] for f in status["failures"]] == [str(music / "broken.mp3")]
    assert status["analysis"] == {"version": 3, "current": 2, "to_upgrade": 0, "to_redo": 0,
                                  "by_version": {"3": 2}}
    assert [(m["name"], m["file"], m["tags"]) for m in status["models"]] == [
        ("msd", "musicnn_msd.tflite", 50), ("mtt", "musicnn_mtt.tflite", 50)]
    assert all(len(m["sha256"]) == 64 for m in status["models"])
    code, out, _ = run(capsys, "--db", db, "status")
    lines = out.splitlines()
    assert "analysis: version 3 — 2 current" in lines
    models = next(x for x in lines if x.startswith("models: "))
    assert "musicnn MSD" in models and "musicnn MTT" in models and "3 per track" in models
    # A second run has nothing left to do.
    code, out, _ = run(capsys, "--db", db, "analyze", "--json")
    assert code == 0 and json.loads(out)["analysed"] == 0


def test_analyze_uses_the_worker_count_saved_in_the_library(tmp_path):
    """The player's Settings → Worker processes is the library's ``analysis.workers``;
    ``soundalike analyze`` without --workers runs that many (it used the automatic count)."""
    from soundalike.cli.analysis_cmds import run_analysis
    from soundalike.library.analysis.machine import default_workers
    from soundalike.library.model.settings import ANALYSIS_WORKERS
    from soundalike.library.store import Store

    db = str(tmp_path / "x.db")
    chosen = default_workers() + 1  # never what "automatic" gives
    with Store(db) as store:
        store.save_setting(ANALYSIS_WORKERS, chosen)
    _, controller, _ = run_analysis(db, show_progress=False)
    assert controller.workers == chosen
    _, controller, _ = run_analysis(db, workers=1, show_progress=False)  # --workers wins
    assert controller.workers == 1
    with Store(db) as store:
        store.save_setting(ANALYSIS_WORKERS, 0)  # automatic
    _, controller, _ = run_analysis(db, show_progress=False)
    assert controller.workers == default_workers()


def test_analyze_pauses_on_battery_as_saved_in_the_library(tmp_path):
    """The player's "pause on battery" is the library's ``analysis.pause_on_battery``;
    ``soundalike analyze`` follows it unless --pause-on-battery/--no-pause-on-battery says."""
    from soundalike.cli.analysis_cmds import run_analysis
    from soundalike.library.model.settings import ANALYSIS_PAUSE_ON_BATTERY
    from soundalike.library.store import Store

    db = str(tmp_path / "x.db")
    with Store(db) as store:
        store.save_setting(ANALYSIS_PAUSE_ON_BATTERY, True)
    _, controller, _ = run_analysis(db, show_progress=False)
    assert controller.pause_on_battery is True
    _, controller, _ = run_analysis(db, pause_on_battery=False, show_progress=False)
    assert controller.pause_on_battery is False
    with Store(db) as store:
        store.save_setting(ANALYSIS_PAUSE_ON_BATTERY, False)
    _, controller, _ = run_analysis(db, show_progress=False)
    assert controller.pause_on_battery is False
