"""Finding cover pictures: embedded in real audio files of every tagged format (written
here and tagged with mutagen), and folder images by name; the album list behind the grid."""

from __future__ import annotations

import pytest
from artfiles import embed_picture, png_bytes
from audiofiles import tone, write_audio

from soundalike.library.browse import LibraryReader
from soundalike.library.files.covers import CoverError, embedded_picture, folder_image
from soundalike.library.files.scanner import Scanner
from soundalike.library.model.views import Album
from soundalike.library.store import Store

SR = 22050


@pytest.mark.parametrize("kind", ["mp3", "flac", "ogg", "opus", "m4a", "wav", "aiff"])
def test_the_embedded_front_cover_is_found_in_every_format(tmp_path, kind):
    suffix = "m4a" if kind == "m4a" else kind
    path = write_audio(tmp_path / f"song.{suffix}", tone(440, 1.0, SR), SR)
    front, other = png_bytes(40, 30, (200, 30, 30)), png_bytes(10, 10, (0, 0, 255))
    if kind in ("mp3", "flac", "wav", "aiff"):  # formats holding several pictures
        embed_picture(path, other, kind=0)
    embed_picture(path, front, kind=3)
    pic = embedded_picture(str(path))
    assert pic is not None and pic.source == "embedded"
    assert pic.data == front  # the front cover wins over "other"
    assert pic.mime == "image/png"


def test_a_file_without_a_picture_has_none(tmp_path):
    path = write_audio(tmp_path / "plain.flac", tone(440, 0.5, SR), SR, tags={"title": "x"})
    assert embedded_picture(str(path)) is None
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all")
    with pytest.raises(CoverError, match="cannot read the file's tags"):
        embedded_picture(str(text))  # a reason in plain words (the cache keeps it)


def test_a_damaged_picture_block_is_a_plain_reason(tmp_path):
    import mutagen

    path = write_audio(tmp_path / "song.opus", tone(440, 0.5, SR), SR)
    audio = mutagen.File(path)
    audio["metadata_block_picture"] = ["AAAA"]  # valid base64, not a picture block
    audio.save()
    with pytest.raises(CoverError, match="damaged"):
        embedded_picture(str(path))


def test_folder_images_by_name_in_any_case(tmp_path):
    (tmp_path / "back.jpg").write_bytes(b"x")
    (tmp_path / "cover.gif").write_bytes(b"x")       # not a cover extension
    (tmp_path / "cover_small.jpg").write_bytes(b"x")  # not a cover name
    assert folder_image(str(tmp_path)) is None
    (tmp_path / "FRONT.jpeg").write_bytes(b"x")
    assert folder_image(str(tmp_path)) == str(tmp_path / "FRONT.jpeg")
    (tmp_path / "Folder.PNG").write_bytes(b"x")
    assert folder_image(str(tmp_path)) == str(tmp_path / "Folder.PNG")  # folder > front
    (tmp_path / "Cover.JPG").write_bytes(b"x")
    assert folder_image(str(tmp_path)) == str(tmp_path / "Cover.JPG")   # cover > folder
    assert folder_image(str(tmp_path / "nowhere")) is None


def test_albums_are_grouped_by_album_artist_and_listed_in_track_order(tmp_path):
    music = tmp_path / "music"
    (music / "a").mkdir(parents=True)
    (music / "b").mkdir()
    y = tone(330, 0.5, SR)
    write_audio(music / "a" / "2.flac", y, SR, tags={"title": "Two", "artist": "X",
                                                  "album": "Same Name", "tracknumber": "2"})
    write_audio(music / "a" / "1.flac", y, SR, tags={"title": "One", "artist": "Y",
                                                  "albumartist": "X", "album": "Same Name",
                                                  "tracknumber": "1"})
    write_audio(music / "b" / "1.flac", y, SR, tags={"title": "Other", "artist": "Z",
                                                  "album": "Same Name", "date": "2001"})
    write_audio(music / "b" / "loose.flac", y, SR, tags={"title": "Loose", "artist": "Z"})
    db = tmp_path / "lib.db"
    with Store(db) as store:
        store.add_folder(music)
        Scanner(store).scan()
    reader = LibraryReader(db)
    try:
        albums = reader.albums()
        # "Loose" gets its folder's name as album (untagged); the two "Same Name" albums
        # stay apart because they are by different (album) artists
        assert [(a.name, a.artist, a.tracks) for a in albums] == [
            ("Same Name", "X", 2), ("b", "Z", 1), ("Same Name", "Z", 1)]  # artist, album
        assert albums[2].year == 2001 and albums[2].path == str(music / "b" / "1.flac")
        ids = reader.album_ids(albums[0])
        titles = [r.title for r in reader.rows(ids).values()]
        assert sorted(titles) == ["One", "Two"]
        assert [reader.rows([i])[i].title for i in ids] == ["One", "Two"]  # track order
        assert reader.album_ids(Album("Nope", None, 0, None, "")) == []
    finally:
        reader.close()
