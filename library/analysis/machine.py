"""What this machine's CPU is: model name, instruction-set flags, logical and physical cores.

Used for the analysis worker count (:func:`default_workers`) and as part of the key under
which the fastest LiteRT path is cached (:mod:`soundalike.library.analysis.cnn_choice`). Linux
reads ``/sys`` and ``/proc/cpuinfo``; elsewhere the answers fall back to
:mod:`platform` and :func:`os.cpu_count`. Nothing here raises.
"""

from __future__ import annotations

import glob
import os
import platform
from functools import lru_cache

#: CPU flags that decide which kernels are fast (x86 SIMD levels, Arm NEON/SVE).
RELEVANT_FLAGS: tuple[str, ...] = (
    "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni",
    "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
    "amx_tile", "asimd", "asimddp", "sve", "sve2", "i8mm", "bf16",
)  # fmt: skip


def _cpuinfo() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _cpuinfo_field(name: str) -> str | None:
    for line in _cpuinfo().splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == name:
            return value.strip()
    return None


@lru_cache(maxsize=1)
def cpu_model() -> str:
    """The CPU's marketing name ("AMD EPYC", "Intel(R) Core(TM) i7-1165G7 …")."""
    for field in ("model name", "Model", "Hardware", "cpu model"):
        value = _cpuinfo_field(field)
        if value:
            return " ".join(value.split())
    return platform.processor() or platform.machine() or "unknown CPU"


@lru_cache(maxsize=1)
def cpu_flags() -> tuple[str, ...]:
    """The :data:`RELEVANT_FLAGS` this CPU has, in that order (empty when unknown)."""
    raw = _cpuinfo_field("flags") or _cpuinfo_field("Features") or ""
    have = set(raw.split())
    return tuple(f for f in RELEVANT_FLAGS if f in have)


def logical_cores() -> int:
    """Logical CPUs (hardware threads) of the machine, :func:`os.cpu_count`; at least 1."""
    return max(1, os.cpu_count() or 1)


def _usable_cpus() -> set[int] | None:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


@lru_cache(maxsize=1)
def physical_cores() -> int:
    """Physical cores this process may run on (SMT siblings count once); at least 1.

    Distinct (package, core) pairs from ``/sys/devices/system/cpu/cpu*/topology``,
    else from ``/proc/cpuinfo`` ("physical id", "core id"), restricted to the CPUs
    this process is allowed on; else :func:`os.cpu_count`.
    """
    usable = _usable_cpus()
    pairs: set[tuple[str, str]] = set()
    for topo in glob.glob("/sys/devices/system/cpu/cpu[0-9]*/topology"):
        try:
            cpu = int(os.path.basename(os.path.dirname(topo))[3:])
            if usable is not None and cpu not in usable:
                continue
            with open(os.path.join(topo, "physical_package_id")) as f:
                package = f.read().strip()
            with open(os.path.join(topo, "core_id")) as f:
                core = f.read().strip()
        except (OSError, ValueError):
            continue
        pairs.add((package, core))
    if not pairs:
        cpu, package, core = None, "0", None
        for line in _cpuinfo().splitlines() + [""]:
            key, _, value = (s.strip() for s in line.partition(":"))
            if key == "processor":
                cpu = int(value) if value.isdigit() else None
            elif key == "physical id":
                package = value
            elif key == "core id":
                core = value
            elif not key:  # end of one processor's block
                if core is not None and (usable is None or cpu is None or cpu in usable):
                    pairs.add((package, core))
                cpu, package, core = None, "0", None
    if pairs:
        return len(pairs)
    return len(usable) if usable else logical_cores()


def default_workers() -> int:
    """Analysis worker processes by default (at least one): one per physical core, one
    core left free for the rest of the machine (the UI, playback) when there are 3 or more.

    Workers are single-threaded and run at low priority (nice 10), so on one or two
    cores they all work and the UI still preempts them; SMT siblings add little to
    this workload but a whole worker's memory each, so they are not counted.
    """
    cores = physical_cores()
    return max(1, cores - 1 if cores >= 3 else cores)
