"""The background upkeep of the similarity index: the process that
:func:`soundalike.library.analysis.index_request.request` starts.

A query (:class:`~soundalike.library.recommend.recommender.Recommender`) overlays the
changes since the index file was built in memory; when that overlay passes
:func:`~.vector_index.overlay_limit` or the vector model is due a refit it keeps answering
from the old file plus the overlay (up to :func:`~.vector_index.lenient_limit` rows) and
asks for an upkeep, as the analysis runs do. This process takes the library's upkeep lock
(:func:`~soundalike.library.analysis.index_request.held`) and opens the library as a query
would but strictly: a file that is due (overlay past the limit, model due a refit, file
missing or damaged) is rebuilt, streaming, and atomically renamed in (see
:mod:`~.vector_index`); otherwise it only looks. Queries meanwhile keep the old file
mapped; a long-running one (the player, ``watch``) reopens the new file on its next
``refresh()``.
"""

from __future__ import annotations

import contextlib
import os
import sys

from soundalike.library.analysis import index_request
from soundalike.library.analysis.index_request import NICE, held
from soundalike.library.recommend import vector_index
from soundalike.library.recommend.recommender import Recommender
from soundalike.library.store import Store


def upkeep(db_path) -> str:
    """Rebuild the index file of the library at *db_path* if it is due, holding the lock;
    return what was done: ``"busy"`` (another upkeep runs), ``"fresh"`` (nothing was due)
    or why the file was rebuilt."""
    index_request.IN_UPKEEP = True
    index = vector_index.index_path(db_path)
    with held(index, wait=False) as got:
        if not got:
            return "busy"
        with Store(db_path) as store:
            rec = Recommender(store)
            return rec.rebuilt_because or "fresh"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with contextlib.suppress(OSError):
        os.nice(NICE)
    print(upkeep(argv[0]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
