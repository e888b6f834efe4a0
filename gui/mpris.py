"""MPRIS2 over QtDBus: media keys and desktop widgets control the player.

Registers ``org.mpris.MediaPlayer2.soundalike`` at ``/org/mpris/MediaPlayer2`` with the
``org.mpris.MediaPlayer2`` and ``org.mpris.MediaPlayer2.Player`` interfaces
(https://specifications.freedesktop.org/mpris-spec/latest/). When there is no session
bus (tests, CI, other systems) :class:`Mpris` does nothing and says so in
:attr:`Mpris.available`.
"""

from __future__ import annotations

from PySide6.QtCore import ClassInfo, Property, QObject, QUrl, Slot
from PySide6.QtDBus import QDBusAbstractAdaptor, QDBusConnection, QDBusMessage, QDBusObjectPath
from PySide6.QtMultimedia import QMediaPlayer

from soundalike.gui.covers import CoverLoader
from soundalike.gui.player import Player

SERVICE = "org.mpris.MediaPlayer2.soundalike"
OBJECT_PATH = "/org/mpris/MediaPlayer2"
ROOT_IFACE = "org.mpris.MediaPlayer2"
PLAYER_IFACE = "org.mpris.MediaPlayer2.Player"
NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"


def track_object_path(track_id: int) -> str:
    return f"/org/soundalike/track/{int(track_id)}"


@ClassInfo({"D-Bus Interface": ROOT_IFACE})
class RootAdaptor(QDBusAbstractAdaptor):
    """``org.mpris.MediaPlayer2``: identity, raise and quit."""

    def __init__(self, parent: QObject, window=None):
        super().__init__(parent)
        self.window = window

    @Slot()
    def Raise(self) -> None:
        if self.window is not None:
            self.window.showNormal()
            self.window.raise_()
            self.window.activateWindow()

    @Slot()
    def Quit(self) -> None:
        if self.window is not None:
            self.window.close()

    CanQuit = Property(bool, lambda self: True)
    CanRaise = Property(bool, lambda self: True)
    HasTrackList = Property(bool, lambda self: False)
    Identity = Property(str, lambda self: "Soundalike")
    DesktopEntry = Property(str, lambda self: "soundalike")
    SupportedUriSchemes = Property("QStringList", lambda self: ["file"])
    SupportedMimeTypes = Property("QStringList", lambda self: [
        "audio/mpeg", "audio/flac", "audio/ogg", "audio/opus", "audio/mp4", "audio/x-wav"])


@ClassInfo({"D-Bus Interface": PLAYER_IFACE})
class PlayerAdaptor(QDBusAbstractAdaptor):
    """``org.mpris.MediaPlayer2.Player``: transport controls, metadata, volume."""

    def __init__(self, parent: QObject, player: Player, covers: CoverLoader | None = None):
        super().__init__(parent)
        self.player = player
        self.covers = covers

    # methods
    @Slot()
    def Next(self) -> None:
        self.player.next()

    @Slot()
    def Previous(self) -> None:
        self.player.previous()

    @Slot()
    def Pause(self) -> None:
        self.player.pause()

    @Slot()
    def PlayPause(self) -> None:
        self.player.toggle()

    @Slot()
    def Stop(self) -> None:
        self.player.stop()

    @Slot()
    def Play(self) -> None:
        self.player.play()

    @Slot("qlonglong")
    def Seek(self, offset_us: int) -> None:
        self.player.seek(self.player.position_ms() + offset_us // 1000)

    @Slot(QDBusObjectPath, "qlonglong")
    def SetPosition(self, track: QDBusObjectPath, position_us: int) -> None:
        current = self.player.current
        if current is not None and track.path() == track_object_path(current.id):
            self.player.seek(position_us // 1000)

    # properties
    def _status(self) -> str:
        state = self.player.media.playbackState()
        if state == QMediaPlayer.PlaybackState.PlayingState:
            return "Playing"
        if state == QMediaPlayer.PlaybackState.PausedState:
            return "Paused"
        return "Stopped"

    def _metadata(self) -> dict:
        return metadata(self.player, self.covers)

    def _volume(self) -> float:
        return float(self.player.volume())

    def _set_volume(self, value: float) -> None:
        self.player.set_volume(float(value))

    PlaybackStatus = Property(str, _status)
    Metadata = Property("QVariantMap", _metadata)
    Volume = Property(float, _volume, _set_volume)
    Position = Property("qlonglong", lambda self: int(self.player.position_ms()) * 1000)
    Rate = Property(float, lambda self: 1.0)
    MinimumRate = Property(float, lambda self: 1.0)
    MaximumRate = Property(float, lambda self: 1.0)
    CanGoNext = Property(bool, lambda self: self.player.queue.remaining() > 0)
    CanGoPrevious = Property(bool, lambda self: self.player.queue.current > 0)
    CanPlay = Property(bool, lambda self: self.player.queue.rowCount() > 0)
    CanPause = Property(bool, lambda self: self.player.current is not None)
    CanSeek = Property(bool, lambda self: self.player.current is not None)
    CanControl = Property(bool, lambda self: True)


def metadata(player: Player, covers: CoverLoader | None = None) -> dict:
    """The MPRIS ``Metadata`` map of the current track (``mpris:artUrl``: the cached
    thumbnail of its cover, when *covers* has found one)."""
    item = player.current
    if item is None:
        return {"mpris:trackid": QDBusObjectPath(NO_TRACK)}
    meta = {"mpris:trackid": QDBusObjectPath(track_object_path(item.id)),
            "xesam:title": item.display_title,
            "xesam:artist": [item.display_artist],
            "xesam:url": "file://" + item.path}
    if item.album:
        meta["xesam:album"] = item.album
    art = covers.art_file(item.path) if covers is not None else None
    if art:
        meta["mpris:artUrl"] = QUrl.fromLocalFile(art).toString()
    length_ms = player.duration_ms() or int((item.duration or 0) * 1000)
    if length_ms > 0:
        meta["mpris:length"] = int(length_ms) * 1000
    return meta


class Mpris(QObject):
    """Publishes a :class:`Player` on the session bus (or *connection*) while it lives."""

    def __init__(self, player: Player, window=None, connection: QDBusConnection | None = None,
                 service: str = SERVICE, *, covers: CoverLoader | None = None):
        super().__init__(window)
        self.player = player
        self.service = service
        self.root = QObject(self)
        self.root_adaptor = RootAdaptor(self.root, window)
        self.player_adaptor = PlayerAdaptor(self.root, player, covers)
        self.connection = connection if connection is not None else QDBusConnection.sessionBus()
        self.available = False
        if self.connection.isConnected():
            ok = self.connection.registerObject(OBJECT_PATH, self.root)
            self.available = ok and self.connection.registerService(service)
        if self.available:
            player.playing_changed.connect(lambda _p: self._changed("PlaybackStatus"))
            player.current_changed.connect(lambda _t: self._changed("Metadata", "CanGoNext",
                                                                    "CanGoPrevious"))
            player.duration_changed.connect(lambda _d: self._changed("Metadata"))
            player.volume_changed.connect(lambda _v: self._changed("Volume"))
            if covers is not None:  # the cover is found after the track started
                covers.ready.connect(self._cover_ready)

    def _cover_ready(self, path: str) -> None:
        current = self.player.current
        if current is not None and current.path == path:
            self._changed("Metadata")

    def _changed(self, *names: str) -> None:
        """Emit ``org.freedesktop.DBus.Properties.PropertiesChanged`` for *names*."""
        values = {name: getattr(self.player_adaptor, name) for name in names}
        msg = QDBusMessage.createSignal(OBJECT_PATH, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged")
        msg.setArguments([PLAYER_IFACE, values, []])
        self.connection.send(msg)

    def close(self) -> None:
        if self.available:
            self.connection.unregisterService(self.service)
            self.connection.unregisterObject(OBJECT_PATH)
            self.available = False
