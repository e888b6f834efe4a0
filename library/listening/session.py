"""The listening session that survives a restart (or a crash): the play queue, the current
track and its position, and the radio's state.

It is one small JSON file next to the library database (``library.db`` →
``library.session.json``), so each library has its own session and the settings table
is not written every few seconds while the analysis holds the database's write lock.
Writes are atomic (a temporary file in the same folder, flushed and synced, then renamed
over the old one): a crash leaves the previous session or the new one, never half of
one. :class:`SessionWriter` does the writing on its own thread, the latest state
winning, so the window never waits for the disk.

Format (``version`` 1)::

    {"version": 1, "saved_at": 1764640000.0,
     "queue": [{"id": 12, "path": "/music/a.flac"}, …],
     "current": 3, "position_ms": 81234, "playing": true,
     "radio": null | {…}}          # the radio's own state, stored as it gives it

A file that cannot be read or understood is set aside (``.session.json.bad``) and the
session starts empty, with a note saying so; it is never an error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from soundalike.library.files.disk import write_atomic

log = logging.getLogger(__name__)

VERSION = 1


@dataclass
class Session:
    """What is restored at start."""

    queue: list[tuple[int, str]] = field(default_factory=list)  # (track id, path)
    current: int = -1
    position_ms: int = 0
    playing: bool = False
    radio: dict | None = None
    saved_at: float = 0.0

    def to_dict(self) -> dict:
        return {"version": VERSION, "saved_at": self.saved_at,
                "queue": [{"id": int(i), "path": p} for i, p in self.queue],
                "current": int(self.current), "position_ms": int(self.position_ms),
                "playing": bool(self.playing), "radio": self.radio}

    @classmethod
    def from_dict(cls, data: dict) -> Session:
        """Read a saved session (ValueError when it is not one)."""
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("not a version-1 session")
        queue = []
        for entry in data.get("queue") or []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), int):
                queue.append((entry["id"], str(entry.get("path") or "")))
        current = data.get("current", -1)
        current = current if isinstance(current, int) and 0 <= current < len(queue) else -1
        position = data.get("position_ms", 0)
        radio = data.get("radio")
        return cls(queue=queue, current=current,
                   position_ms=max(0, int(position)) if isinstance(position, (int, float))
                   else 0,
                   playing=bool(data.get("playing", False)),
                   radio=radio if isinstance(radio, dict) else None,
                   saved_at=float(data.get("saved_at") or 0.0))


def session_path(db_path: str | os.PathLike) -> Path:
    """The session file of the library at *db_path* (``x.db`` → ``x.session.json``)."""
    db = Path(db_path)
    return db.with_name(f"{db.stem}.session.json")


def load_session(path: str | os.PathLike) -> tuple[Session | None, str]:
    """(the saved session or None, a note for the user or ""). Never raises: a damaged
    file is renamed to ``….bad`` and the note says so."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return None, f"The last session could not be read ({exc.strerror or exc})."
    try:  # not UTF-8 (UnicodeDecodeError), 1e400 for a number, nested beyond recursion
        return Session.from_dict(json.loads(data.decode("utf-8"))), ""
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        with contextlib.suppress(OSError):
            os.replace(path, path.with_name(path.name + ".bad"))
        log.warning("session %s is damaged (%s); set aside", path, exc)
        return None, "The last session was damaged and could not be restored."


def save_session(path: str | os.PathLike, session: Session) -> None:
    """Write *session* now (atomically); OSError when the folder is not writable."""
    session.saved_at = time.time()
    write_atomic(path, json.dumps(session.to_dict(), ensure_ascii=False))


class SessionWriter:
    """Writes sessions to *path* on its own thread: :meth:`save` hands over the latest
    state and returns at once; :meth:`flush` waits until it is on disk. ``error`` holds
    the last write's failure (plain words), or "" ."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.error = ""
        self.writes = 0
        self._pending: Session | None = None
        self._cond = threading.Condition()
        self._busy = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="session-writer", daemon=True)
        self._thread.start()

    def save(self, session: Session) -> None:
        with self._cond:
            if self._closed:
                return
            self._pending = session
            self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the latest state is written; False on timeout."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._pending is not None or self._busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout: float = 5.0) -> bool:
        """Write what is pending, then end the thread."""
        ok = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)
        return ok

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._pending is None:
                    return
                session, self._pending = self._pending, None
                self._busy = True
            try:
                save_session(self.path, session)
                self.error = ""
                self.writes += 1
            except OSError as exc:
                self.error = f"the session cannot be saved ({exc.strerror or exc})"
                log.warning("%s: %s", self.path, self.error)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
