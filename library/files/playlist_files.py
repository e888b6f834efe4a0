"""Playlist files: M3U8 (extended M3U, UTF-8) and XSPF (XML Shareable Playlist Format).

``write_playlist(path, entries)`` and ``read_playlist(path)`` choose the format from
the file extension (``.m3u8``, ``.m3u``, ``.xspf``). Writes are atomic (a temporary
file renamed over the target), so a failed write never leaves half a playlist.
Relative paths and ``file://`` URIs in files read are resolved against the playlist's
folder; unreadable or malformed files raise :class:`PlaylistFileError` in plain words.
"""

from __future__ import annotations

import contextlib
import os
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from soundalike.library.files.disk import write_atomic
from soundalike.library.model.errors import LibraryError
from soundalike.library.model.track import Track

XSPF_NS = "http://xspf.org/ns/0/"
FORMATS = {".m3u8": "m3u8", ".m3u": "m3u8", ".xspf": "xspf"}
MAX_PLAYLIST_BYTES = 50 * 1024 * 1024


class PlaylistFileError(LibraryError):
    """A playlist file cannot be written or read."""


@dataclass(slots=True)
class PlaylistEntry:
    """One item of a playlist file."""

    path: str
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    duration: float | None = None


def entries_for_tracks(tracks: Iterable[Track]) -> list[PlaylistEntry]:
    """Playlist entries for library tracks."""
    return [PlaylistEntry(t.path, t.display_title, t.display_artist, t.album, t.duration)
            for t in tracks]


def playlist_format(path: str | os.PathLike) -> str:
    """``"m3u8"`` or ``"xspf"`` from the extension; :class:`PlaylistFileError` otherwise."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise PlaylistFileError(
            f"unknown playlist format {ext or '(no extension)'!r}: use .m3u8, .m3u or .xspf")
    return FORMATS[ext]


def _atomic_write(path: Path, data: bytes) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PlaylistFileError(f"cannot write {path}: folder {folder} does not exist")
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise PlaylistFileError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_playlist(path: str | os.PathLike, entries: Iterable[PlaylistEntry], *,
                   title: str | None = None, relative: bool = False) -> Path:
    """Write *entries* to *path* in the format its extension names; return the path.

    Parameters
    ----------
    relative : bool
        M3U8 only: write paths relative to the playlist's folder when possible.
    """
    path = Path(path)
    fmt = playlist_format(path)
    entries = list(entries)
    data = (m3u8_bytes(entries, base=path.parent if relative else None) if fmt == "m3u8"
            else xspf_bytes(entries, title=title))
    _atomic_write(path, data)
    return path


def m3u8_bytes(entries: Iterable[PlaylistEntry], *, base: Path | None = None) -> bytes:
    """An extended M3U playlist, UTF-8 (file names that are not UTF-8 kept as raw bytes)."""
    lines = ["#EXTM3U"]
    for e in entries:
        dur = -1 if e.duration is None else int(round(e.duration))
        label = " - ".join(x for x in (e.artist, e.title) if x)
        lines.append(f"#EXTINF:{dur},{_one_line(label)}")
        p = e.path
        if base is not None:
            with contextlib.suppress(ValueError):  # another drive on Windows
                p = os.path.relpath(p, base)
        lines.append(_one_line(p))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


def _one_line(text: str) -> str:
    return " ".join(str(text).splitlines())


def xspf_bytes(entries: Iterable[PlaylistEntry], *, title: str | None = None) -> bytes:
    """An XSPF version 1 playlist."""
    ET.register_namespace("", XSPF_NS)
    root = ET.Element(f"{{{XSPF_NS}}}playlist", version="1")
    if title:
        ET.SubElement(root, f"{{{XSPF_NS}}}title").text = _xml_text(title)
    tl = ET.SubElement(root, f"{{{XSPF_NS}}}trackList")
    for e in entries:
        tr = ET.SubElement(tl, f"{{{XSPF_NS}}}track")
        ET.SubElement(tr, f"{{{XSPF_NS}}}location").text = Path(os.path.abspath(e.path)).as_uri()
        for tag, value in (("title", e.title), ("creator", e.artist), ("album", e.album)):
            if value:
                ET.SubElement(tr, f"{{{XSPF_NS}}}{tag}").text = _xml_text(value)
        if e.duration is not None and e.duration >= 0:
            ET.SubElement(tr, f"{{{XSPF_NS}}}duration").text = str(int(round(e.duration * 1000)))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _xml_text(text: str) -> str:
    """Drop characters XML cannot hold (control characters, lone surrogates)."""
    return "".join(c for c in str(text) if c in "\t\n\r" or (
        ord(c) >= 0x20 and not 0xD800 <= ord(c) <= 0xDFFF and c not in "\ufffe\uffff"))


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_PLAYLIST_BYTES:
            raise PlaylistFileError(f"{path} is too large to be a playlist")
        return path.read_bytes()
    except FileNotFoundError:
        raise PlaylistFileError(f"playlist {path} does not exist") from None
    except IsADirectoryError:
        raise PlaylistFileError(f"{path} is a folder, not a playlist") from None
    except OSError as exc:
        raise PlaylistFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def file_uri_path(uri: str) -> str:
    """The local path of a ``file:`` URI, its percent-escapes taken as the file system's
    bytes (``%E9`` in a Latin-1 name gives the same str as ``os.listdir``)."""
    return os.fsdecode(urllib.parse.unquote_to_bytes(urllib.parse.urlparse(uri).path))


def _resolve(location: str, base: Path) -> str:
    if location.startswith("file:"):
        return file_uri_path(location)
    if "://" in location:  # a stream URL: keep as is
        return location
    return location if os.path.isabs(location) else os.path.normpath(str(base / location))


def read_playlist(path: str | os.PathLike) -> list[PlaylistEntry]:
    """Entries of an M3U/M3U8 or XSPF file, paths resolved to absolute ones."""
    path = Path(path)
    fmt = playlist_format(path)
    data = _read_bytes(path)
    base = path.parent.absolute()
    return read_m3u(data, base) if fmt == "m3u8" else read_xspf(data, base, str(path))


def read_m3u(data: bytes, base: Path) -> list[PlaylistEntry]:
    """Parse M3U / extended M3U (UTF-8, else Latin-1)."""
    try:
        text = data.decode("utf-8-sig", "surrogateescape")
    except UnicodeDecodeError:  # pragma: no cover - surrogateescape never fails
        text = data.decode("latin-1")
    entries: list[PlaylistEntry] = []
    pending: tuple[float | None, str | None, str | None] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#EXTINF:"):
            info = line[len("#EXTINF:"):]
            dur_text, _, label = info.partition(",")
            try:
                dur = float(dur_text.split()[0]) if dur_text.strip() else None
            except ValueError:
                dur = None
            if dur is not None and dur < 0:
                dur = None
            artist, sep, title = label.partition(" - ")
            pending = (dur, artist.strip() or None, title.strip() or None) if sep else (
                dur, None, label.strip() or None)
            continue
        if line.startswith("#"):
            continue
        dur, artist, title = pending or (None, None, None)
        entries.append(PlaylistEntry(_resolve(line, base), title, artist, None, dur))
        pending = None
    return entries


def read_xspf(data: bytes, base: Path, name: str = "playlist") -> list[PlaylistEntry]:
    """Parse an XSPF playlist."""
    if b"<!ENTITY" in data:
        raise PlaylistFileError(f"{name} uses XML entities, which are not accepted")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise PlaylistFileError(f"{name} is not a valid XSPF playlist ({exc})") from None
    if root.tag != f"{{{XSPF_NS}}}playlist":
        raise PlaylistFileError(f"{name} is not an XSPF playlist")
    ns = {"x": XSPF_NS}
    entries = []
    for tr in root.iterfind("x:trackList/x:track", ns):
        loc = tr.findtext("x:location", default="", namespaces=ns).strip()
        if not loc:
            continue
        dur_text = tr.findtext("x:duration", default="", namespaces=ns).strip()
        try:
            dur = int(dur_text) / 1000.0 if dur_text else None
        except ValueError:
            dur = None
        entries.append(PlaylistEntry(
            _resolve(loc, base),
            tr.findtext("x:title", default=None, namespaces=ns),
            tr.findtext("x:creator", default=None, namespaces=ns),
            tr.findtext("x:album", default=None, namespaces=ns), dur))
    return entries
