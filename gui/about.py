"""Help → About Soundalike: what it is, its version and licence, and the licences of the
model it ships (from models/MODEL_CARD.md) and of the main libraries it runs on."""

from __future__ import annotations

import html
import re
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
)

from soundalike import __version__
from soundalike.gui import theme

MODEL_CARD = Path(__file__).resolve().parent.parent / "models" / "MODEL_CARD.md"
LICENCE = "GPL-3.0-or-later"

#: (distribution name, what it does here, licence) — the licences as their projects state
LIBRARIES: tuple[tuple[str, str, str], ...] = (
    ("PySide6-Essentials", "Qt for Python: the window, playback (Qt Multimedia, FFmpeg)",
     "LGPL-3.0-only or GPL-2.0-only or GPL-3.0-only (Qt: LGPL-3.0)"),
    ("numpy", "the audio analysis arithmetic", "BSD-3-Clause"),
    ("ai-edge-litert", "LiteRT, runs the musicnn network", "Apache-2.0"),
    ("soundfile", "decoding (libsndfile)", "BSD-3-Clause (libsndfile: LGPL-2.1-or-later)"),
    ("av", "PyAV, decoding other formats (FFmpeg)", "BSD-3-Clause (FFmpeg: LGPL-2.1-or-later)"),
    ("soxr", "resampling (libsoxr)", "LGPL-2.1-or-later"),
    ("mutagen", "reading tags, ReplayGain and cover art", "GPL-2.0-or-later"),
    ("watchdog", "watching the music folders", "Apache-2.0"),
    ("platformdirs", "where the library and caches live", "MIT"),
)


def model_licence(card: Path = MODEL_CARD) -> tuple[str, str]:
    """(licence name, notice) of the shipped model, read from its model card's
    "Licence (…)" item and the quoted notice under it."""
    try:
        text = card.read_text(encoding="utf-8")
    except OSError:
        return "see models/MODEL_CARD.md", ""
    m = re.search(r"\*\*Licence \(([^)]+)\)", text)
    name = m.group(1) if m else "see models/MODEL_CARD.md"
    notice = []
    if m:
        for line in text[m.end():].splitlines()[1:]:
            stripped = line.strip()
            if stripped.startswith(">"):
                notice.append(stripped[1:].strip())
            elif notice and not stripped:
                break
    return name, "\n".join(notice).strip()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "—"


def about_html() -> str:
    """The dialog's text."""
    name, notice = model_licence()
    paras = "".join(f"<p>{html.escape(p.replace(chr(10), ' '))}</p>"
                    for p in re.split(r"\n\s*\n", notice) if p.strip())
    rows = "".join(
        f"<tr><td><b>{html.escape(d)}</b> {html.escape(_version(d))}</td>"
        f"<td>{html.escape(what)}</td><td>{html.escape(lic)}</td></tr>"
        for d, what, lic in LIBRARIES)
    licence = QCoreApplication.translate(
        "AboutDialog", "Soundalike is free software, licensed under {0}: you may share and "
        "change it under the terms of the GNU General Public License, version 3 or any "
        "later version. It comes with no warranty.").format(f"<b>{LICENCE}</b>")
    model = QCoreApplication.translate(
        "AboutDialog", "musicnn {0} (J. Pons, X. Serra, ISMIR 2019), converted to LiteRT "
        "({1}). Licence: {2}.").format("<code>MSD_musicnn</code>",
                                       "<code>models/musicnn_msd.tflite</code>",
                                       f"<b>{html.escape(name)}</b>")
    heads = (QCoreApplication.translate("AboutDialog", "Licence"),
             QCoreApplication.translate("AboutDialog", "The music model"),
             QCoreApplication.translate("AboutDialog", "Libraries"),
             QCoreApplication.translate("AboutDialog", "Library"),
             QCoreApplication.translate("AboutDialog", "Used for"))
    return (f"<h3>{heads[0]}</h3><p>{licence}</p>"
            f"<h3>{heads[1]}</h3><p>{model}</p>{paras}"
            f"<h3>{heads[2]}</h3><table cellspacing='4'><tr><th align='left'>{heads[3]}</th>"
            f"<th align='left'>{heads[4]}</th><th align='left'>{heads[0]}</th></tr>"
            f"{rows}</table>")


class AboutDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.setWindowTitle(self.tr("About Soundalike"))
        icon = QLabel(self)
        icon.setPixmap(theme.app_icon().pixmap(64, 64))
        icon.setAccessibleName(self.tr("Soundalike icon"))
        title = QLabel(self.tr("<b>Soundalike</b> {0}<br>A music player that knows which songs "
                               "sound alike.").format(__version__), self)
        title.setTextFormat(Qt.TextFormat.RichText)
        head = QHBoxLayout()
        head.addWidget(icon)
        head.addWidget(title, 1)
        self.text = QTextBrowser(self)
        self.text.setObjectName("AboutText")
        self.text.setAccessibleName(self.tr("Licences"))
        self.text.setToolTip(self.tr("Soundalike's licence, the model's and the libraries'"))
        self.text.setOpenExternalLinks(True)
        self.text.setHtml(about_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(640, 620)
