"""The map layout's process: :func:`layout_main`, run by :class:`~.map_layout_job.LayoutJob`.

Kept free of heavy imports at module level, so the thread-count variables are set
before numpy loads in the spawned process: one core, at low priority, beside the music.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_name, "1")


def layout_main(db_path: str, conn) -> None:
    """Compute and store the layout; send ``("progress", f)`` now and then, then
    ``("done", n)`` or ``("error", message)``."""
    from soundalike.engine.errors import SoundalikeError
    from soundalike.library.recommend.map_layout import compute_layout, low_priority

    low_priority()
    last = [-1.0]

    def progress(f: float) -> None:
        if f - last[0] >= 0.02 or f >= 1.0:
            last[0] = f
            conn.send(("progress", f))

    try:
        n = compute_layout(db_path, progress=progress)
    except SoundalikeError as exc:
        conn.send(("error", str(exc)))
    except MemoryError:
        conn.send(("error", "not enough memory"))
    except Exception as exc:  # noqa: BLE001 - reported to the GUI in plain words
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    else:
        conn.send(("done", n))
    finally:
        conn.close()
