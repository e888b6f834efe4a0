"""The library: everything between the music files and the GUI/CLI. Never imports Qt.

Its parts, in import order (a part imports only parts above it; tests/library/test_layers.py):

- ``model``: what the library is made of, with no I/O: errors, states, the declared
  ``tracks`` schema, the Track record, the one search semantic, the table's views.
- ``store``: the SQLite cache, the only owner of SQL.
- ``files``: the music files on disk: scanner, watcher, tags, fingerprint, playlist
  files, cover art; the cache folder and the one atomic write (``disk``).
- ``analysis``: the analysis run: controller, worker processes, the CNN's path, the
  machine's cores, power, claim owners.
- ``listening``: playback-side state: the saved session, loudness levelling.
- ``browse`` (a module): looking tracks up through the store, for GUI, CLI and radio.
- ``recommend``: recommendations (similar, radio, paths) and the library map's layout.
- ``mpd``: Soundalike seen from a Music Player Daemon: its client and the radio.
"""
