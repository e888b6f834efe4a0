"""The one threading helper of the GUI: run a function on a worker thread, get the
result (or the error) back on the GUI thread.

:class:`Tasks` owns the GUI's two thread pools. The application creates one
(:func:`soundalike.gui.app.run`) and passes it down through constructors; there is
no module-level pool. ``tasks.run_task(fn, on_done, on_error)`` queues *fn*; when
it returns, *on_done(result)* runs on the GUI thread; when it raises,
*on_error(exc)* does. The returned :class:`TaskHandle` can be cancelled: a
cancelled task's callbacks are never called (the function itself runs to
completion, so keep functions short or make them check :attr:`TaskHandle.cancelled`).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class TaskHandle(QObject):
    """Delivers one task's outcome on the thread this object lives in (the GUI)."""

    _finished = Signal(bool, object)

    def __init__(self, on_done: Callable[[Any], None] | None,
                 on_error: Callable[[BaseException], None] | None,
                 live: set[TaskHandle] | None = None):
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self._live = live
        self.cancelled = False
        self.done = False
        self._finished.connect(self._deliver)

    def cancel(self) -> None:
        """Drop the result: neither callback will be called."""
        self.cancelled = True

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        self.done = True
        if self._live is not None:
            self._live.discard(self)
        if self.cancelled:
            return
        if ok:
            if self._on_done is not None:
                self._on_done(value)
        elif self._on_error is not None:
            self._on_error(value)  # type: ignore[arg-type]
        else:
            traceback.print_exception(value)  # type: ignore[arg-type]


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], Any], handle: TaskHandle):
        super().__init__()
        self._fn = fn
        self._handle = handle
        self.setAutoDelete(True)

    def run(self) -> None:
        if self._handle.cancelled:
            self._handle._finished.emit(False, RuntimeError("cancelled"))
            return
        try:
            result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - handed to on_error on the GUI thread
            self._handle._finished.emit(False, exc)
        else:
            self._handle._finished.emit(True, result)


class Tasks(QObject):
    """The GUI's thread pools: :attr:`pool` (separate from Qt's global one; at most
    ``max_threads`` threads) and :attr:`serial` (one thread that never expires: tasks
    run in order, always on the same thread, for objects that hold an SQLite
    connection, such as the recommender)."""

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.serial = QThreadPool(self)
        self.serial.setMaxThreadCount(1)
        self.serial.setExpiryTimeout(-1)
        self._live: set[TaskHandle] = set()  # keeps handles alive until delivered

    def run_task(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None, *,
                 serial: bool = False) -> TaskHandle:
        """Run ``fn()`` on a worker thread; deliver its result or exception on the GUI
        thread. ``serial=True`` runs it on :attr:`serial` (one long-lived thread, in order).
        """
        handle = TaskHandle(on_done, on_error, self._live)
        self._live.add(handle)
        (self.serial if serial else self.pool).start(_Runnable(fn, handle))
        return handle

    def wait_idle(self, timeout_ms: int = 10000) -> bool:
        """Wait for every queued task to finish (used when quitting and in tests)."""
        ok = self.pool.waitForDone(timeout_ms)
        return self.serial.waitForDone(timeout_ms) and ok
