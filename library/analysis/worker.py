"""The body of one analysis worker process.

Kept free of heavy imports at module level: a spawned worker imports this module
first, so the thread-count variables below are set before numpy, numba or LiteRT
load. One worker uses one core: the pool, not the libraries, provides parallelism
(only with cores left idle may the tagging model's interpreter use a few threads).
"""

from __future__ import annotations

import contextlib
import os
import signal

_SINGLE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc; else peak RSS)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def release_memory() -> None:
    """Hand freed heap back to the OS between files (glibc keeps it otherwise)."""
    global _libc
    if _libc is None:
        try:
            import ctypes

            _libc = ctypes.CDLL("libc.so.6")
        except OSError:
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


_libc = None


def worker_main(conn, low_priority: bool = True, kernels: str = "xnnpack",
                threads: int = 1) -> None:
    """Serve analysis requests from *conn* until it closes or sends ``None``.

    The tagging models (MSD and MTT) run on the LiteRT path *kernels* with *threads*
    interpreter threads (the controller passes the choice of
    :mod:`soundalike.library.analysis.cnn_choice`). Requests are ``(track_id, path, job)``, *job*
    ``"full"`` (:func:`~soundalike.engine.analyze.analyze_file`) or ``"mtt"`` (only what
    a version-2 analysis lacks: :func:`~soundalike.engine.analyze.analyze_mtt`); replies
    are ``("ok", track_id, job, result, timings, rss_mb)`` with *result* a dict of the
    arrays computed (``features``, ``tags``, ``embedding``, ``duration``, ``mtt_tags``,
    ``mtt_embedding``; only the last two for ``"mtt"``), or
    ``("err", track_id, reason, rss_mb)``. The first message is
    ``("ready", rss_mb, kernels, threads)`` once the models are loaded (the path they
    really use), or ``("fatal", reason)`` when they cannot be.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the controller's to handle
    for name in _SINGLE_THREAD:
        os.environ[name] = "1"
    if low_priority:
        with contextlib.suppress(OSError):
            os.nice(10)

    if not os.environ.get("SOUNDALIKE_DEBUG"):
        _silence_stderr()  # native decoders print notes there; every outcome goes through conn

    from soundalike.engine.analyze import analyze_file, analyze_mtt
    from soundalike.engine.cnn import TagModel
    from soundalike.engine.errors import SoundalikeError

    try:
        model = TagModel(model="msd", threads=threads, kernels=kernels)
        mtt_model = TagModel(model="mtt", threads=threads, kernels=kernels)
    except SoundalikeError as exc:
        conn.send(("fatal", str(exc)))
        return
    conn.send(("ready", rss_mb(), model.kernels, model.threads))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the controller went away: nothing to report to
            return
        if request is None:
            return
        track_id, path, job = request
        try:
            if job == "mtt":
                m = analyze_mtt(path, mtt_model=mtt_model)
                result, timings = {"mtt_tags": m.mtt_tags,
                                   "mtt_embedding": m.mtt_embedding}, m.timings
            else:
                r = analyze_file(path, model=model, mtt_model=mtt_model)
                result = {"features": r.features, "tags": r.tags, "embedding": r.embedding,
                          "duration": r.duration, "mtt_tags": r.mtt_tags,
                          "mtt_embedding": r.mtt_embedding}
                timings = r.timings
            reply = ("ok", track_id, job, result, timings, rss_mb())
        except SoundalikeError as exc:
            reply = ("err", track_id, str(exc), rss_mb())
        except Exception as exc:  # never let one file take the worker down silently  # noqa: BLE001
            reply = ("err", track_id, f"analysis failed ({type(exc).__name__}: {exc})", rss_mb())
        release_memory()
        try:
            conn.send(reply[:-1] + (rss_mb(),))
        except (BrokenPipeError, OSError):
            return


def _silence_stderr() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass


def analyse_apart(path: str, *, timeout: float = 600.0):
    """Analyse one file as the pool's workers do (:func:`worker_main` in a spawned process:
    single-threaded BLAS and LiteRT, the LiteRT path measured fastest for one thread) and
    return its :class:`~soundalike.engine.analyze.AnalysisResult`.

    For a file analysed on the spot, outside the pool (``Recommender.similar_to_file``):
    in this process numpy's BLAS may already run several threads, which costs more CPU per
    track for nothing (benchmarks/RESULTS.md), and the thread settings cannot be changed
    once numpy is loaded.

    Raises
    ------
    AnalysisError
        The file cannot be analysed (the worker's plain-words reason), or the worker could
        not start or answer within *timeout* seconds.
    """
    import multiprocessing as mp
    import time

    from soundalike.engine.analyze import AnalysisResult
    from soundalike.engine.errors import AnalysisError
    from soundalike.library.analysis.cnn_choice import cached_kernels

    kernels = cached_kernels()
    ctx = mp.get_context("spawn")  # never fork a threaded (Qt) parent
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=worker_main, args=(child, False, kernels, 1),
                       name="soundalike-analysis-worker", daemon=True)
    proc.start()
    child.close()
    deadline = time.monotonic() + timeout

    def receive():
        while not parent.poll(0.1):
            if not proc.is_alive() and not parent.poll(0):
                raise AnalysisError(f"the analysis process stopped (exit code {proc.exitcode})")
            if time.monotonic() > deadline:
                raise AnalysisError(f"the analysis took longer than {timeout:.0f} s")
        return parent.recv()

    try:
        ready = receive()
        if ready[0] == "fatal":
            raise AnalysisError(ready[1])
        parent.send((0, str(path), "full"))
        reply = receive()
        with contextlib.suppress(OSError):
            parent.send(None)
    except (EOFError, OSError) as exc:
        raise AnalysisError(f"the analysis process stopped ({exc})") from None
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
        parent.close()
    if reply[0] != "ok":
        raise AnalysisError(reply[2])
    _, _, _, result, timings, _ = reply
    return AnalysisResult(**result, timings=timings)
