"""Cover art: the picture embedded in a music file or the image next to it, kept as a
small thumbnail in a bounded on-disk cache.

Where a track's cover comes from, in order:

1. the picture in the file's tags (mutagen): ID3 ``APIC`` (MP3, and WAV/AIFF with an ID3
   chunk), FLAC pictures, ``METADATA_BLOCK_PICTURE`` in Ogg Vorbis/Opus/FLAC comments
   (and the old base64 ``COVERART``), MP4 ``covr``, ASF ``WM/Picture`` and APEv2
   ``Cover Art (Front)`` — the front cover when it is marked, else the first picture;
2. an image in the track's folder: ``cover``, ``folder`` or ``front`` with the extension
   ``.jpg``, ``.jpeg`` or ``.png``, names compared case-insensitively (``Cover.JPG``).

Nothing here decodes images (the library layer has no image library): :class:`CoverCache`
is handed a *scale* function (the GUI gives one made with Qt) that turns the picture's
bytes into a small JPEG, or raises :class:`CoverError` with the reason.

The cache (``covers/`` in ``$SOUNDALIKE_CACHE_DIR``, else the platformdirs user cache) keys
every entry by where the picture came from and that file's size and modification time, so
a re-tagged file or a replaced ``cover.jpg`` gets a new thumbnail. An entry is a thumbnail
(``<key>.jpg``), a marker that the file has no picture (``<key>.none``) or the reason a
picture was unusable (``<key>.skip``: corrupt, huge, not an image), so nothing is read
twice. The cache is bounded (:data:`MAX_CACHE_BYTES` by default): when it grows past its
limit the entries used longest ago are deleted (a hit refreshes an entry's time).
Nothing here raises on a bad file: an unusable picture is skipped and its reason kept.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mutagen

from soundalike.library.files.disk import cache_dir, write_atomic
from soundalike.library.model.errors import LibraryError

log = logging.getLogger(__name__)

#: thumbnail edge in pixels (the album grid shows them at up to this size)
THUMB_SIZE = 192
#: pictures larger than this are skipped unread (a cover is rarely above a few MB)
MAX_PICTURE_BYTES = 16 * 1024 * 1024
#: the cache's default limit; the oldest entries go when it is passed
MAX_CACHE_BYTES = 128 * 1024 * 1024
#: bumped when thumbnails are made differently (old entries are then never hit)
THUMB_VERSION = 1
#: folder image names (without extension), in order of preference, and their extensions
FOLDER_NAMES = ("cover", "folder", "front")
FOLDER_EXTENSIONS = (".jpg", ".jpeg", ".png")
#: every entry counts as at least this many bytes (markers are empty files)
_MIN_ENTRY = 512
_FRONT_COVER = 3  # the picture type "Cover (front)" of ID3/FLAC


class CoverError(LibraryError):
    """A picture cannot be used as a cover; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture found for a track: its bytes, MIME type (may be empty) and origin."""

    data: bytes
    mime: str
    source: str  # "embedded" or the folder image's path


@dataclass(frozen=True, slots=True)
class Cover:
    """What the cache knows about one track's cover: ``file`` (the thumbnail) or None,
    and when there is none, ``reason`` for an unusable picture ("" when there is simply
    no picture)."""

    file: str | None
    reason: str = ""
    source: str = ""

    @property
    def found(self) -> bool:
        return self.file is not None


NO_COVER = Cover(None)


# ------------------------------------------------------------------ embedded pictures
def embedded_picture(path: str) -> Picture | None:
    """The cover picture in *path*'s tags, None when it has none.

    Raises
    ------
    CoverError
        The file or its picture cannot be read (damaged tags, a picture block that does
        not decode); the message is plain words.
    """
    try:
        audio = mutagen.File(path)
    except Exception as exc:  # noqa: BLE001 - mutagen fails in many ways on broken data
        raise CoverError(f"cannot read the file's tags ({_short(exc)})") from exc
    if audio is None:
        return None
    found: list[tuple[int, bytes, str]] = []  # (picture type, data, mime)
    for pic in getattr(audio, "pictures", None) or ():  # FLAC
        found.append((pic.type, bytes(pic.data), pic.mime or ""))
    tags = getattr(audio, "tags", None)
    if tags is not None:
        try:
            found += _tag_pictures(tags)
        except CoverError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged tag block
            raise CoverError(f"the embedded picture cannot be read ({_short(exc)})") from exc
    found = [f for f in found if f[1]]
    if not found:
        return None
    kind, data, mime = min(found, key=lambda f: f[0] != _FRONT_COVER)
    return Picture(data, mime, "embedded")


def _tag_pictures(tags) -> list[tuple[int, bytes, str]]:
    out: list[tuple[int, bytes, str]] = []
    getall = getattr(tags, "getall", None)
    if callable(getall):  # ID3
        for frame in getall("APIC"):
            out.append((int(frame.type), bytes(frame.data), frame.mime or ""))
        return out
    keys = {str(k).lower(): k for k in tags.keys()}  # noqa: SIM118 - a VComment is a list
    if "covr" in keys:  # MP4
        from mutagen.mp4 import MP4Cover

        for cover in tags[keys["covr"]]:
            mime = "image/png" if getattr(cover, "imageformat", 0) == MP4Cover.FORMAT_PNG \
                else "image/jpeg"
            out.append((_FRONT_COVER, bytes(cover), mime))
    if "metadata_block_picture" in keys:  # Vorbis comments (Ogg Vorbis, Opus, Ogg FLAC)
        from mutagen.flac import Picture as FlacPicture

        for text in tags[keys["metadata_block_picture"]]:
            try:
                pic = FlacPicture(base64.b64decode(text, validate=False))
            except Exception as exc:  # noqa: BLE001 - bad base64 or a bad picture block
                raise CoverError(f"the embedded picture block is damaged ({_short(exc)})") \
                    from exc
            out.append((pic.type, bytes(pic.data), pic.mime or ""))
    if "coverart" in keys:  # the old Vorbis comment: base64 image bytes
        for text in tags[keys["coverart"]]:
            with contextlib.suppress(ValueError):
                out.append((_FRONT_COVER + 1, base64.b64decode(text), ""))
    if "wm/picture" in keys:  # ASF (WMA)
        for value in tags[keys["wm/picture"]]:
            pic = _asf_picture(bytes(getattr(value, "value", b"")))
            if pic is not None:
                out.append(pic)
    if "cover art (front)" in keys:  # APEv2 (WavPack, Monkey's Audio): name \0 data
        value = bytes(getattr(tags[keys["cover art (front)"]], "value", b""))
        out.append((_FRONT_COVER, value.split(b"\0", 1)[-1], ""))
    return out


def _asf_picture(raw: bytes) -> tuple[int, bytes, str] | None:
    """WM/Picture: type (1 byte), size (4, LE), MIME and description (UTF-16LE, NUL-ended),
    the data."""
    if len(raw) < 9:
        return None
    kind, size = raw[0], struct.unpack_from("<I", raw, 1)[0]
    pos = 5
    texts = []
    for _ in range(2):
        end = pos
        while end + 1 < len(raw) and raw[end:end + 2] != b"\0\0":
            end += 2
        texts.append(raw[pos:end].decode("utf-16-le", "replace"))
        pos = end + 2
    data = raw[pos:pos + size]
    return (kind, data, texts[0]) if data else None


# ------------------------------------------------------------------ folder images
def folder_image(folder: str, names: list[str] | None = None) -> str | None:
    """The cover image in *folder* (``cover``/``folder``/``front`` + ``.jpg``/``.jpeg``/
    ``.png``, any case), None if there is none. *names*: the folder's file names when
    already listed."""
    if names is None:
        try:
            names = os.listdir(folder)
        except OSError:
            return None
    best: tuple[int, int, str] | None = None
    for name in names:
        stem, ext = os.path.splitext(name.lower())
        if stem in FOLDER_NAMES and ext in FOLDER_EXTENSIONS:
            rank = (FOLDER_NAMES.index(stem), FOLDER_EXTENSIONS.index(ext), name)
            if best is None or rank < best:
                best = rank
    return os.path.join(folder, best[2]) if best else None


def read_folder_image(path: str) -> Picture:
    """The bytes of a folder image (CoverError when too large or unreadable)."""
    try:
        size = os.stat(path).st_size
        if size > MAX_PICTURE_BYTES:
            raise CoverError(f"the picture is too large ({size / 1e6:.1f} MB)")
        with open(path, "rb") as f:
            return Picture(f.read(), "", path)
    except OSError as exc:
        raise CoverError(f"cannot read {os.path.basename(path)} ({exc.strerror or exc})") \
            from exc


# ------------------------------------------------------------------ the cache
Scale = Callable[[bytes, int], bytes]


class CoverCache:
    """Thumbnails of covers on disk, found for a track's path.

    Parameters
    ----------
    directory : path, optional
        Where the thumbnails go; default ``cache_dir() / "covers"``.
    max_bytes : int
        The limit; past it the entries used longest ago are deleted.
    size : int
        Thumbnail edge in pixels (handed to *scale*).

    Thread-safe: the GUI's worker threads share one.
    """

    def __init__(self, directory: str | os.PathLike | None = None, *,
                 max_bytes: int = MAX_CACHE_BYTES, size: int = THUMB_SIZE):
        self.dir = Path(directory) if directory is not None else cache_dir() / "covers"
        self.max_bytes = int(max_bytes)
        self.size = int(size)
        self._lock = threading.Lock()
        self._folders: dict[str, list[str]] = {}  # folder → file names (this session)
        self._written = 0
        self.writable = True

    # -------------------------------------------------------------- lookups
    def _key(self, kind: str, path: str, st: os.stat_result) -> str:
        text = f"{THUMB_VERSION}\0{self.size}\0{kind}\0{path}\0{st.st_size}\0{st.st_mtime_ns}"
        return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()

    def _entry(self, key: str) -> tuple[str, str] | None:
        """("jpg"|"none"|"skip", file) of a cached entry, None when not cached."""
        base = self.dir / key[:2] / key
        for suffix in ("jpg", "none", "skip"):
            file = f"{base}.{suffix}"
            if os.path.exists(file):
                return suffix, file
        return None

    def _folder_names(self, folder: str) -> list[str]:
        with self._lock:
            names = self._folders.get(folder)
        if names is None:
            try:
                names = os.listdir(folder)
            except OSError:
                names = []
            with self._lock:
                if len(self._folders) > 5000:
                    self._folders.clear()
                self._folders[folder] = names
        return names

    def forget_folder(self, folder: str) -> None:
        """List *folder* again next time (a cover image was added or removed)."""
        with self._lock:
            self._folders.pop(folder, None)

    def cached(self, path: str) -> Cover | None:
        """The cover of the track at *path* if the cache already knows it (a few stats,
        no tag reading, no decoding), else None."""
        return self._find(path, None)

    def cover(self, path: str, scale: Scale) -> Cover:
        """The cover of the track at *path*: from the cache, else read, scaled with
        ``scale(data, size) -> jpeg bytes`` and cached. Never raises."""
        try:
            return self._find(path, scale) or NO_COVER
        except Exception as exc:  # noqa: BLE001 - never let one odd file sink a view
            log.warning("cover of %s: %s", path, exc)
            return Cover(None, _short(exc))

    def _find(self, path: str, scale: Scale | None) -> Cover | None:
        try:
            st = os.stat(path)
        except OSError:
            return NO_COVER
        reason = ""
        key = self._key("embedded", path, st)
        entry = self._entry(key)
        if entry is None:
            if scale is None:
                return None
            try:
                pic = embedded_picture(path)
            except CoverError as exc:
                pic, entry = None, self._store(key, "skip", str(exc).encode())
            if pic is not None:
                entry = self._make(key, pic, scale)
            elif entry is None:
                entry = self._store(key, "none", b"")
        kind, file = entry
        if kind == "jpg":
            self._touch(file)
            return Cover(file, "", "embedded")
        if kind == "skip":
            reason = _read_text(file)
        folder = os.path.dirname(path)
        image = folder_image(folder, self._folder_names(folder))
        if image is None:
            return Cover(None, reason)
        try:
            ist = os.stat(image)
        except OSError:
            return Cover(None, reason)
        fkey = self._key("folder", image, ist)
        entry = self._entry(fkey)
        if entry is None:
            if scale is None:
                return None
            try:
                entry = self._make(fkey, read_folder_image(image), scale)
            except CoverError as exc:
                entry = self._store(fkey, "skip", str(exc).encode())
        kind, file = entry
        if kind == "jpg":
            self._touch(file)
            return Cover(file, "", image)
        return Cover(None, _read_text(file) if kind == "skip" else reason, image)

    def _make(self, key: str, pic: Picture, scale: Scale) -> tuple[str, str]:
        name = "the embedded picture" if pic.source == "embedded" \
            else os.path.basename(pic.source)
        try:
            if len(pic.data) > MAX_PICTURE_BYTES:
                raise CoverError(f"the picture is too large ({len(pic.data) / 1e6:.1f} MB)")
            jpeg = scale(pic.data, self.size)
        except CoverError as exc:
            log.info("cover skipped: %s: %s", name, exc)
            return self._store(key, "skip", f"{name}: {exc}".encode())
        return self._store(key, "jpg", jpeg)

    # -------------------------------------------------------------- writing
    def _store(self, key: str, kind: str, data: bytes) -> tuple[str, str]:
        """Write an entry atomically (:func:`~soundalike.library.files.disk.write_atomic`);
        an unwritable cache still answers (the entry is just not kept)."""
        folder = self.dir / key[:2]
        file = str(folder / f"{key}.{kind}")
        if not self.writable:
            return kind, self._spill(key, kind, data)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(file, data)
        except OSError as exc:
            log.warning("cover cache %s is not writable (%s)", self.dir, exc)
            self.writable = False
            return kind, self._spill(key, kind, data)
        with self._lock:
            self._written += 1
            due = self._written % 200 == 0
        if due:
            self.trim()
        return kind, file

    @staticmethod
    def _spill(key: str, kind: str, data: bytes) -> str:
        """An entry of an unwritable cache: a file in the temporary folder (this session)."""
        import tempfile

        file = os.path.join(tempfile.gettempdir(), f"soundalike-cover-{key}.{kind}")
        with contextlib.suppress(OSError), open(file, "wb") as f:
            f.write(data)
        return file

    @staticmethod
    def _touch(file: str) -> None:
        with contextlib.suppress(OSError):
            os.utime(file)

    def entries(self) -> list[tuple[float, int, str]]:
        """(last used, size, file) of every entry."""
        out = []
        try:
            subdirs = list(os.scandir(self.dir))
        except OSError:
            return out
        for sub in subdirs:
            if not sub.is_dir():
                continue
            with contextlib.suppress(OSError):
                for e in os.scandir(sub.path):
                    if e.name.endswith(".tmp"):
                        continue
                    st = e.stat()
                    out.append((st.st_mtime, max(st.st_size, _MIN_ENTRY), e.path))
        return out

    def usage(self) -> int:
        """Bytes the cache holds (markers count as :data:`_MIN_ENTRY` each)."""
        return sum(size for _, size, _ in self.entries())

    def trim(self) -> int:
        """Delete the entries used longest ago until the cache is under 90 % of its
        limit (when it is over it); returns how many were deleted."""
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return 0
        goal = self.max_bytes * 0.9
        removed = 0
        for _, size, file in sorted(entries):
            if total <= goal:
                break
            with contextlib.suppress(OSError):
                os.unlink(file)
                total -= size
                removed += 1
        return removed


def _read_text(file: str) -> str:
    try:
        with open(file, "rb") as f:
            return f.read(500).decode("utf-8", "replace")
    except OSError:
        return ""


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "…"

