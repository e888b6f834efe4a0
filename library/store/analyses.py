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


def _to_blob(values) -> bytes:
    return np.ascontiguousarray(values, dtype="<f4").tobytes()


def _from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def _maybe_blob(values) -> bytes | None:
    return None if values is None else _to_blob(values)


def _maybe_array(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else _from_blob(blob)


_COLUMNS = ("a.track_id, a.version, a.features, a.tags, a.embedding, a.duration, "
            "a.mtt_tags, a.mtt_embedding")


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
            self._db.execute(
                "INSERT OR REPLACE INTO analysis(track_id, version, features, tags, "
                "embedding, duration, created_at, mtt_tags, mtt_embedding) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (track_id, int(version), _to_blob(features), _to_blob(tags),
                 _to_blob(embedding), None if duration is None else float(duration),
                 time.time(), _maybe_blob(mtt_tags), _maybe_blob(mtt_embedding)))
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
            self._db.execute("UPDATE analysis SET version = ?, mtt_tags = ?, mtt_embedding = ?, "
                             "created_at = ? WHERE track_id = ?",
                             (int(version), _to_blob(mtt_tags), _to_blob(mtt_embedding), now,
                              track_id))
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

        def value(blob) -> float:
            return float(np.frombuffer(blob, dtype="<f4", count=1, offset=4 * col)[0])

        row = self._one("SELECT t.album, COALESCE(t.albumartist, t.artist), a.features "
                        "FROM tracks t LEFT JOIN analysis a ON a.track_id = t.id "
                        "WHERE t.id = ?", (track_id,))
        if row is None:
            return None, []
        album, artist, blob = row
        own = value(blob) if blob is not None else None
        if not album:
            return own, []
        rows = self._all("SELECT a.features FROM tracks t JOIN analysis a ON a.track_id = t.id "
                         "WHERE t.album = ? AND COALESCE(t.albumartist, t.artist) IS ? "
                         "AND t.status = ?", (album, artist, TrackStatus.ANALYSED))
        return own, [value(r[0]) for r in rows]

    def get_analysis(self, track_id: int) -> AnalysisRow | None:
        row = self._one(f"SELECT {_COLUMNS} FROM analysis a WHERE track_id = ?", (track_id,))
        return self._analysis(row) if row else None

    @staticmethod
    def _analysis(row: tuple) -> AnalysisRow:
        tid, version, f, t, e, d, mt, me = row
        return AnalysisRow(int(tid), int(version), _from_blob(f), _from_blob(t), _from_blob(e), d,
                           _maybe_array(mt), _maybe_array(me))

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
