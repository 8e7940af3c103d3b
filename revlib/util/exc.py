"""Errors shared by the library and its command line, mirroring ``alembic.util.exc``."""

from __future__ import annotations


class CommandError(Exception):
    """A user-facing failure: bad configuration, bad input, or an impossible request.

    Same name and role as ``alembic.util.CommandError``, so callers catching it keep working.
    """
