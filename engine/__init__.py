"""Audio → features → vectors → similarity. Pure Python/numpy; never imports Qt or library/."""

import os as _os

if "NUMBA_CACHE_DIR" not in _os.environ:  # numba's first JIT costs seconds; cache it (librosa uses numba)
    try:
        import platformdirs as _pd

        _cache = _os.path.join(_pd.user_cache_dir("soundalike"), "numba")
        _os.makedirs(_cache, exist_ok=True)
        _os.environ["NUMBA_CACHE_DIR"] = _cache
    except OSError:  # read-only home: numba then simply does not cache
        pass
