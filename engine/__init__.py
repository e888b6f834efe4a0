"""Audio → features → vectors → similarity. Pure Python/numpy; never imports Qt."""
