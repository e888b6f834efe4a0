"""The persistent similarity index: every analysed track's vectors in one memory-mapped file.

``library.db`` → ``library.index`` beside it. The file holds what a recommendation needs
per track — the hybrid vector (float32, exactly what the in-memory build computed), the
seed method's genre vector, the filters' metadata codes (hashes of the normalised artist,
album, song and content fingerprint; the duration), tempo, the energy features and the
mood tags — plus, in its header, the fitted vector model's fingerprint, the explanation
statistics and the database state it reflects. A process opens it with ``mmap`` and
answers at once; nothing is read from the analysis table but the few rows explanations
need.

Layout: ``MAGIC``, a little-endian u32 header length, the header (JSON with a SHA-1 of
itself), then each array at a page-aligned offset the header records, with a CRC-32 per
array. :func:`open_index` refuses (returns None) a file that is truncated, whose header or
small arrays fail their checksums, whose track ids are not strictly increasing or whose
sampled vectors are not unit length, or that was made for another vector model, index
format or ``engine/vectors.py``; the caller then rebuilds it from the database.

Writing is atomic: a temporary file in the same folder is filled with ``pwrite`` (so the
build's resident memory does not grow with the file), fsynced and renamed over the old
index. A process killed at any point leaves either the old index or the new one, never a
mix; the database, not the index, is the truth.

Keeping up (:class:`VectorState.catch_up`): the header records the latest ``updated_at``
of the tracks table and its row count when the index was made. Every change that matters
(an analysis saved or upgraded, a tag update, a status change) bumps ``updated_at``, so
the tracks changed since then are found through the ``updated_at`` index; their rows are
transformed with the same model and overlaid in memory (new rows appended, stale ones
marked dead), and a changed row count that the overlay does not explain (a track deleted)
reconciles the whole id set. When the overlay grows past :func:`overlay_limit` rows the
index is rebuilt (with the same model unless it is due a refit, see
:func:`model_is_fresh`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import mmap
import os
import struct
import tempfile
import threading
import weakref
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from soundalike.engine import vectors as vec
from soundalike.library.analysis.index_request import index_path  # noqa: F401 - where the file lies

MAGIC = b"SNDLKIDX"
#: Bumped whenever the file layout or what it holds changes.
INDEX_FORMAT = 1
PAGE = mmap.PAGESIZE
HEADER_SPACE = 256 * 1024
#: Rows read, transformed and written at a time while building.
CHUNK = 4096
#: Arrays above this size are not checksummed at open (reading them would cost more than
#: the query); rows of the vectors are sampled instead (hybrid rows must be unit length,
#: genre rows sum to one).
VERIFY_BYTES = 4 * 2**20
#: Seconds before the recorded ``updated_at`` watermark that a catch-up looks back: none.
#: The store stamps ``updated_at`` inside its write transactions, so stamps grow in commit
#: order and a change committed after the watermark was read is stamped at or after it
#: (a wall clock stepped back between two writes is the exception; a forced rebuild, or
#: the next change's rebuild, mends it).
LOOKBACK_SECONDS = 0.0
REFIT_GROWTH = 0.10
ALWAYS_REFIT_BELOW = 2000
_HASH_MASK = (1 << 63) - 1


class IndexUnusable(Exception):
    """An index file that cannot be used (the message says why); it is rebuilt."""


def code_of(text: str) -> int:
    """A non-negative 63-bit code of *text* (equal texts, equal codes); -1 for ``""``."""
    if not text:
        return -1
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little") & _HASH_MASK


def source_fingerprint() -> str:
    """SHA-1 of ``engine/vectors.py``: an edit there (a new vector recipe) rebuilds."""
    try:
        return hashlib.sha1(Path(vec.__file__).read_bytes()).hexdigest()[:16]
    except OSError:
        return "unknown"


def model_fingerprint(model: vec.VectorModel) -> str:
    d = model.to_dict()
    return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:20]


def model_is_fresh(model: vec.VectorModel | None, n: int, *, weights: dict, n_features: int,
                   emb_cols: int, tag_cols: int, tag_parts: tuple, emb_parts: tuple) -> bool:
    """Whether a stored *model* may serve a library of *n* tracks (else it is refitted):
    the same weights and shapes, at least :data:`ALWAYS_REFIT_BELOW` tracks, and the
    library within :data:`REFIT_GROWTH` of the size it was fitted on."""
    return (model is not None and model.weights == weights
            and len(model.feature_mask) == n_features and model.feature_group is not None
            and model.emb_mean.shape[0] == emb_cols and model.tag_mean.shape[0] == tag_cols
            and model.emb_parts == tuple(emb_parts) and model.tag_parts == tuple(tag_parts)
            and n >= ALWAYS_REFIT_BELOW
            and abs(n - model.fitted_on) <= REFIT_GROWTH * model.fitted_on)


def overlay_limit(n: int) -> int:
    """Most rows kept in the in-memory overlay before the index file is rebuilt."""
    return max(2000, n // 50)


def file_stamp(path: Path | None) -> tuple[int, int] | None:
    """(inode, mtime in ns) of the file at *path*; None when there is none."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def lenient_limit(n: int) -> int:
    """Most rows a query overlays while a background upkeep rebuilds the file (past
    :func:`overlay_limit`); beyond it the query rebuilds the file itself."""
    return max(overlay_limit(n), n // 5)


# -- the file -------------------------------------------------------------------------------
@dataclass
class IndexFile:
    """An open index file: ``header`` and ``arrays`` (read-only views on its map)."""

    path: Path | None
    header: dict
    arrays: dict[str, np.ndarray]
    _map: mmap.mmap | None = None
    _offsets: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.header["n"])

    def release(self, name: str, start: int, stop: int) -> None:
        """Drop rows *start*:*stop* of array *name* from this process's resident pages
        (they stay in the page cache): a scan over a large matrix then keeps the resident
        memory flat."""
        if self._map is None or not hasattr(mmap, "MADV_DONTNEED"):
            return
        a = self.arrays[name]
        row = a.strides[0] if a.ndim else a.itemsize
        lo = self._offsets[name] + start * row
        hi = self._offsets[name] + stop * row
        lo -= lo % PAGE
        hi -= hi % PAGE
        if hi > lo:
            with contextlib.suppress(OSError, ValueError):
                self._map.madvise(mmap.MADV_DONTNEED, lo, hi - lo)

    def close(self) -> None:
        self.arrays = {}
        if self._map is not None:
            with contextlib.suppress(BufferError):
                self._map.close()
            self._map = None


def _read_header(fd: int, size: int) -> dict:
    if size < len(MAGIC) + 4:
        raise IndexUnusable("the file is too short")
    head = os.pread(fd, len(MAGIC) + 4, 0)
    if head[:len(MAGIC)] != MAGIC:
        raise IndexUnusable("not a Soundalike index file")
    (length,) = struct.unpack("<I", head[len(MAGIC):])
    if length > HEADER_SPACE or len(MAGIC) + 4 + length > size:
        raise IndexUnusable("its header is cut short")
    raw = os.pread(fd, length, len(MAGIC) + 4)
    try:
        outer = json.loads(raw)
        body = outer["header"]
        digest = hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexUnusable(f"its header is unreadable ({exc})") from None
    if digest != outer.get("sha1"):
        raise IndexUnusable("its header does not match its checksum")
    return body


def open_index(path: Path, expect: dict | None = None) -> IndexFile:
    """Open and check the index file at *path*; *expect* are header values it must have
    (format, vector version, …).

    Raises
    ------
    IndexUnusable
        Missing, truncated, damaged or made for something else (the message says which).
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise IndexUnusable("there is none yet") from None
    except OSError as exc:
        raise IndexUnusable(f"it cannot be read ({exc.strerror or exc})") from None
    key = None
    try:
        st = os.fstat(fd)
        key = (str(path), st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
        with _OPEN_LOCK:
            shared = _OPEN.get(key)
        if shared is not None and all(shared.header.get(k) == v
                                      for k, v in (expect or {}).items()):
            os.close(fd)
            fd = -1
            return shared
    except OSError:
        pass
    try:
        size = os.fstat(fd).st_size
        header = _read_header(fd, size)
        for key, value in (expect or {}).items():
            if header.get(key) != value:
                raise IndexUnusable(f"it was made for another {key.replace('_', ' ')}")
        if int(header.get("file_size", -1)) != size:
            raise IndexUnusable("it is cut short or has trailing bytes")
        _check_vectors(fd, header)
        mm = mmap.mmap(fd, size, access=mmap.ACCESS_READ) if size else None
    except OSError as exc:
        raise IndexUnusable(f"it cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    file = _attach(path, header, mm)
    if key is not None:
        with _OPEN_LOCK:
            _OPEN[key] = file
    return file


#: index files open in this process, by path and identity: the player's recommender and its
#: map share one map of the file (its pages are resident once). Weak: a file nobody uses
#: any more is unmapped.
_OPEN: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_OPEN_LOCK = threading.Lock()


def _check_vectors(fd: int, header: dict, samples: int = 1024) -> None:
    """Sampled hybrid rows must be unit length and genre rows sum to one (read with
    ``pread``: touching rows all over a memory map would map large pages of it)."""
    try:
        n = int(header["n"])
        parts = {name: header["arrays"][name] for name in ("hybrid", "genres")}
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexUnusable(f"its layout is unreadable ({exc})") from None
    if n == 0:
        return
    rows = np.unique(np.linspace(0, n - 1, min(n, samples)).astype(np.int64))
    values = {}
    for name, (offset, dtype, width, _crc) in parts.items():
        dt = np.dtype(dtype)
        row = dt.itemsize * int(width)
        values[name] = np.array([np.frombuffer(os.pread(fd, row, int(offset) + int(r) * row),
                                               dt) for r in rows], np.float64)
        if values[name].shape != (len(rows), int(width)):
            raise IndexUnusable("its vectors are cut short")
    norms = np.linalg.norm(values["hybrid"], axis=1)
    sums = values["genres"].sum(axis=1)
    if not (np.all(np.abs(norms - 1.0) < 1e-3) and np.all(np.abs(sums - 1.0) < 1e-3)):
        raise IndexUnusable("its vectors are damaged")


def _attach(path: Path | None, header: dict, mm: mmap.mmap | None, *,
            verify: bool = True) -> IndexFile:
    arrays: dict[str, np.ndarray] = {}
    offsets: dict[str, int] = {}
    n = int(header["n"])
    try:
        for name, (offset, dtype, width, crc) in header["arrays"].items():
            shape = (n,) if width == 0 else (n, int(width))
            count = int(np.prod(shape))
            a = np.frombuffer(mm, dtype=np.dtype(dtype), count=count,
                              offset=int(offset)).reshape(shape) if count else \
                np.zeros(shape, np.dtype(dtype))
            if verify and a.nbytes <= VERIFY_BYTES and zlib.crc32(a) != int(crc):
                raise IndexUnusable(f"its {name} array does not match its checksum")
            arrays[name] = a
            offsets[name] = int(offset)
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexUnusable(f"its layout is unreadable ({exc})") from None
    ids = arrays.get("ids")
    if ids is None or (len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1]))):
        raise IndexUnusable("its track ids are damaged")
    return IndexFile(path, header, arrays, mm, offsets)


class IndexWriter:
    """Fills a new index file row chunk by row chunk; :meth:`commit` makes it the index.

    *target* None: an unnamed temporary file (an index nobody else shares)."""

    def __init__(self, target: Path | None, columns: dict[str, tuple[str, int]], cap: int):
        self.target = target
        self.columns = columns
        self.cap = int(cap)
        folder = str(target.parent) if target is not None else None
        if target is not None:
            self._fd, self._tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp",
                                                   dir=folder)
        else:
            self._fd, self._tmp = tempfile.mkstemp(prefix="soundalike-index-")
            os.unlink(self._tmp)  # nameless: gone with the last map
            self._tmp = None
        self.offsets: dict[str, int] = {}
        pos = HEADER_SPACE
        for name, (dtype, width) in columns.items():
            self.offsets[name] = pos
            pos += -(-self.cap * max(1, width) * np.dtype(dtype).itemsize // PAGE) * PAGE
        self.end = pos
        self.crcs = dict.fromkeys(columns, 0)
        self.rows = 0

    def _row_bytes(self, name: str) -> int:
        dtype, width = self.columns[name]
        return max(1, width) * np.dtype(dtype).itemsize

    def read(self, name: str) -> np.ndarray:
        """The rows written so far of column *name* (read back with ``pread``)."""
        dtype, width = self.columns[name]
        size = self.rows * self._row_bytes(name)
        buf = bytearray(size)
        view, done = memoryview(buf), 0
        while done < size:
            got = os.preadv(self._fd, [view[done:]], self.offsets[name] + done)
            if got <= 0:
                raise OSError("the index file was cut short while it was written")
            done += got
        a = np.frombuffer(buf, np.dtype(dtype))
        return a if width == 0 else a.reshape(self.rows, width)

    def read_rows(self, name: str, start: int, stop: int) -> np.ndarray:
        """Rows *start*:*stop* written so far of column *name* (``pread``)."""
        dtype, width = self.columns[name]
        row = self._row_bytes(name)
        size = (stop - start) * row
        buf = bytearray(size)
        view, done = memoryview(buf), 0
        while done < size:
            got = os.preadv(self._fd, [view[done:]], self.offsets[name] + start * row + done)
            if got <= 0:
                raise OSError("the index file was cut short while it was written")
            done += got
        a = np.frombuffer(buf, np.dtype(dtype))
        return a if width == 0 else a.reshape(stop - start, width)

    def write_rows(self, name: str, start: int, values: np.ndarray) -> None:
        """Overwrite rows from *start* of column *name* (its checksum is then stale:
        :meth:`crc_of`)."""
        dtype, _ = self.columns[name]
        buf = np.ascontiguousarray(values, dtype=np.dtype(dtype)).tobytes()
        off, done = self.offsets[name] + start * self._row_bytes(name), 0
        while done < len(buf):
            done += os.pwrite(self._fd, buf[done:], off + done)

    def crc_of(self, name: str, chunk: int = 65536) -> int:
        crc = 0
        for s in range(0, self.rows, chunk):
            crc = zlib.crc32(self.read_rows(name, s, min(self.rows, s + chunk)), crc)
        return crc

    def overwrite(self, name: str, values: np.ndarray) -> None:
        """Replace every written row of column *name*."""
        dtype, width = self.columns[name]
        buf = np.ascontiguousarray(values, dtype=np.dtype(dtype)).tobytes()
        if len(buf) != self.rows * self._row_bytes(name):
            raise ValueError(f"column {name} needs {self.rows} rows")
        done = 0
        while done < len(buf):
            done += os.pwrite(self._fd, buf[done:], self.offsets[name] + done)
        self.crcs[name] = zlib.crc32(buf)

    def write(self, chunk: dict[str, np.ndarray]) -> None:
        """Append one chunk of rows (every column, the same number of rows)."""
        m = len(chunk["ids"])
        if self.rows + m > self.cap:
            raise ValueError("more rows than the index was sized for")
        for name, (dtype, width) in self.columns.items():
            a = np.ascontiguousarray(chunk[name], dtype=np.dtype(dtype))
            if a.shape != ((m,) if width == 0 else (m, width)):
                raise ValueError(f"column {name} has shape {a.shape}")
            row = max(1, width) * np.dtype(dtype).itemsize
            buf = a.tobytes()
            off = self.offsets[name] + self.rows * row
            done = 0
            while done < len(buf):
                done += os.pwrite(self._fd, buf[done:], off + done)
            self.crcs[name] = zlib.crc32(buf, self.crcs[name])
        self.rows += m

    def commit(self, header: dict) -> IndexFile:
        """Write the header, fsync, rename over the index (atomic) and open it."""
        try:
            header = {**header, "n": self.rows, "file_size": self.end, "arrays": {
                name: [self.offsets[name], np.dtype(dtype).str, width, self.crcs[name]]
                for name, (dtype, width) in self.columns.items()}}
            digest = hashlib.sha1(json.dumps(header, sort_keys=True).encode()).hexdigest()
            raw = json.dumps({"header": header, "sha1": digest}).encode()
            if len(raw) + len(MAGIC) + 4 > HEADER_SPACE:
                raise ValueError("index header too large")
            os.ftruncate(self._fd, self.end)
            os.pwrite(self._fd, MAGIC + struct.pack("<I", len(raw)) + raw, 0)
            if self.target is not None:
                os.fsync(self._fd)
                os.replace(self._tmp, self.target)
                self._tmp = None
                _fsync_dir(self.target.parent)
            mm = mmap.mmap(self._fd, self.end, access=mmap.ACCESS_READ)
            return _attach(self.target, header, mm, verify=False)  # just written
        finally:
            self.abort()

    def abort(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


STALE_SECONDS = 3600.0


def remove_stale_temporaries(target: Path) -> int:
    """Remove the temporary files a killed build left beside *target* (those untouched
    for :data:`STALE_SECONDS`: a younger one may be another process's build); how many."""
    import time

    gone = 0
    for tmp in target.parent.glob(target.name + ".*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > STALE_SECONDS:
                tmp.unlink()
                gone += 1
    return gone


# -- the rows' derived columns ------------------------------------------------------------
@dataclass
class Shapes:
    """Column counts of the raw analysis arrays the hybrid is made of."""

    n_features: int
    n_tags: int
    n_mtt: int
    emb: int
    uses_mtt: bool

    @property
    def tag_parts(self) -> tuple:
        return (self.n_tags, self.n_mtt) if self.uses_mtt else ()

    @property
    def emb_parts(self) -> tuple:
        return (self.emb, self.emb) if self.uses_mtt else ()

    @property
    def tag_cols(self) -> int:
        return self.n_tags + (self.n_mtt if self.uses_mtt else 0)

    @property
    def emb_cols(self) -> int:
        return self.emb * (2 if self.uses_mtt else 1)

    def usable(self, row) -> bool:
        """Whether an analysis row fits (rows from an incompatible build are ignored)."""
        if len(row.features) != self.n_features or len(row.tags) != self.n_tags \
                or len(row.embedding) != self.emb:
            return False
        return not self.uses_mtt or has_mtt(row, self.n_mtt, self.emb)

    def keep(self, rows: Sequence) -> list:
        """The *rows* that fit; :class:`LacksMtt` when the MTT blocks are used and a row
        otherwise fitting has none (then no hybrid may use them: rebuild without)."""
        out = []
        for r in rows:
            if self.usable(r):
                out.append(r)
            elif self.uses_mtt and Shapes(**{**dataclasses.asdict(self),
                                             "uses_mtt": False}).usable(r):
                raise LacksMtt(r.track_id)
        return out


class LacksMtt(Exception):
    """An analysis without the MTT outputs where the index uses them."""


def has_mtt(row, n_mtt: int, emb: int) -> bool:
    return (row.mtt_tags is not None and len(row.mtt_tags) == n_mtt
            and row.mtt_embedding is not None and len(row.mtt_embedding) == emb)


def columns_for(shapes: Shapes, dims: int) -> dict[str, tuple[str, int]]:
    from soundalike.engine import cnn, moods

    cols = {"ids": ("<i8", 0), "hybrid": ("<f4", dims), "base": ("<f4", dims),
            "context_key": ("<i8", 0), "has_context": ("|b1", 0),
            "genres": ("<f4", len(cnn.GENRE_LABELS)), "genre_sq": ("<f4", 0),
            "artist": ("<i8", 0), "album": ("<i8", 0), "song": ("<i8", 0),
            "fingerprint": ("<i8", 0), "duration": ("<f4", 0), "tempo": ("<f4", 0),
            "energy_features": ("<f4", len(moods.ENERGY_FEATURES)),
            "mood_msd": ("<f2", shapes.n_tags)}
    if shapes.uses_mtt:
        cols["mood_mtt"] = ("<f2", shapes.n_mtt)
    return cols


def meta_codes(records) -> dict[str, np.ndarray]:
    """The filter columns of :class:`engine.filters.MetaTable` as hash codes."""
    from soundalike.engine.filters import meta_keys

    keys = meta_keys(records)
    return {"artist": np.array([code_of(k) for k in keys["artist"]], np.int64),
            "album": np.array([code_of(k) for k in keys["album"]], np.int64),
            "song": np.array([code_of(k) for k in keys["song"]], np.int64),
            "fingerprint": np.array([code_of(k) for k in keys["fingerprint"]], np.int64),
            "duration": keys["duration"]}


def context_key(track) -> int:
    """The album a track's vector takes context from (``engine.vectors.context_groups``:
    the same non-empty album tag and artist tag, surrounding spaces ignored), as a code;
    -1 without an album."""
    album = (track.album or "").strip()
    return code_of(f"{(track.artist or '').strip()}\x1f{album}") if album else -1


def with_context(columns: dict[str, np.ndarray], *, in_place: bool = False
                 ) -> dict[str, np.ndarray]:
    """Set ``hybrid`` and ``has_context`` of rows that hold whole albums (every live
    member of each album among them, by increasing track id) from their ``base``
    vectors: ``engine.vectors.context_vectors``."""
    keys = columns["context_key"]
    groups = np.full(len(keys), -1, np.int64)
    known = keys >= 0
    if known.any():
        groups[known] = np.unique(keys[known], return_inverse=True)[1]
    base = columns["base"]
    columns["hybrid"], columns["has_context"] = vec.context_vectors(
        base, groups, out=base if in_place else None)
    return columns


def _write_context(writer: IndexWriter, chunk: int = 65536) -> None:
    """``engine.vectors.context_vectors`` over the whole file, streamed: the albums' sums of
    plain vectors (float64, added in row order as it adds them), then each row of an album
    of 2 … ``MAX_CONTEXT_GROUP`` rows rewritten; only one chunk of vectors in memory."""
    keys = writer.read("context_key")
    n = len(keys)
    groups = np.full(n, -1, np.int64)
    known = keys >= 0
    if known.any():
        groups[known] = np.unique(keys[known], return_inverse=True)[1]
    size = np.bincount(groups[known]) if known.any() else np.zeros(0, np.int64)
    has = np.zeros(n, bool)
    has[known] = (size[groups[known]] >= 2) & (size[groups[known]] <= vec.MAX_CONTEXT_GROUP)
    if has.any():
        sums = np.zeros((len(size), writer.columns["base"][1]))
        for s in range(0, n, chunk):
            m = has[s:s + chunk]
            if m.any():
                x = writer.read_rows("base", s, min(n, s + chunk))[m].astype(np.float64)
                np.add.at(sums, groups[s:s + chunk][m], x)
        for s in range(0, n, chunk):
            m = has[s:s + chunk]
            if not m.any():
                continue
            x = writer.read_rows("base", s, min(n, s + chunk))
            xs = x[m].astype(np.float64)
            others = sums[groups[s:s + chunk][m]] - xs
            out = x.copy()
            out[m] = vec._unit_rows(xs + vec.CONTEXT_WEIGHT * vec._unit_rows(others))
            writer.write_rows("hybrid", s, out)
    writer.overwrite("has_context", has)
    writer.crcs["hybrid"] = writer.crc_of("hybrid")


def derived_rows(model: vec.VectorModel, shapes: Shapes, rows: Sequence, records: Sequence,
                 keys: Sequence[int]) -> dict[str, np.ndarray]:
    """Every index column for analysis *rows*, their metadata *records* and album context
    *keys* (same order); ``hybrid`` is the plain vector until :func:`with_context`."""
    from soundalike.engine import cnn, dsp, moods

    features = np.array([r.features for r in rows], np.float32).reshape(len(rows), -1)
    tags = np.array([r.tags for r in rows], np.float32).reshape(len(rows), -1)
    emb = np.array([r.embedding for r in rows], np.float32).reshape(len(rows), -1)
    out = {"ids": np.array([r.track_id for r in rows], np.int64)}
    if shapes.uses_mtt:
        mtt_t = np.array([r.mtt_tags for r in rows], np.float32).reshape(len(rows), -1)
        mtt_e = np.array([r.mtt_embedding for r in rows], np.float32).reshape(len(rows), -1)
        out["base"] = model.transform(features, np.hstack([tags, mtt_t]),
                                      np.hstack([emb, mtt_e]))
        out["mood_mtt"] = mtt_t.astype(np.float16)
    else:
        out["base"] = model.transform(features, tags, emb)
    out["hybrid"] = out["base"]
    out["context_key"] = np.asarray(list(keys), np.int64).reshape(len(rows))
    out["has_context"] = np.zeros(len(rows), bool)
    genres = cnn.genre_vector(tags)
    out["genres"] = genres
    out["genre_sq"] = np.einsum("ij,ij->i", genres, genres)
    out["tempo"] = features[:, dsp.INDEX["tempo_bpm"]].astype(np.float32)
    names = list(dsp.FEATURE_NAMES)
    out["energy_features"] = np.stack(
        [features[:, names.index(x)] if x in names else np.zeros(len(rows), np.float32)
         for x in moods.ENERGY_FEATURES], axis=1) if len(rows) else \
        np.zeros((0, len(moods.ENERGY_FEATURES)), np.float32)
    out["mood_msd"] = tags.astype(np.float16)
    out.update(meta_codes(records))
    return out


# -- what the recommender holds -----------------------------------------------------------
class LayeredIndex:
    """The similarity index over an index file plus an in-memory overlay.

    Positions ``0 … n-1`` are the file's rows, ``n …`` the overlay's; a file row whose track
    changed since (or is gone) is *dead*: never found by :meth:`position` and rejected by the
    filters (:class:`engine.filters.MetaTable`'s ``dead``). The same interface as
    :class:`engine.similarity.SimilarityIndex`.
    """

    #: matrices above this many bytes are scanned in chunks whose pages are released
    RESIDENT_BUDGET = 128 * 2**20
    SCAN_ROWS = 65536

    def __init__(self, file: IndexFile, over: dict[str, np.ndarray] | None = None,
                 dead: np.ndarray | None = None):
        self.file = file
        a = file.arrays
        self._main_ids = a["ids"]
        self._n = len(self._main_ids)
        self.over = over or {}
        self.dead = dead if dead is not None else np.zeros(self._n, bool)
        over_ids = self.over.get("ids", np.zeros(0, np.int64))
        self._over_pos = {int(t): self._n + i for i, t in enumerate(over_ids)}
        self.ids = np.concatenate([self._main_ids, over_ids]) if len(over_ids) else \
            self._main_ids

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        return int(sum(v.nbytes for v in self.over.values()) + self.dead.nbytes)

    def column(self, name: str) -> np.ndarray:
        """A whole column (file rows then overlay rows); a view on the map when there is
        no overlay."""
        main = self.file.arrays[name]
        extra = self.over.get(name)
        if extra is None or not len(extra):
            return main
        return np.concatenate([main, extra])

    @property
    def hybrid(self) -> np.ndarray:
        return self.column("hybrid")

    @property
    def genres(self) -> np.ndarray:
        return self.column("genres")

    def live_column(self, name: str) -> np.ndarray:
        """Column *name* of the rows in use (the order of :meth:`live_rows`)."""
        if not len(self.over.get("ids", ())) and not self.dead.any():
            return self.file.arrays[name]
        keep = np.concatenate([~self.dead, np.ones(len(self) - self._n, bool)])
        return self.column(name)[keep]

    def live_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """``(track ids, hybrid vectors)`` of the rows in use (dead ones left out); views on
        the map when there is no overlay."""
        if not len(self.over.get("ids", ())) and not self.dead.any():
            return self._main_ids, self.file.arrays["hybrid"]
        keep = np.concatenate([~self.dead, np.ones(len(self) - self._n, bool)])
        return self.ids[keep], self.hybrid[keep]

    def position(self, track_id: int) -> int | None:
        t = int(track_id)
        p = int(np.searchsorted(self._main_ids, t))
        if p < self._n and int(self._main_ids[p]) == t and not self.dead[p]:
            return p
        return self._over_pos.get(t)

    def _rows(self, name: str, positions: np.ndarray) -> np.ndarray:
        main = self.file.arrays[name]
        out = np.empty((len(positions),) + main.shape[1:], main.dtype)
        inside = positions < self._n
        out[inside] = main[positions[inside]]
        if not inside.all():
            out[~inside] = self.over[name][positions[~inside] - self._n]
        return out

    def row(self, name: str, position: int) -> np.ndarray:
        """Row *position* of column *name* (a file row or an overlay row)."""
        return self._rows(name, np.asarray([int(position)], np.int64))[0]

    def vector(self, positions, method: str = "hybrid") -> np.ndarray:
        pos = np.atleast_1d(np.asarray(positions, dtype=np.int64))
        if method == "hybrid":
            v = self._rows("hybrid", pos).mean(axis=0)
            n = float(np.linalg.norm(v))
            return (v / n if n > 1e-9 else v).astype(np.float32)
        if method == "seed":
            return self._rows("genres", pos).mean(axis=0).astype(np.float32)
        raise ValueError(f"unknown method {method!r} (choose from hybrid, seed)")

    def _matvec(self, name: str, q: np.ndarray) -> np.ndarray:
        main = self.file.arrays[name]
        out = np.empty(len(self), np.float32)
        if main.nbytes <= self.RESIDENT_BUDGET:
            out[:self._n] = main @ q
        else:  # a large library: chunks, their pages released (resident memory stays flat)
            for i in range(0, self._n, self.SCAN_ROWS):
                j = min(self._n, i + self.SCAN_ROWS)
                out[i:j] = main[i:j] @ q
                self.file.release(name, i, j)
        if len(self) > self._n:
            out[self._n:] = self.over[name] @ q
        return out

    def scores(self, query: np.ndarray, method: str = "hybrid") -> np.ndarray:
        from soundalike.engine.similarity import seed_scores

        q = np.asarray(query, dtype=np.float32)
        if method == "hybrid":
            return self._matvec("hybrid", q)
        if method == "seed":
            return seed_scores(self._matvec("genres", q), self.column("genre_sq"), q)
        raise ValueError(f"unknown method {method!r} (choose from hybrid, seed)")

    def search(self, query: np.ndarray, k: int, *, method: str = "hybrid", accept=None,
               scores: np.ndarray | None = None) -> list[tuple[int, float]]:
        from soundalike.engine.similarity import ranked_accept

        s = self.scores(query, method) if scores is None else scores
        return list(ranked_accept(s, k, accept))


@dataclass
class Built:
    """What a build or an open gives the recommender."""

    file: IndexFile
    model: vec.VectorModel
    shapes: Shapes
    explain_stats: dict


def explainer_from(stats: dict):
    """The :class:`engine.explain.Explainer` of the header's statistics."""
    from soundalike.engine import cnn, dsp
    from soundalike.engine.explain import Explainer

    return Explainer.from_stats(
        feature_names=dsp.FEATURE_NAMES, tag_labels=cnn.TAG_LABELS,
        median=np.asarray(stats["median"], np.float64),
        scale=np.asarray(stats["scale"], np.float64),
        tag_mean=np.asarray(stats["tag_mean"], np.float64),
        mtt_mean=None if stats.get("mtt_mean") is None else
        np.asarray(stats["mtt_mean"], np.float64))


def energy_of(features: np.ndarray) -> np.ndarray:
    """Energy 0 … 1 per track from the stored energy features (``moods.energy``)."""
    from soundalike.engine import moods

    return moods.energy(features, moods.ENERGY_FEATURES)


def sample_positions(n: int, size: int) -> np.ndarray | None:
    """The rows ``engine.vectors.fit`` and ``engine.explain.Explainer`` sample from a
    library of *n* (None: all of them)."""
    if n <= size:
        return None
    return np.sort(np.random.default_rng(0).choice(n, size, replace=False))


Progress = Callable[[int, int], None]


# -- building and keeping up ------------------------------------------------------------
def _shapes(store) -> Shapes:
    from soundalike.engine import cnn, dsp
    from soundalike.engine.analyze import ANALYSIS_VERSION, USABLE_VERSIONS

    present = [v for v, k in store.analysed_versions().items() if k and v in USABLE_VERSIONS]
    # the MTT blocks join the hybrid once every indexed track has them (while version-2
    # analyses are being upgraded, the MSD-only hybrid of version 2 is used)
    uses_mtt = bool(present) and all(v == ANALYSIS_VERSION for v in present)
    return Shapes(len(dsp.FEATURE_NAMES), len(cnn.TAG_LABELS), len(cnn.MTT_LABELS),
                  cnn.EMBEDDING_DIMS, uses_mtt)


def shapes_of(header: dict) -> Shapes:
    """The :class:`Shapes` an index file was built with."""
    return Shapes(**header["shapes"])


def _stack(rows, shapes: Shapes):
    features = np.array([r.features for r in rows], np.float32)
    tags = np.array([r.tags for r in rows], np.float32)
    emb = np.array([r.embedding for r in rows], np.float32)
    if shapes.uses_mtt:
        tags = np.hstack([tags, np.array([r.mtt_tags for r in rows], np.float32)])
        emb = np.hstack([emb, np.array([r.mtt_embedding for r in rows], np.float32)])
    return features, tags, emb


def expected_header(weights: dict) -> dict:
    from soundalike.engine.analyze import USABLE_VERSIONS

    return {"format": INDEX_FORMAT, "vector_version": vec.VECTOR_VERSION,
            "vector_source": source_fingerprint(), "analysis_versions": list(USABLE_VERSIONS),
            "weights": weights}


class LacksRows(Exception):
    """No analysis fits this build of the engine."""


def build(store, **options) -> Built | None:
    """Build the index (:func:`build_with`); without the MTT blocks when an analysis
    turns out not to have them (as the in-memory build did)."""
    try:
        return build_with(store, _shapes(store), **options)
    except LacksMtt:
        return build_with(store, dataclasses.replace(_shapes(store), uses_mtt=False),
                          **options)


def build_with(store, shapes: Shapes, *, target: Path | None, weights: dict,
               model_source: Callable, meta_for: Callable,
               progress: Progress | None = None) -> Built | None:
    """Build the index of every analysed track from the database, streaming it in chunks
    of :data:`CHUNK` rows (never all raw analyses in memory); None when nothing is
    analysed.

    *model_source* ``(n, shapes, sample_rows) -> VectorModel`` gives the vector model for a
    library of *n* tracks: the stored one when it is fresh, else one fitted on
    ``sample_rows()`` (the rows ``engine.vectors.fit`` would sample).
    """
    from soundalike.engine import dsp
    from soundalike.engine.analyze import USABLE_VERSIONS
    from soundalike.engine.explain import STATS_SAMPLE, Explainer

    total, watermark, max_id = store.change_marker()
    ids = store.analysed_ids(USABLE_VERSIONS)
    n = len(ids)
    if n == 0:
        return None
    sample = sample_positions(n, max(vec.FIT_SAMPLE, STATS_SAMPLE))

    def sample_arrays():
        """The sampled rows' (features, tags, embeddings), stacked a chunk at a time."""
        chosen = ids if sample is None else ids[sample]
        parts = []
        for i in range(0, len(chosen), CHUNK):
            rows = shapes.keep(store.analyses_of(chosen[i:i + CHUNK], USABLE_VERSIONS))
            if rows:
                parts.append(_stack(rows, shapes))
            del rows
        if not parts:
            raise LacksRows
        return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))

    try:
        model = model_source(n, shapes, sample_arrays)
    except LacksRows:
        return None
    writer = IndexWriter(target, columns_for(shapes, model.dims), n)
    try:
        tag_sum = np.zeros(shapes.n_tags)
        mtt_sum = np.zeros(shapes.n_mtt)
        stats_features = []
        kept = 0
        wanted = set(ids[sample].tolist()) if sample is not None else None
        for i in range(0, n, CHUNK):
            chunk = ids[i:i + CHUNK]
            rows = shapes.keep(store.analyses_of(chunk, USABLE_VERSIONS))
            tracks = {t.id: t for t in store.get_tracks(r.track_id for r in rows)}
            rows = [r for r in rows if r.track_id in tracks]
            if rows:
                writer.write(derived_rows(model, shapes, rows,
                                          [meta_for(tracks[r.track_id]) for r in rows],
                                          [context_key(tracks[r.track_id]) for r in rows]))
                tag_sum += np.sum([r.tags for r in rows], axis=0, dtype=np.float64)
                if shapes.uses_mtt:
                    mtt_sum += np.sum([r.mtt_tags for r in rows], axis=0, dtype=np.float64)
                stats_features += [r.features for r in rows
                                   if wanted is None or r.track_id in wanted]
                kept += len(rows)
            if progress is not None:
                progress(min(n, i + CHUNK), n)
        if writer.rows:  # album context: every album is whole now (the plain vectors stay)
            _write_context(writer)
        ex = Explainer(np.array(stats_features, np.float32).reshape(-1, shapes.n_features),
                       dsp.FEATURE_NAMES, [""] * shapes.n_tags)
        del stats_features
        stats = {"median": ex.median.tolist(), "scale": ex.scale.tolist(),
                 "tag_mean": np.nan_to_num(tag_sum / max(kept, 1)).tolist(),
                 "mtt_mean": np.nan_to_num(mtt_sum / max(kept, 1)).tolist()
                 if shapes.uses_mtt else None}
        header = {**expected_header(model.weights), "model": model_fingerprint(model),
                  "uses_mtt": shapes.uses_mtt, "shapes": dataclasses.asdict(shapes),
                  "tracks_total": total, "watermark": watermark,
                  "max_id": max_id, "explain": stats}
        file = writer.commit(header)
    except BaseException:
        writer.abort()
        raise
    return Built(file, model, shapes, stats)


class NeedsRebuild(Exception):
    """The overlay cannot follow the database's changes: the index must be rebuilt."""


class State:
    """A built or opened index plus the overlay that keeps it current: what the
    :class:`~soundalike.library.recommend.Recommender` queries."""

    def __init__(self, built: Built, meta_for: Callable, *, follow: bool = True):
        self.file = built.file
        self.model = built.model
        self.shapes = built.shapes
        self.meta_for = meta_for
        self.follow = follow
        self.explainer = explainer_from(built.explain_stats)
        h = self.file.header
        #: (track count, latest updated_at, highest id) when last looked (the file's first)
        self.marker = (int(h["tracks_total"]), h.get("watermark"), int(h["max_id"]))
        self.over: dict[str, np.ndarray] = {}
        self.dead = np.zeros(self.file.n, bool)
        #: why the index file is due a rebuild that a lenient catch-up put off (None: not)
        self.due: str | None = None
        #: the file at the path when this state was made: (inode, mtime); another
        #: process's rebuild renames a new one over it
        self.stamp = file_stamp(self.file.path)
        self._energy: np.ndarray | None = None
        self._views()

    # -- views -------------------------------------------------------------------------
    def _views(self) -> None:
        from soundalike.engine.filters import MetaTable

        self.index = LayeredIndex(self.file, self.over, self.dead)
        self._energy = None
        col = self.index.column
        self.meta = MetaTable.from_codes(
            artist=col("artist"), album=col("album"), song=col("song"),
            fingerprint=col("fingerprint"), duration=col("duration"),
            exclusions=self._exclusions, dead=self.dead if self.dead.any() else None)

    @property
    def size(self) -> int:
        return int(len(self.index) - self.dead.sum())

    def mood_tags(self) -> dict[str, np.ndarray]:
        out = {"msd": self.index.column("mood_msd")}
        if self.shapes.uses_mtt:
            out["mtt"] = self.index.column("mood_mtt")
        return out

    def tempo(self) -> np.ndarray:
        return self.index.column("tempo")

    def energy(self) -> np.ndarray:
        if self._energy is None:  # ranks over the library: once per state of the index
            self._energy = energy_of(self.index.column("energy_features"))
        return self._energy

    def _exclusions(self, filters) -> np.ndarray:
        """The filters' exclusion mask, from the tracks' metadata read in chunks."""
        from soundalike.engine.filters import exclusion_mask

        store = self.exclusion_store
        ids = self.index.ids
        mask = np.zeros(len(ids), bool)
        for i in range(0, len(ids), CHUNK):
            chunk = [int(t) for t in ids[i:i + CHUNK]]
            tracks = {t.id: t for t in store.get_tracks(chunk)}
            have = [j for j, t in enumerate(chunk) if t in tracks]
            if have:
                part = exclusion_mask([self.meta_for(tracks[chunk[j]]) for j in have], filters)
                mask[i + np.asarray(have)] = part
        return mask

    exclusion_store = None

    # -- keeping up ------------------------------------------------------------------------
    def _with_album_mates(self, store, upsert: list[int], gone: list[int]) -> list[int]:
        """*upsert* and every other live track of the albums it or *gone* were or are in
        (album context: one track's change moves its album-mates' vectors), by id."""
        touched = np.asarray(sorted(set(upsert) | set(gone)), np.int64)
        if not len(touched):
            return sorted(set(upsert))
        main_ids, main_keys = self.file.arrays["ids"], self.file.arrays["context_key"]
        p = np.searchsorted(main_ids, touched)
        inside = p < len(main_ids)
        p = p[inside][main_ids[p[inside]] == touched[inside]]
        keys = set(main_keys[p].tolist())
        if self.over:
            keys |= set(self.over["context_key"][np.isin(self.over["ids"], touched)].tolist())
        keys |= {context_key(t) for t in store.get_tracks(upsert)}
        keys.discard(-1)
        if not keys:
            return sorted(set(upsert))
        wanted = np.asarray(sorted(keys), np.int64)
        mates = set(main_ids[np.isin(main_keys, wanted) & ~self.dead].tolist())
        if self.over:
            mates |= set(self.over["ids"][np.isin(self.over["context_key"], wanted)].tolist())
        return sorted((set(upsert) | mates) - set(gone))

    def catch_up(self, store, *, lenient: bool = False) -> bool:
        """Overlay the tracks changed in *store* since the last look; True if any did.

        *lenient* (a background upkeep rebuilds the file, see
        :mod:`~soundalike.library.recommend.index_upkeep`): an overlay past
        :func:`overlay_limit` or a model due a refit is kept, up to :func:`lenient_limit`
        rows, and :attr:`due` says why the file should be rebuilt.

        Raises
        ------
        NeedsRebuild
            Too many changes for an overlay, a change of vector layout (the MTT blocks
            joining), or the library grew past the model's refit margin.
        """
        from soundalike.engine.analyze import ANALYSIS_VERSION, USABLE_VERSIONS
        from soundalike.library.model.states import TrackStatus

        marker = store.change_marker()
        if marker == self.marker:
            return False
        if not self.follow:
            raise NeedsRebuild("the library changed")
        total, watermark, max_id = self.marker
        since = None if watermark is None else watermark - LOOKBACK_SECONDS
        changed = store.changed_since(since)
        usable = set(USABLE_VERSIONS)
        upsert = [i for i, s, v in changed if s == TrackStatus.ANALYSED and v in usable]
        gone = [i for i, s, v in changed if not (s == TrackStatus.ANALYSED and v in usable)]
        limit = overlay_limit(self.file.n)
        strict = limit
        lenient = lenient and self.file.n >= ALWAYS_REFIT_BELOW  # (smaller: builds are cheap)
        if lenient:
            limit = lenient_limit(self.file.n)
        if len(upsert) > limit:
            raise NeedsRebuild(f"{len(upsert)} tracks changed")
        added = sum(1 for i, _, _ in changed if i > max_id)
        if marker[0] != total + added:  # a track was deleted: check the id set
            now = store.analysed_ids(USABLE_VERSIONS)
            main = self.file.arrays["ids"]
            self.dead |= ~np.isin(main, now)
            present = set(now.tolist())
            over_ids = [int(t) for t in self.over.get("ids", ())]
            gone += [t for t in over_ids if t not in present]
            live = set(main[~self.dead].tolist()) | set(over_ids)
            upsert = sorted(set(upsert) | (present - live))
            if len(upsert) > limit:
                raise NeedsRebuild(f"{len(upsert)} tracks changed")
        upsert = self._with_album_mates(store, upsert, gone)
        if len(upsert) > limit:
            raise NeedsRebuild(f"{len(upsert)} tracks changed")
        rows = store.analyses_of(upsert, USABLE_VERSIONS) if upsert else []
        if self.shapes.uses_mtt and any(r.version != ANALYSIS_VERSION for r in rows):
            raise NeedsRebuild("the vector layout changes")  # an MSD-only analysis came back
        if not self.shapes.uses_mtt and any(r.version == ANALYSIS_VERSION for r in rows) \
                and _shapes(store).uses_mtt:
            raise NeedsRebuild("the vector layout changes")  # the last upgrade to MTT
        try:
            rows = self.shapes.keep(rows)
        except LacksMtt:
            raise NeedsRebuild("an analysis without the MTT outputs") from None
        tracks = {t.id: t for t in store.get_tracks(r.track_id for r in rows)}
        rows = [r for r in rows if r.track_id in tracks]
        touched = np.asarray(sorted(set(upsert) | set(gone)), np.int64)
        main = self.file.arrays["ids"]
        if len(touched):
            p = np.searchsorted(main, touched)
            p = p[p < len(main)]
            p = p[np.isin(main[p], touched)]
            self.dead[p] = True
        keep = None
        if self.over:
            keep = ~np.isin(self.over["ids"], touched)
        fresh = with_context(derived_rows(
            self.model, self.shapes, rows, [self.meta_for(tracks[r.track_id]) for r in rows],
            [context_key(tracks[r.track_id]) for r in rows])) if rows else {}
        if self.over or fresh:
            names = list(self.file.arrays)
            old = {k: self.over[k][keep] for k in names} if self.over else {}
            self.over = {k: np.concatenate([a for a in (old.get(k), fresh.get(k))
                                            if a is not None]) for k in names}
        self.marker = marker
        live = int((~self.dead).sum()) + len(self.over.get("ids", ()))
        overlaid = len(self.over.get("ids", ())) + int(self.dead.sum())
        due = None
        if not model_is_fresh(self.model, live, weights=self.model.weights,
                              n_features=self.shapes.n_features, emb_cols=self.shapes.emb_cols,
                              tag_cols=self.shapes.tag_cols, tag_parts=self.shapes.tag_parts,
                              emb_parts=self.shapes.emb_parts):
            due = "the library grew or shrank past the vector model's margin"
        elif overlaid > strict:
            due = "the overlay is large"
        if due is not None and (not lenient or overlaid > limit):
            raise NeedsRebuild(due)
        self.due = due
        self._views()
        return True


def replaced(state, index: Path | None) -> bool:
    """Whether another process renamed a new index file over the one *state* maps (a
    background upkeep rebuilt it): the next ``refresh()`` opens the new one."""
    if index is None or state.file.path is None or state.stamp is None:
        return False
    now = file_stamp(index)
    return now is not None and now != state.stamp
