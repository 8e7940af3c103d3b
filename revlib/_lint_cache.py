"""A cache of what the lint reads in each version file, so that an unchanged file is neither
read nor parsed again by ``revlib check``.

What :mod:`revlib._lint_read` takes from one file (its node's fields, an ``unreadable-file``
or conflict-marker finding, a partial node) depends on the file's bytes alone, except in the
cases :func:`~revlib._lint_read.file_record` names, which are never cached. So it is kept as a
path-free :data:`~revlib._lint_read.Record` under the bytes' blob id, in a
:class:`~revlib.script._cache.RecordStore`: the header cache's store, with its guarantees
(racily-clean files not trusted, checksummed and versioned file, atomic writes). A file on
disk is found by its ``stat`` signature without being read; a file from git by the blob id
the index or the commit gives for free.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from typing import Final

from revlib._lint_read import Record, file_record
from revlib.script._cache import RecordStore, blob_id, cache_disabled
from revlib.sources import SourceFile

__all__ = ["LintCache", "cache_disabled"]


class LintCache(RecordStore):
    """The lint records of one script directory's version files (see the module docstring).

    :meth:`record` gives what :func:`~revlib._lint_read.file_record` gives for a file;
    :meth:`save` writes the cache back if anything changed.
    """

    FORMAT = b"revlib-lint-cache 1"
    PREFIX = "lint-"
    SOURCES = (
        "_lint_read.py",
        "_lint_cache.py",
        "script/reader.py",
        "script/_literals.py",
        "script/_names.py",
        "script/_cache.py",
    )

    def __init__(self, file: str | None, root: str = "") -> None:
        super().__init__(file, root)
        self.hits = 0  # files answered without being read
        self.parsed = 0  # files whose bytes were parsed
        self._layouts: set[object] = set()  # line tuples found well-formed

    @classmethod
    def for_locations(cls, locations: Sequence[str]) -> LintCache:
        """The cache of the version files under ``locations`` (absolute paths)."""
        real = [os.path.realpath(location) for location in locations]
        common = os.path.commonpath(real) if real else os.sep
        return cls.for_directory(common)

    def records(self, files: Sequence[SourceFile], search_path: Sequence[str]) -> list[Record]:
        """:meth:`record` of each file, with the common case (an unchanged file on disk, or a
        blob the index names that the cache knows under that path) answered inline: at ten
        thousand files, the calls would cost more than the answers."""
        entries, seen, layouts = self._entries, self._seen, self._layouts
        prefix = self._prefix
        cut = len(prefix)
        found: list[Record] = []
        hits = 0
        for source in files:
            file, st = source.file, source.stat
            if file is not None:
                key = file[cut:] if file.startswith(prefix) else file
                entry = entries.get(key)
                if entry is not None and type(entry) is tuple and len(entry) == 7:
                    if st is not None:
                        same = stat.S_ISREG(st.st_mode) and entry[:5] == (
                            st.st_size,
                            st.st_mtime_ns,
                            st.st_ctime_ns,
                            st.st_ino,
                            st.st_dev,
                        )
                    else:
                        same = source.blob is not None and entry[5] == source.blob
                    if same and valid(entry[6], layouts):
                        seen[key] = entry
                        found.append(entry[6])
                        hits += 1
                        continue
            found.append(self.record(source, search_path))
        self.hits += hits
        return found

    def record(self, source: SourceFile, search_path: Sequence[str]) -> Record:
        """The record of ``source``: from its ``stat`` signature, else from its blob id (the
        file is read and hashed when the id is not known), else parsed."""
        key = None if source.file is None else self.key(source.file)
        st = source.stat
        if key is not None and st is not None and stat.S_ISREG(st.st_mode):
            entry = self.unchanged(key, st)
            if entry is not None and valid(entry[6], self._layouts):
                self.hits += 1
                return entry[6]
        blob = source.blob
        if blob is not None and key is not None:
            entry = self.same_blob(key, blob)
            if entry is not None and valid(entry[6], self._layouts):
                self.hits += 1
                return entry[6]
        if blob is None:
            blob = blob_id(source.data)
        record = self.known(blob)
        if record is None or not valid(record, self._layouts):
            self.parsed += 1
            record, cacheable = file_record(source.data, source.path, search_path)
            if not cacheable:
                if key is not None:
                    self.forget(key)
                return record
        else:
            self.hits += source.blob is not None
        if key is not None:
            self.remember(key, st, blob, record)
        return record


_LINE: Final = (str, int)
_OPTIONAL_STR: Final = (str, type(None))
_OPTIONAL_INT: Final = (int, type(None))


def valid(record: object, layouts: set[object] | None = None) -> bool:
    """Whether ``record`` is a well-formed :data:`~revlib._lint_read.Record` (a cache file is
    checksummed, but its records are checked anyway before they are used). ``layouts`` holds
    the line tuples found valid already (most records share a few)."""
    if type(record) is not tuple:
        return False
    try:
        shape = tuple(map(type, record))
        if shape in _NODE_SHAPES and record[0] == "node":
            _, _, parents, dependencies, labels, lines, _, marker = record
            "".join(parents + dependencies + labels)  # TypeError unless each is a str
            return _lines(lines, layouts) and (marker is None or _finding(marker))
        if shape in _UNREADABLE_SHAPES and record[0] == "unreadable":
            partial = record[4]
            if partial is None:
                return True
            revision, parents, lines = partial
            return (
                type(revision) is str
                and (parents is None or _strings(parents))
                and _lines(lines, layouts)
            )
    except (TypeError, ValueError):  # a part of another shape, or unhashable
        return False
    return False


_NODE_SHAPES: Final = frozenset(
    (str, str, tuple, tuple, tuple, tuple, docstring, marker)
    for docstring in (str, type(None))
    for marker in (tuple, type(None))
)
_UNREADABLE_SHAPES: Final = frozenset(
    (str, line, str, hint, partial)
    for line in (int, type(None))
    for hint in (str, type(None))
    for partial in (tuple, type(None))
)


def _strings(value: object) -> bool:
    """A tuple of str: ``str.join`` checks each item (marshal never makes a str subclass)."""
    if type(value) is not tuple:
        return False
    "".join(value)  # TypeError for an item that is not a str
    return True


def _lines(value: object, layouts: set[object] | None) -> bool:
    if layouts is not None and value in layouts:
        return True
    good = type(value) is tuple and all(
        type(pair) is tuple and tuple(map(type, pair)) == _LINE for pair in value
    )
    if good and layouts is not None:
        layouts.add(value)
    return good


def _finding(value: object) -> bool:
    if type(value) is not tuple or len(value) != 3:
        return False
    line, message, hint = value
    return type(line) in _OPTIONAL_INT and type(message) is str and type(hint) in _OPTIONAL_STR
