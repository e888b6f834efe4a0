"""Discovery in the player (issue 24): sonic order of the queue and of playlists
(undoable), similar albums and artists, artist radio, library mixes.

The work runs on the recommender's thread (:meth:`SimilarityActions.run`); the
results come back to the UI thread. Each sonic order remembers the order it replaced,
so "Undo sonic order" puts it back (for the queue: if the queue still holds the same
songs).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from soundalike.gui.library_query import Row
from soundalike.gui.queue_model import QueueModel
from soundalike.library.model.errors import LibraryError

#: how many sonic orders of each list can be undone
UNDO_DEPTH = 10
#: albums or artists listed as similar
GROUPS_SHOWN = 15
#: seeds of an artist radio
ARTIST_SEEDS = 3
#: how often the mixes are checked (remade only when the library moved enough)
MIX_CHECK_MS = 10 * 60 * 1000


class DiscoveryActions(QObject):
    """Sonic order, similar albums and artists, mixes: the window's discovery actions."""

    def __init__(self, *, similarity, queue: QueueModel, store, sidebar, model,
                 resolve_rows: Callable[[list[int]], list[Row]],
                 show_message: Callable[[str, int], None],
                 play_rows: Callable[[list[Row]], None] = lambda rows: None,
                 show_browse: Callable[[], None] = lambda: None,
                 save_playlist: Callable[[list[int], str], object] = lambda ids, name: None,
                 parent=None):
        super().__init__(parent)
        self.similarity = similarity
        self.queue = queue
        self.store = store
        self.sidebar = sidebar
        self.model = model
        self.resolve_rows = resolve_rows
        self._show = show_message
        self.play_rows = play_rows
        self.show_browse = show_browse   # bring the library table to the front
        self._groups_dialog = None
        self.save_playlist = save_playlist
        self._mixes_wanted = False
        self._timer = QTimer(self)
        self._timer.setInterval(MIX_CHECK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
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
            self._show(self.tr("Nothing to order after the current song"), 5000)
            return
        ids = [r.id for r in tail]

        def work(rec):
            from soundalike.library.recommend.discovery import order_tracks

            return order_tracks(rec, ids, by)

        def done(found) -> None:
            order, unplaced = found
            now = self.queue.items
            if [r.id for r in now[start:]] != ids or now[:start] != items[:start]:
                self._show(self.tr("The queue changed meanwhile: not reordered"), 5000)
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
            self._show(self.tr("The queue changed since: the old order cannot come back"), 6000)
            return False
        self._show(self.tr("Queue order undone"), 4000)
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
            from soundalike.library.recommend.discovery import order_tracks

            return order_tracks(rec, ids, by)

        def done(found) -> None:
            order, unplaced = found
            if [t.id for t in self.store.playlist_tracks(playlist_id)] != ids:
                self._show(self.tr("The playlist changed meanwhile: not reordered"), 5000)
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
            self._show(self.tr("The playlist changed since: the old order cannot come back"),
                       6000)
            return False
        ok = self._set_playlist(playlist_id, before)
        if ok:
            self._show(self.tr("Playlist order undone"), 4000)
        return ok

    def _set_playlist(self, playlist_id: int, ids: list[int]) -> bool:
        try:
            self.store.set_playlist_tracks(playlist_id, ids)
        except LibraryError as exc:  # a full disk, a busy library: said, nothing lost
            self._show(self.tr("The playlist was not reordered: {0}").format(exc), 10000)
            return False
        if self.model.browse.playlist_id == playlist_id:
            self.model.reload()
        return True

    def _ordered_message(self, by: str, n: int, unplaced: int) -> str:
        from soundalike.library.recommend.discovery import ORDER_WORDS

        text = self.tr("{0} songs in order {1}").format(n, ORDER_WORDS.get(by, by))
        if unplaced:
            text += self.tr(" ({0} not analysed yet went last)").format(unplaced)
        return text

    # ------------------------------------------------------------------ albums and artists
    def similar_groups(self, kind: str, *, track_ids: list[int] | None = None,
                       source_kind: str = "", name: str = "") -> None:
        """Show the albums (*kind* "album") or artists ("artist") like those of
        *track_ids* (an album of the grid), or like the album or artist *name*
        (*source_kind*), in the similar-groups window."""
        ids = list(track_ids or [])

        def work(rec):
            from soundalike.library.recommend import discovery as d

            if ids:
                query = d.groups_of_tracks(rec, kind, ids)
            else:
                query = d.find_groups(rec, source_kind, name)
                if query and source_kind != kind:
                    query = d.groups_of_tracks(rec, kind, [int(rec.index.ids[p])
                                                           for g in query for p in g.positions])
            if not query:
                return None, []
            found = d.similar_groups(rec, kind, query, GROUPS_SHOWN)
            return query[0], [r.to_dict(rec) for r in found]

        def done(found) -> None:
            query, results = found
            if query is None:
                self._show(self.tr("Nothing analysed to compare yet"), 6000)
                return
            label = (f"{query.artist} – {query.name}" if kind == "album" and query.artist
                     else query.name)
            heading = (self.tr("Albums that sound like {0}") if kind == "album"
                       else self.tr("Artists that sound like {0}")).format(label)
            dialog = self.groups_dialog()
            dialog.show_results(kind, heading, results)
            dialog.show()
            dialog.raise_()

        self.similarity.run(work, done, self._failed)

    def groups_dialog(self):
        """The similar albums/artists window (made once)."""
        if self._groups_dialog is None:
            from soundalike.gui.similar_groups import SimilarGroupsDialog

            dialog = SimilarGroupsDialog(self.parent())
            dialog.show_requested.connect(self._show_group)
            dialog.play_requested.connect(
                lambda ids: self.play_rows(self.resolve_rows(ids)))
            dialog.artist_radio_requested.connect(self.artist_radio)
            self._groups_dialog = dialog
        return self._groups_dialog

    def _show_group(self, kind: str, name: str) -> None:
        from soundalike.gui.library_query import Browse

        self.model.set_browse(Browse(album=name) if kind == "album" else Browse(artist=name))
        self.show_browse()

    def artist_radio(self, artist: str) -> None:
        """A radio from the artist's most typical songs (up to :data:`ARTIST_SEEDS`,
        those nearest the artist's average sound)."""
        def work(rec):
            from soundalike.library.recommend import discovery as d

            groups = d.find_groups(rec, "artist", artist)
            return d.typical_tracks(rec, "artist", groups, ARTIST_SEEDS)

        def done(ids) -> None:
            if not ids:
                self._show(self.tr("No analysed songs by {0} yet").format(artist), 6000)
                return
            self.similarity.start_radio(ids)

        self.similarity.run(work, done, self._failed)

    # ------------------------------------------------------------------ mixes
    def refresh_mixes(self, force: bool = False) -> None:
        """List the library's mixes in the sidebar; they are made again first (in the
        background, on the recommender's thread) when the library changed enough."""
        self._mixes_wanted = True

        def work(rec):
            from soundalike.library.recommend import mixes

            return [(m.name, m.id, m.size, m.pinned)
                    for m in mixes.ensure_mixes(rec, force=force)]

        def failed(exc: BaseException) -> None:
            if not self.sidebar.mix_names():
                self.sidebar.mixes_note(self.tr("The mixes could not be made: {0}").format(
                    str(exc) or exc.__class__.__name__))
            self._failed(exc)

        self.similarity.run(work, self.sidebar.set_mixes, failed)

    def _tick(self) -> None:
        """Every :data:`MIX_CHECK_MS`: remake the mixes if the library moved (only once
        the user has looked at them)."""
        if self._mixes_wanted:
            self.refresh_mixes()

    def save_mix(self, mix_id: str, name: str) -> None:
        """Save the mix's songs (its region, flow order) as a playlist, and pin it."""
        def work(rec):
            from soundalike.library.recommend import mixes

            mix = mixes.find_mix(rec.store, mix_id)
            if mix is None:
                return None
            mixes.set_pinned(rec.store, mix_id, True)
            return mixes.mix_tracks(rec, mix)

        def done(ids) -> None:
            if not ids:
                self._show(self.tr("The mix “{0}” has no analysed songs").format(name), 6000)
                return
            self.save_playlist(ids, name)
            self.refresh_mixes()

        self.similarity.run(work, done, self._failed)

    def pin_mix(self, mix_id: str, pinned: bool) -> None:
        def work(rec):
            from soundalike.library.recommend import mixes

            mixes.set_pinned(rec.store, mix_id, pinned)

        self.similarity.run(work, lambda _r: self.refresh_mixes(), self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._show(str(exc) or exc.__class__.__name__, 10000)
