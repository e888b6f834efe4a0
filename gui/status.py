"""The status-bar widget for background analysis: n of N, ETA, pause/resume."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from soundalike.gui.bridges import AnalysisBridge
from soundalike.gui.formatting import format_eta
from soundalike.library.model.states import AnalysisState


class AnalysisStatus(QWidget):
    """Shows the analysis progress of an :class:`AnalysisBridge` and pauses/resumes it."""

    def __init__(self, bridge: AnalysisBridge, parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self.label = QLabel("", self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(140)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(self.tr("Analysis progress"))
        self.bar.setToolTip(self.tr("Songs analysed so far"))
        self.button = QToolButton(self)
        self.button.setText(self.tr("Pause"))
        self.button.setToolTip(self.tr("Pause or resume the analysis"))
        self.button.clicked.connect(self.toggle)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.button)
        bridge.progress.connect(self.show_progress)
        self.setVisible(False)

    def toggle(self) -> None:
        if self.bridge.paused:
            self.bridge.resume()
        else:
            self.bridge.pause()
        self._update_button()

    def _update_button(self) -> None:
        self.button.setText(self.tr("Resume") if self.bridge.paused else self.tr("Pause"))

    def show_progress(self, p) -> None:
        n = p.done + p.failed
        if p.state in (AnalysisState.FINISHED, AnalysisState.CANCELLED,
                       AnalysisState.IDLE) or (p.total and n >= p.total
                                                            and not p.in_flight):
            self.setVisible(False)
            return
        self.setVisible(True)
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(n)
        if p.state == AnalysisState.PAUSED:
            text = self.tr("Analysis paused at {0} of {1}").format(n, p.total)
        elif p.state == AnalysisState.PAUSED_DISK_FULL:
            text = p.message or self.tr("disk full: analysis paused")
            text = text[:1].upper() + text[1:]
        elif p.state == AnalysisState.PAUSED_BATTERY:
            text = self.tr("Analysis paused on battery ({0} of {1})").format(n, p.total)
        elif p.state == AnalysisState.ERROR:
            text = self.tr("Analysis stopped: {0}").format(p.message)
        else:
            text = self.tr("Analysing {0} of {1} — {2}").format(n, p.total, format_eta(p.eta))
            if p.failed:
                text += self.tr(" ({0} failed)").format(p.failed)
        self.bar.setToolTip(text)
        self.label.setText(text)
        self._update_button()
