"""The settings dialog (tab Library: music folders, analysis workers, battery, variety,
exclusions; Playback: loudness, gapless, crossfade; Desktop: notifications, tray) and the
first-run folder prompt.

Library-wide settings live in the database (``settings`` table) so the command line
sees them too; the keys are below. Window layout lives in QSettings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from soundalike.gui.preferences import PREAMP_RANGE_DB, PlayerSettings
from soundalike.library.listening.loudness import GainMode, GainSettings
from soundalike.library.model.settings import (
    ANALYSIS_PAUSE_ON_BATTERY,
    ANALYSIS_WORKERS,
    EXCLUDE_FOLDERS,
    EXCLUDE_GENRES,
    EXCLUDE_KEYWORDS,
    EXCLUDE_QUERY_ARTIST,
    MAX_PER_ALBUM,
    MAX_PER_ARTIST,
    RADIO_SETTINGS,
)
from soundalike.library.recommend.discovery import radio_options

# the library settings this dialog edits (declared in library/model/settings.py)
EXCLUDES = {"genres": EXCLUDE_GENRES, "folders": EXCLUDE_FOLDERS,
            "keywords": EXCLUDE_KEYWORDS}
CAPS = {"artist": MAX_PER_ARTIST, "album": MAX_PER_ALBUM}
RADIO_DEFAULTS = {s.name: s.default for s in RADIO_SETTINGS}


@dataclass(slots=True)
class LibrarySettings:
    """What the settings dialog edits."""

    folders: list[str] = field(default_factory=list)
    workers: int = 0
    pause_on_battery: bool = False
    #: never recommend these: {"genres": [...], "folders": [...], "keywords": [...]}
    exclude: dict[str, list[str]] = field(default_factory=dict)
    #: at most this many songs per artist / per album in a result list (0: no limit)
    caps: dict[str, int] = field(default_factory=lambda: {k: s.default for k, s in CAPS.items()})
    exclude_own_artist: bool = False
    #: the radio's options (RADIO_SETTINGS names → values)
    radio: dict = field(default_factory=dict)

    @classmethod
    def load(cls, store) -> LibrarySettings:
        return cls(folders=[f.path for f in store.folders()],
                   workers=int(store.setting(ANALYSIS_WORKERS) or 0),
                   pause_on_battery=bool(store.setting(ANALYSIS_PAUSE_ON_BATTERY)),
                   exclude={k: list(store.setting(s) or []) for k, s in EXCLUDES.items()},
                   caps={k: int(store.setting(s) or 0) for k, s in CAPS.items()},
                   exclude_own_artist=bool(store.setting(EXCLUDE_QUERY_ARTIST)),
                   radio=radio_options(store))

    def save(self, store) -> tuple[list[str], list[str]]:
        """Write to *store* in one transaction (all or nothing: a full disk leaves the old
        settings); return (folders added, folders removed)."""
        old = {f.path for f in store.folders()}
        new = {str(Path(p)) for p in self.folders}
        added = sorted(new - old)
        removed = sorted(old - new)
        with store.transaction():
            for path in removed:
                store.remove_folder(path)
            for path in added:
                store.add_folder(path)
            store.save_setting(ANALYSIS_WORKERS, int(self.workers))
            store.save_setting(ANALYSIS_PAUSE_ON_BATTERY, bool(self.pause_on_battery))
            for k, s in EXCLUDES.items():
                store.save_setting(s, [v.strip() for v in self.exclude.get(k, []) if v.strip()])
            for k, s in CAPS.items():
                store.save_setting(s, int(self.caps.get(k, s.default)))
            store.save_setting(EXCLUDE_QUERY_ARTIST, bool(self.exclude_own_artist))
            for s in RADIO_SETTINGS:
                if s.name in self.radio:
                    store.save_setting(s, type(s.default)(self.radio[s.name]))
        return added, removed


def default_music_folder() -> str:
    """``~/Music`` (or the XDG music directory when set)."""
    xdg = os.environ.get("XDG_MUSIC_DIR")
    return xdg if xdg else str(Path.home() / "Music")


class FolderList(QWidget):
    """A list of folders with Add… and Remove buttons."""

    def __init__(self, folders: list[str], parent=None):
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.addItems(folders)
        self.list.setMinimumHeight(90)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for i in range(self.list.count()):
            self.list.item(i).setToolTip(self.list.item(i).text())
        self.list.setAccessibleName(self.tr("Music folders"))
        self.list.setToolTip(self.tr("The folders Soundalike finds your music in"))
        add = QPushButton(self.tr("Add…"), self)
        add.setToolTip(self.tr("Add a music folder"))
        add.clicked.connect(self._add)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setToolTip(self.tr("Remove the selected folders (their songs stay "
                                              "on disk)"))
        self.remove_button.clicked.connect(self._remove)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def folders(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def add_folder(self, path: str) -> None:
        if path and path not in self.folders():
            self.list.addItem(path)

    def _add(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Add a music folder"),
                                                default_music_folder())
        self.add_folder(path)

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))


class SettingsDialog(QDialog):
    """Edit a :class:`LibrarySettings` (tab Library) and, when given, the player's
    :class:`~soundalike.gui.preferences.PlayerSettings` (tabs Playback and Desktop);
    :meth:`result_settings` and :meth:`result_player_settings` return the edited copies.
    *tray_available*: whether closing to the tray can work on this desktop."""

    def __init__(self, settings: LibrarySettings, *, max_workers: int | None = None,
                 player: PlayerSettings | None = None, tray_available: bool = False,
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Soundalike settings"))
        self.setObjectName("SettingsDialog")
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName(self.tr("Settings pages"))
        self.tabs.addTab(self._library_page(settings, max_workers), self.tr("Library"))
        self._player = player
        if player is not None:
            self.tabs.addTab(self._playback_page(player), self.tr("Playback"))
            self.tabs.addTab(self._desktop_page(player, tray_available), self.tr("Desktop"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(720, 760)

    # ------------------------------------------------------------------ pages
    def _library_page(self, settings: LibrarySettings, max_workers: int | None) -> QWidget:
        page = QWidget(self)
        self.folders = FolderList(settings.folders, page)
        folders_box = QGroupBox(self.tr("Music folders"), page)
        QVBoxLayout(folders_box).addWidget(self.folders)

        self.workers = QSpinBox(page)
        self.workers.setRange(0, max_workers or max(1, os.cpu_count() or 1))
        self.workers.setSpecialValueText(self.tr("Automatic"))
        self.workers.setValue(settings.workers)
        self.workers.setMaximumWidth(140)
        self.workers.setToolTip(self.tr("Processes analysing music at the same time "
                                        "(Automatic: one per physical core, leaving one free "
                                        "from 3 cores up)"))
        self.battery = QCheckBox(self.tr("Pause analysis while on battery"), page)
        self.battery.setChecked(settings.pause_on_battery)
        self.battery.setToolTip(self.tr("Stop analysing music while the computer runs on "
                                        "battery; go on when it is plugged in"))
        analysis_box = QGroupBox(self.tr("Analysis"), page)
        form = QFormLayout(analysis_box)
        form.addRow(self.tr("Worker processes:"), self.workers)
        form.addRow(self.battery)

        variety_box = QGroupBox(self.tr("Variety"), page)
        variety = QFormLayout(variety_box)
        self.caps: dict[str, QSpinBox] = {}
        for key, label, tip in (
                ("artist", self.tr("Songs per artist in a list:"),
                 self.tr("Similar songs, radio and paths show at most this many songs by "
                         "one artist (No limit: as many as match)")),
                ("album", self.tr("Songs per album in a list:"),
                 self.tr("Similar songs, radio and paths show at most this many songs from "
                         "one album (No limit: as many as match)"))):
            spin = QSpinBox(page)
            spin.setRange(0, 99)
            spin.setSpecialValueText(self.tr("No limit"))
            spin.setValue(settings.caps.get(key, CAPS[key].default))
            spin.setMaximumWidth(140)
            spin.setToolTip(tip)
            self.caps[key] = spin
            variety.addRow(label, spin)
        self.own_artist = QCheckBox(self.tr("Leave out the song's own artist"), page)
        self.own_artist.setChecked(settings.exclude_own_artist)
        self.own_artist.setToolTip(self.tr("Similar songs never include songs by the artist "
                                           "of the song you asked about"))
        variety.addRow(self.own_artist)

        radio_box = QGroupBox(self.tr("Radio"), page)
        rform = QFormLayout(radio_box)
        r = settings.radio or {}
        self.radio_spacing: dict[str, QSpinBox] = {}
        for name, label in (("artist_spacing", self.tr("Same artist again after:")),
                            ("album_spacing", self.tr("Same album again after:"))):
            spin = QSpinBox(page)
            spin.setRange(0, 50)
            spin.setSuffix(self.tr(" songs"))
            spin.setSpecialValueText(self.tr("any time"))
            spin.setValue(int(r.get(name, RADIO_DEFAULTS[name])))
            spin.setMaximumWidth(140)
            self.radio_spacing[name] = spin
            rform.addRow(label, spin)
        self.no_repeat = QCheckBox(self.tr("Never play a song twice in a session"), page)
        self.no_repeat.setChecked(bool(r.get("no_repeat", True)))
        self.keep_character = QCheckBox(self.tr("Keep vocal or instrumental, like the songs "
                                                "it starts from"), page)
        self.keep_character.setChecked(bool(r.get("keep_character", True)))
        self.recent_hours = QSpinBox(page)
        self.recent_hours.setRange(0, 24 * 30)
        self.recent_hours.setSuffix(self.tr(" hours"))
        self.recent_hours.setSpecialValueText(self.tr("off"))
        self.recent_hours.setValue(int(r.get("recent_hours", RADIO_DEFAULTS["recent_hours"])))
        self.recent_hours.setMaximumWidth(140)
        self.recent_hours.setToolTip(self.tr("Songs you heard this recently come later in a "
                                             "new radio"))
        rform.addRow(self.no_repeat)
        rform.addRow(self.keep_character)
        rform.addRow(self.tr("Later, songs heard in the last:"), self.recent_hours)

        exclude_box = QGroupBox(self.tr("Never recommend"), page)
        ex_form = QFormLayout(exclude_box)
        note = QLabel(self.tr("Similar songs, radio and paths leave out songs of these "
                              "genres, from these folders, or with these words in their "
                              "title, artist, album or file name. One per line."), page)
        note.setWordWrap(True)
        ex_form.addRow(note)
        self.exclude: dict[str, QPlainTextEdit] = {}
        for key, label, hint in (("genres", self.tr("Genres:"), "Christmas\nSpoken word"),
                                 ("folders", self.tr("Folders:"), "/home/me/Music/Audiobooks"),
                                 ("keywords", self.tr("Keywords:"), "live\nkaraoke")):
            edit = QPlainTextEdit("\n".join(settings.exclude.get(key, [])), page)
            edit.setPlaceholderText(hint)
            edit.setFixedHeight(edit.fontMetrics().height() * 3 + 14)
            edit.setTabChangesFocus(True)  # Tab moves on (keyboard users), not a tab char
            edit.setToolTip(self.tr("Never recommend: {0} (one per line)")
                            .format(label.rstrip(":").lower()))
            edit.setAccessibleName(self.tr("Never recommend {0}")
                                   .format(label.rstrip(":").lower()))
            self.exclude[key] = edit
            ex_form.addRow(label, edit)

        layout = QVBoxLayout(page)
        layout.addWidget(folders_box)
        layout.addWidget(analysis_box)
        layout.addWidget(variety_box)
        layout.addWidget(radio_box)
        layout.addWidget(exclude_box)
        return page

    def _playback_page(self, ps: PlayerSettings) -> QWidget:
        page = QWidget(self)
        loud_box = QGroupBox(self.tr("Loudness (ReplayGain)"), page)
        form = QFormLayout(loud_box)
        self.gain_mode = QComboBox(page)
        for mode, text in ((GainMode.OFF, self.tr("Off")),
                           (GainMode.TRACK, self.tr("Track: every song at the same level")),
                           (GainMode.ALBUM, self.tr("Album: keep an album's own dynamics")),
                           (GainMode.AUTO, self.tr("Automatic: album when an album plays in "
                                                   "order"))):
            self.gain_mode.addItem(text, str(mode))
        self.gain_mode.setCurrentIndex(max(0, self.gain_mode.findData(str(ps.gain.mode))))
        self.gain_mode.setToolTip(self.tr("Which ReplayGain value levels the songs you play"))
        form.addRow(self.tr("Level songs:"), self.gain_mode)
        self.preamp = QDoubleSpinBox(page)
        self.preamp.setRange(*PREAMP_RANGE_DB)
        self.preamp.setSingleStep(0.5)
        self.preamp.setDecimals(1)
        self.preamp.setSuffix(" dB")
        self.preamp.setValue(ps.gain.preamp_db)
        self.preamp.setMaximumWidth(140)
        self.preamp.setToolTip(self.tr("Added to every song's gain. ReplayGain's reference "
                                       "level (−18 LUFS) is quieter than most recordings"))
        form.addRow(self.tr("Pre-amplification:"), self.preamp)
        self.prevent_clipping = QCheckBox(self.tr("Prevent clipping (use the peak tags)"), page)
        self.prevent_clipping.setChecked(ps.gain.prevent_clipping)
        self.prevent_clipping.setToolTip(self.tr("Never raise a song so far that its loudest "
                                                 "sample would distort"))
        form.addRow(self.prevent_clipping)
        self.level_untagged = QCheckBox(self.tr("Level songs without tags from their "
                                                "analysis"), page)
        self.level_untagged.setChecked(ps.gain.level_untagged)
        self.level_untagged.setToolTip(self.tr("Songs without ReplayGain tags get a gain "
                                               "estimated from the loudness Soundalike "
                                               "measured when it analysed them"))
        form.addRow(self.level_untagged)

        trans_box = QGroupBox(self.tr("Between songs"), page)
        tform = QFormLayout(trans_box)
        self.gapless = QCheckBox(self.tr("Gapless playback"), page)
        self.gapless.setChecked(ps.gapless)
        self.gapless.setToolTip(self.tr("Load the next song before this one ends so that "
                                        "albums play without a pause between tracks"))
        tform.addRow(self.gapless)
        self.crossfade = QDoubleSpinBox(page)
        self.crossfade.setRange(0.0, 12.0)
        self.crossfade.setSingleStep(0.5)
        self.crossfade.setDecimals(1)
        self.crossfade.setSuffix(" s")
        self.crossfade.setSpecialValueText(self.tr("Off"))
        self.crossfade.setValue(ps.crossfade_s)
        self.crossfade.setMaximumWidth(140)
        self.crossfade.setToolTip(self.tr("While the radio plays, fade each song into the "
                                          "next over this many seconds"))
        tform.addRow(self.tr("Radio crossfade:"), self.crossfade)
        layout = QVBoxLayout(page)
        layout.addWidget(loud_box)
        layout.addWidget(trans_box)
        layout.addStretch(1)
        return page

    def _desktop_page(self, ps: PlayerSettings, tray_available: bool) -> QWidget:
        page = QWidget(self)
        box = QGroupBox(self.tr("Desktop"), page)
        form = QFormLayout(box)
        self.notify = QCheckBox(self.tr("Show a notification when the song changes"), page)
        self.notify.setChecked(ps.notify)
        self.notify.setToolTip(self.tr("A desktop notification with the title and artist "
                                       "while the window is not in front"))
        form.addRow(self.notify)
        self.close_to_tray = QCheckBox(self.tr("Keep playing in the system tray when the "
                                               "window is closed"), page)
        self.close_to_tray.setChecked(ps.close_to_tray and tray_available)
        self.close_to_tray.setEnabled(tray_available)
        self.close_to_tray.setToolTip(
            self.tr("Closing the window hides it; the tray icon has play, pause and next")
            if tray_available else self.tr("This desktop has no system tray"))
        form.addRow(self.close_to_tray)
        layout = QVBoxLayout(page)
        layout.addWidget(box)
        layout.addStretch(1)
        return page

    # ------------------------------------------------------------------ results
    def result_settings(self) -> LibrarySettings:
        return LibrarySettings(
            folders=self.folders.folders(), workers=self.workers.value(),
            pause_on_battery=self.battery.isChecked(),
            exclude={k: [line.strip() for line in edit.toPlainText().splitlines()
                         if line.strip()] for k, edit in self.exclude.items()},
            caps={k: spin.value() for k, spin in self.caps.items()},
            exclude_own_artist=self.own_artist.isChecked(),
            radio={**{k: spin.value() for k, spin in self.radio_spacing.items()},
                   "no_repeat": self.no_repeat.isChecked(),
                   "keep_character": self.keep_character.isChecked(),
                   "recent_hours": float(self.recent_hours.value())})

    def result_player_settings(self) -> PlayerSettings | None:
        """The edited player settings (None when the dialog was opened without them)."""
        if self._player is None:
            return None
        gain = GainSettings(mode=GainMode(self.gain_mode.currentData()),
                            preamp_db=self.preamp.value(),
                            prevent_clipping=self.prevent_clipping.isChecked(),
                            level_untagged=self.level_untagged.isChecked())
        return PlayerSettings(gain=gain, gapless=self.gapless.isChecked(),
                              crossfade_s=self.crossfade.value(),
                              notify=self.notify.isChecked(),
                              close_to_tray=(self.close_to_tray.isChecked()
                                             and self.close_to_tray.isEnabled()))


class FirstRunDialog(QDialog):
    """Asks which folders hold the user's music (default ~/Music)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Welcome to Soundalike"))
        intro = QLabel(self.tr("<b>Where is your music?</b><br>Soundalike will list the songs "
                               "in these folders and listen to each one, on this computer, to "
                               "find the songs that sound alike. You can change the folders "
                               "later in Settings."), self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        music = default_music_folder()
        self.folders = FolderList([music] if Path(music).is_dir() else [], self)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.tr("Start"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("Not now"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.folders)
        layout.addWidget(buttons)
        self.resize(520, 300)

    def chosen_folders(self) -> list[str]:
        return self.folders.folders()
