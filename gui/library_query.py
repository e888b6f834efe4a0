"""The library table's and sidebar's view of the library (no Qt, no SQL here).

Everything lives in :mod:`soundalike.library.browse` and
:mod:`soundalike.library.model.views`; these names are re-exported for the GUI modules that
import them from here.
"""

from __future__ import annotations

from soundalike.library.browse import (  # noqa: F401 - re-exported
    LibraryReader,
    filter_indices,
    filter_view,
    search_words,
)
from soundalike.library.model.views import (  # noqa: F401 - re-exported
    COLUMN_KEYS,
    COLUMNS,
    ROW_SQL,
    Browse,
    Row,
    row_from_track,
)
