"""Playback of the play queue with two QMediaPlayer + QAudioOutput "decks".

:class:`Player` owns no widgets: the now-playing bar, the keyboard shortcuts and
MPRIS all drive the same object. When a track ends the next one starts; a file
that cannot be played (missing, not audio, unsupported) is reported through
:attr:`Player.message` in plain words and skipped.

Level: each track's gain (ReplayGain tags, else the analysis's loudness; see
:mod:`soundalike.library.listening.loudness`) multiplies the user's volume on that deck's
output. Its :class:`Levels` are read off the UI thread (:func:`read_levels` on the player's
own thread) before the deck loads the file, so it never starts at the wrong level and the
UI never waits on a file or the database.

Gapless and crossfade: QMediaPlayer (Qt 6) plays one source and has no gapless queue.
The next track is loaded into the second deck :data:`PRELOAD_MS` before the end;
:data:`GAPLESS_LEAD_MS` before the end it starts and becomes the active deck while the
first plays out its last milliseconds (the measured start-up time of a loaded source
covers that; benchmarks/gapless.py measures the real gap). With the radio and a
crossfade set, the second deck starts that many seconds early at volume 0 and the two
volumes ramp in opposite directions.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

from soundalike.gui.library_query import Row
from soundalike.gui.queue_model import QueueModel
from soundalike.gui.tasks import Tasks
from soundalike.library.files.tags import ReplayGain, read_replaygain
from soundalike.library.listening.loudness import Gain, GainSettings
from soundalike.library.listening.loudness import choose_gain as _choose_gain

RESTART_AFTER_MS = 3000  # "previous" within the first 3 s goes back, later it restarts
STALL_CHECK_MS = 1000    # a "playing" file whose position does not move for
STALL_LIMIT = 4          # this many checks in a row is damaged: skip it
PRELOAD_MS = 4000        # load the next track into the other deck this long before the end
#: start the loaded next track this long before the current one ends (its start-up time)
GAPLESS_LEAD_MS = 0
FADE_STEP_MS = 40
MAX_CROSSFADE_S = 12

log = logging.getLogger(__name__)

#: (track id) → (its analysis loudness_db, its album's), for levelling untagged tracks
LoudnessLookup = Callable[[int], tuple[float | None, float | None]]


@dataclass(frozen=True, slots=True)
class Levels:
    """What a track's gain is computed from: its ReplayGain tags and, for an untagged
    track, the analysis's loudness of it and of its album (dBFS; None: not analysed)."""

    replaygain: ReplayGain
    track_db: float | None = None
    album_db: float | None = None


def read_levels(path: str, track_id: int, loudness: LoudnessLookup | None) -> Levels:
    """A track's :class:`Levels`: reads its tags (and, untagged, the library); run off
    the UI thread."""
    rg = read_replaygain(path)
    if rg.empty and loudness is not None:
        return Levels(rg, *loudness(track_id))
    return Levels(rg)


class _Deck:
    """One QMediaPlayer with its own (Qt-made) audio output, and the gain and fade
    its volume carries."""

    def __init__(self, owner: QObject):
        self.media = QMediaPlayer(owner)
        self.audio = native_audio_output(owner)
        self.media.setAudioOutput(self.audio)
        self.gain = Gain()
        self.fade = 1.0
        self.item: Row | None = None   # what is loaded (a preloaded next track)
        self.levels: Levels | None = None  # its gain's inputs, once read (off the UI thread)
        self.ticket = 0                # the latest levels request; older answers are dropped

    def unload(self) -> None:
        # setSource() stops and unloads with the GIL released (PySide marks it so);
        # media.stop() would tear the engine down while holding it
        self.media.setSource(QUrl())
        self.item, self.fade = None, 1.0


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
    #: the active deck's position / duration (ms)
    position_changed = Signal(int)
    duration_changed = Signal(int)
    #: the user's volume (0…1), not counting the track's gain
    volume_changed = Signal(float)
    #: the gain of the track now playing (:class:`~soundalike.library.listening.loudness.Gain`)
    gain_changed = Signal(object)

    LOW_WATER = 2

    def __init__(self, queue: QueueModel, parent=None, *,
                 loudness: LoudnessLookup | None = None):
        super().__init__(parent)
        self.queue = queue
        self.loudness = loudness
        # a track's tags and loudness are read here, never on the UI thread: one thread of
        # its own, so a track start never waits behind a scan or cover work
        self._level_reader = Tasks(self, max_threads=1)
        self.gain_settings = GainSettings()
        self.gapless = True
        self.crossfade_s = 0.0
        self.radio = False          # crossfades apply to the radio only
        self._volume = 0.8
        self._decks = (_Deck(self), _Deck(self))
        self._active = 0
        for deck in self._decks:
            self._wire(deck)
        self._failures_in_row = 0
        self._skipping = False
        queue.changed.connect(self._check_low)
        # Some damaged files open "fine" and then never advance: notice and skip them.
        self._stall_timer = QTimer(self, interval=STALL_CHECK_MS)
        self._stall_timer.timeout.connect(self._check_stall)
        # ticks only while playing: an idle player never wakes the CPU (laptops)
        self.playing_changed.connect(self._on_playing)
        self._last_position = -1
        self._stalled_checks = 0
        self._on_item: Row | None = None     # the track listened to, until reported
        self._heard_ms = 0
        self._cue_ms: int | None = None  # cue_row: the position to show once loaded …
        self._cue_play = False           # … and whether Play was pressed meanwhile
        #: play_row: while the track's level is read, whether it is to play (Play/Pause
        #: pressed meanwhile change it); None when no track is starting
        self._start_play: bool | None = None
        self._switch_timer = QTimer(self, singleShot=True)
        self._switch_timer.timeout.connect(self._transition)
        self._fade_timer = QTimer(self, interval=FADE_STEP_MS)
        self._fade_timer.timeout.connect(self._fade_step)
        self._fade_elapsed = 0
        self._fade_ms = 0
        self._fading_out: _Deck | None = None
        for deck in self._decks:
            self._apply_volume(deck)

    def _wire(self, deck: _Deck) -> None:
        m = deck.media
        m.mediaStatusChanged.connect(lambda status, d=deck: self._on_status(d, status))
        m.errorOccurred.connect(lambda error, text, d=deck: self._on_error(d, error, text))
        m.playbackStateChanged.connect(lambda state, d=deck: self._on_state(d, state))
        m.positionChanged.connect(lambda ms, d=deck: self._on_position(d, ms))
        m.durationChanged.connect(
            lambda ms, d=deck: self.duration_changed.emit(ms) if d is self._deck else None)

    # ------------------------------------------------------------------ state
    @property
    def _deck(self) -> _Deck:
        return self._decks[self._active]

    @property
    def _other(self) -> _Deck:
        return self._decks[1 - self._active]

    @property
    def media(self) -> QMediaPlayer:
        """The QMediaPlayer of the track now playing (the active deck's)."""
        return self._deck.media

    @property
    def audio(self) -> QAudioOutput:
        """The active deck's audio output (its volume = user volume × track gain)."""
        return self._deck.audio

    @property
    def gain(self) -> Gain:
        return self._deck.gain

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

    # ------------------------------------------------------------------ settings
    def set_gain_settings(self, settings: GainSettings) -> None:
        """New loudness settings; the track now playing is re-levelled at once."""
        self.gain_settings = settings
        current = self.queue.current
        for deck, row in ((self._deck, current), (self._other, current + 1)):
            if deck.item is not None and deck.levels is not None and self._holds(deck, row):
                deck.gain = self._gain(row, deck.levels)
                self._apply_volume(deck)
        self.gain_changed.emit(self._deck.gain)

    def set_transitions(self, *, gapless: bool, crossfade_s: float) -> None:
        """Gapless playback on or off; the radio's crossfade in seconds (0: none)."""
        self.gapless = bool(gapless)
        self.crossfade_s = max(0.0, min(float(crossfade_s), MAX_CROSSFADE_S))

    def set_radio(self, active: bool) -> None:
        self.radio = bool(active)

    def _holds(self, deck: _Deck, row: int) -> bool:
        """*deck* has queue row *row*'s track loaded (rows move when the queue is edited)."""
        item = self.queue.item(row)
        return (deck.item is not None and item is not None and deck.item.id == item.id
                and deck.item.path == item.path)

    def _gain(self, row: int, levels: Levels) -> Gain:
        """The gain of queue row *row*, from its *levels*, under the current settings."""
        untagged = levels.replaygain.empty and self.gain_settings.level_untagged
        return _choose_gain(levels.replaygain, self.gain_settings, in_album=self._in_album(row),
                            track_loudness_db=levels.track_db if untagged else None,
                            album_loudness=levels.album_db if untagged else None)

    def _load(self, deck: _Deck, row: int, then: Callable[[], None]) -> None:
        """Read the levels of *deck*'s track (queue row *row*) off the UI thread; then set
        its gain and run *then* (load the file, maybe play it), unless the deck has been
        given another track meanwhile."""
        item = deck.item
        deck.levels = None
        deck.ticket += 1
        ticket, loudness = deck.ticket, self.loudness

        def done(levels: Levels) -> None:
            if deck.ticket != ticket or deck.item is not item:
                return
            deck.levels = levels
            deck.gain = self._gain(row, levels)
            self._apply_volume(deck)
            if deck is self._deck:
                self.gain_changed.emit(deck.gain)
            then()

        def failed(exc: BaseException) -> None:  # the library could not be read: no estimate
            log.warning("cannot read the level of %s: %s", item.path, exc)
            done(Levels(ReplayGain()))

        self._level_reader.run_task(lambda: read_levels(item.path, item.id, loudness),
                                    done, failed)

    def _in_album(self, row: int) -> bool:
        """Row *row* is played as part of its album: a queue neighbour is the album's
        previous or next track."""
        item = self.queue.item(row)
        if item is None or not item.album:
            return False
        for other, step in ((self.queue.item(row - 1), -1), (self.queue.item(row + 1), 1)):
            if other is None or other.album != item.album:
                continue
            if (other.albumartist or other.artist) != (item.albumartist or item.artist):
                continue
            if item.tracknumber is None or other.tracknumber is None \
                    or other.tracknumber - item.tracknumber == step:
                return True
        return False

    # ------------------------------------------------------------------ control
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
        self._cancel_transition()
        item = self.queue.item(row)
        if item is None:
            self.stop()
            return
        self.queue.set_current(row)
        self.current_changed.emit(item)
        if not os.path.isfile(item.path):
            root = self.queue.unavailable_root(row)
            self._skip(item, self.tr("its music folder {0} is not available (unplugged "
                                     "drive?)").format(root) if root
                       else self.tr("the file is missing"))
            return
        deck = self._deck
        self._stalled_checks, self._last_position = 0, -1
        self._cue_ms = None
        url = QUrl.fromLocalFile(item.path)
        deck.media.setSource(QUrl())  # stop what played (the same file again: reload it)
        deck.item, deck.fade = item, 1.0

        def start() -> None:  # once its level is known: no second at the wrong volume
            play, self._start_play = self._start_play, None
            deck.media.setSource(url)
            if play is not False:
                deck.media.play()
            else:  # paused meanwhile: loaded, paused at its start
                deck.media.pause()

        self._start_play = True
        self._load(deck, row, start)
        self._on_item, self._heard_ms = item, 0
        self._check_low()

    def cue_row(self, row: int, position_ms: int = 0) -> None:
        """Load the queue row *row* paused at *position_ms* (a restored session): it
        shows as the current track, and Play resumes it there."""
        item = self.queue.item(row)
        if item is None:
            return
        self._cancel_transition()
        self.queue.set_current(row)
        self.current_changed.emit(item)
        if not os.path.isfile(item.path):
            return
        deck = self._deck
        self._start_play = None
        self._cue_ms, self._cue_play = max(0, int(position_ms)), False
        deck.item, deck.fade = item, 1.0
        self._load(deck, row, lambda: deck.media.setSource(QUrl.fromLocalFile(item.path)))

    def play_rows(self, rows: list[Row], *, start: int = 0) -> None:
        """Replace the queue with *rows* and play from *start*."""
        self.queue.replace(rows)
        self.play_row(start)

    def toggle(self) -> None:
        """Play/pause (starts the queue when nothing is loaded)."""
        if self._cue_ms is not None:  # a cued track still loading
            self._cue_play = not self._cue_play
        elif self._start_play is not None:  # a track starting (its level being read)
            self._start_play = not self._start_play
        elif self.is_playing():
            self.pause()
        elif self.queue.current >= 0 and not self.media.source().isEmpty():
            self.media.play()
        elif self.queue.rowCount():
            self.play_row(max(0, self.queue.current))

    def play(self) -> None:
        if self._cue_ms is not None:
            self._cue_play = True
        elif self._start_play is not None:
            self._start_play = True
        elif not self.is_playing():
            self.toggle()

    def pause(self) -> None:
        self._cue_play = False
        if self._start_play is not None:
            self._start_play = False
        self._finish_fade()
        self.media.pause()

    def stop(self) -> None:
        self._cue_ms = None
        self._start_play = None
        self._report()
        self._cancel_transition()
        self._deck.unload()
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
            self.seek(0)
            return
        self.play_row(self.queue.current - 1)

    def seek(self, ms: int) -> None:
        self._cancel_transition()
        self.media.setPosition(max(0, int(ms)))
        self.seeked.emit(max(0, int(ms)))

    def set_volume(self, volume: float) -> None:
        volume = max(0.0, min(1.0, float(volume)))
        changed = abs(volume - self._volume) > 1e-9
        self._volume = volume
        for deck in self._decks:
            self._apply_volume(deck)
        if changed:
            self.volume_changed.emit(volume)

    def volume(self) -> float:
        """The user's volume (0…1); the output's own volume also carries the gain."""
        return self._volume

    def _apply_volume(self, deck: _Deck) -> None:
        # QAudioOutput's volume is linear amplitude, at most 1: a gain above the user's
        # headroom is cut there (nothing is ever amplified past full scale)
        deck.audio.setVolume(max(0.0, min(1.0, self._volume * deck.gain.factor * deck.fade)))

    # ------------------------------------------------------------------ gapless / crossfade
    def _crossfade_ms(self) -> int:
        return int(self.crossfade_s * 1000) if self.radio else 0

    def _on_position(self, deck: _Deck, ms: int) -> None:
        if deck is not self._deck:
            return
        if self._on_item is not None and self.is_playing():
            self._heard_ms = int(ms)   # where the listener was when leaving it
        self.position_changed.emit(ms)
        if not (self.gapless or self._crossfade_ms()) or not self.is_playing():
            return
        duration = deck.media.duration()
        if duration <= 0 or self._fading_out is not None:
            return
        remaining = duration - ms
        fade = min(self._crossfade_ms(), duration // 3)
        if remaining <= PRELOAD_MS + fade:
            self._preload()
        if self._holds(self._other, self.queue.current + 1):
            lead = fade or GAPLESS_LEAD_MS
            self._switch_timer.start(max(0, remaining - lead))

    def _preload(self) -> None:
        other, row = self._other, self.queue.current + 1
        item = self.queue.item(row)
        if item is None or self._holds(other, row):
            return
        other.unload()
        if not os.path.isfile(item.path):
            return  # the normal end-of-track path reports and skips it
        other.item = item
        other.fade = 1.0
        self._load(other, row, lambda: other.media.setSource(QUrl.fromLocalFile(item.path)))

    def _transition(self) -> None:
        """Start the preloaded next track now (gapless) or fade over to it (crossfade)."""
        old, new = self._deck, self._other
        row = self.queue.current + 1
        nxt = self.queue.item(row)
        if (nxt is None or not self._holds(new, row)
                or new.media.mediaStatus() in (QMediaPlayer.MediaStatus.InvalidMedia,
                                               QMediaPlayer.MediaStatus.NoMedia)):
            return  # the queue changed or the file is bad: the usual end-of-track path
        fade = min(self._crossfade_ms(), max(0, old.media.duration() // 3))
        self._report(finished=True)   # played to its end (or into the crossfade)
        self._active = 1 - self._active
        self._failures_in_row = 0
        self._stalled_checks, self._last_position = 0, -1
        if fade > 0:
            new.fade = 0.0
            self._fading_out = old
            self._fade_ms, self._fade_elapsed = fade, 0
            self._fade_timer.start()
        self._apply_volume(new)
        new.media.play()
        self._on_item, self._heard_ms = nxt, 0
        self.queue.set_current(row)
        self.current_changed.emit(nxt)
        self.duration_changed.emit(new.media.duration())
        self.gain_changed.emit(new.gain)
        if fade <= 0:
            self._fading_out = old  # plays out its last milliseconds, then unloads
        self._check_low()

    def _fade_step(self) -> None:
        out = self._fading_out
        self._fade_elapsed += FADE_STEP_MS
        t = min(1.0, self._fade_elapsed / max(1, self._fade_ms))
        self._deck.fade = t
        self._apply_volume(self._deck)
        if out is not None:
            out.fade = 1.0 - t
            self._apply_volume(out)
        if t >= 1.0:
            self._finish_fade()

    def _finish_fade(self) -> None:
        self._fade_timer.stop()
        self._deck.fade = 1.0
        self._apply_volume(self._deck)
        out, self._fading_out = self._fading_out, None
        if out is not None:
            out.unload()

    def _cancel_transition(self) -> None:
        """The user chose something else: no preloaded track, no fade."""
        self._switch_timer.stop()
        self._finish_fade()
        self._other.unload()

    # ------------------------------------------------------------------ events
    def _on_state(self, deck: _Deck, state) -> None:
        if deck is not self._deck:
            return
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        if state == QMediaPlayer.PlaybackState.StoppedState and self._holds(
                self._other, self.queue.current + 1):
            # the end of a track whose successor is preloaded: the end-of-media handler
            # switches players at once; say "stopped" only if it did not
            def later() -> None:
                if self._deck is deck and not self.is_playing():
                    self.playing_changed.emit(False)

            QTimer.singleShot(0, later)
            return
        self.playing_changed.emit(playing)

    def _on_playing(self, playing: bool) -> None:
        if playing:
            self._stall_timer.start()
        else:
            self._stall_timer.stop()
            self._switch_timer.stop()

    def _on_status(self, deck: _Deck, status) -> None:
        S = QMediaPlayer.MediaStatus
        if deck is not self._deck:
            if status == S.EndOfMedia and deck is self._fading_out:
                QTimer.singleShot(0, self._finish_fade)  # the old track has played out
            return
        if status == S.EndOfMedia:
            self._failures_in_row = 0
            self._report(finished=True)
            other = self._other
            if self._holds(other, self.queue.current + 1):
                self._transition()   # the preloaded next track, at once
                if self._deck is other:
                    QTimer.singleShot(0, self._finish_fade)
                    return
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

    def _on_error(self, deck: _Deck, error, text: str) -> None:
        if deck is not self._deck:
            return  # a preloaded file that fails is reported when its turn comes
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
        name = item.display_title if item else self.tr("this track")
        self.message.emit(self.tr("Cannot play “{0}”: {1}. Skipped.").format(name, reason))
        self._failures_in_row += 1
        if self._failures_in_row >= max(1, self.queue.rowCount()):
            self._failures_in_row = 0
            self.stop()
            return
        self._cancel_transition()
        self._deck.unload()  # as in stop(): never media.stop()
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
