"""Recommendations (similar tracks, radio, song paths, explanations) and the library
map's layout."""
