"""The declared settings (library/model/settings.py): the keys users' libraries hold, each
spelled in that one module."""

from __future__ import annotations

import re
from pathlib import Path

from soundalike.engine.filters import Filters
from soundalike.library.model import settings
from soundalike.library.store import Store

ROOT = Path(__file__).resolve().parents[3]


def test_the_keys_stay_what_existing_libraries_hold():
    assert [s.key for s in settings.SETTINGS] == [
        "analysis.workers", "analysis.pause_on_battery", "recommend.vector_model",
        "recommend.weights", "recommend.max_per_artist", "recommend.max_per_album",
        "recommend.exclude_query_artist", "recommend.dedupe", "recommend.duplicate_seconds",
        "recommend.exclude_genres", "recommend.exclude_folders", "recommend.exclude_keywords",
        "radio.artist_spacing", "radio.album_spacing", "radio.no_repeat",
        "radio.keep_character", "radio.recent_hours", "discovery.recent_plays",
        "discovery.mixes", "folders.mount_points", "mpd.music_directory"]
    assert {"recommend.vector_model", "folders.mount_points",
                                   "discovery.recent_plays"} == settings.CACHE_KEYS
    assert all(s.description for s in settings.SETTINGS)


def test_filter_defaults_are_the_engines():
    defaults = Filters()
    for s in settings.FILTER_SETTINGS:
        assert s.default == getattr(defaults, s.name)  # (a tuple for a list: immutable)


def test_a_setting_reads_its_default_until_saved(tmp_path):
    with Store(tmp_path / "lib.db") as store:
        assert store.setting(settings.MAX_PER_ARTIST) == Filters().max_per_artist
        store.save_setting(settings.EXCLUDE_GENRES, ("christmas", "spoken"))
        assert store.setting(settings.EXCLUDE_GENRES) == ["christmas", "spoken"]


def test_no_other_module_spells_a_settings_key():
    keys = re.compile("|".join(re.escape(f'"{s.key}"') for s in settings.SETTINGS))
    spelled = [str(p.relative_to(ROOT)) for folder in ("library", "gui", "cli", "engine",
                                                       "beetsplug")
               for p in (ROOT / folder).rglob("*.py")
               if keys.search(p.read_text(encoding="utf-8"))]
    assert spelled == ["library/model/settings.py"]
