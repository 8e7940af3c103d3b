"""A cache of parsed migration headers, so that an unchanged version file is not read again.

:class:`RecordStore` keeps records derived from files' bytes; :class:`HeaderCache` (here) and
``revlib._lint_cache.LintCache`` (what ``revlib check`` reads in a file) are its two kinds,
each in its own file (:attr:`RecordStore.PREFIX`) under its own key. Each version location has
one header cache file mapping each file (by its path relative to the location) to its stat
signature, its blob id and its header:

- The *signature* is what ``os.stat`` reports, as git's index keeps it: size, mtime and ctime
  in nanoseconds, inode, device. Writing a file changes its ctime (even when the writer then
  restores the mtime), so a matching signature means the bytes hashed last time, except in
  the case git calls *racily clean*: a file written again within one tick of the
  filesystem's clock keeps its times. A signature is therefore only recorded for a file
  whose times are at least :data:`RACY_NS` older than the start of the read; a younger file
  is hashed again on every run until it is old enough.
- The *blob id* is git's (``sha1(b"blob <size>\\0" + bytes)``). Headers are looked up by it
  when a signature does not match, so a file renamed, touched, or restored by ``git
  checkout`` is hashed but not parsed again.
- The *header* is stored as plain values (see :func:`_record`). Only headers that depend on
  their file's bytes alone are kept: one whose values name other modules (``from
  myapp.ids import REV``) is read afresh every time, because those modules may change. Read
  errors are kept like headers (an unchanged broken file is not parsed again) and raised again
  with the same class, line, message and hint.

The cache is never trusted blindly. Its first line names the format, revlib's version, the
Python version, a digest of the reader's source and a checksum of the rest: a file with another
key (written by another version), a wrong checksum (truncated or garbled) or a malformed entry
is ignored, and replaced by the next write. Writes are atomic, happen only when something
changed, and the file may be deleted at any time. It lives in ``<git dir>/revlib/`` inside a
git work tree, else in ``$XDG_CACHE_HOME/revlib`` (by default ``~/.cache/revlib``), where files
unused for :data:`STALE_DAYS` days are removed. It is read with :mod:`marshal`, which builds
plain values and runs nothing; like ``.git/hooks``, it is trusted to be written by its owner.
"""

from __future__ import annotations

import gc
import marshal
import os
import stat
import sys
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

from revlib import __version__
from revlib.util.files import open_regular

if TYPE_CHECKING:
    from revlib.script._literals import PlainValues
    from revlib.script.reader import Header, ReadError

__all__ = [
    "RACY_NS",
    "STALE_DAYS",
    "HeaderCache",
    "RecordStore",
    "blob_id",
    "cache_directory",
    "cache_disabled",
    "signature",
    "without_gc",
]

RACY_NS: Final = 2_000_000_000
"""How much older than the read a file's mtime and ctime must be for its signature to be
trusted next time: more than the coarsest timestamp granularity in use (FAT's two seconds)."""

STALE_DAYS: Final = 30
"""Cache files in the user cache directory left unwritten this long are removed."""

_NAMES: Final = ("revision", "down_revision", "branch_labels", "depends_on")
_ERROR_KINDS: Final = frozenset(
    {"DynamicValueError", "SourceSyntaxError", "ConflictMarkerError", "EncodingError"}
)
_SCALARS: Final = frozenset({str, type(None), bool, int, float, complex, bytes})

Record = tuple[Any, ...]
"""``("ok", values, missing, docstring, lines, warnings)`` or
``("error", kind, line, message, hint)``: plain values only (see :func:`_record`)."""
Entry = tuple[int, int, int, int, int, str, Record]
"""A file's signature (size, mtime_ns, ctime_ns, inode, device), blob id and header record."""
_Store = TypeVar("_Store", bound="RecordStore")
_UNTRUSTED: Final = (-1, 0, 0, 0, 0)  # the signature of a file too young to trust: never matches


_TRUE_WORDS: Final = frozenset({"1", "true", "t", "yes", "y", "on"})


def cache_disabled() -> bool:
    """True when ``REVLIB_NO_CACHE`` says so (as ``revlib --no-cache`` reads it), so that the
    hooks' own entry points honour it too."""
    return os.environ.get("REVLIB_NO_CACHE", "").strip().lower() in _TRUE_WORDS


def blob_id(data: bytes) -> str:
    """The id git gives a blob holding ``data`` (SHA-1)."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def signature(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """What of a file's ``stat`` must be unchanged for its bytes to be (see the module
    docstring)."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class RecordStore:
    """Records derived from files' bytes, found by stat signature or by blob id, kept in one
    cache file (see the module docstring). Subclasses say what a record holds: their
    ``FORMAT`` and ``SOURCES`` (the code that makes records, by path under ``revlib/``) go
    into the key every cache file must carry; ``PREFIX`` starts the cache file's name."""

    FORMAT: ClassVar[bytes]
    PREFIX: ClassVar[str]
    SOURCES: ClassVar[tuple[str, ...]]

    def __init__(self, file: str | None, root: str = "") -> None:
        self.file = file
        self.started_ns = time.time_ns()
        self._prefix = os.path.join(root, "") if root else ""
        self._entries: dict[str, Entry] = {}
        self._seen: dict[str, Entry | None] = {}  # this run's files (None: not to be kept)
        self._by_blob: dict[str, Record] | None = None  # built on the first miss
        self._new: dict[str, Record] = {}  # records made this run, by blob id
        self._existed = False
        if file is not None:
            self._load(file)

    @classmethod
    def for_directory(cls: type[_Store], directory: str | os.PathLike[str]) -> _Store:
        """The store of the files under ``directory`` (kept in memory only when there is
        nowhere to save it)."""
        real = os.path.realpath(directory)
        cache_dir = cache_directory(real)
        if cache_dir is None:
            return cls(None, real)
        name = f"{zlib.crc32(os.fsencode(real)):08x}{zlib.adler32(os.fsencode(real)):08x}"
        return cls(os.path.join(cache_dir, f"{cls.PREFIX}{name}.cache"), real)

    def key(self, path: str) -> str:
        """How ``path`` is named in the cache: relative to the store's directory."""
        return path[len(self._prefix) :] if path.startswith(self._prefix) else path

    def unchanged(self, key: str, st: os.stat_result) -> Entry | None:
        """The entry of ``key`` if its file (whose ``stat`` is ``st``) still has the recorded
        signature; it is kept for the next run."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            if (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev) != entry[:5]:
                return None
        except TypeError:  # a malformed entry is a miss
            return None
        self._seen[key] = entry
        return entry

    def same_blob(self, key: str, blob: str) -> Entry | None:
        """The entry of ``key`` if it records the bytes ``blob``; it is kept (signature and
        all) for the next run."""
        entry = self._entries.get(key)
        if type(entry) is not tuple or len(entry) != 7 or entry[5] != blob:
            return None
        self._seen[key] = entry
        return entry

    def known(self, blob: str) -> Record | None:
        """The record of a blob met before, in this run or an earlier one."""
        if self._by_blob is None:
            self._by_blob = {
                entry[5]: entry[6]
                for entry in self._entries.values()
                if type(entry) is tuple and len(entry) == 7 and type(entry[5]) is str
            }
        return self._new.get(blob) or self._by_blob.get(blob)

    def all_kept(self) -> bool:
        """True when every file met this run has a record the cache keeps (none was
        forgotten): what was found depends on those files' bytes alone."""
        return None not in self._seen.values()

    def forget(self, key: str) -> None:
        """``key`` was read this run, and its record is not to be kept."""
        self._seen[key] = None

    def remember(
        self, key: str, st: os.stat_result | None, blob: str, record: Record | None
    ) -> None:
        """Keep the record by blob id; and by signature, unless the file is too young for its
        signature to be trusted or was not read from disk (``st`` None): then the entry gets
        a signature that never matches."""
        if record is None:
            self._seen[key] = None
            return
        self._new[blob] = record
        trusted = st is not None and stat.S_ISREG(st.st_mode)
        if st is not None and trusted:
            trusted = max(st.st_mtime_ns, st.st_ctime_ns) < self.started_ns - RACY_NS
        sig = signature(st) if st is not None and trusted else _UNTRUSTED
        self._seen[key] = (*sig, blob, record)

    # -- loading and saving --------------------------------------------------------------

    def _load(self, file: str) -> None:
        try:
            with open(file, "rb") as stream:
                data = stream.read()
        except OSError:
            return
        self._existed = True
        first_line = data[: data.find(b"\n")]
        payload = memoryview(data)[len(first_line) + 1 :]  # not a copy of megabytes
        key, _, checksum = first_line.rpartition(b" ")
        if key != _key(type(self)) or checksum != b"%08x" % zlib.crc32(payload):
            return
        try:
            with without_gc():
                entries = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return
        if type(entries) is dict and all(type(key) is str for key in entries):
            self._entries = entries  # each entry is checked when used

    def save(self, *, complete: bool = True) -> None:
        """Write the cache back if anything changed. With ``complete`` (every file of the
        directory was read this time), entries of files not read are dropped: the cache holds
        what the directory holds now."""
        kept = {k: e for k, e in self._seen.items() if e is not None}
        if complete and self._unchanged_since_load(kept):
            return
        if not complete:
            unread = {k: e for k, e in self._entries.items() if k not in self._seen}
            kept = {k: e for k, e in unread.items() if not k.startswith("\0")} | kept
        kept.update(self._replaced(kept))
        if kept == self._entries or self.file is None:
            return
        payload = marshal.dumps(kept, 4)
        first_line = _key(type(self)) + b" %08x\n" % zlib.crc32(payload)
        try:
            from revlib.util.atomic import replace_file

            directory = os.path.dirname(self.file)
            os.makedirs(directory, mode=0o700, exist_ok=True)
            replace_file(self.file, first_line + payload)
            if not self._existed and os.path.basename(directory) == "revlib":
                _remove_stale(directory, self.file)
        except OSError:
            return  # a cache that cannot be written only makes the next run slower
        self._entries, self._existed = kept, True

    def _unchanged_since_load(self, kept: dict[str, Entry]) -> bool:
        """True when this run found exactly the files of the last, each unchanged."""
        entries = self._entries
        if not kept.items() <= entries.items():  # compared in C (an entry kept is itself)
            return False
        return all(key.startswith("\0") for key in entries.keys() - kept.keys())

    def _replaced(self, kept: dict[str, Entry]) -> dict[str, Entry]:
        """Records of contents no file has any more, newest last, at most as many as there
        are files: a revert, or a switch back to a branch, finds them by blob id. Their keys
        (a NUL and the blob id) are no file's path, and their signature never matches."""
        current = {e[5] for e in kept.values() if type(e) is tuple and len(e) == 7}
        old = self._entries.items()
        earlier = [(k, e) for k, e in old if k.startswith("\0")]
        replaced: dict[str, Entry] = {}
        for _, entry in earlier + [(k, e) for k, e in old if not k.startswith("\0")]:
            if type(entry) is not tuple or len(entry) != 7 or type(entry[5]) is not str:
                continue  # malformed: dropped
            if entry[5] not in current:
                replaced.pop("\0" + entry[5], None)  # moves to the end: newest
                replaced["\0" + entry[5]] = (*_UNTRUSTED, entry[5], entry[6])
        return dict(list(replaced.items())[-len(kept) :]) if kept else {}


class HeaderCache(RecordStore):
    """The cached headers of one version location (see the module docstring).

    :meth:`read` gives what ``reader.read_header`` gives for the file, or raises what it raises;
    :meth:`plain_values` answers the common case without importing the reader; :meth:`save`
    writes the cache back if anything changed.
    """

    FORMAT = b"revlib-header-cache 2"
    PREFIX = "headers-"
    SOURCES = ("script/reader.py", "script/_literals.py", "script/_names.py", "script/_cache.py")

    def __init__(self, file: str | None, root: str = "") -> None:
        super().__init__(file, root)
        self.hits = 0  # files answered from the cache without being read
        self.parsed = 0  # files the reader parsed

    @classmethod
    def for_location(cls, location: str | os.PathLike[str]) -> HeaderCache:
        """The cache of the version location ``location`` (kept in memory only when there is
        nowhere to save it)."""
        return cls.for_directory(location)

    # -- reading -----------------------------------------------------------------------

    def plain_values(self, path: str, st: os.stat_result | None = None) -> PlainValues | None:
        """``(revision, down_revision, branch_labels, depends_on, docstring)`` of an unchanged
        file whose header binds ``revision`` to a string and ``down_revision``, without
        warnings (a missing ``branch_labels`` or ``depends_on`` is None); else None.

        ``st`` is the file's ``os.stat`` (or ``os.lstat`` of a non-symlink), when known."""
        entry = self._unchanged(path, st)
        if entry is None:
            return None
        try:
            values = _plain_values(entry[6])
        except (TypeError, ValueError, IndexError):  # malformed: read() replaces it
            return None
        if values is not None:
            self.hits += 1
        return values

    def plain_values_of(
        self, files: Iterable[tuple[str, os.stat_result | None]]
    ) -> Iterator[tuple[str, os.stat_result | None, PlainValues | None]]:
        """Each file (a path and its ``lstat``, None for a symlink) with :meth:`plain_values`,
        as they come: the common case (an unchanged regular file) is answered inline, since at
        ten thousand files two method calls per file would cost more than the answers."""
        entries, seen, prefix = self._entries, self._seen, self._prefix
        cut = len(prefix)
        for path, st in files:
            values = None
            if st is not None:
                key = path[cut:] if path.startswith(prefix) else path
                entry = entries.get(key)
                if (
                    entry is not None
                    and type(entry) is tuple
                    and len(entry) == 7
                    and entry[:5]
                    == (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
                ):
                    seen[key] = entry
                    try:
                        values = _plain_values(entry[6])
                    except (TypeError, ValueError, IndexError):  # malformed: read() replaces it
                        values = None
                    if values is not None:
                        self.hits += 1
            yield path, st, values

    def read(self, path: str, search_path: Sequence[str] = ()) -> Header:
        """The header of the file at ``path``, as ``reader.read_header`` reads it."""
        entry = self._unchanged(path, None)
        if entry is not None:
            decoded = _decode(entry[6], path)
            if decoded is not None:
                self.hits += 1
                return _header_or_raise(decoded)
        return self._read_file(path, search_path)

    def _unchanged(self, path: str, st: os.stat_result | None) -> Entry | None:
        """The entry of ``path`` if the file still has the recorded signature."""
        key = self.key(path)
        if key not in self._entries:
            return None
        if st is None:
            try:
                st = os.stat(path)
            except OSError:
                return None
        return self.unchanged(key, st)

    def _read_file(self, path: str, search_path: Sequence[str]) -> Header:
        """Read, hash, and parse unless a header for those bytes is known."""
        key = self.key(path)
        self.forget(key)
        try:
            with open_regular(path) as stream:
                st = os.fstat(stream.fileno())
                data = stream.read()
        except OSError:
            from revlib.script.reader import read_header

            return read_header(path, search_path=search_path)  # raises its own error
        blob = blob_id(data)
        record = self.known(blob)
        decoded = None if record is None else _decode(record, path)
        if decoded is None:
            self.parsed += 1
            decoded, record = _parse(data, path, search_path)
        self.remember(key, st, blob, record)
        return _header_or_raise(decoded)


@contextmanager
def without_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: building tens of thousands of tuples that all stay
    alive (a cache's records, a graph's nodes) would trigger collections that scan them again
    and again, for nothing (doubling the time of loading a cache). At exit, the collection
    Python makes before it stops skips them too (see :func:`_freeze_at_exit`). When the
    collector is off already, whoever turned it off (a console script, see
    ``hooks.process``) has seen to that, and nothing is done here."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        if enabled and not _FREEZE_REGISTERED:
            import atexit

            atexit.register(_freeze_at_exit)
            _FREEZE_REGISTERED.append(True)


_FREEZE_REGISTERED: list[bool] = []


def _freeze_at_exit() -> None:
    """Move every object into the generation collections ignore: Python's last collection,
    after the exit handlers, would otherwise scan the tens of thousands still alive (ten
    milliseconds at ten thousand files), only to free nothing it would not free anyway."""
    gc.freeze()


def cache_directory(location: str) -> str | None:
    """Where the cache of ``location`` lives: ``<git dir>/revlib`` when it is inside a git
    work tree, else ``$XDG_CACHE_HOME/revlib`` (``~/.cache/revlib``); None without either."""
    git_dir = _git_dir(location)
    if git_dir is not None:
        return os.path.join(git_dir, "revlib")
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "revlib")


def _git_dir(start: str) -> str | None:
    """The git directory of the work tree holding ``start``: its ``.git``, or where a ``.git``
    file points (worktrees, submodules)."""
    current = start
    while True:
        dot_git = os.path.join(current, ".git")
        if os.path.isdir(dot_git):
            return dot_git
        if os.path.isfile(dot_git):
            return _gitdir_from_file(dot_git, current)
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _gitdir_from_file(dot_git: str, work_tree: str) -> str | None:
    try:
        with open(dot_git, encoding="utf-8") as stream:
            line = stream.readline().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not line.startswith("gitdir:"):
        return None
    target = os.path.join(work_tree, line[len("gitdir:") :].strip())
    return target if os.path.isdir(target) else None


def _remove_stale(directory: str, keep: str) -> None:
    """Remove cache files nobody wrote for :data:`STALE_DAYS` days (their directory may be
    long gone); runs only when a new cache file is created, so rarely."""
    limit = time.time() - STALE_DAYS * 86400
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if name.startswith(_CACHE_PREFIXES) and name.endswith(".cache") and path != keep:
            try:
                if os.stat(path).st_mtime < limit:
                    os.unlink(path)
            except OSError:
                continue


_CACHE_PREFIXES: Final = ("headers-", "lint-", "results-")
"""The names of every kind of cache file (see :data:`RecordStore.PREFIX`, and
``revlib._result_cache``)."""
_KEYS: dict[type[RecordStore], bytes] = {}


def _key(kind: type[RecordStore]) -> bytes:
    """What the first line of a cache file of ``kind`` must start with for its records to be
    used: its format, revlib's and Python's versions and checksums of the code that made it."""
    found = _KEYS.get(kind)
    if found is None:
        # CRCs, not a cryptographic hash: they tell an edited reader from another, and
        # importing hashlib would cost more than the rest of a cached run's set-up.
        sources = []
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        for name in kind.SOURCES:
            try:
                with open(os.path.join(package, name), "rb") as stream:
                    data = stream.read()
            except OSError:
                data = name.encode()
            sources.append(f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}")
        text = f"{__version__} {sys.implementation.cache_tag} {sys.version} {''.join(sources)}"
        found = kind.FORMAT + b" " + text.replace("\n", " ").encode("utf-8", "replace")
        _KEYS[kind] = found
    return found


# -- records -------------------------------------------------------------------------------


def _parse(
    data: bytes, path: str, search_path: Sequence[str]
) -> tuple[Header | ReadError, Record | None]:
    """Parse ``data``: the header or the read error, and its record when it may be cached,
    i.e. when reading it looked for no module (see ``_names.LOOKUPS``)."""
    from revlib.script import _names
    from revlib.script.reader import ReadError, parse_header

    lookups: list[str] = []
    token = _names.LOOKUPS.set(lookups)
    try:
        header = parse_header(data, path, search_path=search_path)
    except ReadError as error:
        return error, None if lookups else _error_record(error, path)
    finally:
        _names.LOOKUPS.reset(token)
    return header, None if lookups else _record(header, path)


def _header_or_raise(decoded: Header | ReadError) -> Header:
    if isinstance(decoded, BaseException):
        raise decoded
    return decoded


def _record(header: Header, path: str) -> Record | None:
    """A header as plain values, or None when it cannot be cached faithfully: a value marshal
    may not give back identical (a set, whose order it may not keep), or a warning that
    names the path (the record must fit any path)."""
    from revlib.script.reader import MISSING

    values = [getattr(header, name) for name in _NAMES]
    missing = tuple(name for name, value in zip(_NAMES, values) if value is MISSING)  # noqa: B905
    values = [None if value is MISSING else value for value in values]
    warnings = tuple((w.line, w.message) for w in header.warnings)
    if not all(_plain(value) for value in values) or not _plain(header.docstring):
        return None
    if header.path != path or any(path in message for _, message in warnings):
        return None
    lines = tuple(header.lines.items())
    return ("ok", tuple(values), missing, header.docstring, lines, warnings)


def _error_record(error: ReadError, path: str) -> Record | None:
    kind = type(error).__name__
    if kind not in _ERROR_KINDS or error.path != path:
        return None
    if path in error.message or (error.hint is not None and path in error.hint):
        return None
    return ("error", kind, error.line, error.message, error.hint)


def _plain(value: object) -> bool:
    """Whether marshal gives back an equal value of the same type, in the same order."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is tuple or kind is list:
        return all(_plain(item) for item in value)  # type: ignore[attr-defined]
    return False


def _plain_values(record: Record) -> PlainValues | None:
    """See :meth:`HeaderCache.plain_values`; TypeError, ValueError... for a malformed record."""
    if record[0] != "ok":
        return None
    _, values, missing, docstring, _, warnings = record
    if warnings or "revision" in missing or "down_revision" in missing:
        return None
    revision, down_revision, branch_labels, depends_on = values
    if type(revision) is not str or not (docstring is None or type(docstring) is str):
        return None
    for value in (down_revision, branch_labels, depends_on):
        if not (value is None or type(value) is str or _plain(value)):
            return None
    return revision, down_revision, branch_labels, depends_on, docstring


def _decode(record: Record, path: str) -> Header | ReadError | None:
    """The header or the read error a record holds for ``path``; None if it is malformed."""
    try:
        if record[0] == "error":
            return _error(record, path)
        return _header(record, path)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError):
        return None


def _header(record: Record, path: str) -> Header:
    from types import MappingProxyType

    from revlib.script.reader import MISSING, Header, ReadWarning

    tag, values, missing, docstring, lines, warnings = record
    if tag != "ok" or len(values) != 4 or not all(_plain(value) for value in values):
        raise ValueError("malformed record")
    if not (docstring is None or type(docstring) is str):
        raise TypeError("malformed docstring")
    fields = {n: MISSING if n in missing else v for n, v in zip(_NAMES, values)}  # noqa: B905
    line_map = {}
    for name, line in lines:
        if type(name) is not str or type(line) is not int:
            raise TypeError("malformed line")
        line_map[name] = line
    read_warnings = []
    for line, message in warnings:
        if not (line is None or type(line) is int) or type(message) is not str:
            raise TypeError("malformed warning")
        read_warnings.append(ReadWarning(path, line, message))
    return Header(
        path,
        docstring=docstring,
        lines=MappingProxyType(line_map),
        warnings=tuple(read_warnings),
        **fields,
    )


def _error(record: Record, path: str) -> ReadError:
    from revlib.script import reader

    _, kind, line, message, hint = record
    if kind not in _ERROR_KINDS or type(message) is not str:
        raise ValueError("malformed error record")
    if not (line is None or type(line) is int) or not (hint is None or type(hint) is str):
        raise ValueError("malformed error record")
    error_class: type[ReadError] = getattr(reader, kind)
    return error_class(path, line, message, hint)
