"""Library-test helpers on top of the shared writer (tests/helpers/audiofiles.py): one
file of each format the library reads, tags written with mutagen in each format's own
scheme, and a later modification time. Imported by tests/library/conftest.py (which puts
this folder on sys.path) and by the library tests as ``from audio_formats import …``."""

from __future__ import annotations

import os
from pathlib import Path

import mutagen
from audiofiles import tone, write_audio
from mutagen.id3 import TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, TXXX, UFID

SR = 44100
TAGS = {
    "title": "Tone Song", "artist": "Test Artist", "album": "Test Album",
    "albumartist": "Various", "genre": "Ambient", "tracknumber": 7, "discnumber": 2,
    "year": 2001, "mb_trackid": "6b3c9f1e-0000-4000-8000-000000000001",
    "mb_albumid": "6b3c9f1e-0000-4000-8000-000000000002",
    "mb_artistid": "6b3c9f1e-0000-4000-8000-000000000003",
}

# kind (an audiofiles kind) → (extension, codec reported by tags.read_tags, can carry tags)
FORMATS = {
    "wav": ("wav", "pcm", True),
    "aiff": ("aiff", "pcm", True),
    "flac": ("flac", "flac", True),
    "ogg": ("ogg", "vorbis", True),
    "mp3": ("mp3", "mp3", True),
    "m4a": ("m4a", "aac", True),
    "alac": ("m4a", "alac", True),
    "opus": ("opus", "opus", True),
    "wma": ("wma", "wma", True),
    "wv": ("wv", "wavpack", True),
    "aac": ("aac", "aac", False),  # raw ADTS has no tag block
}


def write_format(path: Path, kind: str, *, seconds: float = 1.0) -> Path:
    """Write an untagged file of format *kind* (a FORMATS key) at *path*: a 440 Hz tone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_audio(path, tone(440.0, seconds, SR, amp=0.3), SR, kind=kind)


def tag_file(path: Path, kind: str, tags: dict = TAGS) -> None:
    """Write *tags* into the file with mutagen, in that format's own tag scheme."""
    t = {k: str(v) for k, v in tags.items()}
    if kind in ("mp3", "m4a", "alac", "flac", "ogg", "opus"):
        # mutagen's "easy" keys (EasyID3 / EasyMP4) or Vorbis comments: the same names
        vorbis = kind in ("flac", "ogg", "opus")
        audio = mutagen.File(str(path), easy=not vorbis)
        if audio.tags is None:
            audio.add_tags()
        for key in ("title", "artist", "album", "albumartist", "genre", "tracknumber",
                    "discnumber"):
            audio[key] = t[key]
        audio["date"] = t["year"] + "-05-01" if vorbis else t["year"]
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
