"""The ``analysis`` table: each analysed track's vectors (float32 BLOBs)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import numpy as np

from soundalike.library.states import StoreEvent, TrackStatus
from soundalike.library.store.connection import db_path_value
from soundalike.library.track import printable


class AnalysisRow(NamedTuple):
    """One analysed track's vectors (float32 arrays) as stored in ``analysis``."""

    track_id: int
    version: int
    features: np.ndarray
    tags: np.ndarray
    embedding: np.ndarray
    duration: float | None


def _to_blob(values) -> bytes:
    return np.ascontiguousarray(values, dtype="<f4").tobytes()


def _from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


_COLUMNS = "a.track_id, a.version, a.features, a.tags, a.embedding, a.duration"


class AnalysesMixin:
    def save_analysis(self, track_id: int, *, version: int, features, tags, embedding,
                      duration: float | None) -> None:
        """Store one track's vectors and mark it ``analysed`` (one transaction)."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO analysis(track_id, version, features, tags, "
                "embedding, duration, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (track_id, int(version), _to_blob(features), _to_blob(tags),
                 _to_blob(embedding), None if duration is None else float(duration),
                 time.time()))
            self._db.execute(
                "UPDATE tracks SET status = CASE WHEN status = :missing THEN :missing "
                "ELSE :analysed END, analysis_version = :version, error = NULL, "
                "duration = COALESCE(duration, :duration), updated_at = :now WHERE id = :id",
                {"missing": TrackStatus.MISSING, "analysed": TrackStatus.ANALYSED,
                 "version": int(version), "duration": duration, "now": time.time(),
                 "id": track_id})
            self._event(StoreEvent.ANALYSIS_SAVED, [track_id])

    def save_failure(self, track_id: int, reason: str) -> None:
        """Mark a track ``failed`` with a plain-words *reason*."""
        with self.transaction():
            self._db.execute("UPDATE tracks SET status = ?, error = ?, updated_at = ? "
                             "WHERE id = ? AND status != ?",
                             (TrackStatus.FAILED, printable(str(reason)), time.time(), track_id,
                              TrackStatus.MISSING))
            self._event(StoreEvent.ANALYSIS_FAILED, [track_id])

    def get_analysis(self, track_id: int) -> AnalysisRow | None:
        row = self._one(f"SELECT {_COLUMNS} FROM analysis a WHERE track_id = ?", (track_id,))
        return self._analysis(row) if row else None

    @staticmethod
    def _analysis(row: tuple) -> AnalysisRow:
        tid, version, f, t, e, d = row
        return AnalysisRow(int(tid), int(version), _from_blob(f), _from_blob(t), _from_blob(e), d)

    def analysis_rows(self, version: int | None = None) -> Iterator[AnalysisRow]:
        """Analysis of every ``analysed`` track (optionally of one *version*), by track id."""
        sql = (f"SELECT {_COLUMNS} FROM analysis a JOIN tracks t ON t.id = a.track_id "
               "WHERE t.status = ?")
        params: list = [TrackStatus.ANALYSED]
        if version is not None:
            sql += " AND a.version = ?"
            params.append(int(version))
        cur = self._db.execute(sql + " ORDER BY a.track_id", params)
        try:
            while rows := cur.fetchmany(1000):  # streamed: 100k rows never sit in memory twice
                for row in rows:
                    yield self._analysis(row)
        finally:
            cur.close()

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
        pairs = [(_to_blob(e), int(t)) for t, e in embeddings]
        with self.transaction():
            cur = self._db.executemany("UPDATE analysis SET embedding = ? WHERE track_id = ?",
                                       pairs)
            changed = cur.rowcount
            self._event(StoreEvent.ANALYSIS_SAVED, [t for _, t in pairs])
        return changed

    def analysis_created(self) -> dict[int, float]:
        """``track id → created_at`` of every analysis row (when it was written)."""
        return {int(i): c for i, c in self._all("SELECT track_id, created_at FROM analysis")}
