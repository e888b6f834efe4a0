"""A real small filesystem for disk-full tests: a tmpfs mounted by the test, filled up by a
file the test writes, and freed again by deleting it::

    from small_fs import small_filesystem, fill_up

    with small_filesystem(tmp_path / "disk", size_mb=24) as disk:   # skips where it cannot mount
        filler = fill_up(disk / "filler")      # the disk now has 0 bytes free
        filler.unlink()                        # room again

A plain module (imports pytest only to skip).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_filesystem(mount_point: Path, *, size_mb: int) -> Iterator[Path]:
    """Mount a tmpfs of *size_mb* MB at *mount_point* for the block; skip the test (with the
    reason) where this process may not mount one (not root, no mount(8), a container without
    CAP_SYS_ADMIN)."""
    mount_point.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the disk-full test needs root")
    if shutil.which("mount") is None:
        pytest.skip("mount(8) is not installed: no small filesystem for the disk-full test")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={int(size_mb)}m,mode=0777",
                           "tmpfs", str(mount_point)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def fill_up(path: Path) -> Path:
    """Write *path* until the disk holding it has no byte left (ENOSPC); returns *path*."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    chunk = b"\0" * (1 << 20)
    try:
        while True:
            try:
                os.write(fd, chunk)
            except OSError:
                if len(chunk) == 1:
                    break
                chunk = chunk[: len(chunk) // 2]
    finally:
        os.close(fd)
    assert shutil.disk_usage(path.parent).free == 0
    return path
