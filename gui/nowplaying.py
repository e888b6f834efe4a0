"""The now-playing bar: previous / play-pause / next, the cover, title and artist, a
seek slider with elapsed and total time, and a volume slider."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from soundalike.gui.covers import CoverLoader, placeholder
from soundalike.gui.formatting import format_time
from soundalike.gui.player import Player

COVER = 48  # the cover's edge in pixels


class NowPlayingBar(QWidget):
    """Controls for a :class:`Player`; "More like this" / "Less like this" emit the
    playing track's id (:attr:`more_like_requested`, :attr:`less_like_requested`); the
    cover comes from *covers* (none without)."""

    more_like_requested = Signal(int)
    less_like_requested = Signal(int)

    def __init__(self, player: Player, parent=None, *, covers: CoverLoader | None = None):
        super().__init__(parent)
        self.player = player
        self.covers = covers
        self.setObjectName("NowPlayingBar")
        style = self.style()

        def button(icon, name: str, tip: str, slot) -> QToolButton:
            b = QToolButton(self)
            b.setIcon(style.standardIcon(icon))
            b.setAccessibleName(name)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.clicked.connect(slot)
            return b

        P = QStyle.StandardPixmap
        self.prev_button = button(P.SP_MediaSkipBackward, self.tr("Previous"),
                                  self.tr("Previous song (Ctrl+Left)"), player.previous)
        self.play_button = button(P.SP_MediaPlay, self.tr("Play"), self.tr("Play (Space)"),
                                  player.toggle)
        self.next_button = button(P.SP_MediaSkipForward, self.tr("Next"),
                                  self.tr("Next song (Ctrl+Right)"), player.next)
        self._icons = (style.standardIcon(P.SP_MediaPlay), style.standardIcon(P.SP_MediaPause))

        def feedback(text: str, tip: str, signal) -> QToolButton:
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setEnabled(False)
            b.clicked.connect(lambda: player.current is not None
                              and signal.emit(player.current.id))
            return b

        self.more_button = feedback(self.tr("▲ More like this"),
                                    self.tr("More like this (Ctrl+Shift+M): the radio plays "
                                            "more songs like it"),
                                    self.more_like_requested)
        self.less_button = feedback(self.tr("▼ Less"),
                                    self.tr("Less like this (Ctrl+Shift+L): skip it, and the "
                                            "radio steers away"), self.less_like_requested)
        self.more_button.setAccessibleName(self.tr("More like this"))
        self.less_button.setAccessibleName(self.tr("Less like this"))

        self.title_label = QLabel(self.tr("Nothing playing"), self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.artist_label = QLabel("", self)
        self.title_label.setAccessibleName(self.tr("Title"))
        self.artist_label.setAccessibleName(self.tr("Artist and album"))
        for label in (self.title_label, self.artist_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setMinimumWidth(120)
            label.setToolTip(self.tr("The song playing"))

        self.elapsed_label = QLabel(format_time(0), self)
        self.total_label = QLabel(format_time(None), self)
        self.seek_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.seek_slider.setRange(0, 0)
        self.seek_slider.setAccessibleName(self.tr("Position"))
        self.seek_slider.setToolTip(self.tr("Position in the song: drag, or use the arrow "
                                            "keys and Page Up/Down"))
        self.seek_slider.sliderMoved.connect(
            lambda v: self.elapsed_label.setText(format_time(v / 1000)))
        self.seek_slider.sliderReleased.connect(
            lambda: player.seek(self.seek_slider.value()))
        self.seek_slider.actionTriggered.connect(self._on_slider_action)

        self.volume_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(round(player.volume() * 100))
        self.volume_slider.setFixedWidth(100)
        self.volume_slider.setAccessibleName(self.tr("Volume"))
        self.volume_slider.setToolTip(self.tr("Volume"))
        self.volume_slider.valueChanged.connect(lambda v: player.set_volume(v / 100))
        volume_icon = QLabel(self)
        volume_icon.setPixmap(style.standardIcon(P.SP_MediaVolume).pixmap(16, 16))

        self.cover_label = QLabel(self)
        self.cover_label.setObjectName("NowPlayingCover")
        self.cover_label.setFixedSize(COVER, COVER)
        self.cover_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cover_label.setAccessibleName("Cover art")
        self._no_cover = placeholder(COVER, self.palette().color(QPalette.ColorRole.Text))
        self.cover_label.setPixmap(self._no_cover)
        self._cover_path: str | None = None
        if covers is not None:
            covers.ready.connect(self._on_cover)

        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.title_label)
        text.addWidget(self.artist_label)

        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        for b in (self.prev_button, self.play_button, self.next_button):
            row.addWidget(b)
        row.addSpacing(6)
        row.addWidget(self.cover_label)
        row.addSpacing(4)
        row.addLayout(text, 2)
        row.addWidget(self.more_button)
        row.addWidget(self.less_button)
        row.addWidget(self.elapsed_label)
        row.addWidget(self.seek_slider, 5)
        row.addWidget(self.total_label)
        row.addSpacing(8)
        row.addWidget(volume_icon)
        row.addWidget(self.volume_slider)

        player.position_changed.connect(self._on_position)
        player.duration_changed.connect(self._on_duration)
        player.playing_changed.connect(self._on_playing)
        player.current_changed.connect(self._on_track)

    def _on_slider_action(self, action: int) -> None:
        # clicks on the groove (page steps) seek at once; dragging seeks on release
        if action in (QSlider.SliderAction.SliderPageStepAdd,
                      QSlider.SliderAction.SliderPageStepSub):
            self.player.seek(self.seek_slider.sliderPosition())

    def _on_position(self, ms: int) -> None:
        if not self.seek_slider.isSliderDown():
            self.seek_slider.setValue(ms)
            self.elapsed_label.setText(format_time(ms / 1000))

    def _on_duration(self, ms: int) -> None:
        self.seek_slider.setRange(0, max(0, ms))
        self.seek_slider.setPageStep(max(1000, ms // 20))
        self.total_label.setText(format_time(ms / 1000) if ms > 0 else format_time(None))

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setIcon(self._icons[1 if playing else 0])
        self.play_button.setToolTip(self.tr("Pause (Space)") if playing
                                    else self.tr("Play (Space)"))
        self.play_button.setAccessibleName(self.tr("Pause") if playing else self.tr("Play"))

    def _show_cover(self) -> None:
        path = self._cover_path
        pm = self.covers.pixmap(path, COVER) if self.covers is not None and path else None
        self.cover_label.setPixmap(pm if pm is not None else self._no_cover)
        cover = self.covers.cover(path) if self.covers is not None and path else None
        self.cover_label.setToolTip(f"No cover: {cover.reason}" if cover is not None
                                    and cover.reason and pm is None else "")

    def _on_cover(self, path: str) -> None:
        if path == self._cover_path:
            self._show_cover()

    def _on_track(self, item) -> None:
        for b in (self.more_button, self.less_button):
            b.setEnabled(item is not None)
        self._cover_path = item.path if item is not None else None
        self._show_cover()
        if item is None:
            self.title_label.setText(self.tr("Nothing playing"))
            self.artist_label.setText("")
            self.seek_slider.setRange(0, 0)
            self.elapsed_label.setText(format_time(0))
            self.total_label.setText(format_time(None))
            return
        self.title_label.setText(item.display_title)
        album = f" — {item.album}" if item.album else ""
        self.artist_label.setText(f"{item.display_artist}{album}")
        self.setToolTip(item.path)
        for label in (self.title_label, self.artist_label):
            label.setToolTip(item.path)
