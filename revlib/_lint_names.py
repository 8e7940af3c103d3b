"""The opt-in checks of :mod:`revlib.lint`: names and docstrings that disagree with the header.

Neither matters to Alembic (it never reads the file name when ``revision`` is set, nor the
docstring's ``Revision ID:`` / ``Revises:`` lines), but both mislead people reading the
history. Most real projects have stale ``Revises:`` lines after a manual re-parent, which is
why these are warnings, and off unless asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from revlib import findings
from revlib._lint_read import Node
from revlib.findings import Finding

__all__ = ["docstring_findings", "filename_findings"]

_TOKEN: Final = re.compile(r"%%|%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")
_NUMERIC_TOKENS: Final = frozenset({"epoch", "year", "month", "day", "hour", "minute", "second"})
_DOC_LINE: Final = re.compile(r"^[ \t]*(Revision ID|Revises):[ \t]*(.*?)[ \t]*$", re.MULTILINE)


def filename_findings(nodes: Iterable[Node], file_template: str) -> list[Finding]:
    """A warning for each file whose name does not hold its id where ``file_template`` puts
    it (nothing when the template has no ``%(rev)s``)."""
    if "%(rev)" not in file_template:
        return []
    problems = []
    for node in nodes:
        pattern = _name_pattern(file_template, node.revision)
        name = node.path.rsplit("/", 1)[-1]
        if pattern.search(node.path) or name == f"{node.revision}.py":
            continue
        problems.append(
            Finding(
                findings.FILENAME_MISMATCH,
                "warning",
                node.path,
                node.line("revision"),
                f"the file name does not carry revision id {node.revision} "
                f"(file_template is '{file_template}')",
                "rename the file to match its revision id, or correct the revision variable "
                "if the name is the right one",
                (node.revision,),
            )
        )
    return problems


def _name_pattern(file_template: str, revision: str) -> re.Pattern[str]:
    """A regex matching the end of a path that ``file_template`` could have made."""
    pieces = []
    position = 0
    for token in _TOKEN.finditer(file_template):
        pieces.append(re.escape(file_template[position : token.start()]))
        position = token.end()
        name = token.group(1)
        if name is None:
            pieces.append("%")
        elif name == "rev":
            pieces.append(re.escape(revision))
        elif name in _NUMERIC_TOKENS:
            pieces.append(r"-?\d+")
        else:
            pieces.append(r"[^/]*?")
    pieces.append(re.escape(file_template[position:]))
    return re.compile(r"(?:^|/)" + "".join(pieces) + r"\.py$")


def docstring_findings(nodes: Iterable[Node], sources: dict[str, bytes]) -> list[Finding]:
    """A warning for each ``Revision ID:`` or ``Revises:`` docstring line that disagrees with
    ``revision`` / ``down_revision``."""
    problems = []
    for node in nodes:
        if not node.docstring:
            continue
        for label, written in _DOC_LINE.findall(node.docstring):
            actual = _actual(node, label)
            if _ids(written) == _ids(actual):
                continue
            variable = "revision" if label == "Revision ID" else "down_revision"
            expected = f"{label}: {actual}".rstrip()
            problems.append(
                Finding(
                    findings.DOCSTRING_MISMATCH,
                    "warning",
                    node.path,
                    _line_of(sources.get(node.path, b""), label),
                    f"the docstring says '{label}: {written}', but {variable} is "
                    f"{actual or 'None'}",
                    f"Alembic never reads this line, but people do: make it '{expected}'",
                    (node.revision,),
                )
            )
    return problems


def _actual(node: Node, label: str) -> str:
    if label == "Revision ID":
        return node.revision
    return ", ".join(node.parents or ())


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _line_of(data: bytes, label: str) -> int | None:
    """The first line of the file starting with ``label:`` (in the docstring, at the top)."""
    marker = re.compile(rb"^[ \t]*" + re.escape(label.encode()) + rb":", re.MULTILINE)
    found = marker.search(data)
    return None if found is None else data.count(b"\n", 0, found.start()) + 1
