"""The ``map_layout`` tables: the library map's last full layout, one row per track.

``map_layout_info`` (one row) says what the positions were computed from: the analysis
version, a key of the set of tracks laid out
(:func:`soundalike.library.recommend.map_layout.track_key`),
the method and when. Positions of tracks removed since go with them (``ON DELETE
CASCADE``); tracks analysed since have none.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class MapLayoutInfo(NamedTuple):
    analysis_version: int
    track_key: str
    method: str
    tracks: int
    created_at: float


class MapLayoutMixin:
    def save_map_layout(self, track_ids: Sequence[int], xy: np.ndarray, *,
                        analysis_version: int, track_key: str, method: str) -> None:
        """Replace the stored layout with *xy* (n, 2) for *track_ids* (n,), in one
        transaction (ids no longer in ``tracks`` are skipped)."""
        xy = np.asarray(xy, np.float64)
        if xy.shape != (len(track_ids), 2):
            raise ValueError("one (x, y) per track id")
        with self.transaction():
            db = self._db
            db.execute("DELETE FROM map_layout")
            db.executemany(
                "INSERT INTO map_layout(track_id, x, y) SELECT ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM tracks WHERE id = ?)",
                ((int(t), float(x), float(y), int(t))
                 for t, (x, y) in zip(track_ids, xy, strict=True)))
            db.execute("INSERT OR REPLACE INTO map_layout_info VALUES (1, ?, ?, ?, ?, ?)",
                       (int(analysis_version), track_key, method, len(track_ids),
                        time.time()))

    def map_layout_info(self) -> MapLayoutInfo | None:
        row = self._one("SELECT analysis_version, track_key, method, tracks, created_at "
                        "FROM map_layout_info WHERE id = 1")
        return MapLayoutInfo(*row) if row else None

    def map_layout(self) -> tuple[np.ndarray, np.ndarray]:
        """``(track ids (n,) int64, xy (n, 2) float32)`` of the stored layout."""
        rows = self._all("SELECT track_id, x, y FROM map_layout ORDER BY track_id")
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, 2), np.float32)
        a = np.asarray(rows, np.float64)
        return a[:, 0].astype(np.int64), a[:, 1:].astype(np.float32)

    def clear_map_layout(self) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM map_layout")
            self._db.execute("DELETE FROM map_layout_info")
