"""A real MPD (the Debian ``mpd`` package) for tests, on a free port of 127.0.0.1.

    server = MpdServer(tmp_path, music_dir)       # writes mpd.conf; nothing runs yet
    server.start(); server.update()               # indexes music_dir, waits until done
    client = server.client()                      # python-mpd2, over TCP
    server.stop(); server.start()                 # a restart keeps queue and position
                                                  # (state_file)

It listens on TCP and on a socket in its folder (``server.socket``, where ``config`` tells
the music directory) and plays to a ``null`` output in real time. ``stop()`` ends only the
process it started.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

MPD = shutil.which("mpd") or "/usr/bin/mpd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MpdServer:
    def __init__(self, folder: Path, music_dir: Path, *, password: str | None = None,
                 port: int | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.music_dir = Path(music_dir)
        self.port = port or free_port()
        self.socket = str(self.folder / "mpd.socket")
        self.password = password
        self.process: subprocess.Popen | None = None
        (self.folder / "playlists").mkdir(exist_ok=True)
        lines = [
            f'music_directory "{self.music_dir}"',
            f'playlist_directory "{self.folder / "playlists"}"',
            f'db_file "{self.folder / "mpd.db"}"',
            f'state_file "{self.folder / "state"}"',
            'state_file_interval "1"',
            f'log_file "{self.folder / "mpd.log"}"',
            'bind_to_address "127.0.0.1"',
            f'bind_to_address "{self.socket}"',
            f'port "{self.port}"',
            'auto_update "no"',
            'zeroconf_enabled "no"',
            'audio_output {\n  type "null"\n  name "test output"\n  mixer_type "none"\n}',
        ]
        if password:
            lines += [f'password "{password}@read,add,control,admin"',
                      'default_permissions "read"']
        self.conf = self.folder / "mpd.conf"
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self, timeout: float = 15.0) -> None:
        assert self.process is None or self.process.poll() is not None
        self.process = subprocess.Popen([MPD, "--no-daemon", "--stderr", str(self.conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace")
                raise RuntimeError(f"mpd exited ({self.process.returncode}): {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    if s.recv(64).startswith(b"OK MPD"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("mpd did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def client(self, *, via_socket: bool = False):
        import mpd

        c = mpd.MPDClient()
        c.timeout = 10
        c.connect(self.socket if via_socket else "127.0.0.1", None if via_socket else self.port)
        if self.password:
            c.password(self.password)
        return c

    def update(self, timeout: float = 30.0) -> None:
        c = self.client()
        try:
            c.update()
            deadline = time.monotonic() + timeout
            while "updating_db" in c.status():
                assert time.monotonic() < deadline, "mpd's database update did not finish"
                time.sleep(0.05)
        finally:
            c.disconnect()
