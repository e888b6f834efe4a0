"""The wheel carries the package, the model and its data, and nothing of the development tree.

Built offline in seconds (``pip wheel --no-deps --no-build-isolation``, with the venv's
setuptools) from a copy of the source tree, installed with ``pip install --no-deps --target``;
its dependencies come from the venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = ["soundalike/models/musicnn_msd.tflite", "soundalike/models/labels.txt",
        "soundalike/models/MODEL_CARD.md", "soundalike/models/model.json",
        "soundalike/models/reference_outputs.npz", "soundalike/models/musicnn_mtt.tflite",
        "soundalike/models/labels_mtt.txt", "soundalike/models/model_mtt.json",
        "soundalike/models/reference_outputs_mtt.npz", "soundalike/resources/soundalike.svg",
        "soundalike/resources/soundalike.desktop", "soundalike/resources/soundalike-256.png",
        # the player plugins `soundalike plugins install` copies
        "soundalike/resources/plugins/quodlibet/soundalike_ql.py",
        "soundalike/resources/plugins/common/_soundalike_client.py",
        "soundalike/resources/plugins/rhythmbox/soundalike/soundalike.plugin",
        "soundalike/resources/plugins/rhythmbox/soundalike/soundalike.py"]
NOT_SHIPPED = ("tools", "benchmarks", "tests", "docs", "scripts")
SKIP_COPY = shutil.ignore_patterns(".git", ".venv", ".cache", "__pycache__", "build", "dist",
                                   "*.egg-info", ".pytest_cache", ".ruff_cache", ".build-venv",
                                   ".checkpoints", "corpus", "*.db", "*.db-*")


def _run(*cmd, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=240, **kw)
    assert result.returncode == 0, f"{cmd}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip("the venv's setuptools is older than 77 (make setup installs it)")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy: building writes build/ and *.egg-info next to the sources
    shutil.copytree(REPO, src, ignore=SKIP_COPY)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-cache-dir", "--quiet", "--wheel-dir", str(tmp / "dist"), str(src))
    (found,) = (tmp / "dist").glob("soundalike-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("target")
    _run(sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--target", str(target), str(wheel))
    return target


def _env(target: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(target)
    return env


def test_the_wheel_has_the_package_and_its_data_and_no_development_files(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for name in DATA + ["soundalike/__init__.py", "soundalike/__main__.py", "soundalike/main.py",
                        "soundalike/gui/app.py", "soundalike/cli/__init__.py",
                        "soundalike/cli/mpd_cmds.py", "soundalike/library/mpd/client.py",
                        "beetsplug/soundalike.py"]:
        assert name in names
    assert {n.split("/")[0] for n in names} == {"soundalike", "beetsplug",
                                                 wheel.name.split("-py")[0] + ".dist-info"}
    # beetsplug is beets' namespace package: shipping an __init__.py would hide beets' own
    assert [n for n in names if n.startswith("beetsplug/")] == ["beetsplug/soundalike.py"]
    for folder in NOT_SHIPPED:
        assert not [n for n in names if n.startswith(f"soundalike/{folder}/")], folder
    assert not [n for n in names if "build_tflite" in n or "verify_rebuild" in n
                or "evaluate_corpus" in n or n.startswith("soundalike/models/") and
                n.endswith(".py")]
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "soundalike = soundalike.main:main" in entry_points
    assert "soundalike-gui = soundalike.main:gui_main" in entry_points


def test_the_installed_command_runs(installed, tmp_path):
    result = _run(str(installed / "bin" / "soundalike"), "--help", env=_env(installed),
                  cwd=tmp_path)
    assert result.stdout.startswith("usage: soundalike")


def test_the_installed_package_finds_its_model_and_resources(installed, tmp_path):
    code = ("import soundalike\n"
            "from soundalike.engine.cnn import default_model_path\n"
            "from soundalike.gui.theme import RESOURCES\n"
            "print(soundalike.__file__)\n"
            "print(default_model_path().is_file(), (RESOURCES / 'soundalike.svg').is_file())\n")
    out = _run(sys.executable, "-c", code, env={**_env(installed), "QT_QPA_PLATFORM": "offscreen"},
               cwd=tmp_path).stdout.splitlines()
    assert Path(out[0]).is_relative_to(installed)  # not the development tree
    assert out[1] == "True True"


def test_the_installed_gui_entry_point_imports_and_starts(installed, tmp_path):
    script = installed / "bin" / "soundalike-gui"
    assert "from soundalike.main import gui_main" in script.read_text()
    _run(sys.executable, "-c", "import soundalike.gui.app, soundalike.gui.main_window",
         env={**_env(installed), "QT_QPA_PLATFORM": "offscreen"}, cwd=tmp_path)
    if sys.platform.startswith("linux"):  # no display: its one-line message, not a crash
        result = subprocess.run([str(script)], env=_env(installed), cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1 and "soundalike --help" in result.stderr


def test_beets_finds_the_installed_plugin(installed, tmp_path):
    pytest.importorskip("beets")
    code = ("import beetsplug.soundalike as p, beetsplug\n"
            "print(p.__file__)\n"
            "print(len(list(beetsplug.__path__)) > 1)\n")  # beets' own plugins still there
    out = _run(sys.executable, "-c", code, env=_env(installed), cwd=tmp_path).stdout.split()
    assert Path(out[0]).is_relative_to(installed) and out[1] == "True"
