"""Helpers writing real audio for library tests: synthesised tones written with soundfile /
PyAV and tagged with mutagen. Imported by tests/library/conftest.py (which puts this folder
on sys.path) and by the library tests as ``from audio_files import …``."""

from __future__ import annotations

import os
from pathlib import Path

import av
import mutagen
import numpy as np
import soundfile as sf
from mutagen.id3 import TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, TXXX, UFID

SR = 44100
TAGS = {
    "title": "Tone Song", "artist": "Test Artist", "album": "Test Album",
    "albumartist": "Various", "genre": "Ambient", "tracknumber": 7, "discnumber": 2,
    "year": 2001, "mb_trackid": "6b3c9f1e-0000-4000-8000-000000000001",
    "mb_albumid": "6b3c9f1e-0000-4000-8000-000000000002",
    "mb_artistid": "6b3c9f1e-0000-4000-8000-000000000003",
}

# name → (extension, codec reported by tags.read_tags, writer, can carry tags)
FORMATS = {
    "wav": ("wav", "pcm", "sf", True),
    "aiff": ("aiff", "pcm", "sf", True),
    "flac": ("flac", "flac", "sf", True),
    "ogg": ("ogg", "vorbis", "sf", True),
    "mp3": ("mp3", "mp3", "sf", True),
    "m4a": ("m4a", "aac", "av", True),
    "alac": ("m4a", "alac", "av", True),
    "opus": ("opus", "opus", "av", True),
    "wma": ("wma", "wma", "av", True),
    "wv": ("wv", "wavpack", "av", True),
    "aac": ("aac", "aac", "av", False),  # raw ADTS has no tag block
}
_AV = {"m4a": ("aac", "ipod"), "alac": ("alac", "ipod"), "opus": ("libopus", "ogg"),
       "wma": ("wmav2", "asf"), "wv": ("wavpack", "wv"), "aac": ("aac", "adts")}
_SF = {"wav": ("WAV", "PCM_16"), "aiff": ("AIFF", "PCM_16"), "flac": ("FLAC", "PCM_16"),
       "ogg": ("OGG", "VORBIS"), "mp3": ("MP3", "MPEG_LAYER_III")}


def tone(seconds: float = 1.0, freq: float = 440.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    noise = np.random.default_rng(seed).normal(0, 0.02, t.size)
    return (0.3 * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


def _write_av(path: Path, kind: str, y: np.ndarray) -> None:
    codec, container = _AV[kind]
    rate = 48000 if kind == "opus" else SR
    if rate != SR:
        y = np.interp(np.arange(int(y.size * rate / SR)) * SR / rate, np.arange(y.size),
                      y).astype(np.float32)
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        if kind == "wma":
            stream.bit_rate = 64000
        n = stream.codec_context.frame_size or 1024
        for i in range(0, y.size, n):
            frame = av.AudioFrame.from_ndarray(y[None, i:i + n], format="flt", layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def write_audio(path: Path, kind: str, *, seconds: float = 1.0, freq: float = 440.0,
                seed: int = 0) -> Path:
    """Write a real audio file of format *kind* (a FORMATS key) at *path*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    y = tone(seconds, freq, seed=seed)
    if FORMATS[kind][2] == "sf":
        fmt, subtype = _SF[kind]
        sf.write(str(path), y, SR, format=fmt, subtype=subtype)
    else:
        _write_av(path, kind, y)
    return path


def tag_file(path: Path, kind: str, tags: dict = TAGS) -> None:
    """Write *tags* into the file with mutagen, in that format's own tag scheme."""
    t = {k: str(v) for k, v in tags.items()}
    if kind in ("mp3", "m4a", "alac"):
        audio = mutagen.File(str(path), easy=True)
        if audio.tags is None:
            audio.add_tags()
        for key in ("title", "artist", "album", "albumartist", "genre", "tracknumber",
                    "discnumber"):
            audio[key] = t[key]
        audio["date"] = t["year"]
        audio["musicbrainz_trackid"] = t["mb_trackid"]
        audio["musicbrainz_albumid"] = t["mb_albumid"]
        audio["musicbrainz_artistid"] = t["mb_artistid"]
        audio.save()
    elif kind in ("flac", "ogg", "opus"):
        audio = mutagen.File(str(path))
        if audio.tags is None:
            audio.add_tags()
        for key in ("title", "artist", "album", "albumartist", "genre", "tracknumber",
                    "discnumber"):
            audio[key] = t[key]
        audio["date"] = t["year"] + "-05-01"
        audio["musicbrainz_trackid"] = t["mb_trackid"]
        audio["musicbrainz_albumid"] = t["mb_albumid"]
        audio["musicbrainz_artistid"] = t["mb_artistid"]
        audio.save()
    elif kind in ("wav", "aiff"):
        audio = mutagen.File(str(path))
        audio.add_tags()
        id3 = audio.tags
        id3.add(TIT2(encoding=3, text=t["title"]))
        id3.add(TPE1(encoding=3, text=t["artist"]))
        id3.add(TALB(encoding=3, text=t["album"]))
        id3.add(TPE2(encoding=3, text=t["albumartist"]))
        id3.add(TCON(encoding=3, text=t["genre"]))
        id3.add(TRCK(encoding=3, text=t["tracknumber"] + "/12"))
        id3.add(TPOS(encoding=3, text=t["discnumber"]))
        id3.add(TDRC(encoding=3, text=t["year"]))
        id3.add(UFID(owner="http://musicbrainz.org", data=t["mb_trackid"].encode()))
        id3.add(TXXX(encoding=3, desc="MusicBrainz Album Id", text=t["mb_albumid"]))
        id3.add(TXXX(encoding=3, desc="MusicBrainz Artist Id", text=t["mb_artistid"]))
        audio.save()
    elif kind == "wma":
        audio = mutagen.File(str(path))
        for key, name in (("title", "Title"), ("artist", "Author"),
                          ("album", "WM/AlbumTitle"), ("albumartist", "WM/AlbumArtist"),
                          ("genre", "WM/Genre"), ("tracknumber", "WM/TrackNumber"),
                          ("discnumber", "WM/PartOfSet"), ("year", "WM/Year"),
                          ("mb_trackid", "MusicBrainz/Track Id"),
                          ("mb_albumid", "MusicBrainz/Album Id"),
                          ("mb_artistid", "MusicBrainz/Artist Id")):
            audio[name] = t[key]
        audio.save()
    elif kind == "wv":
        audio = mutagen.File(str(path))
        if audio.tags is None:
            audio.add_tags()
        for key, name in (("title", "Title"), ("artist", "Artist"), ("album", "Album"),
                          ("albumartist", "Album Artist"), ("genre", "Genre"),
                          ("tracknumber", "Track"), ("discnumber", "Disc"), ("year", "Year"),
                          ("mb_trackid", "MUSICBRAINZ_TRACKID"),
                          ("mb_albumid", "MUSICBRAINZ_ALBUMID"),
                          ("mb_artistid", "MUSICBRAINZ_ARTISTID")):
            audio[name] = t[key]
        audio.save()
    else:
        raise ValueError(f"{kind} files carry no tags")


def touch_later(path: os.PathLike, seconds: float = 5.0) -> None:
    st = os.stat(path)
    os.utime(path, (st.st_atime, st.st_mtime + seconds))
