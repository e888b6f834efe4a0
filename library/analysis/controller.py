"""Analyse every pending track in background worker processes; one thread writes results.

:class:`AnalysisController` runs in a thread of its own (``start()``) or in the
caller's (``run()``). It hands one file at a time to each worker process
(:mod:`soundalike.library.analysis.worker`), enforces a per-file time limit by
killing a worker that overruns, recycles workers after a number of files or above
a memory cap, and commits each result in its own transaction — so quitting or a
crash loses at most the files in flight. Callbacks are plain callables, invoked
from the controller's thread; the GUI re-emits them as Qt signals.

Several controllers (the desktop app, ``soundalike watch``, ``soundalike analyze``, in
any number of processes) may share one library: each claims a track in the database
before a worker gets it (:mod:`soundalike.library.store.claims`), renews its claims'
lease while it works and skips tracks another live analyser holds, so no track is
analysed twice at once; the claims of a killed analyser are taken over. A controller
that is not kept running waits for tracks held elsewhere before it says it is finished.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait as wait_for
from pathlib import Path

from soundalike.engine.analyze import ANALYSIS_VERSION, UPGRADABLE_VERSIONS
from soundalike.library.analysis import cnn_choice, index_request, machine, owner
from soundalike.library.analysis.power import on_battery
from soundalike.library.analysis.worker import (
    Analysed,
    Fatal,
    Ready,
    Reply,
    Request,
    worker_main,
)
from soundalike.library.model.errors import DiskFullError, LibraryError
from soundalike.library.model.settings import ANALYSIS_WORKERS
from soundalike.library.model.states import AnalysisState, TrackStatus
from soundalike.library.store import Claim, Store
from soundalike.library.store.connection import FREE_SPACE_NEEDED, free_space

DEFAULT_TIME_LIMIT = 120.0     # seconds per file
DEFAULT_FILES_PER_WORKER = 200  # recycle a worker after this many files …
DEFAULT_MEMORY_LIMIT_MB = 700   # … or once its resident memory exceeds this
IDLE_RECHECK_S = 15.0          # idle: look for new work this often even without notify()
STARTUP_LIMIT_S = 90.0          # a worker that cannot load the model by then is replaced
MAX_FAILED_STARTS = 3
BATTERY_POLL_S = 15.0
DISK_POLL_S = 2.0               # disk full: look at the free space this often
DEFAULT_LEASE_S = 60.0          # a claim lapses this long after its last renewal
HELD_RECHECK_S = 2.0            # not kept running: look again this often at tracks held elsewhere


def disk_full_message(needed_bytes: int) -> str:
    """What the analysis says while it waits for disk space."""
    return f"disk full: analysis paused ({max(1, round(needed_bytes / 1e6))} MB free needed)"


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot of the analysis, handed to ``on_progress``.

    ``state`` is an :class:`~soundalike.library.model.states.AnalysisState` (a StrEnum:
    ``"paused-disk-full"`` and so on; ``message`` says how much space a full disk waits
    for, or why the analysis cannot run). ``eta`` is in seconds (None when unknown).
    """

    state: AnalysisState = AnalysisState.IDLE
    done: int = 0
    failed: int = 0
    total: int = 0
    in_flight: int = 0
    rate: float = 0.0
    eta: float | None = None
    last_path: str | None = None
    message: str | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.done - self.failed)


@dataclass(slots=True)
class _Worker:
    process: mp.process.BaseProcess
    conn: object
    files: int = 0
    task: tuple[int, str, str] | None = None  # (track id, path, job "full" | "mtt")
    started: float = 0.0       # when the current task (or, before ready, the process) began
    retire: bool = False
    ready: bool = False        # the model is loaded
    cnn: tuple[str, int] | None = None  # (kernels, threads) the model really uses


@dataclass(slots=True)
class _Run:
    """The working state of one :meth:`AnalysisController.run`."""

    store: Store
    workers: list[_Worker] = field(default_factory=list)
    #: (track id, path, job) waiting for a worker
    queue: collections.deque[tuple[int, str, str]] = field(default_factory=collections.deque)
    seen: set[int] = field(default_factory=set)  # queued, in flight, or skipped (vanished)
    vanished: dict[int, str] = field(default_factory=dict)  # track id → the path not there
    done: int = 0
    failed: int = 0
    active_time: float = 0.0
    last_tick: float = field(default_factory=time.monotonic)
    battery_paused: bool = False
    next_battery_check: float = 0.0
    next_disk_check: float = 0.0
    next_renewal: float = 0.0
    state: AnalysisState = AnalysisState.RUNNING  # how it ends
    message: str | None = None
    unkept: int = 0  # analyses saved since the index upkeep was last asked for
    next_upkeep: float = field(default_factory=lambda: time.monotonic() + index_request.PERIOD_S)


def saved_workers(store: Store) -> int | None:
    """The worker count the user saved for this library (the ``analysis.workers``
    setting); None when it is automatic (0 or unset)."""
    return int(store.setting(ANALYSIS_WORKERS) or 0) or None


class AnalysisController:
    """Drive the analysis of the library at *db_path*.

    Parameters
    ----------
    db_path : str or Path
        The library database; the controller opens its own connection.
    workers : int, optional
        Worker processes (default: :func:`~.machine.default_workers`, one per physical core,
        one left free from 3 cores up).
    time_limit : float
        Seconds one file may take before its worker is killed and the file is
        recorded as failed.
    keep_running : bool
        Stay alive when the queue is empty, waiting for :meth:`notify` (the folder
        watcher calls it); otherwise finish when nothing is left.
    pause_on_battery : bool
        Pause while the machine runs on battery, resume on mains power.
    on_progress : callable(Progress), optional
    on_result : callable(track_id, ok: bool, reason: str | None), optional
    free_space_needed : int
        Bytes of free space the analysis waits for when the disk filled up: a result that
        cannot be written is kept in memory, no new file is started, and every
        ``DISK_POLL_S`` seconds the free space is looked at; once there is this much, the
        kept results are written and the analysis goes on by itself.
    lease_s : float
        Seconds a claim on a track lasts without renewal (renewed every quarter of it
        while the file is analysed); another analyser takes over a lapsed claim.
    """

    def __init__(self, db_path: str | Path, *, workers: int | None = None,
                 time_limit: float = DEFAULT_TIME_LIMIT,
                 files_per_worker: int = DEFAULT_FILES_PER_WORKER,
                 memory_limit_mb: float = DEFAULT_MEMORY_LIMIT_MB,
                 low_priority: bool = True, keep_running: bool = False,
                 pause_on_battery: bool = False,
                 on_progress: Callable[[Progress], None] | None = None,
                 on_result: Callable[[int, bool, str | None], None] | None = None,
                 battery_check: Callable[[], bool] = on_battery,
                 battery_poll_s: float = BATTERY_POLL_S,
                 free_space_needed: int = FREE_SPACE_NEEDED,
                 lease_s: float = DEFAULT_LEASE_S):
        self.db_path = str(db_path)
        self.workers = max(1, workers or machine.default_workers())
        self.time_limit = time_limit
        self.files_per_worker = files_per_worker
        self.memory_limit_mb = memory_limit_mb
        self.low_priority = low_priority
        self.keep_running = keep_running
        self.pause_on_battery = pause_on_battery
        self.on_progress = on_progress
        self.on_result = on_result
        self._battery_check = battery_check
        self._battery_poll_s = battery_poll_s
        self.free_space_needed = free_space_needed
        self.lease_s = lease_s
        #: ask for a background upkeep of the similarity index when the run ends, pauses
        #: or idles and every ``index_request.PERIOD_S`` while it saves analyses
        self.keep_index = True
        self._owner = ""  # this process's claim key, set by run()
        #: Writes the full disk refused, in order: (Store method, args, kwargs).
        self._unsaved: collections.deque[tuple[Callable, tuple, dict]] = collections.deque()
        self._ctx = mp.get_context("spawn")  # no fork of a threaded (Qt) parent
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._paused = False
        self._cancelled = False
        self._priority: collections.deque[int] = collections.deque()
        self._thread: threading.Thread | None = None
        self._progress = Progress()
        self.timings: dict[str, float] = collections.defaultdict(float)
        self.peak_worker_rss_mb = 0.0
        self._failed_starts = 0
        #: The measured LiteRT paths (:mod:`~soundalike.library.analysis.cnn_choice`), checked
        #: before workers start; None until then or when it could not be measured.
        self.cnn: cnn_choice.CnnChoice | None = None
        self._cnn_key: dict | None = None
        #: (kernels, threads) each started worker reported in its ready message.
        self.worker_cnn: list[tuple[str, int]] = []
        #: MTT-only jobs done: analyses of an older version brought up to date by adding
        #: only what they lacked (``job_for``: "mtt"), counted among ``progress.done`` too.
        self.upgraded = 0

    # ------------------------------------------------------------------ control
    @property
    def progress(self) -> Progress:
        return self._progress

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Run in a background thread (returns at once)."""
        if self.running:
            return
        self._cancelled = False
        self._thread = threading.Thread(target=self.run, name="soundalike-analysis", daemon=True)
        self._thread.start()

    def set_workers(self, workers: int | None) -> None:
        """Change the number of worker processes while running (``None``: automatic).
        More start at once; extra ones finish the file they are on, then exit."""
        self.workers = max(1, workers or machine.default_workers())
        self._wake.set()

    def pause(self) -> None:
        """Hand out no new files; the files in flight still finish and are saved."""
        self._paused = True
        self._wake.set()

    def resume(self) -> None:
        self._paused = False
        self._wake.set()

    def cancel(self) -> None:
        """Stop now: workers are killed, files in flight are left pending."""
        self._cancelled = True
        self._wake.set()

    def notify(self) -> None:
        """New or changed tracks may be pending: look again."""
        self._wake.set()

    def prioritise(self, track_ids: Iterable[int]) -> None:
        """Analyse these tracks next (e.g. the user asked for their similar songs)."""
        with self._lock:
            for tid in reversed(list(track_ids)):
                self._priority.appendleft(int(tid))
        self._wake.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background thread; True when it has ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # ------------------------------------------------------------------ the loop
    def run(self) -> Progress:
        """Analyse until nothing is pending (or until cancelled); return the last progress."""
        store = self._open_store()
        if store is None:
            return self._progress
        self._owner = owner.current().key
        run = _Run(store)
        try:
            self._refill(run)
            self._emit(state=AnalysisState.RUNNING, total=len(run.queue), done=0, failed=0,
                       in_flight=0, rate=0.0, eta=None, message=None)
            while self._step(run):
                pass
        except LibraryError as exc:  # the database cannot be written (busy for too long …)
            run.state, run.message = AnalysisState.ERROR, str(exc)
        finally:
            self._end(run)
        return self._progress

    # ------------------------------------------------------------ the run's steps
    def _step(self, run: _Run) -> bool:
        """One turn: look at pauses and claims, hand out files, collect what workers
        answered. False once the run is over (``run.state`` says how)."""
        now = time.monotonic()
        if self._cancelled:
            run.state = AnalysisState.CANCELLED
            return False
        disk_paused = self._check_pauses(run, now)
        paused = self._paused or run.battery_paused or disk_paused
        if run.unkept and (paused or now >= run.next_upkeep):
            self._keep_index(run)
        busy = any(w.task is not None for w in run.workers)
        if not paused:
            run.active_time += now - run.last_tick
        run.last_tick = now
        if busy and now >= run.next_renewal:
            self._save(run.store, Store.renew_claims, self._owner, self.lease_s)
            run.next_renewal = now + self.lease_s / 4
        self._take_priority(run.store, run.queue, run.seen)
        if not run.queue and not busy and not paused:
            self._refill(run)
            if run.queue:
                self._emit(total=self._progress.total + len(run.queue))
        if (not run.queue and not busy and not self.keep_running and not paused
                and self._wait_for_others(run)):
            return True
        if not run.queue and not busy and not disk_paused:
            return self._idle(run)
        if not paused:
            self._hand_out(run)
        self._show_state(run, disk_paused)
        return self._collect_results(run)

    def _refill(self, run: _Run) -> None:
        """Queue the pending tracks nobody has claimed (a dead analyser's claims first
        freed); a track that vanished is queued again once it is found at a new path."""
        with contextlib.suppress(DiskFullError):  # a dead analyser's claims are free
            run.store.reap_claims(owner.alive)
        for t in run.store.pending_unclaimed(ANALYSIS_VERSION, self._owner):
            if t.id in run.vanished and run.vanished[t.id] != t.path:  # moved: try its new path
                del run.vanished[t.id]
                run.seen.discard(t.id)
            if t.id not in run.seen:
                run.seen.add(t.id)
                run.queue.append((t.id, t.path, job_for(t)))

    def _check_pauses(self, run: _Run, now: float) -> bool:
        """Poll the battery now and then; once a full disk has room, write the kept
        results. True while results still wait for room (the disk pause)."""
        if self.pause_on_battery and now >= run.next_battery_check:
            run.next_battery_check = now + self._battery_poll_s
            run.battery_paused = self._battery_check()
        if self._unsaved and now >= run.next_disk_check:
            run.next_disk_check = now + DISK_POLL_S
            if free_space(self.db_path) >= self.free_space_needed:
                self._flush_unsaved(run.store)
        return bool(self._unsaved)

    def _wait_for_others(self, run: _Run) -> bool:
        """Only tracks another analyser works on are left: say so and wait a while for
        it (or its lease) and return True; False when there are none."""
        held = run.store.held_elsewhere(ANALYSIS_VERSION, self._owner)
        if not held:
            return False
        who = owner.Owner.from_key(held[0][1])
        note = (f"{len(held)} tracks are being analysed by another Soundalike"
                f" ({who.describe() if who else held[0][1]}); waiting for it")
        if self._progress.state != AnalysisState.WAITING or self._progress.message != note:
            self._emit(state=AnalysisState.WAITING, in_flight=0, eta=None, message=note)
        soonest = min(e for _, _, e in held) - time.time()
        self._wake.wait(max(0.05, min(HELD_RECHECK_S, soonest + 0.05)))
        self._wake.clear()
        return True

    def _idle(self, run: _Run) -> bool:
        """Nothing to do: finish (False), or, kept running, stop the workers and wait to
        be told about new files (True)."""
        if not self.keep_running:
            run.state = AnalysisState.FINISHED
            return False
        if run.workers:  # idle: give their memory back; new work respawns them
            self._stop_workers(run.workers)
        if run.unkept:
            self._keep_index(run)
        if self._progress.state != AnalysisState.IDLE:
            self._emit(state=AnalysisState.IDLE, in_flight=0, eta=None)
        self._wake.wait(IDLE_RECHECK_S)  # notify()/cancel() wake it at once
        self._wake.clear()
        if not self._cancelled:
            self._refill(run)
            if run.queue:
                self._emit(state=AnalysisState.RUNNING, total=self._progress.total + len(run.queue))
        return True

    def _hand_out(self, run: _Run) -> None:
        """Give queued files to idle workers; those skipped leave the total."""
        for tid, why, path in self._dispatch(run.workers, run.queue, run.store):
            if why == "vanished":
                run.vanished[tid] = path
            else:  # held elsewhere or done meanwhile: look again later
                run.seen.discard(tid)
            self._emit(total=max(0, self._progress.total - 1))

    def _show_state(self, run: _Run, disk_paused: bool) -> None:
        """Report running or why paused, and the files in flight, when that changed."""
        wanted = (AnalysisState.PAUSED_DISK_FULL if disk_paused
                  else AnalysisState.PAUSED if self._paused
                  else AnalysisState.PAUSED_BATTERY if run.battery_paused
                  else AnalysisState.RUNNING)
        in_flight = sum(1 for x in run.workers if x.task)
        # "paused" with files still in flight must say so: they finish and count
        if self._progress.state != wanted or self._progress.in_flight != in_flight:
            if wanted == AnalysisState.PAUSED_DISK_FULL:
                self._emit(state=wanted, in_flight=in_flight,
                           message=disk_full_message(self.free_space_needed))
            elif self._progress.state == AnalysisState.PAUSED_DISK_FULL:
                self._emit(state=wanted, in_flight=in_flight, message=None)
            else:
                self._emit(state=wanted, in_flight=in_flight)

    def _collect_results(self, run: _Run) -> bool:
        """Wait for a worker's answer (no later than the first in-flight file's time limit)
        and record what came back. False when the workers cannot run at all."""
        workers = run.workers
        conns = [w.conn for w in workers] + [w.process.sentinel for w in workers]
        now = time.monotonic()
        timeout = min([0.25] + [max(0.0, w.started + self.time_limit - now)
                                for w in workers if w.task is not None])
        ready = wait_for(conns, timeout=timeout) if conns else self._wake.wait(0.25)
        self._wake.clear()
        outcomes = [self._collect(w, ready if isinstance(ready, list) else [], run.store)
                    for w in list(workers)]
        outcomes += self._enforce_limits(workers, run.store)
        for outcome in outcomes:
            if outcome is None:
                continue
            kind, track_id, path, reason = outcome
            if kind == "fatal":
                run.state, run.message = AnalysisState.ERROR, reason
                return False
            self._record(run, kind, track_id, path, reason)
        workers[:] = [w for w in workers if not w.retire or w.task is not None]
        return True

    def _record(self, run: _Run, kind: str, track_id: int, path: str,
                reason: str | None) -> None:
        """Count one file's outcome and report it with the rate and time left."""
        run.seen.discard(track_id)  # if it changes again later, it is queued again
        if kind == "stale":  # its file changed or moved meanwhile: pending again
            return
        if kind == "ok":
            run.done += 1
            run.unkept += 1
        else:
            run.failed += 1
        if self.on_result is not None:
            self.on_result(track_id, kind == "ok", reason)
        in_flight = sum(1 for x in run.workers if x.task)
        finished = run.done + run.failed
        note = None if kind == "ok" else f"{Path(path).name}: {reason}"
        if self._unsaved:  # not written yet: keep saying why
            note = disk_full_message(self.free_space_needed)
        self._emit(done=run.done, failed=run.failed, last_path=path, in_flight=in_flight,
                   rate=run.done / run.active_time if run.active_time > 0 else 0.0,
                   eta=((len(run.queue) + in_flight) * run.active_time / finished
                        if run.active_time > 0 and finished else None),
                   message=note)

    def _end(self, run: _Run) -> None:
        """Stop the workers, write what a full disk kept if there is room now, free this
        analyser's claims, close the Store and report the final state."""
        self._stop_workers(run.workers)
        if self._unsaved and free_space(self.db_path) >= self.free_space_needed:
            self._flush_unsaved(run.store)  # room came back just before the end
        with contextlib.suppress(LibraryError):
            run.store.release_claims(self._owner)  # files in flight are free for others now
        run.store.close()
        if run.unkept:
            self._keep_index(run)
        self._emit(state=run.state, in_flight=0, eta=None,
                   message=run.message if run.message else self._progress.message)

    def _keep_index(self, run: _Run) -> None:
        """Ask for a background upkeep of the similarity index (a low-priority process
        that rebuilds the index file if the analyses saved made it due): the run ended,
        paused or went idle, or :data:`index_request.PERIOD_S` passed while it saved."""
        now = time.monotonic()
        if not self.keep_index:
            run.unkept = 0
        elif index_request.request(self.db_path):
            run.unkept, run.next_upkeep = 0, now + index_request.PERIOD_S
        else:  # one runs (it may have started before these analyses): ask again later
            run.next_upkeep = now + index_request.MIN_GAP_S

    # ------------------------------------------------------------------ helpers
    def _emit(self, **changes) -> None:
        """Update the progress snapshot and hand it to ``on_progress``."""
        self._progress = replace(self._progress, **changes)
        if self.on_progress is not None:
            self.on_progress(self._progress)

    def _open_store(self) -> Store | None:
        """The writer's Store; on a full disk wait (``paused-disk-full``) until there is
        room. None when cancelled meanwhile, or when the library cannot be opened (state
        ``error``, the plain reason in ``message``)."""
        while True:
            try:
                return Store(self.db_path)
            except LibraryError as exc:
                if not isinstance(exc, DiskFullError):
                    self._emit(state=AnalysisState.ERROR, message=str(exc))
                    return None
                if self._progress.state != AnalysisState.PAUSED_DISK_FULL:
                    self._emit(state=AnalysisState.PAUSED_DISK_FULL,
                               message=disk_full_message(self.free_space_needed))
            while True:  # at least one poll, then until there is room
                self._wake.wait(DISK_POLL_S)
                self._wake.clear()
                if self._cancelled:
                    self._emit(state=AnalysisState.CANCELLED)
                    return None
                if free_space(self.db_path) >= self.free_space_needed:
                    break

    def _save(self, store: Store, method: Callable, *args, **kwargs):
        """``method(store, *args, **kwargs)`` (*method* a Store method: ``Store.save_analysis``)
        and its result, or None when it is kept for later because the disk is full (also
        while earlier writes wait, so results are written in order)."""
        if not self._unsaved:
            try:
                return method(store, *args, **kwargs)
            except DiskFullError:
                pass
        self._unsaved.append((method, args, kwargs))
        return None

    def _flush_unsaved(self, store: Store) -> bool:
        """Write the kept results; True when all are written (False: still full)."""
        while self._unsaved:
            method, args, kwargs = self._unsaved[0]
            try:
                method(store, *args, **kwargs)
            except DiskFullError:
                return False
            self._unsaved.popleft()
        return True

    def _take_priority(self, store: Store, queue, seen: set[int]) -> None:
        with self._lock:
            wanted = list(self._priority)
            self._priority.clear()
        for tid in reversed(wanted):
            track = store.get_track(tid)
            if track is None or track.status == TrackStatus.MISSING:
                continue
            if track.status == TrackStatus.ANALYSED and track.analysis_version == ANALYSIS_VERSION:
                continue
            for i, (qid, *_) in enumerate(queue):
                if qid == tid:
                    del queue[i]
                    break
            else:
                if tid in seen:  # in flight already
                    continue
            seen.add(tid)
            queue.appendleft((tid, track.path, job_for(track)))
            self._progress = replace(self._progress, total=max(self._progress.total,
                                                               len(queue)))

    def _check_cnn(self) -> None:
        """Before workers start: the cached LiteRT choice, or a measurement in a short
        spawned process (1–3 s, once per machine, model and LiteRT version)."""
        key = cnn_choice.current_key()
        max_threads = cnn_choice.threads_per_worker(self.workers)
        if (self.cnn is not None and key == self._cnn_key
                and self.cnn.covers(max_threads)):
            return
        self._cnn_key = key
        self.cnn = cnn_choice.ensure_choice(max_threads=max_threads,
                                            cancelled=lambda: self._cancelled,
                                            low_priority=self.low_priority)

    def _worker_cnn(self) -> tuple[str, int]:
        """(kernels, threads) for a new worker: the fastest measured for the threads each
        worker may use now (XNNPACK on one thread when nothing was measured)."""
        if self.cnn is None:
            return "xnnpack", 1
        best = self.cnn.pick(cnn_choice.threads_per_worker(self.workers))
        return best.kernels, best.threads

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        kernels, threads = self._worker_cnn()
        proc = self._ctx.Process(target=worker_main,
                                 args=(child, self.low_priority, kernels, threads),
                                 name="soundalike-analysis-worker", daemon=True)
        proc.start()
        child.close()
        return _Worker(proc, parent, started=time.monotonic())

    def _dispatch(self, workers: list[_Worker], queue, store: Store) -> list[tuple[int, str, str]]:
        """Hand queued tracks to idle workers, each claimed first; returns
        ``(track id, why, path)`` of the tracks skipped: their file is not there
        (``"vanished"``) or they could not be claimed (a :class:`Claim` value)."""
        skipped: list[tuple[int, str, str]] = []
        # fewer workers wanted (set_workers): idle ones go first, busy ones after their file
        serving = sorted((w for w in workers if not w.retire), key=lambda w: w.task is None)
        for w in serving[self.workers:]:
            w.retire = True
        starting = sum(1 for w in workers if not w.ready and not w.retire)
        if not workers and queue:  # (re)starting from none: is the LiteRT choice current?
            self._check_cnn()
            if self._cancelled:
                return skipped
        while len(workers) < self.workers and starting < len(queue):
            workers.append(self._spawn())
            starting += 1
        while queue:
            idle = [w for w in workers if w.ready and w.task is None and not w.retire]
            if not idle:
                return skipped
            task = queue.popleft()
            if not os.path.exists(task[1]):  # moved or deleted since the scan: the scanner
                skipped.append((task[0], "vanished", task[1]))  # or the watcher tells which
                continue
            try:
                claim = store.claim_for_analysis(task[0], ANALYSIS_VERSION, self._owner,
                                                 self.lease_s, alive=owner.alive)
            except DiskFullError:  # pause (a write is waiting) and claim it once there is room
                queue.appendleft(task)
                self._unsaved.append((Store.renew_claims, (self._owner, self.lease_s), {}))
                return skipped
            if claim != Claim.CLAIMED:
                skipped.append((task[0], claim, task[1]))
                continue
            w = idle[0]
            try:
                w.conn.send(Request(*task))
            except (BrokenPipeError, OSError):
                w.retire = True
                queue.appendleft(task)
                continue
            w.task, w.started = task, time.monotonic()
        return skipped

    def _collect(self, w: _Worker, ready: list, store: Store):
        """Read a worker's reply, or notice its death. Returns (kind, id, path, reason)."""
        if w.conn in ready:
            try:
                reply = w.conn.recv()
            except (EOFError, OSError):
                reply = None
            if reply is not None:
                return self._apply(w, reply, store)
        if w.process.sentinel in ready or not w.process.is_alive():
            if w.conn.poll():  # a last reply may still wait in the pipe
                try:
                    return self._apply(w, w.conn.recv(), store)
                except (EOFError, OSError):
                    pass
            task, w.task, w.retire = w.task, None, True
            if not w.ready:
                self._failed_starts += 1
                if self._failed_starts >= MAX_FAILED_STARTS:
                    return ("fatal", None, None, ("the analysis worker process does not start "
                                                  f"(exit code {w.process.exitcode})"))
            if task is None:
                return None
            code = w.process.exitcode
            reason = ("the analysis process crashed"
                      + (f" (signal {-code})" if code and code < 0 else f" (exit code {code})"))
            return self._failed(store, task[0], task[1], reason)
        return None

    def _apply(self, w: _Worker, reply: Reply, store: Store):
        if isinstance(reply, Ready):
            w.ready = True
            self.peak_worker_rss_mb = max(self.peak_worker_rss_mb, reply.rss_mb)
            w.cnn = (reply.kernels, reply.threads)
            self.worker_cnn.append(w.cnn)
            return None
        if isinstance(reply, Fatal):
            w.retire = True
            return ("fatal", None, None, reply.reason)
        task, w.task = w.task, None
        w.files += 1
        path = task[1] if task else ""
        rss = reply.rss_mb
        self.peak_worker_rss_mb = max(self.peak_worker_rss_mb, rss)
        if w.files >= self.files_per_worker or rss > self.memory_limit_mb:
            w.retire = True
        if isinstance(reply, Analysed):
            track_id, job, result, timings = (reply.track_id, reply.job, reply.result,
                                              reply.timings)
            t0 = time.perf_counter()
            if job == "mtt":  # only what an older version lacks: keep the rest
                saved = self._save(store, Store.upgrade_analysis, track_id,
                                   from_versions=UPGRADABLE_VERSIONS, version=ANALYSIS_VERSION,
                                   owner=self._owner, **result)
                self.upgraded += saved is not False
            else:
                saved = self._save(store, Store.save_analysis, track_id, version=ANALYSIS_VERSION,
                                   owner=self._owner, **result)
            if saved is False:  # its file changed meanwhile (or, upgrading, it was redone)
                return ("stale", track_id, path, None)
            timings = dict(timings, write=time.perf_counter() - t0)
            for stage, seconds in timings.items():
                self.timings[stage] += seconds
            return ("ok", track_id, path, None)
        return self._failed(store, reply.track_id, path, reply.reason)

    def _failed(self, store: Store, track_id: int, path: str, reason: str) -> tuple:
        """A file's analysis failed (its reading, its worker's crash or time limit): record
        why, unless it was not the file's fault — it moved meanwhile (try its new place), or
        it is gone (its drive pulled, the file deleted: missing, analysed when it is back)."""
        now = store.get_track(track_id)
        if now is not None and now.path != path:  # moved while it was read: not its fault,
            self._save(store, Store.release_claims, self._owner, [track_id])  # try its new place
            return ("stale", track_id, path, None)
        if now is not None and not os.path.lexists(path):
            self._save(store, Store.mark_missing, [track_id])
            self._save(store, Store.release_claims, self._owner, [track_id])
            return ("stale", track_id, path, None)
        if self._save(store, Store.save_failure, track_id, reason, owner=self._owner) is False:
            return ("stale", track_id, path, None)
        return ("err", track_id, path, reason)

    def _enforce_limits(self, workers: list[_Worker], store: Store) -> list[tuple]:
        """Kill workers over the time limit (their file fails); retire idle old ones."""
        outcomes = []
        now = time.monotonic()
        for w in workers:
            if w.task is not None and now - w.started > self.time_limit:
                track_id, path, _ = w.task
                w.process.kill()
                w.process.join(5)
                w.task, w.retire = None, True
                reason = f"took longer than {self.time_limit:g} s to analyse; skipped"
                outcomes.append(self._failed(store, track_id, path, reason))
            elif not w.ready and not w.retire and now - w.started > STARTUP_LIMIT_S:
                w.process.kill()
                w.retire = True
                self._failed_starts += 1
                if self._failed_starts >= MAX_FAILED_STARTS:
                    outcomes.append(("fatal", None, None,
                                     "the analysis worker process does not start"))
            if w.retire and w.task is None:
                self._retire(w)
        return outcomes

    @staticmethod
    def _retire(w: _Worker) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            w.conn.send(None)
        w.process.join(2)
        if w.process.is_alive():
            w.process.kill()
            w.process.join(2)
        w.conn.close()

    def _stop_workers(self, workers: list[_Worker]) -> None:
        for w in workers:
            if self._cancelled or w.task is not None:
                w.process.kill()  # quitting is immediate; in-flight files stay pending
            else:
                with contextlib.suppress(BrokenPipeError, OSError):
                    w.conn.send(None)
        for w in workers:
            w.process.join(3)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(1)
            w.conn.close()
        workers.clear()


def job_for(track) -> str:
    """What the analysis of *track* must do: ``"mtt"`` when it has a valid analysis of an
    :data:`~soundalike.engine.analyze.UPGRADABLE_VERSIONS` version (only the MTT model's
    outputs are added, features and MSD outputs kept), else ``"full"``."""
    if track.status == TrackStatus.ANALYSED and track.analysis_version in UPGRADABLE_VERSIONS:
        return "mtt"
    return "full"

