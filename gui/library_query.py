"""The library table's and sidebar's view of the library (no Qt, no SQL here).

Everything lives in :mod:`soundalike.library.browse`; these names are re-exported for the
GUI modules that import them from here.
"""

from __future__ import annotations

from soundalike.library.browse import (  # noqa: F401 - re-exported
    COLUMN_KEYS,
    COLUMNS,
    ROW_SQL,
    Browse,
    LibraryReader,
    Row,
    filter_indices,
    filter_view,
    row_from_track,
    search_words,
)
