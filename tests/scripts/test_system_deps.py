"""scripts/system-deps decides what to install from fake tools on a PATH of their own.

Every tool the script may call (ldconfig, id, sudo, apt-get, dnf, pacman, dbus-daemon …) is a
small shell script written here that logs its call; nothing real is installed and no root is
needed. The distribution comes from an os-release file (SOUNDALIKE_OS_RELEASE), the fonts from
a folder of our own (SOUNDALIKE_FONT_DIRS).
"""

from __future__ import annotations

import os
import platform
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "system-deps"
TABLE = runpy.run_path(str(SCRIPT))  # its globals: LIBRARIES, COMMANDS, ABI_TAGS …
ALL_SONAMES = [lib[0] for lib in TABLE["LIBRARIES"]]
ABI = TABLE["ABI_TAGS"].get(platform.machine(), "x86-64")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")

OS_RELEASE = {
    "debian": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
    "ubuntu": 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n',
    "fedora": 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=41\n',
    "arch": 'NAME="Arch Linux"\nID=arch\n',
    "manjaro": 'NAME="Manjaro Linux"\nID=manjaro\nID_LIKE=arch\n',
    "alpine": 'NAME="Alpine Linux"\nID=alpine\n',
}


class Fake:
    """A directory of fake tools; ``calls`` lists what the script ran, in order."""

    def __init__(self, root: Path, *, distro="debian", missing=(), uid=0, sudo=False,
                 managers=("apt-get", "dnf", "pacman"), commands=("dbus-daemon", "dbus-send"),
                 font=True, install_exit=0):
        self.root, self.bin, self.log = root, root / "bin", root / "calls.log"
        self.bin.mkdir(parents=True)
        self.log.write_text("")
        installed = root / "installed"  # the package manager "installs": ldconfig then has all
        present = [s for s in ALL_SONAMES if s not in missing]
        self.tool("ldconfig", f'if [ -f "{installed}" ]; then\n{self._cache(ALL_SONAMES)}\n'
                              f'else\n{self._cache(present)}\nfi')
        self.tool("id", f'[ "$1" = "-u" ] && echo {uid}')
        if sudo:
            self.tool("sudo", '"$@"; exit $?')
        for manager in managers:
            body = f': > "{installed}"' if install_exit == 0 else ""
            self.tool(manager, f'{body}\nexit {install_exit}')
        for command in commands:
            self.tool(command)
        (root / "os-release").write_text(OS_RELEASE[distro])
        fonts = root / "fonts"
        fonts.mkdir()
        if font:
            (fonts / "DejaVuSans.ttf").write_bytes(b"\0")

    @staticmethod
    def _cache(sonames) -> str:
        lines = [f"{len(sonames)} libs found in cache /etc/ld.so.cache"] + [
            f"\t{s} (libc6,{ABI}) => /usr/lib/{s}" for s in sonames]
        return "printf '%s\\n' " + " ".join(f"'{line}'" for line in lines)

    def tool(self, name: str, body: str = "") -> None:
        path = self.bin / name
        path.write_text(f'#!/bin/sh\necho "{name} $*" >> "{self.log}"\n{body}\n')
        path.chmod(0o755)

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        environ = {"PATH": str(self.bin), "HOME": str(self.root),
                   "SOUNDALIKE_OS_RELEASE": str(self.root / "os-release"),
                   "SOUNDALIKE_FONT_DIRS": str(self.root / "fonts"), **env}
        return subprocess.run([sys.executable, str(SCRIPT), *args], env=environ,
                              capture_output=True, text=True, timeout=60)

    @property
    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()

    def installs(self) -> list[str]:
        return [c for c in self.calls if c.split()[0] in ("sudo", "apt-get", "dnf", "pacman")]


MISSING = ("libpulse.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")


@pytest.mark.parametrize("distro, expected", [
    ("debian", ["apt-get update -qq",
                "apt-get install -y -qq --no-install-recommends libpulse0 libxcb-icccm4 "
                "libxcb-keysyms1"]),
    ("ubuntu", ["apt-get update -qq",
                "apt-get install -y -qq --no-install-recommends libpulse0 libxcb-icccm4 "
                "libxcb-keysyms1"]),
    ("fedora", ["dnf install -y pulseaudio-libs xcb-util-wm xcb-util-keysyms"]),
    ("arch", ["pacman -S --needed --noconfirm libpulse xcb-util-wm xcb-util-keysyms"]),
    ("manjaro", ["pacman -S --needed --noconfirm libpulse xcb-util-wm xcb-util-keysyms"]),
])
def test_root_installs_the_missing_libraries_with_the_distributions_manager(
        tmp_path, distro, expected):
    fake = Fake(tmp_path, distro=distro, missing=MISSING)
    result = fake.run()
    assert result.returncode == 0, result.stderr
    assert fake.installs() == expected
    for command in expected:  # each command is printed before it runs
        assert f"+ {command}" in result.stderr


def test_a_user_with_sudo_installs_through_sudo(tmp_path):
    fake = Fake(tmp_path, missing=("libpulse.so.0",), uid=1000, sudo=True)
    result = fake.run()
    assert result.returncode == 0, result.stderr
    assert "+ sudo apt-get install -y -qq --no-install-recommends libpulse0" in result.stderr
    assert fake.installs() == [
        "sudo apt-get update -qq", "apt-get update -qq",
        "sudo apt-get install -y -qq --no-install-recommends libpulse0",
        "apt-get install -y -qq --no-install-recommends libpulse0"]


def test_nothing_missing_runs_no_package_manager_and_prints_nothing(tmp_path):
    fake = Fake(tmp_path, uid=1000, sudo=True)
    result = fake.run()
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert fake.installs() == []
    assert [c.split()[0] for c in fake.calls] == ["ldconfig"]


def test_no_root_and_no_sudo_names_the_command_and_fails(tmp_path):
    fake = Fake(tmp_path, missing=MISSING, uid=1000, sudo=False)
    result = fake.run()
    assert result.returncode == 1
    assert fake.installs() == []
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "libpulse.so.0" in lines[0] and "sudo is not installed" in lines[0]
    assert ("Run as root: apt-get update -qq && apt-get install -y -qq --no-install-recommends "
            "libpulse0 libxcb-icccm4 libxcb-keysyms1") in lines[0]
    assert "Traceback" not in result.stderr


def test_a_failed_install_names_the_command_and_fails(tmp_path):
    fake = Fake(tmp_path, distro="fedora", missing=("libpulse.so.0",), install_exit=1)
    result = fake.run()
    assert result.returncode == 1
    assert fake.installs() == ["dnf install -y pulseaudio-libs"]
    assert "failed (exit 1)" in result.stderr
    assert "Run: dnf install -y pulseaudio-libs" in result.stderr


def test_an_unknown_distribution_names_the_libraries_and_fails(tmp_path):
    fake = Fake(tmp_path, distro="alpine", missing=("libpulse.so.0",), managers=())
    result = fake.run()
    assert result.returncode == 1
    assert "libpulse.so.0" in result.stderr and "not one this script knows" in result.stderr
    assert fake.installs() == []


def test_dbus_tools_and_a_font_are_installed_too(tmp_path):
    fake = Fake(tmp_path, commands=(), font=False)
    result = fake.run("--dry-run")
    assert result.returncode == 0, result.stderr
    assert fake.installs() == []  # --dry-run only prints
    assert ("+ apt-get install -y -qq --no-install-recommends dbus-daemon dbus-bin "
            "fonts-dejavu-core") in result.stderr


def test_check_reports_and_installs_nothing(tmp_path):
    fake = Fake(tmp_path, distro="arch", missing=("libwayland-cursor.so.0",))
    result = fake.run("--check")
    assert result.returncode == 1
    assert "pacman -S --needed --noconfirm wayland" in result.stderr
    assert fake.installs() == []


def test_packagers_skip_it_with_an_environment_variable(tmp_path):
    fake = Fake(tmp_path, missing=MISSING, uid=1000)
    result = fake.run(SOUNDALIKE_SKIP_SYSTEM_DEPS="1")
    assert (result.returncode, result.stderr) == (0, "")
    assert fake.calls == []


def test_make_setup_runs_it_first():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    out = subprocess.run(["make", "--no-print-directory", "-n", "-B", "setup"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=60).stdout.splitlines()
    commands = [line for line in out if not line.startswith("make")]
    assert commands[0].endswith("scripts/system-deps"), out


def _needed(path: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True,
                         timeout=60).stdout
    return {line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line}


# libraries every glibc system has
BASE = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
        "libgcc_s.so.1", "libz.so.1", "libbz2.so.1", "libresolv.so.2",
        "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}
# what the player loads: Qt's modules, the FFmpeg plugin and the platform plugins
QT_FILES = ["lib/libQt6*.so.6", "lib/libav*.so.*", "lib/libsw*.so.*",
            "plugins/multimedia/*.so", "plugins/platforms/libqoffscreen.so",
            "plugins/platforms/libqxcb.so", "plugins/platforms/libqwayland.so",
            "plugins/xcbglintegrations/*.so", "plugins/wayland-shell-integration/libxdg-shell.so",
            "plugins/wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
            "plugins/imageformats/*.so", "plugins/iconengines/*.so"]
QT_MODULES = ("Core", "Gui", "Widgets", "Multimedia", "Qml", "DBus", "Network", "OpenGL", "Svg",
              "XcbQpa", "WaylandClient", "WlShellIntegration")


def test_the_list_covers_every_library_qt_links():
    if not shutil.which("readelf"):
        pytest.skip("readelf (binutils) is not installed")
    pyside = pytest.importorskip("PySide6")
    qt = Path(pyside.__file__).parent / "Qt"
    bundled = {p.name for p in (qt / "lib").iterdir()}
    files = [p for pattern in QT_FILES for p in qt.glob(pattern)
             if not p.name.startswith("libQt6")
             or any(p.name == f"libQt6{m}.so.6" for m in QT_MODULES)]
    assert len(files) > 20
    needed = set().union(*(_needed(p) for p in files)) - bundled - BASE
    assert needed <= set(ALL_SONAMES), sorted(needed - set(ALL_SONAMES))


def test_tests_also_get_real_players_and_the_player_does_not(tmp_path):
    """MPD, Strawberry, Quod Libet, Rhythmbox and Xvfb (tests/library/mpd/test_mpd_commands.py
    and test_playlist_desktop_players.py) only with --tests."""
    fake = Fake(tmp_path)
    result = fake.run("--tests", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert ("+ apt-get install -y -qq --no-install-recommends mpd strawberry quodlibet rhythmbox "
            "xvfb"
            in result.stderr)
    plain = Fake(tmp_path / "player")
    assert plain.run().stderr == "" and plain.installs() == []
    fedora = Fake(tmp_path / "fedora", distro="fedora")
    assert ("+ dnf install -y mpd strawberry quodlibet rhythmbox xorg-x11-server-Xvfb"
            in fedora.run("--tests", "--dry-run").stderr)
    arch = Fake(tmp_path / "arch", distro="arch")
    assert ("+ pacman -S --needed --noconfirm mpd strawberry quodlibet rhythmbox "
            "xorg-server-xvfb"
            in arch.run("--tests", "--dry-run").stderr)
    present = Fake(tmp_path / "present", commands=("dbus-daemon", "dbus-send", "mpd",
                                                   "strawberry", "quodlibet", "rhythmbox",
                                                   "Xvfb"))
    assert "strawberry" not in present.run("--tests", "--dry-run").stderr


def test_make_test_asks_for_the_test_programs():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    out = subprocess.run(["make", "--no-print-directory", "-n", "test"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60).stdout
    assert "scripts/system-deps --tests" in out
    assert "'.[dev,beets,mpd]'" in (REPO / "Makefile").read_text()
