"""The banner above the library that says, for as long as it lasts, which music folders are
unavailable (an unplugged drive, an unmounted share) and how many songs are hidden until
they are back (:mod:`soundalike.library.files.availability`)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle

from soundalike.library.files.availability import UnavailableFolder


class FolderBanner(QFrame):
    """Hidden while every music folder is there; else one plain sentence per folder."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("FolderBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)  # themed: light, dark, contrast
        self.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setForegroundRole(QPalette.ColorRole.ToolTipText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        self.setAccessibleName(self.tr("Unavailable music folders"))
        self.folders: list[UnavailableFolder] = []
        self.setVisible(False)

    def show_folders(self, folders: Sequence[UnavailableFolder]) -> None:
        """Say which folders are unavailable now (hide when none)."""
        self.folders = list(folders)
        text = "\n".join(self.sentence(f) for f in self.folders)
        self.label.setText(text)
        self.setAccessibleDescription(text)
        self.setToolTip(self.tr("Their songs come back by themselves when the folder is "
                                "there again; they stay in the queue and keep their "
                                "analyses meanwhile.") if self.folders else "")
        self.setVisible(bool(self.folders))

    def sentence(self, f: UnavailableFolder) -> str:
        n = f.hidden
        if n == 1:
            songs = self.tr("1 song is hidden until it is back")
        else:
            songs = self.tr("{0} songs are hidden until it is back").format(f"{n:,}")
        return self.tr("The music folder {0} {1}: {2}.").format(f.path, f.reason, songs)
