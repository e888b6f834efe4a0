"""Screenshots of discovery (issue 24): ``docs/mixes.png`` (the Mixes in the sidebar, one
playing as a radio), ``docs/similar-albums.png`` (albums like an album, with reasons) and
``docs/sonic-order.png`` (the queue's Sonic order menu, the queue in flow order behind).

    DISPLAY=:N python docs/screenshots_discovery.py --db LIBRARY.db [--out docs]

Needs an X display (Xvfb) and an analysed library (a copy: the window writes settings and
the mixes).
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
    ap.add_argument("--album", default="The Battle for Wesnoth OST")
    args = ap.parse_args(argv)
    from PySide6.QtCore import QPoint, QSettings
    from PySide6.QtWidgets import QApplication

    from soundalike.gui.main_window import MainWindow

    app = QApplication([])
    out = Path(args.out)
    settings = QSettings(str(out / ".shot.ini"), QSettings.Format.IniFormat)
    w = MainWindow(args.db, settings=settings)
    w.resize(*SIZE)
    w.sidebar.setMinimumWidth(250)   # the mixes' names in full
    w.show()
    w.player.set_volume(0)
    wait_until(app, lambda: w.model.rowCount() > 0)
    # the Mixes, one of them playing as a radio
    mixes = w.sidebar.categories["mix"]
    mixes.setExpanded(True)
    wait_until(app, lambda: mixes.childCount() > 0, timeout=120)
    w.sidebar.scrollToItem(mixes.child(mixes.childCount() - 1))
    w.sidebar.setCurrentItem(mixes.child(1))
    w.sidebar._double_clicked(mixes.child(1))
    wait_until(app, lambda: w.similarity.radio_active and w.queue.rowCount() > 8, timeout=60)
    pause(app, 1.5)
    w.grab().save(str(out / "mixes.png"))
    # albums like an album
    w.discovery.similar_groups("album", source_kind="album", name=args.album)
    dialog = w.discovery.groups_dialog()
    if not wait_until(app, lambda: dialog.isVisible() and bool(dialog.results()), timeout=60):
        sys.exit(f"screenshots_discovery: no albums like {args.album!r}")
    dialog.resize(820, 460)
    pause(app, 1.0)
    dialog.grab().save(str(out / "similar-albums.png"))
    dialog.close()
    # the queue in flow order, its menu open
    before = w.queue.ids()
    w.discovery.order_queue("flow")
    wait_until(app, lambda: w.queue.ids() != before, timeout=60)
    view = w.queue_panel.view
    rect = view.visualRect(w.queue.index(3))
    menu = w.queue_panel.context_menu(3)
    at = view.viewport().mapToGlobal(rect.center())
    menu.popup(at)
    pause(app, 0.5)
    sonic = next(a for a in menu.actions() if a.menu() is not None)
    menu.setActiveAction(sonic)
    sonic.menu().popup(menu.mapToGlobal(QPoint(menu.width() - 4,
                                               menu.actionGeometry(sonic).top())))
    pause(app, 1.0)
    screen = app.primaryScreen()
    top_left = w.mapToGlobal(QPoint(0, 0))
    screen.grabWindow(0, top_left.x(), top_left.y(), w.width(),
                      w.height()).save(str(out / "sonic-order.png"))
    sonic.menu().close()
    menu.close()
    w.close()
    (out / ".shot.ini").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
