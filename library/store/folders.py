"""The ``folders`` table: the configured music folders."""

from __future__ import annotations

import os
import time

from soundalike.library.model.states import StoreEvent, TrackStatus
from soundalike.library.model.track import Folder
from soundalike.library.store.connection import db_path_param, db_path_value


class FoldersMixin:
    def add_folder(self, path: str | os.PathLike) -> int:
        """Add a music folder (stored as an absolute path); return its id (existing or new)."""
        p = os.path.abspath(os.fsdecode(path))
        with self.transaction():
            row = self._one("SELECT id FROM folders WHERE path = ?", (db_path_param(p),))
            if row:
                return int(row[0])
            cur = self._db.execute("INSERT INTO folders(path, added_at) VALUES (?, ?)",
                                   (db_path_param(p), time.time()))
            self._event(StoreEvent.FOLDERS_CHANGED)
            self._backup_data_changed()
            return int(cur.lastrowid)

    def remove_folder(self, path: str | os.PathLike) -> bool:
        """Forget a music folder. Its tracks are marked ``missing`` (not dropped: their
        analysis survives until :meth:`purge_missing`, and re-adding the folder revives them).
        Returns False if the folder was not configured."""
        p = os.path.abspath(os.fsdecode(path))
        with self.transaction():
            row = self._one("SELECT id FROM folders WHERE path = ?", (db_path_param(p),))
            if not row:
                return False
            ids = [r[0] for r in self._all(
                "SELECT id FROM tracks WHERE folder_id = ? AND status != ?",
                (row[0], TrackStatus.MISSING))]
            self.mark_missing(ids)
            self._db.execute("DELETE FROM folders WHERE id = ?", row)
            self._event(StoreEvent.FOLDERS_CHANGED)
            self._backup_data_changed()
            return True

    def folders(self) -> list[Folder]:
        return [Folder(int(i), db_path_value(p), float(a)) for i, p, a in self._all(
            "SELECT id, path, added_at FROM folders ORDER BY path")]

    def folder_track_ids(self, folder_id: int, *, exclude: str | None = None) -> list[int]:
        """Ids of the tracks of the music folder *folder_id* (but those with status
        *exclude*)."""
        return [int(r[0]) for r in self._all(
            "SELECT id FROM tracks WHERE folder_id = ? AND status IS NOT ?",
            (int(folder_id), None if exclude is None else str(exclude)))]

    def folder_track_count(self, folder_id: int) -> int:
        """How many tracks the music folder *folder_id* has (any status: missing too)."""
        return int(self._one("SELECT COUNT(*) FROM tracks WHERE folder_id = ?",
                             (int(folder_id),))[0])

    def set_folder_ids(self, pairs: list[tuple[int | None, int]]) -> None:
        """``(folder_id, track_id)`` pairs: move tracks to another music folder (a scan
        found them under a nested folder that is now configured)."""
        if pairs:
            with self.transaction():
                self._db.executemany("UPDATE tracks SET folder_id = ? WHERE id = ?", pairs)
