"""Script management: a drop-in for ``alembic.script`` that reads version files statically."""

from __future__ import annotations

from revlib.script._script import Script
from revlib.script.base import ScriptDirectory

__all__ = ["Script", "ScriptDirectory"]
