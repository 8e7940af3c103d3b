"""Version files as data: a path and its bytes, wherever they were read from.

The checks in :mod:`revlib.lint` and :mod:`revlib.new_heads` work on :class:`SourceFile`
sequences, so the same code checks the work tree, the git index or any commit.
:func:`select_version_paths` applies Alembic's discovery rules to a plain list of paths (a git
listing, say) and returns the version files in Alembic's load order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import PurePosixPath

from revlib.script._discovery import is_source_name

__all__ = ["SourceFile", "select_version_paths"]


class SourceFile:
    """One version file: where it is (as shown to the user) and its exact bytes.

    The bytes may be read only when first asked for (``load``): a cache that knows the file
    (by its blob id, or by the ``stat`` of ``file``, its resolved path on disk) may never ask.
    ``file`` is also where a file from git would be on disk (with ``stat`` None then).
    """

    __slots__ = ("_data", "_load", "blob", "file", "path", "stat")

    def __init__(
        self,
        path: str,
        data: bytes | None = None,
        *,
        load: Callable[[], bytes] | None = None,
        blob: str | None = None,
        file: str | None = None,
        stat: os.stat_result | None = None,
    ) -> None:
        if data is None and load is None:
            raise TypeError("a SourceFile needs its data or a way to load it")
        self.path = path
        self._data = data
        self._load = load
        self.blob = blob
        self.file = file
        self.stat = stat

    @property
    def data(self) -> bytes:
        """The file's bytes (read now if they were not yet)."""
        data = self._data
        if data is None:
            assert self._load is not None
            data = self._data = self._load()
        return data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceFile):
            return NotImplemented
        return (self.path, self.data) == (other.path, other.data)

    def __hash__(self) -> int:
        return hash((self.path, self.data))

    def __repr__(self) -> str:
        shown = "..." if self._data is None else repr(self._data)
        return f"SourceFile(path={self.path!r}, data={shown})"


def select_version_paths(
    paths: Iterable[str], locations: Sequence[str], *, recursive: bool
) -> list[str]:
    """The paths Alembic would load from ``locations``, in its load order.

    ``paths`` and ``locations`` are POSIX paths relative to the same root (``""`` is the root).
    Locations are read in order; within one, files sort by name before subdirectories, which
    are visited only when ``recursive`` (skipping a ``__pycache__``'s files). A file reached
    through two locations is loaded once, the first time.
    """
    available = [(path, _parts(path)) for path in dict.fromkeys(paths)]
    selected: dict[str, None] = {}
    for location in locations:
        base = _parts(location) if location not in ("", ".") else ()
        members = [
            (key, path)
            for path, parts in available
            if (key := _order_key(parts, base, recursive)) is not None
        ]
        for _, path in sorted(members):
            selected.setdefault(path, None)
    return list(selected)


def _parts(path: str) -> tuple[str, ...]:
    """``PurePosixPath(path).parts``, by splitting when there is nothing to normalise (a path
    from git always): a PurePosixPath per path costs more than the rest of a staged check."""
    odd = not path or path[0] == "/" or path[-1] in "/." or "//" in path or "/./" in path
    if odd or path.startswith("./"):
        return PurePosixPath(path).parts
    return tuple(path.split("/"))


def _order_key(
    parts: tuple[str, ...], base: tuple[str, ...], recursive: bool
) -> tuple[tuple[int, str], ...] | None:
    """Where the path of ``parts`` comes in a top-down walk of the location of ``base``
    (None when it is not loaded): at each level a directory's files (0, name) come before
    its subdirectories (1, name)."""
    if parts[: len(base)] != base or len(parts) <= len(base):
        return None
    *directories, name = parts[len(base) :]
    if directories and not recursive:
        return None
    # Alembic skips the files of a directory named ``*__pycache__`` (but not its subdirectories)
    if directories and directories[-1].endswith("__pycache__"):
        return None
    if not is_source_name(name):
        return None
    return (*((1, d) for d in directories), (0, name))
