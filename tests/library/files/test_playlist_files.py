"""M3U8 and XSPF playlist files: write, parse back, bad input."""

import os

import pytest

from soundalike.library.files.playlist_files import (
    PlaylistEntry,
    PlaylistFileError,
    read_playlist,
    write_playlist,
)

ENTRIES = [
    PlaylistEntry("/music/Ünïcode & co/01 – <Song>.flac", "Song <1> & “quotes”", "Björk", "Alb",
                  245.4),
    PlaylistEntry("/music/plain/02.ogg", "Two", None, None, None),
]


@pytest.mark.parametrize("ext", [".m3u8", ".m3u", ".xspf"])
def test_round_trip(tmp_path, ext):
    out = write_playlist(tmp_path / f"list{ext}", ENTRIES, title="My radio")
    back = read_playlist(out)
    assert [e.path for e in back] == [e.path for e in ENTRIES]
    assert back[0].title == ENTRIES[0].title and back[0].artist == "Björk"
    assert back[0].duration == pytest.approx(245.4 if ext == ".xspf" else 245, abs=0.01)
    assert back[1].duration is None
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_m3u8_layout_and_relative_paths(tmp_path):
    (tmp_path / "sub").mkdir()
    song = str(tmp_path / "music" / "a.ogg")
    out = write_playlist(tmp_path / "sub" / "l.m3u8", [PlaylistEntry(song, "T", "A", None, 61)],
                         relative=True)
    text = out.read_text("utf-8").splitlines()
    assert text == ["#EXTM3U", "#EXTINF:61,A - T", os.path.join("..", "music", "a.ogg")]
    assert read_playlist(out)[0].path == song


def test_xspf_is_valid_xml_with_file_uris(tmp_path):
    import xml.etree.ElementTree as ET

    out = write_playlist(tmp_path / "l.xspf", ENTRIES, title="T")
    root = ET.parse(out).getroot()
    locs = [e.text for e in root.iter("{http://xspf.org/ns/0/}location")]
    assert locs[0].startswith("file:///music/%C3%9Cn%C3%AFcode%20%26%20co/")
    assert root.attrib["version"] == "1"


def test_reads_foreign_files(tmp_path):
    p = tmp_path / "x.m3u"
    p.write_bytes(b"\xef\xbb\xbf# comment\nrel/song.mp3\n\n#EXTINF:abc,weird\nfile:///abs/a%20b.ogg\n"
                  b"http://radio.example/stream\n")
    got = read_playlist(p)
    assert [e.path for e in got] == [str(tmp_path / "rel" / "song.mp3"), "/abs/a b.ogg",
                                     "http://radio.example/stream"]
    assert got[1].title == "weird" and got[1].duration is None


def test_bad_input_is_a_plain_error_and_keeps_the_old_file(tmp_path):
    with pytest.raises(PlaylistFileError, match="unknown playlist format"):
        write_playlist(tmp_path / "l.txt", ENTRIES)
    with pytest.raises(PlaylistFileError, match="does not exist"):
        write_playlist(tmp_path / "nope" / "l.m3u8", ENTRIES)
    with pytest.raises(PlaylistFileError, match="does not exist"):
        read_playlist(tmp_path / "missing.xspf")
    bad = tmp_path / "bad.xspf"
    bad.write_text("<playlist><trackList>")
    with pytest.raises(PlaylistFileError, match="not a valid XSPF"):
        read_playlist(bad)
    bomb = tmp_path / "bomb.xspf"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><l>&a;</l>')
    with pytest.raises(PlaylistFileError, match="entities"):
        read_playlist(bomb)
    good = write_playlist(tmp_path / "keep.m3u8", ENTRIES)
    before = good.read_bytes()
    os.chmod(tmp_path, 0o500)
    try:
        if os.access(tmp_path, os.W_OK):  # running as root: permissions do not apply
            pytest.skip("cannot make a read-only folder here")
        with pytest.raises(PlaylistFileError, match="cannot write"):
            write_playlist(good, ENTRIES[:1])
    finally:
        os.chmod(tmp_path, 0o700)
    assert good.read_bytes() == before
