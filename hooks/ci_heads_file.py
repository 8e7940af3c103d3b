"""The heads-file check of ``revlib ci``: does the committed heads file name the heads?

A project keeps a heads file (``heads.txt`` in the script directory, or ``--heads-file``, or
``heads_file`` in the setup's settings; see :mod:`hooks.heads_file`) so that git itself
conflicts when two branches each add a head. CI checks that the file matches the graph it
ships with. A project that names no heads file and has none at the default place skips the
check; a named file that is missing is an error.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from revlib.findings import Finding

STALE_HEADS_FILE = "stale-heads-file"
"""The heads file is missing, conflicted, unreadable or names other heads than the graph's."""
FIX = "run `revlib heads-file update` and commit it"


def named_heads_files(setups: Sequence[Any], explicit: str | None) -> list[str | None]:
    """Each setup's named heads file (``--heads-file``, else its settings; None: the default).
    One file for several setups is refused: each setup's heads differ, so it would always be
    stale for all but one."""
    from hooks.setups import heads_file_of
    from revlib.util.exc import CommandError

    if explicit is not None and len(setups) > 1:
        raise CommandError(
            f"--heads-file names one heads file, but this run checks {len(setups)} Alembic "
            "setups; pick one with -c FILE, or set heads_file in each setup's own settings"
        )
    named = [heads_file_of(setup.options, explicit) for setup in setups]
    seen: dict[str, str] = {}
    for setup, path in zip(setups, named, strict=True):
        if path is None:
            continue
        real = os.path.realpath(path)
        if real in seen:
            raise CommandError(
                f"setups {seen[real]} and {setup.name} both name the heads file {path}; each "
                "setup needs its own (set heads_file in each setup's own settings)"
            )
        seen[real] = setup.name
    return named


def heads_file_findings(env: Any, lint: Any, named: str | None) -> list[Finding]:
    """Findings about ``env``'s heads file against the heads of ``lint`` (a LintResult).
    ``named`` is the heads file ``--heads-file`` or the setup's settings name (see
    :func:`hooks.setups.heads_file_of`); None for the default, which may be absent."""
    from hooks.heads_file import heads_file_path_for, read_heads_file
    from hooks.snapshots import display_path
    from revlib.heads_file import HeadEntry, HeadsFileError, compare
    from revlib.lint import head_labels

    path = heads_file_path_for(env.options.load_script_directory(), named)
    shown = display_path(path)
    try:
        recorded = read_heads_file(path)
    except HeadsFileError as error:
        return [Finding(STALE_HEADS_FILE, "error", shown, error.line, error.message, error.hint)]
    if recorded is None:
        if named is None:
            return []
        return [_finding(shown, "the heads file does not exist", FIX)]
    actual = [HeadEntry.of(h, head_labels(lint.graph, lint.revision_map, h)) for h in lint.heads]
    staleness = compare(recorded, actual)
    if staleness.conflicted:
        return [_finding(shown, "the heads file has conflict markers", "run `revlib rebase`")]
    if not staleness.stale:
        return []
    message = (
        f"the heads file records {_listed(recorded.entries)}, but the heads are {_listed(actual)}"
    )
    revisions = tuple(e.revision for e in (*staleness.missing, *staleness.extra))
    return [_finding(shown, message, FIX, revisions)]


def _listed(entries: Any) -> str:
    return ", ".join(str(entry) for entry in sorted(set(entries))) or "none"


def _finding(path: str, message: str, hint: str, revisions: tuple[str, ...] = ()) -> Finding:
    return Finding(STALE_HEADS_FILE, "error", path, None, message, hint, revisions)
