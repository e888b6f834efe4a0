"""Fixtures for the command-line tests: the small real, analysed library (tests/helpers)."""

from __future__ import annotations

import pytest
from reco_library import build_library


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    """The analysed library (built once per run; see reco_library)."""
    return build_library(tmp_path_factory)


@pytest.fixture
def db(lib, tmp_path):
    """A private copy of its database, for a test that changes it."""
    return str(lib.copy_db(tmp_path))
