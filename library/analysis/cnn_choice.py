"""Which LiteRT path runs the tagging CNN fastest on this machine, measured once and cached.

XNNPACK is LiteRT's default and usually the faster one, but not on every CPU (on one
AVX2 EPYC it took 4× as long as LiteRT's builtin kernels). :func:`cnn_choice` returns
the cached measurement when it still applies, else times the candidates with
:func:`soundalike.engine.cnn.measure_kernels` (1–2 s) and caches the outcome.

The cache is one JSON file, ``cnn-path.json`` in ``$SOUNDALIKE_CACHE_DIR`` or else
``platformdirs.user_cache_dir("soundalike")``. It holds the key it was measured
under — CPU model name, the relevant CPU flags, logical core count, the model file's
SHA-256 and size, the ai-edge-litert version — every candidate's ms per 3-s patch,
the winner and when it was measured. When any key part differs (new model, new
LiteRT, the cache copied to another machine) it is measured again; a corrupt or
unreadable file is ignored and rewritten. Nothing here loads LiteRT except the
measurement itself, which the analysis controller runs in a short spawned process
(:func:`ensure_choice`), so neither the GUI nor the controller thread load it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from soundalike.engine.cnn import (
    KERNELS,
    MAX_THREADS,
    KernelTiming,
    choose_kernels,
    default_model_path,
    measure_kernels,
)
from soundalike.library.analysis import machine
from soundalike.library.files.disk import cache_dir, write_atomic

CACHE_NAME = "cnn-path.json"
FORMAT = 1
#: Seconds the spawned measuring process may take before it is given up on.
MEASURE_LIMIT_S = 60.0

#: How the kernels are named to people.
KERNEL_NAMES = {"xnnpack": "XNNPACK", "builtin": "builtin kernels"}


def cache_path() -> Path:
    """The cache file, ``cache_dir() / "cnn-path.json"``."""
    return cache_dir() / CACHE_NAME


_digests: dict[tuple[str, int, int], str] = {}


def model_digest(path: str | Path) -> str | None:
    """SHA-256 of the model file (remembered per path, size and mtime); None if unreadable."""
    p = Path(path)
    try:
        st = p.stat()
        memo = (str(p.resolve()), st.st_size, st.st_mtime_ns)
        if memo not in _digests:
            _digests[memo] = hashlib.sha256(p.read_bytes()).hexdigest()
        return _digests[memo]
    except OSError:
        return None


def litert_version() -> str:
    """The installed ai-edge-litert version (from its metadata: LiteRT is not imported)."""
    from importlib import metadata

    try:
        return metadata.version("ai-edge-litert")
    except metadata.PackageNotFoundError:
        return "not installed"


def current_key(model_path: str | Path | None = None) -> dict:
    """What the measurement depends on; a cached one applies only under an equal key."""
    path = Path(model_path) if model_path is not None else default_model_path()
    try:
        size = path.stat().st_size
    except OSError:
        size = None
    return {
        "cpu": machine.cpu_model(),
        "flags": list(machine.cpu_flags()),
        "logical_cores": machine.logical_cores(),
        "model_sha256": model_digest(path),
        "model_size": size,
        "litert": litert_version(),
    }


def threads_per_worker(workers: int | None = None) -> int:
    """Interpreter threads one worker's model may use: the physical cores left idle by
    *workers* single-threaded workers, shared out (1 unless cores would stay idle)."""
    workers = max(1, workers or machine.default_workers())
    return max(1, min(MAX_THREADS, machine.physical_cores() // workers))


@dataclass(frozen=True, slots=True)
class CnnChoice:
    """A measurement: the winner for one model per worker, every candidate,
    when, under which key."""

    kernels: str
    threads: int
    ms_per_patch: float
    timings: tuple[KernelTiming, ...]
    measured_at: str                 # ISO 8601, UTC, seconds
    key: dict = field(default_factory=dict)
    fresh: bool = False              # measured by this call (not read from the cache)

    def pick(self, max_threads: int = 1) -> KernelTiming:
        """The fastest measured candidate using at most *max_threads* threads."""
        return choose_kernels(self.timings, max_threads=max_threads)

    def covers(self, max_threads: int) -> bool:
        """Whether every candidate for *max_threads* threads per model was measured."""
        have = {(t.kernels, t.threads) for t in self.timings}
        if not all((k, 1) in have for k in KERNELS):
            return False
        n = min(max_threads, MAX_THREADS)
        return n <= 1 or any(t.threads == n for t in self.timings)

    def as_dict(self) -> dict:
        return {"format": FORMAT, "kernels": self.kernels, "threads": self.threads,
                "ms_per_patch": round(self.ms_per_patch, 2),
                "timings": [t.as_dict() for t in self.timings],
                "measured_at": self.measured_at, "key": self.key}

    def describe(self) -> str:
        """One line: ``XNNPACK, 1 thread — 78 ms per 3-s patch (builtin kernels 167 ms),
        measured 2026-12-01 on AMD EPYC``."""
        others = ", ".join(
            f"{_label(t.kernels, t.threads, with_one=t.threads != self.threads)} "
            f"{t.ms_per_patch:.0f} ms"
            for t in self.timings if (t.kernels, t.threads) != (self.kernels, self.threads))
        threads = f"{self.threads} thread" + ("s" if self.threads != 1 else "")
        return (f"{KERNEL_NAMES.get(self.kernels, self.kernels)}, {threads} — "
                f"{self.ms_per_patch:.0f} ms per 3-s patch"
                + (f" ({others})" if others else "")
                + f", measured {self.measured_at[:10]} on {self.key.get('cpu', 'this CPU')}")


def _label(kernels: str, threads: int, *, with_one: bool) -> str:
    name = KERNEL_NAMES.get(kernels, kernels)
    return f"{name} on {threads} threads" if threads > 1 else (
        f"{name} on 1 thread" if with_one else name)


def _from_dict(data: dict, *, fresh: bool = False) -> CnnChoice:
    timings = tuple(KernelTiming(str(t["kernels"]), int(t["threads"]), float(t["cpu_ms"]),
                                 float(t["wall_ms"])) for t in data["timings"])
    if not all(t.kernels in KERNELS and t.threads >= 1 and t.cpu_ms > 0 and t.wall_ms > 0
               for t in timings):
        raise ValueError("bad timing")
    kernels, threads = str(data["kernels"]), int(data["threads"])
    if (kernels, threads) not in {(t.kernels, t.threads) for t in timings}:
        raise ValueError("winner is not among the timings")
    datetime.fromisoformat(data["measured_at"])  # must parse
    if not isinstance(data["key"], dict):
        raise ValueError("bad key")
    return CnnChoice(kernels, threads, float(data["ms_per_patch"]), timings,
                     str(data["measured_at"]), dict(data["key"]), fresh)


def read_cache(model_path: str | Path | None = None, *, key: dict | None = None
               ) -> CnnChoice | None:
    """The cached measurement if it was made under the current key; None if there is
    none, it is unreadable or corrupt, or anything it depends on has changed."""
    key = key if key is not None else current_key(model_path)
    try:
        data = json.loads(cache_path().read_text("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        choice = _from_dict(data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return choice if choice.key == key else None


def write_cache(choice: CnnChoice) -> bool:
    """Write *choice* atomically (:func:`~soundalike.library.files.disk.write_atomic`);
    False when the folder is not writable."""
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(choice.as_dict(), indent=1) + "\n")
    except OSError:
        return False
    return True


def _merge(measured: dict, key: dict, previous: CnnChoice | None, max_threads: int
           ) -> CnnChoice:
    """A fresh measurement (``measure_kernels`` as a dict), keeping the timings of other
    thread counts from a still-valid previous one."""
    timings = [KernelTiming(t["kernels"], int(t["threads"]), round(float(t["cpu_ms"]), 2),
                            round(float(t["wall_ms"]), 2)) for t in measured["timings"]]
    counts = {t.threads for t in timings}
    if previous is not None:
        timings += [t for t in previous.timings if t.threads not in counts]
    win = choose_kernels(timings, max_threads=max_threads)
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return CnnChoice(win.kernels, win.threads, win.ms_per_patch, tuple(timings), now,
                     key, fresh=True)


def _measure_dict(model_path, max_threads: int) -> dict:
    got = measure_kernels(model_path, max_threads=max_threads)
    return {"timings": [{"kernels": t.kernels, "threads": t.threads, "cpu_ms": t.cpu_ms,
                         "wall_ms": t.wall_ms} for t in got.timings],
            "seconds": got.seconds}


def cnn_choice(model_path: str | Path | None = None, *, max_threads: int = 1,
               force: bool = False) -> CnnChoice:
    """The cached choice if it still applies, else measured here (loads LiteRT) and cached.

    Parameters
    ----------
    model_path : str or Path, optional
        The model; the shipped one when omitted.
    max_threads : int
        Threads one model may use (see :func:`threads_per_worker`); a cache without a
        measurement for that many threads is measured again.
    force : bool
        Measure even when the cache applies.

    Raises
    ------
    ModelError
        The model file is missing or broken.
    """
    key = current_key(model_path)
    cached = read_cache(key=key)
    if cached is not None and not force and cached.covers(max_threads):
        return cached
    choice = _merge(_measure_dict(model_path, max_threads), key, cached, max_threads)
    write_cache(choice)
    return choice


def _measure_main(conn, model_path, max_threads: int, low_priority: bool) -> None:
    """Body of the spawned measuring process: one reply, then exit."""
    if low_priority:
        with contextlib.suppress(OSError):
            os.nice(10)
    try:
        conn.send(("ok", _measure_dict(model_path, max_threads)))
    except Exception as exc:  # noqa: BLE001 — reported to the parent, which falls back
        with contextlib.suppress(OSError):
            conn.send(("err", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def ensure_choice(model_path: str | Path | None = None, *, max_threads: int = 1,
                  cancelled: Callable[[], bool] | None = None, low_priority: bool = True,
                  time_limit: float = MEASURE_LIMIT_S) -> CnnChoice | None:
    """Like :func:`cnn_choice`, but a measurement runs in a short spawned process (this
    process never loads LiteRT) and nothing raises: None when it fails, times out or
    *cancelled()* turns true (the caller then uses XNNPACK, LiteRT's default)."""
    key = current_key(model_path)
    cached = read_cache(key=key)
    if cached is not None and cached.covers(max_threads):
        return cached
    if key["model_sha256"] is None:
        return None  # no model: the workers will say so in plain words
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_measure_main, name="soundalike-cnn-timing", daemon=True,
                       args=(child, None if model_path is None else str(model_path),
                             max_threads, low_priority))
    try:
        proc.start()
    except OSError:
        return None
    child.close()
    reply = None
    deadline = time.monotonic() + time_limit
    try:
        while time.monotonic() < deadline and not (cancelled and cancelled()):
            if parent.poll(0.1):
                reply = parent.recv()
                break
            if not proc.is_alive() and not parent.poll(0):
                break
    except (EOFError, OSError):
        reply = None
    finally:
        proc.join(2)
        if proc.is_alive():
            proc.kill()
            proc.join(2)
        parent.close()
    if not reply or reply[0] != "ok":
        return None
    choice = _merge(reply[1], key, cached, max_threads)
    write_cache(choice)
    return choice


def cached_kernels(model_path: str | Path | None = None) -> str:
    """The kernels measured fastest on one thread here (cached), else ``"xnnpack"``; never
    measures. For an in-process analysis:
    ``engine.analyze.configure_default_model(kernels=cached_kernels(), threads=1)``."""
    cached = read_cache(model_path)
    return cached.pick(1).kernels if cached is not None else "xnnpack"
