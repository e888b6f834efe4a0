"""``soundalike mpd radio``: keep an MPD queue topped up with songs like what plays.

The radio is the library's (``Recommender.radio``): seeded with the song MPD plays when it
starts, it appends songs whenever fewer than *keep* are left after the current one. When
the listener plays a song the radio did not choose, the radio follows it (it is re-seeded
from that song). It runs until Ctrl-C (or *stop* is set) and survives MPD restarts: a
lost connection is retried with growing pauses (0.5 s … 30 s), and the radio goes on with
whatever queue MPD comes back with.

Skips: :class:`PlayWatch` turns what MPD reports (song id, state, elapsed time) into
:class:`PlayEvent`\\ s — a song ``played`` to its end, or ``skipped`` at some second — and
:func:`feed_radio` hands each one to the radio session (``RadioSession.played`` /
``skipped``, issue 15: the radio's feedback), and the upcoming songs the radio added are
then drawn again at once, so they follow it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from soundalike.library.mpd.client import (
    MpdAddress,
    MpdUnavailable,
    MusicDir,
    PlayerError,
    close,
    connect,
    connection_errors,
)

#: a song counts as played through when it left MPD at most this close to its end (s)
END_SLACK = 3.0
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
#: how many draws may fall outside MPD's music directory before the radio gives up a refill
MAX_DRAW_ROUNDS = 5


@dataclass(frozen=True, slots=True)
class PlayEvent:
    """A song that stopped being the current one: ``played`` through or ``skipped``."""

    kind: str          # "played" | "skipped"
    uri: str
    seconds: float     # how far it got
    duration: float | None


class PlayWatch:
    """Follow MPD's current song and say how each one ended.

    Feed it every status MPD reports (:meth:`observe`); when the current song changes to
    another song, the one before is ``played`` if it got within :data:`END_SLACK` seconds
    of its end, else ``skipped`` at the second it had reached (estimated from the last
    report and the time since, while playing). A cleared queue or a stop is neither.
    """

    def __init__(self, *, end_slack: float = END_SLACK):
        self.end_slack = end_slack
        self._song: tuple[str, str] | None = None   # (song id, uri)
        self._elapsed = 0.0
        self._duration: float | None = None
        self._playing = False
        self._at = 0.0

    def reset(self) -> None:
        """Forget the current song (after a reconnect: MPD's ids start again)."""
        self._song = None

    def position(self, now: float) -> float:
        pos = self._elapsed + (now - self._at if self._playing else 0.0)
        return min(pos, self._duration) if self._duration else pos

    def observe(self, status: dict, song: dict, now: float | None = None) -> PlayEvent | None:
        """*status* and *song*: MPD's ``status`` and ``currentsong`` replies."""
        now = time.monotonic() if now is None else now
        song_id, uri = status.get("songid"), song.get("file")
        current = (song_id, uri) if song_id is not None and uri else None
        event = None
        if self._song is not None and current is not None and current != self._song:
            reached = self.position(now)
            ended = self._duration is not None and reached >= self._duration - self.end_slack
            event = PlayEvent("played" if ended else "skipped", self._song[1],
                              round(reached, 1), self._duration)
        self._song = current
        self._playing = status.get("state") == "play"
        self._elapsed = _float(status.get("elapsed")) or 0.0
        self._duration = _float(status.get("duration") or song.get("duration")
                                or song.get("time"))
        self._at = now
        return event


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def feed_radio(session, event: PlayEvent, track_id: int) -> bool:
    """Hand *event* to the radio *session* (a library ``RadioSession``, which speaks in
    track ids) if it listens: ``session.played(track_id, seconds)`` or
    ``session.skipped(track_id, at_seconds)``. True if it did."""
    method = getattr(session, event.kind, None)
    if not callable(method):
        return False
    method(track_id, event.seconds)
    return True


class MpdRadio:
    """Keep at least *keep* songs like what plays queued after MPD's current song.

    Parameters
    ----------
    address : MpdAddress
    store, recommender
        The library and its
        :class:`~soundalike.library.recommend.recommender.Recommender` (one thread).
    music_dir : callable(client) -> MusicDir
        MPD's music directory, asked after each (re)connection.
    keep : int
    radio_options : dict
        Passed to ``Recommender.radio`` (drift, window, artist_spacing, method, filters, rng).
    say : callable(str)
        Where progress lines go.
    stop : threading.Event, optional
        Checked between MPD's events and while reconnecting; Ctrl-C ends :meth:`run` at
        any time.
    """

    def __init__(self, address: MpdAddress, store, recommender,
                 music_dir: Callable[[object], MusicDir], *, keep: int = 5,
                 radio_options: dict | None = None, say: Callable[[str], None] = print,
                 stop: threading.Event | None = None, backoff=BACKOFF):
        self.address = address
        self.store, self.rec = store, recommender
        self.music_dir = music_dir
        self.keep = keep
        self.radio_options = dict(radio_options or {})
        self.say = say
        self.stop = stop or threading.Event()
        self.backoff = tuple(backoff)
        self.watch = PlayWatch()
        self.session = None
        self.mapper: MusicDir | None = None
        self.radio_uris: set[str] = set()   # the seed and every song the radio queued
        self.added: dict[str, int] = {}    # MPD song id → track id, songs we added
        self.added_count = 0
        self.reconnects = 0
        self._waiting_said = ""

    # -- the loop ---------------------------------------------------------------------
    def run(self) -> int:
        """Until Ctrl-C or :attr:`stop`; the first connection's errors are raised."""
        from soundalike.library.recommend.results import track_label

        client = connect(self.address)
        try:
            self.mapper = self.music_dir(client)
            status, song = client.status(), client.currentsong()
            if not song:
                raise PlayerError(
                    "MPD's queue is empty: add a song and start it, then start the radio"
                    if int(status.get("playlistlength", 0)) == 0 else
                    "MPD has no current song: start one, then start the radio")
            track = self._analysed_track(song["file"])
            self._seed(track, song["file"])
            self.say(f"Radio from “{track_label(track)}” on {self.address}: keeping "
                     f"{self.keep} similar songs queued. Ctrl-C stops.")
            while not self.stop.is_set():
                try:
                    self._tick(client)
                    self._wait(client)
                except connection_errors():
                    close(client)
                    client = self._reconnect()
                    if client is None:
                        break
        except KeyboardInterrupt:
            pass
        finally:
            if client is not None:
                close(client)
        self.say(f"Radio stopped: {self.added_count} songs added.")
        return 0

    def _wait(self, client) -> None:
        """Until MPD's player, queue or options change (MPD's ``idle``; Ctrl-C interrupts
        it, a lost connection ends it with a ConnectionError)."""
        client.idletimeout = None
        client.idle("player", "playlist", "options")

    def _reconnect(self):
        self.watch.reset()
        self.added.clear()
        self.say(f"Lost the connection to {self.address}; reconnecting …")
        attempt = 0
        while not self.stop.is_set():
            delay = self.backoff[min(attempt, len(self.backoff) - 1)]
            if self.stop.wait(delay):
                return None
            attempt += 1
            try:
                client = connect(self.address)
                self.mapper = self.music_dir(client)
            except MpdUnavailable:
                continue
            self.reconnects += 1
            self.say(f"Reconnected to {self.address}.")
            return client
        return None

    # -- one look at MPD --------------------------------------------------------------
    def _tick(self, client) -> None:
        from soundalike.library.recommend.results import track_label

        status, song = client.status(), client.currentsong()
        event = self.watch.observe(status, song)
        if event is not None:
            self._feedback(client, event)
        if not song:
            self._say_once("MPD's queue has no current song; waiting for one …")
            return
        self._waiting_said = ""
        uri = song["file"]
        if uri not in self.radio_uris:  # the listener chose another song: follow it
            track = self._library_track(uri)
            if track is not None and self.rec.index is not None \
                    and self.rec.index.position(track.id) is not None:
                self._seed(track, uri)
                self.say(f"Now following “{track_label(track)}”.")
        pos = int(status.get("song", 0))
        upcoming = int(status.get("playlistlength", 0)) - pos - 1
        if upcoming < self.keep:
            self._add(client, self.keep - upcoming)

    def _feedback(self, client, event: PlayEvent) -> None:
        from soundalike.library.recommend.results import track_label

        track = self._library_track(event.uri)
        if track is None:
            return
        if event.kind == "skipped":
            self.say(f"Skipped “{track_label(track)}” at {event.seconds:.0f} s.")
        if event.kind == "played":  # drawn later by the next sessions' radios
            from soundalike.library.recommend.discovery import record_play

            record_play(self.store, track.id)
        if self.session is not None and feed_radio(self.session, event, track.id):
            self._redraw(client)

    def _redraw(self, client) -> None:
        """After feedback the radio listened to: replace the songs it queued that have
        not played yet, so they follow the feedback."""
        status = client.status()
        pos = int(status.get("song", -1))
        for item in client.playlistinfo():
            if int(item.get("pos", -1)) > pos and item.get("id") in self.added:
                client.deleteid(item["id"])
                self.added.pop(item["id"], None)

    def _add(self, client, want: int) -> None:
        from soundalike.library.recommend.results import track_label

        for _ in range(MAX_DRAW_ROUNDS):
            if want <= 0:
                return
            tracks = self.session.next(want)
            for t in tracks:
                uri = self.mapper.uri(t.path)
                if uri is None:
                    continue  # outside MPD's music directory: MPD cannot play it
                song_id = client.addid(uri)
                self.added[str(song_id)] = t.id
                self.radio_uris.add(uri)
                self.added_count += 1
                want -= 1
                self.say(f"+ {track_label(t)}")
        if want > 0:
            self._say_once("The radio finds too few songs inside MPD's music directory.")

    # -- helpers ----------------------------------------------------------------------
    def _seed(self, track, uri: str) -> None:
        self.session = self.rec.radio([track.id], **self.radio_options)
        self.radio_uris = {uri}

    def _library_track(self, uri: str):
        return self.mapper.track(self.store, uri) if self.mapper else None

    def _analysed_track(self, uri: str):
        from soundalike.library.recommend.results import RecommendError

        track = self._library_track(uri)
        if track is None:
            raise PlayerError(f"MPD plays {uri}, which is not in Soundalike's library: "
                              "run `soundalike mpd scan`, then `soundalike analyze`")
        try:
            self.rec.radio([track.id])  # the radio's own plain reason if it cannot seed
        except RecommendError as exc:
            raise PlayerError(f"{exc}: run `soundalike analyze` first") from None
        return track

    def _say_once(self, text: str) -> None:
        if self._waiting_said != text:
            self._waiting_said = text
            self.say(text)
