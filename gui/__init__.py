"""The PySide6 desktop player: the only package that imports Qt."""
