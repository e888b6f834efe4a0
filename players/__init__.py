"""Soundalike inside the players people already use.

``players/mpd.py`` talks to a Music Player Daemon (python-mpd2, the ``mpd`` extra): where it
is, its music folder, and the mapping between MPD's relative song URIs and library paths;
``players/mpd_radio.py`` keeps an MPD queue topped up with a Soundalike radio. The beets
plugin lives apart, in the ``beetsplug`` namespace package (``beetsplug/soundalike.py``).
Nothing here imports Qt; imports flow cli → players → library → engine.
"""
