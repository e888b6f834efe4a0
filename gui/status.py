"""The status-bar widget for background analysis: n of N, ETA, pause/resume."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from soundalike.gui.bridges import AnalysisBridge
from soundalike.gui.formatting import format_eta


class AnalysisStatus(QWidget):
    """Shows the analysis progress of an :class:`AnalysisBridge` and pauses/resumes it."""

    def __init__(self, bridge: AnalysisBridge, parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self.label = QLabel("", self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(140)
        self.bar.setTextVisible(False)
        self.button = QToolButton(self)
        self.button.setText("Pause")
        self.button.setToolTip("Pause or resume the analysis")
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
        self.button.setText("Resume" if self.bridge.paused else "Pause")

    def show_progress(self, p) -> None:
        n = p.done + p.failed
        if p.state in ("finished", "cancelled", "idle") or (p.total and n >= p.total
                                                            and not p.in_flight):
            self.setVisible(False)
            return
        self.setVisible(True)
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(n)
        if p.state == "paused":
            text = f"Analysis paused at {n} of {p.total}"
        elif p.state == "paused-disk-full":
            text = p.message or "disk full: analysis paused"
            text = text[:1].upper() + text[1:]
        elif p.state == "paused-battery":
            text = f"Analysis paused on battery ({n} of {p.total})"
        elif p.state == "error":
            text = f"Analysis stopped: {p.message}"
        else:
            text = f"Analysing {n} of {p.total} — {format_eta(p.eta)}"
            if p.failed:
                text += f" ({p.failed} failed)"
        self.label.setText(text)
        self._update_button()
