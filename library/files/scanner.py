"""Walk the music folders and bring the library cache up to date, incrementally.

* An unchanged file (same path, size and mtime) is not opened at all.
* A changed file is re-tagged; unless its content fingerprint is the same as before (only
  touched) it goes back to ``pending`` for re-analysis.
* A new file whose fingerprint matches a track that is gone from its old path is a move:
  the existing row (and its analysis) gets the new path.
* A file that is gone is marked ``missing``, never dropped (``purge`` drops them). A music
  folder that is unavailable (:mod:`soundalike.library.files.availability`: not there, cannot be
  read, an empty mount point) is not walked; its tracks are masked — marked missing with
  their analysis, never taken as the source of a move — and it is reported; when it is
  back, the next scan revives them.
* Unreadable, empty, corrupt or non-audio files become ``failed`` rows with a plain reason.

Symlinks are followed without loops; hidden files and folders, non-audio files and
anything that is not a regular file (FIFOs, devices, sockets) are skipped; at most 128 KiB
of a file is read for the fingerprint. Writes are batched, one transaction per batch, so a
``kill -9`` loses at most one batch and the next scan completes the work.
"""

from __future__ import annotations

import errno
import os
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from soundalike.engine.formats import is_audio_name
from soundalike.library.files.availability import (
    folder_problems,
    holding_root,
    is_under,
    remember_mounts,
)
from soundalike.library.files.fingerprint import NotRegularFile, fingerprint_of, read_head_tail
from soundalike.library.files.tags import TagInfo, read_tags
from soundalike.library.model.states import TrackStatus
from soundalike.library.model.track import Track, printable
from soundalike.library.store import BATCH_SIZE, IndexEntry, Store

READ_TIMEOUT = 30.0  # seconds allowed to fingerprint and tag-read one file

# progress(done, total or None while walking, current path)
ProgressCallback = Callable[[int, int | None, str], None]


@dataclass
class ScanReport:
    """What a scan did. ``failures`` are ``(path, reason)`` of files that failed this time."""

    added: int = 0
    updated: int = 0
    moved: int = 0
    missing: int = 0
    revived: int = 0
    failed: int = 0
    unchanged: int = 0
    skipped: int = 0
    files: int = 0
    seconds: float = 0.0
    absent_folders: list[str] = field(default_factory=list)
    #: folder path → why it is unavailable (each of absent_folders: not there, cannot be
    #: read, an empty mount point); its tracks are masked (missing), not forgotten
    unavailable: dict[str, str] = field(default_factory=dict)
    empty_folders: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("added", "updated", "moved", "missing", "revived",
                                            "failed", "unchanged", "skipped", "files")}
        d["seconds"] = round(self.seconds, 3)
        d["absent_folders"] = [printable(p) for p in self.absent_folders]
        d["empty_folders"] = [printable(p) for p in self.empty_folders]
        d["unavailable"] = {printable(p): r for p, r in self.unavailable.items()}
        d["failures"] = [{"path": printable(p), "reason": r} for p, r in self.failures]
        return d


@dataclass(slots=True)
class _Found:
    path: str
    size: int
    mtime: float
    folder_id: int
    root: str


class Scanner:
    """Brings a :class:`Store` up to date with the files on disk. Use from the Store's thread.

    ``reads`` counts files whose contents were opened (fingerprint or tags): an unchanged
    rescan leaves it at 0. ``on_tracks_changed(track_ids)`` is called after each committed
    batch with ids of tracks added, changed or moved (the analysis layer queues them).
    """

    def __init__(self, store: Store, *, progress: ProgressCallback | None = None,
                 batch_size: int = BATCH_SIZE,
                 on_tracks_changed: Callable[[list[int]], None] | None = None,
                 read_timeout: float | None = READ_TIMEOUT):
        self.store = store
        self.progress = progress
        self.batch_size = batch_size
        self.on_tracks_changed = on_tracks_changed
        self.read_timeout = read_timeout
        self.reads = 0
        #: roots of the music folders found unavailable by the last scan (or set by the
        #: watcher): their tracks are never taken as the source of a move
        self._unavailable: tuple[str, ...] = ()
        self._reader: _ReaderThread | None = None

    # -- walking --------------------------------------------------------------------------
    def walk(self, roots: dict[str, int]) -> Iterator[_Found]:
        """Yield every audio file under *roots* (``path → folder id``), each once."""
        visited: set[tuple[int, int]] = set()
        ordered = sorted(roots)
        for root in ordered:
            if any(is_under(root, other) and root != other for other in ordered):
                continue  # nested in another folder: walked there, with its own folder id
            yield from self._walk_root(root, roots, visited)

    def _walk_root(self, root: str, roots: dict[str, int],
                   visited: set[tuple[int, int]]) -> Iterator[_Found]:
        stack: list[tuple[str, int, str]] = [(root, roots[root], root)]
        while stack:
            directory, folder_id, froot = stack.pop()
            try:
                st = os.stat(directory)
                key = (st.st_dev, st.st_ino)
                if key in visited:
                    continue  # a symlink loop or a second way to the same folder
                visited.add(key)
                entries = list(os.scandir(directory))
            except OSError:
                continue  # vanished or unreadable folder: its tracks end up missing
            entries.sort(key=lambda e: e.name, reverse=True)
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                try:
                    is_link = entry.is_symlink()
                    if entry.is_dir():  # follows symlinks
                        sub = entry.path
                        if is_link and self._inside_roots(os.path.realpath(sub), roots):
                            continue  # reached directly anyway
                        sub_id, sub_root = (roots[sub], sub) if sub in roots else (folder_id,
                                                                                   froot)
                        stack.append((sub, sub_id, sub_root))
                        continue
                    if not is_audio_name(name):
                        continue
                    st = entry.stat()
                except OSError:
                    continue  # dangling symlink or vanished entry
                if not stat.S_ISREG(st.st_mode):
                    continue  # FIFO, device, socket: never opened
                if is_link and self._inside_roots(os.path.realpath(entry.path), roots):
                    continue  # the target itself is in the library
                yield _Found(entry.path, st.st_size, st.st_mtime, folder_id, froot)

    @staticmethod
    def _inside_roots(real: str, roots: dict[str, int]) -> bool:
        return any(is_under(real, os.path.realpath(r)) for r in roots)

    # -- reading one file -----------------------------------------------------------------
    def read(self, path: str, root: str | None) -> tuple[str | None, TagInfo | None, str | None,
                                                         int | None]:
        """``(fingerprint, tags, error, size)`` for one file; ``fingerprint`` is None when the
        file vanished or is not a regular file (then ``error`` says why and it is skipped)."""
        self.reads += 1
        if not self.read_timeout:
            return self._read_file(path, root)
        if self._reader is None:
            self._reader = _ReaderThread()
        try:
            return self._reader.call(self.read_timeout, self._read_file, path, root)
        except TimeoutError:
            return "", None, (f"reading the file took longer than {self.read_timeout:g} s "
                              "(a stalled drive or network share?)"), None

    def _read_file(self, path: str, root: str | None):
        try:
            size, head, tail = read_head_tail(path)
        except NotRegularFile:
            return None, None, "not a regular file", None
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return None, None, "file disappeared during the scan", None
            reason = ("permission denied" if exc.errno in (errno.EACCES, errno.EPERM)
                      else f"cannot read the file ({exc.strerror or exc})")
            return "", None, reason, None
        fp = fingerprint_of(size, head, tail)
        result = read_tags(path, root=root, head=head)
        return fp, result.info, result.error, size

    @staticmethod
    def _apply(track: Track, info: TagInfo | None, error: str | None) -> None:
        if info is not None:
            for name in TagInfo.__slots__:
                setattr(track, name, getattr(info, name))
        else:
            for name in TagInfo.__slots__:
                setattr(track, name, None)
            track.title = os.path.splitext(os.path.basename(track.path))[0]
        track.error = error
        if error:
            track.status = TrackStatus.FAILED

    # -- the scan -------------------------------------------------------------------------
    def close(self) -> None:
        """Let the file-reading helper thread go (a later read starts a new one)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def scan(self, folder_paths: Iterable[str] | None = None) -> ScanReport:
        """Scan the configured folders (or only those in *folder_paths*, which must be
        configured) and update the store. Returns a :class:`ScanReport`."""
        try:
            return self._scan(folder_paths)
        finally:
            self.close()

    def _scan(self, folder_paths: Iterable[str] | None) -> ScanReport:
        t0 = time.monotonic()
        report = ScanReport()
        present, absent_ids = self._folders_to_scan(folder_paths, report)
        index = self.store.stat_index()
        found, seen = self._walk_once(present)
        report.files = len(found)
        vanished = self._vanished(index, seen, absent_ids, set(present.values()),
                                  all_folders=folder_paths is None)
        by_fp = self._move_sources(index, vanished, seen, absent_ids)

        batch = _Batch(self)
        total = len(found)
        for done, item in enumerate(found, 1):
            e = index.get(item.path)
            unchanged = e is not None and e.size == item.size and e.mtime == item.mtime
            if self.progress and (not unchanged or done % 1000 == 0 or done == total):
                self.progress(done, total, item.path)  # the bar throttles its own drawing
            if unchanged:
                self._unchanged(item, e, batch, report)
            else:
                self._read_found(item, e, batch, report, by_fp, vanished)
        batch.missing.extend(e.id for e in vanished.values() if e.status != TrackStatus.MISSING)
        batch.flush()
        report.missing = len(batch.missing_done)
        report.changed_ids = batch.changed
        had_tracks = {e.folder_id for e in index.values()}
        has_files = {f.folder_id for f in found}
        report.empty_folders = [root for root, fid in present.items()
                                if fid in had_tracks and fid not in has_files]
        remember_mounts(self.store, [root for root, fid in present.items() if fid in has_files])
        report.seconds = time.monotonic() - t0
        return report

    # -- the scan's steps -------------------------------------------------------------------
    def _folders_to_scan(self, folder_paths: Iterable[str] | None, report: ScanReport
                         ) -> tuple[dict[str, int], set[int]]:
        """``(folder path → id of those available, ids of those unavailable)``, of every
        folder or of *folder_paths*; the unavailable ones, and why, go into *report*."""
        folders = self.store.folders()
        problems = folder_problems(self.store, folders)  # unplugged, unreadable, unmounted
        self._unavailable = tuple(problems)
        if folder_paths is not None:
            wanted = {os.path.abspath(p) for p in folder_paths}
            folders = [f for f in folders if f.path in wanted]
        present: dict[str, int] = {}
        absent_ids: set[int] = set()
        for f in folders:
            if f.path in problems:
                absent_ids.add(f.id)
                report.absent_folders.append(f.path)
                report.unavailable[f.path] = problems[f.path].reason
            else:
                present[f.path] = f.id
        return present, absent_ids

    def _walk_once(self, present: dict[str, int]) -> tuple[list[_Found], set[str]]:
        """The audio files under *present*, each path once (in walk order), and the set
        of their paths."""
        found: list[_Found] = []
        seen: set[str] = set()
        for n, item in enumerate(self.walk(present), 1):
            if item.path in seen:
                continue
            seen.add(item.path)
            found.append(item)
            if self.progress and n % 1000 == 0:
                self.progress(n, None, item.path)
        return found, seen

    @staticmethod
    def _vanished(index: dict[str, IndexEntry], seen: set[str], absent_ids: set[int],
                  scanned_ids: set[int], *, all_folders: bool) -> dict[str, IndexEntry]:
        """Tracks that are gone from disk: in folders looked at, or whose folder is
        unavailable (or in no folder, when every folder is scanned)."""
        vanished: dict[str, IndexEntry] = {}
        for path, e in index.items():
            if path in seen:
                continue
            if e.folder_id in absent_ids or e.folder_id in scanned_ids or (
                    e.folder_id is None and all_folders):
                vanished[path] = e
        return vanished

    def _move_sources(self, index: dict[str, IndexEntry], vanished: dict[str, IndexEntry],
                      seen: set[str], absent_ids: set[int]
                      ) -> dict[str, list[tuple[str, IndexEntry]]]:
        """By fingerprint, the tracks a new file may have moved from, in order of
        preference: vanished now, missing before, met by the walk at its old path."""
        by_fp: dict[str, list[tuple[str, IndexEntry]]] = {}
        for path, e in vanished.items():  # (a track on an unplugged drive has not moved:
            if e.fingerprint and e.folder_id not in absent_ids:  # a copy elsewhere is new)
                by_fp.setdefault(e.fingerprint, []).append((path, e))
        for path, e in index.items():  # earlier-missing tracks can be move sources too
            if e.status == TrackStatus.MISSING and path not in vanished and path not in seen and \
                    e.fingerprint and self.movable(path):
                by_fp.setdefault(e.fingerprint, []).append((path, e))
        for path, e in index.items():  # … and, last, a file the walk met at its old path
            if path in seen and e.fingerprint:  # before it moved (it met it twice, then):
                by_fp.setdefault(e.fingerprint, []).append((path, e))  # gone from there now
        return by_fp

    @staticmethod
    def _unchanged(item: _Found, e: IndexEntry, batch: _Batch, report: ScanReport) -> None:
        """Same size and mtime: not opened; a missing track comes back, a track in
        another folder is refoldered."""
        if e.status == TrackStatus.MISSING:
            batch.revive.append(e.id)
            report.revived += 1
        else:
            report.unchanged += 1
        if e.folder_id != item.folder_id:
            batch.refolder.append((item.folder_id, e.id))
        batch.maybe_flush()

    def _read_found(self, item: _Found, e: IndexEntry | None, batch: _Batch,
                    report: ScanReport, by_fp: dict[str, list[tuple[str, IndexEntry]]],
                    vanished: dict[str, IndexEntry]) -> None:
        """A new or changed file: read it, then update its track, record a move here,
        or add a track."""
        fp, info, error, size = self.read(item.path, item.root)
        if fp is None:
            report.skipped += 1
            if e is not None:
                vanished[item.path] = e
            return
        if e is not None:
            batch.update.append(self._changed_in_place(item, e, fp, info, error, size, batch))
            report.updated += 1
        else:
            move = self._move_source(by_fp.get(fp) if fp else None, vanished)
            if move is not None and not error:
                old_path, old = move
                batch.moves.append((old.id, item.path, item.folder_id, size, item.mtime))
                vanished.pop(old_path, None)
                report.moved += 1
            else:
                track = Track(path=item.path, folder_id=item.folder_id, size=size,
                              mtime=item.mtime, fingerprint=fp or None)
                self._apply(track, info, error)
                batch.add.append(track)
                report.added += 1
        if error:
            report.failed += 1
            report.failures.append((item.path, error))
        batch.maybe_flush()

    def _changed_in_place(self, item: _Found, e: IndexEntry, fp: str, info: TagInfo | None,
                          error: str | None, size: int | None, batch: _Batch) -> Track:
        """The track of a file changed at its path, with its new tags and state."""
        track = self.store.get_track(e.id)
        same_content = bool(fp) and fp == e.fingerprint
        track.size, track.mtime, track.fingerprint = size, item.mtime, fp
        track.folder_id = item.folder_id
        self._apply(track, info, error)
        if not error and (not same_content or track.status in (TrackStatus.FAILED,
                                                            TrackStatus.MISSING)):
            if same_content:  # revived/failed before, same bytes: the revive step brings it
                track.status = TrackStatus.MISSING  # back with any analysis it has
                batch.revive.append(track.id)
            else:
                track.status = TrackStatus.PENDING  # new content: analyse it again
        return track

    def _move_source(self, candidates, vanished) -> tuple[str, IndexEntry] | None:
        while candidates:
            old_path, old = candidates.pop(0)
            if not os.path.lexists(old_path) and self.movable(old_path):
                return old_path, old
        return None

    def movable(self, old_path: str) -> bool:
        """False if *old_path* is in a music folder that is unavailable now (its file is
        not gone, only out of reach: a copy found elsewhere is a new track)."""
        return holding_root(old_path, self._unavailable) is None

    # -- single files (used by the watcher) -----------------------------------------------
    def folder_for(self, path: str) -> tuple[int, str] | None:
        """``(folder id, folder path)`` of the deepest configured folder holding *path*."""
        best = None
        for f in self.store.folders():
            if is_under(path, f.path) and (best is None or len(f.path) > len(best[1])):
                best = (f.id, f.path)
        return best

    def scan_file(self, path: str) -> tuple[str, int | None]:
        """Bring one file up to date; returns ``(kind, track id)`` where kind is ``added``,
        ``updated``, ``moved``, ``revived``, ``unchanged``, ``failed``, ``missing`` or
        ``skipped`` (not audio, hidden, outside the folders, not a regular file)."""
        path = os.path.abspath(path)
        known = self.store.track_by_path(path)
        holder = self.folder_for(path)
        parts = os.path.relpath(path, holder[1]).split(os.sep) if holder else []
        if holder is None or not is_audio_name(os.path.basename(path)) or any(
                p.startswith(".") for p in parts):
            return "skipped", None
        try:
            st = os.stat(path)
        except OSError:
            if known and known.status != TrackStatus.MISSING:
                self.store.mark_missing([known.id])
                return "missing", known.id
            return "skipped", None
        if not stat.S_ISREG(st.st_mode):
            return "skipped", None
        folder_id, root = holder
        if known and known.size == st.st_size and known.mtime == st.st_mtime:
            if known.status == TrackStatus.MISSING:
                self.store.revive([known.id])
                self._changed([known.id])
                return "revived", known.id
            return "unchanged", known.id
        fp, info, error, size = self.read(path, root)
        if fp is None:
            if known and known.status != TrackStatus.MISSING:
                self.store.mark_missing([known.id])
                return "missing", known.id
            return "skipped", None
        if known is None and fp and not error:
            for cand in self.store.tracks_by_fingerprint(fp):
                if cand.path != path and not os.path.lexists(cand.path) and \
                        self.movable(cand.path):
                    kept = self.store.move_track(cand.id, path, folder_id=folder_id, size=size,
                                                 mtime=st.st_mtime)
                    self._changed([kept])
                    return "moved", kept
        track = known or Track(path=path)
        same = known is not None and bool(fp) and fp == known.fingerprint
        track.folder_id, track.size, track.mtime, track.fingerprint = (folder_id, size,
                                                                       st.st_mtime, fp or None)
        was_missing = known is not None and known.status == TrackStatus.MISSING
        self._apply(track, info, error)
        if not error and not (same and track.status in (TrackStatus.ANALYSED,
                                                             TrackStatus.MISSING)):
            track.status = TrackStatus.PENDING
        with self.store.transaction():
            if known is None:
                self.store.add_track(track)
            else:
                self.store.update_tracks([track])
                if same and was_missing and not error:
                    self.store.revive([track.id])
        self._changed([track.id])
        if error:
            return "failed", track.id
        return ("added" if known is None else "updated"), track.id

    def remove_path(self, path: str) -> list[int]:
        """A file or folder at *path* was deleted: mark its tracks missing; return their ids."""
        path = os.path.abspath(path)
        ids = [t.id for t in self._tracks_at(path) if t.status != TrackStatus.MISSING]
        self.store.mark_missing(ids)
        return ids

    def move_path(self, src: str, dest: str) -> list[int]:
        """A file or folder moved from *src* to *dest*: re-point its tracks (keeping their
        analysis), or mark them missing if *dest* is outside the music folders."""
        src, dest = os.path.abspath(src), os.path.abspath(dest)
        moved = self._tracks_at(src)
        if not moved:  # unknown source: treat the destination as new
            ids = []
            for p in self._files_at(dest):
                _, tid = self.scan_file(p)
                if tid is not None:
                    ids.append(tid)
            return ids
        ids = []
        with self.store.transaction():
            for t in moved:
                new = dest + t.path[len(src):]
                holder = self.folder_for(new)
                hidden = holder and any(p.startswith(".") for p in
                                        os.path.relpath(new, holder[1]).split(os.sep))
                if holder is None or hidden or not is_audio_name(os.path.basename(new)):
                    self.store.mark_missing([t.id])
                else:
                    ids.append(self.store.move_track(t.id, new, folder_id=holder[0]))
                    continue
                ids.append(t.id)
        self._changed(ids)
        return ids

    def _tracks_at(self, path: str) -> list[Track]:
        """Tracks at *path* or below it (as a folder)."""
        exact = self.store.track_by_path(path)
        if exact is not None:
            return [exact]
        prefix = path.rstrip(os.sep) + os.sep
        return [self.store.get_track(e.id) for p, e in self.store.stat_index().items()
                if p.startswith(prefix)]

    @staticmethod
    def _files_at(path: str) -> list[str]:
        if os.path.isdir(path):
            out = []
            for dirpath, dirnames, filenames in os.walk(path, followlinks=True):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                out.extend(os.path.join(dirpath, f) for f in filenames if is_audio_name(f))
            return out
        return [path]

    def _changed(self, ids: list[int]) -> None:
        if self.on_tracks_changed and ids:
            self.on_tracks_changed(list(ids))


class _ReaderThread:
    """Runs one file read at a time on a daemon thread, so that a read stuck on a stalled
    drive costs the scan at most the time limit: the stuck thread is abandoned (it ends
    when its read returns) and a fresh one takes over."""

    def __init__(self):
        self._spawn()

    def _spawn(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._loop, args=(self._jobs,), daemon=True,
                         name="soundalike-file-reader").start()

    @staticmethod
    def _loop(jobs: queue.SimpleQueue) -> None:
        while (job := jobs.get()) is not None:
            fn, args, box, done = job
            try:
                box.append((True, fn(*args)))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                box.append((False, exc))
            done.set()

    def call(self, timeout: float, fn, *args):
        box: list = []
        done = threading.Event()
        self._jobs.put((fn, args, box, done))
        if not done.wait(timeout):
            stuck = self._jobs
            self._spawn()
            stuck.put(None)  # the stuck thread exits once its read returns
            raise TimeoutError
        ok, value = box[0]
        if ok:
            return value
        raise value

    def close(self) -> None:
        self._jobs.put(None)


class _Batch:
    """Pending writes of a scan, committed together every ``batch_size`` files."""

    def __init__(self, scanner: Scanner):
        self.scanner = scanner
        self.add: list[Track] = []
        self.update: list[Track] = []
        self.moves: list[tuple[int, str, int, int | None, float]] = []
        self.revive: list[int] = []
        self.refolder: list[tuple[int, int]] = []
        self.missing: list[int] = []
        self.missing_done: list[int] = []
        self.changed: list[int] = []

    def maybe_flush(self) -> None:
        pending = (len(self.add) + len(self.update) + len(self.moves) + len(self.revive)
                   + len(self.refolder))
        if pending >= self.scanner.batch_size:
            self.flush()

    def flush(self) -> None:
        store = self.scanner.store
        if not (self.add or self.update or self.moves or self.revive or self.refolder
                or self.missing):
            return
        changed: list[int] = []
        with store.transaction():
            if self.moves:
                for tid, path, folder_id, size, mtime in self.moves:
                    changed.append(store.move_track(tid, path, folder_id=folder_id,
                                                    size=size, mtime=mtime))
            if self.add:
                changed += store.add_tracks(self.add)
            if self.update:
                store.update_tracks(self.update)
                changed += [t.id for t in self.update]
            if self.revive:
                store.revive(self.revive)
                changed += self.revive
            if self.refolder:
                store.set_folder_ids(self.refolder)
            if self.missing:
                store.mark_missing(self.missing)
                self.missing_done += self.missing
        self.changed += changed
        self.scanner._changed(changed)
        self.add, self.update, self.moves, self.revive, self.refolder = [], [], [], [], []
        self.missing = []
