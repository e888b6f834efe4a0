"""Cover art in the window: thumbnails made with Qt's image readers, found and cached by
:class:`soundalike.library.files.covers.CoverCache`, loaded off the UI thread.

:class:`CoverLoader` is what views ask: ``loader.pixmap(path, size)`` answers at once
from memory (a QPixmap, or None while the cover is being found or when there is none)
and otherwise queues the track; the work (reading tags, decoding and scaling the
picture, writing the thumbnail, loading it) runs in small batches through
:meth:`soundalike.gui.tasks.Tasks.run_task`, the most recently asked first, one batch at
a time so covers never crowd out the library's own queries. :attr:`CoverLoader.ready`
then names the track path, and the view repaints it.
"""

from __future__ import annotations

import collections
import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPixmap

from soundalike.gui.tasks import Tasks
from soundalike.library.files.covers import Cover, CoverCache, CoverError

log = logging.getLogger(__name__)

#: pictures with more pixels than this are skipped (decoding one would take ~100s of MB)
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 88
BATCH = 4            # tracks per background task
MAX_WANTED = 256     # requests remembered (the oldest are dropped: scrolled away)
MAX_KNOWN = 20_000   # track → Cover answers kept in memory
MAX_IMAGES = 160     # decoded thumbnails kept in memory
MAX_PIXMAPS = 600    # scaled pixmaps kept in memory
TRIM_AFTER_MS = 30_000  # the cache is trimmed once, this long after start


def make_thumbnail(data: bytes, size: int) -> bytes:
    """JPEG bytes of the picture *data* scaled to fit *size* × *size* (never enlarged;
    EXIF rotation applied; transparency over white).

    Raises
    ------
    CoverError
        Not a picture Qt can read, damaged, or more than :data:`MAX_PIXELS` pixels.
    """
    buf = QBuffer()
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buf)
    reader.setAutoTransform(True)
    if not reader.canRead():
        raise CoverError("not a picture (unknown or damaged image data)")
    dims = reader.size()
    if dims.isValid():
        w, h = dims.width(), dims.height()
        if w <= 0 or h <= 0:
            raise CoverError(f"the picture has no pixels ({w} × {h})")
        if w * h > MAX_PIXELS:
            raise CoverError(f"the picture is too large ({w:,} × {h:,} pixels)")
        if w > size or h > size:
            reader.setScaledSize(dims.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise CoverError(f"the picture cannot be decoded ({reader.errorString()})")
    if image.width() > size or image.height() > size:
        image = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    if image.hasAlphaChannel():
        flat = QImage(image.size(), QImage.Format.Format_RGB32)
        flat.fill(QColor("white"))
        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        image = flat
    out = QBuffer()
    out.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(out, "JPEG", JPEG_QUALITY):
        raise CoverError("the thumbnail cannot be written")
    return bytes(out.data())


class CoverLoader(QObject):
    """Covers for track paths, found in the background (see the module docstring)."""

    #: a track path whose cover is now known (found or not)
    ready = Signal(str)

    def __init__(self, tasks: Tasks, cache: CoverCache | None = None, parent=None):
        super().__init__(parent)
        self.tasks = tasks
        self.cache = cache if cache is not None else CoverCache()
        self._known: collections.OrderedDict[str, Cover] = collections.OrderedDict()
        self._images: collections.OrderedDict[str, QImage] = collections.OrderedDict()
        self._pixmaps: collections.OrderedDict[tuple[str, int], QPixmap] = \
            collections.OrderedDict()
        self._wanted: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._busy = False
        self.closed = False
        self.loads = 0  # tracks looked up in the background (tests, benchmarks)
        QTimer.singleShot(TRIM_AFTER_MS, self._trim)

    # -------------------------------------------------------------- asking
    def cover(self, path: str) -> Cover | None:
        """What is known of *path*'s cover (None: not yet; it is then queued)."""
        cover = self._known.get(path)
        if cover is None:
            self.request(path)
        else:
            self._known.move_to_end(path)
        return cover

    def art_file(self, path: str | None) -> str | None:
        """The thumbnail file of *path*'s cover when it is known (no request)."""
        cover = self._known.get(path) if path else None
        return cover.file if cover is not None else None

    def pixmap(self, path: str | None, size: int) -> QPixmap | None:
        """*path*'s cover fitted into *size* × *size*, or None (no cover, or not loaded
        yet: then :attr:`ready` follows)."""
        if not path:
            return None
        cover = self.cover(path)
        if cover is None or cover.file is None:
            return None
        key = (cover.file, size)
        pm = self._pixmaps.get(key)
        if pm is not None:
            self._pixmaps.move_to_end(key)
            return pm
        image = self._images.get(cover.file)
        if image is None:  # evicted from memory: load the thumbnail again
            self._known.pop(path, None)
            self.request(path)
            return None
        self._images.move_to_end(cover.file)
        pm = QPixmap.fromImage(image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation))
        self._pixmaps[key] = pm
        while len(self._pixmaps) > MAX_PIXMAPS:
            self._pixmaps.popitem(last=False)
        return pm

    def request(self, path: str) -> None:
        """Find *path*'s cover in the background (the latest requests first)."""
        if self.closed:
            return
        self._wanted[path] = None
        self._wanted.move_to_end(path)
        while len(self._wanted) > MAX_WANTED:
            self._wanted.popitem(last=False)
        if not self._busy:
            self._next_batch()

    def forget(self, path: str) -> None:
        """Look *path*'s cover up again (its file or folder changed)."""
        self._known.pop(path, None)

    def close(self) -> None:
        self.closed = True
        self._wanted.clear()

    # -------------------------------------------------------------- the work
    def _next_batch(self) -> None:
        if self.closed or not self._wanted:
            self._busy = False
            return
        paths = []
        while self._wanted and len(paths) < BATCH:
            path, _ = self._wanted.popitem(last=True)
            paths.append(path)
        self._busy = True
        cache = self.cache

        def work() -> list[tuple[str, Cover, QImage | None]]:
            out = []
            for path in paths:
                cover = cache.cover(path, make_thumbnail)
                image = None
                if cover.file is not None:
                    image = QImage(cover.file)
                    if image.isNull():
                        cover, image = Cover(None, "the cached thumbnail cannot be read"), None
                out.append((path, cover, image))
            return out

        self.tasks.run_task(work, self._done, self._failed)

    def _done(self, found: list[tuple[str, Cover, QImage | None]]) -> None:
        self.loads += len(found)
        for path, cover, image in found:
            self._known[path] = cover
            if image is not None:
                self._images[cover.file] = image
                for key in [k for k in self._pixmaps if k[0] == cover.file]:
                    del self._pixmaps[key]
        while len(self._known) > MAX_KNOWN:
            self._known.popitem(last=False)
        while len(self._images) > MAX_IMAGES:
            self._images.popitem(last=False)
        self._next_batch()
        if not self.closed:
            for path, _cover, _image in found:
                self.ready.emit(path)

    def _failed(self, exc: BaseException) -> None:
        log.warning("cover loading failed: %s", exc)
        self._next_batch()

    def _trim(self) -> None:
        if not self.closed:
            self.tasks.run_task(self.cache.trim)


def placeholder(size: int, color: QColor) -> QPixmap:
    """A plain square with a note symbol, for albums without a cover."""
    pm = QPixmap(QSize(size, size))
    pm.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pm)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    bg = QColor(color)
    bg.setAlpha(40)
    painter.setBrush(bg)
    painter.drawRoundedRect(0, 0, size, size, size * 0.06, size * 0.06)
    fg = QColor(color)
    fg.setAlpha(140)
    painter.setPen(fg)
    font = painter.font()
    font.setPixelSize(max(8, int(size * 0.45)))
    painter.setFont(font)
    painter.drawText(pm.rect(), Qt.AlignmentFlag.AlignCenter, "♪")
    painter.end()
    return pm
