"""The declared schema (library/model/schema.py) and what is derived from it."""

from __future__ import annotations

import dataclasses
import typing

from soundalike.library.files.tags import TagInfo
from soundalike.library.model import schema
from soundalike.library.model.states import STATUSES, StoreEvent, TrackStatus
from soundalike.library.model.track import TRACK_COLUMNS, Track
from soundalike.library.model.views import ROW_FIELDS, Row
from soundalike.library.store import MIGRATIONS, SCHEMA_VERSION, Store


def test_declared_fields_equal_the_migrated_table(tmp_path):
    with Store(tmp_path / "lib.db") as store:
        assert store.schema_version() == SCHEMA_VERSION == MIGRATIONS[-1].version
        assert store.table_info("tracks") == schema.table_info()


def test_declared_status_check_matches_the_frozen_ddl():
    ddl = next(s for s in MIGRATIONS[0].statements if s.startswith("CREATE TABLE tracks("))
    assert schema.FIELDS["status"].constraint in " ".join(ddl.split())
    for f in schema.TRACK_FIELDS:
        assert f" {f.name} {f.sql}" in " ".join(ddl.replace("(", "( ").split())


def test_track_follows_the_declaration():
    fields = dataclasses.fields(Track)
    assert tuple(f.name for f in fields) == TRACK_COLUMNS == tuple(schema.FIELDS)
    hints = typing.get_type_hints(Track)
    for f, decl in zip(fields, schema.TRACK_FIELDS, strict=True):
        assert f.default == decl.default, f.name
        assert hints[f.name] == decl.annotation, f.name
    t = Track()
    assert t.status is TrackStatus.PENDING and t.path == "" and t.id is None
    assert not hasattr(t, "__dict__")  # slots


def test_taginfo_is_the_tag_fields_in_order():
    names = tuple(f.name for f in dataclasses.fields(TagInfo))
    assert names == tuple(f.name for f in schema.TRACK_FIELDS if f.tag)
    assert names == ("title", "artist", "album", "albumartist", "genre", "tracknumber",
                     "discnumber", "year", "duration", "codec", "samplerate", "channels",
                     "bitrate", "mb_trackid", "mb_albumid", "mb_artistid")
    hints = typing.get_type_hints(TagInfo)
    assert all(hints[n] == schema.FIELDS[n].annotation for n in names)
    assert TagInfo().as_dict() == dict.fromkeys(names)


def test_gui_row_is_a_subset_of_the_declaration():
    assert tuple(f.name for f in dataclasses.fields(Row)) == ROW_FIELDS
    hints = typing.get_type_hints(Row)
    assert all(hints[n] == schema.FIELDS[n].annotation for n in ROW_FIELDS)


def test_states_equal_their_strings_in_the_database(tmp_path):
    assert STATUSES == ("pending", "analysed", "failed", "missing")
    assert StoreEvent.TRACKS_ADDED == "tracks-added"
    with Store(tmp_path / "lib.db") as store:
        events = []
        store.subscribe(lambda e, ids: events.append(e))
        store.add_track(Track(path="/a.mp3", status=TrackStatus.FAILED, error="x"))
        assert store.failures() == [("/a.mp3", "x")]
        assert store.counts()["failed"] == 1
        got = store.get_track(1)
        assert got.status is TrackStatus.FAILED and got.to_dict()["status"] == "failed"
        assert events == ["tracks-added"] and type(events[0]) is StoreEvent
