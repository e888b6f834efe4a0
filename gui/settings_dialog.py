"""The settings dialog (music folders, analysis workers, battery, exclusions) and the
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
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

WORKERS_KEY = "analysis.workers"            # int, 0 = automatic (library.analysis.default_workers)
BATTERY_KEY = "analysis.pause_on_battery"   # bool
#: recommendation exclusions (owned by library/recommend.py's default filters)
EXCLUDE_KEYS = {"genres": "recommend.exclude_genres", "folders": "recommend.exclude_folders",
                "keywords": "recommend.exclude_keywords"}
#: variety of result lists (same owner): songs per artist / per album, 0 = no limit
CAP_KEYS = {"artist": "recommend.max_per_artist", "album": "recommend.max_per_album"}
OWN_ARTIST_KEY = "recommend.exclude_query_artist"
DEFAULT_CAP = 2


@dataclass(slots=True)
class LibrarySettings:
    """What the settings dialog edits."""

    folders: list[str] = field(default_factory=list)
    workers: int = 0
    pause_on_battery: bool = False
    #: never recommend these: {"genres": [...], "folders": [...], "keywords": [...]}
    exclude: dict[str, list[str]] = field(default_factory=dict)
    #: at most this many songs per artist / per album in a result list (0: no limit)
    caps: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CAP_KEYS, DEFAULT_CAP))
    exclude_own_artist: bool = False

    @classmethod
    def load(cls, store) -> LibrarySettings:
        return cls(folders=[f.path for f in store.folders()],
                   workers=int(store.get_setting(WORKERS_KEY, 0) or 0),
                   pause_on_battery=bool(store.get_setting(BATTERY_KEY, False)),
                   exclude={k: list(store.get_setting(key, []) or [])
                            for k, key in EXCLUDE_KEYS.items()},
                   caps={k: int(store.get_setting(key, DEFAULT_CAP) or 0)
                         for k, key in CAP_KEYS.items()},
                   exclude_own_artist=bool(store.get_setting(OWN_ARTIST_KEY, False)))

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
            store.set_setting(WORKERS_KEY, int(self.workers))
            store.set_setting(BATTERY_KEY, bool(self.pause_on_battery))
            for k, key in EXCLUDE_KEYS.items():
                store.set_setting(key, [v.strip() for v in self.exclude.get(k, [])
                                        if v.strip()])
            for k, key in CAP_KEYS.items():
                store.set_setting(key, int(self.caps.get(k, DEFAULT_CAP)))
            store.set_setting(OWN_ARTIST_KEY, bool(self.exclude_own_artist))
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
        add = QPushButton("Add…", self)
        add.clicked.connect(self._add)
        self.remove_button = QPushButton("Remove", self)
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
        path = QFileDialog.getExistingDirectory(self, "Add a music folder",
                                                default_music_folder())
        self.add_folder(path)

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))


class SettingsDialog(QDialog):
    """Edit a :class:`LibrarySettings`; :meth:`result_settings` returns the edited copy."""

    def __init__(self, settings: LibrarySettings, *, max_workers: int | None = None,
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle("Soundalike settings")
        self.setObjectName("SettingsDialog")
        self.folders = FolderList(settings.folders, self)
        folders_box = QGroupBox("Music folders", self)
        QVBoxLayout(folders_box).addWidget(self.folders)

        self.workers = QSpinBox(self)
        self.workers.setRange(0, max_workers or max(1, os.cpu_count() or 1))
        self.workers.setSpecialValueText("Automatic")
        self.workers.setValue(settings.workers)
        self.workers.setMaximumWidth(140)
        self.workers.setToolTip("Processes analysing music at the same time "
                                "(Automatic: one per physical core, leaving one free "
                                "from 3 cores up)")
        self.battery = QCheckBox("Pause analysis while on battery", self)
        self.battery.setChecked(settings.pause_on_battery)
        analysis_box = QGroupBox("Analysis", self)
        form = QFormLayout(analysis_box)
        form.addRow("Worker processes:", self.workers)
        form.addRow(self.battery)

        variety_box = QGroupBox("Variety", self)
        variety = QFormLayout(variety_box)
        self.caps: dict[str, QSpinBox] = {}
        for key, label in (("artist", "Songs per artist in a list:"),
                           ("album", "Songs per album in a list:")):
            spin = QSpinBox(self)
            spin.setRange(0, 99)
            spin.setSpecialValueText("No limit")
            spin.setValue(settings.caps.get(key, DEFAULT_CAP))
            spin.setMaximumWidth(140)
            spin.setToolTip("Similar songs, radio and paths show at most this many songs "
                            f"by one {key} (No limit: as many as match)")
            self.caps[key] = spin
            variety.addRow(label, spin)
        self.own_artist = QCheckBox("Leave out the song's own artist", self)
        self.own_artist.setChecked(settings.exclude_own_artist)
        variety.addRow(self.own_artist)

        exclude_box = QGroupBox("Never recommend", self)
        ex_form = QFormLayout(exclude_box)
        note = QLabel("Similar songs, radio and paths leave out songs of these genres, from "
                      "these folders, or with these words in their title, artist, album or "
                      "file name. One per line.", self)
        note.setWordWrap(True)
        ex_form.addRow(note)
        self.exclude: dict[str, QPlainTextEdit] = {}
        for key, label, hint in (("genres", "Genres:", "Christmas\nSpoken word"),
                                 ("folders", "Folders:", "/home/me/Music/Audiobooks"),
                                 ("keywords", "Keywords:", "live\nkaraoke")):
            edit = QPlainTextEdit("\n".join(settings.exclude.get(key, [])), self)
            edit.setPlaceholderText(hint)
            edit.setFixedHeight(edit.fontMetrics().height() * 3 + 14)
            self.exclude[key] = edit
            ex_form.addRow(label, edit)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(folders_box)
        layout.addWidget(analysis_box)
        layout.addWidget(variety_box)
        layout.addWidget(exclude_box)
        layout.addWidget(buttons)
        self.resize(720, 760)

    def result_settings(self) -> LibrarySettings:
        return LibrarySettings(
            folders=self.folders.folders(), workers=self.workers.value(),
            pause_on_battery=self.battery.isChecked(),
            exclude={k: [line.strip() for line in edit.toPlainText().splitlines()
                         if line.strip()] for k, edit in self.exclude.items()},
            caps={k: spin.value() for k, spin in self.caps.items()},
            exclude_own_artist=self.own_artist.isChecked())


class FirstRunDialog(QDialog):
    """Asks which folders hold the user's music (default ~/Music)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Welcome to Soundalike")
        intro = QLabel("<b>Where is your music?</b><br>Soundalike will list the songs in these "
                       "folders and listen to each one, on this computer, to find the songs "
                       "that sound alike. You can change the folders later in Settings.", self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        music = default_music_folder()
        self.folders = FolderList([music] if Path(music).is_dir() else [], self)
        buttons = QDialogButtonBox(self)
        buttons.addButton("Start", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.folders)
        layout.addWidget(buttons)
        self.resize(520, 300)

    def chosen_folders(self) -> list[str]:
        return self.folders.folders()
