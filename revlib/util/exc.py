"""Errors shared by the library and its command line, mirroring ``alembic.util.exc``."""

from __future__ import annotations


class CommandError(Exception):
    """A user-facing failure: bad configuration, bad input, or an impossible request.

    Same name and role as ``alembic.util.CommandError``, so callers catching it keep working.
    """


class LocatedError(CommandError):
    """A CommandError about a place in a file; ``str()`` gives ``path:line: message``.

    ``line`` may be None (the whole file); ``hint`` says how to fix it and is printed on an
    indented second line.
    """

    def __init__(self, path: str, line: int | None, message: str, hint: str | None = None):
        super().__init__(path, line, message, hint)
        self.path = path
        self.line = line
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        text = f"{where}: {self.message}"
        return text if self.hint is None else f"{text}\n  hint: {self.hint}"
