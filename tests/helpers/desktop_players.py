"""The desktop players the tests drive for real (Strawberry, Quod Libet, Rhythmbox): each runs
with its own HOME/XDG folders on a private D-Bus session bus (no service activation) started by
the test, the GTK ones under an Xvfb of the test's own; every process the test starts is ended
(its whole process group) even when an assertion fails, and each wait has a deadline.

    from desktop_players import Bus, running, session_bus, wait_for, xvfb, quodlibet_env
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

MPRIS_PATH = "/org/mpris/MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
DEADLINE = 30.0


def need(program: str, package: str) -> str:
    found = shutil.which(program)
    if not found:
        pytest.skip(f"{program} is not installed (Debian package {package}; "
                    "scripts/system-deps --tests installs it)")
    return found


def poll(check, deadline: float, step: float = 0.1):
    """Call *check* until it returns something truthy (returned) or *deadline* s pass (None)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        last = check()
        if last:
            return last
        time.sleep(step)
    return None


def wait_for(what: str, check, deadline: float = DEADLINE, step: float = 0.1):
    """Poll *check* until it returns something truthy; fail naming *what* after *deadline*."""
    found = poll(check, deadline, step)
    if not found:
        pytest.fail(f"timed out after {deadline:.0f} s waiting for {what} "
                    f"(last: {check()!r})")
    return found


def end_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """End *proc* and every process of its group (it was started in a session of its own)."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
    with suppress(ProcessLookupError, PermissionError):  # helpers it started go too
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait(grace)


@contextmanager
def cleanup(function, *args):
    """Call ``function(*args)`` on the way out, also after a failure."""
    try:
        yield
    finally:
        function(*args)


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path):
    """*command* in a session of its own, output to *log*; ended (group and all) afterwards."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=log.parent)
        try:
            yield proc
        finally:
            end_group(proc)


# A session bus without service activation: a call to a service nobody runs fails at once
# (ServiceUnknown) instead of starting whatever .service file the system has (the
# accessibility bus, dconf, GLib's PAC runner …), each of which can keep a player waiting for
# D-Bus's 25-s reply timeout.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextmanager
def session_bus(tmp_path: Path):
    """A private D-Bus session bus: yields its address; the daemon is ended afterwards."""
    need("dbus-daemon", "dbus-daemon")
    need("dbus-send", "dbus-bin")
    config = tmp_path / "bus.conf"
    config.write_text(BUS_CONFIG)
    daemon = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--print-address",
                               "--nofork", "--nopidfile"], stdout=subprocess.PIPE, text=True,
                              start_new_session=True, cwd=tmp_path)
    try:
        address = daemon.stdout.readline().strip()
        assert address.startswith("unix:"), f"dbus-daemon did not start (exit {daemon.poll()})"
        yield address
    finally:
        end_group(daemon)


class Bus:
    """dbus-send on one bus, each call with a timeout."""

    def __init__(self, address: str):
        self.address = address

    def call(self, dest: str, method: str, *args: str, path: str = MPRIS_PATH,
             check: bool = True) -> str:
        proc = subprocess.run(["dbus-send", f"--bus={self.address}", "--print-reply",
                               "--reply-timeout=5000", f"--dest={dest}", path, method, *args],
                              capture_output=True, text=True, timeout=15)
        if check:
            assert proc.returncode == 0, f"{method}: {proc.stderr.strip()}"
        return proc.stdout if proc.returncode == 0 else ""

    def names(self) -> list[str]:
        out = self.call("org.freedesktop.DBus", "org.freedesktop.DBus.ListNames",
                        path="/org/freedesktop/DBus")
        return re.findall(r'string "([^"]*)"', out)

    def get(self, dest: str, name: str, interface: str = PLAYER) -> str:
        return self.call(dest, "org.freedesktop.DBus.Properties.Get", f"string:{interface}",
                         f"string:{name}", check=False)

    def status(self, dest: str) -> str | None:
        m = re.search(r'string "(\w+)"', self.get(dest, "PlaybackStatus"))
        return m.group(1) if m else None

    def position(self, dest: str) -> int:
        m = re.search(r"int64 (\d+)", self.get(dest, "Position"))
        return int(m.group(1)) if m else 0

    def now(self, dest: str) -> tuple[str | None, str | None]:
        """(xesam:url, xesam:title) of the playing track, from MPRIS Metadata."""
        out = self.get(dest, "Metadata")
        url = re.search(r'string "xesam:url"\s+variant\s+string "(.*)"', out)
        title = re.search(r'string "xesam:title"\s+variant\s+string "(.*)"', out)
        return (url.group(1) if url else None, title.group(1) if title else None)


def file_uri_path(uri: str) -> str:
    """The local path of a file:// URI."""
    assert uri.startswith("file://"), uri
    return urllib.parse.unquote(uri[len("file://"):])


def playing(bus: Bus, dest: str, path: str) -> tuple[str, str | None] | None:
    """MPRIS (url, title) once the player says it plays *path*, else None."""
    url, title = bus.now(dest)
    return (url, title) if url and file_uri_path(url) == path else None


QUODLIBET = "org.mpris.MediaPlayer2.quodlibet"
SYSTEM_PYTHON = "/usr/bin/python3"


@contextmanager
def xvfb(tmp_path: Path):
    """An X server of the test's own on a free display: yields ':N'."""
    program = need("Xvfb", "xvfb")
    proc = subprocess.Popen([program, "-displayfd", "1", "-nolisten", "tcp", "-screen", "0",
                             "1024x768x24"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, start_new_session=True, cwd=tmp_path)
    try:
        number = proc.stdout.readline().strip()  # Xvfb prints it once it accepts clients
        assert number.isdigit(), f"Xvfb did not start (exit {proc.poll()})"
        yield f":{number}"
    finally:
        end_group(proc)


def quodlibet_env(tmp_path: Path, display: str, address: str) -> dict[str, str]:
    home = tmp_path / "home"
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_CACHE_HOME=str(home / ".cache"),
               QUODLIBET_USERDIR=str(tmp_path / "quodlibet"), DISPLAY=display,
               DBUS_SESSION_BUS_ADDRESS=address, NO_AT_BRIDGE="1", GSETTINGS_BACKEND="memory")
    for key in ("WAYLAND_DISPLAY", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(key, None)
    (tmp_path / "quodlibet").mkdir(parents=True, exist_ok=True)
    return env


RHYTHMBOX = "org.mpris.MediaPlayer2.rhythmbox"
RB_SHELL = "org.gnome.Rhythmbox3"


def rhythmbox_env(tmp_path: Path, display: str, address: str) -> dict[str, str]:
    home = tmp_path / "home"
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_CACHE_HOME=str(home / ".cache"),
               DISPLAY=display, DBUS_SESSION_BUS_ADDRESS=address, NO_AT_BRIDGE="1",
               GSETTINGS_BACKEND="memory")  # its default settings, nothing of the user's
    for key in ("WAYLAND_DISPLAY", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(key, None)
    home.mkdir(parents=True, exist_ok=True)
    return env
