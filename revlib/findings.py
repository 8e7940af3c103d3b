"""Findings: problems in a revision graph, as data with stable codes.

A finding names the file and line that causes it, says what is wrong in one sentence, and may
carry a hint saying how to fix it. The codes are part of revlib's interface: editors, CI
annotations and ``--format json`` consumers match on them, so they never change meaning.
"""

from __future__ import annotations

from typing import Final, Literal, NamedTuple

__all__ = [
    "CODES",
    "CYCLE",
    "DOCSTRING_MISMATCH",
    "DUPLICATE_BRANCH_LABEL",
    "DUPLICATE_REVISION",
    "FILENAME_MISMATCH",
    "HISTORY_BODY_EDITED",
    "HISTORY_EDITED",
    "MISSING_DEPENDENCY",
    "MISSING_DOWN_REVISION",
    "MULTIPLE_HEADS",
    "NEW_HEAD",
    "OPTIONAL_CODES",
    "STALE_HEADS_FILE",
    "UNREADABLE_FILE",
    "Finding",
    "Severity",
    "format_text",
    "to_json",
]

Severity = Literal["error", "warning"]

MULTIPLE_HEADS: Final = "multiple-heads"
"""More heads than allowed: ``alembic upgrade head`` fails."""
NEW_HEAD: Final = "new-head"
"""A head that this branch adds beyond the base's own heads (``revlib-new-heads``)."""
DUPLICATE_REVISION: Final = "duplicate-revision"
"""Two files declare the same revision id; Alembic silently keeps the later one."""
DUPLICATE_BRANCH_LABEL: Final = "duplicate-branch-label"
"""A branch label declared twice, or equal to a revision id: Alembic refuses to load."""
MISSING_DOWN_REVISION: Final = "missing-down-revision"
"""``down_revision`` names a revision that no file declares."""
MISSING_DEPENDENCY: Final = "missing-dependency"
"""``depends_on`` names a revision or branch label that no file declares."""
CYCLE: Final = "cycle"
"""Revisions that are their own ancestors."""
UNREADABLE_FILE: Final = "unreadable-file"
"""A version file whose header cannot be read (syntax error, dynamic value, conflict markers)."""
FILENAME_MISMATCH: Final = "filename-mismatch"
"""The file's name does not carry its revision id as ``file_template`` would write it."""
DOCSTRING_MISMATCH: Final = "docstring-mismatch"
"""The docstring's ``Revision ID:`` or ``Revises:`` line disagrees with the variables."""
HISTORY_EDITED: Final = "history-edited"
"""A migration the base already has changed its header, or is gone (it may have run)."""
HISTORY_BODY_EDITED: Final = "history-body-edited"
"""A migration the base already has changed outside its header (a warning by default)."""
STALE_HEADS_FILE: Final = "stale-heads-file"
"""The heads file is missing, conflicted, unreadable or names other heads than the graph's."""

CODES: Final = (
    MULTIPLE_HEADS,
    NEW_HEAD,
    DUPLICATE_REVISION,
    DUPLICATE_BRANCH_LABEL,
    MISSING_DOWN_REVISION,
    MISSING_DEPENDENCY,
    CYCLE,
    UNREADABLE_FILE,
    FILENAME_MISMATCH,
    DOCSTRING_MISMATCH,
    HISTORY_EDITED,
    HISTORY_BODY_EDITED,
    STALE_HEADS_FILE,
)
OPTIONAL_CODES: Final = (FILENAME_MISMATCH, DOCSTRING_MISMATCH)
"""Warnings that are off unless asked for (``--enable CODE``)."""


class Finding(NamedTuple):
    """One problem: where it is, what it is, and (optionally) how to fix it.

    Immutable; ``finding._replace(...)`` gives a changed copy. (A named tuple: ``revlib check``
    answers from its kept findings in a few milliseconds, a dataclass would add one.)"""

    code: str
    severity: Severity
    path: str | None
    line: int | None
    message: str
    hint: str | None = None
    revisions: tuple[str, ...] = ()
    setup: str | None = None
    """The Alembic setup (config file or script directory) it belongs to, when several are
    checked in one run."""


def format_text(finding: Finding) -> str:
    """``path:line: code message``, then ``  hint: ...`` on a second line when there is one;
    ``[setup] `` in front when the finding names its setup."""
    where = f"[{finding.setup}] " if finding.setup else ""
    if finding.path is not None:
        where += finding.path if finding.line is None else f"{finding.path}:{finding.line}"
        where += ": "
    text = f"{where}{finding.code} {finding.message}"
    if finding.hint:
        text += f"\n  hint: {finding.hint}"
    return text


def to_json(finding: Finding) -> dict[str, object]:
    """The JSON shape of a finding (``--format json``)."""
    return {
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "revisions": list(finding.revisions),
        "hint": finding.hint,
        "setup": finding.setup,
    }
