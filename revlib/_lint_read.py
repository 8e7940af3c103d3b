"""Reading version files into graph nodes, one file at a time, for :mod:`revlib.lint`.

Every file is read on its own, so one bad file is one ``unreadable-file`` finding and the rest
of the graph is still checked. When a file cannot be read, its ``revision`` and
``down_revision`` lines are still looked for (plain ``name = 'literal'`` lines only): a
*partial* node keeps its children from being reported as orphans and its parents from being
counted as heads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

from revlib import findings
from revlib.findings import Finding
from revlib.script._discovery import LEGACY_REVISION_FILE
from revlib.script._sentinel import MISSING
from revlib.sources import SourceFile

__all__ = ["Node", "Record", "RecordCache", "file_record", "from_record", "read_nodes"]

_ILLEGAL_ID_CHARACTERS: Final = "@-+:"
_CONFLICT_LINE: Final = rb"^(<{7}|>{7})(?:[ \t][^\r\n]*)?\r?$"
_SIMPLE_ASSIGNMENT: Final = (
    r"^(revision|down_revision)[ \t]*(?::[^=\n]*)?=[ \t]*(.+?)[ \t]*(?:#[^\n]*)?$"
)


_NO_LINES: Final[Mapping[str, int]] = MappingProxyType({})


class Node(NamedTuple):
    """One revision as the graph checks see it (a named tuple: ten thousand are made on every
    check, and a tuple is made several times faster than a frozen dataclass).

    ``complete`` is False for a partial node read from an unreadable file; its ``parents`` are
    None when even ``down_revision`` could not be found.
    """

    revision: str
    path: str
    parents: tuple[str, ...] | None
    dependencies: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    lines: Mapping[str, int] = _NO_LINES
    docstring: str | None = None
    complete: bool = True

    def line(self, name: str) -> int | None:
        """The line of the last assignment to ``name`` (None when unknown)."""
        return self.lines.get(name)


class _Unreadable(Exception):
    """A header whose values Alembic could not use: becomes an unreadable-file finding."""

    def __init__(self, line: int | None, message: str, hint: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint


Record = tuple[Any, ...]
"""What the lint reads in one file, as plain values that name no path (so that a cache can
keep it by content, see :mod:`revlib._lint_cache`):

- ``("node", revision, parents, dependencies, branch_labels, lines, docstring, marker)``:
  a readable header; ``lines`` are ``(name, line)`` pairs, ``marker`` is None or the
  ``(line, message, hint)`` of a conflict marker below the header;
- ``("unreadable", line, message, hint, partial)``: the ``unreadable-file`` finding, and
  ``partial`` None or ``(revision, parents, lines)`` of the partial node (see
  :func:`_partial`).
"""


if TYPE_CHECKING:  # a Protocol class costs a tenth of a millisecond to create

    class RecordCache(Protocol):
        """Where :func:`read_nodes` gets each file's record (:mod:`revlib._lint_cache`)."""

        def records(
            self, files: Sequence[SourceFile], search_path: Sequence[str]
        ) -> list[Record]: ...


def read_nodes(
    files: Sequence[SourceFile],
    search_path: Sequence[str] = (),
    cache: RecordCache | None = None,
) -> tuple[list[Node], list[Finding]]:
    """Nodes in the files' order, and an ``unreadable-file`` finding per bad file. With a
    ``cache``, a file read before (the same bytes) is neither read nor parsed again."""
    if cache is None:
        records = [file_record(source.data, source.path, search_path)[0] for source in files]
    else:
        records = cache.records(files, search_path)
    nodes: list[Node] = []
    problems: list[Finding] = []
    for source, record in zip(files, records):  # noqa: B905 (as many records as files)
        if record[0] == "node" and record[7] is None:  # the common case, inline
            _, revision, parents, dependencies, labels, lines, docstring, _ = record
            line_map = _LINE_MAPS.get(lines) or _line_map(lines)
            nodes.append(
                Node(revision, source.path, parents, dependencies, labels, line_map, docstring)
            )
            continue
        node, problem = from_record(record, source.path)
        if node is not None:
            nodes.append(node)
        if problem is not None:
            problems.append(problem)
    return nodes, problems


def from_record(record: Record, path: str) -> tuple[Node | None, Finding | None]:
    """The node and the finding a file's record stands for, for the file at ``path``."""
    if record[0] == "node":
        _, revision, parents, dependencies, labels, lines, docstring, marker = record
        node = Node(revision, path, parents, dependencies, labels, _line_map(lines), docstring)
        return node, None if marker is None else _unreadable(path, *marker)
    _, line, message, hint, partial = record
    problem = _unreadable(path, line, message, hint)
    if partial is None:
        return None, problem
    revision, parents, lines = partial
    return Node(revision, path, parents, lines=_line_map(lines), complete=False), problem


_LINE_MAPS: dict[tuple[tuple[str, int], ...], Mapping[str, int]] = {}


def _line_map(lines: tuple[tuple[str, int], ...]) -> Mapping[str, int]:
    """``lines`` as a read-only mapping, shared by every node whose header has the same
    layout (most files come from one template)."""
    found = _LINE_MAPS.get(lines)
    if found is None:
        if len(_LINE_MAPS) > 4096:
            _LINE_MAPS.clear()
        found = _LINE_MAPS[lines] = MappingProxyType(dict(lines))
    return found


def file_record(data: bytes, path: str, search_path: Sequence[str] = ()) -> tuple[Record, bool]:
    """What the lint reads in the bytes ``data`` of the file at ``path`` (see :data:`Record`),
    and whether that depends on the bytes alone: not when the header looked for other modules
    (they may change), took the revision from the file's name, or a message names the path."""
    from revlib.script import _names
    from revlib.script.reader import ReadError, parse_header

    lookups: list[str] = []
    token = _names.LOOKUPS.set(lookups)
    try:
        header = parse_header(data, path, search_path=search_path)
    except ReadError as error:
        record = _unreadable_record(data, error.line, error.message, error.hint)
        return record, not lookups and not _names_path(path, error.message, error.hint)
    finally:
        _names.LOOKUPS.reset(token)
    lines = MappingProxyType(dict(header.lines))
    try:
        revision = _revision(header.revision, path, lines)
        parents = _id_tuple(header.down_revision, "down_revision", lines, required=True) or ()
        dependencies = _id_tuple(header.depends_on, "depends_on", lines) or ()
        labels = _id_tuple(header.branch_labels, "branch_labels", lines) or ()
    except _Unreadable as error:
        record = _unreadable_record(data, error.line, error.message, error.hint)
        return record, not lookups and header.revision is not MISSING
    layout = _layout(tuple(lines.items()))
    marker = _conflict_marker(data)
    record = ("node", revision, parents, dependencies, labels, layout, header.docstring, marker)
    return record, not lookups and header.revision is not MISSING


_LAYOUTS: dict[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]] = {}


def _layout(lines: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    """One tuple per header layout, so that records share it (a cache file stores it once)."""
    if len(_LAYOUTS) > 4096:
        _LAYOUTS.clear()
    return _LAYOUTS.setdefault(lines, lines)


def _names_path(path: str, message: str, hint: str | None) -> bool:
    return path in message or (hint is not None and path in hint)


def _unreadable_record(data: bytes, line: int | None, message: str, hint: str | None) -> Record:
    return ("unreadable", line, message, hint, _partial(data))


def _unreadable(path: str, line: int | None, message: str, hint: str | None) -> Finding:
    return Finding(findings.UNREADABLE_FILE, "error", path, line, message, hint)


def _revision(value: object, path: str, lines: Mapping[str, int]) -> str:
    line = lines.get("revision")
    if value is MISSING:
        legacy = LEGACY_REVISION_FILE.match(path.rsplit("/", 1)[-1])
        if legacy is not None:
            return legacy.group(1)
        raise _Unreadable(
            None,
            "no revision variable, and the file name is not a revision id: Alembic cannot "
            "load this file",
            "Alembic loads every .py file in a version location as a migration: declare "
            "revision = '<id>', or move the file out of the version location",
        )
    if not isinstance(value, str) or not value:
        raise _Unreadable(
            line,
            f"revision must be a non-empty string, not {value!r}",
            "write it as a string literal, e.g. revision = '1a2b3c4d5e6f'",
        )
    illegal = sorted(set(_ILLEGAL_ID_CHARACTERS).intersection(value))
    if illegal:
        raise _Unreadable(
            line,
            f"revision id {value!r} contains {', '.join(repr(c) for c in illegal)}, which "
            "Alembic reserves for revision syntax",
            "use letters, digits and underscores in revision ids",
        )
    return value


def _id_tuple(
    value: object, name: str, lines: Mapping[str, int], *, required: bool = False
) -> tuple[str, ...] | None:
    """A header value as Alembic normalises it: None, a string, or a tuple/list of strings."""
    if value is MISSING:
        if not required:
            return None
        raise _Unreadable(
            None,
            "no down_revision variable: Alembic cannot load this file",
            "every migration declares down_revision: None for the first one, else the id "
            "of the revision it follows",
        )
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)) and all(isinstance(item, str) for item in value):
        return tuple(dict.fromkeys(value)) or None
    raise _Unreadable(
        lines.get(name),
        f"{name} must be None, a string or a tuple of strings, not {value!r}",
        f"write it as a literal, e.g. {name} = None or {name} = '1a2b3c4d5e6f'",
    )


def _conflict_marker(data: bytes) -> tuple[int, str, str] | None:
    """The first conflict marker below the header (the reader checks the header itself)."""
    if b"<<<<<<<" not in data and b">>>>>>>" not in data:
        return None  # the common case, without compiling the pattern
    marker = re.compile(_CONFLICT_LINE, re.MULTILINE).search(data)
    if marker is None:
        return None
    line = data.count(b"\n", 0, marker.start()) + 1
    text = marker.group(1).decode("ascii")
    return (
        line,
        f"unresolved merge conflict (marker {text!r})",
        "resolve the conflict and remove the marker lines",
    )


def _partial(
    data: bytes,
) -> tuple[str, tuple[str, ...] | None, tuple[tuple[str, int], ...]] | None:
    """What plain ``revision = '...'`` / ``down_revision = ...`` lines say, if anything: the
    partial node's revision, parents and lines."""
    text = data.decode("utf-8", errors="replace")
    found: dict[str, list[tuple[str, int]]] = {"revision": [], "down_revision": []}
    for match in re.compile(_SIMPLE_ASSIGNMENT, re.MULTILINE).finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found[match.group(1)].append((match.group(2), line))
    revision = _single_literal(found["revision"])
    if not isinstance(revision, str) or not revision:
        return None
    if any(c in revision for c in _ILLEGAL_ID_CHARACTERS):
        return None
    parents = _single_literal(found["down_revision"])
    lines = tuple((name, matches[0][1]) for name, matches in found.items() if len(matches) == 1)
    return revision, _partial_parents(parents), lines


def _single_literal(matches: list[tuple[str, int]]) -> object:
    """The value of the only assignment (``Ellipsis`` when there is none, several, or it is
    not a literal)."""
    if len(matches) != 1:
        return ...
    import ast

    try:
        return ast.literal_eval(matches[0][0])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return ...


def _partial_parents(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)) and all(isinstance(item, str) for item in value):
        return tuple(dict.fromkeys(value))
    return None
