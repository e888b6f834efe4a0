"""Music folders, settings and the background work: the scan, the folder watcher and
the analysis (started, told about new files, its options changed)."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from soundalike.gui import library_glue
from soundalike.gui.bridges import AnalysisBridge, CallbackBridge
from soundalike.gui.mainwindow.library import LibraryBrowser
from soundalike.gui.preferences import Preferences
from soundalike.gui.settings_dialog import (
    FirstRunDialog,
    LibrarySettings,
    SettingsDialog,
)
from soundalike.gui.tasks import Tasks
from soundalike.library.analysis.controller import saved_workers
from soundalike.library.model.errors import LibraryError
from soundalike.library.model.settings import ANALYSIS_PAUSE_ON_BATTERY
from soundalike.library.model.states import AnalysisState
from soundalike.library.store import Store


def analysis_bridge(db_path: str, store: Store, workers: int | None = None,
                    parent=None) -> AnalysisBridge:
    """The analysis, with the library's settings (*workers* overrides the setting)."""
    workers = workers or saved_workers(store)
    return AnalysisBridge(db_path, workers=workers,
                          pause_on_battery=bool(store.setting(ANALYSIS_PAUSE_ON_BATTERY)),
                          parent=parent)


class FolderController(QObject):
    """Adds folders (scanned and watched at once), opens the settings and applies them,
    and runs the background work; *browser* reloads when the library changed and
    *pause_action* says whether the analysis is paused. A QWidget *parent* is the
    parent of its dialogs."""

    #: the music folders unavailable now (a list of
    #: :class:`~soundalike.library.files.availability.UnavailableFolder`), after each check
    unavailable_changed = Signal(list)

    def __init__(self, *, db_path: str, store: Store, tasks: Tasks, analysis: AnalysisBridge,
                 browser: LibraryBrowser, pause_action: QAction,
                 show_message: Callable[[str, int], None],
                 preferences: Preferences | None = None,
                 tray_available: Callable[[], bool] = lambda: False, parent=None):
        super().__init__(parent)
        self.preferences = preferences
        self.tray_available = tray_available
        self.db_path = db_path
        self.store = store
        self.tasks = tasks
        self.analysis = analysis
        self.browser = browser
        self.pause_action = pause_action
        self._show = show_message
        self.watcher = None
        self.watcher_options: dict = {}
        self.unavailable: list = []   # UnavailableFolder, at the last check
        self.watcher_events = CallbackBridge(self)
        self.watcher_messages = CallbackBridge(self)
        self.watcher_events.fired.connect(self._on_watcher_event)
        self.watcher_messages.fired.connect(lambda args: self._show(str(args[0]), 10000))
        analysis.result.connect(lambda *_: browser.schedule_refresh())
        analysis.progress.connect(self._on_analysis_progress)

    # ------------------------------------------------------------------ background work
    def start_background(self, *, scan: bool = True, watch: bool = True,
                         analyse: bool = True) -> None:
        """Scan the music folders, watch them, and analyse what is pending."""
        if watch:  # the scan follows the watcher's start: nothing added meanwhile is missed
            self._restart_watcher(then_scan=self._after_scan if scan else None)
        elif scan:
            library_glue.scan_async(self.tasks, self.db_path, self._after_scan)
        if analyse:
            self.analysis.start()

    def _after_scan(self, summary) -> None:
        if self.browser.closed:
            return
        if summary:
            self._show(str(summary), 8000)
        self.browser.refresh_library()
        self.analysis.notify()
        self.check_folders()

    def _on_watcher_event(self, args: tuple) -> None:
        self.browser.schedule_refresh()
        self.analysis.notify()
        if args and str(args[0]).startswith("folder-"):  # a folder went, came back, added
            self.check_folders()

    def check_folders(self) -> None:
        """Find out (off the UI thread) which music folders are unavailable now; then
        :attr:`unavailable_changed`."""
        library_glue.unavailable_async(self.tasks, self.db_path, self._on_unavailable)

    def _on_unavailable(self, folders: list) -> None:
        if self.browser.closed:
            return
        self.unavailable = list(folders)
        self.unavailable_changed.emit(self.unavailable)

    def _on_analysis_progress(self, p) -> None:
        self.pause_action.setText(self.tr("Resume analysis") if self.analysis.paused
                                  else self.tr("Pause analysis"))
        if p.message and p.state == AnalysisState.ERROR:
            self._show(self.tr("Analysis stopped: {0}").format(p.message), 15000)

    def _restart_watcher(self, then_scan=None) -> None:
        if self.watcher is not None:
            library_glue.stop_watcher(self.watcher)
        self.watcher = library_glue.start_watcher(self.tasks, self.db_path,
                                                  self.watcher_events.callback,
                                                  self.watcher_messages.callback,
                                                  then_scan=then_scan,
                                                  **self.watcher_options)

    def shutdown(self) -> None:
        """Stop the analysis at once (finished files are saved; in flight stay pending)
        and the watcher."""
        self.analysis.shutdown(timeout=3.0)
        if self.watcher is not None:
            library_glue.stop_watcher(self.watcher)
            self.watcher = None

    # ------------------------------------------------------------------ folders, settings
    def add_folder(self, path: str | None = None) -> None:
        """Add a music folder: it is scanned and watched at once."""
        if path is None:
            path = QFileDialog.getExistingDirectory(self.parent(),
                                                    self.tr("Add a music folder"))
        if not path:
            return
        if self.watcher is not None:
            self.watcher.add_folder(path)  # adds, scans and watches it on the watcher's thread
        else:
            self.store.add_folder(path)
            self.start_background(watch=False, analyse=False)

    def ask_for_folders(self) -> None:
        dialog = FirstRunDialog(self.parent())
        if dialog.exec():
            for path in dialog.chosen_folders():
                if os.path.isdir(path):
                    self.store.add_folder(path)

    def open_settings(self) -> SettingsDialog:
        player = self.preferences.load() if self.preferences is not None else None
        dialog = SettingsDialog(LibrarySettings.load(self.store), player=player,
                                tray_available=self.tray_available(), parent=self.parent())
        dialog.finished.connect(lambda code: self._apply_settings(dialog) if code else None)
        dialog.open()
        return dialog

    def _apply_settings(self, dialog: SettingsDialog) -> None:
        settings = dialog.result_settings()
        player = dialog.result_player_settings()
        if player is not None and self.preferences is not None:
            self.preferences.save(player)  # the window applies them (Preferences.changed)
        try:
            added, removed = settings.save(self.store)
        except LibraryError as exc:  # a full disk or a read-only library: the old ones stay
            QMessageBox.warning(self.parent(), self.tr("Settings"),
                                self.tr("The settings were not saved:\n{0}").format(exc))
            return
        self.analysis.set_options(workers=settings.workers or None,
                                  pause_on_battery=settings.pause_on_battery)
        if removed or self.watcher is None:
            self.start_background(watch=self.watcher is not None, analyse=False)
        else:
            for path in added:
                self.watcher.add_folder(path)
