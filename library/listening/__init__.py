"""Playback-side state: the listening session that survives a restart and the loudness
levelling of tracks."""
