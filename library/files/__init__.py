"""The music files on disk: scanning and watching the folders, tags, fingerprints,
playlist files and cover art."""
