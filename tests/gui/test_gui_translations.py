"""The GUI's strings are wrapped for Qt's translation: resources/soundalike.ts (made by
``make translations``, pyside6-lupdate) is up to date with the sources, and a translation
compiled from it really changes the texts of the running widgets."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "soundalike.ts"
BIN = Path(sys.executable).parent


def sources() -> list[str]:
    return sorted(str(p) for p in [*ROOT.glob("gui/*.py"), *ROOT.glob("gui/mainwindow/*.py")])


def messages(ts: Path) -> set[tuple[str, str, str]]:
    root = ET.parse(ts).getroot()
    return {(ctx.findtext("name"), m.findtext("source"), m.findtext("comment") or "")
            for ctx in root.iter("context") for m in ctx.iter("message")}


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not in the venv")
    return str(path)


def test_the_ts_file_is_up_to_date_with_the_sources(tmp_path):
    fresh = tmp_path / "fresh.ts"
    subprocess.run([tool("pyside6-lupdate"), *sources(), "-no-obsolete", "-locations", "none",
                    "-source-language", "en", "-ts", str(fresh)],
                   check=True, capture_output=True, timeout=120)
    expected, shipped = messages(fresh), messages(TS)
    assert len(expected) > 200
    missing, stale = sorted(expected - shipped), sorted(shipped - expected)
    assert not missing and not stale, (
        f"resources/soundalike.ts is out of date (run `make translations`): "
        f"missing {missing[:5]}, no longer in the sources {stale[:5]}")


def test_a_translation_changes_the_running_window(tmp_path, window, qtbot):
    tree = ET.parse(TS)
    wanted = {("NowPlayingBar", "Nothing playing"): "Rien ne joue",
              ("Actions", "Quit"): "Quitter",
              ("LibraryModel", "Title"): "Titre",
              ("SettingsDialog", "Playback"): "Lecture"}
    for ctx in tree.getroot().iter("context"):
        for m in ctx.iter("message"):
            text = wanted.get((ctx.findtext("name"), m.findtext("source")))
            if text:
                t = m.find("translation")
                t.text = text
                t.attrib.pop("type", None)
    ts = tmp_path / "soundalike_fr.ts"
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    qm = tmp_path / "soundalike_fr.qm"
    subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True,
                   capture_output=True, timeout=120)
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        from PySide6.QtCore import QSettings

        from soundalike.gui.main_window import MainWindow
        from soundalike.gui.mainwindow.actions import ActionName
        from soundalike.gui.preferences import PlayerSettings
        from soundalike.gui.settings_dialog import LibrarySettings, SettingsDialog

        w = MainWindow(window.db_path, settings=QSettings(str(tmp_path / "fr.ini"),
                                                          QSettings.Format.IniFormat))
        qtbot.addWidget(w)
        assert w.now_playing.title_label.text() == "Rien ne joue"
        assert w.registry[ActionName.QUIT].text() == "Quitter"
        from PySide6.QtCore import Qt
        assert w.model.headerData(0, Qt.Orientation.Horizontal) == "Titre"
        dialog = SettingsDialog(LibrarySettings(), player=PlayerSettings())
        assert dialog.tabs.tabText(1) == "Lecture"
        w.close()
    finally:
        QCoreApplication.removeTranslator(translator)
