"""``python -m soundalike`` works, and the player says plainly when there is no display."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

NO_DISPLAY = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NO_DISPLAY}
    return {**env, **extra}


def test_python_m_soundalike_help(tmp_path):
    result = subprocess.run([sys.executable, "-m", "soundalike", "--help"], cwd=tmp_path,
                            env=_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: soundalike")


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="no DISPLAY there")
def test_the_player_without_a_display_says_so_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "soundalike"], cwd=tmp_path, env=_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no display" in lines[0] and "soundalike --help" in lines[0]
    assert result.stdout == ""
