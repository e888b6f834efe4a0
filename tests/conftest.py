"""Shared fixtures. Tests write their own real audio files; nothing is mocked."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")  # as gui/app.py does
# The shared helpers in tests/helpers (audiofiles, cli_run, reco_library) import as
# top-level modules.
sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)


@pytest.fixture(scope="session")
def _session_cache_dir(tmp_path_factory) -> Path:
    """One CNN-path cache for the session: the LiteRT paths are timed once, not per test."""
    return tmp_path_factory.mktemp("soundalike-cache")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch, _session_cache_dir):
    """Never touch the user's real library or settings from a test."""
    monkeypatch.setenv("SOUNDALIKE_DB", str(tmp_path / "default-library.db"))
    monkeypatch.setenv("SOUNDALIKE_CACHE_DIR", str(_session_cache_dir))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
