"""The one threading helper of the GUI: run a function on a worker thread, get the
result (or the error) back on the GUI thread.

``run_task(fn, on_done, on_error)`` queues *fn* on a :class:`QThreadPool`; when it
returns, *on_done(result)* runs on the GUI thread; when it raises, *on_error(exc)*
does. The returned :class:`TaskHandle` can be cancelled: a cancelled task's
callbacks are never called (the function itself runs to completion, so keep
functions short or make them check :attr:`TaskHandle.cancelled`).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

_pool: QThreadPool | None = None
_serial: QThreadPool | None = None
_live: set[TaskHandle] = set()  # keeps handles alive until their result is delivered


def pool() -> QThreadPool:
    """The GUI's worker pool (separate from Qt's global one; at most 2 threads)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
    return _pool


def serial_pool() -> QThreadPool:
    """One thread that never expires: tasks run in order, always on the same thread
    (for objects that hold an SQLite connection, such as the recommender)."""
    global _serial
    if _serial is None:
        _serial = QThreadPool()
        _serial.setMaxThreadCount(1)
        _serial.setExpiryTimeout(-1)
    return _serial


class TaskHandle(QObject):
    """Delivers one task's outcome on the thread this object lives in (the GUI)."""

    _finished = Signal(bool, object)

    def __init__(self, on_done: Callable[[Any], None] | None,
                 on_error: Callable[[BaseException], None] | None):
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self.cancelled = False
        self.done = False
        self._finished.connect(self._deliver)

    def cancel(self) -> None:
        """Drop the result: neither callback will be called."""
        self.cancelled = True

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        self.done = True
        _live.discard(self)
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


def run_task(fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None, *,
             serial: bool = False) -> TaskHandle:
    """Run ``fn()`` on a worker thread; deliver its result or exception on the GUI thread.

    ``serial=True`` runs it on :func:`serial_pool` (one long-lived thread, in order).
    """
    handle = TaskHandle(on_done, on_error)
    _live.add(handle)
    (serial_pool() if serial else pool()).start(_Runnable(fn, handle))
    return handle


def wait_idle(timeout_ms: int = 10000) -> bool:
    """Wait for every queued task to finish (used when quitting and in tests)."""
    ok = pool().waitForDone(timeout_ms)
    return (serial_pool().waitForDone(timeout_ms) if _serial is not None else True) and ok
