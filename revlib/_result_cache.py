"""Whole answers of read-only commands, kept with a fingerprint of the directories they read.

The header and lint caches spare an unchanged file its reading and parsing, but a command still
makes an object per file and builds the graph: at ten thousand revisions that is most of its
time. When not one file of the version locations changed, the answer cannot have changed
either, so ``revlib heads`` and ``revlib check`` keep their output here and give it again.

The *fingerprint* is what the header cache trusts, for every entry of every location at once:
each file's name and stat signature (size, mtime and ctime in nanoseconds, inode, device), each
subdirectory's name (and, in recursive locations, its entries), each location's resolved path.
No fingerprint is taken (so nothing is kept or answered) when a location holds a symbolic link
or something other than files and directories, or a file young enough to be *racily clean*
(see :data:`revlib.script._cache.RACY_NS`): its signature could stay the same across an edit.

An answer is kept only by a caller that knows it depends on those files and its query alone: no
warning was shown, and every header or lint record was one the per-file caches keep (a header
whose values come from another module is not). The file's first line names the format,
revlib's and Python's versions, and the stat signature of every module of the packages that
compute answers, so a changed revlib never reads an older answer; a checksum covers the rest.
Like the other caches it is written atomically, only when something changed, and may be
deleted at any time.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys
import time
import zlib
from collections.abc import Hashable, Sequence
from typing import Any, Final

from revlib import __version__
from revlib.script import _cache
from revlib.util.files import opened_directory

__all__ = ["ResultCache", "fingerprint"]

FORMAT: Final = b"revlib-result-cache 1"
MAX_ANSWERS: Final = 32
"""Answers kept per fingerprint (each query: a command with its options and working directory)."""

_PACKAGE: Final = os.path.dirname(os.path.abspath(__file__))
_code_keys: dict[tuple[str, ...], bytes] = {}


def fingerprint(locations: Sequence[str], recursive: bool) -> bytes | None:
    """Every entry of ``locations`` (see the module docstring) as bytes, or None when the
    directories hold something whose content their entries cannot vouch for."""
    entries: list[object] = []
    limit = time.time_ns() - _cache.RACY_NS
    for location in locations:
        if not _add_directory(os.fspath(location), recursive, limit, entries):
            return None
    # Kept whole and compared byte for byte: no digest to trust, and no hashlib to import
    # (its OpenSSL start-up costs more than the comparison). marshal's version 2, without
    # the back-references of later versions, writes it twice as fast.
    return marshal.dumps(entries, 2)


def _add_directory(directory: str, recursive: bool, limit: int, entries: list[object]) -> bool:
    real = os.path.realpath(directory)
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        entries.append((real, None))
        return True
    except OSError:
        return False
    names.sort()
    entries.append((real, True))
    subdirectories = []
    lstat, is_regular, is_directory = os.lstat, stat.S_ISREG, stat.S_ISDIR
    with opened_directory(directory) as fd:
        for name in names:
            try:
                st = lstat(name, dir_fd=fd) if fd is not None else lstat(f"{directory}/{name}")
            except OSError:
                return False
            if is_regular(st.st_mode):
                if st.st_mtime_ns >= limit or st.st_ctime_ns >= limit:
                    return False
                entries.append(
                    (name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
                )
            elif is_directory(st.st_mode):
                entries.append(name)
                if recursive:
                    subdirectories.append(name)
            else:  # a symlink (its target may change unseen), a socket...
                return False
    return all(
        _add_directory(os.path.join(directory, name), recursive, limit, entries)
        for name in subdirectories
    )


class ResultCache:
    """The answers kept for one set of version locations (see the module docstring).

    ``get`` gives an answer kept for ``query`` under the current fingerprint, or None; ``put``
    keeps one. A query and an answer are plain values (what :mod:`marshal` writes).
    """

    def __init__(self, file: str | None, fingerprint: bytes, code: Sequence[str] = ()) -> None:
        self.file = file
        self.fingerprint = fingerprint
        self._key = _file_key(tuple(code))
        self._answers: dict[Hashable, Any] | None = None  # loaded on first use

    @classmethod
    def for_locations(
        cls, locations: Sequence[str], recursive: bool, code: Sequence[str] = ()
    ) -> ResultCache | None:
        """The cache of these locations, or None when they cannot be fingerprinted.

        ``code`` names the directories of the modules (besides revlib's own) that compute the
        answers: a change to any of them makes every kept answer unusable."""
        found = fingerprint(locations, recursive)
        if found is None:
            return None
        real = [os.path.realpath(location) for location in locations]
        cache_dir = _cache.cache_directory(real[0]) if real else None
        if cache_dir is None:
            return cls(None, found, code)
        name = os.fsencode("\0".join(real))
        file = f"results-{zlib.crc32(name):08x}{zlib.adler32(name):08x}.cache"
        return cls(os.path.join(cache_dir, file), found, code)

    def get(self, query: Hashable) -> Any | None:
        """The answer kept for ``query`` under this fingerprint, if any."""
        return self._loaded().get(query)

    def put(self, query: Hashable, answer: Any) -> None:
        """Keep ``answer`` for ``query``; a cache that cannot be written is left alone."""
        answers = dict(self._loaded())
        answers.pop(query, None)
        answers[query] = answer
        answers = dict(list(answers.items())[-MAX_ANSWERS:])
        self._answers = answers
        if self.file is None:
            return
        try:
            payload = marshal.dumps((self.fingerprint, answers), 4)
        except ValueError:  # not plain values: nothing to keep
            return
        first_line = self._key + b" %08x\n" % zlib.crc32(payload)
        try:
            from revlib.util.atomic import replace_file

            os.makedirs(os.path.dirname(self.file), mode=0o700, exist_ok=True)
            replace_file(self.file, first_line + payload)
        except OSError:
            return

    def _loaded(self) -> dict[Hashable, Any]:
        if self._answers is None:
            self._answers = self._read()
        return self._answers

    def _read(self) -> dict[Hashable, Any]:
        """The kept answers, when the file is this revlib's, intact, and of this
        fingerprint; else none."""
        if self.file is None:
            return {}
        try:
            with open(self.file, "rb") as stream:
                data = stream.read()
        except OSError:
            return {}
        first_line, _, payload = data.partition(b"\n")
        key, _, checksum = first_line.rpartition(b" ")
        if key != self._key or checksum != b"%08x" % zlib.crc32(payload):
            return {}
        try:
            kept = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return {}
        if type(kept) is not tuple or len(kept) != 2 or type(kept[1]) is not dict:
            return {}
        return kept[1] if kept[0] == self.fingerprint else {}


def _file_key(code: tuple[str, ...]) -> bytes:
    """The format, the versions, and the stat signature of every module under revlib's
    package and the ``code`` directories."""
    found = _code_keys.get(code)
    if found is None:
        modules: list[object] = []
        for directory in (_PACKAGE, *code):
            _add_modules(directory, modules)
        data = marshal.dumps(modules, 4)
        text = f"{__version__} {sys.implementation.cache_tag} {sys.version}"
        signature = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"
        found = b" ".join(
            (FORMAT, text.replace("\n", " ").encode("utf-8", "replace"), signature.encode())
        )
        _code_keys[code] = found
    return found


def _add_modules(directory: str, modules: list[object]) -> None:
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        modules.append((directory, None))
        return
    for entry in entries:
        if entry.name.endswith(".py"):
            try:
                st = entry.stat()
            except OSError:
                modules.append((entry.path, None))
                continue
            modules.append((entry.path, st.st_size, st.st_mtime_ns))
        elif entry.name != "__pycache__" and entry.is_dir():
            _add_modules(entry.path, modules)
