"""The library map: a 2-D projection of the analysed tracks, coloured by top style.

A track's colour is its most probable style word over both taggers' vocabularies
(:func:`colour_groups`: MSD's genres and MTT's styles, so orchestral music reads
"classical", not "jazz").

The projection (PCA by SVD of the standardised CNN embeddings) is computed off the
UI thread; the widget paints the points itself. Hovering shows the track; clicking
offers Play and Find similar songs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QMenu, QToolTip, QWidget

from soundalike.gui.tasks import Tasks

# 12 distinct colours (Tableau-like), the rest of the genres share grey
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#17becf", "#bcbd22", "#8c564b")
OTHER = "#9a9a9a"
MARGIN = 24


@dataclass(slots=True)
class MapData:
    ids: np.ndarray        # (n,) int64
    xy: np.ndarray         # (n, 2) float32 in [0, 1]
    genre: np.ndarray      # (n,) int — index into labels
    labels: list[str]      # style words, most frequent first (colour order)
    titles: list[str]      # "Title — Artist"


def project(vectors: np.ndarray) -> np.ndarray:
    """First two principal components of *vectors* (n, d), scaled to [0, 1]²."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    if n == 1:
        return np.full((1, 2), 0.5, np.float32)
    x = vectors.astype(np.float64)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    xy = x @ vt[:2].T
    if xy.shape[1] < 2:
        xy = np.hstack([xy, np.zeros((n, 1))])
    # scale by the 1st–99th percentiles so a few outliers do not squash the rest
    # (outliers are drawn on the border)
    lo, hi = np.percentile(xy, 1, axis=0), np.percentile(xy, 99, axis=0)
    if n < 50:
        lo, hi = xy.min(axis=0), xy.max(axis=0)
    scaled = (xy - lo) / np.where(hi - lo > 0, hi - lo, 1.0)
    return np.clip(scaled, 0.0, 1.0).astype(np.float32)


def colour_groups(tags: np.ndarray, mtt_tags: np.ndarray | None) -> tuple[np.ndarray, list[str]]:
    """Which colour each track gets: ``(rank per track, style words by rank)``.

    A track's word is its top style over MSD's genres and MTT's styles
    (``engine.cnn.top_style``; MSD's top genre where a track has no MTT tags, rows of NaN);
    words are ranked by how many tracks have them, the most common first (colour order).
    """
    from soundalike.engine.cnn import top_style

    words = top_style(tags, mtt_tags)
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    labels = sorted(counts, key=lambda w: -counts[w])  # stable: ties keep first-seen order
    rank = {w: i for i, w in enumerate(labels)}
    return np.asarray([rank[w] for w in words], dtype=int), labels


def load_map(db_path: str) -> MapData:
    """Read the analysed tracks and project them (runs on a worker thread)."""
    from soundalike.engine.analyze import USABLE_VERSIONS
    from soundalike.library.browse import analysed_mtt_tags, analysed_points
    from soundalike.library.store import Store

    with Store(db_path) as store:
        ids, embs, tags, tracks = analysed_points(store, USABLE_VERSIONS)
        mtt_tags = analysed_mtt_tags(store, ids)
    if not ids:
        return MapData(np.zeros(0, np.int64), np.zeros((0, 2), np.float32),
                       np.zeros(0, int), [], [])
    groups, labels = colour_groups(tags, mtt_tags)
    titles = []
    for tid in ids:
        t = tracks.get(tid)
        titles.append(f"{t.display_title} — {t.display_artist}" if t else str(tid))
    return MapData(np.asarray(ids, np.int64), project(embs), groups, labels, titles)


class LibraryMap(QWidget):
    """Scatter plot of the library; one dot per analysed track."""

    play_requested = Signal(int)       # track id
    similar_requested = Signal(int)    # track id
    loaded = Signal(int)               # number of points

    def __init__(self, db_path: str, parent=None, *, tasks: Tasks | None = None):
        super().__init__(parent)
        self.db_path = db_path
        self.tasks = tasks or Tasks(self)
        self.data: MapData | None = None
        self.stale = True
        self.loading = False
        self.hover: int | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(320, 240)
        self.setAutoFillBackground(True)

    # ------------------------------------------------------------------ data
    def ensure_loaded(self) -> None:
        if self.stale and not self.loading:
            self.reload()

    def mark_stale(self) -> None:
        self.stale = True
        if self.isVisible():
            self.ensure_loaded()

    def reload(self) -> None:
        self.loading = True
        self.stale = False
        self.update()

        def done(data: MapData) -> None:
            self.loading = False
            self.data = data
            self.hover = None
            self.update()
            self.loaded.emit(len(data.ids))

        def failed(exc: BaseException) -> None:
            self.loading = False
            self.update()

        self.tasks.run_task(lambda: load_map(self.db_path), done, failed)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    # ------------------------------------------------------------------ geometry
    def _plot_rect(self) -> QRectF:
        legend = 170 if self.data is not None and self.data.labels else 0
        return QRectF(MARGIN, MARGIN, max(10, self.width() - 2 * MARGIN - legend),
                      max(10, self.height() - 2 * MARGIN))

    def _dot_rect(self) -> QRectF:
        """Where dot centres go: the plot area less a small inner margin."""
        return self._plot_rect().adjusted(10, 10, -10, -10)

    def point_at(self, pos: QPointF, radius: float = 7.0) -> int | None:
        """Index of the point nearest *pos* within *radius* pixels."""
        if self.data is None or not len(self.data.ids):
            return None
        r = self._dot_rect()
        px = r.left() + self.data.xy[:, 0] * r.width()
        py = r.bottom() - self.data.xy[:, 1] * r.height()
        d = (px - pos.x()) ** 2 + (py - pos.y()) ** 2
        i = int(np.argmin(d))
        return i if d[i] <= radius * radius else None

    def screen_pos(self, i: int) -> QPointF:
        r = self._dot_rect()
        x, y = self.data.xy[i]
        return QPointF(r.left() + x * r.width(), r.bottom() - y * r.height())

    @staticmethod
    def colour(rank: int) -> QColor:
        return QColor(PALETTE[rank] if rank < len(PALETTE) else OTHER)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        text_colour = pal.text().color()
        if self.data is None or not len(self.data.ids):
            p.setPen(text_colour)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       "Building the map…" if self.loading else
                       "No analysed songs yet: the map fills as the analysis runs.")
            return
        r = self._plot_rect()
        p.setPen(QPen(pal.mid().color(), 1, Qt.PenStyle.DotLine))
        p.drawRect(r)
        d = self.data
        p.setPen(Qt.PenStyle.NoPen)
        size = 7.0 if len(d.ids) < 2000 else 4.0 if len(d.ids) < 20000 else 2.5
        for rank in sorted(set(d.genre.tolist()), reverse=True):  # common genres on top
            colour = self.colour(rank)
            colour.setAlpha(210)
            p.setBrush(colour)
            for i in np.flatnonzero(d.genre == rank):
                p.drawEllipse(self.screen_pos(int(i)), size / 2, size / 2)
        if self.hover is not None:
            c = self.screen_pos(self.hover)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(text_colour, 2))
            p.drawEllipse(c, size, size)
            self._draw_label(p, c, d.titles[self.hover])
        # legend
        font = QFont(self.font())
        p.setFont(font)
        x0 = r.right() + 16
        y = r.top() + 4
        line = self.fontMetrics().height() + 4
        p.setPen(text_colour)
        bold = QFont(font)
        bold.setBold(True)
        p.setFont(bold)
        p.drawText(QPointF(x0, y + line * 0.7), "Top style")
        p.setFont(font)
        shown = d.labels[:len(PALETTE)]
        for rank, label in enumerate(shown):
            y += line
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.colour(rank))
            p.drawEllipse(QPointF(x0 + 5, y + line * 0.45), 5, 5)
            p.setPen(text_colour)
            n = int((d.genre == rank).sum())
            p.drawText(QPointF(x0 + 16, y + line * 0.7), f"{label} ({n})")
        if len(d.labels) > len(PALETTE):
            y += line
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(OTHER))
            p.drawEllipse(QPointF(x0 + 5, y + line * 0.45), 5, 5)
            p.setPen(text_colour)
            p.drawText(QPointF(x0 + 16, y + line * 0.7), "other")
        p.setPen(pal.mid().color())
        p.drawText(QRectF(r.left(), r.bottom() + 2, r.width(), MARGIN - 2),
                   Qt.AlignmentFlag.AlignLeft,
                   f"{len(d.ids)} analysed songs · nearby dots sound alike · click a dot")

    def _draw_label(self, p: QPainter, at: QPointF, text: str) -> None:
        """The hovered track's name in a small box beside its dot."""
        fm = self.fontMetrics()
        box = QRectF(0, 0, fm.horizontalAdvance(text) + 12, fm.height() + 6)
        box.moveTopLeft(QPointF(at.x() + 10, at.y() - box.height() - 4))
        if box.right() > self.width() - 4:
            box.moveRight(at.x() - 10)
        if box.top() < 2:
            box.moveTop(at.y() + 8)
        pal = self.palette()
        p.setPen(QPen(pal.mid().color(), 1))
        p.setBrush(pal.toolTipBase())
        p.drawRoundedRect(box, 4, 4)
        p.setPen(pal.toolTipText().color())
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    # ------------------------------------------------------------------ mouse
    def mouseMoveEvent(self, event) -> None:
        i = self.point_at(event.position())
        if i != self.hover:
            self.hover = i
            self.update()
        if i is not None:
            genre = self.data.labels[self.data.genre[i]]
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"{self.data.titles[i]}\ntop style: {genre}", self)
        else:
            QToolTip.hideText()

    def mousePressEvent(self, event) -> None:
        i = self.point_at(event.position())
        if i is None:
            return
        tid = int(self.data.ids[i])
        menu = QMenu(self)
        menu.addAction(self.data.titles[i]).setEnabled(False)
        menu.addAction("Play", lambda: self.play_requested.emit(tid))
        menu.addAction("Find similar songs", lambda: self.similar_requested.emit(tid))
        menu.popup(event.globalPosition().toPoint())
        self._menu = menu
