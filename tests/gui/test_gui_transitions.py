"""Gapless (the next track preloaded in a second QMediaPlayer) and the radio's crossfade,
with the real player on real files (offscreen there is no audio device, but decoding,
positions and end of media are real). The gap itself is measured on a real audio sink by
benchmarks/gapless.py."""

from __future__ import annotations

from gui_fixtures import SR, tone, write_song
from PySide6.QtMultimedia import QMediaPlayer

from soundalike.gui.library_query import Row
from soundalike.gui.player import Player
from soundalike.gui.queue_model import QueueModel
from soundalike.library.listening.loudness import GainMode, GainSettings


def songs(folder, n=2, seconds=2.0):
    rows = []
    for i in range(n):
        path = write_song(folder, f"t{i}", f"Track {i}", "Band", "Rock",
                          tone(330 * (i + 1), seconds, SR), album="One Album")
        rows.append(Row(i + 1, str(path), f"Track {i}", "Band", "One Album", "Rock", None,
                        seconds, "analysed", None, None, i + 1))
    return rows


def watch(player):
    events = []
    player.current_changed.connect(lambda r: events.append(("track", r.title if r else None)))
    player.playing_changed.connect(lambda p: events.append(("playing", p)))
    return events


def test_gapless_preloads_the_next_track_into_the_other_player(qtbot, tmp_path):
    rows = songs(tmp_path)
    player = Player(QueueModel())
    player.set_gain_settings(GainSettings(mode=GainMode.OFF))
    player.set_transitions(gapless=True, crossfade_s=0)
    events = watch(player)
    player.play_rows(rows)
    first = player.media
    qtbot.waitUntil(lambda: not player._other.media.source().isEmpty(), timeout=8000)
    assert player._other.media.source().toLocalFile() == rows[1].path  # preloaded
    qtbot.waitUntil(lambda: ("track", "Track 1") in events, timeout=8000)
    assert player.media is not first                 # Track 1 plays on the other player
    qtbot.waitUntil(lambda: first.source().isEmpty(), timeout=3000)  # the old one unloads
    qtbot.waitUntil(lambda: events[-1:] == [("track", None)], timeout=8000)
    between = events[events.index(("track", "Track 0")):events.index(("track", "Track 1"))]
    assert ("playing", False) not in between         # never stopped in between
    assert [e for e in events if e[0] == "track"] == [
        ("track", "Track 0"), ("track", "Track 1"), ("track", None)]


def test_without_gapless_one_player_stops_and_reloads(qtbot, tmp_path):
    rows = songs(tmp_path)
    player = Player(QueueModel())
    player.set_transitions(gapless=False, crossfade_s=0)
    events = watch(player)
    player.play_rows(rows)
    first = player.media
    qtbot.waitUntil(lambda: ("track", "Track 1") in events, timeout=8000)
    assert player.media is first and player._other.media.source().isEmpty()
    qtbot.waitUntil(lambda: events[-1:] == [("track", None)], timeout=8000)


def test_the_radio_crossfades_with_two_volume_ramps(qtbot, tmp_path):
    rows = songs(tmp_path, seconds=3.0)
    player = Player(QueueModel())
    player.set_gain_settings(GainSettings(mode=GainMode.OFF))
    player.set_volume(0.6)
    player.set_transitions(gapless=True, crossfade_s=1.0)
    player.set_radio(True)
    events = watch(player)
    player.play_rows(rows)
    both: list[tuple[float, float]] = []
    playing = QMediaPlayer.PlaybackState.PlayingState

    def sample():
        a, b = player._decks
        if a.media.playbackState() == playing and b.media.playbackState() == playing:
            both.append((a.audio.volume(), b.audio.volume()))
        return ("track", "Track 1") in events and player._fading_out is None

    qtbot.waitUntil(sample, timeout=10000)
    # both played at once, at volumes between silence and the user's, one rising, one falling
    middle = [(x, y) for x, y in both if 0.05 < x < 0.55 and 0.05 < y < 0.55]
    assert middle, both
    assert abs(player.audio.volume() - 0.6) < 1e-6   # the new track ends the fade at full
    assert player._other.media.source().isEmpty()    # the old one is unloaded
    player.stop()


def test_no_crossfade_outside_the_radio(qtbot, tmp_path):
    rows = songs(tmp_path, seconds=3.0)
    player = Player(QueueModel())
    player.set_transitions(gapless=True, crossfade_s=1.0)
    player.set_radio(False)
    events = watch(player)
    player.play_rows(rows)
    faded = []
    qtbot.waitUntil(lambda: faded.append(player._fade_timer.isActive()) or
                    ("track", "Track 1") in events, timeout=10000)
    assert not any(faded)
    player.stop()
