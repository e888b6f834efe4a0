"""A Music Player Daemon, seen from Soundalike: where it is, its music folder, its songs.

Where MPD is follows the rules of MPD's own clients (libmpdclient, mpc)::

    --host / $MPD_HOST   host name, IP address, socket path (/run/mpd/socket) or an
                         abstract socket (@name); "password@host" carries a password
    --port / $MPD_PORT   TCP port (default 6600)

With neither, MPD's usual local sockets are tried ($XDG_RUNTIME_DIR/mpd/socket,
/run/mpd/socket), then localhost:6600. MPD names songs by URIs relative to its music
directory; :class:`MusicDir` maps them to the absolute paths of Soundalike's library and
back. MPD tells its music directory only to clients on its local socket (the ``config``
command); over TCP it must be given (``--music-dir``), and ``soundalike mpd scan``
remembers it in the library's settings.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from soundalike.engine.errors import SoundalikeError
from soundalike.library.files.playlist_files import file_uri_path

DEFAULT_PORT = 6600
DEFAULT_SOCKETS = ("$XDG_RUNTIME_DIR/mpd/socket", "/run/mpd/socket")
CONNECT_TIMEOUT = 5.0


class PlayerError(SoundalikeError):
    """Another player cannot be reached or refused what was asked; plain words."""


class MpdUnavailable(PlayerError):
    """MPD cannot be reached (not running, wrong address, the connection dropped)."""


@dataclass(frozen=True, slots=True)
class MpdAddress:
    """Where MPD listens: a TCP host and port, or a socket path (``port`` unused)."""

    host: str
    port: int = DEFAULT_PORT
    password: str | None = None

    @property
    def is_socket(self) -> bool:
        return self.host.startswith(("/", "@"))

    def __str__(self) -> str:
        if self.is_socket:
            return f"MPD's socket {self.host}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"MPD at {host}:{self.port}"


def split_password(text: str) -> tuple[str | None, str]:
    """``"secret@host"`` → ``("secret", "host")``, as libmpdclient reads ``MPD_HOST``
    (the first ``@`` separates; a leading ``@`` is an abstract socket, not a password)."""
    if text.startswith("@"):
        return None, text
    password, sep, host = text.partition("@")
    return (password or None, host) if sep else (None, text)


def parse_port(text: str | int | None, *, source: str = "--port") -> int:
    """A TCP port number; :class:`PlayerError` in plain words otherwise."""
    if text is None or text == "":
        return DEFAULT_PORT
    try:
        port = int(text)
    except (TypeError, ValueError):
        raise PlayerError(f"{source} must be a port number, got {text!r}") from None
    if not 0 < port < 65536:
        raise PlayerError(f"{source} must be a port number from 1 to 65535, got {port}")
    return port


def mpd_address(host: str | None = None, port: str | int | None = None,
                password: str | None = None, *,
                environ: Mapping[str, str] | None = None) -> MpdAddress:
    """Where to find MPD: arguments first, then ``MPD_HOST``/``MPD_PORT``, then defaults.

    An explicit *password* wins over one in ``password@host``.
    """
    env = os.environ if environ is None else environ
    text = host if host else env.get("MPD_HOST", "")
    found_password, text = split_password(text)
    if port is not None and port != "":
        number = parse_port(port)
    else:
        number = parse_port(env.get("MPD_PORT") or None, source="MPD_PORT")
    if text.startswith("~"):
        text = os.path.expanduser(text)
    if not text:
        text = default_host(env)
    return MpdAddress(text, number, password if password else found_password)


def default_host(environ: Mapping[str, str]) -> str:
    """The first of MPD's usual local sockets that exists, else ``localhost``."""
    runtime = environ.get("XDG_RUNTIME_DIR")
    for candidate in DEFAULT_SOCKETS:
        if candidate.startswith("$XDG_RUNTIME_DIR"):
            if not runtime:
                continue
            candidate = runtime + candidate[len("$XDG_RUNTIME_DIR"):]
        if os.path.exists(candidate):
            return candidate
    return "localhost"


def _mpd_module():
    try:
        import mpd
    except ImportError:
        raise PlayerError("python-mpd2 is not installed: pip install 'soundalike[mpd]'") \
            from None
    return mpd


def connection_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the connection to MPD is gone."""
    mpd = _mpd_module()
    return (mpd.ConnectionError, OSError, EOFError)


def connect(address: MpdAddress, *, timeout: float = CONNECT_TIMEOUT):
    """A connected ``mpd.MPDClient`` (logged in when a password is given).

    Raises
    ------
    MpdUnavailable
        MPD is not running there or does not answer.
    PlayerError
        The password is wrong, or the peer is not MPD.
    """
    mpd = _mpd_module()
    client = mpd.MPDClient()
    client.timeout = timeout
    where = str(address)
    try:
        client.connect(address.host, None if address.is_socket else address.port)
    except FileNotFoundError:
        raise MpdUnavailable(f"cannot connect to {where}: there is no such socket "
                             "(is MPD running?)") from None
    except ConnectionRefusedError:
        raise MpdUnavailable(f"cannot connect to {where}: nothing listens there "
                             "(is MPD running? see --host/--port, MPD_HOST/MPD_PORT)") from None
    except socket.gaierror:
        raise MpdUnavailable(f"cannot connect to {where}: unknown host {address.host!r}") \
            from None
    except TimeoutError:
        raise MpdUnavailable(f"cannot connect to {where}: no answer within {timeout:g} s") \
            from None
    except mpd.ProtocolError:
        _close(client)
        raise PlayerError(f"{where} is not MPD (it did not greet like MPD)") from None
    except (OSError, mpd.ConnectionError) as exc:
        _close(client)
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise MpdUnavailable(f"cannot connect to {where}: {reason}") from None
    if address.password:
        try:
            client.password(address.password)
        except mpd.CommandError:
            _close(client)
            raise PlayerError(f"{where} refused the password (check MPD_HOST=password@host "
                              "or --password)") from None
        except connection_errors():
            _close(client)
            raise MpdUnavailable(f"{where} closed the connection while logging in") from None
    return client


def _close(client) -> None:
    # closing a socket that may already be gone
    with contextlib.suppress(Exception):
        client.disconnect()


def close(client) -> None:
    """Say goodbye and close; never raises (the connection may be gone already)."""
    with contextlib.suppress(Exception):  # MPD may have gone away
        client.close()
    _close(client)


def command_error_text(exc: BaseException) -> str:
    """MPD's reason from a CommandError (``[4@0] {add} you don't have permission…``)."""
    text = str(exc)
    if "}" in text:
        text = text.split("}", 1)[1].strip()
    return text or "MPD refused the command"


def music_directory(client, address: MpdAddress) -> str | None:
    """MPD's music directory from its ``config`` command, or None when MPD will not tell
    (it does so only on its local socket)."""
    mpd = _mpd_module()
    if not address.is_socket:
        return None
    try:
        value = client.config()
    except mpd.CommandError:
        return None
    if isinstance(value, dict):
        value = value.get("music_directory")
    return str(value) if value else None


class MusicDir:
    """Map MPD's song URIs (relative to its music directory) to absolute paths and back."""

    def __init__(self, root: str):
        self.root = os.path.abspath(os.path.expanduser(root))
        self._real = os.path.realpath(self.root)

    def path(self, uri: str) -> str | None:
        """The local path of an MPD song URI; None for a stream (``http://…``)."""
        if uri.startswith("file://"):
            return file_uri_path(uri)
        if "://" in uri:
            return None
        if os.path.isabs(uri):
            return uri
        return os.path.join(self.root, *uri.split("/"))

    def uri(self, path: str) -> str | None:
        """The MPD URI of a library path, or None when it is outside the music directory."""
        for root in dict.fromkeys((self.root, self._real)):
            for candidate in dict.fromkeys((os.path.abspath(path), os.path.realpath(path))):
                rel = os.path.relpath(candidate, root)
                if rel != os.curdir and not rel.startswith(os.pardir + os.sep) \
                        and rel != os.pardir and not os.path.isabs(rel):
                    return rel.replace(os.sep, "/")
        return None

    def track(self, store, uri: str):
        """The library :class:`Track` of an MPD song URI, or None."""
        path = self.path(uri)
        if path is None:
            return None
        track = store.track_by_path(path)
        if track is None and os.path.exists(path):
            track = store.track_by_path(os.path.realpath(path))
        return track
