"""The SQLite library cache, scanner, tag reader and folder watcher. Never imports Qt."""
