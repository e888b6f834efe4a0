"""Who holds a claim: this process's identity, and whether another's owner is still alive.

An analyser claims each track it works on (:mod:`soundalike.library.store.claims`) under an
:class:`Owner`: host name, PID namespace, PID and the process's start time. A claim lapses
when its lease runs out; on the same host (and PID namespace) a dead owner is recognised at
once — its PID is gone, a zombie, or reused by a process that started later — so its claims
are taken over without waiting. An owner on another host (a library on a network share) or
in another PID namespace (a sandboxed app) cannot be checked: only its lease counts.
"""

from __future__ import annotations

import functools
import os
import socket
from typing import NamedTuple


class Owner(NamedTuple):
    """One process, as written into a claim: ``key`` is unique while it runs."""

    host: str
    namespace: str
    pid: int
    started: str

    @property
    def key(self) -> str:
        return f"{self.host}|{self.namespace}|{self.pid}|{self.started}"

    @classmethod
    def from_key(cls, key: str) -> Owner | None:
        parts = key.rsplit("|", 3)
        if len(parts) != 4 or not parts[2].isdigit():
            return None
        return cls(parts[0], parts[1], int(parts[2]), parts[3])

    def describe(self) -> str:
        """``process 1234 on laptop`` (for messages)."""
        return f"process {self.pid} on {self.host}"


def _namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _start_time(pid: int) -> str | None:
    """The start time of *pid* (clock ticks since boot, from /proc), '' where there is no
    /proc, None when the process is gone or a zombie."""
    if not os.path.isdir("/proc/self"):
        return ""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    fields = stat[stat.rfind(b")") + 2:].split()  # after "pid (comm) "
    if not fields or fields[0] in (b"Z", b"X"):
        return None
    return fields[19].decode() if len(fields) > 19 else ""


@functools.cache
def _host() -> str:
    return socket.gethostname() or "localhost"


def current() -> Owner:
    """This process (computed per call: a forked child is another owner)."""
    pid = os.getpid()
    return Owner(_host(), _namespace(), pid, _start_time(pid) or "")


def alive(key: str) -> bool | None:
    """Is the owner *key* still running? None when this process cannot tell (another host
    or PID namespace): then only the claim's lease says."""
    owner = Owner.from_key(key)
    if owner is None:
        return None
    if owner.host != _host() or owner.namespace != _namespace():
        return None
    started = _start_time(owner.pid)
    if started is None:
        return False
    if started == "":  # no /proc: the signal test is all there is
        try:
            os.kill(owner.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return started == owner.started
