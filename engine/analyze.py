"""One file in, one analysis out: decode → DSP features → CNN tags and embedding.

:func:`analyze_file` is a pure function of the file's contents and the shipped
model; the worker processes of :mod:`soundalike.library.analysis` call it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from soundalike.engine import audio, dsp
from soundalike.engine.errors import AnalysisError, SoundalikeError

#: Bumped whenever decoding, features or the model change in a way that makes stored
#: results incomparable; tracks analysed with another version are analysed again.
ANALYSIS_VERSION = 2  # 2: rewritten musicnn graph, one central patch per excerpt


@dataclass(slots=True)
class AnalysisResult:
    """What the analysis knows about one track.

    Attributes
    ----------
    features : np.ndarray, shape (len(dsp.FEATURE_NAMES),), float32
    tags : np.ndarray, shape (50,), float32 — musicnn MSD tag probabilities
    embedding : np.ndarray, shape (200,), float32 — musicnn penultimate layer
    duration : float — whole-file duration in seconds
    version : int — :data:`ANALYSIS_VERSION`
    timings : dict — seconds spent per stage: ``decode``, ``dsp``, ``cnn``
    """

    features: np.ndarray
    tags: np.ndarray
    embedding: np.ndarray
    duration: float
    version: int = ANALYSIS_VERSION
    timings: dict[str, float] = field(default_factory=dict)


_default_model = None
_default_options = {"kernels": "xnnpack", "threads": 1}


def configure_default_model(*, kernels: str = "xnnpack", threads: int = 1) -> None:
    """Choose the LiteRT path of :func:`default_model` (``TagModel`` *kernels* and
    *threads*); a loaded default model with other options is dropped. The library
    passes the path it measured fastest here (``library.cnn_choice``)."""
    global _default_model
    options = {"kernels": kernels, "threads": int(threads)}
    if options != _default_options:
        _default_options.update(options)
        _default_model = None


def default_model():
    """The process-wide tagging model (loaded once per process; XNNPACK on one thread
    unless :func:`configure_default_model` chose otherwise)."""
    global _default_model
    if _default_model is None:
        from soundalike.engine.cnn import TagModel

        _default_model = TagModel(**_default_options)
    return _default_model


def analyze_file(path: str | Path, *, model=None) -> AnalysisResult:
    """Analyse one audio file.

    Parameters
    ----------
    path : str or Path
        The audio file.
    model : TagModel, optional
        The tagging model; the process-wide default when omitted.

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
    model = model if model is not None else default_model()
    timings: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        decoded = audio.load(path)
        t1 = time.perf_counter()
        features = dsp.features(decoded.segments, decoded.sr)
        t2 = time.perf_counter()
        tags, embedding = model.predict(decoded.segments, decoded.sr)
        t3 = time.perf_counter()
    except SoundalikeError:
        raise
    except MemoryError as exc:
        raise AnalysisError("ran out of memory while analysing") from exc
    except Exception as exc:  # a library bug or an input nobody foresaw: report, don't crash
        raise AnalysisError(f"analysis failed ({type(exc).__name__}: {exc})") from exc
    timings.update(decode=t1 - t0, dsp=t2 - t1, cnn=t3 - t2)
    return AnalysisResult(
        features=np.asarray(features, dtype=np.float32),
        tags=np.asarray(tags, dtype=np.float32),
        embedding=np.asarray(embedding, dtype=np.float32),
        duration=float(decoded.duration),
        timings=timings,
    )
