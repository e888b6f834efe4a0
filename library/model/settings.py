"""The library's settings, declared once (like Picard's ``options.py``).

Each :class:`Setting` names its key in the ``settings`` table, its type, its default and
what it does. This module is the only place a setting's key is spelled: the GUI's settings
dialog, the CLI, the recommendations and the Store's backup and recovery all take the
:class:`Setting` from here (``store.setting(ANALYSIS_WORKERS)``,
``store.save_setting(ANALYSIS_WORKERS, 2)``). Values are stored as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from soundalike.engine.filters import Filters


@dataclass(frozen=True, slots=True)
class Setting:
    """One library setting: its ``settings`` key, Python type (as stored in JSON), default
    and description. A list's default is a tuple (declarations are shared: nothing may
    change them). ``backed_up`` is False for a cache (refitted from the analyses, so never
    backed up or recovered)."""

    key: str
    type: type
    default: Any
    description: str
    backed_up: bool = True

    @property
    def name(self) -> str:
        """The key without its group (``"recommend.max_per_artist"`` → ``"max_per_artist"``)."""
        return self.key.split(".", 1)[1]


_FILTERS = Filters()

ANALYSIS_WORKERS = Setting(
    "analysis.workers", int, 0,
    "analysis worker processes; 0 = automatic (one per physical core, one left free from "
    "3 cores up)")
ANALYSIS_PAUSE_ON_BATTERY = Setting(
    "analysis.pause_on_battery", bool, False,
    "hold the analysis while the computer runs on battery")

VECTOR_MODEL = Setting(
    "recommend.vector_model", dict, None,
    "the fitted vector model of the recommendations (a cache: refitted from the analyses)",
    backed_up=False)
WEIGHTS = Setting(
    "recommend.weights", dict, None,
    "weights of the parts of the hybrid vector (features, tags, embeddings); unset: equal")

# The recommendations' default filters: each is the engine.filters.Filters field of its name.
MAX_PER_ARTIST = Setting(
    "recommend.max_per_artist", int, _FILTERS.max_per_artist,
    "at most this many songs per artist in a result list (0: no limit)")
MAX_PER_ALBUM = Setting(
    "recommend.max_per_album", int, _FILTERS.max_per_album,
    "at most this many songs per album in a result list (0: no limit)")
EXCLUDE_QUERY_ARTIST = Setting(
    "recommend.exclude_query_artist", bool, _FILTERS.exclude_query_artist,
    "leave out every song by the artist(s) of the query")
DEDUPE = Setting(
    "recommend.dedupe", bool, _FILTERS.dedupe,
    "leave out the query's duplicates and keep only the best copy of any song")
DUPLICATE_SECONDS = Setting(
    "recommend.duplicate_seconds", float, _FILTERS.duplicate_seconds,
    "same artist and title are one song within this difference in duration (seconds)")
EXCLUDE_GENRES = Setting(
    "recommend.exclude_genres", list, _FILTERS.exclude_genres,
    "genre words whose songs are never recommended")
EXCLUDE_FOLDERS = Setting(
    "recommend.exclude_folders", list, _FILTERS.exclude_folders,
    "folders whose songs are never recommended (any depth below them)")
EXCLUDE_KEYWORDS = Setting(
    "recommend.exclude_keywords", list, _FILTERS.exclude_keywords,
    "words that leave a song out when they occur in its title, album, artist, genre or path")

# The radio's options (Settings → Radio): each is the Recommender.radio keyword of its name.
RADIO_ARTIST_SPACING = Setting(
    "radio.artist_spacing", int, 3,
    "at least this many songs between two songs by one artist in a radio")
RADIO_ALBUM_SPACING = Setting(
    "radio.album_spacing", int, 5,
    "at least this many songs between two songs of one album in a radio")
RADIO_NO_REPEAT = Setting(
    "radio.no_repeat", bool, True, "no song twice in one radio session")
RADIO_KEEP_CHARACTER = Setting(
    "radio.keep_character", bool, True,
    "a radio from vocal songs stays vocal, from instrumental ones instrumental")
RADIO_RECENT_HOURS = Setting(
    "radio.recent_hours", float, 24.0,
    "songs heard in the last this many hours come later in a new radio")

RECENT_PLAYS = Setting(
    "discovery.recent_plays", dict, None,
    "track id → when it was last played, for the radio's recently-heard rule (a cache)",
    backed_up=False)
MIXES = Setting(
    "discovery.mixes", dict, None,
    "the library's mixes: their tracks, names and which are pinned")

MOUNT_POINTS = Setting(
    "folders.mount_points", dict, None,
    "music folder → the mount point it was last seen with files on (noted again by the "
    "next scan: a cache)", backed_up=False)
MPD_MUSIC_DIRECTORY = Setting(
    "mpd.music_directory", str, None,
    "MPD's music directory as this library sees it (saved by `soundalike mpd scan`)")

#: the persisted default filters of the recommendations (Filters field = ``setting.name``)
FILTER_SETTINGS: tuple[Setting, ...] = (
    MAX_PER_ARTIST, MAX_PER_ALBUM, EXCLUDE_QUERY_ARTIST, DEDUPE, DUPLICATE_SECONDS,
    EXCLUDE_GENRES, EXCLUDE_FOLDERS, EXCLUDE_KEYWORDS)

#: the radio's options (Recommender.radio keyword = ``setting.name``)
RADIO_SETTINGS: tuple[Setting, ...] = (
    RADIO_ARTIST_SPACING, RADIO_ALBUM_SPACING, RADIO_NO_REPEAT, RADIO_KEEP_CHARACTER,
    RADIO_RECENT_HOURS)

#: every library setting, in the order they are documented
SETTINGS: tuple[Setting, ...] = (
    ANALYSIS_WORKERS, ANALYSIS_PAUSE_ON_BATTERY, VECTOR_MODEL, WEIGHTS, *FILTER_SETTINGS,
    *RADIO_SETTINGS, RECENT_PLAYS, MIXES, MOUNT_POINTS, MPD_MUSIC_DIRECTORY)

#: keys of the settings that are caches: not backed up, not recovered
CACHE_KEYS: frozenset[str] = frozenset(s.key for s in SETTINGS if not s.backed_up)
