"""``soundalike order | mixes`` (and ``similar album:NAME | artist:NAME`` through
recommend_cmds): discovery from the command line (issue 24)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from soundalike.cli.arguments import whole_number
from soundalike.cli.errors import CliError, UsageError
from soundalike.library.model.track import printable


def register(sub: argparse._SubParsersAction) -> None:
    from soundalike.library.recommend.discovery import ORDER_BY

    p = sub.add_parser(
        "order", help="put a playlist in sonic order",
        description="Order a playlist so each song flows into the next (--by flow), or "
                    "along one dimension: energy, tempo, brightness or mood (sad → happy). "
                    "Songs that are not analysed go last. Prints the new order unless "
                    "--out says where to write it.")
    p.add_argument("playlist", metavar="PLAYLIST",
                   help="a playlist file (.m3u8, .m3u, .xspf) or playlist:NAME (saved)")
    p.add_argument("--by", choices=ORDER_BY, default="flow", help="default: flow")
    p.add_argument("--reverse", action="store_true",
                   help="high to low (energetic → calm, fast → slow, …)")
    p.add_argument("--keep-first", action="store_true", help="the first song stays first")
    p.add_argument("--keep-last", action="store_true", help="the last song stays last")
    p.add_argument("--out", metavar="FILE|playlist:NAME",
                   help="write a playlist file, or save as the library playlist NAME "
                        "(replacing it; use the same name to reorder it in place)")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(func=cmd_order)

    p = sub.add_parser(
        "mixes", help="the library's mixes: groups of like-sounding songs, named",
        description="List the mixes made from the analysed library (6 to 24, named from "
                    "what their songs share). They are made again when the library "
                    "changed; a pinned mix is never replaced. --out writes each as an "
                    "M3U8 playlist.")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.add_argument("--out", metavar="DIR", help="write one NAME.m3u8 per mix into DIR")
    p.add_argument("--size", type=whole_number(1, 10000), default=50, metavar="N",
                   help="songs per written playlist (default 50)")
    p.add_argument("--refresh", action="store_true", help="make them again now")
    p.add_argument("--pin", metavar="MIX", help="keep this mix (name or id) for good")
    p.add_argument("--unpin", metavar="MIX", help="let this mix be remade")
    p.set_defaults(func=cmd_mixes)


def _load(store, text: str) -> tuple[str, list]:
    """``(title, entries)`` of a playlist file or ``playlist:NAME``."""
    from soundalike.library.browse import playlist_named
    from soundalike.library.files.playlist_files import (
        FORMATS,
        PlaylistFileError,
        entries_for_tracks,
        read_playlist,
    )

    kind, sep, name = text.partition(":")
    if sep and kind == "playlist" and name.strip():
        p = playlist_named(store, name.strip())
        if p is None:
            raise UsageError(f"no saved playlist called {name.strip()!r}")
        return p.name, entries_for_tracks(store.playlist_tracks(p.id))
    path = os.path.expanduser(text)
    if os.path.splitext(path)[1].lower() not in FORMATS:
        raise UsageError(f"{text} is not a playlist file (.m3u8, .m3u, .xspf) nor "
                         "playlist:NAME")
    if not os.path.isfile(path):
        raise UsageError(f"no playlist file {text}")
    try:
        return os.path.splitext(os.path.basename(path))[0], read_playlist(path)
    except PlaylistFileError as exc:
        raise UsageError(str(exc)) from None


def cmd_order(args: argparse.Namespace) -> int:
    from soundalike.cli.recommend_cmds import _open, write_entries
    from soundalike.library.recommend.discovery import order_tracks

    store, rec = _open(args)
    try:
        title, entries = _load(store, args.playlist)
        if not entries:
            raise UsageError(f"{args.playlist} is empty")
        tracks = [store.track_by_path(e.path) for e in entries]
        # an entry outside the library gets a negative stand-in id (it goes last)
        ids = [t.id if t is not None else -1 - i for i, t in enumerate(tracks)]
        order, unplaced = order_tracks(rec, ids, args.by, keep_first=args.keep_first,
                                       keep_last=args.keep_last, descending=args.reverse)
        at = {tid: i for i, tid in enumerate(ids)}
        entries = [entries[at[t]] for t in order]
        ordered = [tracks[at[t]] for t in order]
        written = None
        if args.out:
            kind, sep, name = args.out.partition(":")
            if sep and kind == "playlist" and name.strip():
                written = _save(store, name.strip(), [t.id for t in ordered if t is not None])
            else:
                written = write_entries(args.out, entries, title)
        if args.json:
            print(json.dumps({"by": args.by, "unplaced": unplaced, "out": written,
                              "tracks": [t.to_dict() if t is not None else
                                         {"path": printable(e.path)}
                                         for t, e in zip(ordered, entries, strict=True)]},
                             ensure_ascii=False))
            return 0
        if written:
            print(f"Wrote {len(entries)} songs in {args.by} order to {written}")
        else:
            width = len(str(len(entries)))
            for i, (t, e) in enumerate(zip(ordered, entries, strict=True), 1):
                label = (f"{t.display_artist} – {t.display_title}" if t is not None
                         else printable(e.path))
                print(f"{i:>{width}}. {label}")
        if unplaced:
            print(f"{unplaced} song{'s' if unplaced > 1 else ''} not analysed (or not in the "
                  "library) went last.", file=sys.stderr)
        return 0
    finally:
        store.close()


def _save(store, name: str, track_ids: list[int]) -> str:
    from soundalike.library.browse import playlist_named

    p = playlist_named(store, name)
    if p is None:
        store.create_playlist(name, track_ids)
    else:
        store.set_playlist_tracks(p.id, track_ids)
    return f"playlist:{name if p is None else p.name}"


def similar_groups(args: argparse.Namespace, kind: str, name: str) -> int:
    """``soundalike similar album:NAME | artist:NAME``: albums or artists, not songs."""
    from soundalike.cli.recommend_cmds import _open
    from soundalike.engine.filters import normalise_artist, normalise_text
    from soundalike.library.recommend.discovery import find_groups, similar_groups

    if not name:
        raise UsageError(f"say which {kind}: {kind}:NAME")
    store, rec = _open(args)
    try:
        query = find_groups(rec, kind, name)
        if not query:
            raise UsageError(f"no analysed {kind} matches {name!r}")
        names = sorted({(g.artist + " – " + g.name) if kind == "album" and g.artist
                        else g.name for g in query})
        fold = normalise_text if kind == "album" else normalise_artist
        if len(names) > 1 and len({fold(g.name) for g in query}) > 1:
            # different titles (a partial match): say how to name each one exactly
            lines = [f"{name!r} matches {len(names)} {kind}s; be more specific, e.g.:"]
            lines += [f"  {kind}:{n}" for n in names[:10]]
            if len(names) > 10:
                lines.append(f"  … and {len(names) - 10} more")
            raise UsageError("\n".join(lines))
        explain = args.explain or args.json
        results = similar_groups(rec, kind, query, args.n,
                                 other_artists=getattr(args, "other_artists", False),
                                 explain=explain)
        if args.json:
            print(json.dumps({"query": {"kind": kind, "name": query[0].name,
                                        "matches": names,
                                        "tracks": sum(g.size for g in query)},
                              "results": [r.to_dict(rec) for r in results]},
                             ensure_ascii=False))
            return 0
        what = "Albums" if kind == "album" else "Artists"
        if kind == "album" and len(names) > 1:
            print(f"({len(names)} albums are called {query[0].name!r}; name one as "
                  f"album:ARTIST – TITLE)", file=sys.stderr)
        print(f"{what} like {', '.join(names)}:")
        if not results:
            print(f"  no other {kind}s are analysed")
        width = len(str(len(results)))
        for i, r in enumerate(results, 1):
            songs = f"{r.group.size} song{'s' if r.group.size != 1 else ''}"
            print(f"{i:>{width}}. {r.score:6.3f}  {r.label}  ({songs})")
            if args.explain:
                print(f"{'':>{width + 10}}{' · '.join(r.reasons) or 'similar overall sound'}")
        return 0
    finally:
        store.close()


def cmd_mixes(args: argparse.Namespace) -> int:
    from soundalike.cli.recommend_cmds import _open, write_entries
    from soundalike.library.files.playlist_files import entries_for_tracks
    from soundalike.library.recommend import mixes as mx

    store, rec = _open(args)

    def ensure(force: bool = False):
        if force or mx.is_stale(store, rec.size):   # seconds in a big library: say so
            print(f"Making the mixes from {rec.size:,} analysed songs…", file=sys.stderr,
                  flush=True)
        return mx.ensure_mixes(rec, force=force)

    try:
        for text, pinned in ((args.pin, True), (args.unpin, False)):
            if text:
                ensure()
                mix = mx.find_mix(store, text)
                if mix is None:
                    raise UsageError(f"no mix called {text!r} (see `soundalike mixes`)")
                mx.set_pinned(store, mix.id, pinned)
        mixes = ensure(args.refresh)
        written: dict[str, str] = {}
        if args.out:
            folder = os.path.expanduser(args.out)
            if os.path.exists(folder) and not os.path.isdir(folder):
                raise UsageError(f"{args.out} is not a folder")
            os.makedirs(folder, exist_ok=True)
            for m in mixes:
                tracks = store.get_tracks(mx.mix_tracks(rec, m, args.size))
                path = os.path.join(folder, mx.file_name(m.name) + ".m3u8")
                written[m.id] = write_entries(path, entries_for_tracks(tracks), m.name)
        if args.json:
            print(json.dumps({"mixes": [{**m.to_dict(), "out": written.get(m.id)}
                                        for m in mixes]}, ensure_ascii=False))
            return 0
        if not mixes:
            print("No mixes yet: analyse some music first (soundalike analyze).")
            return 0
        width = max(len(m.name) for m in mixes)
        for m in mixes:
            pin = "  (pinned)" if m.pinned else ""
            print(f"{m.name:<{width}}  {m.size:>6} songs  [{m.id}]{pin}")
        if written:
            print(f"Wrote {len(written)} playlists to {os.path.expanduser(args.out)}")
        return 0
    finally:
        store.close()


# -- MPD ---------------------------------------------------------------------------------
def cmd_mpd_order(args: argparse.Namespace) -> int:
    """``soundalike mpd order``: MPD's queue after the current song, in sonic order."""
    from soundalike.cli.mpd_cmds import _connected, _music_dir, _recommender
    from soundalike.library.recommend.discovery import order_tracks

    store, rec = _recommender(args)
    try:
        with _connected(args) as (address, client):
            mapper = _music_dir(args, store, client, address)
            status = client.status()
            start = int(status["song"]) + 1 if "song" in status else 0
            items = [it for it in client.playlistinfo() if int(it["pos"]) >= start]
            if len(items) < 2:
                raise CliError("fewer than two songs after the current one: nothing to order")
            tracks = [mapper.track(store, it["file"]) for it in items]
            ids = [t.id if t is not None else -1 - i for i, t in enumerate(tracks)]
            order, unplaced = order_tracks(rec, ids, args.by, descending=args.reverse)
            at = {tid: i for i, tid in enumerate(ids)}
            for offset, tid in enumerate(order):
                client.moveid(items[at[tid]]["id"], start + offset)
        print(f"Put {len(items)} songs after the current one in {args.by} order"
              + (f" ({unplaced} not analysed went last)." if unplaced else "."))
        return 0
    finally:
        store.close()


def cmd_mpd_mix(args: argparse.Namespace) -> int:
    """``soundalike mpd mix MIX``: queue a mix's songs that MPD can play."""
    from soundalike.cli.mpd_cmds import _connected, _music_dir, _recommender
    from soundalike.library.recommend import mixes as mx

    store, rec = _recommender(args)
    try:
        mx.ensure_mixes(rec)
        mix = mx.find_mix(store, args.mix)
        if mix is None:
            raise UsageError(f"no mix called {args.mix!r} (see `soundalike mixes`)")
        with _connected(args) as (address, client):
            mapper = _music_dir(args, store, client, address)
            tracks = store.get_tracks(mx.mix_tracks(rec, mix, args.n * 2 + 10))
            uris = [u for t in tracks if (u := mapper.uri(t.path)) is not None][:args.n]
            if not uris:
                raise CliError(f"no song of the mix “{mix.name}” is inside MPD's music "
                               "directory")
            if args.replace:
                client.clear()
            client.command_list_ok_begin()
            for u in uris:
                client.add(u)
            client.command_list_end()
            if args.replace:
                client.play(0)
        print(f"Queued {len(uris)} songs of the mix “{mix.name}”.")
        return 0
    finally:
        store.close()
