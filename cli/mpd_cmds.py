"""``soundalike mpd scan | similar | radio | path``: Soundalike for a Music Player Daemon.

MPD is found as MPD's own clients find it: ``--host``/``$MPD_HOST`` (a host, a socket path,
``password@host``) and ``--port``/``$MPD_PORT`` (default 6600). Its music directory comes
from ``--music-dir``, else from MPD itself on its local socket, else from the last
``soundalike mpd scan``. Needs python-mpd2 (``pip install 'soundalike[mpd]'``).
"""

from __future__ import annotations

import argparse
import contextlib
import os

from soundalike.cli.arguments import whole_number
from soundalike.cli.errors import CliError, UsageError
from soundalike.cli.recommend_cmds import _method_arg, radio_draw_args
from soundalike.engine.errors import SoundalikeError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mpd", help="similar songs, radio and paths in MPD (Music Player Daemon)",
        description="Use Soundalike from MPD: add its music directory to the library, queue "
                    "songs like the one playing, keep a radio going, queue a path. MPD is "
                    "found through --host/--port or MPD_HOST/MPD_PORT, as mpc does.")
    msub = p.add_subparsers(dest="mpd_cmd", metavar="ACTION")

    s = msub.add_parser("scan", help="add MPD's music directory to the library and scan it",
                        description="Add MPD's music directory as a library folder and scan "
                                    "it (then run `soundalike analyze`).")
    _connection_args(s)
    s.add_argument("--json", action="store_true", help="print JSON on stdout")
    s.set_defaults(func=cmd_scan)

    s = msub.add_parser("similar", help="queue the songs most like the current one after it",
                        description="Insert the N library songs that sound most like MPD's "
                                    "current song right after it.")
    _connection_args(s)
    s.add_argument("-n", type=whole_number(1, 1000), default=10, metavar="N",
                   help="how many (default 10)")
    which = s.add_mutually_exclusive_group()
    which.add_argument("--albums", action="store_true",
                       help="list the albums like the current song's album instead")
    which.add_argument("--artists", action="store_true",
                       help="list the artists like the current song's artist instead")
    s.add_argument("--json", action="store_true", help="with --albums/--artists: JSON")
    _method_arg(s)
    s.set_defaults(func=cmd_similar)

    s = msub.add_parser(
        "radio", help="keep MPD's queue topped up with songs like what plays (until Ctrl-C)",
        description="Runs in the foreground until Ctrl-C: whenever fewer than --keep songs "
                    "are left after the current one, songs like what plays are added. Play "
                    "another song and the radio follows it; if MPD restarts, it reconnects.")
    _connection_args(s)
    s.add_argument("--keep", type=whole_number(1, 1000), default=5, metavar="N",
                   help="songs to keep queued after the current one (default 5)")
    radio_draw_args(s, item="song", seeds="seed")
    _method_arg(s)
    s.set_defaults(func=cmd_radio)

    s = msub.add_parser("path", help="queue a path of songs from A to B",
                        description="Queue STEPS songs that lead from A to B. A and B are "
                                    "file paths, MPD song URIs, 'artist – title' text or "
                                    "'current' (MPD's current song).")
    _connection_args(s)
    s.add_argument("a", metavar="A")
    s.add_argument("b", metavar="B")
    s.add_argument("--steps", type=whole_number(2, 1000), default=10, metavar="N",
                   help="songs in the path, A and B included (default 10)")
    s.add_argument("--replace", action="store_true",
                   help="replace MPD's queue with the path and play it (default: append)")
    _method_arg(s)
    s.set_defaults(func=cmd_path)

    from soundalike.cli import discovery_cmds
    from soundalike.library.recommend.discovery import ORDER_BY

    s = msub.add_parser("order", help="put the songs after the current one in sonic order",
                        description="Reorder MPD's queue after the current song (all of it "
                                    "when nothing plays) so each song flows into the next, "
                                    "or by energy, tempo, brightness or mood. Songs "
                                    "Soundalike has not analysed go last.")
    _connection_args(s)
    s.add_argument("--by", choices=ORDER_BY, default="flow", help="default: flow")
    s.add_argument("--reverse", action="store_true", help="high to low")
    s.set_defaults(func=discovery_cmds.cmd_mpd_order)

    s = msub.add_parser("mix", help="queue one of the library's mixes",
                        description="Queue the songs of a library mix (see `soundalike "
                                    "mixes`) that MPD can play, in flow order.")
    _connection_args(s)
    s.add_argument("mix", metavar="MIX", help="the mix's name or id")
    s.add_argument("-n", type=whole_number(1, 1000), default=30, metavar="N",
                   help="how many songs (default 30)")
    s.add_argument("--replace", action="store_true",
                   help="replace MPD's queue with the mix and play it (default: append)")
    s.set_defaults(func=discovery_cmds.cmd_mpd_mix)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _connection_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("MPD")
    g.add_argument("--host", metavar="HOST",
                   help="host name, socket path or password@host (default: $MPD_HOST, "
                        "else MPD's local socket, else localhost)")
    g.add_argument("--port", metavar="PORT", help="TCP port (default: $MPD_PORT, else 6600)")
    g.add_argument("--password", metavar="PASSWORD",
                   help="MPD password (or give it as password@host)")
    g.add_argument("--music-dir", metavar="DIR",
                   help="MPD's music directory as seen here (default: asked from MPD on its "
                        "local socket, else the one `mpd scan` remembered)")


# -- connection -----------------------------------------------------------------------------
def _address(args):
    from soundalike.library.mpd.client import PlayerError, mpd_address

    try:
        return mpd_address(args.host, args.port, args.password)
    except PlayerError as exc:
        raise UsageError(str(exc)) from None


@contextlib.contextmanager
def _connected(args):
    """``(address, client)``; MPD's errors become one plain line."""
    from soundalike.library.mpd.client import close, command_error_text, connect, connection_errors

    import_mpd_or_fail()
    import mpd

    address = _address(args)
    try:
        client = connect(address)
    except SoundalikeError as exc:
        raise CliError(str(exc)) from None
    try:
        yield address, client
    except mpd.CommandError as exc:
        raise CliError(f"{address} refused: {command_error_text(exc)}") from None
    except connection_errors():
        raise CliError(f"lost the connection to {address}") from None
    finally:
        close(client)


def import_mpd_or_fail() -> None:
    try:
        import mpd  # noqa: F401
    except ImportError:
        raise CliError("python-mpd2 is not installed: pip install 'soundalike[mpd]'") from None


def _music_dir(args, store, client, address):
    """MPD's music directory as a :class:`MusicDir`; CliError when nobody can tell."""
    from soundalike.library.model.settings import MPD_MUSIC_DIRECTORY
    from soundalike.library.mpd.client import MusicDir, music_directory

    given = args.music_dir
    if given:
        path = os.path.abspath(os.path.expanduser(given))
        if not os.path.isdir(path):
            raise UsageError(f"--music-dir {given}: no such folder here")
        return MusicDir(path)
    told = music_directory(client, address)
    if told:
        if not os.path.isdir(told):
            raise CliError(f"MPD's music directory {told} is not a folder on this computer: "
                           "give --music-dir with the same music as seen here")
        return MusicDir(told)
    saved = store.setting(MPD_MUSIC_DIRECTORY) if store is not None else None
    if saved and os.path.isdir(saved):
        return MusicDir(saved)
    raise CliError(f"{address} tells its music directory only on its local socket: give "
                   "--music-dir DIR (or --host /run/mpd/socket, or run `soundalike mpd scan "
                   "--music-dir DIR` once)")


def _current(client, mapper, store):
    """MPD's current song as ``(status, song, track)``; plain errors otherwise."""
    status, song = client.status(), client.currentsong()
    if not song:
        if int(status.get("playlistlength", 0)) == 0:
            raise CliError("MPD's queue is empty: add a song and play it first")
        raise CliError("MPD has no current song: play one first")
    track = mapper.track(store, song["file"])
    if track is None:
        raise CliError(f"MPD plays {song['file']}, which is not in Soundalike's library: run "
                       "`soundalike mpd scan`, then `soundalike analyze`")
    return status, song, track


def _recommender(args):
    from soundalike.cli.recommend_cmds import _open

    return _open(args)


def _say(text: str) -> None:
    print(text, flush=True)


# -- commands -------------------------------------------------------------------------------
def cmd_scan(args) -> int:
    from soundalike.cli.library_cmds import open_store, print_json, run_scan
    from soundalike.library.model.errors import LibraryError
    from soundalike.library.model.settings import MPD_MUSIC_DIRECTORY
    from soundalike.library.model.states import TrackStatus
    from soundalike.library.model.track import printable

    with _connected(args) as (address, client):
        try:
            with open_store(args) as store:
                mapper = _music_dir(args, store, client, address)
                store.save_setting(MPD_MUSIC_DIRECTORY, mapper.root)
                store.add_folder(mapper.root)
                report = run_scan(store, show_progress=not args.json)
                counts = store.counts()
        except LibraryError as exc:
            raise CliError(str(exc)) from None
    if args.json:
        print_json({"music_directory": mapper.root, **report.as_dict(), "library": counts})
        return 0
    print(f"MPD's music directory {printable(mapper.root)}: {report.files} audio files, "
          f"{report.added} added, {report.updated} updated, {report.missing} missing, "
          f"{report.failed} failed, {report.unchanged} unchanged")
    if counts[TrackStatus.PENDING]:
        print(f"{counts[TrackStatus.PENDING]} tracks to analyse: soundalike analyze")
    return 0


def cmd_similar(args) -> int:
    from soundalike.cli.recommend_cmds import _filters, _recommend_call
    from soundalike.library.recommend.results import track_label

    store, rec = _recommender(args)
    try:
        with _connected(args) as (address, client):
            mapper = _music_dir(args, store, client, address)
            status, song, track = _current(client, mapper, store)
            if args.albums or args.artists:
                return _similar_groups(args, rec, track, mapper)
            results = _recommend_call(rec.similar, track.id, args.n * 2 + 10,
                                      method=args.method, filters=_filters(rec, _no_extra(args)),
                                      explain=False)
            chosen = [(r.track, uri) for r in results
                      if (uri := mapper.uri(r.track.path)) is not None][:args.n]
            if not chosen:
                raise CliError(f"no songs like “{track_label(track)}” inside MPD's music "
                               "directory")
            at = int(status.get("song", 0)) + 1
            client.command_list_ok_begin()
            for i, (_, uri) in enumerate(chosen):
                client.addid(uri, at + i)
            client.command_list_end()
        print(f"Queued {len(chosen)} songs like “{track_label(track)}” after it:")
        for i, (t, _) in enumerate(chosen, 1):
            print(f"{i:>{len(str(len(chosen)))}}. {track_label(t)}")
        return 0
    finally:
        store.close()


def _similar_groups(args, rec, track, mapper) -> int:
    """``mpd similar --albums | --artists``: list them (those MPD can play)."""
    import json

    from soundalike.library.recommend.discovery import groups_of_tracks, similar_groups
    from soundalike.library.recommend.results import track_label

    kind = "album" if args.albums else "artist"
    query = groups_of_tracks(rec, kind, [track.id])
    if not query:
        raise CliError(f"“{track_label(track)}” has no {kind} tag (or is not analysed)")
    found = similar_groups(rec, kind, query, args.n * 3 + 10)
    playable = []
    for r in found:  # only albums/artists with songs inside MPD's music directory
        tracks = rec.store.get_tracks(int(rec.index.ids[p]) for p in r.group.positions[:5])
        if any(mapper.uri(t.path) is not None for t in tracks):
            playable.append(r)
        if len(playable) >= args.n:
            break
    if args.json:
        print(json.dumps({"query": {"kind": kind, "name": query[0].name,
                                    "track": track.to_dict()},
                          "results": [r.to_dict(rec) for r in playable]}, ensure_ascii=False))
        return 0
    what = "Albums" if kind == "album" else "Artists"
    print(f"{what} like {query[0].name} (of “{track_label(track)}”):")
    width = len(str(len(playable)))
    for i, r in enumerate(playable, 1):
        why = " · ".join(r.reasons) or "similar overall sound"
        print(f"{i:>{width}}. {r.label}  ({r.group.size} songs; {why})")
    return 0


def cmd_radio(args) -> int:
    from soundalike.cli.recommend_cmds import _filters, radio_draw_options
    from soundalike.library.mpd.client import MpdUnavailable, PlayerError
    from soundalike.library.mpd.radio import MpdRadio

    import_mpd_or_fail()
    store, rec = _recommender(args)
    try:
        address = _address(args)
        radio = MpdRadio(
            address, store, rec, lambda client: _music_dir(args, store, client, address),
            keep=args.keep, say=_say,
            radio_options=dict(method=args.method, filters=_filters(rec, _no_extra(args)),
                               **radio_draw_options(args)))
        try:
            return radio.run()
        except (MpdUnavailable, PlayerError) as exc:
            raise CliError(str(exc)) from None
        except SoundalikeError as exc:
            raise CliError(str(exc)) from None
    finally:
        store.close()


def _resolve(text: str, client, mapper, store):
    from soundalike.cli.recommend_cmds import resolve_query

    if text == "current":
        return _current(client, mapper, store)[2]
    path = mapper.path(text)
    if path and not os.path.isabs(text) and os.path.isfile(path):
        track = mapper.track(store, text)
        if track is None:
            raise UsageError(f"{text} is not in Soundalike's library: run `soundalike mpd scan`")
        return track
    return resolve_query(store, text)


def cmd_path(args) -> int:
    from soundalike.cli.recommend_cmds import _filters, _recommend_call
    from soundalike.library.recommend.paths import path
    from soundalike.library.recommend.results import track_label

    store, rec = _recommender(args)
    try:
        with _connected(args) as (address, client):
            mapper = _music_dir(args, store, client, address)
            a = _resolve(args.a, client, mapper, store)
            b = _resolve(args.b, client, mapper, store)
            if a.id == b.id:
                raise UsageError("A and B are the same song")
            tracks = _recommend_call(path, rec, a.id, b.id, args.steps, method=args.method,
                                     filters=_filters(rec, _no_extra(args)))
            songs = [(t, mapper.uri(t.path)) for t in tracks]
            outside = [t for t, uri in songs if uri is None]
            if outside:
                raise CliError(f"“{track_label(outside[0])}” is outside MPD's music directory "
                               f"({mapper.root}), so MPD cannot play the path")
            client.command_list_ok_begin()
            if args.replace:
                client.clear()
            for _, uri in songs:
                client.addid(uri)
            if args.replace:
                client.play(0)
            client.command_list_end()
        print(f"{'Playing' if args.replace else 'Queued'} a path of {len(songs)} songs from "
              f"“{track_label(a)}” to “{track_label(b)}”:")
        for i, (t, _) in enumerate(songs, 1):
            print(f"{i:>{len(str(len(songs)))}}. {track_label(t)}")
        return 0
    finally:
        store.close()


def _no_extra(args) -> argparse.Namespace:
    """*args* with the filter options these commands do not offer, at their defaults."""
    extra = dict(exclude_genre=[], exclude_folder=[], exclude_keyword=[])
    return argparse.Namespace(**{**extra, **vars(args)})
