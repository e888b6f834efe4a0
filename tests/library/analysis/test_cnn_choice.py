"""The cached choice of LiteRT path: measured with the real model, cached per machine,
model and LiteRT version, followed by the real analysis worker processes."""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from audiofiles import click_track, tone, write_audio

from soundalike.engine import analyze, cnn
from soundalike.library.analysis import cnn_choice, machine
from soundalike.library.analysis.controller import AnalysisController
from soundalike.library.analysis.machine import default_workers
from soundalike.library.files.disk import CACHE_ENV
from soundalike.library.files.scanner import Scanner
from soundalike.library.store import Store


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder of this test's own; returns the cache file's path."""
    d = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(d))
    return d / cnn_choice.CACHE_NAME


@pytest.fixture(scope="module")
def measured_file(tmp_path_factory) -> bytes:
    """The bytes of one real measurement's cache file (measured once for the module)."""
    d = tmp_path_factory.mktemp("measured")
    old = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(d)
    try:
        choice = cnn_choice.cnn_choice()
    finally:
        if old is None:
            del os.environ[CACHE_ENV]
        else:
            os.environ[CACHE_ENV] = old
    assert choice.fresh
    return (d / cnn_choice.CACHE_NAME).read_bytes()


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_the_choice_is_measured_cached_and_reused(cache):
    assert cnn_choice.read_cache() is None
    first = cnn_choice.cnn_choice()
    assert first.fresh
    data = json.loads(cache.read_text())
    assert data["kernels"] == first.kernels and data["threads"] == 1
    assert {t["kernels"] for t in data["timings"]} == set(cnn.KERNELS)
    assert all(t["ms_per_patch"] > 0 for t in data["timings"])
    assert data["ms_per_patch"] == min(t["ms_per_patch"] for t in data["timings"])
    key = data["key"]
    assert key == cnn_choice.current_key()
    assert key["cpu"] == machine.cpu_model() and key["logical_cores"] == os.cpu_count()
    assert len(key["model_sha256"]) == 64 and key["litert"][0].isdigit()
    assert data["measured_at"].startswith("20")

    before = cache.read_bytes()
    again = cnn_choice.cnn_choice()
    assert not again.fresh  # no second timing: the file is untouched
    assert cache.read_bytes() == before
    assert (again.kernels, again.threads, again.measured_at) == (
        first.kernels, first.threads, first.measured_at)
    assert cnn_choice.read_cache().timings == first.timings


def test_a_changed_key_part_is_measured_again(cache, measured_file):
    cache.parent.mkdir(parents=True)
    for part, value in [("litert", "0.0.1"), ("model_sha256", "0" * 64), ("model_size", 1),
                        ("cpu", "Some Other CPU"), ("flags", ["avx512f"]),
                        ("logical_cores", 999)]:
        cache.write_bytes(measured_file)
        assert cnn_choice.read_cache() is not None
        _edit(cache, lambda d: d["key"].__setitem__(part, value))  # noqa: B023
        assert cnn_choice.read_cache() is None, part
    choice = cnn_choice.cnn_choice()  # the last edit left another machine's measurement
    assert choice.fresh
    assert json.loads(cache.read_text())["key"] == cnn_choice.current_key()
    assert not cnn_choice.cnn_choice().fresh


def test_the_key_follows_the_model_file_contents(cache, measured_file, tmp_path):
    cache.parent.mkdir(parents=True)
    cache.write_bytes(measured_file)
    model = tmp_path / "model.tflite"
    shutil.copyfile(cnn.default_model_path(), model)
    assert cnn_choice.read_cache(model) is not None  # same bytes elsewhere: still applies
    with open(model, "ab") as f:  # another build of the model (LiteRT ignores the tail)
        f.write(b"another build of the model")
    assert cnn_choice.read_cache(model) is None
    key = cnn_choice.current_key(model)
    assert key["model_sha256"] != json.loads(measured_file)["key"]["model_sha256"]
    assert key["model_size"] == cnn.default_model_path().stat().st_size + 26


def test_a_corrupt_cache_file_is_ignored_and_replaced(cache):
    cache.parent.mkdir(parents=True)
    for content in [b"{not json", b"", b"[]", b"\xff\xfe\x00", b"null",
                    b'{"format": 1, "timings": "x"}',
                    b'{"format": 1, "kernels": "tpu", "threads": 1, "ms_per_patch": 1,'
                    b' "timings": [], "measured_at": "2026-12-01", "key": {}}']:
        cache.write_bytes(content)
        assert cnn_choice.read_cache() is None, content
    choice = cnn_choice.cnn_choice()
    assert choice.fresh
    assert json.loads(cache.read_text())["kernels"] == choice.kernels
    assert cnn_choice.read_cache() == dataclasses.replace(choice, fresh=False)


def test_a_cache_folder_that_cannot_be_written_does_not_crash(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    choice = cnn_choice.cnn_choice()
    assert choice.kernels in cnn.KERNELS and choice.ms_per_patch > 0
    assert cnn_choice.read_cache() is None


def _favour_builtin(cache: Path) -> None:
    """A cache under the current key in which builtin kernels won (as on some EPYCs).
    Threaded candidates are listed too, hopelessly slow, so no worker count re-measures."""
    timings = [{"kernels": "xnnpack", "threads": 1, "ms_per_patch": 750.0, "cpu_ms": 750.0,
                "wall_ms": 760.0},
               {"kernels": "builtin", "threads": 1, "ms_per_patch": 190.0, "cpu_ms": 190.0,
                "wall_ms": 195.0}]
    timings += [{"kernels": "builtin", "threads": n, "ms_per_patch": 1e6, "cpu_ms": 1e6,
                 "wall_ms": 1e6} for n in range(2, cnn.MAX_THREADS + 1)]
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"format": 1, "kernels": "builtin", "threads": 1,
                                 "ms_per_patch": 190.0, "timings": timings,
                                 "measured_at": "2026-12-01T12:00:00Z",
                                 "key": cnn_choice.current_key()}))


def _library(tmp_path: Path, n: int = 3) -> Path:
    root = tmp_path / "music"
    root.mkdir()
    for i in range(n):
        y = click_track(100 + 20 * i, 6, 22050) + 0.2 * tone(220.0 * (i + 1), 6, 22050)
        write_audio(root / f"song{i}.flac", y.astype(np.float32), 22050)
    db = tmp_path / "lib.db"
    with Store(db) as store:
        store.add_folder(root)
        Scanner(store).scan()
    return db


def test_workers_use_the_cached_choice(cache, tmp_path):
    _favour_builtin(cache)
    before = cache.read_bytes()
    controller = AnalysisController(_library(tmp_path), workers=2)
    final = controller.run()
    assert (final.state, final.done, final.failed) == ("finished", 3, 0)
    assert controller.cnn is not None and controller.cnn.kernels == "builtin"
    assert controller.worker_cnn and set(controller.worker_cnn) == {("builtin", 1)}
    assert cache.read_bytes() == before  # reused, not measured again


def test_the_first_analysis_measures_and_its_workers_use_the_winner(cache, tmp_path):
    assert not cache.exists()
    loaded_before = "ai_edge_litert.interpreter" in sys.modules
    controller = AnalysisController(_library(tmp_path, 2), workers=1)
    final = controller.run()
    assert (final.state, final.done) == ("finished", 2)
    if not loaded_before:  # measured in a spawned process: LiteRT never loaded here
        assert "ai_edge_litert.interpreter" not in sys.modules
    stored = cnn_choice.read_cache()
    assert stored is not None and controller.cnn is not None and controller.cnn.fresh
    assert {t.kernels for t in stored.timings} == set(cnn.KERNELS)
    assert not cnn_choice.ensure_choice(max_threads=1).fresh  # cached now
    # asked for a 3-thread candidate it does not have, but cancelled at once: no answer
    assert cnn_choice.ensure_choice(cancelled=lambda: True, max_threads=3) is None
    best = stored.pick(cnn_choice.threads_per_worker(1))
    assert controller.worker_cnn == [(best.kernels, best.threads)]
    if machine.physical_cores() >= 2:  # one worker, idle cores: a threaded candidate too
        assert any(t.threads > 1 for t in stored.timings)


def test_the_in_process_default_model_follows_the_cache(cache):
    try:
        assert cnn_choice.cached_kernels() == "xnnpack"  # nothing cached
        analyze.configure_default_model(kernels=cnn_choice.cached_kernels(), threads=1)
        assert analyze.default_model().kernels == "xnnpack"
        _favour_builtin(cache)
        assert cnn_choice.cached_kernels() == "builtin"
        analyze.configure_default_model(kernels=cnn_choice.cached_kernels(), threads=1)
        assert analyze.default_model().kernels == "builtin"
    finally:
        analyze.configure_default_model(kernels="xnnpack", threads=1)


def test_worker_count_comes_from_physical_cores():
    cores = machine.physical_cores()
    assert 1 <= cores <= os.cpu_count()
    allowed = os.sched_getaffinity(0)
    siblings = set()
    for path in glob.glob("/sys/devices/system/cpu/cpu[0-9]*/topology/thread_siblings_list"):
        cpu = int(Path(path).parts[-3][3:])
        if cpu in allowed:
            siblings.add(Path(path).read_text().strip())
    if siblings:
        assert cores == len(siblings)
    assert default_workers() == (cores - 1 if cores >= 3 else cores)
    assert default_workers() >= 1
    assert cnn_choice.threads_per_worker(cores) == 1
    assert cnn_choice.threads_per_worker(1) == min(cnn.MAX_THREADS, cores)
