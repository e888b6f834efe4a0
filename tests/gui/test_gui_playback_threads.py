"""Playback control never deadlocks with Qt's playback threads, and the Qt binding
does not leak references (both were real failures: a frozen window on closing, and a
crash after minutes of playback)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_calls_into_qt_do_not_drain_none_references():
    # PySide6 6.12.0 on Python 3.11 dropped a reference to None on every call of a
    # method returning void; ~12,000 calls (about 20 minutes of playback) later the
    # interpreter aborted with "deallocating None". pyproject keeps it below 6.12.
    obj = QObject()
    before = sys.getrefcount(None)
    for _ in range(2000):
        obj.setObjectName("x")  # returns void
    assert abs(sys.getrefcount(None) - before) < 100
