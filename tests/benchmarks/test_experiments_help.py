"""The pre-registered experiments in benchmarks/experiments/ stay runnable from anywhere:
their sys.path lines find common.py, each other and benchmarks/quality.py."""

import subprocess
import sys
from pathlib import Path

import pytest

EXPERIMENTS = Path(__file__).resolve().parents[2] / "benchmarks" / "experiments"
SCRIPTS = sorted(p.name for p in EXPERIMENTS.glob("*.py") if p.name != "common.py")


def test_the_experiments_are_all_there():
    assert {"fusion_experiment.py", "matching_experiment.py", "mtt_experiment.py",
            "pooled_features_experiment.py", "style_probe.py", "patch_budget.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_runs(script, tmp_path):
    done = subprocess.run([sys.executable, str(EXPERIMENTS / script), "--help"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: " + script)
