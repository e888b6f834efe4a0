"""Errors the command line reports as one plain line, without a traceback."""


class CliError(Exception):
    """An expected failure: printed as ``soundalike: message``; exit code 1."""

    code = 1


class UsageError(CliError):
    """A bad command line: wrong arguments, an ambiguous or unknown query; exit code 2."""

    code = 2
