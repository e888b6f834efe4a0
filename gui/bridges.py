"""Thin QObject adapters: plain callbacks from library/ re-emitted as Qt signals.

The library's workers (the analysis controller's thread, the folder watcher's
observer thread) call plain Python callables; the adapters here turn those calls
into signals, which Qt delivers on the GUI thread (queued connections), so widgets
never run on a foreign thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from soundalike.library.analysis.controller import AnalysisController, Progress


class AnalysisBridge(QObject):
    """Runs an :class:`AnalysisController` in the background and reports as signals."""

    progress = Signal(object)             # library.analysis.controller.Progress
    result = Signal(int, bool, object)    # track id, ok, reason

    def __init__(self, db_path: str | Path, *, workers: int | None = None,
                 pause_on_battery: bool = False, keep_running: bool = True,
                 time_limit: float | None = None, parent=None):
        super().__init__(parent)
        self.db_path = str(db_path)
        self.workers = workers
        self.pause_on_battery = pause_on_battery
        self.keep_running = keep_running
        self.time_limit = time_limit
        self.controller: AnalysisController | None = None
        self.last = Progress()
        self._paused = False
        self.progress.connect(self._remember)

    def _remember(self, progress: Progress) -> None:
        self.last = progress

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def running(self) -> bool:
        return self.controller is not None and self.controller.running

    def start(self) -> None:
        """Start (or wake) the analysis of every pending track."""
        if self.running:
            self.controller.notify()
            return
        kwargs = {}
        if self.time_limit is not None:
            kwargs["time_limit"] = self.time_limit
        self.controller = AnalysisController(
            self.db_path, workers=self.workers, keep_running=self.keep_running,
            pause_on_battery=self.pause_on_battery,
            on_progress=self.progress.emit,
            on_result=lambda tid, ok, reason: self.result.emit(tid, ok, reason), **kwargs)
        if self._paused:
            self.controller.pause()
        self.controller.start()

    def pause(self) -> None:
        self._paused = True
        if self.controller is not None:
            self.controller.pause()

    def resume(self) -> None:
        self._paused = False
        if self.controller is not None:
            self.controller.resume()

    def notify(self) -> None:
        """New files may be pending (the watcher found some)."""
        if self.running:
            self.controller.notify()
        else:
            self.start()

    def prioritise(self, track_ids) -> None:
        """Analyse these tracks first (the user asked about them)."""
        if not self.running:
            self.start()
        self.controller.prioritise(list(track_ids))
        if self._paused:  # the user wants these now, even while paused
            self.resume()

    def set_options(self, *, workers: int | None, pause_on_battery: bool) -> None:
        """New settings apply at once, to the running analysis too."""
        self.workers = workers
        self.pause_on_battery = pause_on_battery
        if self.controller is not None:
            self.controller.pause_on_battery = pause_on_battery
            self.controller.set_workers(workers)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop at once: in-flight files stay pending, finished ones are already saved."""
        if self.controller is not None:
            self.controller.cancel()
            self.controller.wait(timeout)


class CallbackBridge(QObject):
    """Re-emits ``callback(*args)`` calls from any thread as :attr:`fired` on the GUI thread.

    Used for the folder watcher and for Store subscriptions: pass ``bridge.callback``
    where library/ wants a plain callable.
    """

    fired = Signal(tuple)

    def callback(self, *args) -> None:
        self.fired.emit(args)
