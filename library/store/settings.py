"""The ``settings`` table: library-wide options as JSON values, declared in
:mod:`soundalike.library.model.settings` (read and write them as :class:`Setting` s:
``store.setting(ANALYSIS_WORKERS)``, ``store.save_setting(ANALYSIS_WORKERS, 2)``)."""

from __future__ import annotations

import json
from typing import Any

from soundalike.library.model.settings import CACHE_KEYS, Setting


class SettingsMixin:
    def setting(self, setting: Setting) -> Any:
        """The stored value of *setting*, else its declared default."""
        return self.get_setting(setting.key, setting.default)

    def save_setting(self, setting: Setting, value: Any) -> None:
        """Store *value* for *setting* (a tuple is stored as a list)."""
        self.set_setting(setting.key, list(value) if isinstance(value, tuple) else value)

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self._one("SELECT value FROM settings WHERE key = ?", (key,))
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError:
            return default

    def delete_settings(self, prefix: str) -> int:
        """Remove every setting whose key starts with *prefix* (``"recommend."``: the saved
        vector model and the recommendation filters); returns how many."""
        with self.transaction():
            self._backup_data_changed()
            return self._db.execute("DELETE FROM settings WHERE substr(key, 1, ?) = ?",
                                    (len(prefix), prefix)).rowcount

    def set_setting(self, key: str, value: Any) -> None:
        text = json.dumps(value)
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
                             (key, text))
            if key not in CACHE_KEYS:
                self._backup_data_changed()
