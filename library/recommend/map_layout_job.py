"""A full layout of the library map in a spawned process: :class:`LayoutJob`, the parent's
side of :func:`~soundalike.library.recommend.map_layout_worker.layout_main`.

Apart from :mod:`soundalike.library.recommend.map_layout` so that imports flow one way:
this job → the process's module → the layout's computation.
"""

from __future__ import annotations

import multiprocessing as mp
import threading

from soundalike.library.recommend.map_layout import MapLayoutError


class LayoutJob:
    """A full layout of the library at *db_path* in a spawned process.

    ``wait()`` (on a worker thread: it blocks) returns the number of tracks laid out, or
    raises :class:`MapLayoutError`; :attr:`progress` (0 … 1) is updated meanwhile.
    ``cancel()`` ends the process at once from any thread; the stored layout is then the
    one before (the new one is written in a single transaction at the very end).
    """

    def __init__(self, db_path: str):
        self.db_path = str(db_path)
        self.progress = 0.0
        self.cancelled = False
        self._lock = threading.Lock()
        self._proc: mp.process.BaseProcess | None = None

    def start(self) -> None:
        from soundalike.library.recommend.map_layout_worker import layout_main

        ctx = mp.get_context("spawn")  # never fork a threaded (Qt) parent
        self._parent, child = ctx.Pipe(duplex=False)
        with self._lock:
            if self.cancelled:
                return
            self._proc = ctx.Process(target=layout_main, args=(self.db_path, child),
                                     name="soundalike-map-layout", daemon=True)
            self._proc.start()
        child.close()

    def wait(self) -> int:
        if self._proc is None:
            self.start()
        if self._proc is None:
            raise MapLayoutError("the map layout was cancelled")
        conn, proc = self._parent, self._proc
        try:
            while True:
                try:
                    ready = conn.poll(0.2)
                    msg = conn.recv() if ready else None
                except (EOFError, OSError):
                    break
                if msg is None:
                    if not proc.is_alive() and not conn.poll(0):
                        break
                    continue
                kind, value = msg
                if kind == "progress":
                    self.progress = float(value)
                elif kind == "done":
                    self.progress = 1.0
                    return int(value)
                elif kind == "error":
                    raise MapLayoutError(f"the map could not be arranged: {value}")
        finally:
            proc.join(5)
            conn.close()
        if self.cancelled:
            raise MapLayoutError("the map layout was cancelled")
        raise MapLayoutError("the map layout process stopped unexpectedly "
                             f"(exit code {proc.exitcode})")

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            proc = self._proc
        if proc is not None and proc.is_alive():
            proc.terminate()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None
