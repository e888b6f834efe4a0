"""Desktop manners: notifications on a real private D-Bus with a notification server,
the tray icon's menu and its fallback where there is no tray, the About dialog, and the
Playback/Desktop settings reaching the player."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtCore import ClassInfo, QObject, QSettings, Slot
from PySide6.QtDBus import QDBusAbstractAdaptor, QDBusConnection
from PySide6.QtWidgets import QDialog, QWidget

from soundalike.gui.about import AboutDialog, about_html, model_licence
from soundalike.gui.desktop import Notifier, Tray, gvariant_string
from soundalike.gui.mainwindow.actions import ActionName
from soundalike.gui.preferences import PlayerSettings, Preferences
from soundalike.library.listening.loudness import GainMode, GainSettings


@ClassInfo({"D-Bus Interface": "org.freedesktop.Notifications"})
class NotificationServer(QDBusAbstractAdaptor):
    """The freedesktop notification interface, as a notification daemon exports it: Qt
    matches the call's exact signature (susssasa{sv}i) against this slot."""

    def __init__(self, parent):
        super().__init__(parent)
        self.received: list[tuple] = []

    @Slot(str, "uint", str, str, str, "QStringList", "QVariantMap", int, result="uint")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):  # noqa: N802
        self.received.append((app, int(replaces), icon, summary, body, dict(hints), timeout))
        return 40 + len(self.received)

    @Slot(result="QStringList")
    def GetCapabilities(self):  # noqa: N802
        return ["body"]


needs_bus = pytest.mark.skipif(shutil.which("dbus-daemon") is None
                               or shutil.which("gdbus") is None,
                               reason="dbus-daemon or gdbus is not installed")


@needs_bus
def test_track_changes_are_notified_on_a_real_bus(player, qtbot):
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--print-address", "--nofork",
                               "--nopidfile"], stdout=subprocess.PIPE, text=True)
    try:
        address = daemon.stdout.readline().strip()
        bus = QDBusConnection.connectToBus(address, "notification-server")
        root = QObject()
        server = NotificationServer(root)
        assert bus.registerObject("/org/freedesktop/Notifications", root)
        assert bus.registerService("org.freedesktop.Notifications")
        notifier = Notifier(player, address=address)
        assert notifier.server_available()
        player.play_row(0)                     # opt-in: nothing while disabled
        qtbot.wait(300)
        assert server.received == []
        notifier.enabled = True
        player.play_row(0)
        qtbot.waitUntil(lambda: len(server.received) == 1, timeout=10000)
        notifier.wait()
        player.next()
        qtbot.waitUntil(lambda: len(server.received) == 2, timeout=10000)
        notifier.wait()
        (app, rid0, icon, summary, body, hints, timeout), second = server.received
        assert (app, icon, summary, body) == ("Soundalike", "soundalike", "Song 0",
                                              "Singer — Album")
        assert hints["desktop-entry"] == "soundalike" and timeout == 5000 and rid0 == 0
        assert second[3] == "Song 1" and second[1] == 41   # replaces the previous one
        bus.unregisterService("org.freedesktop.Notifications")
    finally:
        daemon.kill()
        daemon.wait()


def test_without_a_server_or_a_tray_nothing_is_sent(player):
    notifier = Notifier(player, address="unix:path=/nonexistent/bus")
    assert not notifier.server_available()
    assert notifier.notify("Song", "Singer") is False
    assert gvariant_string("it's a \\ test") == "'it\\'s a \\\\ test'"


def test_the_tray_menu_plays_pauses_and_skips(player, qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    tray = Tray(player, window)
    tray.play_action.trigger()
    qtbot.waitUntil(player.is_playing, timeout=5000)
    assert tray.play_action.text() == "Pause"
    tray.next_action.trigger()
    assert player.current.title == "Song 1"
    tray.previous_action.trigger()
    assert player.current.title == "Song 0"
    assert "Song 0" in tray.icon.toolTip()
    tray.play_action.trigger()
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5000)
    assert tray.play_action.text() == "Play"
    window.show()
    tray.toggle_window()
    assert not window.isVisible()
    tray.toggle_window()
    assert window.isVisible()
    # no system tray offscreen: enabling it shows nothing (and nothing breaks)
    assert not Tray.available()
    tray.set_enabled(True)
    assert not tray.visible


def test_close_to_tray_falls_back_to_closing_without_a_tray(window, qtbot):
    window.preferences.save(PlayerSettings(close_to_tray=True))
    assert not window.close_to_tray      # this desktop has no tray
    dialog = window.open_settings()
    assert not dialog.close_to_tray.isEnabled()
    assert "no system tray" in dialog.close_to_tray.toolTip()
    dialog.done(QDialog.DialogCode.Rejected)
    window.player.play_row(0)
    window.close()
    assert not window.isVisible()
    assert window.player.media.source().isEmpty()   # really closed: playback stopped


def test_about_dialog_names_the_licences(window, qtbot):
    name, notice = model_licence()
    assert name == "ISC"
    assert notice.startswith("Copyright (c) Music Technology Group")
    text = about_html()
    for needle in ("GPL-3.0-or-later", "ISC", "Music Technology Group", "mutagen",
                   "GPL-2.0-or-later", "LGPL-3.0", "Apache-2.0", "musicnn_msd.tflite"):
        assert needle in text, needle
    window.registry[ActionName.ABOUT].trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    assert "ISC" in dialog.text.toPlainText()
    dialog.done(QDialog.DialogCode.Rejected)


def test_playback_and_desktop_settings_reach_the_player(window, qtbot, settings):
    dialog = window.open_settings()
    assert dialog.tabs.count() == 3
    dialog.gain_mode.setCurrentIndex(dialog.gain_mode.findData("album"))
    dialog.preamp.setValue(2.5)
    dialog.prevent_clipping.setChecked(False)
    dialog.gapless.setChecked(False)
    dialog.crossfade.setValue(3.0)
    dialog.notify.setChecked(True)
    dialog.done(QDialog.DialogCode.Accepted)
    player = window.player
    assert player.gain_settings == GainSettings(mode=GainMode.ALBUM, preamp_db=2.5,
                                                prevent_clipping=False, level_untagged=True)
    assert (player.gapless, player.crossfade_s) == (False, 3.0)
    assert window.notifier.enabled
    again = Preferences(QSettings(settings.fileName(), QSettings.Format.IniFormat)).load()
    assert again.gain == player.gain_settings and again.crossfade_s == 3.0 and again.notify
    # junk in the settings file falls back to the defaults
    settings.setValue("playback/replaygain", "loudest")
    settings.setValue("playback/preamp_db", "much")
    junk = Preferences(settings).load()
    assert junk.gain.mode is GainMode.AUTO and junk.gain.preamp_db == 0.0
