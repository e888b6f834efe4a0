"""Music folders that come and go: is a folder's root there now, and what is hidden meanwhile.

A music folder on an external drive or a network share is *unavailable* when its root

* is not there (not a directory: the drive is unplugged, the share not mounted),
* cannot be read (permission denied, an I/O error of a dying drive), or
* is an empty mount point: the root is an empty directory, it has tracks in the library,
  and the mount it was last seen on is not mounted now (the drive's directory under
  ``/media`` or ``/mnt`` is left empty when it is unmounted).

Its tracks are then *masked*, not forgotten: marked ``missing`` with their analysis, left
out of the library views and of every recommendation, kept in the queue, and revived
with their analyses when the folder is back (the scanner and the watcher do this).

This follows Quod Libet's masking of unmounted mount points (quodlibet/library/file.py: each
song remembers its ``~mountpoint``; songs whose mount point is not mounted are masked
instead of removed, and unmasked when the mount point is mounted again). Here the mount is
remembered per music folder, in the library setting
:data:`~soundalike.library.model.settings.MOUNT_POINTS` (``folder path → mount point``),
written when the folder is seen with files in it. A folder emptied by the user on a mount
that is still there is not unavailable: its tracks are simply missing. Without a remembered
mount (a library scanned before this existed), an empty root that has tracks counts as
unavailable — masking is the safe side.
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass

from soundalike.library.model.settings import MOUNT_POINTS

ABSENT, UNREADABLE, UNMOUNTED = "absent", "unreadable", "unmounted"
#: errors of a folder that say its drive or share is at fault (EMFILE, ENOMEM … are ours)
_DRIVE_ERRNOS = {getattr(errno, name) for name in (
    "EIO", "ENXIO", "ENODEV", "ESTALE", "ENOTCONN", "EHOSTDOWN", "EHOSTUNREACH",
    "ETIMEDOUT", "ENOMEDIUM", "EREMOTEIO", "ECONNABORTED", "ECONNRESET")
    if hasattr(errno, name)}


def is_under(path: str, root: str) -> bool:
    """True if *path* is *root* or inside it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def holding_root(path: str, roots) -> str | None:
    """The one of *roots* (folder paths) that holds *path*, or None."""
    return next((r for r in roots if is_under(path, r)), None)


@dataclass(frozen=True, slots=True)
class FolderProblem:
    """Why a music folder's root cannot be used now: *kind* is ``absent``,
    ``unreadable`` or ``unmounted``; *reason* says it in plain words."""

    path: str
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class UnavailableFolder:
    """A music folder that is unavailable now, and how many of its songs are hidden."""

    folder_id: int
    path: str
    kind: str
    reason: str
    hidden: int


def _unescape(field: str) -> str:
    # /proc/self/mountinfo writes space, tab, newline and backslash as octal escapes
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 4 <= len(field) and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def _mount_table() -> list[str] | None:
    """Every mount point of this process (Linux: /proc/self/mountinfo, which also knows
    bind mounts that :func:`os.path.ismount` cannot see), or None where unknown."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            return [_unescape(line.split(" ", 5)[4]) for line in f if line.count(" ") >= 5]
    except OSError:
        return None


def mount_point(path: str, table: list[str] | None = None) -> str:
    """The mount point holding *path* (the deepest mounted directory at or above it)."""
    path = os.path.abspath(path)
    table = _mount_table() if table is None else table
    if table:
        best = "/"
        for m in table:
            if is_under(path, m) and len(m) > len(best):
                best = m
        return best
    p = path
    while not os.path.ismount(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


def is_mounted(point: str, table: list[str] | None = None) -> bool:
    table = _mount_table() if table is None else table
    if table:
        return os.path.abspath(point) in set(table)
    return os.path.ismount(point)


def check_root(path: str, *, has_tracks: bool = True, known_mount: str | None = None,
               table: list[str] | None = None) -> FolderProblem | None:
    """None if the music folder *path* can be used now, else why not (see the module).

    *has_tracks*: the library has tracks in this folder (an empty new folder is fine);
    *known_mount*: the mount point it was last seen with files on (None: unknown).
    Costs one ``stat`` and reading the root's first entry (and, for an empty root,
    the mount table)."""
    try:
        with os.scandir(path) as it:
            empty = next(it, None) is None
    except FileNotFoundError:
        return FolderProblem(path, ABSENT, "is not there (unplugged drive?)")
    except NotADirectoryError:
        return FolderProblem(path, ABSENT, "is not a folder any more")
    except PermissionError:
        return FolderProblem(path, UNREADABLE, "cannot be read (permission denied)")
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return FolderProblem(path, ABSENT, "is not there (unplugged drive?)")
        if exc.errno not in _DRIVE_ERRNOS:
            return None  # our own trouble (no descriptors left, no memory): not the folder's
        return FolderProblem(path, UNREADABLE,
                             f"cannot be read ({exc.strerror or exc}; a failing drive or "
                             "a lost network share?)")
    if not empty or not has_tracks:
        return None
    if known_mount is not None and is_mounted(known_mount, table) \
            and mount_point(path, table) == known_mount:
        return None  # emptied on a drive that is still there: its songs are just gone
    return FolderProblem(path, UNMOUNTED, "is empty (is its drive mounted?)")


def remembered_mounts(store) -> dict[str, str]:
    value = store.setting(MOUNT_POINTS)
    return dict(value) if isinstance(value, dict) else {}


def remember_mounts(store, roots: list[str]) -> None:
    """Note the mount point of each root in *roots* (folders just seen with files)."""
    if not roots:
        return
    known = remembered_mounts(store)
    table = _mount_table()
    new = {**known, **{r: mount_point(r, table) for r in roots}}
    if new != known:
        store.save_setting(MOUNT_POINTS, new)


def folder_problems(store, folders=None) -> dict[str, FolderProblem]:
    """``folder path → FolderProblem`` of the configured music folders (or *folders*, a
    list of :class:`~soundalike.library.model.track.Folder`) that are unavailable now."""
    folders = store.folders() if folders is None else folders
    if not folders:
        return {}
    known = remembered_mounts(store)
    out = {}
    for f in folders:
        problem = check_root(f.path, known_mount=known.get(f.path))
        if problem is not None and (problem.kind != UNMOUNTED
                                    or store.folder_track_count(f.id)):
            out[f.path] = problem  # (an empty folder without tracks is a new one: fine)
    return out


def unavailable_folders(store) -> list[UnavailableFolder]:
    """The music folders that are unavailable now, with their hidden songs (their tracks
    in the library: all masked while the folder is away), by path."""
    folders = store.folders()
    problems = folder_problems(store, folders)
    return [UnavailableFolder(f.id, f.path, p.kind, p.reason, store.folder_track_count(f.id))
            for f in folders if (p := problems.get(f.path)) is not None]


class RootCache:
    """Which music folders are unavailable, checked at most every *ttl* seconds: for
    filtering recommendations without a ``stat`` per track."""

    def __init__(self, store, ttl: float = 2.0):
        self.store = store
        self.ttl = ttl
        self._at = -1e9
        self._roots: tuple[str, ...] = ()

    def invalidate(self) -> None:
        """Check again at the next question."""
        self._at = -1e9

    def roots(self) -> tuple[str, ...]:
        now = time.monotonic()
        if now - self._at >= self.ttl:
            self._roots = tuple(sorted(folder_problems(self.store)))
            self._at = now
        return self._roots

    def playable(self, path: str) -> bool:
        """False if *path* is under a music folder that is unavailable now."""
        return holding_root(path, self.roots()) is None
