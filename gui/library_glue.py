"""Library work the window starts in the background: the folder scan and the watcher.

:func:`scan_async` scans every music folder on a task thread and hands back one status-bar
line (:func:`scan_summary`); :func:`start_watcher` starts the folder watcher off the UI
thread (then, optionally, the scan) and :func:`stop_watcher` stops it. The library's
Scanner, FolderWatcher and Store are imported here only, inside these functions, so the
window's modules stay free of them.
"""

from __future__ import annotations

from collections.abc import Callable

from soundalike.gui.tasks import TaskHandle, Tasks


def scan_summary(report) -> str:
    """One status-bar line for a :class:`~soundalike.library.files.scanner.ScanReport`."""
    parts = [f"{n} {word}" for n, word in ((report.added, "new"), (report.updated, "changed"),
                                           (report.moved, "moved"), (report.missing, "missing"),
                                           (report.failed, "unreadable")) if n]
    text = "Library scanned: " + (", ".join(parts) if parts else "no changes")
    if report.absent_folders:
        text += f" — folder not found: {', '.join(report.absent_folders)}"
    return text


def _scan(db_path: str) -> str:
    from soundalike.library.files.scanner import Scanner
    from soundalike.library.store import Store

    with Store(db_path) as store:
        if not store.folders():
            return ""
        return scan_summary(Scanner(store).scan())


def scan_async(tasks: Tasks, db_path: str, on_done: Callable[[str], None],
               on_error: Callable[[BaseException], None] | None = None) -> TaskHandle:
    """Scan every music folder off the UI thread; *on_done(summary line)* on the GUI thread."""

    def failed(exc: BaseException) -> None:
        (on_error or (lambda e: on_done(f"Scan failed: {e}")))(exc)

    return tasks.run_task(lambda: _scan(db_path), on_done, failed)


def unavailable_async(tasks: Tasks, db_path: str,
                      on_done: Callable[[list], None]) -> TaskHandle:
    """The music folders that are unavailable now
    (:func:`~soundalike.library.files.availability.unavailable_folders`: a ``scandir`` of each
    root, so never on the UI thread: a stalled share must not freeze the window);
    *on_done(list of UnavailableFolder)* on the GUI thread."""

    def work() -> list:
        from soundalike.library.files.availability import unavailable_folders
        from soundalike.library.store import Store

        with Store(db_path, read_only=True) as store:
            return unavailable_folders(store)

    return tasks.run_task(work, on_done, lambda _exc: None)


def start_watcher(tasks: Tasks, db_path: str, on_change: Callable[..., None],
                  on_message: Callable[[str], None] | None = None, *,
                  then_scan: Callable[[str], None] | None = None, **options):
    """Watch the music folders (started off the UI thread); returns the watcher.

    *on_change(kind, path)* and *on_message(text)* run on the watcher's thread: pass
    :class:`~soundalike.gui.bridges.CallbackBridge` callbacks. With *then_scan*, the
    folders are scanned once the watcher is watching — so a file added while the scan
    runs is not missed — and *then_scan(summary line)* runs on the GUI thread.
    """
    from soundalike.library.files.watcher import FolderWatcher

    watcher = FolderWatcher(db_path, on_change=on_change, on_message=on_message, **options)

    def work() -> str | None:
        try:
            watcher.start()
        except Exception as exc:  # noqa: BLE001 - said, and the scan still runs
            if on_message is not None:
                on_message(f"The folder watcher could not start: {exc}")
        return _scan(db_path) if then_scan is not None else None

    def done(summary: str | None) -> None:
        if then_scan is not None:
            then_scan(summary or "")

    def failed(exc: BaseException) -> None:
        if then_scan is not None:
            then_scan(f"Scan failed: {exc}")

    tasks.run_task(work, done, failed)
    return watcher


def stop_watcher(watcher) -> None:
    if watcher is not None:
        watcher.stop(timeout=5.0)
