"""Watch the music folders and apply changes to the library cache as they happen.

:class:`FolderWatcher` runs watchdog observers on every configured folder. Events go to a
queue; the watcher's own thread (with its own :class:`Store`) applies them through the
scanner's per-file functions once a file has settled (size and mtime unchanged for
``settle_seconds``, so a file being copied is applied once, complete). Moves of files and
whole folders re-point tracks (keeping their analysis); deletes mark tracks ``missing``.
Where inotify is unavailable or its limits are reached, it falls back to watchdog's
polling observer and says so through ``on_message``.

Drives that come and go: every ``check_seconds`` the watcher looks at each music folder's
root (:func:`soundalike.library.files.availability.folder_problems`: one ``scandir`` of the
root's first entry). A folder that became unavailable (unplugged, unreadable, an empty
mount point) stops being watched and its tracks are masked (marked missing with their
analyses); when it is back it is watched again and rescanned, which revives them.

Callbacks run on the watcher's thread:
``on_change(kind, path)`` — kind is added, updated, moved, revived, failed, missing,
folder-added, and for a whole music folder folder-unavailable, folder-available;
``on_tracks_changed(track_ids)`` — for the analysis layer to queue the tracks;
``on_message(text)`` — plain-words notes (polling fallback, folder problems).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Self

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import DEFAULT_OBSERVER_TIMEOUT, BaseObserver
from watchdog.observers.polling import PollingEmitter

from soundalike.library.files.availability import folder_problems, is_under
from soundalike.library.files.scanner import Scanner
from soundalike.library.model.states import TrackStatus
from soundalike.library.store import Store

log = logging.getLogger(__name__)

_LIMIT_ERRNOS = {errno.ENOSPC, errno.EMFILE, errno.ENFILE}
#: how long :meth:`FolderWatcher.start` waits for a polled folder's first snapshot
FIRST_SNAPSHOT_WAIT_S = 30.0


class _PollingEmitter(PollingEmitter):
    """watchdog's polling emitter, telling when its first snapshot is taken.

    The first snapshot is what later polls compare with, and watchdog takes it on the
    emitter's own thread after ``schedule()`` returns: a file created in between is in
    that snapshot and never reported. :meth:`FolderWatcher._watch` waits for
    :attr:`first_snapshot` so that every change after ``start()`` returns is seen. A
    first snapshot that fails (no descriptors left, an I/O error) is retried at the
    next poll instead of ending the emitter's thread.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_snapshot = threading.Event()
        self._have_snapshot = False

    def on_thread_start(self) -> None:
        self._try_first_snapshot()

    def _try_first_snapshot(self) -> None:
        try:
            super().on_thread_start()
            self._have_snapshot = True
        except OSError as exc:
            log.warning("cannot read %s yet (%s); trying again", self.watch.path, exc)
        finally:
            self.first_snapshot.set()

    def queue_events(self, timeout) -> None:
        if not self._have_snapshot:
            if not self.stopped_event.wait(timeout):
                self._try_first_snapshot()
            return
        super().queue_events(timeout)


class _PollingObserver(BaseObserver):
    def __init__(self, timeout: float = DEFAULT_OBSERVER_TIMEOUT):
        super().__init__(_PollingEmitter, timeout=timeout)


class _Handler(FileSystemEventHandler):
    def __init__(self, q: queue.Queue):
        self.q = q

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        self.q.put(("event", event.event_type, event.is_directory, os.fsdecode(event.src_path),
                    os.fsdecode(event.dest_path) if event.dest_path else ""))


class FolderWatcher:
    """Keep the library at *db_path* in step with its folders, from a thread of its own.

    Parameters
    ----------
    db_path : str or Path
        The library database (the watcher opens its own :class:`Store`).
    settle_seconds : float
        How long a changed file's size and mtime must stay the same before it is read.
    force_polling : bool
        Use watchdog's polling observer from the start (network drives, tests).
    poll_interval : float
        Seconds between polls when polling.
    check_seconds : float
        Seconds between checks that every music folder's root is there (drives that
        come and go).
    """

    def __init__(self, db_path, *, on_change: Callable[[str, str], None] | None = None,
                 on_tracks_changed: Callable[[list[int]], None] | None = None,
                 on_message: Callable[[str], None] | None = None,
                 settle_seconds: float = 1.5, force_polling: bool = False,
                 poll_interval: float = 1.0, check_seconds: float = 3.0):
        self.db_path = db_path
        self.on_change = on_change
        self.on_tracks_changed = on_tracks_changed
        self.on_message = on_message
        self.settle_seconds = settle_seconds
        self.poll_interval = poll_interval
        self.check_seconds = check_seconds
        self.polling = force_polling
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._life = threading.Lock()  # start() and stop() from different threads
        self._ready = threading.Event()
        self._observer = None
        self._watched: set[str] = set()
        self._handles: dict[str, object] = {}   # path → watchdog's ObservedWatch
        #: music folders unavailable now: path → why, in plain words
        self._unavailable: dict[str, str] = {}
        self._next_check = 0.0
        self._pending: dict[str, tuple[float, tuple[int, float] | None]] = {}
        self._pending_dirs: dict[str, float] = {}
        self.error: BaseException | None = None

    # -- public ---------------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> None:
        """Start watching every configured folder; returns once the observers are running.

        The player starts a watcher on a worker thread and may stop it from the UI thread
        at any moment: a watcher stopped before it started never starts."""
        with self._life:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="soundalike-watcher",
                                            daemon=True)
            self._thread.start()
        self._ready.wait(timeout)
        if self.error is not None:
            raise self.error

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching; changes already settled are applied first."""
        with self._life:
            self._stop.set()
            self._queue.put(("stop",))
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def add_folder(self, path: str) -> None:
        """Add *path* as a music folder, scan it and watch it at once (from any thread)."""
        self._queue.put(("add", os.path.abspath(path)))

    @property
    def watched(self) -> set[str]:
        return set(self._watched)

    @property
    def unavailable(self) -> dict[str, str]:
        """The music folders unavailable at the last check: ``path → why``."""
        return dict(self._unavailable)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the watcher thread ---------------------------------------------------------------
    def _run(self) -> None:
        try:
            store = Store(self.db_path)
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self.error = exc
            self._ready.set()
            return
        scanner = Scanner(store, on_tracks_changed=self.on_tracks_changed)
        handler = _Handler(self._queue)
        try:
            self._observer = self._new_observer()
            self._observer.start()
            self._check_roots(scanner, handler, store)
            for folder in store.folders():
                if folder.path not in self._unavailable:
                    self._watch(folder.path, handler)
            self._ready.set()
            while not self._stop.is_set():
                self._drain(scanner, handler, store)
                self._settle(scanner)
                if time.monotonic() >= self._next_check:
                    self._check_roots(scanner, handler, store)
            self._settle(scanner, final=True)
        except BaseException as exc:
            log.exception("folder watcher failed")
            self.error = exc
            self._message(f"the folder watcher stopped: {exc}")
        finally:
            self._ready.set()
            if self._observer is not None:
                with contextlib.suppress(Exception):
                    self._observer.stop()
                    self._observer.join(5)
            scanner.close()
            store.close()

    def _new_observer(self):
        if not self.polling:
            try:
                return Observer()  # inotify on Linux; creating it can fail (EMFILE, ENOSYS)
            except OSError as exc:
                self._message(f"{self._why(exc)}; checking the music folders for changes by "
                              "polling instead")
                self.polling = True
        return _PollingObserver(timeout=self.poll_interval)

    @staticmethod
    def _why(exc: OSError) -> str:
        if exc.errno in _LIMIT_ERRNOS:
            return f"the system limit on file watches was reached ({exc.strerror or exc})"
        return f"inotify is not available ({exc.strerror or exc})"

    def _watch(self, path: str, handler: _Handler) -> None:
        if path in self._watched:
            return
        if not os.path.isdir(path):
            self._message(f"not watching {path}: the folder is not there (unplugged drive?)")
            return
        try:
            watch = self._observer.schedule(handler, path, recursive=True, follow_symlink=True)
            self._handles[path] = watch
        except OSError as exc:
            if self.polling:
                self._message(f"cannot watch {path}: {exc.strerror or exc}")
                return
            self._message(f"{self._why(exc)}; checking the music folders for changes by "
                          "polling instead")
            self._switch_to_polling(handler)
            self._watch(path, handler)  # the folder whose watch failed is polled too
            return
        self._watched.add(path)
        self._wait_first_snapshot(watch)

    def _wait_first_snapshot(self, watch) -> None:
        """Return once a polled folder's first snapshot is taken (nothing to wait for
        with inotify, whose watch is in place when ``schedule()`` returns)."""
        for emitter in self._observer.emitters:
            if emitter.watch == watch and isinstance(emitter, _PollingEmitter) and \
                    not emitter.first_snapshot.wait(FIRST_SNAPSHOT_WAIT_S):
                log.warning("the first look at %s took over %.0f s", watch.path,
                            FIRST_SNAPSHOT_WAIT_S)

    def _switch_to_polling(self, handler: _Handler) -> None:
        old = self._observer
        with contextlib.suppress(Exception):
            old.stop()
            old.join(5)
        self.polling = True
        self._observer = self._new_observer()
        self._observer.start()
        paths, self._watched = self._watched, set()
        for p in sorted(paths):
            self._watch(p, handler)

    def _unwatch(self, path: str) -> None:
        self._watched.discard(path)
        handle = self._handles.pop(path, None)
        if handle is not None:
            with contextlib.suppress(Exception):  # (its emitter may have stopped already)
                self._observer.unschedule(handle)

    def _check_roots(self, scanner: Scanner, handler: _Handler, store: Store) -> None:
        """Mask the tracks of music folders that went away, bring back those that
        returned (see the module)."""
        self._next_check = time.monotonic() + self.check_seconds
        folders = store.folders()
        problems = folder_problems(store, folders)
        scanner._unavailable = tuple(problems)
        for f in folders:
            problem, was = problems.get(f.path), f.path in self._unavailable
            if problem is not None and not was:
                self._unavailable[f.path] = problem.reason
                self._unwatch(f.path)
                for p in [p for p in self._pending if is_under(p, f.path)]:
                    del self._pending[p]
                ids = store.folder_track_ids(f.id, exclude=TrackStatus.MISSING)
                store.mark_missing(ids)
                hidden = store.folder_track_count(f.id)
                self._message(f"the music folder {f.path} {problem.reason}: {hidden} "
                              f"song{'s' if hidden != 1 else ''} hidden until it is back")
                self._emit("folder-unavailable", f.path)
            elif problem is None and was:
                del self._unavailable[f.path]
                self._watch(f.path, handler)  # watched before the scan: nothing is missed
                report = scanner.scan([f.path])
                scanner._unavailable = tuple(problems)
                back = report.revived + report.updated + report.moved
                self._message(f"the music folder {f.path} is back: {back} "
                              f"song{'s' if back != 1 else ''} again, {report.added} new")
                self._emit("folder-available", f.path)
            elif problem is not None:
                self._unavailable[f.path] = problem.reason  # (the reason may change)
        for path in set(self._unavailable) - {f.path for f in folders}:
            del self._unavailable[path]  # a folder the user removed

    def _message(self, text: str) -> None:
        log.info(text)
        if self.on_message:
            try:
                self.on_message(text)
            except Exception:
                log.exception("on_message failed")

    def _emit(self, kind: str, path: str) -> None:
        if self.on_change and kind not in ("skipped", "unchanged"):
            try:
                self.on_change(kind, path)
            except Exception:
                log.exception("on_change failed")

    def _drain(self, scanner: Scanner, handler: _Handler, store: Store) -> None:
        try:
            item = self._queue.get(timeout=0.2)
        except queue.Empty:
            return
        items = [item]
        with contextlib.suppress(queue.Empty):
            while len(items) < 10000:
                items.append(self._queue.get_nowait())
        now = time.monotonic()
        for item in items:
            if item[0] == "stop":
                self._stop.set()
            elif item[0] == "add":
                path = item[1]
                store.add_folder(path)
                self._watch(path, handler)
                report = scanner.scan([path])
                self._emit("folder-added", path)
                if report.added or report.updated or report.moved:
                    self._message(f"{path}: {report.added} new, {report.updated} changed, "
                                  f"{report.moved} moved")
            else:
                self._event(scanner, now, *item[1:])

    def _event(self, scanner: Scanner, now: float, kind: str, is_dir: bool, src: str,
               dest: str) -> None:
        if kind in ("deleted", "moved") and src in self._watched:
            # a music folder's root itself went (unmounted, renamed, deleted): its watch
            # has ended; its tracks are masked, and it is watched and rescanned once the
            # next check finds it back (at once if it already is)
            self._unwatch(src)
            self._unavailable[src] = reason = "is not there (unplugged drive?)"
            scanner.remove_path(src)
            holder = scanner.folder_for(src)
            hidden = scanner.store.folder_track_count(holder[0]) if holder else 0
            self._message(f"the music folder {src} {reason}: {hidden} "
                          f"song{'s' if hidden != 1 else ''} hidden until it is back")
            self._emit("folder-unavailable", src)
            self._next_check = now
            return
        if kind == "moved":
            self._pending.pop(src, None)
            if not is_dir and not scanner.store.track_by_path(src):
                self._pending[dest] = (now, None)  # e.g. a finished download renamed
                return
            ids = scanner.move_path(src, dest)
            if ids:
                self._emit("moved", dest)
            if is_dir:
                self._pending_dirs[dest] = now  # pick up anything new inside
            return
        if kind == "deleted":
            self._pending.pop(src, None)
            if scanner.remove_path(src):
                self._emit("missing", src)
            return
        if is_dir:
            if kind == "created":
                self._pending_dirs[src] = now
            return
        self._pending[src] = (now, self._pending.get(src, (now, None))[1])

    def _settle(self, scanner: Scanner, final: bool = False) -> None:
        now = time.monotonic()
        for d, since in list(self._pending_dirs.items()):
            if final or now - since >= self.settle_seconds:
                del self._pending_dirs[d]
                for p in scanner._files_at(d):
                    self._pending.setdefault(p, (since, None))
        for path, (since, last) in list(self._pending.items()):
            try:
                st = os.stat(path)
                sig = (st.st_size, st.st_mtime)
            except OSError:
                sig = None
            if sig != last:
                self._pending[path] = (now, sig)  # still changing: wait for it to settle
                if not final:
                    continue
            elif not final and now - since < self.settle_seconds:
                continue
            del self._pending[path]
            if sig is None:
                if scanner.remove_path(path):
                    self._emit("missing", path)
                continue
            kind, _ = scanner.scan_file(path)
            self._emit(kind, path)
