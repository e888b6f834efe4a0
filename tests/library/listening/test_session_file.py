"""A damaged session file is set aside and the session starts empty; load_session never
raises (library.listening.session, whatever bytes the file holds)."""

import pytest

from soundalike.library.listening.session import Session, load_session, save_session


@pytest.mark.parametrize("data", [
    b"\xff\xfe{",                                   # not UTF-8
    b'{"version": 1, "position_ms": 1e400}',        # a number no int can hold
    b"[" * 100_000,                                 # nested past the recursion limit
    b'{"version": 1, "queue": "x"}',                # a queue that is no list of entries
], ids=["not-utf8", "huge-number", "deep-nesting", "odd-queue"])
def test_a_damaged_session_is_set_aside_never_raised(tmp_path, data):
    path = tmp_path / "library.session.json"
    path.write_bytes(data)
    session, note = load_session(path)
    if session is None:
        assert "damaged" in note
        assert not path.exists()
        assert path.with_name(path.name + ".bad").read_bytes() == data
    else:  # what could be read of it, nothing invented
        assert session.queue == [] and note == ""


def test_a_saved_session_reads_back(tmp_path):
    path = tmp_path / "library.session.json"
    save_session(path, Session(queue=[(3, "/music/café.flac")], current=0, position_ms=1500,
                               playing=True, radio={"engine": {}}))
    session, note = load_session(path)
    assert note == ""
    assert (session.queue, session.current, session.position_ms, session.playing,
            session.radio) == ([(3, "/music/café.flac")], 0, 1500, True, {"engine": {}})
