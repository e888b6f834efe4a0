"""The session that survives a restart: the queue, the current track and its position,
the radio (:mod:`soundalike.library.listening.session` stores it).

At start :meth:`SessionController.restore` reads the saved session in the background,
drops the tracks that are gone (deleted, missing, no longer in the library) with a note
in the status bar — but keeps those whose music folder is only unavailable (an
unplugged drive: :mod:`soundalike.library.files.availability`), which play again when it is
back — and puts the rest back: the queue, the current track loaded and
paused at its position (Play resumes it), the radio labelled and carrying on when the
queue runs low. From then on every change (queue, track, play/pause, seek, radio) is
saved within :data:`SAVE_DELAY_MS`, and the position every :data:`POSITION_EVERY_MS`
while playing, by a writer thread; a crash loses at most those few seconds. Closing the
window saves at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from soundalike.gui.library_query import LibraryReader, Row
from soundalike.gui.mainwindow.similarity import SimilarityActions, radio_seed_ids
from soundalike.gui.player import Player
from soundalike.gui.queue_model import QueueModel
from soundalike.gui.tasks import Tasks
from soundalike.library.files.availability import holding_root
from soundalike.library.listening.session import Session, SessionWriter, load_session
from soundalike.library.model.states import TrackStatus

SAVE_DELAY_MS = 1000        # a change is on disk within this (changes in a burst: once)
POSITION_EVERY_MS = 5000    # the position is saved this often while playing


class SessionController(QObject):
    """Saves and restores the session of *player*/*queue*/*radio* in the file *path*."""

    #: the session has been restored (or there was none): the note shown, or ""
    restored = Signal(str)

    def __init__(self, *, path: str | os.PathLike, player: Player, queue: QueueModel,
                 reader: LibraryReader, tasks: Tasks, radio: SimilarityActions,
                 show_message: Callable[[str, int], None], parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self.player = player
        self.queue = queue
        self.reader = reader
        self.tasks = tasks
        self.radio = radio
        self._show = show_message
        self.writer = SessionWriter(self.path)
        self.ready = False    # saving starts once the saved session is back (or given up)
        self.closed = False
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_now)
        self._position_timer = QTimer(self, interval=POSITION_EVERY_MS)
        self._position_timer.timeout.connect(self.save_now)
        queue.changed.connect(self._changed)
        player.current_changed.connect(self._changed)
        player.seeked.connect(self._changed)
        player.playing_changed.connect(self._on_playing)
        radio.radio_changed.connect(self._changed)

    # ------------------------------------------------------------------ saving
    def state(self) -> Session:
        """The session as it is now."""
        current = self.queue.current
        item = self.queue.item(current)
        return Session(queue=[(r.id, r.path) for r in self.queue.items], current=current,
                       position_ms=self.player.position_ms() if item is not None else 0,
                       playing=self.player.is_playing(),
                       radio=self.radio.radio_state if self.radio.radio_active else None)

    def save_now(self) -> None:
        if self.ready and not self.closed:
            self._save_timer.stop()
            self.writer.save(self.state())

    def _changed(self, *_args) -> None:
        if not self.ready and self.queue.rowCount():
            self.ready = True  # the user chose something before the restore came back
        if self.ready and not self.closed and not self._save_timer.isActive():
            self._save_timer.start()

    def _on_playing(self, playing: bool) -> None:
        if playing and not self.closed:
            self._position_timer.start()
        else:
            self._position_timer.stop()
        self._changed()

    def close(self) -> None:
        """Save now and end the writer (the window is closing)."""
        if self.closed:
            return
        self.save_now()
        self.closed = True
        self._save_timer.stop()
        self._position_timer.stop()
        self.writer.close()

    # ------------------------------------------------------------------ restoring
    def restore(self) -> None:
        """Read the saved session in the background and put it back (see the module)."""
        path, reader = self.path, self.reader

        def work() -> _Restored:
            session, note = load_session(path)
            if session is None or not session.queue:
                return _Restored(None, [], [], note, -1, False)
            found = reader.rows([i for i, _ in session.queue])
            away = _unavailable_roots(reader.db_path)

            def usable(row: Row | None) -> bool:  # there, or only out of reach for now
                return row is not None and (
                    holding_root(row.path, away) is not None
                    or (row.status != TrackStatus.MISSING and os.path.isfile(row.path)))

            rows: list[Row] = []
            new_index: dict[int, int] = {}  # saved position → position now
            for n, (tid, saved_path) in enumerate(session.queue):
                row = found.get(tid)
                if not usable(row):
                    continue
                if saved_path and row.path != saved_path and os.path.exists(saved_path):
                    continue  # not the same track (the id belongs to another file now)
                new_index[n] = len(rows)
                rows.append(row)
            gone = len(session.queue) - len(rows)
            if gone:
                note = (f"{gone} song{'s' if gone != 1 else ''} of the last queue "
                        f"{'are' if gone != 1 else 'is'} gone (deleted or missing) and "
                        "left out.")
            # the current track, else the next one still there (from its start)
            current, same = -1, False
            if session.current >= 0:
                later = [n for n in new_index if n >= session.current]
                if later:
                    current, same = new_index[later[0]], later[0] == session.current
            seeds: list[Row] = []
            if session.radio and rows:
                ids = radio_seed_ids(session.radio)
                more = reader.rows([i for i in ids if i not in found])
                seeds = [r for i in ids if usable(r := found.get(i) or more.get(i))]
            return _Restored(session, rows, seeds, note, current, same)

        def done(r: _Restored) -> None:
            if self.closed:
                return
            if self.queue.rowCount() or self.player.current is not None:
                self.ready = True  # the user has started something else meanwhile
                self.restored.emit("")
                return
            if r.session is not None and r.rows:
                self.queue.replace(r.rows)
                if r.session.radio:
                    self.radio.restore_radio(r.session.radio, r.seeds)
                if r.current >= 0:
                    self.player.cue_row(r.current, r.session.position_ms if r.same else 0)
            self.ready = True
            if r.note:
                self._show(r.note, 10000)
            self.restored.emit(r.note)

        def failed(exc: BaseException) -> None:
            self.ready = True
            self._show(self.tr("The last session could not be restored: {0}").format(exc),
                       10000)
            self.restored.emit(str(exc))

        self.tasks.run_task(work, done, failed)


def _unavailable_roots(db_path: str) -> list[str]:
    """The music folders unavailable now (their songs stay in the queue)."""
    from soundalike.library.files.availability import folder_problems
    from soundalike.library.store import Store

    with Store(db_path, read_only=True) as store:
        return list(folder_problems(store))


@dataclass
class _Restored:
    session: Session | None
    rows: list[Row]
    seeds: list[Row]
    note: str
    current: int   # in rows, -1 for none
    same: bool     # the saved current track itself (so its position applies)
