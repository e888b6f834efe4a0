"""The beets plugin against a real beets library: `beet import -A` of files written here,
then `beet soundalike analyze | similar | radio` and analysis on import (real processes).

beets finds the plugin as a user's beets does (``plugins: soundalike``): from the installed
package when it is installed (make setup's editable install, a wheel), else through
``pluginpath`` pointing at this tree's beetsplug/ folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from audiofiles import write_audio
from reco_library import SR, _beat, _chord

from soundalike.library.files.playlist_files import read_playlist
from soundalike.library.store import Store

pytest.importorskip("beets", reason="beets is not installed (make setup installs it)")

REPO = Path(__file__).resolve().parents[2]
SONGS = [("Alpha", "Pulse", "beat", 0), ("Alpha", "Pulse", "beat", 1),
         ("Beta", "Drone", "chord", 2), ("Beta", "Drone", "chord", 3)]


def write_songs(folder: Path, songs, rng) -> None:
    folder.mkdir(parents=True)
    for artist, album, style, i in songs:
        y = _beat(116 + 5 * i, rng) if style == "beat" else _chord(220 * 2 ** (i / 12), rng)
        write_audio(folder / f"{i:02d} {artist}.flac", y, SR, tags={
            "artist": artist, "album": album, "title": f"{artist} song {i}",
            "tracknumber": str(i + 1)})


class Beets:
    """``beet`` in its own BEETSDIR, with a Soundalike database of its own."""

    def __init__(self, root: Path, cache_dir: Path, *, auto: bool = False):
        self.root = root
        self.db = root / "soundalike.db"
        self.env = dict(os.environ, BEETSDIR=str(root / "beets"),
                        SOUNDALIKE_CACHE_DIR=str(cache_dir), HOME=str(root))
        installed = subprocess.run(  # as beet will see it: another process, another folder
            [sys.executable, "-c", "import importlib.util, sys; "
             "sys.exit(importlib.util.find_spec('beetsplug.soundalike') is None)"],
            env=self.env, cwd=root, timeout=60).returncode == 0
        plugin_path = "" if installed else f"pluginpath: ['{REPO / 'beetsplug'}']\n"
        (root / "beets").mkdir(parents=True)
        (root / "beets" / "config.yaml").write_text(
            f"directory: {root / 'Music'}\nlibrary: {root / 'beets' / 'library.db'}\n"
            f"plugins: soundalike\n{plugin_path}"
            "import:\n  copy: yes\n  write: no\n  quiet: yes\n"
            f"soundalike:\n  db: {self.db}\n  auto: {'yes' if auto else 'no'}\n"
            "  workers: 1\n")

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "beets", *args], env=self.env,
                                capture_output=True, text=True, timeout=240, cwd=self.root)
        if ok:
            assert result.returncode == 0, f"beet {args}:\n{result.stdout}\n{result.stderr}"
        return result

    def paths(self, *query: str) -> list[str]:
        return self("ls", "-f", "$path", *query).stdout.splitlines()


@pytest.fixture(scope="module")
def beets(tmp_path_factory, _session_cache_dir):
    root = tmp_path_factory.mktemp("beets")
    write_songs(root / "incoming", SONGS, np.random.default_rng(5))
    b = Beets(root, _session_cache_dir)
    b("import", "-A", str(root / "incoming"))
    assert len(b.paths()) == 4
    b("soundalike", "analyze")
    return b


def test_analyze_puts_the_beets_items_into_soundalikes_database(beets):
    with Store(beets.db) as store:
        for path in beets.paths():
            track = store.track_by_path(path)
            assert track is not None and track.status == "analysed", path
        assert [f.path for f in store.folders()] == [str(beets.root / "Music")]
    again = beets("soundalike", "analyze", "artist:Alpha")
    assert "0 analysed, 0 failed, 2 already analysed (2 items" in again.stdout


def test_similar_lists_items_in_beets_own_format(beets):
    out = beets("soundalike", "similar", "title:Alpha song 0", "-n", "2").stdout.splitlines()
    assert len(out) == 2
    score, _, rest = out[0].partition("  ")
    float(score)
    assert rest.startswith("Alpha - Pulse - Alpha song 1")  # beets' format_item


def test_similar_albums_and_artists_of_the_matching_items(beets):
    out = beets("soundalike", "similar", "-a", "album:Pulse").stdout.splitlines()
    assert len(out) == 1   # the only other album
    score, _, rest = out[0].partition("  ")
    float(score)
    assert rest.startswith("Beta – Drone  (2 items; ")
    out = beets("soundalike", "similar", "--artists", "artist:Beta", "-n", "5").stdout
    assert out.splitlines()[0].split("  ")[1] == "Alpha"


def test_radio_writes_a_playlist_of_the_beets_files(beets):
    out_file = beets.root / "radio.m3u8"
    result = beets("soundalike", "radio", "artist:Beta", "-n", "3", "-o", str(out_file))
    assert result.stdout.strip() == f"Wrote 3 items to {out_file}"
    entries = read_playlist(out_file)
    assert len(entries) == 3 and set(e.path for e in entries) <= set(beets.paths())
    printed = beets("soundalike", "radio", "artist:Beta", "-n", "2").stdout.splitlines()
    assert len(printed) == 2 and all(" - " in line for line in printed)


def test_an_item_whose_analysis_failed_counts_as_failed_not_as_nothing(beets):
    alpha = beets.paths("artist:Alpha")
    with Store(beets.db) as store:
        track = store.track_by_path(alpha[0])
        row = store.get_analysis(track.id)
        store.save_failure(track.id, "cannot decode")  # as the analyser records it
    try:
        again = beets("soundalike", "analyze", "artist:Alpha")
        assert "0 analysed, 1 failed, 1 already analysed (2 items" in again.stdout
    finally:  # the module's library as it was, for the other tests
        with Store(beets.db) as store:
            store.save_analysis(track.id, version=row.version, features=row.features,
                                tags=row.tags, embedding=row.embedding,
                                duration=row.duration, mtt_tags=row.mtt_tags,
                                mtt_embedding=row.mtt_embedding)


@pytest.mark.parametrize("args, message", [
    (("similar", "nothing-matches-this"), "error: no items match the query"),
    (("similar",), "error: give a query"),
    (("frobnicate",), "error: say what to do"),
    (("similar", "artist:Alpha", "-n", "0"), "error: -n must be at least 1"),
    (("similar", "artist:Alpha", "-o", "x.m3u8"), "error: -o is for `beet soundalike radio`"),
    (("radio", "artist:Alpha", "-o", "list.txt"), "error: unknown playlist format '.txt'"),
])
def test_mistakes_are_one_plain_line_and_exit_1(beets, args, message):
    result = beets("soundalike", *args, ok=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[0].startswith(message), result.stderr
    assert "Traceback" not in result.stderr


def test_items_not_analysed_yet_say_what_to_run(tmp_path, _session_cache_dir):
    b = Beets(tmp_path, _session_cache_dir)
    write_songs(tmp_path / "incoming", SONGS[:2], np.random.default_rng(1))
    b("import", "-A", str(tmp_path / "incoming"))
    result = b("soundalike", "similar", "artist:Alpha", ok=False)
    assert result.returncode == 1
    assert "no Soundalike database" in result.stderr and "beet soundalike analyze" in result.stderr


def test_auto_analyses_what_beet_import_adds(tmp_path, _session_cache_dir):
    b = Beets(tmp_path, _session_cache_dir, auto=True)
    write_songs(tmp_path / "incoming", SONGS[2:], np.random.default_rng(2))
    b("import", "-A", str(tmp_path / "incoming"))
    paths = b.paths()
    assert len(paths) == 2
    with Store(b.db) as store:
        assert all(store.track_by_path(p).status == "analysed" for p in paths)


def test_off_by_default_import_leaves_the_database_alone(tmp_path, _session_cache_dir):
    b = Beets(tmp_path, _session_cache_dir)
    write_songs(tmp_path / "incoming", SONGS[:1], np.random.default_rng(3))
    b("import", "-A", str(tmp_path / "incoming"))
    assert not b.db.exists()


def test_the_plugin_module_is_beets_namespace_not_ours():
    assert not (REPO / "beetsplug" / "__init__.py").exists()  # beetsplug is beets' namespace
    assert shutil.which("beet") or (Path(sys.executable).parent / "beet").exists()


def test_order_and_mixes_of_the_beets_items(beets):
    out = beets("soundalike", "order", "-b", "tempo").stdout.splitlines()
    assert len(out) == 4 and all(" - " in line for line in out)
    with Store(beets.db) as store:
        from soundalike.engine.dsp import INDEX

        by_title = {t.title: store.get_analysis(t.id).features[INDEX["tempo_bpm"]]
                    for t in store.tracks(limit=None)}
    tempo = [by_title[line.split(" - ")[-1]] for line in out]
    assert tempo == sorted(tempo)
    result = beets("soundalike", "mixes", "-o", str(beets.root / "mixes"))
    lines = result.stdout.splitlines()
    assert lines and all(line.endswith("items)") for line in lines)
    assert len(list((beets.root / "mixes").glob("*.m3u8"))) == len(lines)
    bad = beets("soundalike", "order", "-b", "colour", ok=False)
    assert bad.returncode == 1 and "-b must be one of" in bad.stderr
