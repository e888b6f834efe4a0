"""A Music Player Daemon seen from Soundalike: its client (address, music folder, songs)
and the radio that keeps its queue topped up."""
