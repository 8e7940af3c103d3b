"""Kept answers for ``revlib heads`` and ``revlib check`` (see :mod:`revlib._result_cache`).

A command asks :func:`answers_for` before reading anything; on a miss it computes its answer
inside :func:`watching_warnings` and keeps it only when no warning was shown and every file's
record was one the per-file caches keep. The query names what else the output depends on:
the command and its options, the working directory (paths are shown relative to it) and
Python's warning options.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from revlib._result_cache import ResultCache
    from revlib.script import ScriptDirectory

_HOOKS_DIRECTORY = os.path.dirname(os.path.abspath(__file__))


def answers_for(locations: Sequence[str], recursive: bool, use_cache: bool) -> ResultCache | None:
    """The kept answers of these version locations, unless caching is off or the locations
    cannot be fingerprinted."""
    if not use_cache or not locations:
        return None
    from revlib.script._cache import cache_disabled

    if cache_disabled():
        return None
    from revlib._result_cache import ResultCache

    return ResultCache.for_locations(locations, recursive, code=(_HOOKS_DIRECTORY,))


def script_directory_answers(script_dir: ScriptDirectory) -> ResultCache | None:
    """:func:`answers_for` the version locations of ``script_dir``; None when it reads
    compiled files or may import version files (what it finds then is not theirs alone)."""
    if script_dir.sourceless or script_dir.import_fallback or not script_dir.use_cache:
        return None
    locations = [os.fspath(location) for location in script_dir._version_locations]
    return answers_for(locations, script_dir.recursive_version_locations, script_dir.use_cache)


def query(*parts: Hashable) -> tuple[Hashable, ...]:
    """``parts`` plus what every output also depends on."""
    return (*parts, os.getcwd(), tuple(sys.warnoptions))


@contextmanager
def watching_warnings() -> Iterator[list[str]]:
    """Collect the text of each warning shown meanwhile (it is still shown)."""
    shown: list[str] = []
    previous = warnings.showwarning

    def show(message: Any, *args: Any, **kwargs: Any) -> None:
        shown.append(str(message))
        previous(message, *args, **kwargs)

    warnings.showwarning = show
    try:
        yield shown
    finally:
        warnings.showwarning = previous
