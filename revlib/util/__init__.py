"""Small shared helpers and the error type Alembic exposes as ``alembic.util.CommandError``."""

from __future__ import annotations

from revlib.util.exc import CommandError

__all__ = ["CommandError"]
