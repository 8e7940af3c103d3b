"""``MISSING``: the value of a name a migration file never assigns.

In a module of its own so that the loader and the lint can compare with it without importing
the reader (which takes milliseconds, and a warm cache does not need); :mod:`revlib.script.reader`
re-exports it.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["MISSING"]


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing.MISSING
"""The value of a name the module never assigns (falsy; compare with ``is``)."""
