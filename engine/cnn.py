"""Music tagging CNNs: musicnn's Million Song Dataset and MagnaTagATune models, as TFLite.

Two models of the same architecture (Pons & Serra 2019, ``MSD_musicnn`` and
``MTT_musicnn``; see ``models/MODEL_CARD.md``) each map a 3-second log-mel patch to 50
tag probabilities and a 200-d penultimate embedding. MSD's tags are genres, eras and
moods (Last.fm); MTT's name instruments and styles MSD cannot (strings, piano, violin,
choir, harpsichord, classical, techno). :class:`TagModel` runs one of them with LiteRT
on one thread and averages over a track's patches; both run on the same patches
(:func:`track_patches`, computed once). The front end (:func:`log_mel`) reproduces the
training spectrogram exactly, but in float32 (musicnn's own float16 ``10000 * x``
overflows to inf on loud audio).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from soundalike.engine.errors import AudioError, ModelError

#: Sample rate, FFT size, hop, mel bands and patch length the model was trained with.
SR = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # 3 s at 16 kHz / 256
EMBEDDING_DIMS = 200
#: Patches per interpreter call (activations are ≈ 25 MB per patch).
CHUNK = 4

#: Folder of the shipped models, their labels and card (``soundalike/models``).
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"


def _labels(name: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (MODELS_DIR / name).read_text("utf-8").splitlines()
                 if line.strip())


#: The 50 MSD tags in the model's output order, as the build script wrote them
#: (``models/labels.txt``; one source for the build and the runtime).
TAG_LABELS: tuple[str, ...] = _labels("labels.txt")
#: The 50 MagnaTagATune tags of the MTT model, in its output order (``models/labels_mtt.txt``).
MTT_LABELS: tuple[str, ...] = _labels("labels_mtt.txt")

#: The 28 tags that name a genre, in TAG_LABELS order.
GENRE_LABELS: tuple[str, ...] = (
    "rock", "pop", "alternative", "indie", "electronic", "dance", "alternative rock",
    "jazz", "metal", "classic rock", "soul", "indie rock", "electronica", "folk", "punk",
    "blues", "hard rock", "ambient", "experimental", "Hip-Hop", "country", "funk",
    "electro", "heavy metal", "Progressive rock", "rnb", "indie pop", "House",
)  # fmt: skip

#: Indices of GENRE_LABELS in TAG_LABELS.
GENRE_INDEX: np.ndarray = np.array([TAG_LABELS.index(g) for g in GENRE_LABELS], dtype=np.intp)

#: MTT tags that name a style or genre (explanations, the map's colours). The rest of the
#: MTT vocabulary is instruments (:data:`MTT_INSTRUMENTS`), voices ("male vocal", "no
#: vocals", …) and tempo or loudness words the DSP features already describe.
MTT_STYLES: tuple[str, ...] = (
    "classical", "techno", "electronic", "rock", "ambient", "pop", "dance", "country",
    "metal", "indian", "opera", "new age",
)  # fmt: skip
#: MTT tags that name an instrument or an ensemble.
MTT_INSTRUMENTS: tuple[str, ...] = (
    "strings", "piano", "violin", "guitar", "drums", "synth", "harpsichord", "flute",
    "sitar", "choir", "harp", "cello",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tagger:
    """One shipped tagging model: its key, file and output vocabulary."""

    name: str                  # "msd" | "mtt"
    title: str                 # what `soundalike status` calls it
    file: str                  # in MODELS_DIR
    labels: tuple[str, ...]    # output order of its tags

    @property
    def path(self) -> Path:
        return MODELS_DIR / self.file


#: The two shipped models. An analysis stores the MSD outputs as ``tags`` /
#: ``embedding`` and the MTT outputs as ``mtt_tags`` / ``mtt_embedding``.
TAGGERS: dict[str, Tagger] = {
    "msd": Tagger("msd", "musicnn MSD (genres, eras, moods)", "musicnn_msd.tflite", TAG_LABELS),
    "mtt": Tagger("mtt", "musicnn MTT (instruments, styles)", "musicnn_mtt.tflite", MTT_LABELS),
}
MODEL_FILE = TAGGERS["msd"].file


def tag_vocabulary() -> dict[str, tuple[str, ...]]:
    """Every tag word an analysis stores, per model, in stored order.

    Returns
    -------
    dict
        ``{"msd": 50 words (an analysis's ``tags``), "mtt": 50 words (its ``mtt_tags``)}``.
        Some words occur in both (rock, pop, electronic, dance, metal, ambient, country,
        guitar); :func:`tag_words` gives the union.
    """
    return {name: t.labels for name, t in TAGGERS.items()}


def tag_words() -> tuple[str, ...]:
    """The union of :func:`tag_vocabulary`'s words, lower case, MSD order first."""
    seen: dict[str, None] = {}
    for labels in tag_vocabulary().values():
        for w in labels:
            seen.setdefault(w.lower(), None)
    return tuple(seen)


def default_model_path(model: str = "msd") -> Path:
    """Path of a shipped model file (``soundalike/models/musicnn_msd.tflite`` or
    ``musicnn_mtt.tflite``)."""
    return _tagger(model).path


def _tagger(model: str) -> Tagger:
    try:
        return TAGGERS[model]
    except KeyError:
        raise ValueError(f"unknown tagging model {model!r} (choose from "
                         f"{', '.join(TAGGERS)})") from None


def genre_vector(tags: np.ndarray) -> np.ndarray:
    """Genre probabilities: the genre subset of the tags, renormalised to sum 1.

    Parameters
    ----------
    tags : np.ndarray, shape (..., 50)
        Tag probabilities in :data:`TAG_LABELS` order.

    Returns
    -------
    np.ndarray, shape (..., 28), float32
        In :data:`GENRE_LABELS` order; uniform where all genre tags are zero.
    """
    tags = np.asarray(tags, dtype=np.float32)
    if tags.shape[-1] != len(TAG_LABELS):
        raise ValueError(f"expected {len(TAG_LABELS)} tag values, got {tags.shape[-1]}")
    g = np.clip(tags[..., GENRE_INDEX], 0.0, None)
    total = g.sum(axis=-1, keepdims=True)
    uniform = np.full_like(g, 1.0 / len(GENRE_LABELS))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, g / np.where(total > 0, total, 1.0), uniform).astype(np.float32)


#: The words :func:`top_style` chooses from: MSD's genres and MTT's styles (shared words once).
STYLE_WORDS: tuple[str, ...] = tuple(dict.fromkeys(
    [g.lower() for g in GENRE_LABELS] + list(MTT_STYLES)))
_MSD_STYLE = np.array([STYLE_WORDS.index(g.lower()) for g in GENRE_LABELS], np.intp)
_MTT_STYLE_COLS = np.array([MTT_LABELS.index(w) for w in MTT_STYLES], np.intp)
_MTT_STYLE = np.array([STYLE_WORDS.index(w) for w in MTT_STYLES], np.intp)


def style_scores(tags: np.ndarray, mtt_tags: np.ndarray | None = None) -> np.ndarray:
    """Each track's probability for every word of :data:`STYLE_WORDS`.

    A word both models know (rock, electronic, ambient, …) takes the larger of the two
    probabilities; MSD-only words come from *tags*, MTT-only ones (classical, techno,
    opera, …) from *mtt_tags* (0 without it).

    Parameters
    ----------
    tags : np.ndarray, shape (n, 50)
        MSD tag probabilities.
    mtt_tags : np.ndarray, shape (n, 50), optional
        MTT tag probabilities (rows of NaN count as absent).

    Returns
    -------
    np.ndarray, shape (n, len(STYLE_WORDS)), float32
    """
    tags = np.atleast_2d(np.asarray(tags, dtype=np.float32))
    out = np.zeros((len(tags), len(STYLE_WORDS)), np.float32)
    out[:, _MSD_STYLE] = np.nan_to_num(tags[:, GENRE_INDEX])
    if mtt_tags is not None:
        m = np.nan_to_num(np.atleast_2d(np.asarray(mtt_tags, dtype=np.float32))[:, _MTT_STYLE_COLS])
        out[:, _MTT_STYLE] = np.maximum(out[:, _MTT_STYLE], m)
    return out


def top_style(tags: np.ndarray, mtt_tags: np.ndarray | None = None) -> list[str]:
    """The most probable style word of each track over both vocabularies.

    "classical" for an orchestral track (which MSD alone would call jazz or rock);
    MSD's top genre when there are no MTT tags.

    Returns
    -------
    list of str, one per row, from :data:`STYLE_WORDS`
    """
    return [STYLE_WORDS[i] for i in style_scores(tags, mtt_tags).argmax(axis=1)]


@lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    """The 96 Slaney mel filters (``librosa.filters.mel`` defaults), shape (96, 257), float32."""
    from soundalike.engine import spectral

    return spectral.mel_filterbank(SR, N_FFT, N_MELS)


def log_mel(y16k: np.ndarray) -> np.ndarray:
    """Log-compressed mel spectrogram exactly as the model was trained on, in float32.

    Centred STFT (Hann, ``n_fft`` 512, hop 256, reflect padding as librosa 0.6 did at
    training time), power spectrum, 96 Slaney-normalised mel bands, then
    ``log10(1 + 10000 * mel)``.

    Parameters
    ----------
    y16k : np.ndarray, shape (n,)
        Mono audio at 16 kHz. Non-finite samples are treated as silence. Signals shorter
        than one FFT frame are zero-padded to one frame.

    Returns
    -------
    np.ndarray, shape (frames, 96), float32
        ``frames = 1 + n // 256``.
    """
    from soundalike.engine import spectral

    y = np.squeeze(np.asarray(y16k, dtype=np.float32))
    if y.ndim > 1:
        raise ValueError(f"expected mono audio (1-D), got shape {np.shape(y16k)}")
    y = np.nan_to_num(y.reshape(-1), nan=0.0, posinf=0.0, neginf=0.0)
    if y.size < N_FFT:
        y = np.pad(y, (0, N_FFT - y.size))
    power = spectral.stft_magnitude(y, N_FFT, HOP, pad_mode="reflect", power=2).T
    mel = power @ _mel_basis().T  # (frames, 96), float32
    return np.log10(np.float32(1.0) + np.float32(10000.0) * mel)


def patches(mel: np.ndarray) -> np.ndarray:
    """Cut a log-mel spectrogram into non-overlapping 3-second patches.

    Parameters
    ----------
    mel : np.ndarray, shape (frames, 96)

    Returns
    -------
    np.ndarray, shape (n, 187, 96), float32
        ``n = frames // 187``; trailing frames that do not fill a patch are dropped
        (as musicnn does). A spectrogram shorter than one patch is repeated until it
        fills one ("repeat-pad", musicnn's training setting for short clips), so any
        non-empty input gives at least one patch. An empty input gives ``n = 0``.
    """
    mel = np.asarray(mel, dtype=np.float32)
    if mel.ndim != 2 or mel.shape[1] != N_MELS:
        raise ValueError(f"expected a (frames, {N_MELS}) spectrogram, got shape {mel.shape}")
    frames = mel.shape[0]
    if frames == 0:
        return np.zeros((0, PATCH_FRAMES, N_MELS), dtype=np.float32)
    if frames < PATCH_FRAMES:
        mel = np.tile(mel, (-(-PATCH_FRAMES // frames), 1))[:PATCH_FRAMES]
        frames = PATCH_FRAMES
    n = frames // PATCH_FRAMES
    return np.ascontiguousarray(mel[: n * PATCH_FRAMES].reshape(n, PATCH_FRAMES, N_MELS))


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence what native code writes to file descriptor 2 (Python's own errors still raise)."""
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class TagModel:
    """A shipped musicnn tagger (MSD or MTT), run with LiteRT.

    Parameters
    ----------
    model_path : str or Path, optional
        A ``.tflite`` file; the shipped file of *model* when omitted.
    model : {"msd", "mtt"}, keyword-only
        Which of :data:`TAGGERS` it is (its vocabulary, and the default file).
    threads : int, keyword-only
        Interpreter threads (default 1: analysis parallelises across processes).
    kernels : {"xnnpack", "builtin"}, keyword-only
        Which LiteRT path runs the graph: ``"xnnpack"`` (LiteRT's default, the XNNPACK
        delegate) or ``"builtin"`` (LiteRT's own kernels, no delegate). Which is faster
        depends on the CPU; :func:`measure_kernels` times both. Outputs agree to
        float32 rounding (tags within ~1e-3).

    Raises
    ------
    ModelError
        The model file is missing, unreadable, or not this model.
    ValueError
        *kernels* is not one of :data:`KERNELS`, or *threads* < 1.

    Notes
    -----
    One interpreter per instance; :meth:`predict` is serialised by a lock, so an
    instance may be shared between threads but runs one track at a time.
    """

    def __init__(self, model_path: str | Path | None = None, *, model: str = "msd",
                 threads: int = 1, kernels: str = "xnnpack") -> None:
        self.tagger = _tagger(model)
        self.labels = self.tagger.labels
        if kernels not in KERNELS:
            raise ValueError(f"kernels must be one of {', '.join(KERNELS)}; got {kernels!r}")
        if int(threads) < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.path = Path(model_path) if model_path is not None else self.tagger.path
        self.kernels = kernels
        self.threads = int(threads)
        if not self.path.is_file():
            raise ModelError(f"tagging model not found: {self.path}")
        try:
            from ai_edge_litert.interpreter import Interpreter, OpResolverType

            options = {}
            if kernels == "builtin":
                options["experimental_op_resolver_type"] = (
                    OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
            with _quiet_native_stderr():  # LiteRT announces its XNNPACK delegate on fd 2
                self._interp = Interpreter(model_path=str(self.path),
                                           num_threads=self.threads, **options)
                self._interp.allocate_tensors()
        except Exception as exc:  # LiteRT raises ValueError/RuntimeError on broken files
            raise ModelError(f"tagging model cannot be loaded: {self.path} ({exc})") from exc
        inputs = self._interp.get_input_details()
        outputs = {int(d["shape"][-1]): d["index"] for d in self._interp.get_output_details()}
        if (
            len(inputs) != 1
            or tuple(inputs[0]["shape"][1:]) != (PATCH_FRAMES, N_MELS)
            or set(outputs) != {len(self.labels), EMBEDDING_DIMS}
        ):
            raise ModelError(f"not a musicnn tagging model: {self.path}")
        self._input = inputs[0]["index"]
        self._tags_out = outputs[len(self.labels)]
        self._emb_out = outputs[EMBEDDING_DIMS]
        self._batch = int(inputs[0]["shape"][0])
        self._lock = threading.Lock()

    def _run(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if batch.shape[0] != self._batch:
            self._interp.resize_tensor_input(self._input, list(batch.shape))
            self._interp.allocate_tensors()
            self._batch = batch.shape[0]
        self._interp.set_tensor(self._input, batch)
        self._interp.invoke()
        return (
            self._interp.get_tensor(self._tags_out).copy(),
            self._interp.get_tensor(self._emb_out).copy(),
        )

    def predict_patches(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-patch outputs.

        Parameters
        ----------
        batch : np.ndarray, shape (n, 187, 96)
            Log-mel patches from :func:`patches`.

        Returns
        -------
        tags : np.ndarray, shape (n, 50), float32
        embedding : np.ndarray, shape (n, 200), float32
        """
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        tags, embs = [], []
        with self._lock:
            for start in range(0, len(batch), CHUNK):
                t, e = self._run(batch[start : start + CHUNK])
                tags.append(t)
                embs.append(e)
        if not tags:
            return (np.zeros((0, len(self.labels)), np.float32),
                    np.zeros((0, EMBEDDING_DIMS), np.float32))
        return np.concatenate(tags), np.concatenate(embs)

    def predict(self, segments: list[np.ndarray], sr: int) -> tuple[np.ndarray, np.ndarray]:
        """Tag probabilities and embedding of a track: the mean over its central patches.

        One 3-s patch per excerpt: patch ``n // 2`` of the ``n`` that the excerpt would
        cut into (for a 12-s excerpt, the 3 s starting at its centre; for audio shorter
        than two patches, its first, repeat-padded as :func:`patches` does). The patch
        budget experiment chose this: 3 patches per track are within noise of all 12 on
        the dev corpus at a quarter of the CNN's cost (benchmarks/RESULTS.md, "Patch
        budget"). :func:`central_patch` computes only that patch's log-mel.

        Parameters
        ----------
        segments : list of np.ndarray, each shape (n,)
            Mono excerpts of the track (resampled to 16 kHz when ``sr`` differs).
        sr : int
            Sample rate of ``segments``.

        Returns
        -------
        tags : np.ndarray, shape (50,), float32
            In the order of this model's :attr:`labels`.
        embedding : np.ndarray, shape (200,), float32

        Raises
        ------
        AudioError
            There is no audio at all (every segment is empty).
        """
        return self.predict_track(track_patches(segments, sr))

    def predict_track(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A track's tags and embedding from its :func:`track_patches` (the mean over them),
        so several models can share one front end.

        Raises
        ------
        AudioError
            *batch* is empty (the track has no audio).
        """
        if not len(batch):
            raise AudioError("no audio to analyse (all excerpts are empty)")
        tags, emb = self.predict_patches(batch)
        return tags.mean(axis=0, dtype=np.float64).astype(np.float32), emb.mean(
            axis=0, dtype=np.float64
        ).astype(np.float32)


def track_patches(segments: list[np.ndarray], sr: int) -> np.ndarray:
    """The patches :meth:`TagModel.predict` runs the model on: one per non-empty segment.

    Parameters
    ----------
    segments : list of np.ndarray, each shape (n,)
        Mono excerpts (resampled to 16 kHz when ``sr`` differs).
    sr : int
        Sample rate of ``segments``.

    Returns
    -------
    np.ndarray, shape (k, 187, 96), float32
        :func:`central_patch` of each of the ``k`` non-empty segments.
    """
    if sr <= 0:
        raise ValueError(f"sample rate must be positive, got {sr}")
    cut = []
    for seg in segments:
        y = np.squeeze(np.asarray(seg, dtype=np.float32))
        if y.ndim > 1:
            raise ValueError(f"segments must be mono (1-D), got shape {np.shape(seg)}")
        y = y.reshape(-1)
        if y.size == 0:
            continue
        if sr != SR:
            from soundalike.engine.audio import resample

            y = resample(y, sr, SR)
        cut.append(central_patch(y))
    if not cut:
        return np.zeros((0, PATCH_FRAMES, N_MELS), np.float32)
    return np.stack(cut)


def central_patch(y16k: np.ndarray) -> np.ndarray:
    """The log-mel patch ``n // 2`` of the ``n`` that ``patches(log_mel(y16k))`` gives.

    Computes the spectrogram of that patch's 3 s only, with the same values as the
    whole excerpt's (its frames see the same samples; no edge padding reaches them).
    Audio shorter than two patches gives the first (repeat-padded) patch.

    Parameters
    ----------
    y16k : np.ndarray, shape (n,)
        Mono audio at 16 kHz.

    Returns
    -------
    np.ndarray, shape (187, 96), float32
    """
    y = np.asarray(y16k, dtype=np.float32).reshape(-1)
    n = (1 + y.size // HOP) // PATCH_FRAMES
    if n < 2:
        return patches(log_mel(y))[0]
    first = (n // 2) * PATCH_FRAMES  # first frame of the patch (n >= 2, so first >= 187)
    # Frame f of a centred STFT covers samples [f·HOP − N_FFT/2, f·HOP + N_FFT/2); start
    # the slice two frames early so its own centring pads only frames that are dropped.
    start = (first - 2) * HOP
    mel = log_mel(y[start : start + (PATCH_FRAMES + 3) * HOP])
    return np.ascontiguousarray(mel[2 : 2 + PATCH_FRAMES])


# -- which LiteRT path runs the model fastest on this CPU ----------------------------------

#: The LiteRT paths :class:`TagModel` can take: the XNNPACK delegate (LiteRT's default)
#: or LiteRT's builtin kernels without any delegate.
KERNELS: tuple[str, ...] = ("xnnpack", "builtin")
#: Most interpreter threads a multi-threaded candidate gets.
MAX_THREADS = 4
#: A multi-threaded candidate wins only when its wall time per patch is below this
#: fraction of the best single-threaded one (an extra core must buy a clear gain).
THREADED_GAIN = 0.8


@dataclass(frozen=True, slots=True)
class KernelTiming:
    """One measured candidate: milliseconds per 3-second patch, best of a few invokes.

    ``cpu_ms`` is process CPU time (all threads), ``wall_ms`` elapsed time. A
    single-threaded candidate is judged by CPU time (unaffected by other processes
    competing for the cores), a multi-threaded one by wall time (its point is to
    finish sooner on idle cores); :attr:`ms_per_patch` is that figure.
    """

    kernels: str
    threads: int
    cpu_ms: float
    wall_ms: float

    @property
    def ms_per_patch(self) -> float:
        return self.cpu_ms if self.threads == 1 else self.wall_ms

    def as_dict(self) -> dict:
        return {"kernels": self.kernels, "threads": self.threads,
                "ms_per_patch": round(self.ms_per_patch, 2),
                "cpu_ms": round(self.cpu_ms, 2), "wall_ms": round(self.wall_ms, 2)}


@dataclass(frozen=True, slots=True)
class KernelChoice:
    """The outcome of :func:`measure_kernels`: the winner and every candidate's time."""

    kernels: str
    threads: int
    ms_per_patch: float
    timings: tuple[KernelTiming, ...]
    seconds: float = 0.0  # how long the whole measurement took (wall)


def choose_kernels(timings, *, max_threads: int = 1) -> KernelTiming:
    """The fastest candidate among *timings* that uses at most *max_threads* threads.

    Single-threaded candidates compete on CPU time per patch (ties go to the earlier
    entry, XNNPACK first). A multi-threaded one replaces the winner only when its
    wall time is below :data:`THREADED_GAIN` × the winner's.

    Raises
    ------
    ValueError
        No single-threaded candidate among *timings*.
    """
    timings = list(timings)
    single = [t for t in timings if t.threads == 1]
    if not single:
        raise ValueError("no single-threaded timing to choose from")
    best = min(single, key=lambda t: t.cpu_ms)
    threaded = [t for t in timings if 1 < t.threads <= max_threads]
    if threaded:
        fastest = min(threaded, key=lambda t: t.wall_ms)
        if fastest.wall_ms < THREADED_GAIN * best.wall_ms:
            return fastest
    return best


def benchmark_patches(n: int = 2) -> np.ndarray:
    """A fixed, deterministic batch of *n* log-mel-like patches (values 0…3) for timing."""
    rng = np.random.default_rng(20261201)
    return rng.uniform(0.0, 3.0, size=(n, PATCH_FRAMES, N_MELS)).astype(np.float32)


def time_kernels(model_path: str | Path | None = None, *, kernels: str = "xnnpack",
                 threads: int = 1, patches: int = 1, repeats: int = 3) -> KernelTiming:
    """Time one LiteRT path on the real model.

    Builds a :class:`TagModel`, runs :func:`benchmark_patches` once to warm up, then
    *repeats* more times; reports the best CPU and wall time, per patch, in ms.

    Raises
    ------
    ModelError
        The model file is missing or broken.
    """
    model = TagModel(model_path, threads=threads, kernels=kernels)
    batch = benchmark_patches(max(1, min(patches, CHUNK)))
    model.predict_patches(batch)  # warm-up: allocation, weight packing, caches
    cpu = wall = float("inf")
    for _ in range(max(1, repeats)):
        c0, w0 = time.process_time(), time.perf_counter()
        model.predict_patches(batch)
        cpu = min(cpu, time.process_time() - c0)
        wall = min(wall, time.perf_counter() - w0)
    n = len(batch)
    return KernelTiming(kernels, int(threads), 1000.0 * cpu / n, 1000.0 * wall / n)


def measure_kernels(model_path: str | Path | None = None, *, max_threads: int = 1,
                    patches: int = 1, repeats: int = 3) -> KernelChoice:
    """Time every LiteRT path on the real model and pick the fastest.

    The candidates are XNNPACK and builtin kernels on one thread each (analysis runs
    one single-threaded model per worker process). When the caller has idle cores
    (``max_threads`` > 1, e.g. one worker on a 4-core machine), the faster of the two
    is also timed on ``min(max_threads, MAX_THREADS)`` threads. About 0.5–1 s per
    candidate with the defaults (model load, one warm-up and three timed patches).

    Parameters
    ----------
    model_path : str or Path, optional
        The model to time; the shipped one when omitted.
    max_threads : int
        Interpreter threads one model may use (1: no multi-threaded candidate).
    patches, repeats : int
        Patches per invoke and timed invokes per candidate (after one warm-up).

    Returns
    -------
    KernelChoice

    Raises
    ------
    ModelError
        The model file is missing or broken.
    """
    t0 = time.perf_counter()
    timings = [time_kernels(model_path, kernels=k, threads=1, patches=patches, repeats=repeats)
               for k in KERNELS]
    threads = min(int(max_threads), MAX_THREADS)
    if threads > 1:
        best = choose_kernels(timings)
        timings.append(time_kernels(model_path, kernels=best.kernels, threads=threads,
                                    patches=patches, repeats=repeats))
    pick = choose_kernels(timings, max_threads=threads)
    return KernelChoice(pick.kernels, pick.threads, pick.ms_per_patch, tuple(timings),
                        time.perf_counter() - t0)
