"""Similarity everywhere: Find similar songs, Play similar next, Start radio, Path to….

The :class:`~soundalike.library.recommend.recommender.Recommender` lives on one long-lived worker
thread (``run_task(..., serial=True)``), with its own Store connection; the UI
thread only sends requests and receives results. A track that is not analysed yet
is analysed first, at once (the analysis controller takes it before anything else),
and the request runs when its analysis is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from soundalike.engine.formats import AUDIO_EXTENSIONS
from soundalike.gui.bridges import AnalysisBridge
from soundalike.gui.library_query import LibraryReader, Row, row_from_track
from soundalike.gui.path_dialog import PathDialog
from soundalike.gui.player import Player
from soundalike.gui.queue_model import QueueModel
from soundalike.gui.similar_panel import SimilarPanel, Suggestion
from soundalike.gui.tasks import Tasks
from soundalike.library.files.availability import holding_root
from soundalike.library.model.states import AnalysisState, TrackStatus
from soundalike.library.recommend import outside, paths
from soundalike.library.recommend import radio as radios

SIMILAR_COUNT = 25
PLAY_NEXT_COUNT = 5
RADIO_FIRST = 10
RADIO_REFILL = 5
#: a song heard this long (or to its end) counts as played (drawn later next session)
PLAY_COUNTS_AFTER = 30.0
PATH_STEPS = 8
WAIT_POLL_MS = 500


class _Waiter:
    """A request waiting for some tracks to be analysed."""

    def __init__(self, ids: set[int], run: Callable[[], None], label: str):
        self.ids = ids
        self.run = run
        self.label = label


class SimilarityActions(QObject):
    """The recommendation actions: results go to *similar_panel* (shown through
    *similar_action*, the panel's checkable View action) or into *queue*; tracks not
    analysed yet are handed to *analysis* first. :attr:`radio_changed` carries the
    radio's label ("" when it stops). A QWidget *parent* is the parent of its dialogs.
    """

    radio_changed = Signal(str)
    #: why the radio's latest tracks were chosen ("after you skipped 2 fast tracks: …")
    queue_reason_changed = Signal(str)

    def __init__(self, *, db_path: str, tasks: Tasks, reader: LibraryReader,
                 resolve_rows: Callable[[list[int]], list[Row]], analysis: AnalysisBridge,
                 player: Player, queue: QueueModel, similar_panel: SimilarPanel,
                 similar_action: QAction, show_message: Callable[[str, int], None],
                 parent=None):
        super().__init__(parent)
        self.db_path = db_path
        self.tasks = tasks
        self.reader = reader
        self.resolve_rows = resolve_rows
        self.analysis = analysis
        self.player = player
        self.queue = queue
        self.similar_panel = similar_panel
        self.similar_action = similar_action
        self._show = show_message
        self._store = None
        self._rec = None
        self._radio = None          # RadioSession (used on the serial thread only)
        self.radio_active = False
        self.radio_seeds: list[Row] = []
        #: the radio's state as a plain dict (saved with the session; None: no radio)
        self.radio_state: dict | None = None
        self._radio_resume: dict | None = None  # a restored state, made a radio when used
        self._refilling = False
        self._waiters: list[_Waiter] = []
        self._poll = QTimer(self, interval=WAIT_POLL_MS)
        self._poll.timeout.connect(self._check_waiters)
        analysis.result.connect(lambda *_: self._check_waiters())
        analysis.progress.connect(self._on_progress)
        player.running_low.connect(self._refill)
        player.listened.connect(self._on_listened)
        self._drawn: set[int] = set()   # queue track ids the radio drew (not the user's)
        self.last_reason = ""
        #: roots of the music folders unavailable now (their songs are never queued)
        self.unavailable_roots: tuple[str, ...] = ()
        self._radio_waiting = False  # a restored radio whose seeds are all on a drive away

    # ------------------------------------------------------------------ plumbing
    def _call(self, fn, on_done, on_error=None) -> None:
        """Run ``fn(recommender)`` on the recommender's thread."""
        db_path = self.db_path

        def work():
            if self._rec is None:
                from soundalike.library.recommend.recommender import Recommender
                from soundalike.library.store import Store

                self._store = Store(db_path)
                self._rec = Recommender(self._store)
            else:
                self._rec.refresh()
            return fn(self._rec)

        self.tasks.run_task(work, on_done, on_error or self._error, serial=True)

    def run(self, fn, on_done, on_error=None) -> None:
        """``fn(recommender)`` on the recommender's thread, *on_done(result)* on the UI
        thread (for the other discovery controllers: one recommender per window)."""
        self._call(fn, on_done, on_error)

    def _error(self, exc: BaseException) -> None:
        message = str(exc) or exc.__class__.__name__
        self._show(message, 10000)
        self.similar_panel.show_error(message)

    def close(self) -> None:
        """Release the recommender's database connection (on its own thread)."""
        def work():
            if self._store is not None:
                self._store.close()
            self._store = self._rec = self._radio = None

        self.tasks.run_task(work, serial=True)
        self.tasks.serial.waitForDone(3000)

    def _rows(self, ids: list[int]) -> list[Row]:
        return self.resolve_rows(ids)

    def _away(self, row: Row) -> str | None:
        """The unavailable music folder holding *row*, or None."""
        return holding_root(row.path, self.unavailable_roots)

    def set_unavailable(self, roots) -> None:
        """The music folders unavailable now; a radio waiting for one of them that is
        back carries on."""
        self.unavailable_roots = tuple(sorted(roots))
        if self._radio_waiting and self.radio_active and not any(
                self._away(r) for r in self.radio_seeds):
            self._radio_waiting = False
            self._refill(0)

    def _when_analysed(self, ids: list[int], run: Callable[[], None], label: str) -> bool:
        """Run *run* now if every track is analysed, else analyse them first.

        Returns False (and says why) when a track cannot be used at all.
        """
        rows = self._rows(ids)
        bad = [r for r in rows if r.status in (TrackStatus.FAILED, TrackStatus.MISSING)]
        if bad:
            r = bad[0]
            failed = r.status == TrackStatus.FAILED
            away = self._away(r)
            why = (f"could not be analysed ({r.error})" if failed and r.error
                   else "could not be analysed" if failed
                   else f"is on {away}, which is not available now (unplugged drive?)"
                   if away else "is missing")
            self._error(RuntimeError(f"“{r.display_title}” {why}."))
            return False
        pending = {r.id for r in rows if r.status != TrackStatus.ANALYSED}
        if not pending:
            run()
            return True
        names = ", ".join(f"“{r.display_title}”" for r in rows if r.id in pending)
        note = f"{names} {'is' if len(pending) == 1 else 'are'} not analysed yet — analysing now…"
        self._show(note, 10000)
        if label == "similar":
            self._show_panel()
            self.similar_panel.show_waiting(rows, note)
        self._waiters.append(_Waiter(pending, run, label))
        self.analysis.prioritise(sorted(pending))
        self._poll.start()
        return True

    def _check_waiters(self) -> None:
        if not self._waiters:
            self._poll.stop()
            return
        waiting = set().union(*(w.ids for w in self._waiters))
        status = {r.id: r for r in self._rows(sorted(waiting)).__iter__()}
        for waiter in list(self._waiters):
            rows = [status[i] for i in waiter.ids if i in status]
            failed = [r for r in rows if r.status in (TrackStatus.FAILED, TrackStatus.MISSING)]
            if failed:
                self._waiters.remove(waiter)
                r = failed[0]
                self._error(RuntimeError(f"“{r.display_title}” could not be analysed"
                                         + (f": {r.error}" if r.error else "")))
            elif all(r.status == TrackStatus.ANALYSED for r in rows):
                self._waiters.remove(waiter)
                waiter.run()
        if not self._waiters:
            self._poll.stop()

    def _on_progress(self, p) -> None:
        if p.state == AnalysisState.ERROR and self._waiters:  # e.g. the model file is missing
            self._waiters.clear()
            self._poll.stop()
            self._error(RuntimeError(f"The analysis stopped: {p.message}"))

    def _show_panel(self) -> None:
        self.similar_panel.setVisible(True)
        self.similar_action.setChecked(True)

    @staticmethod
    def _suggestions(results) -> list[Suggestion]:
        return [Suggestion(row_from_track(r.track), float(r.score), r.explanation)
                for r in results]

    # ------------------------------------------------------------------ find similar
    def find_similar(self, ids: list[int]) -> None:
        """Fill the similar panel with the songs most like *ids* (together)."""
        if not ids:
            return
        seeds = self._rows(ids)

        def run():
            self._show_panel()
            self.similar_panel.show_waiting(seeds, "Looking for similar songs…")
            def show(found) -> None:
                results, filters = found
                note = _topped_up_note(results)
                if (not note and 0 < len(results) < SIMILAR_COUNT and filters.strict_caps
                        and filters.capped):
                    note = self.tr("Only {0} shown: lists hold a few songs per artist and "
                                   "album (Settings → Variety).").format(len(results))
                self.similar_panel.show_results(seeds, self._suggestions(results), note)

            self._call(lambda rec: (rec.similar(ids, n=SIMILAR_COUNT), rec.filters()), show)

        self._when_analysed(ids, run, "similar")

    def find_like_file(self, path: str | None = None) -> None:
        """Songs in the library that sound like any audio file the user picks."""
        if path is None:
            patterns = " ".join(f"*.{ext}" for ext in sorted(AUDIO_EXTENSIONS))
            path, _ = QFileDialog.getOpenFileName(
                self.parent(), self.tr("Find songs like a file"), "",
                self.tr("Audio files ({0})").format(patterns))
        if path:
            self.find_similar_to_file(path)

    def find_similar_to_file(self, path: str) -> None:
        """Fill the similar panel with library songs like an audio file from anywhere
        (a download, a file a friend sent): it is analysed on the spot if need be."""
        from soundalike.library.files.tags import read_tags

        tags = read_tags(path).info  # title and artist for the panel's heading (or None)
        seed = Row(id=-1, path=path, title=tags and tags.title, artist=tags and tags.artist,
                   album=None, genre=None, year=None, duration=None,
                   status=TrackStatus.ANALYSED,
                   error=None, albumartist=None, tracknumber=None)
        self._show_panel()
        self.similar_panel.show_waiting([seed], "Listening to the file…")

        def failed(exc: BaseException) -> None:
            self._error(RuntimeError(f"“{Path(path).name}” cannot be analysed: {exc}"))

        self._call(lambda rec: outside.similar_to_file(rec, path, n=SIMILAR_COUNT),
                   lambda results: self.similar_panel.show_results(
                       [seed], self._suggestions(results), _topped_up_note(results)),
                   failed)

    def play_similar_next(self, ids: list[int]) -> None:
        """Put a few songs like *ids* right after the current one."""
        if not ids:
            return

        def done(results) -> None:
            rows = [row_from_track(r.track) for r in results]
            self.queue.insert_next(rows)
            self._show(self.tr("{0} similar songs will play next").format(len(rows)), 5000)

        self._when_analysed(ids, lambda: self._call(
            lambda rec: rec.similar(ids, n=PLAY_NEXT_COUNT), done), "next")

    # ------------------------------------------------------------------ radio
    def start_radio(self, ids: list[int]) -> None:
        """Replace the queue with an endless radio seeded by *ids* (one or more songs)."""
        if not ids:
            return
        seeds = self._rows(ids)

        def work(rec):
            self._radio = rec.radio(ids)
            return self._radio.next(RADIO_FIRST), radio_to_state(self._radio)

        def done(found) -> None:
            tracks, state = found
            self._begin_radio(seeds, tracks, state, _radio_label(seeds, ""))

        self._when_analysed(ids, lambda: self._call(work, done), "radio")

    def _begin_radio(self, seeds: list[Row], tracks, state: dict, label: str) -> None:
        """A new radio's first tracks are in: the queue becomes *seeds* + *tracks*, and
        plays."""
        self.radio_active = True
        self.radio_seeds = list(seeds)
        self.radio_state, self._radio_resume = state, None
        self._drawn = {t.id for t in tracks}
        self.queue.reasons.clear()
        self.queue.replace(seeds + [row_from_track(t) for t in tracks])
        self.radio_changed.emit(label)
        self.player.play_row(0)
        self._show(self.tr("{0} started").format(label), 5000)

    def start_mix_radio(self, mix_id: str, name: str) -> None:
        """Replace the queue with an endless radio from a library mix's region (its most
        typical songs first)."""
        def work(rec):
            from soundalike.library.recommend import mixes
            from soundalike.library.recommend.results import RecommendError

            mix = mixes.find_mix(rec.store, mix_id)
            if mix is None:
                raise RecommendError(f"the mix “{name}” is gone (the mixes were remade)")
            self._radio = mixes.mix_radio(rec, mix)
            return self._radio.seeds, self._radio.next(RADIO_FIRST), radio_to_state(self._radio)

        def done(found) -> None:
            seeds, tracks, state = found
            self._begin_radio(self._rows(seeds), tracks, state,
                              self.tr("Mix: {0}").format(name))

        self._call(work, done)

    def start_mood_radio(self, words: str, *, tempo: tuple[float, float] | None = None,
                         energy: float | None = None) -> None:
        """Replace the queue with a radio that starts from mood words."""
        def work(rec):
            self._radio = radios.mood_radio(rec, words, tempo=tempo, energy=energy)
            return self._radio.words, self._radio.next(RADIO_FIRST), radio_to_state(self._radio)

        def done(found) -> None:
            label_words, tracks, state = found
            self._begin_radio([], tracks, state, self.tr("Radio: {0}").format(label_words))

        self._call(work, done)

    def open_mood_dialog(self):
        """The "Radio from moods…" dialog; starts the radio when accepted."""
        from soundalike.gui.mood_dialog import MoodDialog

        dialog = MoodDialog(self.parent())
        if dialog.exec():
            self.start_mood_radio(dialog.text(), tempo=dialog.tempo(),
                                  energy=dialog.energy_value())
        return dialog

    def stop_radio(self) -> None:
        self.radio_active = False
        self.radio_seeds = []
        self._drawn = set()
        self.radio_state = self._radio_resume = None
        self.radio_changed.emit("")

    def restore_radio(self, state: dict, seeds: list[Row]) -> None:
        """Carry on a radio saved with the session (the queue is already back): it is
        labelled at once and made again from *state* on the recommender's thread the
        first time it is used (a refill, feedback)."""
        words = radio_words(state)
        if not seeds and not words:
            return
        self.radio_active = True
        self.radio_seeds = list(seeds)
        self.radio_state = self._radio_resume = dict(state)
        seed_ids = {r.id for r in seeds}
        self._drawn = {i for i in self.queue.ids() if i not in seed_ids}
        self.radio_changed.emit(_radio_label(seeds, words))

    def _has_radio(self) -> bool:
        return self._radio is not None or self._radio_resume is not None

    def _radio_call(self, fn, on_done, on_error=None) -> None:
        """``fn(radio)`` on the recommender's thread (the restored radio made first when
        need be); *on_done* gets ``(result, the radio's state after it)``."""
        resume = self._radio_resume

        def work(rec):
            if self._radio is None and resume is not None:
                self._radio = radio_from_state(rec, resume)
            if self._radio is None:
                return None, None
            return fn(self._radio), radio_to_state(self._radio)

        def done(found) -> None:
            result, state = found
            if self.radio_active and state is not None:
                self._radio_resume = None
                self.radio_state = state
            on_done(result)

        def failed(exc: BaseException) -> None:
            away = [r for r in self.radio_seeds if self._away(r)]
            if resume is not None and self._radio is None and away \
                    and len(away) == len(self.radio_seeds):
                # its seeds are on a drive that is away: the radio waits for it
                if not self._radio_waiting:
                    self._show(self.tr("The radio carries on when {0} is back.").format(
                        self._away(away[0])), 10000)
                self._radio_waiting = True
                self._refilling = False
                return
            if resume is not None and self._radio is None:  # the saved radio cannot go on
                self.stop_radio()
                self._show(f"The radio could not carry on: {exc}", 10000)
            if on_error is not None:
                on_error(exc)
            elif resume is None:
                self._error(exc)

        self._call(work, done, failed)

    # ------------------------------------------------------------------ feedback
    def _on_listened(self, row, seconds: float, finished: bool) -> None:
        """The player left a track: a full play, or a skip at *seconds*."""
        if row is not None and (finished or seconds >= PLAY_COUNTS_AFTER):
            self._record_play(int(row.id))
        if not self.radio_active or not self._has_radio() or row is None:
            return
        tid = int(row.id)
        if tid not in self._drawn and tid not in {r.id for r in self.radio_seeds}:
            return   # not the radio's (a track the user queued, or from before it started)
        if finished:
            self._radio_call(lambda radio: radio.played(tid, seconds), lambda _ok: None)
        else:
            self._feedback(lambda radio: radio.skipped(tid, seconds))

    def _record_play(self, track_id: int) -> None:
        """Remember the play (off the UI thread, with its own connection, so a player
        that never asks for a recommendation never builds the index): the next
        sessions' radios draw the song later (``library.discovery``)."""
        db_path = self.db_path

        def work():
            from soundalike.library.recommend.discovery import record_play
            from soundalike.library.store import Store

            with Store(db_path) as store:
                record_play(store, track_id)

        self.tasks.run_task(work, lambda _r: None, lambda _exc: None)

    def more_like(self, track_id: int | None = None) -> None:
        """"More like this" (the playing track by default): the radio draws its next
        tracks again at once; without a radio, a radio starts from the track."""
        tid = self._target(track_id)
        if tid is None:
            return
        if not self.radio_active or not self._has_radio():
            self.start_radio([tid])
            return
        self._feedback(lambda radio: radio.more_like(tid), "More like this")

    def less_like(self, track_id: int | None = None) -> None:
        """"Less like this": the radio steers away at once; the playing track is skipped."""
        tid = self._target(track_id)
        if tid is None:
            return
        if not self.radio_active or not self._has_radio():
            self._show("“Less like this” steers a radio: start one first "
                       "(Start radio, or Radio from moods…)", 6000)
            return
        current = self.queue.current_item()
        if current is not None and current.id == tid:
            self.player._on_item = None   # reported as "less like this", not as a skip
            self.player.next()
        self._feedback(lambda radio: radio.less_like(tid), "Less like this")

    def _target(self, track_id: int | None) -> int | None:
        if track_id is not None:
            return int(track_id)
        current = self.queue.current_item()
        return None if current is None else int(current.id)

    def _feedback(self, event, note: str = "") -> None:
        """Give the radio one event, then refill what it had queued at once."""
        def work(radio):
            event(radio)
            return radio.next_with_reasons(RADIO_REFILL)

        def done(found) -> None:
            if not self.radio_active or not found:
                return
            after = self.queue.current + 1
            stale = [r for r in range(max(0, after), self.queue.rowCount())
                     if self.queue.item(r).id in self._drawn]
            self.queue.remove(stale)
            rows = [row_from_track(t) for t, _ in found]
            self._drawn |= {r.id for r in rows}
            self.queue.set_reasons({t.id: why for t, why in found})
            self.queue.insert(self.queue.current + 1 if self.queue.current >= 0 else 0, rows)
            reason = next((why for _, why in found if why), "")
            self.last_reason = reason
            if reason:
                self.queue_reason_changed.emit(reason)
            if note:
                self._show(f"{note}: the radio changed course"
                           + (f" — {reason}" if reason else ""), 6000)

        self._radio_call(work, done)

    def _refill(self, remaining: int) -> None:
        if not self.radio_active or self._refilling or not self._has_radio():
            return
        self._refilling = True

        def done(found) -> None:
            self._refilling = False
            if self.radio_active and found:
                rows = [row_from_track(t) for t, _ in found]
                self._drawn |= {r.id for r in rows}
                self.queue.set_reasons({t.id: why for t, why in found})
                self.queue.append(rows)

        def failed(exc: BaseException) -> None:
            self._refilling = False
            if self.radio_active:  # (a saved radio that cannot go on has ended, said why)
                self._error(exc)

        self._radio_call(lambda radio: radio.next_with_reasons(RADIO_REFILL), done, failed)

    # ------------------------------------------------------------------ path
    def path_to(self, start: int, end: int | None = None) -> None:
        """A path of songs from *start* to a destination the user chooses."""
        if end is None:
            dialog = PathDialog(self.reader, self._rows([start])[0], self.parent())
            if not dialog.exec() or dialog.chosen_id() is None:
                return
            end = dialog.chosen_id()
        if end == start:
            self._error(RuntimeError("Choose a different song as the destination."))
            return
        seeds = self._rows([start, end])

        def work(rec):
            tracks = paths.path(rec, start, end, steps=PATH_STEPS)
            out = []
            for i, t in enumerate(tracks):
                why = ("start" if i == 0 else "destination" if i == len(tracks) - 1
                       else rec.explain(tracks[i - 1].id, t.id))
                out.append(Suggestion(row_from_track(t), None, why))
            return out

        def done(items) -> None:
            self._show_panel()
            panel = self.similar_panel
            panel.show_results(seeds, items,
                               self.tr("Add to queue to play the path in order."))
            panel.title.setText(self.tr("Path from “{0}” to “{1}”").format(
                seeds[0].display_title, seeds[-1].display_title))

        self._when_analysed([start, end], lambda: self._call(work, done), "similar")


def _radio_label(seeds: list[Row], words: str) -> str:
    if words:
        return QCoreApplication.translate("SimilarityActions", "Radio: {0}").format(words)
    if len(seeds) == 1:
        return QCoreApplication.translate("SimilarityActions", "Radio: {0}").format(
            seeds[0].display_title)
    return QCoreApplication.translate("SimilarityActions", "Radio: {0} seeds").format(
        len(seeds))


# The radio's state as saved with the session, and a radio made again from it: the only
# places that know what the state holds (library.recommend.radio's to_dict / radio_from_dict).
def radio_to_state(radio) -> dict:
    """A :class:`~soundalike.library.recommend.radio.RadioSession`'s whole state (seeds,
    history, feedback, random state, mood words) as JSON values."""
    return radio.to_dict()


def radio_from_state(rec, state: dict):
    """The radio *state* (:func:`radio_to_state`) carries on over the recommender *rec*
    (RecommendError when it cannot: no seed left, unreadable)."""
    return radios.radio_from_dict(rec, state)


def radio_seed_ids(state: dict) -> list[int]:
    """The seed track ids in a radio state (for its label)."""
    seeds = (state.get("engine") or {}).get("seeds") or []
    return [i for i in seeds if isinstance(i, int)]


def radio_words(state: dict) -> str:
    """The mood words of a radio state ("" for a radio from songs)."""
    return str(state.get("words") or "")


def _topped_up_note(results) -> str:
    """"More by Eric Matyas: your library has few other artists like this (the last 8)."
    when the variety caps were lifted to fill the list, else ""."""
    note = getattr(results, "note", "")
    if not note:
        return ""
    return f"{note[0].upper()}{note[1:]} (the last {results.topped_up})."
