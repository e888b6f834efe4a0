"""``from soundalike.gui.main_window import MainWindow`` (the window lives in the
:mod:`soundalike.gui.mainwindow` package)."""

from soundalike.gui.mainwindow import MainWindow

__all__ = ["MainWindow"]
