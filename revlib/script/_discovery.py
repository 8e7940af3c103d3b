"""Which files in a version location are migration scripts, in Alembic's load order.

Alembic lists every file of a location (sorted; subdirectories too, sorted, when
``recursive_version_locations`` is on; ``__pycache__`` skipped), then keeps names ending in
``.py`` that do not start with ``.#`` or ``__init__`` (with ``sourceless``, also ``.pyc`` /
``.pyo`` for which no source sits beside them). The load order breaks ties in head order and
in walks, so it is reproduced exactly.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_SOURCE_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
_SOURCE_OR_COMPILED_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)(c|o)?$")
LEGACY_REVISION_FILE = re.compile(r"([a-f0-9]+)\.py$")


def list_files(location: Path, sourceless: bool, recursive: bool) -> list[Path]:
    """Every file Alembic would consider in ``location``, in its order."""
    return [Path(path) for path in list_paths(os.fspath(location), sourceless, recursive)]


def list_paths(location: str, sourceless: bool, recursive: bool) -> list[str]:
    """:func:`list_files` as strings (``os.path.join(directory, name)``): building a Path per
    file costs more than everything else the loader does with a cached file."""
    paths: list[str] = []
    for root, dirs, files in os.walk(location, topdown=True):
        if Path(root).name.endswith("__pycache__"):
            continue
        prefix = os.path.join(root, "")
        paths.extend([prefix + name for name in sorted(files)])
        if sourceless:
            paths.extend(str(p) for p in _orphan_compiled_files(Path(root), files))
        if not recursive:
            break
        dirs.sort()
    return paths


def _orphan_compiled_files(root: Path, files: list[str]) -> list[Path]:
    """Compiled files in ``root/__pycache__`` whose stem has no file in ``root``."""
    cache = root / "__pycache__"
    if not cache.exists():
        return []
    stems = {Path(name).name.split(".")[0] for name in files}
    return [entry for entry in cache.iterdir() if entry.name.split(".")[0] not in stems]


def is_source_name(name: str) -> bool:
    """True for a file name Alembic loads as a source revision (``.py``, not ``.#*`` or
    ``__init__*``): the name-only half of :func:`is_script_file`, for paths not on disk.

    Without a newline in the name, Alembic's pattern says exactly this, and string methods
    say it faster (this runs once per file); its ``$`` also matches before a final newline."""
    if "\n" in name:
        return _SOURCE_FILE.match(name) is not None
    return name.endswith(".py") and not name.startswith((".#", "__init__"))


def is_script_file(path: Path, sourceless: bool) -> bool:
    """True when Alembic would load ``path`` as a revision (see the module docstring)."""
    pattern = _SOURCE_OR_COMPILED_FILE if sourceless else _SOURCE_FILE
    match = pattern.match(path.name)
    if not match:
        return False
    compiled = sourceless and match.group(2) in ("c", "o")
    if not compiled:
        return True
    source = path.parent / match.group(1)
    # prefer the source (it has the encoding); prefer .pyc over .pyo (it keeps docstrings)
    if source.exists():
        return False
    return not (match.group(2) == "o" and (path.parent / (match.group(1) + "c")).exists())
