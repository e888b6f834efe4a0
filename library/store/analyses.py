"""The ``analysis`` table: each analysed track's vectors (float32 BLOBs)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import numpy as np

from soundalike.library.model.states import StoreEvent, TrackStatus
from soundalike.library.model.track import printable
from soundalike.library.store.connection import db_path_value, in_list


class AnalysisRow(NamedTuple):
    """One analysed track's vectors (float32 arrays) as stored in ``analysis``.

    ``tags`` / ``embedding`` are the MSD model's, ``mtt_tags`` / ``mtt_embedding`` the
    MTT model's (None in rows written before analysis version 3).
    """

    track_id: int
    version: int
    features: np.ndarray
    tags: np.ndarray
    embedding: np.ndarray
    duration: float | None
    mtt_tags: np.ndarray | None = None
    mtt_embedding: np.ndarray | None = None


#: ``analysis.encoding`` of a row whose vectors are all little-endian float32 (every row
#: written before schema version 5, and one that cannot be compact: :func:`encode_vectors`).
FLOAT32 = 0
#: ``analysis.encoding`` of a compact row: tags and embeddings little-endian float16 (their
#: values are probabilities and activations; float16 keeps 11 significant bits), the
#: features float16 followed by the :data:`PRECISE_FEATURES` again as float32. About half
#: the bytes; benchmarks/experiments/float16_storage.py shows the rankings unchanged.
COMPACT = 1
#: Features read back exactly (float32): levelling uses the loudness, the tempo is shown.
PRECISE_FEATURES: tuple[str, ...] = ("tempo_bpm", "loudness_db", "dynamic_range_db")
_F16_MAX = float(np.finfo(np.float16).max)
#: How new rows are written (experiments that compare against float32 storage set FLOAT32).
WRITE_ENCODING = COMPACT


def _precise_index() -> np.ndarray:
    from soundalike.engine.dsp import INDEX

    return np.array([INDEX[n] for n in PRECISE_FEATURES], dtype=np.intp)


def _n_features() -> int:
    from soundalike.engine.dsp import FEATURE_NAMES

    return len(FEATURE_NAMES)


def _f32(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype="<f4")


def _fits_f16(arrays: list[np.ndarray]) -> bool:
    """Is every value within float16's range (NaN and ±inf: no, they stay float32)?"""
    return all(float(np.abs(a).max(initial=0.0)) <= _F16_MAX for a in arrays)


def _to_blob(values, encoding: int = FLOAT32) -> bytes:
    if encoding == COMPACT:
        return _f32(values).astype("<f2").tobytes()
    return _f32(values).tobytes()


def _from_blob(blob: bytes, encoding: int = FLOAT32) -> np.ndarray:
    if encoding == COMPACT:
        return np.frombuffer(blob, dtype="<f2").astype(np.float32)
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def _features_blob(values, encoding: int) -> bytes:
    if encoding != COMPACT:
        return _to_blob(values)
    f32 = _f32(values)
    return f32.astype("<f2").tobytes() + f32[_precise_index()].tobytes()


def _features(blob: bytes, encoding: int) -> np.ndarray:
    if encoding != COMPACT:
        return _from_blob(blob)
    precise = _precise_index()
    n = (len(blob) - 4 * len(precise)) // 2
    out = np.frombuffer(blob, dtype="<f2", count=n).astype(np.float32)
    out[precise] = np.frombuffer(blob, dtype="<f4", offset=2 * n)
    return out


def _maybe_blob(values, encoding: int = FLOAT32) -> bytes | None:
    return None if values is None else _to_blob(values, encoding)


def _maybe_array(blob: bytes | None, encoding: int = FLOAT32) -> np.ndarray | None:
    return None if blob is None else _from_blob(blob, encoding)


def encode_vectors(features, tags, embedding, mtt_tags=None, mtt_embedding=None, *,
                   encoding: int | None = None) -> tuple[int, tuple[bytes | None, ...]]:
    """``(encoding, (features, tags, embedding, mtt_tags, mtt_embedding) blobs)`` of one
    analysis: :data:`COMPACT` (or *encoding*), but :data:`FLOAT32` when a value does not fit
    float16 or the features are not laid out as ``dsp.FEATURE_NAMES`` (then the precise
    ones could not be found again)."""
    encoding = WRITE_ENCODING if encoding is None else encoding
    arrays = [None if a is None else _f32(a) for a in
              (features, tags, embedding, mtt_tags, mtt_embedding)]
    if encoding == COMPACT and (len(arrays[0]) != _n_features() or not _fits_f16(
            [a for a in arrays if a is not None])):
        encoding = FLOAT32
    f, *rest = arrays
    return encoding, (_features_blob(f, encoding), *(_maybe_blob(a, encoding) for a in rest))


def decode_vectors(row: tuple) -> AnalysisRow:
    """The :class:`AnalysisRow` of ``(track_id, version, features, tags, embedding,
    duration, mtt_tags, mtt_embedding, encoding)`` as selected from ``analysis``."""
    tid, version, f, t, e, d, mt, me, enc = row
    return AnalysisRow(int(tid), int(version), _features(f, enc), _from_blob(t, enc),
                       _from_blob(e, enc), d, _maybe_array(mt, enc), _maybe_array(me, enc))


_COLUMNS = ("a.track_id, a.version, a.features, a.tags, a.embedding, a.duration, "
            "a.mtt_tags, a.mtt_embedding, a.encoding")


class AnalysesMixin:
    def save_analysis(self, track_id: int, *, version: int, features, tags, embedding,
                      duration: float | None, mtt_tags=None, mtt_embedding=None,
                      owner: str | None = None) -> bool:
        """Store one track's vectors and mark it ``analysed`` (one transaction).

        With *owner* (an analyser's claim key, :mod:`.claims`) its claim is released; if the
        file changed since it was claimed, nothing is stored (the track stays pending) and
        the result is False."""
        with self.transaction():
            if not self._end_claim(track_id, owner):
                return False
            encoding, (f, t, e, mt, me) = encode_vectors(features, tags, embedding,
                                                         mtt_tags, mtt_embedding)
            self._db.execute(
                "INSERT OR REPLACE INTO analysis(track_id, version, features, tags, "
                "embedding, duration, created_at, mtt_tags, mtt_embedding, encoding) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (track_id, int(version), f, t, e, None if duration is None else float(duration),
                 time.time(), mt, me, encoding))
            self._db.execute(
                "UPDATE tracks SET status = CASE WHEN status = :missing THEN :missing "
                "ELSE :analysed END, analysis_version = :version, error = NULL, "
                "duration = COALESCE(duration, :duration), updated_at = :now WHERE id = :id",
                {"missing": TrackStatus.MISSING, "analysed": TrackStatus.ANALYSED,
                 "version": int(version), "duration": duration, "now": time.time(),
                 "id": track_id})
            self._event(StoreEvent.ANALYSIS_SAVED, [track_id])
        return True

    def upgrade_analysis(self, track_id: int, *, from_versions: Iterable[int], version: int,
                         mtt_tags, mtt_embedding, owner: str | None = None) -> bool:
        """Add the MTT outputs to a track's analysis of one of *from_versions* and make it
        *version*, keeping its features and MSD outputs (one transaction).

        Only a track still ``analysed`` with such a version is changed (its file may have
        changed, or it been analysed again, while the upgrade ran); returns whether it was.
        With *owner*, its claim is released (:meth:`save_analysis`).
        """
        olds = {int(v) for v in from_versions}
        with self.transaction():
            if not self._end_claim(track_id, owner):
                return False
            row = self._one("SELECT t.status, t.analysis_version, a.version FROM tracks t "
                            "JOIN analysis a ON a.track_id = t.id WHERE t.id = ?", (track_id,))
            if row is None or row[0] != TrackStatus.ANALYSED or row[1] not in olds \
                    or row[2] != row[1]:
                return False
            now = time.time()
            old = self.get_analysis(track_id)
            self._write_vectors(track_id, old.features, old.tags, old.embedding, mtt_tags,
                                mtt_embedding, version=int(version), created_at=now)
            self._db.execute("UPDATE tracks SET analysis_version = ?, updated_at = ? "
                             "WHERE id = ?", (int(version), now, track_id))
            self._event(StoreEvent.ANALYSIS_SAVED, [track_id])
        return True

    def save_failure(self, track_id: int, reason: str, *, owner: str | None = None) -> bool:
        """Mark a track ``failed`` with a plain-words *reason* (with *owner*: as
        :meth:`save_analysis`, not if its file changed since it was claimed)."""
        with self.transaction():
            if not self._end_claim(track_id, owner):
                return False
            self._db.execute("UPDATE tracks SET status = ?, error = ?, updated_at = ? "
                             "WHERE id = ? AND status != ?",
                             (TrackStatus.FAILED, printable(str(reason)), time.time(), track_id,
                              TrackStatus.MISSING))
            self._event(StoreEvent.ANALYSIS_FAILED, [track_id])
        return True

    def loudness_values(self, track_id: int) -> tuple[float | None, list[float]]:
        """The analysis's ``loudness_db`` of *track_id* (None if not analysed) and those of
        every analysed track of its album (same album and album artist, else artist;
        empty when the album is unknown). For levelling untagged tracks."""
        from soundalike.engine.dsp import INDEX

        col = INDEX["loudness_db"]

        def value(blob, encoding) -> float:
            return float(_features(blob, encoding)[col])

        row = self._one("SELECT t.album, COALESCE(t.albumartist, t.artist), a.features, "
                        "a.encoding FROM tracks t LEFT JOIN analysis a ON a.track_id = t.id "
                        "WHERE t.id = ?", (track_id,))
        if row is None:
            return None, []
        album, artist, blob, encoding = row
        own = value(blob, encoding) if blob is not None else None
        if not album:
            return own, []
        rows = self._all("SELECT a.features, a.encoding FROM tracks t "
                         "JOIN analysis a ON a.track_id = t.id "
                         "WHERE t.album = ? AND COALESCE(t.albumartist, t.artist) IS ? "
                         "AND t.status = ?", (album, artist, TrackStatus.ANALYSED))
        return own, [value(*r) for r in rows]

    def get_analysis(self, track_id: int) -> AnalysisRow | None:
        row = self._one(f"SELECT {_COLUMNS} FROM analysis a WHERE track_id = ?", (track_id,))
        return self._analysis(row) if row else None

    @staticmethod
    def _analysis(row: tuple) -> AnalysisRow:
        return decode_vectors(row)

    def _write_vectors(self, track_id: int, features, tags, embedding, mtt_tags, mtt_embedding,
                       *, encoding: int | None = None, **columns) -> None:
        """Overwrite one analysis row's five vectors (and *columns*), encoded anew: inside a
        transaction."""
        encoding, blobs = encode_vectors(features, tags, embedding, mtt_tags, mtt_embedding,
                                         encoding=encoding)
        extra = "".join(f", {c} = ?" for c in columns)
        self._db.execute("UPDATE analysis SET features = ?, tags = ?, embedding = ?, "
                         f"mtt_tags = ?, mtt_embedding = ?, encoding = ?{extra} "
                         "WHERE track_id = ?",
                         (*blobs, encoding, *columns.values(), track_id))

    def analysis_rows(self, version: int | Iterable[int] | None = None
                      ) -> Iterator[AnalysisRow]:
        """Analysis of every ``analysed`` track (optionally of one *version*, or of any of
        several), by track id."""
        sql = (f"SELECT {_COLUMNS} FROM analysis a JOIN tracks t ON t.id = a.track_id "
               "WHERE t.status = ?")
        params: list = [TrackStatus.ANALYSED]
        if version is not None:
            in_versions, versions = in_list(version)
            sql += f" AND a.version {in_versions}"
            params += versions
        cur = self._db.execute(sql + " ORDER BY a.track_id", params)
        try:
            while rows := cur.fetchmany(1000):  # streamed: 100k rows never sit in memory twice
                for row in rows:
                    yield self._analysis(row)
        finally:
            cur.close()

    def analysed_ids(self, version: int | Iterable[int]) -> np.ndarray:
        """Ids (int64, increasing) of the ``analysed`` tracks of *version* (the tracks
        table's record of it: :meth:`analysis_rows` may still skip one without a row)."""
        in_versions, versions = in_list(version)
        cur = self._db.execute("SELECT id FROM tracks WHERE status = ? AND "
                               f"analysis_version {in_versions} ORDER BY id",
                               [TrackStatus.ANALYSED, *versions])
        try:
            return np.fromiter((r[0] for r in cur), dtype=np.int64)
        finally:
            cur.close()

    def analyses_of(self, track_ids: Iterable[int], version: int | Iterable[int]
                    ) -> list[AnalysisRow]:
        """The analyses of those *track_ids* that :meth:`analysis_rows` would give for
        *version* (``analysed`` tracks), by track id: a chunk of the library at a time."""
        ids = [int(t) for t in track_ids]
        in_versions, versions = in_list(version)
        out: list[AnalysisRow] = []
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            out += [self._analysis(r) for r in self._all(
                f"SELECT {_COLUMNS} FROM analysis a JOIN tracks t ON t.id = a.track_id "
                f"WHERE t.status = ? AND a.version {in_versions} AND "
                f"a.track_id IN ({','.join('?' * len(chunk))})",
                [TrackStatus.ANALYSED, *versions, *chunk])]
        out.sort(key=lambda r: r.track_id)
        return out

    def analyses_with_paths(self) -> Iterator[tuple[str, AnalysisRow]]:
        """``(path, analysis)`` of every track that has an analysis row, whatever its status
        (missing and failed ones too), by track id; streamed like :meth:`analysis_rows`."""
        cur = self._db.execute(f"SELECT t.path, {_COLUMNS} FROM analysis a "
                               "JOIN tracks t ON t.id = a.track_id ORDER BY a.track_id")
        try:
            while rows := cur.fetchmany(1000):
                for path, *row in rows:
                    yield db_path_value(path), self._analysis(tuple(row))
        finally:
            cur.close()

    def replace_embeddings(self, embeddings: Iterable[tuple[int, np.ndarray]]) -> int:
        """Overwrite the stored embedding of each ``(track id, vector)``, nothing else (not the
        version, the other vectors or the track's status); one transaction. Returns how many
        analysis rows changed (ids without one are skipped). For experiments that score an
        alternative embedding through the unchanged recommender."""
        changed: list[int] = []
        with self.transaction():
            for t, e in embeddings:
                old = self.get_analysis(int(t))
                if old is None:
                    continue
                self._write_vectors(old.track_id, old.features, old.tags, e, old.mtt_tags,
                                    old.mtt_embedding)
                changed.append(old.track_id)
            self._event(StoreEvent.ANALYSIS_SAVED, changed)
        return len(changed)

    def analysed_since(self, since: float) -> int:
        """How many analysis rows were written at or after *since* (a ``time.time()``)."""
        return int(self._one("SELECT COUNT(*) FROM analysis WHERE created_at >= ?",
                             (float(since),))[0])

    def analysis_created(self) -> dict[int, float]:
        """``track id → created_at`` of every analysis row (when it was written)."""
        return {int(i): c for i, c in self._all("SELECT track_id, created_at FROM analysis")}
