"""The recommendation tests' library: tests/helpers/reco_library.py's small real, analysed
library (built once per run), and a private copy of its database per test; a synthetic
library above ``vector_index.ALWAYS_REFIT_BELOW`` (the index tests)."""

import pytest
from reco_library import build_library
from synthetic_library import write_library

from soundalike.library.store import Store


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return build_library(tmp_path_factory)


@pytest.fixture
def store(lib, tmp_path):
    s = Store(lib.copy_db(tmp_path))
    yield s
    s.close()


#: tracks of the synthetic library: above ALWAYS_REFIT_BELOW, the stored model is kept
BIG = 2400


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    """The synthetic library's database (no index file): copy it before changing it."""
    d = tmp_path_factory.mktemp("big-lib")
    write_library(d / "library.db", BIG, seed=3)
    return d / "library.db"
