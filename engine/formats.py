"""The one registry of file formats: names, extensions, header rules, decoders, reasons.

Every audio format Soundalike reads is declared once in :data:`FORMATS` (Quod Libet's
``for ext in format.extensions: _infos[ext] = format``; Picard's dispatch on the extension
with a header-sniff fallback). The scanner (which files to list, what their tags reader
says about a bad one), the analysis (which decoder opens a file, why it could not) and the
GUI (the file dialog's patterns) all ask this module, so one bad file gets one reason.

Reasons, decided from the first bytes of a file (``head``, 4 KiB is plenty):

* :func:`non_audio_reason` — the head alone shows the file is not audio: empty, nothing
  but zero bytes, a known non-audio signature (PNG, PDF, ZIP …), or text.
* :func:`unreadable_reason` — no reader could open the file: the above, else "truncated
  or corrupt <format>" when the head is a known audio header, else "not a valid <format>
  file (no <format> header found)" / "not an audio file (unrecognised data)".
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

#: Decoders (engine/audio.py): libsndfile via soundfile, FFmpeg via PyAV.
LIBSNDFILE = "libsndfile"
FFMPEG = "ffmpeg"

#: How many leading bytes the rules look at.
HEAD_BYTES = 4096


def _mpeg_frame(head: bytes) -> bool:
    """A plausible MPEG audio (MP1/2/3) frame header at byte 0 (not ADTS)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0 or _adts_frame(head):
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _adts_frame(head: bytes) -> bool:
    """An ADTS (raw AAC) frame header at byte 0: 12-bit sync, layer 0."""
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0


def _riff(*kinds: bytes) -> Callable[[bytes], bool]:
    def rule(head: bytes) -> bool:
        return head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] in kinds
    return rule


def _form(head: bytes) -> bool:
    return head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC")


def _opus(head: bytes) -> bool:
    return head[:4] == b"OggS" and b"OpusHead" in head[:256]


@dataclass(frozen=True, slots=True)
class Format:
    """One audio format.

    Attributes
    ----------
    name : str
        Name in messages (``"FLAC"``).
    extensions : tuple of str
        File name extensions, lower case without the dot; ``()`` for a format only
        recognised by its header.
    decoder : str
        :data:`LIBSNDFILE` (sample-exact seeks; FFmpeg is the fallback when it fails) or
        :data:`FFMPEG` (libsndfile cannot read it).
    magic : tuple of (int, bytes)
        Signatures: the head has ``bytes`` at ``offset`` for any one of them.
    rule : callable, optional
        ``rule(head) -> bool`` where a signature is not enough.
    searched : bool
        Readers search the data for this format's header (MPEG/ADTS frames after junk,
        RIFF/AIFF chunks, MP4 atoms) rather than checking one signature at byte 0: data
        without it is "not a valid <name> file (no <name> header found)" instead of
        "not an audio file (unrecognised data)".
    """

    name: str
    extensions: tuple[str, ...]
    decoder: str
    magic: tuple[tuple[int, bytes], ...] = ()
    rule: Callable[[bytes], bool] | None = None
    searched: bool = False

    def matches(self, head: bytes) -> bool:
        """Does *head* (the first bytes of a file) start like this format?"""
        if any(head[o:o + len(m)] == m for o, m in self.magic):
            return True
        return self.rule is not None and self.rule(head)


_MP4 = ((4, b"ftyp"),)

#: Every audio format, in sniffing order (Opus before Ogg: both start with ``OggS``).
FORMATS: tuple[Format, ...] = (
    Format("MP3", ("mp3",), LIBSNDFILE, ((0, b"ID3"),), _mpeg_frame, searched=True),
    Format("FLAC", ("flac",), LIBSNDFILE, ((0, b"fLaC"),)),
    Format("Opus", ("opus",), FFMPEG, rule=_opus),  # libsndfile reads it, FFmpeg seeks 2× faster
    Format("Ogg", ("ogg", "oga"), LIBSNDFILE, ((0, b"OggS"),)),
    Format("WAV", ("wav",), LIBSNDFILE, rule=_riff(b"WAVE"), searched=True),
    Format("AIFF", ("aif", "aiff"), LIBSNDFILE, rule=_form, searched=True),
    Format("M4A", ("m4a",), FFMPEG, _MP4, searched=True),
    Format("MP4", ("mp4",), FFMPEG, _MP4, searched=True),
    Format("ALAC", ("alac",), FFMPEG, _MP4, searched=True),
    Format("AAC", ("aac",), FFMPEG, rule=_adts_frame, searched=True),
    Format("WMA", ("wma",), FFMPEG, ((0, bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")),)),
    Format("WavPack", ("wv",), FFMPEG, ((0, b"wvpk"),)),
    Format("Monkey's Audio", ("ape",), FFMPEG, ((0, b"MAC "),)),
    Format("AU", (), LIBSNDFILE, ((0, b".snd"),)),
    Format("CAF", (), LIBSNDFILE, ((0, b"caff"),)),
)

#: extension (lower case, no dot) → its format
BY_EXTENSION: dict[str, Format] = {ext: f for f in FORMATS for ext in f.extensions}
AUDIO_EXTENSIONS = frozenset(BY_EXTENSION)

#: (signature at byte 0, what it is) for common files that are not audio. JPEG is "an
#: image": the wording FFmpeg's image demuxer gave before this registry (and a test keeps).
NOT_AUDIO: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "an image"), (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"), (b"PK\x03\x04", "ZIP archive"), (b"\x7fELF", "program"),
    (b"\x1f\x8b", "gzip archive"), (b"Rar!", "RAR archive"), (b"7z\xbc\xaf", "7-Zip archive"),
    (b"<?xml", "XML text"), (b"BM", "BMP image"),
)
_NOT_AUDIO_RULES: tuple[tuple[Callable[[bytes], bool], str], ...] = (
    (_riff(b"WEBP"), "WebP image"), (_riff(b"AVI "), "AVI video"),
)


def extension(name: str) -> str:
    """The lower-case extension of *name* without the dot (``""`` if none)."""
    return os.path.splitext(name)[1][1:].lower()


def by_name(name: str) -> Format | None:
    """The format *name*'s extension says, or None."""
    return BY_EXTENSION.get(extension(name))


def is_audio_name(name: str) -> bool:
    """True if *name* has an audio extension and is not hidden (starts with ``.``)."""
    return not os.path.basename(name).startswith(".") and extension(name) in BY_EXTENSION


def format_name(name: str) -> str:
    """A human name for the format of *name* from its extension (``"MP3"``, ``"FLAC"`` …)."""
    fmt = by_name(name)
    return fmt.name if fmt else (extension(name).upper() or "audio")


def sniff(head: bytes, name: str = "") -> Format | None:
    """The audio format *head* (the first bytes of a file) starts like, or None.

    The format of *name*'s extension wins when the head matches it too (an ``.m4a`` is
    "M4A", an ``.mp4`` "MP4"); otherwise the first match in :data:`FORMATS`.
    """
    head = head[:HEAD_BYTES]
    named = by_name(name) if name else None
    if named is not None and named.matches(head):
        return named
    return next((f for f in FORMATS if f.matches(head)), None)


def decoder_for(head: bytes, name: str = "") -> str:
    """The decoder to try first: that of the sniffed format, else of the extension's."""
    fmt = sniff(head, name) or by_name(name)
    return fmt.decoder if fmt else LIBSNDFILE


def looks_like_text(head: bytes) -> bool:
    """UTF-8 (a character cut at the end allowed) or 8-bit text, ≥ 95 % printable."""
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a multi-byte character cut at the end
            text = head[:exc.start].decode("utf-8")
        else:  # Latin-1 or another 8-bit code page: printable ASCII and letters ≥ 0xA0
            printable = sum(32 <= b < 127 or b in (9, 10, 13) or b >= 0xA0 for b in head)
            return printable > 0.95 * len(head)
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(len(text), 1)


def non_audio_reason(head: bytes) -> str | None:
    """A plain-words reason if *head* shows the file is not audio, else None.

    Empty → "file is empty (0 bytes)"; all zero bytes → "no audio data (…)"; a known
    signature → "not an audio file (PNG image)" etc.; text → "not an audio file (text)".
    A head that starts like an audio format is never refused here. Only the first
    :data:`HEAD_BYTES` count, however many are given.
    """
    head = head[:HEAD_BYTES]
    if not head:
        return "file is empty (0 bytes)"
    if sniff(head):
        return None
    if head.count(0) == len(head):
        return "no audio data (the file starts with nothing but zero bytes)"
    for magic, what in NOT_AUDIO:
        if head.startswith(magic):
            return f"not an audio file ({what})"
    for rule, what in _NOT_AUDIO_RULES:
        if rule(head):
            return f"not an audio file ({what})"
    if looks_like_text(head):
        return "not an audio file (text)"
    return None


def corrupt_reason(head: bytes, name: str, detail: str) -> str:
    """``"truncated or corrupt <format> (<detail>)"``: the format from *name*'s extension,
    else from the head."""
    fmt = format_name(name) if by_name(name) else getattr(sniff(head), "name", "audio")
    return f"truncated or corrupt {fmt} ({detail})"


def unreadable_reason(head: bytes, name: str = "", *, detail: str = "no reader could open it"
                      ) -> str:
    """Why no reader could open a file whose first bytes are *head* and whose name is *name*.

    :func:`non_audio_reason` if the head says so; "truncated or corrupt <format> (detail)"
    if it starts like audio; else "not a valid <format> file (no <format> header found)"
    for a :attr:`Format.searched` extension, "not an audio file (unrecognised data)" for
    the rest.
    """
    reason = non_audio_reason(head)
    if reason:
        return reason
    if sniff(head, name):
        return corrupt_reason(head, name, detail)
    fmt = by_name(name)
    if fmt is not None and fmt.searched:
        return f"not a valid {fmt.name} file (no {fmt.name} header found)"
    return "not an audio file (unrecognised data)"


def read_head(path: str | os.PathLike) -> bytes:
    """The first :data:`HEAD_BYTES` bytes of the file (raises OSError)."""
    with open(path, "rb") as f:
        return f.read(HEAD_BYTES)
