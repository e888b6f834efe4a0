"""Discovery in the player (issue 24): sonic order of the queue and of playlists
(undoable), similar albums and artists, artist radio, library mixes.

The work runs on the recommender's thread (:meth:`SimilarityActions.run`); the
results come back to the UI thread. Each sonic order remembers the order it replaced,
so "Undo sonic order" puts it back (for the queue: if the queue still holds the same
songs).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject

from soundalike.gui.library_query import Row
from soundalike.gui.queue_model import QueueModel
from soundalike.library.errors import LibraryError

#: how many sonic orders of each list can be undone
UNDO_DEPTH = 10


def _tr(text: str) -> str:
    return QCoreApplication.translate("DiscoveryActions", text)


class DiscoveryActions(QObject):
    """Sonic order, similar albums and artists, mixes: the window's discovery actions."""

    def __init__(self, *, similarity, queue: QueueModel, store, sidebar, model,
                 resolve_rows: Callable[[list[int]], list[Row]],
                 show_message: Callable[[str, int], None], parent=None):
        super().__init__(parent)
        self.similarity = similarity
        self.queue = queue
        self.store = store
        self.sidebar = sidebar
        self.model = model
        self.resolve_rows = resolve_rows
        self._show = show_message
        self._queue_undo: list[list[Row]] = []
        self._playlist_undo: dict[int, list[list[int]]] = {}

    # ------------------------------------------------------------------ sonic order
    def order_queue(self, by: str) -> None:
        """Put the songs after the playing one (all of them when nothing plays) in sonic
        order *by*; the playing song stays where it is."""
        items = self.queue.items
        start = self.queue.current + 1
        tail = items[start:]
        if len(tail) < 2:
            self._show(_tr("Nothing to order after the current song"), 5000)
            return
        ids = [r.id for r in tail]

        def work(rec):
            from soundalike.library.discovery import order_tracks

            return order_tracks(rec, ids, by)

        def done(found) -> None:
            order, unplaced = found
            now = self.queue.items
            if [r.id for r in now[start:]] != ids or now[:start] != items[:start]:
                self._show(_tr("The queue changed meanwhile: not reordered"), 5000)
                return
            by_id: dict[int, list[Row]] = {}
            for r in tail:
                by_id.setdefault(r.id, []).append(r)
            new_tail = [by_id[i].pop(0) for i in order]
            if self.queue.rearrange(now[:start] + new_tail):
                self._queue_undo = (self._queue_undo + [now])[-UNDO_DEPTH:]
                self._show(self._ordered_message(by, len(new_tail), unplaced), 6000)

        self.similarity.run(work, done, self._failed)

    def can_undo_queue_order(self) -> bool:
        return bool(self._queue_undo)

    def undo_queue_order(self) -> bool:
        """Put back the queue's order before the last sonic order."""
        if not self._queue_undo:
            return False
        before = self._queue_undo.pop()
        if not self.queue.rearrange(before):
            self._queue_undo.clear()
            self._show(_tr("The queue changed since: the old order cannot come back"), 6000)
            return False
        self._show(_tr("Queue order undone"), 4000)
        return True

    def order_playlist(self, playlist_id: int, by: str) -> None:
        """Put the saved playlist in sonic order *by* (undoable)."""
        try:
            ids = [t.id for t in self.store.playlist_tracks(playlist_id)]
        except LibraryError as exc:
            self._show(str(exc), 8000)
            return
        if len(ids) < 2:
            return

        def work(rec):
            from soundalike.library.discovery import order_tracks

            return order_tracks(rec, ids, by)

        def done(found) -> None:
            order, unplaced = found
            if [t.id for t in self.store.playlist_tracks(playlist_id)] != ids:
                self._show(_tr("The playlist changed meanwhile: not reordered"), 5000)
                return
            if not self._set_playlist(playlist_id, order):
                return
            stack = self._playlist_undo.setdefault(playlist_id, [])
            stack[:] = (stack + [ids])[-UNDO_DEPTH:]
            self._show(self._ordered_message(by, len(order), unplaced), 6000)

        self.similarity.run(work, done, self._failed)

    def can_undo_playlist_order(self, playlist_id: int) -> bool:
        return bool(self._playlist_undo.get(playlist_id))

    def undo_playlist_order(self, playlist_id: int) -> bool:
        stack = self._playlist_undo.get(playlist_id)
        if not stack:
            return False
        before = stack.pop()
        current = [t.id for t in self.store.playlist_tracks(playlist_id)]
        if sorted(current) != sorted(before):
            stack.clear()
            self._show(_tr("The playlist changed since: the old order cannot come back"),
                       6000)
            return False
        ok = self._set_playlist(playlist_id, before)
        if ok:
            self._show(_tr("Playlist order undone"), 4000)
        return ok

    def _set_playlist(self, playlist_id: int, ids: list[int]) -> bool:
        try:
            self.store.set_playlist_tracks(playlist_id, ids)
        except LibraryError as exc:  # a full disk, a busy library: said, nothing lost
            self._show(_tr("The playlist was not reordered: {0}").format(exc), 10000)
            return False
        if self.model.browse.playlist_id == playlist_id:
            self.model.reload()
        return True

    @staticmethod
    def _ordered_message(by: str, n: int, unplaced: int) -> str:
        from soundalike.library.discovery import ORDER_WORDS

        text = _tr("{0} songs in order {1}").format(n, ORDER_WORDS.get(by, by))
        if unplaced:
            text += _tr(" ({0} not analysed yet went last)").format(unplaced)
        return text

    def _failed(self, exc: BaseException) -> None:
        self._show(str(exc) or exc.__class__.__name__, 10000)
