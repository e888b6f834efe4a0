"""Playback of the play queue with QMediaPlayer + QAudioOutput.

:class:`Player` owns no widgets: the now-playing bar, the keyboard shortcuts and
MPRIS all drive the same object. When a track ends the next one starts; a file
that cannot be played (missing, not audio, unsupported) is reported through
:attr:`Player.message` in plain words and skipped.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

from soundalike.gui.library_query import Row
from soundalike.gui.queue_model import QueueModel

RESTART_AFTER_MS = 3000  # "previous" within the first 3 s goes back, later it restarts
STALL_CHECK_MS = 1000    # a "playing" file whose position does not move for
STALL_LIMIT = 4          # this many checks in a row is damaged: skip it

log = logging.getLogger(__name__)


class Player(QObject):
    """Plays :class:`QueueModel` rows in order."""

    #: the track now loaded (None when stopped at the end)
    current_changed = Signal(object)
    #: a plain-words note for the status bar ("Cannot play …, skipped")
    message = Signal(str)
    #: playing / paused changed: True when playing
    playing_changed = Signal(bool)
    #: the queue is running low (for the radio): number of tracks after the current one
    running_low = Signal(int)
    #: a track stopped being the one playing: (row, seconds heard, played to its end)
    #: — the radio's feedback (a full play, or a skip at that many seconds)
    listened = Signal(object, float, bool)
    #: the user moved the position (ms)
    seeked = Signal(int)

    LOW_WATER = 2

    def __init__(self, queue: QueueModel, parent=None):
        super().__init__(parent)
        self.queue = queue
        self.media = QMediaPlayer(self)
        self.audio = native_audio_output(self)
        self.media.setAudioOutput(self.audio)
        self.audio.setVolume(0.8)
        self._failures_in_row = 0
        self._skipping = False
        self.media.mediaStatusChanged.connect(self._on_status)
        self.media.errorOccurred.connect(self._on_error)
        self.media.playbackStateChanged.connect(
            lambda s: self.playing_changed.emit(s == QMediaPlayer.PlaybackState.PlayingState))
        queue.changed.connect(self._check_low)
        # Some damaged files open "fine" and then never advance: notice and skip them.
        self._stall_timer = QTimer(self, interval=STALL_CHECK_MS)
        self._stall_timer.timeout.connect(self._check_stall)
        # ticks only while playing: an idle player never wakes the CPU (laptops)
        self.playing_changed.connect(
            lambda playing: self._stall_timer.start() if playing else self._stall_timer.stop())
        self._last_position = -1
        self._stalled_checks = 0
        self._on_item: Row | None = None     # the track listened to, until reported
        self._heard_ms = 0
        self.media.positionChanged.connect(self._on_position)
        self._cue_ms: int | None = None  # cue_row: the position to show once loaded …
        self._cue_play = False           # … and whether Play was pressed meanwhile

    # ------------------------------------------------------------------ state
    @property
    def current(self) -> Row | None:
        return self.queue.current_item()

    def is_playing(self) -> bool:
        return self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def position_ms(self) -> int:
        """The position (a cued track's position until it has loaded)."""
        return self._cue_ms if self._cue_ms is not None else self.media.position()

    def duration_ms(self) -> int:
        return self.media.duration()

    # ------------------------------------------------------------------ control
    def _on_position(self, ms: int) -> None:
        if self._on_item is not None and self.is_playing():
            self._heard_ms = int(ms)   # where the listener was when leaving it

    def _report(self, finished: bool = False) -> None:
        """Tell :attr:`listened` about the track being left (once per track)."""
        item, self._on_item = self._on_item, None
        if item is None:
            return
        heard = self._heard_ms / 1000.0
        if finished:
            heard = max(heard, self.media.duration() / 1000.0, float(item.duration or 0))
        self.listened.emit(item, heard, finished)

    def play_row(self, row: int) -> None:
        """Start the queue row *row* (skipping forward past unplayable files)."""
        self._report()
        item = self.queue.item(row)
        if item is None:
            self.stop()
            return
        self.queue.set_current(row)
        self.current_changed.emit(item)
        if not os.path.isfile(item.path):
            self._skip(item, "the file is missing")
            return
        self._stalled_checks, self._last_position = 0, -1
        self._cue_ms = None
        url = QUrl.fromLocalFile(item.path)
        if self.media.source() == url:
            self.media.setSource(QUrl())  # the same file again: make the player reload it
        self.media.setSource(url)
        self.media.play()
        self._on_item, self._heard_ms = item, 0
        self._check_low()

    def cue_row(self, row: int, position_ms: int = 0) -> None:
        """Load the queue row *row* paused at *position_ms* (a restored session): it
        shows as the current track, and Play resumes it there."""
        item = self.queue.item(row)
        if item is None:
            return
        self.queue.set_current(row)
        self.current_changed.emit(item)
        if not os.path.isfile(item.path):
            return
        self._cue_ms, self._cue_play = max(0, int(position_ms)), False
        self.media.setSource(QUrl.fromLocalFile(item.path))

    def play_rows(self, rows: list[Row], *, start: int = 0) -> None:
        """Replace the queue with *rows* and play from *start*."""
        self.queue.replace(rows)
        self.play_row(start)

    def toggle(self) -> None:
        """Play/pause (starts the queue when nothing is loaded)."""
        if self._cue_ms is not None:  # a cued track still loading
            self._cue_play = not self._cue_play
        elif self.is_playing():
            self.media.pause()
        elif self.queue.current >= 0 and not self.media.source().isEmpty():
            self.media.play()
        elif self.queue.rowCount():
            self.play_row(max(0, self.queue.current))

    def play(self) -> None:
        if self._cue_ms is not None:
            self._cue_play = True
        elif not self.is_playing():
            self.toggle()

    def pause(self) -> None:
        self._cue_play = False
        self.media.pause()

    def stop(self) -> None:
        self._cue_ms = None
        # setSource() stops and unloads with the GIL released (PySide marks it so);
        # a separate media.stop() would tear the engine down while holding it
        self._report()
        self.media.setSource(QUrl())
        self.current_changed.emit(None)

    def next(self) -> None:
        row = self.queue.current + 1
        if row < self.queue.rowCount():
            self.play_row(row)
        else:
            self.stop()
            self.queue.set_current(-1)

    def previous(self) -> None:
        if self.media.position() > RESTART_AFTER_MS or self.queue.current <= 0:
            self.media.setPosition(0)
            return
        self.play_row(self.queue.current - 1)

    def seek(self, ms: int) -> None:
        self.media.setPosition(max(0, int(ms)))
        self.seeked.emit(max(0, int(ms)))

    def set_volume(self, volume: float) -> None:
        self.audio.setVolume(max(0.0, min(1.0, volume)))

    def volume(self) -> float:
        return self.audio.volume()

    # ------------------------------------------------------------------ events
    @Slot(QMediaPlayer.MediaStatus)
    def _on_status(self, status) -> None:
        S = QMediaPlayer.MediaStatus
        if status == S.EndOfMedia:
            self._failures_in_row = 0
            self._report(finished=True)
            self.next()
        elif status in (S.LoadedMedia, S.BufferedMedia):
            self._failures_in_row = 0
            if status == S.LoadedMedia and self._cue_ms is not None:
                ms, self._cue_ms = self._cue_ms, None
                if self._cue_play:
                    self.media.play()
                else:  # paused (not stopped): play() resumes at the position
                    self.media.pause()
                self.media.setPosition(ms)
        elif status == S.InvalidMedia:
            self._schedule_skip(self.media.errorString() or "not a playable audio file")

    @Slot(QMediaPlayer.Error, str)
    def _on_error(self, error, text: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            self._schedule_skip(_plain_reason(error, text))

    def _schedule_skip(self, reason: str) -> None:
        """Skip once the player's signals for this file are all delivered (an error and
        ``InvalidMedia`` arrive together for one bad file: skip it only once)."""
        if self._skipping:
            return
        if self._cue_ms is not None:  # a restored track that cannot be loaded: say so only
            self._cue_ms = None
            name = self.current.display_title if self.current else "this track"
            self.message.emit(f"Cannot play “{name}”: {reason}.")
            return
        self._skipping = True
        row, source = self.queue.current, self.media.source()

        def later() -> None:
            self._skipping = False
            if self.queue.current == row and self.media.source() == source:
                self._skip(self.current, reason)

        QTimer.singleShot(0, later)

    def _skip(self, item: Row | None, reason: str) -> None:
        self._on_item = None   # not the listener's choice: no feedback
        name = item.display_title if item else "this track"
        self.message.emit(f"Cannot play “{name}”: {reason}. Skipped.")
        self._failures_in_row += 1
        if self._failures_in_row >= max(1, self.queue.rowCount()):
            self._failures_in_row = 0
            self.stop()
            return
        self.media.setSource(QUrl())  # as in stop(): never media.stop()
        self.next()

    def _check_stall(self) -> None:
        if not self.is_playing():
            self._stalled_checks = 0
            self._last_position = -1
            return
        position = self.media.position()
        if position != self._last_position:
            self._last_position = position
            self._stalled_checks = 0
            return
        self._stalled_checks += 1
        if self._stalled_checks >= STALL_LIMIT:
            self._stalled_checks = 0
            self._last_position = -1
            self._skip(self.current, "the file cannot be decoded")

    def _check_low(self) -> None:
        if self.queue.current >= 0 and self.queue.remaining() <= self.LOW_WATER:
            self.running_low.emit(self.queue.remaining())


def native_audio_output(parent: QObject) -> QAudioOutput:
    """A QAudioOutput made by Qt itself (through the QML engine), not by Python.

    Qt's FFmpeg playback engine deletes its audio renderer on the renderer's own
    thread, and ``~QObject`` then calls ``disconnectNotify()`` on the QAudioOutput the
    renderer listened to. On an output constructed from Python that virtual call runs
    through PySide's wrapper, which must take the GIL, while holding Qt's signal-slot
    lock; meanwhile the GUI thread, holding the GIL inside ``QMediaPlayer.stop()`` or
    ``setPosition()``, waits for that same lock. Both wait for ever: the window froze
    on closing in about one GUI test run in twenty (tests/gui/test_gui_playback_threads.py
    reproduces it every time). An output made by the QML engine has no Python wrapper, so the
    renderer's thread never needs the GIL. Falls back to a plain output (and says so)
    if the QtMultimedia QML module is missing.
    """
    try:
        from PySide6.QtQml import QQmlComponent, QQmlEngine

        engine = QQmlEngine(parent)  # kept alive with the player (the output's context)
        component = QQmlComponent(engine)
        component.setData(b"import QtMultimedia\nAudioOutput {}", QUrl())
        output = component.create()
        if isinstance(output, QAudioOutput):
            output.setParent(parent)
            return output
        log.warning("QtMultimedia QML module unavailable (%s); using a plain audio output",
                    "; ".join(e.toString() for e in component.errors()) or "no object")
    except ImportError as exc:
        log.warning("QtQml unavailable (%s); using a plain audio output", exc)
    return QAudioOutput(parent)


def _plain_reason(error, text: str) -> str:
    E = QMediaPlayer.Error
    if error == E.FormatError:
        return "not a playable audio file"
    if error == E.ResourceError:
        return "the file cannot be read"
    if error == E.AccessDeniedError:
        return "permission denied"
    return text or "playback error"
