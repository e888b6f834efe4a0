"""One file in, one analysis out: decode → DSP features → both CNNs' tags and embeddings.

:func:`analyze_file` is a pure function of the file's contents and the shipped
models; the worker processes of :mod:`soundalike.library.analysis.controller` call it.
:func:`analyze_mtt` computes only what version 3 added to version 2 (the MTT model's
outputs, on the same patches), so a version-2 analysis is upgraded without redoing its
DSP features and MSD outputs.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from soundalike.engine import audio, dsp
from soundalike.engine.errors import AnalysisError, SoundalikeError

#: Bumped whenever decoding, features or the model change in a way that makes stored
#: results incomparable; tracks analysed with another version are analysed again.
ANALYSIS_VERSION = 3  # 2: rewritten musicnn graph, one central patch per excerpt; 3: + MTT
#: Older versions whose stored results stay valid: the analysis adds what they lack
#: (:func:`analyze_mtt` for version 2: same decoding, DSP and MSD model, no MTT outputs)
#: instead of starting over, and recommendations use them meanwhile.
UPGRADABLE_VERSIONS: tuple[int, ...] = (2,)
#: Versions whose analyses recommendations, the map and radio may use.
USABLE_VERSIONS: tuple[int, ...] = (ANALYSIS_VERSION, *UPGRADABLE_VERSIONS)


@dataclass(slots=True)
class AnalysisResult:
    """What the analysis knows about one track.

    Attributes
    ----------
    features : np.ndarray, shape (len(dsp.FEATURE_NAMES),), float32
    tags : np.ndarray, shape (50,), float32 — musicnn MSD tag probabilities
    embedding : np.ndarray, shape (200,), float32 — MSD model's penultimate layer
    duration : float — whole-file duration in seconds
    mtt_tags : np.ndarray, shape (50,), float32 — musicnn MTT tag probabilities
        (``engine.cnn.MTT_LABELS`` order)
    mtt_embedding : np.ndarray, shape (200,), float32 — MTT model's penultimate layer
    version : int — :data:`ANALYSIS_VERSION`
    timings : dict — seconds spent per stage: ``decode``, ``dsp``, ``cnn`` (MSD, with the
        shared log-mel patches), ``mtt``
    """

    features: np.ndarray
    tags: np.ndarray
    embedding: np.ndarray
    duration: float
    mtt_tags: np.ndarray | None = None
    mtt_embedding: np.ndarray | None = None
    version: int = ANALYSIS_VERSION
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class MttResult:
    """What :func:`analyze_mtt` adds to a version-2 analysis."""

    mtt_tags: np.ndarray
    mtt_embedding: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)


_default_models: dict[str, object] = {}
_default_options = {"kernels": "xnnpack", "threads": 1}


def configure_default_model(*, kernels: str = "xnnpack", threads: int = 1) -> None:
    """Choose the LiteRT path of :func:`default_model` (``TagModel`` *kernels* and
    *threads*, for both models: they share one architecture); loaded default models
    with other options are dropped. The library passes the path it measured fastest
    here (``library.analysis.cnn_choice``)."""
    options = {"kernels": kernels, "threads": int(threads)}
    if options != _default_options:
        _default_options.update(options)
        _default_models.clear()


def default_model(model: str = "msd"):
    """The process-wide tagging model *model* (``"msd"`` or ``"mtt"``; each loaded once
    per process; XNNPACK on one thread unless :func:`configure_default_model` chose
    otherwise)."""
    if model not in _default_models:
        from soundalike.engine.cnn import TagModel

        _default_models[model] = TagModel(model=model, **_default_options)
    return _default_models[model]


def analyze_file(path: str | Path, *, model=None, mtt_model=None) -> AnalysisResult:
    """Analyse one audio file.

    Parameters
    ----------
    path : str or Path
        The audio file.
    model, mtt_model : TagModel, optional
        The MSD and MTT tagging models; the process-wide defaults when omitted. Both
        run on the same patches (``cnn.track_patches``, computed once).

    Returns
    -------
    AnalysisResult

    Raises
    ------
    AudioError
        The file cannot be decoded (the message says why, in plain words).
    ModelError
        The shipped model is missing or broken.
    AnalysisError
        Anything else that went wrong, with a plain description.
    """
    from soundalike.engine import cnn

    model = model if model is not None else default_model("msd")
    mtt_model = mtt_model if mtt_model is not None else default_model("mtt")
    timings: dict[str, float] = {}
    with _plain_errors():
        t0 = time.perf_counter()
        decoded = audio.load(path)
        t1 = time.perf_counter()
        features = dsp.features(decoded.segments, decoded.sr)
        t2 = time.perf_counter()
        batch = cnn.track_patches(decoded.segments, decoded.sr)
        tags, embedding = model.predict_track(batch)
        t3 = time.perf_counter()
        mtt_tags, mtt_embedding = mtt_model.predict_track(batch)
        t4 = time.perf_counter()
    timings.update(decode=t1 - t0, dsp=t2 - t1, cnn=t3 - t2, mtt=t4 - t3)
    return AnalysisResult(
        features=np.asarray(features, dtype=np.float32),
        tags=np.asarray(tags, dtype=np.float32),
        embedding=np.asarray(embedding, dtype=np.float32),
        duration=float(decoded.duration),
        mtt_tags=np.asarray(mtt_tags, dtype=np.float32),
        mtt_embedding=np.asarray(mtt_embedding, dtype=np.float32),
        timings=timings,
    )


def analyze_mtt(path: str | Path, *, mtt_model=None) -> MttResult:
    """Only the MTT model's outputs for one file: what a version-2 analysis lacks.

    Decodes the same excerpts and cuts the same patches as :func:`analyze_file`, so the
    result equals the ``mtt_tags`` / ``mtt_embedding`` a full analysis would give; the
    DSP features and the MSD model are skipped (about half of a full analysis's work).

    Raises
    ------
    AudioError, ModelError, AnalysisError
        As :func:`analyze_file`.
    """
    from soundalike.engine import cnn

    mtt_model = mtt_model if mtt_model is not None else default_model("mtt")
    with _plain_errors():
        t0 = time.perf_counter()
        decoded = audio.load(path)
        t1 = time.perf_counter()
        mtt_tags, mtt_embedding = mtt_model.predict_track(
            cnn.track_patches(decoded.segments, decoded.sr))
        t2 = time.perf_counter()
    return MttResult(np.asarray(mtt_tags, dtype=np.float32),
                     np.asarray(mtt_embedding, dtype=np.float32),
                     {"decode": t1 - t0, "mtt": t2 - t1})


@contextlib.contextmanager
def _plain_errors():
    """Our errors pass; anything else becomes a plain-words AnalysisError."""
    try:
        yield
    except SoundalikeError:
        raise
    except MemoryError as exc:
        raise AnalysisError("ran out of memory while analysing") from exc
    except Exception as exc:  # a library bug or an input nobody foresaw: report, don't crash
        raise AnalysisError(f"analysis failed ({type(exc).__name__}: {exc})") from exc
