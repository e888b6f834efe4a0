"""``python -m soundalike``: the same as the ``soundalike`` command (no arguments: the player)."""

import sys

from soundalike.main import main

if __name__ == "__main__":
    sys.exit(main())
