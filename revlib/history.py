"""Immutable history: a migration the base branch already has must not change.

Databases that ran a migration never run it again, so a migration edited after it was shared
leaves those databases different from fresh ones, silently. For every revision of the base,
the version file that lands must keep the same ``revision``, ``down_revision``,
``branch_labels`` and ``depends_on`` and must still exist (``history-edited``, an error); a
change anywhere else in the file is ``history-body-edited`` (a warning unless the project
makes it an error). The header lines themselves and the docstring's ``Revision ID:`` /
``Revises:`` lines do not count as the body.

Only what the base has is protected: the branch's own migrations may change freely, which is
how ``revlib rebase`` re-parents them onto a revision the base does not contain yet.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Final

from revlib import findings
from revlib._lint_read import Node, read_nodes
from revlib.findings import Finding
from revlib.sources import SourceFile

__all__ = ["history_findings"]

_HEADER_NAMES: Final = ("revision", "down_revision", "branch_labels", "depends_on")
_DOC_ID_LINE: Final = re.compile(rb"^[ \t]*(?:Revision ID|Revises):")


def history_findings(
    base: Sequence[SourceFile],
    final: Sequence[SourceFile],
    *,
    base_name: str = "the base",
    protected: Collection[str] | None = None,
    search_path: Sequence[str] = (),
) -> list[Finding]:
    """What changed in the base's migrations once ``final`` lands (both in load order).

    ``protected`` limits the check to those revisions (None: every revision of ``base``).
    Files that cannot be read on either side are left to ``unreadable-file``.
    """
    base_nodes, _ = read_nodes(base, search_path)
    final_nodes, _ = read_nodes(final, search_path)
    now_by_id = {node.revision: node for node in final_nodes if node.complete}
    now_by_path = {node.path: node for node in final_nodes}
    base_data = {f.path: f.data for f in base}
    final_data = {f.path: f.data for f in final}
    problems: list[Finding] = []
    for was in base_nodes:
        if not was.complete or (protected is not None and was.revision not in protected):
            continue
        now = now_by_id.get(was.revision)
        if now is None:
            problems += _gone(was, now_by_path.get(was.path), final_data, base_name)
            continue
        old, new = base_data[was.path], final_data[now.path]
        if old == new:
            continue
        edited = _header_edit(was, now, base_name)
        if edited is not None:
            problems.append(edited)
        body_line = _body_change(old, new)
        if body_line is not None:
            problems.append(_body_edited(was, now, body_line, base_name))
    return problems


def _restore(path: str, base_name: str) -> str:
    return f"restore it (`git checkout {base_name} -- {path}`)"


def _gone(
    was: Node, there: Node | None, final_data: Mapping[str, bytes], base_name: str
) -> list[Finding]:
    """A base revision no landing file declares: deleted, or its file now declares another."""
    if there is not None:
        message = (
            f"this file declares revision {there.revision}, but in {base_name} it declared "
            f"{was.revision}, which is now gone from the history though databases may have run "
            "it"
        )
        hint = f"keep revision = '{was.revision}' here, and write the new migration in a new file"
        return [_edited(there.path, there.line("revision"), message, hint, was.revision)]
    if was.path in final_data:  # still there, but unreadable: unreadable-file says why
        return []
    message = (
        f"revision {was.revision} is in {base_name}, where it may already have run, but its "
        "file is deleted"
    )
    hint = (
        f"{_restore(was.path, base_name)}; to undo a migration, write a new one that reverses it"
    )
    return [_edited(was.path, None, message, hint, was.revision)]


def _header_edit(was: Node, now: Node, base_name: str) -> Finding | None:
    for name, before, after in (
        ("down_revision", was.parents, now.parents),
        ("branch_labels", was.branch_labels, now.branch_labels),
        ("depends_on", was.dependencies, now.dependencies),
    ):
        if tuple(before or ()) != tuple(after or ()):
            message = (
                f"{was.revision} is in {base_name}, where it may already have run, but its "
                f"{name} changed from {_value(before)} to {_value(after)}"
            )
            hint = (
                "a migration that ran somewhere must not change under it: "
                f"{_restore(was.path, base_name)}, and write a new migration for the change"
            )
            return _edited(now.path, now.line(name), message, hint, was.revision)
    return None


def _value(names: Sequence[str] | None) -> str:
    """A header value as it is written: None, 'a' or ('a', 'b')."""
    if not names:
        return "None"
    if len(names) == 1:
        return repr(names[0])
    return "(" + ", ".join(repr(n) for n in names) + ")"


def _edited(path: str, line: int | None, message: str, hint: str, revision: str) -> Finding:
    return Finding(findings.HISTORY_EDITED, "error", path, line, message, hint, (revision,))


def _body_edited(was: Node, now: Node, line: int, base_name: str) -> Finding:
    message = (
        f"{was.revision} is in {base_name}, where it may already have run, but its code "
        f"changed (from line {line}); databases that ran it will not run the new code"
    )
    hint = f"write a new migration for the change, or {_restore(was.path, base_name)}"
    return Finding(
        findings.HISTORY_BODY_EDITED, "warning", now.path, line, message, hint, (was.revision,)
    )


def _body_change(old: bytes, new: bytes) -> int | None:
    """The first line of ``new`` whose body differs from ``old`` (None when only header
    lines differ, or a file cannot be parsed)."""
    before, after = _body_lines(old), _body_lines(new)
    if before is None or after is None:
        return None
    old_lines = [text for _, text in before]
    new_lines = [text for _, text in after]
    if old_lines == new_lines:
        return None
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, _, _, j1, _ in matcher.get_opcodes():
        if tag != "equal":
            if j1 < len(after):
                return after[j1][0]
            return after[-1][0] if after else 1
    return None  # pragma: no cover - unequal lists always have an opcode that is not equal


def _body_lines(data: bytes) -> list[tuple[int, bytes]] | None:
    """``(line number, bytes)`` of every line outside the header: the assignments of the
    four header names and the docstring's id lines are left out."""
    try:
        module = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    skipped: set[int] = set()
    docstring: range = range(0)
    for index, statement in enumerate(module.body):
        targets = _assigned_names(statement)
        if targets & set(_HEADER_NAMES):
            skipped.update(range(statement.lineno, (statement.end_lineno or 0) + 1))
        if index == 0 and isinstance(statement, ast.Expr) and _is_string(statement.value):
            docstring = range(statement.lineno, (statement.end_lineno or 0) + 1)
    lines = data.splitlines(keepends=True)
    return [
        (number, text)
        for number, text in enumerate(lines, start=1)
        if number not in skipped and not (number in docstring and _DOC_ID_LINE.match(text))
    ]


def _assigned_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.Assign):
        return {t.id for t in statement.targets if isinstance(t, ast.Name)}
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    return set()


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)
