"""The recommendation tests' library: tests/helpers/reco_library.py's small real, analysed
library (built once per run), and a private copy of its database per test."""

import pytest
from reco_library import build_library

from soundalike.library.store import Store


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return build_library(tmp_path_factory)


@pytest.fixture
def store(lib, tmp_path):
    s = Store(lib.copy_db(tmp_path))
    yield s
    s.close()
