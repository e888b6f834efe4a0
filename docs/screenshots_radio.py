"""Screenshots of the listening radio (issue 15): ``docs/radio-feedback.png`` (the queue
after two skips, each row saying why it was chosen) and ``docs/mood-dialog.png``.

    DISPLAY=:N python docs/screenshots_radio.py --db LIBRARY.db [--out docs]

Needs an X display (Xvfb) and an analysed library (a copy: the window writes settings).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import SIZE, pause, wait_until  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    args = ap.parse_args(argv)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from soundalike.gui.main_window import MainWindow
    from soundalike.gui.mood_dialog import MoodDialog

    app = QApplication([])
    out = Path(args.out)
    settings = QSettings(str(out / ".shot.ini"), QSettings.Format.IniFormat)
    w = MainWindow(args.db, settings=settings)
    w.resize(*SIZE)
    w.show()
    wait_until(app, lambda: w.model.rowCount() > 0)
    ids = w.model.track_ids()
    w.similarity.start_radio([ids[40]])
    wait_until(app, lambda: w.similarity.radio_active and w.queue.rowCount() > 5)
    w.player.set_volume(0)
    for _ in range(2):
        before = len(w.queue.reasons)
        pause(app, 1.0)
        w.player.next()     # a skip a second in
        wait_until(app, lambda b=before: len(w.queue.reasons) > b)
    pause(app, 1.5)
    w.grab().save(str(out / "radio-feedback.png"))
    d = MoodDialog(w, "calm, ambient, instrumental")
    d.use_tempo.setChecked(True)
    d.tempo_low.setValue(60)
    d.tempo_high.setValue(110)
    d.use_energy.setChecked(True)
    d.energy.setValue(25)
    d.show()
    pause(app, 1.0)
    d.grab().save(str(out / "mood-dialog.png"))
    d.close()
    w.close()
    (out / ".shot.ini").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
