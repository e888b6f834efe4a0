"""Which files are audio: an extension registry and a header sniffer for plain-words reasons."""

from __future__ import annotations

import os

# extension (lower case, no dot) → format name used in messages
EXTENSIONS: dict[str, str] = {
    "mp3": "MP3", "flac": "FLAC", "ogg": "Ogg", "oga": "Ogg", "opus": "Opus",
    "m4a": "M4A", "mp4": "MP4", "aac": "AAC", "alac": "ALAC", "wav": "WAV",
    "aif": "AIFF", "aiff": "AIFF", "wma": "WMA", "wv": "WavPack", "ape": "Monkey's Audio",
}
AUDIO_EXTENSIONS = frozenset(EXTENSIONS)

_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")

# (offset, magic, format) for audio containers
_AUDIO_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"ID3", "MP3"), (0, b"fLaC", "FLAC"), (0, b"OggS", "Ogg"), (4, b"ftyp", "MP4"),
    (0, b"wvpk", "WavPack"), (0, b"MAC ", "Monkey's Audio"), (0, _ASF_GUID, "WMA"),
    (0, b".snd", "AU"), (0, b"caff", "CAF"),
)
# (magic, description) for common things that are not audio
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"), (b"PK\x03\x04", "ZIP archive"), (b"\x7fELF", "program"),
    (b"\x1f\x8b", "gzip archive"), (b"Rar!", "RAR archive"), (b"7z\xbc\xaf", "7-Zip archive"),
    (b"<?xml", "XML text"), (b"BM", "BMP image"),
)


def extension(name: str) -> str:
    """The lower-case extension of *name* without the dot (``""`` if none)."""
    return os.path.splitext(name)[1][1:].lower()


def is_audio_name(name: str) -> bool:
    """True if *name* has an audio extension and is not hidden (starts with ``.``)."""
    return not name.startswith(".") and extension(name) in AUDIO_EXTENSIONS


def format_name(name: str) -> str:
    """A human name for the format of *name* from its extension (``"MP3"``, ``"FLAC"`` …)."""
    ext = extension(name)
    return EXTENSIONS.get(ext, ext.upper() or "audio")


def sniff(head: bytes) -> str | None:
    """The audio container that *head* (the first bytes of a file) starts with, or None."""
    for offset, magic, fmt in _AUDIO_MAGIC:
        if head[offset:offset + len(magic)] == magic:
            if fmt == "Ogg" and b"OpusHead" in head[:256]:
                return "Opus"
            return fmt
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"RF64"):
        return "WAV"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "AAC"  # ADTS
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "MP3"  # MPEG audio frame sync
    return None


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end
            try:
                head.decode("latin-1")
            except UnicodeDecodeError:
                return False
            printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
            return printable / len(head) > 0.95
    return True


def non_audio_reason(head: bytes) -> str | None:
    """A plain-words reason if *head* clearly is not audio (text, zeros, an image …), else None."""
    if not head:
        return "file is empty (0 bytes)"
    if sniff(head):
        return None
    if head.count(0) == len(head):
        return "no audio data (the file starts with nothing but zero bytes)"
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            return f"not an audio file ({what})"
    if _looks_like_text(head):
        return "not an audio file (text)"
    return None
