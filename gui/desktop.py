"""Desktop manners: a notification when the song changes and a tray icon with play/pause,
next and previous (both opt-in, in Settings → Desktop).

Notifications go to ``org.freedesktop.Notifications`` on the session bus when a
notification server is there (sent with ``gdbus``, which marshals the ``susssasa{sv}i``
call from the server's own introspection: PySide6 cannot build the ``uint32`` argument),
else through the tray icon's balloon when a tray icon is shown, else nowhere. Each new
notification replaces Soundalike's previous one, so skipping through songs does not pile
them up. Where the desktop has no system tray, closing to the tray is off and the window
closes as usual.
"""

from __future__ import annotations

import html
import logging
import re
import shutil

from PySide6.QtCore import QObject, QProcess, Signal
from PySide6.QtDBus import QDBusConnection
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from soundalike.gui import theme
from soundalike.gui.library_query import Row
from soundalike.gui.player import Player

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
EXPIRE_MS = 5000


def gvariant_string(text: str) -> str:
    """*text* as a GVariant text-format string literal (for ``gdbus call``)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def track_message(row: Row) -> tuple[str, str]:
    """(summary, body) of the notification for *row*."""
    body = row.display_artist + (f" — {row.album}" if row.album else "")
    return row.display_title, body


class Notifier(QObject):
    """Shows a notification for each new track of *player* while :attr:`enabled` (and the
    window is hidden or not the active one). *address*: the bus (None: the session bus);
    *tray*: the balloon fallback. :attr:`sent` carries (summary, body) of each one sent."""

    sent = Signal(str, str)

    def __init__(self, player: Player, window: QWidget | None = None, *,
                 address: str | None = None, tray: Tray | None = None, parent=None):
        super().__init__(parent)
        self.window = window
        self.tray = tray
        self.enabled = False
        self.address = address
        self._replaces = 0
        self._procs: list[QProcess] = []
        self._gdbus = shutil.which("gdbus")
        player.current_changed.connect(self._on_track)

    def _bus(self) -> QDBusConnection:
        if self.address is None:
            return QDBusConnection.sessionBus()
        return QDBusConnection.connectToBus(self.address, "soundalike-notifications")

    def server_available(self) -> bool:
        bus = self._bus()
        if not bus.isConnected() or self._gdbus is None:
            return False
        reply = bus.interface().isServiceRegistered(SERVICE)
        return bool(reply.value()) if reply.isValid() else False

    def _on_track(self, row: Row | None) -> None:
        if row is None or not self.enabled:
            return
        w = self.window
        if w is not None and w.isVisible() and w.isActiveWindow():
            return  # the user is looking at the window already
        self.notify(*track_message(row))

    def notify(self, summary: str, body: str) -> bool:
        """Send one notification; False when there is nowhere to show it."""
        if self.server_available():
            self._send_dbus(summary, body)
        elif self.tray is not None and self.tray.icon.isVisible():
            self.tray.icon.showMessage(summary, body, theme.app_icon(), EXPIRE_MS)
        else:
            return False
        self.sent.emit(summary, body)
        return True

    def _send_dbus(self, summary: str, body: str) -> None:
        bus = ["--session"] if self.address is None else ["--address", self.address]
        args = ["call", *bus, "--dest", SERVICE, "--object-path", PATH,
                "--method", f"{SERVICE}.Notify",
                gvariant_string("Soundalike"), str(int(self._replaces)),
                gvariant_string("soundalike"), gvariant_string(summary),
                gvariant_string(html.escape(body, quote=False)), "@as []",
                "{'desktop-entry': <'soundalike'>, 'category': <'x-gnome.music'>}",
                str(EXPIRE_MS)]
        proc = QProcess(self)
        proc.finished.connect(lambda *_: self._done(proc))
        self._procs.append(proc)
        proc.start(self._gdbus, args)

    def _done(self, proc: QProcess) -> None:
        out = bytes(proc.readAllStandardOutput()).decode(errors="replace")
        m = re.search(r"uint32 (\d+)", out)
        if m:
            self._replaces = int(m.group(1))
        elif proc.exitCode() != 0:
            log.info("notification not shown: %s",
                     bytes(proc.readAllStandardError()).decode(errors="replace").strip())
        if proc in self._procs:
            self._procs.remove(proc)
        proc.deleteLater()

    def wait(self, ms: int = 3000) -> None:
        for proc in list(self._procs):
            proc.waitForFinished(ms)


class Tray(QObject):
    """The tray icon: a click shows or hides *window*; its menu plays, pauses, skips,
    shows the window and quits. :meth:`set_enabled` shows it only where a tray exists."""

    quit_requested = Signal()

    def __init__(self, player: Player, window: QWidget, parent=None):
        super().__init__(parent)
        self.player = player
        self.window = window
        self.icon = QSystemTrayIcon(theme.app_icon(), self)
        self.icon.setToolTip("Soundalike")
        self.menu = QMenu(window)
        self.menu.setAccessibleName(self.tr("Tray menu"))
        self.play_action = self._add(self.tr("Play"), player.toggle)
        self.next_action = self._add(self.tr("Next"), player.next)
        self.previous_action = self._add(self.tr("Previous"), player.previous)
        self.menu.addSeparator()
        self.show_action = self._add(self.tr("Show Soundalike"), self.toggle_window)
        self.quit_action = self._add(self.tr("Quit"), self.quit_requested.emit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        player.playing_changed.connect(self._on_playing)
        player.current_changed.connect(self._on_track)

    def _add(self, text: str, slot) -> QAction:
        action = self.menu.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    @property
    def visible(self) -> bool:
        return self.icon.isVisible()

    def set_enabled(self, enabled: bool) -> None:
        self.icon.setVisible(bool(enabled) and self.available())

    def toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self.window.showNormal()
            self.window.raise_()
            self.window.activateWindow()
        self.show_action.setText(self.tr("Hide Soundalike") if self.window.isVisible()
                                 else self.tr("Show Soundalike"))

    def _on_activated(self, reason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_window()
        elif reason == QSystemTrayIcon.ActivationReason.MiddleClick:
            self.player.toggle()

    def _on_playing(self, playing: bool) -> None:
        self.play_action.setText(self.tr("Pause") if playing else self.tr("Play"))

    def _on_track(self, row: Row | None) -> None:
        self.icon.setToolTip(f"{row.display_title} — {row.display_artist}" if row
                             else "Soundalike")
