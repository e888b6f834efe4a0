"""``soundalike status`` reports the tagging model's LiteRT path; ``--measure-cnn`` times it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from cli_run import run

from soundalike.library.analysis import cnn_choice
from soundalike.library.files.disk import CACHE_ENV


def test_status_says_when_the_cnn_path_is_not_measured_yet(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    db = str(tmp_path / "lib.db")
    code, out, _ = run(capsys, "--db", db, "status")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("CNN:"))
    assert "not measured yet — measured when analysis first starts" in line
    assert "LiteRT" in line and cnn_choice.current_key()["model_sha256"][:12] in line
    code, out, _ = run(capsys, "--db", db, "status", "--json")
    cnn = json.loads(out)["cnn"]
    assert cnn["measured"] is False and cnn["key"] == cnn_choice.current_key()
    assert not (tmp_path / "cache").exists()  # status alone never measures


def test_status_measure_cnn_times_it_and_status_shows_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    db = str(tmp_path / "lib.db")
    code, out, _ = run(capsys, "--db", db, "status", "--measure-cnn")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("CNN:"))
    m = re.fullmatch(r"CNN: (XNNPACK|builtin kernels), 1 thread — (\d+) ms per 3-s patch "
                     r"\((XNNPACK|builtin kernels) (\d+) ms\), measured (\d{4}-\d\d-\d\d) on (.+)",
                     line)
    assert m, line
    assert m[1] != m[3] and int(m[2]) <= int(m[4])
    assert m[6] == cnn_choice.current_key()["cpu"]
    stored = json.loads((tmp_path / "cache" / "cnn-path.json").read_text())

    # a plain status (another process) reads the same measurement back
    proc = subprocess.run([sys.executable, "-m", "soundalike.main", "--db", db, "status",
                           "--json"], capture_output=True, text=True, check=True, timeout=120)
    cnn = json.loads(proc.stdout)["cnn"]
    assert cnn["measured"] is True
    assert (cnn["kernels"], cnn["threads"], cnn["measured_at"]) == (
        stored["kernels"], 1, stored["measured_at"])
    assert sorted(t["kernels"] for t in cnn["timings"]) == ["builtin", "xnnpack"]
    assert all(t["ms_per_patch"] > 0 for t in cnn["timings"])
    assert cnn["ms_per_patch"] == min(t["ms_per_patch"] for t in cnn["timings"])
    assert cnn["summary"] == line.removeprefix("CNN: ")
    assert cnn["key"] == cnn_choice.current_key()
    assert "ai_edge_litert" not in proc.stderr
