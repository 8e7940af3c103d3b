"""Where revlib's settings may be, found without parsing anything.

Every command looks for ``[tool.revlib]`` / ``[revlib]`` before it starts; most projects have
none. Both section names hold the word ``revlib``, so a ``pyproject.toml`` or ``alembic.ini``
whose bytes never mention it holds no settings, and the TOML and INI parsers (and the settings
module itself) need not even be imported to know that.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

__all__ = ["SETTINGS_FILES", "any_settings", "may_hold_settings", "search_directories"]

SETTINGS_FILES = ("pyproject.toml", "alembic.ini")


def search_directories(start: str) -> Iterator[str]:
    """``start`` (made absolute) and the directories above it, up to and including the top
    of the git work tree holding it (the first with a ``.git``), else up to the root."""
    directory = os.path.abspath(start)
    while True:
        yield directory
        parent = os.path.dirname(directory)
        if parent == directory or os.path.exists(os.path.join(directory, ".git")):
            return
        directory = parent


def may_hold_settings(path: str) -> bool:
    """False only when ``path`` surely holds no revlib settings: it is not a readable file,
    or its bytes never mention ``revlib`` and hold no escape that could spell it in a
    quoted TOML key."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError:
        return os.path.isfile(path)  # unreadable: the parser says what is wrong
    return b"revlib" in data or b"\\u" in data or b"\\U" in data


def any_settings(start: str) -> bool:
    """Whether any settings file from ``start`` up may hold revlib settings."""
    return any(
        may_hold_settings(os.path.join(directory, name))
        for directory in search_directories(start)
        for name in SETTINGS_FILES
        if os.path.isfile(os.path.join(directory, name))
    )
