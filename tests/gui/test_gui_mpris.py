"""MPRIS2: the adaptors drive the real player; on a real private D-Bus daemon (when
dbus-daemon is installed) dbus-send controls the player and reads its metadata."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtCore import QProcess
from PySide6.QtDBus import QDBusConnection

from soundalike.gui.mpris import SERVICE, Mpris, metadata, track_object_path


def test_without_a_bus_it_stays_silent_but_the_adaptors_work(player, qtbot):
    nowhere = QDBusConnection.connectToBus("unix:path=/nonexistent/bus", "soundalike-none")
    mpris = Mpris(player, connection=nowhere)
    assert not mpris.available
    assert metadata(player) == {"mpris:trackid": metadata(player)["mpris:trackid"]}
    adaptor = mpris.player_adaptor
    assert adaptor.PlaybackStatus == "Stopped" and adaptor.CanPlay
    adaptor.PlayPause()
    qtbot.waitUntil(lambda: adaptor.PlaybackStatus == "Playing", timeout=5000)
    meta = metadata(player)
    assert meta["xesam:title"] == "Song 0" and meta["xesam:artist"] == ["Singer"]
    assert meta["mpris:trackid"].path() == track_object_path(10)
    qtbot.waitUntil(lambda: metadata(player).get("mpris:length") == 5_000_000, timeout=5000)
    adaptor.Next()
    assert player.current.title == "Song 1"
    adaptor.Volume = 0.4
    assert abs(player.volume() - 0.4) < 1e-6
    adaptor.Pause()
    qtbot.waitUntil(lambda: adaptor.PlaybackStatus == "Paused", timeout=5000)


@pytest.mark.skipif(shutil.which("dbus-daemon") is None or shutil.which("dbus-send") is None,
                    reason="dbus-daemon is not installed")
def test_on_a_real_session_bus(player, qtbot):
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--print-address", "--nofork",
                               "--nopidfile"], stdout=subprocess.PIPE, text=True)
    try:
        address = daemon.stdout.readline().strip()
        bus = QDBusConnection.connectToBus(address, "soundalike-test-bus")
        assert bus.isConnected()
        mpris = Mpris(player, connection=bus)
        assert mpris.available

        def send(*args: str) -> str:
            proc = QProcess()
            proc.start("dbus-send", [f"--bus={address}", "--print-reply", f"--dest={SERVICE}",
                                     "/org/mpris/MediaPlayer2", *args])
            qtbot.waitUntil(lambda: proc.state() == QProcess.ProcessState.NotRunning,
                            timeout=10000)
            assert proc.exitCode() == 0, bytes(proc.readAllStandardError()).decode()
            return bytes(proc.readAllStandardOutput()).decode()

        send("org.mpris.MediaPlayer2.Player.PlayPause")
        qtbot.waitUntil(player.is_playing, timeout=5000)
        out = send("org.freedesktop.DBus.Properties.GetAll",
                   "string:org.mpris.MediaPlayer2.Player")
        assert '"Playing"' in out and '"Song 0"' in out and track_object_path(10) in out
        send("org.mpris.MediaPlayer2.Player.Next")
        assert player.current.title == "Song 1"
        out = send("org.freedesktop.DBus.Properties.Get", "string:org.mpris.MediaPlayer2",
                   "string:Identity")
        assert '"Soundalike"' in out
        mpris.close()
    finally:
        daemon.kill()
        daemon.wait()
