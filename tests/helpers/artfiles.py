"""Real cover pictures for tests: PNG files written byte by byte (zlib, no image library)
and embedded into audio files with mutagen, the way taggers store them.

    from artfiles import png_bytes, embed_picture
"""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path


def png_bytes(width: int, height: int, rgb: tuple[int, int, int] = (200, 40, 40), *,
              stripes: bool = True) -> bytes:
    """A real RGB PNG of *width* × *height* pixels: *rgb* with darker horizontal stripes
    (so a scaled copy is not a flat colour)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    dark = tuple(c // 3 for c in rgb)
    rows = []
    band = max(1, height // 8)
    for y in range(height):
        colour = dark if stripes and (y // band) % 2 else rgb
        rows.append(b"\0" + bytes(colour) * width)
    raw = zlib.compress(b"".join(rows), 6)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + \
        chunk(b"IEND", b"")


def huge_png(width: int, height: int) -> bytes:
    """A valid grey PNG with many pixels but few bytes (rows compressed one by one)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    comp = zlib.compressobj(9)
    row = b"\0" + b"\x80" * width
    parts = [comp.compress(row) for _ in range(height)]
    parts.append(comp.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + \
        chunk(b"IEND", b"")


def embed_picture(path: str | Path, data: bytes, mime: str = "image/png", *,
                  kind: int = 3) -> None:
    """Store *data* as the file's picture of type *kind* (3 = front cover) the way its
    format does: ID3 APIC (MP3, WAV, AIFF), a FLAC picture block,
    METADATA_BLOCK_PICTURE (Ogg Vorbis, Opus), MP4 ``covr``."""
    import mutagen
    from mutagen.flac import Picture
    from mutagen.id3 import APIC

    path = str(path)
    audio = mutagen.File(path)
    name = type(audio).__name__
    if name == "FLAC":
        pic = Picture()
        pic.type, pic.mime, pic.data = kind, mime, data
        audio.add_picture(pic)
    elif name in ("OggVorbis", "OggOpus"):
        pic = Picture()
        pic.type, pic.mime, pic.data = kind, mime, data
        audio["metadata_block_picture"] = [base64.b64encode(pic.write()).decode("ascii")]
    elif name == "MP4":
        from mutagen.mp4 import MP4Cover

        fmt = MP4Cover.FORMAT_PNG if mime == "image/png" else MP4Cover.FORMAT_JPEG
        audio["covr"] = [MP4Cover(data, imageformat=fmt)]
    else:  # ID3 (MP3, WAVE, AIFF)
        if audio.tags is None:
            audio.add_tags()
        audio.tags.add(APIC(encoding=3, mime=mime, type=kind, desc=f"picture {kind}",
                            data=data))
    audio.save()
