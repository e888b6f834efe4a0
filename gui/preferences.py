"""The player's own preferences (this computer's, not the library's): loudness,
gapless and crossfade, notifications and the tray. Kept in QSettings under
``playback/*`` and ``desktop/*``, next to the window layout and the volume.

:class:`Preferences` loads and saves :class:`PlayerSettings` and says when they changed;
the window applies them to the player and the desktop integration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QSettings, Signal

from soundalike.library.listening.loudness import GainMode, GainSettings

PREAMP_RANGE_DB = (-15.0, 15.0)


@dataclass(slots=True)
class PlayerSettings:
    gain: GainSettings = field(default_factory=GainSettings)
    gapless: bool = True
    #: the radio's crossfade (s); 0: none
    crossfade_s: float = 0.0
    #: a desktop notification when the track changes (opt-in)
    notify: bool = False
    #: closing the window hides it to the tray (opt-in; only where a tray exists)
    close_to_tray: bool = False


def _bool(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _float(settings: QSettings, key: str, default: float, lo: float, hi: float) -> float:
    try:
        value = float(settings.value(key, default))
    except (TypeError, ValueError):
        return default
    return max(lo, min(hi, value)) if value == value else default


class Preferences(QObject):
    """:class:`PlayerSettings` in a QSettings; :attr:`changed` after :meth:`save`."""

    changed = Signal(object)

    def __init__(self, settings: QSettings, parent=None):
        super().__init__(parent)
        self.settings = settings

    def load(self) -> PlayerSettings:
        s = self.settings
        try:
            mode = GainMode(str(s.value("playback/replaygain", GainMode.AUTO)))
        except ValueError:
            mode = GainMode.AUTO
        gain = GainSettings(mode=mode,
                            preamp_db=_float(s, "playback/preamp_db", 0.0, *PREAMP_RANGE_DB),
                            prevent_clipping=_bool(s, "playback/prevent_clipping", True),
                            level_untagged=_bool(s, "playback/level_untagged", True))
        return PlayerSettings(gain=gain, gapless=_bool(s, "playback/gapless", True),
                              crossfade_s=_float(s, "playback/crossfade_s", 0.0, 0.0, 12.0),
                              notify=_bool(s, "desktop/notify", False),
                              close_to_tray=_bool(s, "desktop/close_to_tray", False))

    def save(self, ps: PlayerSettings) -> None:
        s = self.settings
        s.setValue("playback/replaygain", str(ps.gain.mode))
        s.setValue("playback/preamp_db", float(ps.gain.preamp_db))
        s.setValue("playback/prevent_clipping", bool(ps.gain.prevent_clipping))
        s.setValue("playback/level_untagged", bool(ps.gain.level_untagged))
        s.setValue("playback/gapless", bool(ps.gapless))
        s.setValue("playback/crossfade_s", float(ps.crossfade_s))
        s.setValue("desktop/notify", bool(ps.notify))
        s.setValue("desktop/close_to_tray", bool(ps.close_to_tray))
        s.sync()
        self.changed.emit(ps)
