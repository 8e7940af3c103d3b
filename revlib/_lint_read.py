"""Reading version files into graph nodes, one file at a time, for :mod:`revlib.lint`.

Every file is read on its own, so one bad file is one ``unreadable-file`` finding and the rest
of the graph is still checked. When a file cannot be read, its ``revision`` and
``down_revision`` lines are still looked for (plain ``name = 'literal'`` lines only): a
*partial* node keeps its children from being reported as orphans and its parents from being
counted as heads.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from revlib import findings
from revlib.findings import Finding
from revlib.script._discovery import LEGACY_REVISION_FILE
from revlib.sources import SourceFile

__all__ = ["Node", "read_nodes"]

_ILLEGAL_ID_CHARACTERS: Final = "@-+:"
_CONFLICT_LINE: Final = re.compile(rb"^(<{7}|>{7})(?:[ \t][^\r\n]*)?\r?$", re.MULTILINE)
_SIMPLE_ASSIGNMENT: Final = re.compile(
    r"^(revision|down_revision)[ \t]*(?::[^=\n]*)?=[ \t]*(.+?)[ \t]*(?:#[^\n]*)?$", re.MULTILINE
)


@dataclass(frozen=True)
class Node:
    """One revision as the graph checks see it.

    ``complete`` is False for a partial node read from an unreadable file; its ``parents`` are
    None when even ``down_revision`` could not be found.
    """

    revision: str
    path: str
    parents: tuple[str, ...] | None
    dependencies: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
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


def read_nodes(
    files: Sequence[SourceFile], search_path: Sequence[str] = ()
) -> tuple[list[Node], list[Finding]]:
    """Nodes in the files' order, and an ``unreadable-file`` finding per bad file."""
    nodes: list[Node] = []
    problems: list[Finding] = []
    for source in files:
        node, problem = _read_one(source, search_path)
        if node is not None:
            nodes.append(node)
        if problem is not None:
            problems.append(problem)
    return nodes, problems


def _read_one(
    source: SourceFile, search_path: Sequence[str]
) -> tuple[Node | None, Finding | None]:
    from revlib.script.reader import ReadError, parse_header

    try:
        header = parse_header(source.data, source.path, search_path=search_path)
    except ReadError as error:
        problem = _unreadable(source.path, error.line, error.message, error.hint)
        return _partial_node(source), problem
    lines = MappingProxyType(dict(header.lines))
    try:
        node = Node(
            revision=_revision(header.revision, source.path, lines),
            path=source.path,
            parents=_id_tuple(header.down_revision, "down_revision", lines, required=True) or (),
            dependencies=_id_tuple(header.depends_on, "depends_on", lines) or (),
            branch_labels=_id_tuple(header.branch_labels, "branch_labels", lines) or (),
            lines=lines,
            docstring=header.docstring,
        )
    except _Unreadable as error:
        problem = _unreadable(source.path, error.line, error.message, error.hint)
        return _partial_node(source), problem
    return node, _conflict_markers(source)


def _unreadable(path: str, line: int | None, message: str, hint: str | None) -> Finding:
    return Finding(findings.UNREADABLE_FILE, "error", path, line, message, hint)


def _revision(value: object, path: str, lines: Mapping[str, int]) -> str:
    from revlib.script.reader import MISSING

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
    from revlib.script.reader import MISSING

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


def _conflict_markers(source: SourceFile) -> Finding | None:
    """Conflict markers below the header (the reader checks the header itself)."""
    marker = _CONFLICT_LINE.search(source.data)
    if marker is None:
        return None
    line = source.data.count(b"\n", 0, marker.start()) + 1
    text = marker.group(1).decode("ascii")
    return _unreadable(
        source.path,
        line,
        f"unresolved merge conflict (marker {text!r})",
        "resolve the conflict and remove the marker lines",
    )


def _partial_node(source: SourceFile) -> Node | None:
    """What plain ``revision = '...'`` / ``down_revision = ...`` lines say, if anything."""
    text = source.data.decode("utf-8", errors="replace")
    found: dict[str, list[tuple[str, int]]] = {"revision": [], "down_revision": []}
    for match in _SIMPLE_ASSIGNMENT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found[match.group(1)].append((match.group(2), line))
    revision = _single_literal(found["revision"])
    if not isinstance(revision, str) or not revision:
        return None
    if any(c in revision for c in _ILLEGAL_ID_CHARACTERS):
        return None
    parents = _single_literal(found["down_revision"])
    lines = {name: matches[0][1] for name, matches in found.items() if len(matches) == 1}
    return Node(
        revision=revision,
        path=source.path,
        parents=_partial_parents(parents),
        lines=MappingProxyType(lines),
        complete=False,
    )


def _single_literal(matches: list[tuple[str, int]]) -> object:
    """The value of the only assignment (``Ellipsis`` when there is none, several, or it is
    not a literal)."""
    if len(matches) != 1:
        return ...
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
