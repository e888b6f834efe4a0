"""Playback: what to play (the queue) and the player, as the window's actions use them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QLineEdit

from soundalike.gui.library_query import Row
from soundalike.gui.nowplaying import NowPlayingBar
from soundalike.gui.player import Player
from soundalike.gui.queue_model import QueueModel

ShowMessage = Callable[[str, int], None]


class PlaybackController(QObject):
    """Plays rows through *player* and *queue*; *now_playing* shows them.

    :attr:`queue_replaced` is emitted when the user chooses something else to play
    (the radio ends then). *search*: Space typed there is text, not Play/Pause.
    """

    queue_replaced = Signal()

    def __init__(self, *, player: Player, queue: QueueModel, now_playing: NowPlayingBar,
                 show_message: ShowMessage, search: QLineEdit | None = None, parent=None):
        super().__init__(parent)
        self.player = player
        self.queue = queue
        self.now_playing = now_playing
        self.search = search
        self._show = show_message

    def play_rows(self, rows: list[Row]) -> None:
        """The queue becomes *rows*, played from the first."""
        self.queue_replaced.emit()
        self.player.play_rows(rows)

    def play_now(self, rows: list[Row]) -> None:
        """Insert *rows* after the current track and play the first of them."""
        if not rows:
            return
        at = self.queue.current + 1 if self.queue.current >= 0 else 0
        self.queue.insert(at, rows)
        self.player.play_row(at)

    def enqueue(self, rows: list[Row]) -> None:
        self.queue.append(rows)
        self._show(self.tr("Added 1 song to the queue") if len(rows) == 1
                   else self.tr("Added {0} songs to the queue").format(len(rows)), 4000)

    def play_next(self, rows: list[Row]) -> None:
        self.queue.insert_next(rows)

    def play_pause(self) -> None:
        """Space: play or pause, except in the search box (where it is a space)."""
        if self.search is not None and self.search.hasFocus():
            self.search.insert(" ")
            return
        self.player.toggle()

    def restore_volume(self, settings: QSettings) -> None:
        self.player.set_volume(float(settings.value("player/volume", 0.8)))
        self.now_playing.volume_slider.setValue(round(self.player.volume() * 100))

    def save_volume(self, settings: QSettings) -> None:
        settings.setValue("player/volume", self.player.volume())
