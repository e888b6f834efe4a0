"""PlayWatch turns MPD's status replies into played / skipped events (what the radio hears)."""

from soundalike.library.mpd.radio import PlayEvent, PlayWatch, feed_radio


def status(song_id, state="play", elapsed=0.0, duration=200.0):
    return {"songid": song_id, "state": state, "elapsed": str(elapsed),
            "duration": str(duration)}


def song(uri):
    return {"file": uri}


def test_a_song_left_early_is_skipped_at_the_second_it_reached():
    w = PlayWatch()
    assert w.observe(status("1", elapsed=10.0), song("a.flac"), now=100.0) is None
    # 7 s later (still playing) the listener moves on: 10 + 7 s reached
    ev = w.observe(status("2"), song("b.flac"), now=107.0)
    assert ev == PlayEvent("skipped", "a.flac", 17.0, 200.0)


def test_a_song_played_to_its_end_is_played():
    w = PlayWatch()
    w.observe(status("1", elapsed=150.0), song("a.flac"), now=0.0)
    ev = w.observe(status("2"), song("b.flac"), now=49.0)   # 199 s of 200
    assert ev == PlayEvent("played", "a.flac", 199.0, 200.0)


def test_paused_time_does_not_count_and_a_stop_or_cleared_queue_is_no_event():
    w = PlayWatch()
    w.observe(status("1", state="pause", elapsed=30.0), song("a.flac"), now=0.0)
    ev = w.observe(status("2"), song("b.flac"), now=500.0)  # paused for 500 s
    assert ev.kind == "skipped" and ev.seconds == 30.0
    assert w.observe({"state": "stop"}, {}, now=501.0) is None   # queue cleared
    assert w.observe(status("3"), song("c.flac"), now=502.0) is None
    w.reset()  # after a reconnect the ids start again: nothing to judge
    assert w.observe(status("1"), song("d.flac"), now=503.0) is None


def test_the_same_song_again_is_no_event():
    w = PlayWatch()
    w.observe(status("1", elapsed=5.0), song("a.flac"), now=0.0)
    assert w.observe(status("1", elapsed=60.0), song("a.flac"), now=55.0) is None


class ListeningSession:
    """A radio session that takes feedback (the shape issue 15 gives the radio)."""

    def __init__(self):
        self.heard = []

    def skipped(self, track_id, at_seconds):
        self.heard.append(("skipped", track_id, at_seconds))

    def played(self, track_id, seconds):
        self.heard.append(("played", track_id, seconds))


class DeafSession:
    def next(self, k):
        return []


def test_events_reach_a_radio_that_listens_and_nothing_breaks_one_that_does_not():
    s = ListeningSession()
    assert feed_radio(s, PlayEvent("skipped", "a.flac", 4.0, 200.0), 7)
    assert feed_radio(s, PlayEvent("played", "b.flac", 200.0, 200.0), 8)
    assert s.heard == [("skipped", 7, 4.0), ("played", 8, 200.0)]
    assert not feed_radio(DeafSession(), PlayEvent("skipped", "a.flac", 4.0, 200.0), 7)
