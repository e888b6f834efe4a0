"""Read tags and stream information with mutagen; never raise on a bad file.

Formats: MP3, FLAC, Ogg Vorbis, Opus, M4A/AAC/ALAC, WAV, AIFF, WMA, WavPack, Monkey's Audio.
:func:`read_tags` returns a :class:`TagResult` holding either the :class:`TagInfo` or a
plain-words reason ("file is empty (0 bytes)", "not an audio file (text)", "truncated or
corrupt MP3 (…)", "permission denied"). Untagged files get a title from the file name and
artist/album from the folders below the music folder (``…/Artist/Album/01 Title.ext``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from dataclasses import asdict, dataclass, field, make_dataclass

import mutagen

from soundalike.engine.formats import (
    corrupt_reason,
    format_name,
    non_audio_reason,
    read_head,
    sniff,
    unreadable_reason,
)
from soundalike.library.model.schema import TAG_FIELDS
from soundalike.library.model.track import printable

# lower-cased tag key (any format) → our field
_ALIASES: dict[str, str] = {}
for _field, _keys in {
    "title": ("title", "tit2", "©nam"),
    "artist": ("artist", "tpe1", "©art", "author"),
    "album": ("album", "talb", "©alb", "wm/albumtitle"),
    "albumartist": ("albumartist", "album artist", "album_artist", "tpe2", "aart",
                    "wm/albumartist"),
    "genre": ("genre", "tcon", "©gen", "wm/genre"),
    "tracknumber": ("tracknumber", "track", "trck", "trkn", "wm/tracknumber"),
    "discnumber": ("discnumber", "disc", "disk", "tpos", "wm/partofset"),
    "year": ("date", "year", "tdrc", "tyer", "©day", "wm/year", "originaldate"),
    "mb_trackid": ("musicbrainz_trackid", "ufid:http://musicbrainz.org",
                   "txxx:musicbrainz track id",
                   "----:com.apple.itunes:musicbrainz track id", "musicbrainz/track id"),
    "mb_albumid": ("musicbrainz_albumid", "txxx:musicbrainz album id",
                   "----:com.apple.itunes:musicbrainz album id", "musicbrainz/album id"),
    "mb_artistid": ("musicbrainz_artistid", "txxx:musicbrainz artist id",
                    "----:com.apple.itunes:musicbrainz artist id", "musicbrainz/artist id"),
}.items():
    for _key in _keys:
        _ALIASES[_key] = _field

_INT_FIELDS = frozenset(f.name for f in TAG_FIELDS if f.py is int)
_LEADING_NUMBER = re.compile(r"^\s*(?:(\d{1,2})-)?(\d{1,3})(?:\s*[-._)]\s*|\s+)(?=\S)")


class _TagMethods:
    __slots__ = ()

    def as_dict(self) -> dict:
        return asdict(self)


#: What we know about one file from its tags and stream headers: the ``tag`` fields of
#: :data:`soundalike.library.model.schema.TRACK_FIELDS` (all optional), in their order.
TagInfo = make_dataclass("TagInfo", [(f.name, f.annotation, field(default=None))
                                     for f in TAG_FIELDS],
                         bases=(_TagMethods,), slots=True, namespace={"__module__": __name__})
TagInfo.__doc__ = "What we know about one file from its tags and stream headers."


@dataclass(slots=True)
class TagResult:
    """Either ``info`` (the file is readable audio) or ``error`` (a plain-words reason)."""

    info: TagInfo | None = None
    error: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def _text(value) -> str | None:
    """First value of a mutagen tag value (list, frame, MP4 freeform, ASF/APE value) as text."""
    if isinstance(value, list):
        value = value[0] if value else None
    if hasattr(value, "text") and not isinstance(value, str):  # ID3 text frame
        value = value.text[0] if value.text else None
    elif hasattr(value, "data") and hasattr(value, "owner"):  # ID3 UFID
        value = value.data
    elif hasattr(value, "value") and not isinstance(value, (bytes, str)):  # ASF attribute
        value = value.value
    if isinstance(value, tuple):  # MP4 trkn/disk: (number, total)
        value = value[0] if value else None
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    if value is None:
        return None
    text = printable(str(value)).strip().strip("\x00")
    return text or None


def _int(text: str | None, *, year: bool = False) -> int | None:
    if not text:
        return None
    m = re.search(r"\d{4}" if year else r"\d+", text)
    if not m:
        return None
    n = int(m.group())
    return n if 0 <= n < 100000 else None


def _codec(audio, fmt: str) -> str:
    info = audio.info
    name = type(audio).__name__
    if name == "MP4":
        codec = (getattr(info, "codec", "") or "").lower()
        return "alac" if codec.startswith("alac") else "aac" if codec.startswith("mp4a") else (
            codec or "mp4")
    return {
        "MP3": "mp3", "EasyMP3": "mp3", "FLAC": "flac", "OggVorbis": "vorbis",
        "OggOpus": "opus", "OggFLAC": "flac", "OggSpeex": "speex", "OggTheora": "theora",
        "WAVE": "pcm", "AIFF": "pcm", "ASF": "wma", "WavPack": "wavpack",
        "MonkeysAudio": "ape", "AAC": "aac", "TrueAudio": "tta", "Musepack": "musepack",
        "DSF": "dsd", "DSDIFF": "dsd",
    }.get(name, fmt.lower())


def _from_tags(tags, info: TagInfo) -> None:
    if tags is None:
        return
    try:
        items = list(tags.items())
    except Exception:  # noqa: BLE001 - a damaged tag block must not sink the file
        return
    for key, value in items:
        fld = _ALIASES.get(str(key).lower())
        if fld is None or getattr(info, fld) is not None:
            continue
        text = _text(value)
        if fld in _INT_FIELDS:
            setattr(info, fld, _int(text, year=fld == "year"))
        else:
            setattr(info, fld, text)


def fill_from_path(info: TagInfo, path: str, root: str | None = None) -> None:
    """Fill a missing title (and track number) from the file name, and a missing album and
    artist from the folders between *root* and the file (``Artist/Album/01 Title.ext``)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if not info.title:
        m = _LEADING_NUMBER.match(stem)
        title = stem[m.end():] if m else stem
        if m and info.tracknumber is None:
            info.tracknumber = int(m.group(2))
        info.title = printable(title.replace("_", " ").strip()) or printable(stem)
    if root is None:
        return
    rel = os.path.relpath(os.path.dirname(os.path.abspath(path)), os.path.abspath(root))
    if rel == "." or rel.startswith(".."):
        return
    parts = [printable(p) for p in rel.split(os.sep) if p]
    if not info.album and parts:
        info.album = parts[-1]
    if not info.artist and not info.albumartist and len(parts) >= 2:
        info.artist = parts[-2]


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "file disappeared while it was being read"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file"
    return f"cannot read the file ({exc.strerror or exc})"


def read_tags(path: str, *, root: str | None = None, head: bytes | None = None) -> TagResult:
    """Read tags and stream info of the audio file at *path*; never raises.

    Parameters
    ----------
    path : str
        The file.
    root : str, optional
        The music folder it was found in; folders below it name artist and album of
        untagged files.
    head : bytes, optional
        The first bytes of the file if already read (to recognise non-audio without
        opening it again).

    Returns
    -------
    TagResult
        ``info`` for readable audio, else ``error``: a plain-words reason.
    """
    fmt = format_name(path)
    try:
        if head is None:
            head = read_head(path)
        reason = non_audio_reason(head)
        if reason:
            return TagResult(error=reason)
        audio = mutagen.File(path)
    except mutagen.MutagenError as exc:
        inner = exc.args[0] if exc.args else None
        if isinstance(inner, OSError):
            return TagResult(error=_os_reason(inner))
        return TagResult(error=_corrupt(path, head, exc))
    except OSError as exc:
        return TagResult(error=_os_reason(exc))
    except Exception as exc:  # noqa: BLE001 - mutagen may fail in many ways on broken data
        return TagResult(error=_corrupt(path, head, exc))
    if audio is None or getattr(audio, "info", None) is None:
        return TagResult(error=unreadable_reason(head or b"", path,
                                                 detail="unsupported or unreadable data"))
    info = TagInfo()
    stream = audio.info
    length = getattr(stream, "length", None)
    info.duration = float(length) if length else None
    info.codec = _codec(audio, fmt)
    for attr, fld in (("sample_rate", "samplerate"), ("channels", "channels"),
                      ("bitrate", "bitrate")):
        value = getattr(stream, attr, None)
        with contextlib.suppress(TypeError, ValueError):
            setattr(info, fld, int(value) if value else None)
    _from_tags(getattr(audio, "tags", None), info)
    fill_from_path(info, path, root)
    short = _truncated(audio, path)
    if short:
        return TagResult(info=info, error=corrupt_reason(head, path, short))
    return TagResult(info=info)


def _truncated(audio, path: str) -> str | None:
    """Why the headers promise more audio than the file holds, or None (checks MP3 with a
    Xing/LAME header, FLAC, WAV and AIFF; other formats are checked when decoded)."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return None
    info = audio.info
    name = type(audio).__name__
    length = float(getattr(info, "length", 0) or 0)
    expected = None
    if name == "MP3" and int(getattr(info, "bitrate_mode", 0) or 0) != 0:
        # a Xing/VBRI/LAME header gave the bitrate mode and the stream's byte count
        expected = info.bitrate * length / 8 + getattr(info, "frame_offset", 0)
    elif name == "FLAC" and getattr(info, "max_blocksize", 0) and info.total_samples:
        frames = info.total_samples // info.max_blocksize
        expected = frames * (info.min_framesize or 0)
    elif name in ("WAVE", "AIFF") and length and getattr(info, "bits_per_sample", 0):
        expected = length * info.sample_rate * info.channels * info.bits_per_sample / 8
    if expected and size < 0.9 * expected:
        return (f"the headers promise {length:.1f} s of audio, about {expected / 1024:.0f} KiB, "
                f"but the file has only {size / 1024:.0f} KiB")
    if not length and not getattr(info, "sample_rate", None):
        return "no audio stream information"
    return None


def _corrupt(path: str, head: bytes | None, exc: Exception) -> str:
    """The reason for a file mutagen raised on: the registry's when the head is not a known
    audio header, else "truncated or corrupt <format> (mutagen's words)"."""
    if head and sniff(head, path) is None:
        return unreadable_reason(head, path)
    detail = printable(str(exc)).strip() or type(exc).__name__
    if "can't sync" in detail or "No MPEG" in detail or "header not found" in detail.lower():
        detail = "no MPEG audio frames found"
    if "not a MP4 file" in detail:
        detail = "its index (moov atom) is missing or cut off"
    if len(detail) > 120:
        detail = detail[:117] + "…"
    return corrupt_reason(head or b"", path, detail)


# ---------------------------------------------------------------------- ReplayGain
@dataclass(frozen=True, slots=True)
class ReplayGain:
    """A file's ReplayGain tags: gains in dB (relative to the ReplayGain reference,
    −18 LUFS for ReplayGain 2.0), peaks as linear sample amplitude (1.0 = full scale).
    Any value may be None (not tagged)."""

    track_gain: float | None = None
    track_peak: float | None = None
    album_gain: float | None = None
    album_peak: float | None = None

    @property
    def empty(self) -> bool:
        return self.track_gain is None and self.album_gain is None


_RG_KEYS = {"replaygain_track_gain": "track_gain", "replaygain_track_peak": "track_peak",
            "replaygain_album_gain": "album_gain", "replaygain_album_peak": "album_peak"}
#: Opus (RFC 7845): R128_*_GAIN are Q7.8 integers relative to −23 LUFS; ReplayGain's
#: reference is 5 dB louder (−18 LUFS), so gain_rg = value / 256 + 5.
_R128_KEYS = {"r128_track_gain": "track_gain", "r128_album_gain": "album_gain"}
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def _rg_key(key: str) -> str:
    """The plain lower-cased name of a tag key: ``TXXX:REPLAYGAIN_TRACK_GAIN`` (ID3),
    ``----:com.apple.iTunes:replaygain_track_gain`` (MP4) and ``REPLAYGAIN_TRACK_GAIN``
    (Vorbis comments, APEv2, ASF) all become ``replaygain_track_gain``."""
    key = key.lower()
    for prefix in ("txxx:", "----:com.apple.itunes:"):
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def _rg_number(text: str | None) -> float | None:
    m = _NUMBER.search(text or "")
    if not m:
        return None
    value = float(m.group().replace(",", "."))
    return value if -100.0 < value < 100.0 else None


def parse_replaygain(tags) -> ReplayGain:
    """The ReplayGain values in a mutagen tag object (any format); missing or unreadable
    values are None."""
    values: dict[str, float] = {}
    r128: dict[str, float] = {}
    try:
        items = list(tags.items()) if tags is not None else []
    except Exception:  # noqa: BLE001 - a damaged tag block gives no ReplayGain, nothing worse
        items = []
    for key, value in items:
        name = _rg_key(str(key))
        if name in _RG_KEYS:
            number = _rg_number(_text(value))
            if number is not None and (not name.endswith("peak") or number >= 0):
                values.setdefault(_RG_KEYS[name], number)
        elif name in _R128_KEYS:
            text = _text(value)
            with contextlib.suppress(TypeError, ValueError):
                r128.setdefault(_R128_KEYS[name], int(str(text).strip()) / 256.0 + 5.0)
    for name, gain in r128.items():  # a ReplayGain tag of the same name wins
        values.setdefault(name, gain)
    return ReplayGain(**values)


def read_replaygain(path: str) -> ReplayGain:
    """The ReplayGain tags of the audio file at *path*; never raises (an unreadable file
    or one without tags gives an empty :class:`ReplayGain`)."""
    try:
        audio = mutagen.File(path)
    except Exception:  # noqa: BLE001 - playback goes on at the unadjusted level
        return ReplayGain()
    return parse_replaygain(getattr(audio, "tags", None)) if audio is not None else ReplayGain()
