"""The library map: the analysed tracks laid out so that nearby dots sound alike,
coloured by top style.

A track's colour is its most probable style word over both taggers' vocabularies
(:func:`colour_groups`: MSD's genres and MTT's styles, so orchestral music reads
"classical", not "jazz").

The positions come from :mod:`soundalike.library.recommend.map_layout` (read on a worker
thread): the cached layout, new tracks placed near their neighbours, or at first the PCA of
the hybrid vectors while the full layout (:func:`soundalike.engine.layout.layout`) is
computed in a separate process
(:class:`~soundalike.library.recommend.map_layout_job.LayoutJob`); the map then reloads. The
widget paints the points itself. Hovering shows the track; clicking offers Play and Find
similar songs. The search box above the map highlights the tracks that match (the library
search's words and fields) and dims the rest; Enter and
Shift+Enter step through the matches, Ctrl+Enter plays the current one, Escape clears.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QToolTip, QWidget

from soundalike.gui.keys import widget_shortcut
from soundalike.gui.tasks import TaskHandle, Tasks

# 12 distinct colours (Tableau-like), the rest of the styles share grey
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#17becf", "#bcbd22", "#8c564b")
OTHER = "#9a9a9a"
MARGIN = 24
TOP = 56            # room above the plot for the search box
SEARCH_DEBOUNCE_MS = 150
PROGRESS_POLL_MS = 250
DIM_ALPHA = 40


@dataclass(slots=True)
class MapData:
    ids: np.ndarray        # (n,) int64
    xy: np.ndarray         # (n, 2) float32 in [0, 1]
    style_rank: np.ndarray  # (n,) int — the rank of each track's top style: index into labels
    labels: list[str]      # style words, most frequent first (colour order)
    titles: Sequence[str]  # "Title — Artist" (PackedStrings)
    hay: Sequence[str] = field(default_factory=list)  # folded search text per point
    state: str = "pca"     # where the positions come from (Positions.state)
    placed: int = 0        # tracks placed near their neighbours since the last layout
    relayout_due: bool = False


class PackedStrings(Sequence):
    """An append-only list of strings kept as one UTF-8 buffer and offsets (a title and a
    search text per map point: 100,000 of each cost ~9 MB instead of ~30 MB as str objects)."""

    def __init__(self, items: Iterable[str] = ()):
        self._data, self._ends = bytearray(), array("q")
        for x in items:
            self.append(x)

    def append(self, text: str) -> None:
        self._data += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        start = self._ends[i - 1] if i else 0
        return self._data[start:self._ends[i]].decode("utf-8", "surrogatepass")


def colour_groups(tags: np.ndarray, mtt_tags: np.ndarray | None, *, chunk: int = 16384
                  ) -> tuple[np.ndarray, list[str]]:
    """Which colour each track gets: ``(rank per track, style words by rank)``.

    A track's word is its top style over MSD's genres and MTT's styles
    (``engine.cnn.top_style``; MSD's top genre where a track has no MTT tags, rows of NaN);
    words are ranked by how many tracks have them, the most common first (colour order).
    Rows are taken *chunk* at a time (the index's float16 tags need no float32 copy).
    """
    from soundalike.engine.cnn import top_style

    words: list[str] = []
    for s in range(0, len(tags), chunk):
        words += top_style(tags[s:s + chunk], None if mtt_tags is None else mtt_tags[s:s + chunk])
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    labels = sorted(counts, key=lambda w: -counts[w])  # stable: ties keep first-seen order
    rank = {w: i for i, w in enumerate(labels)}
    return np.asarray([rank[w] for w in words], dtype=int), labels


def load_map(db_path: str) -> MapData:
    """Read the analysed tracks and project them (runs on a worker thread): ids, vectors
    and tags from the library's similarity index (memory-mapped, released before the
    titles are read), titles a chunk of tracks at a time."""
    from soundalike.library.model.search import SEARCH_COLUMNS, search_text
    from soundalike.library.recommend.map_layout import map_positions
    from soundalike.library.recommend.recommender import Recommender
    from soundalike.library.store import Store

    with Store(db_path) as store:
        rec = Recommender(store)
        if rec.index is None:
            return MapData(np.zeros(0, np.int64), np.zeros((0, 2), np.float32),
                           np.zeros(0, int), [], [])
        ids, hybrid = rec.index.live_rows()
        ids = np.array(ids, np.int64)
        groups, labels = colour_groups(
            rec.index.live_column("mood_msd"),
            rec.index.live_column("mood_mtt") if rec.uses_mtt else None)
        for name in ("mood_msd", "mood_mtt") if rec.uses_mtt else ("mood_msd",):
            rec.index.file.release(name, 0, rec.index.file.n)  # read once: pages back
        where = map_positions(store, ids, vectors=(ids, hybrid))
        del rec, hybrid  # the index's pages go with its map
        titles, hay = PackedStrings(), PackedStrings()
        for s in range(0, len(ids), 5000):  # a chunk of tracks at a time, only text kept
            chunk = [int(t) for t in ids[s:s + 5000]]
            tracks = {t.id: t for t in store.get_tracks(chunk)}
            for tid in chunk:
                t = tracks.get(tid)
                titles.append(f"{t.display_title} — {t.display_artist}" if t else str(tid))
                hay.append(search_text(*(getattr(t, c) for c in SEARCH_COLUMNS)) if t else "")
            del tracks
    return MapData(ids, where.xy, groups, labels, titles, hay,
                   where.state, where.placed, where.relayout_due)


class MapSearch(QLineEdit):
    """The map's search box: Enter / Shift+Enter (or Down / Up) step through the matches,
    Ctrl+Enter plays the current one, Escape clears."""

    step = Signal(int)          # +1 / -1
    play_current = Signal()

    def keyPressEvent(self, event) -> None:
        key, mods = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ControlModifier:
                self.play_current.emit()
            else:
                self.step.emit(-1 if mods & Qt.KeyboardModifier.ShiftModifier else 1)
            return
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self.step.emit(1 if key == Qt.Key.Key_Down else -1)
            return
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


class LibraryMap(QWidget):
    """Scatter plot of the library; one dot per analysed track."""

    play_requested = Signal(int)       # track id
    similar_requested = Signal(int)    # track id
    loaded = Signal(int)               # number of points
    layout_finished = Signal(str)      # "" when stored, else the plain-words problem

    def __init__(self, db_path: str, parent=None, *, tasks: Tasks | None = None,
                 auto_layout: bool = True):
        super().__init__(parent)
        self.db_path = db_path
        self.tasks = tasks or Tasks(self)
        self.auto_layout = auto_layout   # start the full layout when one is due
        self.data: MapData | None = None
        self.stale = True
        self.loading = False
        self.hover: int | None = None
        self.matches: np.ndarray | None = None   # indices matching the search, or None
        self._dots_cache: tuple | None = None      # (data, matches, key, QPixmap) of the dots
        self.current: int | None = None          # position in matches (Enter steps)
        self.layout_job = None  # library.recommend.map_layout_job.LayoutJob running
        self._layout_handle: TaskHandle | None = None
        self.layout_error = ""
        self.setMouseTracking(True)
        self.setMinimumSize(320, 240)
        self.setAutoFillBackground(True)
        self.setObjectName("LibraryMap")
        self.setAccessibleName(self.tr("Library map"))
        self.setToolTip(self.tr("Every analysed song as a dot: songs that sound alike lie "
                                "close. Click a dot to play it, right-click for more"))
        self.search = MapSearch(self)
        self.search.setPlaceholderText(self.tr("Find on the map: title, artist, album…"))
        self.search.setAccessibleName(self.tr("Find on the map"))
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(self.tr("Matching songs are highlighted. Enter / Shift+Enter: "
                                       "next / previous match · Ctrl+Enter: play it · Esc: "
                                       "clear"))
        self.match_label = QLabel(self)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.step.connect(self.step_match)
        self.search.play_current.connect(self.play_current_match)
        self._progress_timer = QTimer(self, interval=PROGRESS_POLL_MS)
        self._progress_timer.timeout.connect(self._update_status_line)
        widget_shortcut(QKeySequence.StandardKey.Find, self, self.focus_search)

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
            keep = self._current_id()
            self.data = data
            self.hover = None
            self.apply_search(keep_id=keep)
            self.update()
            self.loaded.emit(len(data.ids))
            if data.relayout_due and self.auto_layout:
                self.start_layout()
            if self.stale and self.isVisible():  # changed while we read
                self.reload()

        def failed(exc: BaseException) -> None:
            self.loading = False
            self.update()

        self.tasks.run_task(lambda: load_map(self.db_path), done, failed)

    @property
    def layout_running(self) -> bool:
        return self.layout_job is not None

    def start_layout(self) -> None:
        """Compute the full layout in a separate process (unless one is running); the map
        reloads when it is stored."""
        if self.layout_job is not None:
            return
        from soundalike.library.recommend.map_layout_job import LayoutJob

        job = LayoutJob(self.db_path)
        self.layout_job = job
        self.layout_error = ""
        self._progress_timer.start()

        def finish(problem: str) -> None:
            if self.layout_job is job:
                self.layout_job = None
                self._layout_handle = None
            if not shiboken6.isValid(self._progress_timer):
                return  # the map was deleted with its window before the layout ended
            self._progress_timer.stop()
            self.layout_error = problem
            if not problem:
                self.stale = True
                self.reload()
            self.update()
            self.layout_finished.emit(problem)

        self._layout_handle = self.tasks.run_task(
            job.wait, lambda _n: finish(""), lambda exc: finish(str(exc)))

    def cancel_layout(self) -> None:
        """Stop the running layout process (the stored layout stays as it was)."""
        job, handle = self.layout_job, self._layout_handle
        self.layout_job, self._layout_handle = None, None
        self._progress_timer.stop()
        if handle is not None:
            handle.cancel()
        if job is not None:
            job.cancel()
        self.update()

    def closeEvent(self, event) -> None:
        self.cancel_layout()
        super().closeEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    # ------------------------------------------------------------------ search
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def apply_search(self, keep_id: int | None = None) -> None:
        """Highlight the tracks matching the search text (every word, as in the library
        search); the current match is kept when it still matches."""
        from soundalike.library.model.search import filter_indices, search_words

        text = self.search.text()
        if self.data is None or not search_words(text):
            self.matches, self.current = None, None
        else:
            keep_id = self._current_id() if keep_id is None else keep_id
            self.matches = np.asarray(filter_indices(self.data.hay, text), np.int64)
            self.current = None
            if keep_id is not None and len(self.matches):
                at = np.flatnonzero(self.data.ids[self.matches] == keep_id)
                self.current = int(at[0]) if len(at) else None
        self._update_match_label()
        self.update()

    def _current_id(self) -> int | None:
        if self.data is None or self.matches is None or self.current is None:
            return None
        return int(self.data.ids[self.matches[self.current]])

    def current_index(self) -> int | None:
        """Point index of the current match (the one Enter moved to), or None."""
        if self.matches is None or self.current is None:
            return None
        return int(self.matches[self.current])

    def step_match(self, direction: int = 1) -> None:
        if self._search_timer.isActive():  # typed and pressed Enter at once
            self._search_timer.stop()
            self.apply_search()
        if self.matches is None or not len(self.matches):
            return
        if self.current is None:
            self.current = 0 if direction > 0 else len(self.matches) - 1
        else:
            self.current = (self.current + direction) % len(self.matches)
        self._update_match_label()
        self.update()

    def play_current_match(self) -> None:
        i = self.current_index()
        if i is None and self.matches is not None and len(self.matches):
            self.step_match(1)
            i = self.current_index()
        if i is not None:
            self.play_requested.emit(int(self.data.ids[i]))

    def _update_match_label(self) -> None:
        if self.matches is None:
            self.match_label.setText("")
        elif not len(self.matches):
            self.match_label.setText("no songs match")
        elif self.current is None:
            n = len(self.matches)
            self.match_label.setText(f"{n} song{'s' if n != 1 else ''} · Enter: go to each")
        else:
            title = self.data.titles[self.matches[self.current]]
            self.match_label.setText(f"{self.current + 1} of {len(self.matches)}: {title}")
        self.match_label.adjustSize()

    # ------------------------------------------------------------------ geometry
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        h = self.search.sizeHint().height()
        self.search.setGeometry(MARGIN, (TOP - h) // 2, min(340, self.width() - 2 * MARGIN), h)
        self.match_label.move(self.search.geometry().right() + 12,
                              (TOP - self.match_label.sizeHint().height()) // 2)
        self.match_label.setMaximumWidth(max(0, self.width() - self.search.width() - 60))

    def _plot_rect(self) -> QRectF:
        legend = 170 if self.data is not None and self.data.labels else 0
        return QRectF(MARGIN, TOP, max(10, self.width() - 2 * MARGIN - legend),
                      max(10, self.height() - TOP - MARGIN))

    def _dot_rect(self) -> QRectF:
        """Where dot centres go: the largest square in the plot area (the layout keeps
        its aspect), less a small inner margin."""
        r = self._plot_rect().adjusted(10, 10, -10, -10)
        side = min(r.width(), r.height())
        return QRectF(r.center().x() - side / 2, r.center().y() - side / 2, side, side)

    def point_at(self, pos: QPointF, radius: float = 7.0) -> int | None:
        """Index of the point nearest *pos* within *radius* pixels."""
        if self.data is None or not len(self.data.ids):
            return None
        r = self._dot_rect()
        px = r.left() + self.data.xy[:, 0] * r.width()
        py = r.bottom() - self.data.xy[:, 1] * r.height()
        d = (px - pos.x()) ** 2 + (py - pos.y()) ** 2
        if self.matches is not None and len(self.matches):  # highlighted dots win
            near = d[self.matches] <= radius * radius
            if near.any():
                return int(self.matches[np.flatnonzero(near)[np.argmin(d[self.matches][near])]])
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
    def status_text(self) -> str:
        """The line under the map: the count, and what the layout is doing."""
        d = self.data
        parts = [f"{len(d.ids)} analysed songs · nearby dots sound alike · click a dot"]
        if self.layout_job is not None:
            parts.append(f"arranging the map… {int(100 * self.layout_job.progress)}%")
        elif self.layout_error:
            parts.append(self.layout_error)
        elif d.state == "placed" and d.placed:
            parts.append(f"{d.placed} new song{'s' if d.placed != 1 else ''} placed near "
                         "their neighbours")
        elif d.state == "pca":
            parts.append("quick preview layout")
        return " · ".join(parts)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        text_colour = pal.text().color()
        if self.data is None or not len(self.data.ids):
            p.setPen(text_colour)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       self.tr("Building the map…") if self.loading else
                       self.tr("No analysed songs yet: the map fills as the analysis runs."))
            return
        r = self._plot_rect()
        p.setPen(QPen(pal.mid().color(), 1, Qt.PenStyle.DotLine))
        p.drawRect(r)
        d = self.data
        p.setPen(Qt.PenStyle.NoPen)
        size = 7.0 if len(d.ids) < 2000 else 4.0 if len(d.ids) < 20000 else 2.5
        # the dots are most of the cost (~1 s at 100,000 songs): skipped when only the
        # area around them is repainted (the layout's progress in the status line)
        dots = event.rect().intersects(self._dot_rect().adjusted(-8, -8, 8, 8).toAlignedRect())
        if dots:
            p.drawPixmap(0, 0, self._dots_layer(size, text_colour))
        current = self.current_index()
        for i, width in ((current, 2.5), (self.hover, 2.0)):
            if i is None:
                continue
            c = self.screen_pos(i)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(text_colour, width))
            p.drawEllipse(c, size + 2, size + 2)
            self._draw_label(p, c, d.titles[i])
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
        p.drawText(QPointF(x0, y + line * 0.7), self.tr("Top style"))
        p.setFont(font)
        shown = d.labels[:len(PALETTE)]
        for rank, label in enumerate(shown):
            y += line
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.colour(rank))
            p.drawEllipse(QPointF(x0 + 5, y + line * 0.45), 5, 5)
            p.setPen(text_colour)
            n = int((d.style_rank == rank).sum())
            p.drawText(QPointF(x0 + 16, y + line * 0.7), f"{label} ({n})")
        if len(d.labels) > len(PALETTE):
            y += line
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(OTHER))
            p.drawEllipse(QPointF(x0 + 5, y + line * 0.45), 5, 5)
            p.setPen(text_colour)
            p.drawText(QPointF(x0 + 16, y + line * 0.7), "other")
        p.setPen(pal.mid().color())
        p.drawText(self._status_rect(), Qt.AlignmentFlag.AlignLeft, self.status_text())

    def _dots_layer(self, size: float, text_colour: QColor) -> QPixmap:
        """The dots (dimmed, and the search's matches ringed on top) drawn once into a
        transparent pixmap, redrawn only when the data, the matches, the widget's size or
        the palette change: hovering and stepping through matches repaint the few marks
        over it, not the ~1 s of dots of a 100,000-song map."""
        d, matches = self.data, self.matches
        dpr = self.devicePixelRatioF()
        key = (self.width(), self.height(), dpr, text_colour.rgba(), size)
        cached = self._dots_cache
        if cached is not None and cached[0] is d and cached[1] is matches and cached[2] == key:
            return cached[3]
        pix = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
        pix.setDevicePixelRatio(dpr)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        lit = None
        if matches is not None:
            lit = np.zeros(len(d.ids), bool)
            lit[matches] = True
        for rank in sorted(set(d.style_rank.tolist()), reverse=True):
            colour = self.colour(rank)  # (common styles drawn last, on top)
            colour.setAlpha(210 if lit is None else DIM_ALPHA)
            p.setBrush(colour)
            for i in np.flatnonzero((d.style_rank == rank) if lit is None
                                    else (d.style_rank == rank) & ~lit):
                p.drawEllipse(self.screen_pos(int(i)), size / 2, size / 2)
        if lit is not None:  # matches on top, full colour, ringed
            big = max(size, 6.0) * 1.4
            p.setPen(QPen(text_colour, 1.2))
            for i in matches:
                p.setBrush(self.colour(int(d.style_rank[i])))
                p.drawEllipse(self.screen_pos(int(i)), big / 2, big / 2)
        p.end()
        self._dots_cache = (d, matches, key, pix)
        return pix

    def _status_rect(self) -> QRectF:
        r = self._plot_rect()
        return QRectF(r.left(), r.bottom() + 2, r.width(), MARGIN - 2)

    def _update_status_line(self) -> None:
        """Repaint the status line only (the layout's progress), not the dots."""
        self.update(self._status_rect().toAlignedRect())

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
            style = self.data.labels[self.data.style_rank[i]]
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"{self.data.titles[i]}\ntop style: {style}", self)
        else:
            QToolTip.hideText()

    def mousePressEvent(self, event) -> None:
        i = self.point_at(event.position())
        if i is None:
            return
        tid = int(self.data.ids[i])
        menu = QMenu(self)
        menu.addAction(self.data.titles[i]).setEnabled(False)
        menu.addAction(self.tr("Play"), lambda: self.play_requested.emit(tid))
        menu.addAction(self.tr("Find similar songs"), lambda: self.similar_requested.emit(tid))
        menu.popup(event.globalPosition().toPoint())
        self._menu = menu
