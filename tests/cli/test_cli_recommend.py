"""`soundalike similar | radio | path` on a small real analysed library."""

import itertools
import json

from cli_run import run

from soundalike.library.files.playlist_files import read_playlist
from soundalike.library.store import Store


def test_similar_by_path_and_text(capsys, db, lib):
    code, out, err = run(capsys, "--db", db, "similar", lib.paths["Alpha", "A1", 0], "-n", "3",
                         "--explain")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Tracks like Alpha – A1 song 1 (hybrid):"
    assert lines[1].startswith("1. ") and "A1 song 1" not in "".join(lines[1:])
    assert any("both" in ln or "BPM" in ln or "sound" in ln for ln in lines[2::2])
    code, out2, _ = run(capsys, "--db", db, "similar", "Alpha", "–", "A1", "song", "1", "-n", "3",
                        "--explain")
    assert code == 0 and out2 == out


def test_similar_json(capsys, db, lib):
    code, out, err = run(capsys, "--db", db, "similar", "beta b1 song 2", "--json",
                         "--method", "seed", "-n", "20", "--max-per-artist", "0",
                         "--max-per-album", "0", "--exclude-genre", "audiobook")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["query"]["title"] == "B1 song 2" and data["method"] == "seed"
    res = data["results"]
    assert len(res) == 11 and all(r["explanation"] for r in res)
    assert [r["score"] for r in res] == sorted((r["score"] for r in res), reverse=True)
    assert lib.audiobook not in [r["track"]["path"] for r in res]
    code, out, _ = run(capsys, "--db", db, "similar", "beta b1 song 2", "--json", "--other-artists")
    assert all(r["track"]["artist"] != "Beta" for r in json.loads(out)["results"])


def test_bad_queries_exit_2_with_a_plain_message(capsys, db, lib, tmp_path):
    code, out, err = run(capsys, "--db", db, "similar", "alpha")
    assert code == 2 and out == ""
    assert "matches" in err and "Alpha – A1 song 1" in err and "Traceback" not in err
    code, _, err = run(capsys, "--db", db, "similar", "no such song anywhere")
    assert code == 2 and "no track matches" in err
    stray = tmp_path / "stray.txt"
    stray.write_text("x")
    code, _, err = run(capsys, "--db", db, "similar", str(stray))
    assert code == 2 and "not in the library" in err
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"x")
    code, out, err = run(capsys, "--db", db, "similar", str(broken))
    assert code == 1 and out == "" and "cannot analyse" in err and "Traceback" not in err


def test_similar_to_a_file_outside_the_library(capsys, db, lib, tmp_path):
    import shutil

    outside = tmp_path / "elsewhere" / "download.flac"
    outside.parent.mkdir()
    shutil.copy(lib.paths["Alpha", "A1", 0], outside)  # the same song, not in the library
    code, out, err = run(capsys, "--db", db, "similar", str(outside), "-n", "3", "--json")
    assert code == 0 and "Analysing" in err
    data = json.loads(out)
    assert data["query"] == {"path": str(outside), "in_library": False}
    paths = [r["track"]["path"] for r in data["results"]]
    # The library copy of the very same file is not offered as "similar"; the rest match
    # what the library track itself gets.
    assert lib.paths["Alpha", "A1", 0] not in paths and lib.duplicate not in paths
    code, out, _ = run(capsys, "--db", db, "similar", lib.paths["Alpha", "A1", 0], "-n", "3",
                       "--json")
    assert paths == [r["track"]["path"] for r in json.loads(out)["results"]]
    for method in ("seed", "hybrid"):  # both methods place the new song like the old one
        code, out, _ = run(capsys, "--db", db, "similar", str(outside), "-n", "5", "--method",
                           method, "--json")
        got = [r["track"]["path"] for r in json.loads(out)["results"]]
        code, out, _ = run(capsys, "--db", db, "similar", lib.paths["Alpha", "A1", 0], "-n",
                           "5", "--method", method, "--json")
        assert code == 0 and got == [r["track"]["path"] for r in json.loads(out)["results"]]
    code, _, err = run(capsys, "--db", db, "similar", "beta b1 song 2", "-n", "0")
    assert code == 2
    code, _, err = run(capsys, "--db", db, "similar", "beta b1 song 2", "--method", "nope")
    assert code == 2
    code, _, err = run(capsys, "--db", db, "similar", lib.missing)
    assert code == 1 and "is missing" in err
    code, _, err = run(capsys, "--db", str(tmp_path / "none.db"), "similar", "x")
    assert code == 1 and "no library" in err
    code, _, err = run(capsys, "--db", db, "radio", "album:Nope")
    assert code == 2 and "no analysed tracks for album" in err
    code, _, err = run(capsys, "--db", db, "radio", "beta b1 song 2",
                       "--out", str(tmp_path / "x.pls"))
    assert code == 2 and "unknown playlist format" in err
    code, _, err = run(capsys, "--db", db, "path", "beta b1 song 2", "beta b1 song 2")
    assert code == 2 and "same track" in err


def test_radio_writes_playlists(capsys, db, lib, tmp_path):
    out_file = tmp_path / "radio.m3u8"
    code, out, _err = run(capsys, "--db", db, "radio", "album:A1", lib.paths["Beta", "B2", 0],
                         "-n", "25", "--window", "6", "--artist-spacing", "1",
                         "--allow-repeats", "--out", str(out_file), "--random-seed", "4")
    assert code == 0 and "Wrote 25 tracks" in out
    entries = read_playlist(out_file)
    assert len(entries) == 25
    paths = [e.path for e in entries]
    for i in range(len(paths)):
        assert paths[i] not in paths[max(0, i - 6):i]
    with Store(db) as s:
        artists = [s.track_by_path(p).artist for p in paths]
    assert all(a != b for a, b in itertools.pairwise(artists))
    code, out, _ = run(capsys, "--db", db, "radio", str(out_file), "-n", "5", "--json")
    assert code == 0 and len(json.loads(out)["tracks"]) == 5
    code, out, _ = run(capsys, "--db", db, "radio", "artist:gamma", "-n", "4")
    assert code == 0 and [ln[:3] for ln in out.splitlines()] == ["1. ", "2. ", "3. ", "4. "]


def test_path_from_a_to_b(capsys, db, lib, tmp_path):
    out_file = tmp_path / "path.xspf"
    a, b = lib.paths["Alpha", "A2", 1], lib.paths["Beta", "B1", 0]
    code, out, _ = run(capsys, "--db", db, "path", a, b, "--steps", "6", "--out", str(out_file))
    assert code == 0 and "Wrote 6 tracks" in out
    entries = read_playlist(out_file)
    assert entries[0].path == a and entries[-1].path == b and len(entries) == 6
    code, out, _ = run(capsys, "--db", db, "path", a, b, "--steps", "4", "--json")
    tracks = json.loads(out)["tracks"]
    assert tracks[0]["path"] == a and tracks[-1]["path"] == b and len(tracks) == 4


def test_similar_tops_up_past_the_caps_unless_strict(capsys, db, lib):
    import dataclasses

    with Store(db) as store:  # one artist owns most of the library
        many = [t for t in store.tracks() if t.artist in ("Alpha", "Beta")
                or (t.artist == "Gamma" and t.album == "G1")]
        store.update_tracks([dataclasses.replace(t, artist="Eric Matyas") for t in many])
    note = "more by Eric Matyas: your library has few other artists like this"
    code, out, err = run(capsys, "--db", db, "similar", lib.paths["Beta", "B1", 0], "-n", "10")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert sum(ln.lstrip()[:1].isdigit() for ln in lines) == 10
    assert lines[-1].startswith("More by Eric Matyas: your library has few other artists")
    code, out, _ = run(capsys, "--db", db, "similar", lib.paths["Beta", "B1", 0], "-n", "10",
                       "--json")
    data = json.loads(out)
    assert len(data["results"]) == 10 and data["note"] == note and data["topped_up"] > 0
    code, out, _ = run(capsys, "--db", db, "similar", lib.paths["Beta", "B1", 0], "-n", "10",
                       "--strict-caps", "--json")
    data = json.loads(out)
    assert len(data["results"]) < 10 and data["note"] == "" and data["topped_up"] == 0
    code, out, _ = run(capsys, "--db", db, "similar", lib.paths["Beta", "B1", 0], "-n", "10",
                       "--strict-caps")
    assert "More by" not in out
    code, out, _ = run(capsys, "--db", db, "radio", lib.paths["Beta", "B1", 0], "-n", "30",
                       "--window", "8", "--random-seed", "1", "--json")
    assert len(json.loads(out)["tracks"]) == 30


def test_radio_never_repeats_a_song_by_default(capsys, db, lib):
    code, out, _ = run(capsys, "--db", db, "radio", lib.paths["Beta", "B1", 0], "-n", "10",
                       "--json", "--random-seed", "1", "--album-spacing", "0",
                       "--recent-hours", "0", "--any-character")
    assert code == 0
    paths = [t["path"] for t in json.loads(out)["tracks"]]
    assert len(set(paths)) == 10 and lib.paths["Beta", "B1", 0] not in paths
    code, _out, err = run(capsys, "--db", db, "radio", "album:A1", "--recent-hours", "-3")
    assert code == 2 and "hours" in err


def test_order_a_playlist_file_and_a_saved_playlist(capsys, db, lib, tmp_path):
    src = tmp_path / "in.m3u8"
    code, _out, _ = run(capsys, "--db", db, "radio", "album:A1", "-n", "9", "--any-character",
                        "--out", str(src), "--random-seed", "2")
    assert code == 0
    before = [e.path for e in read_playlist(src)]
    out_file = tmp_path / "flow.m3u8"
    code, out, err = run(capsys, "--db", db, "order", str(src), "--keep-first",
                         "--out", str(out_file))
    assert code == 0 and "Wrote 9 songs in flow order" in out and err == ""
    after = [e.path for e in read_playlist(out_file)]
    assert sorted(after) == sorted(before) and after[0] == before[0]
    code, out, _ = run(capsys, "--db", db, "order", str(src), "--by", "tempo",
                       "--out", "playlist:By tempo")
    assert code == 0 and "playlist:By tempo" in out
    code, out, _ = run(capsys, "--db", db, "order", "playlist:by tempo", "--by", "tempo",
                       "--reverse", "--json")
    data = json.loads(out)
    assert code == 0 and data["unplaced"] == 0 and len(data["tracks"]) == 9
    from soundalike.engine.dsp import INDEX

    with Store(db) as s:
        saved = [t.id for t in s.playlist_tracks(s.playlists()[0].id)]
        tempo = {i: s.get_analysis(i).features[INDEX["tempo_bpm"]] for i in saved}
    assert [tempo[i] for i in saved] == sorted(tempo[i] for i in saved)   # saved: slow → fast
    got = [tempo[t["id"]] for t in data["tracks"]]
    assert got == sorted(got, reverse=True)                               # --reverse
    code, _, err = run(capsys, "--db", db, "order", "playlist:nothing")
    assert code == 2 and "no saved playlist" in err
    code, _, err = run(capsys, "--db", db, "order", str(src), "--by", "colour")
    assert code == 2


def test_similar_albums_and_artists(capsys, db):
    code, out, err = run(capsys, "--db", db, "similar", "album:A1", "--explain", "-n", "3")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Albums like Alpha – A1:" and lines[1].startswith("1. ")
    assert "songs)" in lines[1] and len([ln for ln in lines if ln[:2] in ("1.", "2.", "3.")]) == 3
    code, out, _ = run(capsys, "--db", db, "similar", "artist:gamma", "--json")
    data = json.loads(out)
    assert code == 0 and data["query"]["kind"] == "artist" and data["query"]["name"] == "Gamma"
    assert {r["name"] for r in data["results"]} >= {"Alpha", "Beta"}
    assert all(r["kind"] == "artist" and r["explanation"] for r in data["results"])
    code, _, err = run(capsys, "--db", db, "similar", "album:no such album")
    assert code == 2 and "no analysed album" in err


def test_an_album_is_named_with_its_artist_when_a_title_is_not_enough(capsys, db):
    # "a" is part of two titles: the message lists each as the command takes it
    code, out, err = run(capsys, "--db", db, "similar", "album:a")
    assert code == 2 and out == ""
    assert "album:Alpha – A1" in err and "album:Alpha – A2" in err
    for spelled in ("Alpha – A1", "alpha - a1"):
        code, out, err = run(capsys, "--db", db, "similar", f"album:{spelled}", "-n", "2")
        assert code == 0 and err == "" and out.splitlines()[0] == "Albums like Alpha – A1:"
    code, _, err = run(capsys, "--db", db, "similar", "album:Beta – A1")
    assert code == 2 and "no analysed album" in err


def test_mixes_list_write_and_pin(capsys, db, tmp_path):
    code, out, err = run(capsys, "--db", db, "mixes", "--json", "--out", str(tmp_path / "m"),
                         "--size", "3")
    assert code == 0 and "Making the mixes from" in err   # the first time: made, said
    mixes = json.loads(out)["mixes"]
    assert len(mixes) >= 2 and len({m["name"] for m in mixes}) == len(mixes)
    for m in mixes:
        entries = read_playlist(m["out"])
        assert 1 <= len(entries) <= 3 and m["out"].endswith(".m3u8")
    name = mixes[-1]["name"]
    code, out, err = run(capsys, "--db", db, "mixes", "--pin", name)
    assert code == 0 and f"{name}" in out.splitlines()[0] and "(pinned)" in out
    assert err == ""                                       # stored ones: nothing to make
    code, _, err = run(capsys, "--db", db, "mixes", "--pin", "no such mix")
    assert code == 2 and "no mix called" in err
