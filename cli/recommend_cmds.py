"""``soundalike similar | radio | path``: recommendations from the command line.

A QUERY or SEED is a file path, or text matched against ``artist – title`` (every word
must match; an exact ``artist – title`` or title match wins). Ambiguous text lists the
candidates and exits 2. Seeds may also be ``album:NAME``, ``artist:NAME``,
``playlist:NAME`` (a saved playlist) or a playlist file (.m3u8/.m3u/.xspf).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from soundalike.cli.arguments import db_path, fraction, whole_number
from soundalike.cli.errors import CliError, UsageError
from soundalike.engine.errors import SoundalikeError
from soundalike.library.model.states import DEFAULT_METHOD, Method, TrackStatus
from soundalike.library.model.track import printable

MAX_CANDIDATES_SHOWN = 10


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "similar", help="tracks that sound like a track",
        description="List the tracks that sound most like QUERY (a file path, or text "
                    "matched against 'artist – title'); album:NAME or artist:NAME lists the "
                    "albums or artists that sound most like that album or artist.")
    p.add_argument("query", metavar="QUERY", nargs="+",
                   help="file path, words of 'artist – title', album:NAME or artist:NAME")
    p.add_argument("-n", type=whole_number(1, 100000), default=10, metavar="N",
                   help="how many (default 10)")
    _method_arg(p)
    p.add_argument("--explain", action="store_true", help="say why each track is similar")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    _filter_args(p)
    p.set_defaults(func=cmd_similar)

    p = sub.add_parser(
        "radio", help="an endless radio from seed tracks, written as a playlist",
        description="Draw N tracks of a radio that starts from the seeds: each a good match "
                    "with some randomness, no repeats, artists spaced out.")
    p.add_argument("seeds", metavar="SEED", nargs="*",
                   help="file path, 'artist – title' text (quote it), album:NAME, "
                        "artist:NAME, playlist:NAME or a playlist file")
    p.add_argument("--tags", metavar="WORDS",
                   help="start from mood words instead of (or with) seeds, e.g. "
                        "\"calm, piano, instrumental\"")
    p.add_argument("--tempo", type=_tempo_range, metavar="LOW-HIGH",
                   help="with --tags: a tempo range in BPM, e.g. 70-110")
    p.add_argument("--energy", type=fraction, metavar="0..1",
                   help="with --tags: 0 quiet and gentle … 1 loud and driving")
    p.add_argument("--interactive", action="store_true",
                   help="steer the radio in the terminal: s skip, m more like this, "
                        "l less like this, Enter next, q quit")
    p.add_argument("-n", type=whole_number(1, 100000), default=50, metavar="N",
                   help="how many (default 50)")
    p.add_argument("--out", metavar="FILE", help="write a playlist (.m3u8, .m3u or .xspf)")
    radio_draw_args(p)
    _method_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    _filter_args(p, caps=False)
    p.set_defaults(func=cmd_radio)

    p = sub.add_parser(
        "path", help="a path of tracks from A to B with smooth transitions",
        description="A playlist of STEPS tracks that starts at A, ends at B and moves "
                    "gradually from one to the other.")
    p.add_argument("a", metavar="A", help="start: file path or 'artist – title' text")
    p.add_argument("b", metavar="B", help="end: file path or 'artist – title' text")
    p.add_argument("--steps", type=whole_number(1, 100000), default=10, metavar="N",
                   help="tracks in the path, A and B included (default 10)")
    p.add_argument("--out", metavar="FILE", help="write a playlist (.m3u8, .m3u or .xspf)")
    _method_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    _filter_args(p, caps=False)
    p.set_defaults(func=cmd_path)


# -- shared arguments ------------------------------------------------------------------
def radio_draw_args(p: argparse.ArgumentParser, *, item: str = "track",
                    seeds: str = "seeds") -> None:
    """``--drift``, ``--window``, ``--artist-spacing``, ``--random-seed``: how a radio draws
    (``soundalike radio`` and ``soundalike mpd radio``)."""
    p.add_argument("--drift", type=fraction, default=0.3, metavar="0..1",
                   help=f"0 stays close to the {seeds}, 1 wanders from song to song "
                        "(default 0.3)")
    p.add_argument("--window", type=whole_number(1, 100000), default=50, metavar="N",
                   help=f"no {item} repeats within N {item}s (default 50)")
    p.add_argument("--artist-spacing", type=whole_number(0), default=None, metavar="N",
                   help=f"no artist again within N {item}s (default 3, or the library's "
                        "setting radio.artist_spacing)")
    p.add_argument("--album-spacing", type=whole_number(0), default=None, metavar="N",
                   help=f"no album again within N {item}s (default 5, or the library's "
                        "setting radio.album_spacing)")
    p.add_argument("--allow-repeats", action="store_true",
                   help=f"let a {item} come back after --window {item}s (default: no "
                        f"{item} twice while others are left)")
    p.add_argument("--any-character", action="store_true",
                   help=f"mix vocal and instrumental {item}s (default: keep the {seeds}' "
                        "character)")
    p.add_argument("--recent-hours", type=_hours, default=None, metavar="H",
                   help=f"{item}s played in the last H hours come later (default 24; 0: off)")
    p.add_argument("--random-seed", type=int, default=None, metavar="INT",
                   help="make the draw reproducible")


def _hours(text: str) -> float:
    try:
        h = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not 0 <= h <= 24 * 365:
        raise argparse.ArgumentTypeError("hours must lie between 0 and 8760")
    return h


def radio_draw_options(args: argparse.Namespace) -> dict:
    """The ``Recommender.radio`` keywords of :func:`radio_draw_args`'s options (None
    leaves the library's setting)."""
    return {"drift": args.drift, "window": args.window, "artist_spacing": args.artist_spacing,
            "album_spacing": args.album_spacing,
            "no_repeat": False if args.allow_repeats else None,
            "keep_character": False if args.any_character else None,
            "recent_hours": args.recent_hours, "rng": args.random_seed}


def _method_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--method", choices=tuple(m.value for m in Method), default=DEFAULT_METHOD,
                   help="hybrid (default: embedding + tags + sound features) or seed "
                        "(genre probabilities, Euclidean)")


def _filter_args(p: argparse.ArgumentParser, caps: bool = True) -> None:
    g = p.add_argument_group("filters (defaults from the library's settings)")
    if caps:
        g.add_argument("--max-per-artist", type=whole_number(0), metavar="N",
                       help="at most N tracks per artist (0: no limit; default 2)")
        g.add_argument("--max-per-album", type=whole_number(0), metavar="N",
                       help="at most N tracks per album (0: no limit; default 2)")
        g.add_argument("--strict-caps", action="store_true",
                       help="keep the caps hard: a shorter list rather than more songs by "
                            "the same artists (default: fill the list up to N)")
        g.add_argument("--other-artists", action="store_true",
                       help="leave out the query's artist")
        g.add_argument("--keep-duplicates", action="store_true",
                       help="keep other copies of the same song")
    g.add_argument("--exclude-genre", action="append", default=[], metavar="GENRE",
                   help="leave out tracks with this genre tag (repeatable)")
    g.add_argument("--exclude-folder", action="append", default=[], metavar="FOLDER",
                   help="leave out tracks under this folder (repeatable)")
    g.add_argument("--exclude-keyword", action="append", default=[], metavar="WORD",
                   help="leave out tracks whose title/album/artist/genre/path has this word "
                        "(e.g. audiobook, podcast, christmas; repeatable)")


# -- helpers ----------------------------------------------------------------------------
def _open(args: argparse.Namespace):
    """Open the store and the recommender; plain errors for the expected problems."""
    from soundalike.engine.errors import SoundalikeError
    from soundalike.library.recommend.recommender import Recommender
    from soundalike.library.store import Store

    path = db_path(args)
    if path != ":memory:" and not os.path.exists(path):
        raise CliError(f"no library at {path}: add music with `soundalike scan FOLDER` first")
    try:
        store = Store(path)
    except SoundalikeError as exc:
        raise CliError(str(exc)) from None
    rec = Recommender(store)
    if rec.size == 0:
        store.close()
        raise CliError("no analysed tracks yet: run `soundalike analyze` first")
    return store, rec


def _filters(rec, args: argparse.Namespace):
    from soundalike.library.recommend.results import RecommendError

    over = {}
    if getattr(args, "max_per_artist", None) is not None:
        over["max_per_artist"] = args.max_per_artist  # 0 = no limit
    if getattr(args, "max_per_album", None) is not None:
        over["max_per_album"] = args.max_per_album
    if getattr(args, "other_artists", False):
        over["exclude_query_artist"] = True
    if getattr(args, "strict_caps", False):
        over["strict_caps"] = True
    if getattr(args, "keep_duplicates", False):
        over["dedupe"] = False
    base = rec.filters()
    for name, extra in (("exclude_genres", args.exclude_genre),
                        ("exclude_folders", [os.path.abspath(os.path.expanduser(f))
                                             for f in args.exclude_folder]),
                        ("exclude_keywords", args.exclude_keyword)):
        if extra:
            over[name] = tuple(getattr(base, name)) + tuple(extra)
    try:
        return rec.filters(**over)
    except RecommendError as exc:
        raise UsageError(str(exc)) from None


def _outside_file(store, text: str) -> str | None:
    """*text* as the path of an audio file that is not in the library, else None."""
    from soundalike.engine.formats import is_audio_name

    path = os.path.abspath(os.path.expanduser(text))
    if not os.path.isfile(path) or not is_audio_name(path):
        return None
    if store.track_by_path(path) or store.track_by_path(os.path.realpath(path)):
        return None
    return path


def resolve_query(store, text: str):
    """The one track *text* names (a path, or 'artist – title' words); UsageError else."""
    from soundalike.library.browse import find_tracks
    from soundalike.library.recommend.results import track_label

    candidates = [text, os.path.abspath(os.path.expanduser(text))]
    if os.path.exists(candidates[1]):
        candidates.append(os.path.realpath(candidates[1]))
    for c in candidates:
        t = store.track_by_path(c)
        if t is not None:
            return t
    if os.path.isfile(candidates[1]):
        raise UsageError(f"{text} is not in the library: add its folder with "
                         "`soundalike scan FOLDER`")
    found = find_tracks(store, text, limit=200)
    if not found:
        raise UsageError(f"no track matches {text!r}")
    if len(found) > 1:
        analysed = [t for t in found if t.status == TrackStatus.ANALYSED]
        if len(analysed) == 1:
            return analysed[0]
        prints = {t.fingerprint for t in found}
        if len(prints) == 1 and None not in prints:  # copies of one file: any will do
            return (analysed or found)[0]
        lines = [f"{text!r} matches {len(found)} tracks; be more specific, e.g.:"]
        for t in found[:MAX_CANDIDATES_SHOWN]:
            lines.append(f"  {track_label(t)}  ({t.path})")
        if len(found) > MAX_CANDIDATES_SHOWN:
            lines.append(f"  … and {len(found) - MAX_CANDIDATES_SHOWN} more")
        raise UsageError("\n".join(lines))
    return found[0]


def _recommend_call(fn, *a, **kw):
    from soundalike.library.recommend.results import RecommendError

    try:
        return fn(*a, **kw)
    except RecommendError as exc:
        raise CliError(str(exc)) from None


def _write_out(path: str, tracks, title: str) -> str:
    from soundalike.library.files.playlist_files import entries_for_tracks

    return write_entries(path, entries_for_tracks(tracks), title)


def write_entries(path: str, entries, title: str) -> str:
    """Write playlist *entries* to *path* (its extension says the format); plain errors."""
    from soundalike.library.files.playlist_files import (
        PlaylistFileError,
        playlist_format,
        write_playlist,
    )

    try:
        playlist_format(path)
    except PlaylistFileError as exc:
        raise UsageError(str(exc)) from None
    try:
        return str(write_playlist(os.path.expanduser(path), entries, title=title))
    except PlaylistFileError as exc:
        raise CliError(str(exc)) from None


def _print_tracks(tracks) -> None:
    from soundalike.library.recommend.results import track_label

    width = len(str(len(tracks)))
    for i, t in enumerate(tracks, 1):
        print(f"{i:>{width}}. {track_label(t)}")


# -- commands ---------------------------------------------------------------------------
def cmd_similar(args: argparse.Namespace) -> int:
    from soundalike.library.recommend.outside import similar_to_file
    from soundalike.library.recommend.results import track_label

    text = " ".join(args.query)
    kind, sep, name = text.partition(":")
    if sep and kind in ("album", "artist") and not os.path.exists(text):
        from soundalike.cli.discovery_cmds import similar_groups

        return similar_groups(args, kind, name.strip())
    store, rec = _open(args)
    try:
        filters = _filters(rec, args)
        explain = args.explain or args.json
        outside = _outside_file(store, text)
        if outside:  # a song that is not in the library: analyse it now, then compare
            print(f"Analysing {printable(outside)} …", file=sys.stderr, flush=True)
            try:
                results = _recommend_call(similar_to_file, rec, outside, args.n,
                                          method=args.method, filters=filters, explain=explain)
            except SoundalikeError as exc:
                raise CliError(f"cannot analyse {printable(outside)}: {exc}") from None
            query = {"path": printable(outside), "in_library": False}
            label = f"{printable(outside)} (not in the library; analysed just now)"
        else:
            track = resolve_query(store, text)
            results = _recommend_call(rec.similar, track.id, args.n, method=args.method,
                                      filters=filters, explain=explain)
            query, label = track.to_dict(), track_label(track)
        if args.json:
            print(json.dumps({"query": query, "method": args.method,
                              **results.to_dict()}, ensure_ascii=False))
            return 0
        print(f"Tracks like {label} ({args.method}):")
        if not results:
            print("  nothing left after the filters")
        width = len(str(len(results)))
        for i, r in enumerate(results, 1):
            line = f"{i:>{width}}. {r.score:6.3f}  {track_label(r.track)}"
            if r.track.album:
                line += f"  [{r.track.album}]"
            print(line)
            if args.explain:
                print(f"{'':>{width + 10}}{r.explanation}")
        if results.note:
            note = results.note
            print(f"{note[0].upper()}{note[1:]} (the last {results.topped_up}).")
        return 0
    finally:
        store.close()


def _output_tracks(args: argparse.Namespace, tracks, title: str, **json_first) -> None:
    """Write ``--out`` if given, then print JSON (``json_first`` keys, tracks, out), a
    "Wrote …" line, or the numbered list."""
    written = _write_out(args.out, tracks, title) if args.out else None
    if args.json:
        print(json.dumps({**json_first, "tracks": [t.to_dict() for t in tracks],
                          "out": written}, ensure_ascii=False))
    elif written:
        print(f"Wrote {len(tracks)} tracks to {written}")
    else:
        _print_tracks(tracks)


def _seed_ids(store, rec, seeds: list[str]) -> list[int]:
    from soundalike.library.files.playlist_files import FORMATS, PlaylistFileError, read_playlist
    from soundalike.library.recommend.seeds import (
        seeds_for_album,
        seeds_for_artist,
        seeds_for_playlist,
    )

    ids: list[int] = []
    for seed in seeds:
        kind, sep, name = seed.partition(":")
        if sep and kind in ("album", "artist", "playlist") and name.strip():
            found = {"album": seeds_for_album, "artist": seeds_for_artist,
                     "playlist": seeds_for_playlist}[kind](rec, name.strip())
            if not found:
                raise UsageError(f"no analysed tracks for {kind} {name.strip()!r}")
            ids += found
        elif os.path.splitext(seed)[1].lower() in FORMATS and os.path.isfile(seed):
            try:
                entries = read_playlist(seed)
            except PlaylistFileError as exc:
                raise UsageError(str(exc)) from None
            found = [t.id for e in entries if (t := store.track_by_path(e.path)) is not None
                     and rec.index.position(t.id) is not None]
            if not found:
                raise UsageError(f"no analysed library tracks in playlist {seed}")
            ids += found
        else:
            ids.append(resolve_query(store, seed).id)
    return list(dict.fromkeys(ids))


def _tempo_range(text: str) -> tuple[float, float]:
    lo, sep, hi = text.replace("–", "-").partition("-")
    try:
        low, high = float(lo), float(hi) if sep else float(lo)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a tempo range like 70-110") from None
    if min(low, high) < 20 or max(low, high) > 300:
        raise argparse.ArgumentTypeError("tempo must lie between 20 and 300 BPM")
    return (min(low, high), max(low, high))


def cmd_radio(args: argparse.Namespace) -> int:
    from soundalike.library.recommend.radio import mood_seeds

    if not args.seeds and not args.tags:
        raise UsageError("give seed tracks or --tags \"mood words\" "
                         "(e.g. soundalike radio --tags \"calm, instrumental\")")
    if (args.tempo or args.energy is not None) and not args.tags:
        raise UsageError("--tempo and --energy go with --tags")
    if args.interactive and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("--interactive needs a terminal (it reads the keys s, m, l)")
    store, rec = _open(args)
    try:
        seeds = _seed_ids(store, rec, args.seeds) if args.seeds else []
        if args.tags:
            seeds += _recommend_call(mood_seeds, rec, args.tags, tempo=args.tempo,
                                     energy=args.energy)
            seeds = list(dict.fromkeys(seeds))
        radio = _recommend_call(rec.radio, seeds, method=args.method,
                                filters=_filters(rec, args), **radio_draw_options(args))
        if args.interactive:
            from soundalike.cli.radio_keys import run_interactive

            played = run_interactive(radio)
            if args.out:
                _output_tracks(args, played, "Soundalike radio", seeds=seeds)
            return 0
        _output_tracks(args, radio.next(args.n), "Soundalike radio", seeds=seeds)
        return 0
    finally:
        store.close()


def cmd_path(args: argparse.Namespace) -> int:
    from soundalike.library.recommend.paths import path

    if args.steps < 2:
        raise UsageError("--steps must be at least 2 (A and B)")
    store, rec = _open(args)
    try:
        a, b = resolve_query(store, args.a), resolve_query(store, args.b)
        if a.id == b.id:
            raise UsageError("A and B are the same track")
        tracks = _recommend_call(path, rec, a.id, b.id, args.steps, method=args.method,
                                 filters=_filters(rec, args))
        _output_tracks(args, tracks, "Soundalike path")
        return 0
    finally:
        store.close()
