"""The heads file: a committed record of the head of each branch of the revision graph.

Two git branches that each add a migration on the same head both rewrite the line naming that
head, so git stops with a conflict on this file at the moment they meet, instead of merging into
a history with two heads. The file is plain text: a comment header, then one line per head,
``label: revision`` when the head carries branch labels (``expand: 3f2b8d1c6e45``), else just
the revision. Entries are sorted and separated by blank lines, because git reports changes to
*adjacent* lines as one conflict: two branches that each extend a different label must not
collide.

:func:`parse` also reads a file that git left with conflict markers (the default style, and
diff3/zdiff3 with their ``|||||||`` base section) and returns both sides, which is how
``revlib rebase`` learns what each branch expects the heads to be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from revlib.util.exc import LocatedError

__all__ = [
    "DEFAULT_NAME",
    "HEADER",
    "Conflict",
    "HeadEntry",
    "HeadsFile",
    "HeadsFileError",
    "Staleness",
    "compare",
    "parse",
    "render",
    "several_heads",
]

DEFAULT_NAME: Final = "heads.txt"
"""The file's name inside the script directory, unless ``--heads-file`` says otherwise."""

HEADER: Final = (
    "# Alembic heads, one line per branch: written by `revlib heads-file update`.",
    "# Two branches that each add a migration conflict here when they meet. Resolve it with",
    "# `revlib rebase` (it moves this branch's migrations onto the other side's head and",
    "# rewrites this file), then `git add` and continue the rebase or merge.",
)


class HeadsFileError(LocatedError):
    """A heads file that cannot be read; ``str()`` gives ``path:line: message``."""


@dataclass(frozen=True, order=True)
class HeadEntry:
    """One head: its branch labels (sorted, possibly none) and its revision id."""

    labels: tuple[str, ...]
    revision: str

    @classmethod
    def of(cls, revision: str, labels: Iterable[str] = ()) -> HeadEntry:
        return cls(tuple(sorted(set(labels))), revision)

    def __str__(self) -> str:
        return f"{','.join(self.labels)}: {self.revision}" if self.labels else self.revision


@dataclass(frozen=True)
class Conflict:
    """Both sides of a heads file that git left with conflict markers.

    ``current`` is the ``<<<<<<<`` side (HEAD, index stage 2: in a rebase, the branch being
    rebased onto), ``incoming`` the ``>>>>>>>`` side (stage 3: the commit being merged or
    replayed), ``base`` the ``|||||||`` side of the diff3 style (None without it). Lines outside
    the conflict hunks belong to every side.
    """

    current: tuple[HeadEntry, ...]
    incoming: tuple[HeadEntry, ...]
    base: tuple[HeadEntry, ...] | None
    current_name: str = ""
    incoming_name: str = ""


@dataclass(frozen=True)
class HeadsFile:
    """A parsed heads file: its entries, or ``conflict`` when it has conflict markers (then
    ``entries`` holds only the lines both sides agree on)."""

    entries: tuple[HeadEntry, ...]
    conflict: Conflict | None = None
    newline: str = "\n"


@dataclass(frozen=True)
class Staleness:
    """How a heads file differs from the graph: heads it lacks, and lines naming no head."""

    missing: tuple[HeadEntry, ...]
    extra: tuple[HeadEntry, ...]
    conflicted: bool = False

    @property
    def stale(self) -> bool:
        return self.conflicted or bool(self.missing or self.extra)


def render(entries: Iterable[HeadEntry], newline: str = "\n") -> str:
    """The file's text for these heads: the header, then the sorted entries."""
    body = "\n\n".join(str(entry) for entry in sorted(set(entries)))
    text = "\n".join(HEADER) + "\n" + (f"{body}\n" if body else "")
    return text.replace("\n", newline)


def compare(recorded: HeadsFile, actual: Iterable[HeadEntry]) -> Staleness:
    """What ``recorded`` lacks and what it names that is not a head."""
    wanted = set(actual)
    present = set(recorded.entries)
    return Staleness(
        missing=tuple(sorted(wanted - present)),
        extra=tuple(sorted(present - wanted)),
        conflicted=recorded.conflict is not None,
    )


def several_heads(entries: Iterable[HeadEntry]) -> list[tuple[str, ...]]:
    """The heads of each branch (entries with the same labels) that has more than one."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for entry in sorted(set(entries)):
        groups.setdefault(entry.labels, []).append(entry.revision)
    return [tuple(heads) for heads in groups.values() if len(heads) > 1]


# -- parsing -------------------------------------------------------------------------------

_NEWLINE: Final = re.compile(r"\r\n|\r|\n")
_MARKER: Final = re.compile(r"(<{7}|\|{7}|={7}|>{7})(?:[ \t](.*))?")
_ENTRY: Final = re.compile(r"(?:([^:]*):)?[ \t]*([^\s:#]+)[ \t]*")
_OUTSIDE, _CURRENT, _BASE, _INCOMING = "outside", "current", "base", "incoming"
# Which marker may follow which state, and the state it leads to.
_TRANSITIONS: Final = {
    (_OUTSIDE, "<"): _CURRENT,
    (_CURRENT, "|"): _BASE,
    (_CURRENT, "="): _INCOMING,
    (_BASE, "="): _INCOMING,
    (_INCOMING, ">"): _OUTSIDE,
}
_RESOLVE_HINT: Final = (
    "run `revlib rebase`, or `revlib heads-file update` once the graph has one head"
)


def parse(text: str, path: str) -> HeadsFile:
    """Read a heads file; a HeadsFileError names the line that is neither a comment, an entry
    nor a well-placed conflict marker."""
    sides: dict[str, list[HeadEntry]] = {_OUTSIDE: [], _CURRENT: [], _BASE: [], _INCOMING: []}
    names = {_CURRENT: "", _INCOMING: ""}
    state, seen_conflict, seen_base = _OUTSIDE, False, False
    number = 0
    for number, line in enumerate(_NEWLINE.split(text), 1):
        marker = _MARKER.fullmatch(line)
        if marker is not None:
            state = _next_state(state, marker.group(1)[0], path, number)
            seen_conflict = True
            seen_base = seen_base or state == _BASE
            if marker.group(1)[0] in "<>":
                names[_CURRENT if state == _CURRENT else _INCOMING] = marker.group(2) or ""
            continue
        entry = _entry(line, path, number)
        if entry is not None:
            sides[state].append(entry)
    if state != _OUTSIDE:
        message = "unterminated conflict: a `>>>>>>>` line is missing"
        raise HeadsFileError(path, number, message, _RESOLVE_HINT)
    newline = _first_newline(text)
    common = tuple(sides[_OUTSIDE])
    if not seen_conflict:
        return HeadsFile(common, None, newline)
    conflict = Conflict(
        current=common + tuple(sides[_CURRENT]),
        incoming=common + tuple(sides[_INCOMING]),
        base=common + tuple(sides[_BASE]) if seen_base else None,
        current_name=names[_CURRENT],
        incoming_name=names[_INCOMING],
    )
    return HeadsFile(common, conflict, newline)


def _next_state(state: str, marker: str, path: str, number: int) -> str:
    following = _TRANSITIONS.get((state, marker))
    if following is None:
        message = f"misplaced conflict marker {marker * 7!r} (inside the {state} part)"
        if state == _OUTSIDE:
            message = f"conflict marker {marker * 7!r} outside a conflict"
        raise HeadsFileError(path, number, message, _RESOLVE_HINT)
    return following


def _entry(line: str, path: str, number: int) -> HeadEntry | None:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    match = _ENTRY.fullmatch(line)
    labels = [] if match is None or match.group(1) is None else match.group(1).split(",")
    labels = [label.strip() for label in labels]
    if match is None or not all(labels):
        message = f"not a heads-file entry: {line.strip()!r}"
        hint = "each line is `REVISION` or `LABEL[,LABEL...]: REVISION`; comments start with #"
        raise HeadsFileError(path, number, message, hint)
    return HeadEntry.of(match.group(2), labels)


def _first_newline(text: str) -> str:
    match = _NEWLINE.search(text)
    return "\n" if match is None else match.group()
