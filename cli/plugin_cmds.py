"""``soundalike plugins install|uninstall quodlibet|rhythmbox|all``.

The plugins ship in the wheel under ``resources/plugins/``; install copies them into the
player's per-user plugin folder with ``soundalike-plugin.json`` beside them: the absolute
command they run (this installation's ``soundalike``) and, if ``--db`` was given, the
library they use. The players run their plugins in the system's python3, which cannot
import Soundalike: everything goes through ``soundalike bridge`` (cli/bridge_cmds.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from importlib import resources
from pathlib import Path

from soundalike.cli.errors import CliError

PLAYERS = ("quodlibet", "rhythmbox")
CONFIG_NAME = "soundalike-plugin.json"
CONFIG_SCHEMA = "soundalike-plugin-config"
CONFIG_VERSION = 1
#: what each player's plugin consists of (files under resources/plugins/); the client
#: module they share is copied beside each
CLIENT = "common/_soundalike_client.py"
FILES = {"quodlibet": ("quodlibet/soundalike_ql.py", CLIENT),
         "rhythmbox": ("rhythmbox/soundalike/soundalike.plugin",
                       "rhythmbox/soundalike/soundalike.py", CLIENT)}
HOW_TO_ENABLE = {
    "quodlibet": "Quod Libet: File ▸ Plugins, search “Soundalike”, tick “Soundalike” (songs "
                 "menu) and “Soundalike radio” (play order); restart Quod Libet if it was "
                 "running.",
    "rhythmbox": "Rhythmbox: ☰ ▸ Plugins, tick “Soundalike”; restart Rhythmbox if it was "
                 "running.",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plugins", help="install the Quod Libet and Rhythmbox plugins",
                       description="Put Soundalike's plugins into Quod Libet's or "
                                   "Rhythmbox's plugin folder (for this user), or take "
                                   "them out again.")
    psub = p.add_subparsers(dest="plugins_command", metavar="COMMAND", required=True)
    for name, func, text in (("install", cmd_install, "install the plugins"),
                             ("uninstall", cmd_uninstall, "remove the plugins")):
        s = psub.add_parser(name, help=text)
        s.add_argument("player", choices=(*PLAYERS, "all"))
        s.add_argument("--json", action="store_true", help="print JSON on stdout")
        s.set_defaults(func=func)


def quodlibet_plugin_dir(env=os.environ) -> Path:
    """Where Quod Libet looks for a user's plugins: ``USERDIR/plugins``, USERDIR being
    ``$QUODLIBET_USERDIR``, else ``$XDG_CONFIG_HOME/quodlibet`` (``~/.config/quodlibet``),
    else an existing ``~/.quodlibet`` (Quod Libet 4.5's ``get_user_dir``)."""
    if env.get("QUODLIBET_USERDIR"):
        return Path(env["QUODLIBET_USERDIR"]) / "plugins"
    home = Path(env.get("HOME") or Path.home())
    xdg = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "quodlibet"
    old = home / ".quodlibet"
    return (old if not xdg.exists() and old.exists() else xdg) / "plugins"


def rhythmbox_plugin_dir(env=os.environ) -> Path:
    """``$XDG_DATA_HOME/rhythmbox/plugins/soundalike`` (``~/.local/share/…``)."""
    home = Path(env.get("HOME") or Path.home())
    data = Path(env.get("XDG_DATA_HOME") or home / ".local/share")
    return data / "rhythmbox" / "plugins" / "soundalike"


def plugin_dir(player: str) -> Path:
    return quodlibet_plugin_dir() if player == "quodlibet" else rhythmbox_plugin_dir()


def soundalike_command() -> list[str]:
    """The absolute command that runs this installation: its ``soundalike`` script beside
    the interpreter, else this interpreter with ``-m soundalike``."""
    script = Path(sys.executable).parent / "soundalike"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [os.path.abspath(sys.executable), "-m", "soundalike"]


def _targets(player: str) -> list[tuple[str, Path, Path]]:
    """(player, source, destination) of every file of *player*'s plugin."""
    root = resources.files("soundalike.resources") / "plugins"
    dest = plugin_dir(player)
    out = []
    for name in FILES[player]:
        src = Path(str(root / name))
        out.append((player, src, dest / Path(name).name))
    return out


def cmd_install(args: argparse.Namespace) -> int:
    players = PLAYERS if args.player == "all" else (args.player,)
    db = getattr(args, "db", None)
    config = {"schema": CONFIG_SCHEMA, "version": CONFIG_VERSION,
              "command": soundalike_command(),
              "db": os.path.abspath(os.path.expanduser(db)) if db else None}
    done = []
    for player in players:
        folder = plugin_dir(player)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for _, src, dest in _targets(player):
                tmp = dest.with_name(dest.name + ".part")
                shutil.copyfile(src, tmp)
                os.replace(tmp, dest)
            (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n",
                                              encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot install the {player} plugin into {folder}: "
                           f"{exc.strerror or exc}") from None
        done.append({"player": player, "folder": str(folder), "enable": HOW_TO_ENABLE[player]})
    if args.json:
        print(json.dumps({"installed": done, "command": config["command"], "db": config["db"]}))
        return 0
    for d in done:
        print(f"Installed the {d['player']} plugin in {d['folder']}")
    print(f"It runs: {' '.join(config['command'])}"
          + (f" --db {config['db']}" if config["db"] else ""))
    for d in done:
        print(f"To enable it — {d['enable']}")
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    players = PLAYERS if args.player == "all" else (args.player,)
    removed = []
    for player in players:
        folder = plugin_dir(player)
        for _, _src, dest in _targets(player):
            for path in (dest, dest.with_suffix(".pyc")):
                if path.exists():
                    path.unlink()
                    removed.append(str(path))
        config = folder / CONFIG_NAME
        if config.exists():
            config.unlink()
            removed.append(str(config))
        cache = folder / "__pycache__"
        for stale in cache.glob("soundalike*") if cache.is_dir() else ():
            stale.unlink()
        if player == "rhythmbox" and folder.is_dir():
            shutil.rmtree(folder / "__pycache__", ignore_errors=True)
            if not any(folder.iterdir()):
                folder.rmdir()
    if args.json:
        print(json.dumps({"removed": removed}))
    elif removed:
        print("Removed:\n  " + "\n  ".join(removed))
    else:
        print("Nothing to remove: the plugins were not installed.")
    return 0
