"""The recommendations' default filters: persisted in the library's settings
(:data:`~soundalike.library.model.settings.FILTER_SETTINGS`), read with overrides, and
copied with changes."""

from __future__ import annotations

import dataclasses

from soundalike.engine.filters import Filters
from soundalike.library.model.settings import FILTER_SETTINGS
from soundalike.library.recommend.results import RecommendError
from soundalike.library.store import Store


def default_filters(store: Store, **overrides) -> Filters:
    """The filters persisted in the store's settings, with *overrides* applied."""
    values = {}
    for setting in FILTER_SETTINGS:
        v = store.get_setting(setting.key)
        if v is not None:
            values[setting.name] = tuple(v) if isinstance(v, list) else v
    values.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()
                   if v is not None})
    try:
        return Filters(**values)
    except TypeError as exc:
        raise RecommendError(f"unknown filter option ({exc})") from None


def save_default_filters(store: Store, filters: Filters) -> None:
    """Persist *filters* as the library's defaults."""
    for setting in FILTER_SETTINGS:
        store.save_setting(setting, getattr(filters, setting.name))


def replace_filters(filters: Filters, **changes) -> Filters:
    """A copy of *filters* with *changes* (tuples for list-like options)."""
    return dataclasses.replace(filters, **{k: tuple(v) if isinstance(v, list) else v
                                           for k, v in changes.items()})
