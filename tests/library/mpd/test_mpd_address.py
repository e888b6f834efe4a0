"""Where MPD is (as mpc reads --host/--port/MPD_HOST/MPD_PORT) and MPD URIs ↔ library paths."""

import os

import pytest

from soundalike.library.mpd.client import MpdAddress, MusicDir, PlayerError, mpd_address


def test_host_and_port_come_from_arguments_then_the_environment():
    env = {"MPD_HOST": "music.local", "MPD_PORT": "6601"}
    assert mpd_address(environ=env) == MpdAddress("music.local", 6601, None)
    assert mpd_address("other", environ=env) == MpdAddress("other", 6601, None)
    assert mpd_address("other", "7000", environ=env) == MpdAddress("other", 7000, None)
    assert mpd_address(environ={"MPD_HOST": "box"}).port == 6600


def test_password_at_host_as_libmpdclient_reads_it():
    assert mpd_address(environ={"MPD_HOST": "s3cret@box"}) == MpdAddress("box", 6600, "s3cret")
    # the first @ separates: a password cannot hold one, a socket path may follow
    assert mpd_address("pw@/run/mpd/socket", environ={}) == MpdAddress("/run/mpd/socket",
                                                                        6600, "pw")
    assert mpd_address("pw@box", password="given", environ={}).password == "given"
    # a leading @ is an abstract socket, not an empty password
    a = mpd_address("@mpd", environ={})
    assert (a.host, a.password, a.is_socket) == ("@mpd", None, True)


def test_socket_paths_and_the_default_local_socket(tmp_path):
    a = mpd_address(environ={"MPD_HOST": "/tmp/x/socket"})
    assert a.is_socket and str(a) == "MPD's socket /tmp/x/socket"
    assert mpd_address(environ={}).host in ("localhost", "/run/mpd/socket")
    (tmp_path / "mpd").mkdir()
    (tmp_path / "mpd" / "socket").write_text("")
    assert mpd_address(environ={"XDG_RUNTIME_DIR": str(tmp_path)}).host == str(
        tmp_path / "mpd" / "socket")
    assert str(MpdAddress("::1", 6600)) == "MPD at [::1]:6600"


@pytest.mark.parametrize("port, source", [("abc", "MPD_PORT"), ("0", "MPD_PORT"),
                                          ("70000", "MPD_PORT")])
def test_a_bad_port_is_a_plain_error(port, source):
    with pytest.raises(PlayerError, match=f"{source} must be a port number"):
        mpd_address(environ={"MPD_PORT": port})
    with pytest.raises(PlayerError, match="--port must be a port number"):
        mpd_address(port=port, environ={})


def test_music_dir_maps_uris_to_paths_and_back(tmp_path):
    music = tmp_path / "Music"
    (music / "Artist" / "Album").mkdir(parents=True)
    song = music / "Artist" / "Album" / "01 Song.flac"
    song.write_bytes(b"")
    m = MusicDir(str(music))
    assert m.path("Artist/Album/01 Song.flac") == str(song)
    assert m.uri(str(song)) == "Artist/Album/01 Song.flac"
    assert m.uri(str(tmp_path / "elsewhere.flac")) is None
    assert m.uri(str(music)) is None
    assert m.path("http://radio.example/stream") is None
    assert m.path("file:///abs/a%20b.flac") == "/abs/a b.flac"
    # a non-UTF-8 byte in the name: the str the file system gives for it, not U+FFFD
    assert m.path("file:///abs/caf%E9.flac") == os.fsdecode(b"/abs/caf\xe9.flac")
    # a library that reaches the same files through a symbolic link
    link = tmp_path / "link"
    os.symlink(music, link)
    assert MusicDir(str(link)).uri(str(song)) == "Artist/Album/01 Song.flac"
    assert m.uri(str(link / "Artist" / "Album" / "01 Song.flac")) == "Artist/Album/01 Song.flac"
