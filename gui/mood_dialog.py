""""Radio from moods…": words from the tag vocabulary, a tempo range and an energy."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from soundalike.engine import moods

TEMPO_MIN, TEMPO_MAX = 40, 220


class _WordCompleter(QCompleter):
    """Completes the word after the last comma."""

    def splitPath(self, path: str) -> list[str]:  # noqa: N802 - Qt's name
        return [path.split(",")[-1].strip()]

    def pathFromIndex(self, index) -> str:  # noqa: N802 - Qt's name
        line = self.widget().text()
        head = line.rsplit(",", 1)[0] + ", " if "," in line else ""
        return head + index.data()


class MoodDialog(QDialog):
    """Asks for mood words (checked against the vocabulary when OK is pressed: unknown
    words are named with the known ones, and the dialog stays open), an optional tempo
    range (two sliders, BPM) and an optional energy (a slider, quiet … driving)."""

    def __init__(self, parent: QWidget | None = None, words: str = ""):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Radio from moods"))
        self.setObjectName("MoodDialog")
        self.known = moods.known_words()
        self.words = QLineEdit(words, self)
        self.words.setPlaceholderText(self.tr("e.g. calm, ambient, instrumental"))
        completer = _WordCompleter(self.known, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.words.setCompleter(completer)
        self.known_label = QLabel(self.tr("Known words: {0}").format(", ".join(self.known)), self)
        self.known_label.setWordWrap(True)
        self.known_label.setObjectName("KnownWords")
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setVisible(False)

        self.use_tempo = QCheckBox(self.tr("Tempo"), self)
        self.tempo_low = self._slider(TEMPO_MIN, TEMPO_MAX, 70)
        self.tempo_high = self._slider(TEMPO_MIN, TEMPO_MAX, 120)
        self.tempo_label = QLabel(self)
        self.tempo_low.valueChanged.connect(self._tempo_moved)
        self.tempo_high.valueChanged.connect(self._tempo_moved)
        self.use_tempo.toggled.connect(self._enable)
        self.use_energy = QCheckBox(self.tr("Energy"), self)
        self.energy = self._slider(0, 100, 30)
        self.energy_label = QLabel(self)
        self.energy.valueChanged.connect(self._energy_moved)
        self.use_energy.toggled.connect(self._enable)

        tempo_row = QHBoxLayout()
        tempo_row.addWidget(QLabel(self.tr("from"), self))
        tempo_row.addWidget(self.tempo_low)
        tempo_row.addWidget(QLabel(self.tr("to"), self))
        tempo_row.addWidget(self.tempo_high)
        tempo_row.addWidget(self.tempo_label)
        energy_row = QHBoxLayout()
        energy_row.addWidget(QLabel(self.tr("quiet"), self))
        energy_row.addWidget(self.energy)
        energy_row.addWidget(QLabel(self.tr("driving"), self))
        energy_row.addWidget(self.energy_label)
        form = QFormLayout()
        form.addRow(self.tr("Moods:"), self.words)
        form.addRow(self.use_tempo, tempo_row)
        form.addRow(self.use_energy, energy_row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Start radio"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.known_label)
        layout.addWidget(buttons)
        self.resize(560, 300)
        self._tempo_moved()
        self._energy_moved()
        self._enable()

    def _slider(self, lo: int, hi: int, value: int) -> QSlider:
        s = QSlider(Qt.Orientation.Horizontal, self)
        s.setRange(lo, hi)
        s.setValue(value)
        return s

    def _enable(self) -> None:
        for w in (self.tempo_low, self.tempo_high, self.tempo_label):
            w.setEnabled(self.use_tempo.isChecked())
        for w in (self.energy, self.energy_label):
            w.setEnabled(self.use_energy.isChecked())

    def _tempo_moved(self) -> None:
        lo, hi = sorted((self.tempo_low.value(), self.tempo_high.value()))
        self.tempo_label.setText(f"{lo}–{hi} BPM")

    def _energy_moved(self) -> None:
        self.energy_label.setText(f"{self.energy.value()} %")

    # ------------------------------------------------------------------ results
    def tempo(self) -> tuple[float, float] | None:
        if not self.use_tempo.isChecked():
            return None
        lo, hi = sorted((self.tempo_low.value(), self.tempo_high.value()))
        return (float(lo), float(hi))

    def energy_value(self) -> float | None:
        return self.energy.value() / 100 if self.use_energy.isChecked() else None

    def text(self) -> str:
        return self.words.text()

    def accept(self) -> None:
        try:
            moods.lookup(self.words.text())
        except moods.UnknownWordsError as exc:
            head = str(exc).split(". Known words:")[0]
            self.error.setText(f"{head[0].upper()}{head[1:]}. Use the words listed below.")
            self.error.setVisible(True)
            self.words.setFocus()
            return
        super().accept()
