"""One error root for everything Soundalike reports about a file, in plain words."""


class SoundalikeError(Exception):
    """Root of every expected Soundalike error; ``str(exc)`` is fit to show a user."""


class AudioError(SoundalikeError):
    """The file cannot be decoded: empty, truncated, corrupt, not audio, unsupported."""


class ModelError(SoundalikeError):
    """The shipped tagging model is missing or cannot be loaded."""


class AnalysisError(SoundalikeError):
    """Analysis failed for another reason: a time limit, a crashed worker, …"""
