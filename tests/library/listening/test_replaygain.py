"""ReplayGain tags read from real files in each tag scheme, and the gain the player applies."""

from __future__ import annotations

import math

import mutagen
import pytest
from mutagen.id3 import TXXX
from mutagen.mp4 import MP4FreeForm

from soundalike.library.files.tags import ReplayGain, read_replaygain
from soundalike.library.listening.loudness import (
    ESTIMATE_LIMIT_DB,
    ESTIMATE_OFFSET_DB,
    REFERENCE_LUFS,
    GainMode,
    GainSettings,
    GainSource,
    album_loudness_db,
    choose_gain,
    estimate_gain_db,
)

VALUES = {"track_gain": -7.25, "track_peak": 0.98, "album_gain": -6.5, "album_peak": 1.02}


def write_replaygain(path, kind: str, values: dict = VALUES) -> None:
    """Write ReplayGain tags the way taggers do for each format."""
    texts = {"replaygain_track_gain": f"{values['track_gain']:+.2f} dB",
             "replaygain_track_peak": f"{values['track_peak']:.6f}",
             "replaygain_album_gain": f"{values['album_gain']:+.2f} dB",
             "replaygain_album_peak": f"{values['album_peak']:.6f}"}
    audio = mutagen.File(str(path))
    if audio.tags is None:
        audio.add_tags()
    if kind == "mp3":  # ID3 TXXX, upper-case descriptions (foobar2000 writes lower case)
        for key, text in texts.items():
            audio.tags.add(TXXX(encoding=3, desc=key.upper(), text=[text]))
    elif kind in ("m4a", "alac"):  # iTunes freeform atoms
        for key, text in texts.items():
            audio.tags[f"----:com.apple.iTunes:{key}"] = [MP4FreeForm(text.encode())]
    elif kind in ("flac", "ogg"):  # Vorbis comments
        for key, text in texts.items():
            audio.tags[key.upper()] = [text]
    elif kind == "wv":  # APEv2
        for key, text in texts.items():
            audio.tags[key.upper()] = text
    else:
        raise ValueError(kind)
    audio.save()


@pytest.mark.parametrize("kind", ["mp3", "m4a", "alac", "flac", "ogg", "wv"])
def test_replaygain_tags_are_read_in_every_scheme(kind, tmp_path, copy_audio):
    from audio_formats import FORMATS

    path = copy_audio(kind, tmp_path / f"song.{FORMATS[kind][0]}")
    assert read_replaygain(str(path)).empty
    write_replaygain(path, kind)
    rg = read_replaygain(str(path))
    for name, value in VALUES.items():
        assert getattr(rg, name) == pytest.approx(value, abs=1e-4), name


def test_opus_r128_gains_are_converted_to_the_replaygain_reference(tmp_path, copy_audio):
    path = copy_audio("opus", tmp_path / "song.opus")
    audio = mutagen.File(str(path))
    audio.tags["R128_TRACK_GAIN"] = [str(-2560)]   # −10 dB relative to −23 LUFS
    audio.tags["R128_ALBUM_GAIN"] = ["-1280"]      # −5 dB
    audio.save()
    rg = read_replaygain(str(path))
    assert rg.track_gain == pytest.approx(-5.0)    # −10 dB at −23 LUFS is −5 dB at −18
    assert rg.album_gain == pytest.approx(0.0)
    assert rg.track_peak is None


def test_unreadable_and_junk_values_give_no_gain(tmp_path, copy_audio):
    text = tmp_path / "notes.mp3"
    text.write_text("not audio")
    assert read_replaygain(str(text)) == ReplayGain()
    assert read_replaygain(str(tmp_path / "gone.flac")) == ReplayGain()
    path = copy_audio("flac", tmp_path / "junk.flac")
    audio = mutagen.File(str(path))
    audio.tags["REPLAYGAIN_TRACK_GAIN"] = ["loud"]
    audio.tags["REPLAYGAIN_TRACK_PEAK"] = ["-3"]
    audio.tags["REPLAYGAIN_ALBUM_GAIN"] = ["-3,5 dB"]  # a decimal comma (some taggers)
    audio.save()
    rg = read_replaygain(str(path))
    assert rg.track_gain is None and rg.track_peak is None
    assert rg.album_gain == pytest.approx(-3.5)


RG = ReplayGain(track_gain=-7.0, track_peak=0.5, album_gain=-4.0, album_peak=0.9)


def test_modes_pick_track_or_album_gain():
    off = choose_gain(RG, GainSettings(mode=GainMode.OFF))
    assert off.db == 0 and off.factor == 1.0 and off.source is GainSource.NONE
    track = choose_gain(RG, GainSettings(mode=GainMode.TRACK), in_album=True)
    assert (track.db, track.source) == (-7.0, GainSource.TRACK_TAGS)
    album = choose_gain(RG, GainSettings(mode=GainMode.ALBUM))
    assert (album.db, album.source) == (-4.0, GainSource.ALBUM_TAGS)
    auto = GainSettings(mode=GainMode.AUTO)
    assert choose_gain(RG, auto, in_album=True).source is GainSource.ALBUM_TAGS
    assert choose_gain(RG, auto, in_album=False).source is GainSource.TRACK_TAGS
    # an album mode without album tags falls back to the track's
    only_track = ReplayGain(track_gain=-3.0)
    assert choose_gain(only_track, GainSettings(mode=GainMode.ALBUM)).db == -3.0
    assert choose_gain(RG, GainSettings(mode=GainMode.TRACK)).factor == pytest.approx(
        10 ** (-7 / 20))


def test_preamp_and_clipping_prevention_by_peak():
    loud_peak = ReplayGain(track_gain=4.0, track_peak=0.8)   # +4 dB would clip: 0.8·1.58
    limited = choose_gain(loud_peak, GainSettings(mode=GainMode.TRACK))
    assert limited.limited
    assert limited.db == pytest.approx(-20 * math.log10(0.8))
    assert 0.8 * limited.factor == pytest.approx(1.0)
    free = choose_gain(loud_peak, GainSettings(mode=GainMode.TRACK, prevent_clipping=False))
    assert free.db == 4.0 and not free.limited
    pre = choose_gain(RG, GainSettings(mode=GainMode.TRACK, preamp_db=3.0))
    assert pre.db == -4.0 and not pre.limited   # peak 0.5 leaves 6 dB of headroom
    pre = choose_gain(RG, GainSettings(mode=GainMode.TRACK, preamp_db=15.0))
    assert pre.limited and pre.db == pytest.approx(6.0206, abs=1e-3)


def test_untagged_tracks_are_levelled_from_the_analysis():
    untagged = ReplayGain()
    s = GainSettings(mode=GainMode.AUTO)
    gain = choose_gain(untagged, s, track_loudness_db=-14.0)
    assert gain.source is GainSource.TRACK_ESTIMATE
    assert gain.db == pytest.approx(REFERENCE_LUFS - (-14.0 + ESTIMATE_OFFSET_DB))
    album = choose_gain(untagged, s, in_album=True, track_loudness_db=-14.0,
                        album_loudness=-20.0)
    assert album.source is GainSource.ALBUM_ESTIMATE
    assert album.db == pytest.approx(REFERENCE_LUFS - (-20.0 + ESTIMATE_OFFSET_DB))
    assert choose_gain(untagged, GainSettings(level_untagged=False),
                       track_loudness_db=-14.0).source is GainSource.NONE
    assert choose_gain(untagged, s).source is GainSource.NONE          # not analysed yet
    assert estimate_gain_db(-100.0) is None                             # silence
    assert estimate_gain_db(-60.0) == ESTIMATE_LIMIT_DB                 # capped
    assert estimate_gain_db(float("nan")) is None
    # energy mean: a −10 and a −20 dB track average to −12.6 dB, not −15
    assert album_loudness_db([-10.0, -20.0, -100.0]) == pytest.approx(-12.596, abs=1e-3)
    assert album_loudness_db([]) is None
