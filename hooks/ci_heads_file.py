"""The heads-file check of ``revlib ci``: does the committed heads file name the heads?

A project keeps a heads file (``heads.txt`` in the script directory, see
:mod:`revlib.heads_file`) so that git itself conflicts when two branches each add a head. CI
checks that the file matches the graph it ships with; a project without the file skips this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from revlib.findings import Finding

STALE_HEADS_FILE = "stale-heads-file"
"""The heads file disagrees with the graph's heads, or cannot be read."""


def heads_file_findings(env: Any, lint: Any) -> list[Finding]:
    """Findings about ``env``'s heads file against the heads of ``lint`` (a LintResult)."""
    try:
        from revlib import heads_file
    except ImportError:  # a revlib without heads files: nothing to check
        return []
    from hooks.snapshots import display_path
    from revlib.lint import head_labels

    path = Path(env.options.load_script_directory().dir) / heads_file.DEFAULT_NAME
    if not path.is_file():
        return []
    shown = display_path(path)
    try:
        recorded = heads_file.parse(path.read_bytes().decode("utf-8"), shown)
    except heads_file.HeadsFileError as error:
        return [Finding(STALE_HEADS_FILE, "error", shown, error.line, error.message, error.hint)]
    except UnicodeDecodeError as error:
        return [Finding(STALE_HEADS_FILE, "error", shown, None, f"not UTF-8 ({error.reason})")]
    actual = [
        heads_file.HeadEntry.of(head, head_labels(lint.graph, lint.revision_map, head))
        for head in lint.heads
    ]
    staleness = heads_file.compare(recorded, actual)
    if not staleness.stale:
        return []
    return [_stale(shown, staleness)]


def _stale(path: str, staleness: Any) -> Finding:
    if staleness.conflicted:
        message = "the heads file still has conflict markers"
    else:
        parts = []
        if staleness.missing:
            parts.append("lacks the head(s) " + ", ".join(map(str, staleness.missing)))
        if staleness.extra:
            parts.append("names " + ", ".join(map(str, staleness.extra)) + ", not a head")
        message = "the heads file " + " and ".join(parts)
    hint = "run `revlib heads-file update` and commit the file"
    revisions = tuple(e.revision for e in (*staleness.missing, *staleness.extra))
    return Finding(STALE_HEADS_FILE, "error", path, None, message, hint, revisions)
