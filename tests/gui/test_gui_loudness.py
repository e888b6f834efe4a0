"""ReplayGain tags of real files and the analysis's loudness reach the real audio
output's volume."""

from __future__ import annotations

import math
import sys
import threading

import mutagen
import pytest
from gui_fixtures import SR, tone, write_song
from shiboken6 import Shiboken

from soundalike.gui.library_query import Row
from soundalike.gui.player import Player
from soundalike.gui.queue_model import QueueModel
from soundalike.library.listening.loudness import (
    ESTIMATE_OFFSET_DB,
    REFERENCE_LUFS,
    GainMode,
    GainSettings,
    GainSource,
)


def tagged_song(folder, stem, *, track_gain=None, album_gain=None, track_peak=None,
                album="Loud Album", tracknumber=1, seconds=3.0):
    path = write_song(folder, stem, stem.title(), "Band", "Rock", tone(440, seconds, SR),
                      album=album)
    audio = mutagen.File(str(path))
    for key, value in (("REPLAYGAIN_TRACK_GAIN", track_gain),
                       ("REPLAYGAIN_ALBUM_GAIN", album_gain),
                       ("REPLAYGAIN_TRACK_PEAK", track_peak)):
        if value is not None:
            audio[key] = f"{value:+.2f} dB" if "GAIN" in key else f"{value:.6f}"
    audio.save()
    return Row(tracknumber, str(path), stem.title(), "Band", album, "Rock", None, seconds,
               "analysed", None, None, tracknumber)


def db(volume: float) -> float:
    return 20 * math.log10(volume)


def test_replaygain_tags_set_the_real_outputs_volume(qtbot, tmp_path):
    rows = [tagged_song(tmp_path, "one", track_gain=-9.0, album_gain=-6.0, tracknumber=1),
            tagged_song(tmp_path, "two", track_gain=-3.0, album_gain=-6.0, tracknumber=2)]
    player = Player(QueueModel())
    assert all(not Shiboken.createdByPython(d.audio) for d in player._decks)
    player.set_volume(0.8)
    player.set_gain_settings(GainSettings(mode=GainMode.TRACK))
    player.play_rows(rows)
    qtbot.waitUntil(player.is_playing, timeout=5000)
    assert player.gain.source is GainSource.TRACK_TAGS
    assert db(player.audio.volume()) == pytest.approx(db(0.8) - 9.0, abs=0.05)
    assert player.volume() == pytest.approx(0.8)   # the slider's value is the user's
    # album mode: both tracks at the album's gain
    player.set_gain_settings(GainSettings(mode=GainMode.ALBUM))
    assert db(player.audio.volume()) == pytest.approx(db(0.8) - 6.0, abs=0.05)
    # auto: the album plays in order (track 1 then 2 in the queue) → album gain
    player.set_gain_settings(GainSettings(mode=GainMode.AUTO))
    assert player.gain.source is GainSource.ALBUM_TAGS
    player.queue.move([1], 0)                      # now out of order: track gain
    player.set_gain_settings(GainSettings(mode=GainMode.AUTO))
    assert player.gain.source is GainSource.TRACK_TAGS
    # the preamp adds; moving the volume slider keeps the gain
    player.set_gain_settings(GainSettings(mode=GainMode.TRACK, preamp_db=3.0))
    player.set_volume(0.5)
    assert db(player.audio.volume()) == pytest.approx(db(0.5) - 9.0 + 3.0, abs=0.05)
    player.set_gain_settings(GainSettings(mode=GainMode.OFF))
    assert player.audio.volume() == pytest.approx(0.5)
    player.stop()


def test_a_positive_gain_is_held_below_clipping_by_the_peak(qtbot, tmp_path):
    rows = [tagged_song(tmp_path, "quiet", track_gain=+8.0, track_peak=0.5)]
    player = Player(QueueModel())
    player.set_volume(0.25)
    player.set_gain_settings(GainSettings(mode=GainMode.TRACK))
    player.play_rows(rows)
    qtbot.waitUntil(player.is_playing, timeout=5000)  # its level is read before it starts
    # +8 dB would take a 0.5 peak past full scale: limited to +6.02 dB
    assert player.gain.limited
    assert db(player.audio.volume()) == pytest.approx(db(0.25) + 6.02, abs=0.05)
    player.set_gain_settings(GainSettings(mode=GainMode.TRACK, prevent_clipping=False))
    assert db(player.audio.volume()) == pytest.approx(db(0.25) + 8.0, abs=0.05)
    player.set_volume(1.0)
    assert player.audio.volume() == 1.0   # an output never goes above full scale
    player.stop()


def test_untagged_tracks_are_levelled_from_the_library_analysis(window, qtbot):
    """The session library's songs carry no ReplayGain tags: their level comes from the
    analysis's loudness_db (read from the real database)."""
    window.player.set_gain_settings(GainSettings(mode=GainMode.TRACK))
    rows = window.resolve_rows(window.model.track_ids())
    window.player.play_rows(rows)
    qtbot.waitUntil(window.player.is_playing, timeout=5000)
    own, _album = window.reader.loudness(rows[0].id)
    assert own is not None and own < 0
    expected = REFERENCE_LUFS - (own + ESTIMATE_OFFSET_DB)
    assert window.player.gain.source is GainSource.TRACK_ESTIMATE
    assert window.player.gain.db == pytest.approx(expected, abs=1e-3)
    user = window.player.volume()
    assert window.player.audio.volume() == pytest.approx(
        min(1.0, user * 10 ** (expected / 20)), abs=1e-4)
    window.player.stop()


#: while a test collects them: (path, thread ident) of every file Python opens. The hook
#: stays for the session (hooks cannot be removed), so it is inert otherwise, and it uses
#: get_ident(): current_thread() would register Qt's pool threads as dummy threads.
_opened: list[list[tuple[str, int]]] = []


def _audit(event, args):
    if _opened and event == "open" and args and isinstance(args[0], str):
        _opened[0].append((args[0], threading.get_ident()))


sys.addaudithook(_audit)


def test_a_track_start_reads_neither_tags_nor_the_library_on_the_ui_thread(qtbot, tmp_path):
    """Its tags (mutagen opens the file) and the library's loudness of an untagged track
    are read on a worker thread; the UI thread only sets the source once they are in."""
    tagged = tagged_song(tmp_path, "tagged", track_gain=-9.0, tracknumber=1)
    untagged = tagged_song(tmp_path, "untagged", tracknumber=2)
    looked_up: list[int] = []

    def loudness(track_id):  # what the window passes: the library's analysis loudness
        looked_up.append(threading.get_ident())
        return -20.0, None

    player = Player(QueueModel(), loudness=loudness)
    player.set_gain_settings(GainSettings(mode=GainMode.TRACK))
    ui = threading.get_ident()
    for row in (tagged, untagged):
        _opened[:] = [[]]
        try:
            player.play_rows([row])
            qtbot.waitUntil(player.is_playing, timeout=5000)
        finally:
            opened = _opened.pop()
        readers = [t for path, t in opened if path == row.path]
        assert readers and ui not in readers  # mutagen read it, not on the UI thread
    assert player.gain.source is GainSource.TRACK_ESTIMATE
    assert looked_up and ui not in looked_up
    player.stop()
