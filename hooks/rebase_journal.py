"""Writing the files of a ``revlib rebase`` all together, or recoverably.

A rebase rewrites several files (the migrations it moves, then the heads file). Each write is
atomic, but the set is not: a failure at the second file would leave the first re-parented and
the second not. Two guards:

- An error (disk full, permission) while writing rolls back the files already written, so the
  directory is as before and the command can simply be run again.
- A writer killed between two files cannot roll back. Before the first write, the paths are
  recorded in a journal (``<git dir>/revlib/rebase-<id>.journal``); it is removed once every file
  is written. A later ``revlib rebase`` that finds it finishes the job and names every file of
  the interrupted run among those to ``git add`` (the ones already rewritten no longer show as
  changes of their own).
"""

from __future__ import annotations

import contextlib
import os
import zlib
from collections.abc import Sequence
from pathlib import Path

from revlib.util.exc import CommandError

__all__ = ["apply_all", "journal_path", "pending"]


def journal_path(script_directory: str | os.PathLike[str]) -> Path:
    """Where the journal of this script directory's rebase lives."""
    from revlib.script._cache import cache_directory

    real = os.path.realpath(script_directory)
    directory = cache_directory(real) or real
    return Path(directory, f"rebase-{zlib.crc32(os.fsencode(real)):08x}.journal")


def pending(journal: Path) -> list[str]:
    """The paths an interrupted rebase was writing (empty when none was)."""
    try:
        text = journal.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in text.splitlines() if line]


def apply_all(journal: Path, changes: Sequence[tuple[str, bytes | None, bytes]]) -> None:
    """Write each ``(path, old, new)``; all of them, or (on an error) none of them."""
    from revlib.util.atomic import replace_source_file

    if not changes:
        return
    _record(journal, [path for path, _, _ in changes])
    done: list[tuple[str, bytes | None, bytes]] = []
    for change in changes:
        path, _, new = change
        try:
            replace_source_file(path, new)
        except OSError as error:
            undone = _roll_back(done)
            raise CommandError(_failure(path, error, done, undone)) from None
        done.append(change)
    with contextlib.suppress(OSError):
        journal.unlink()


def _record(journal: Path, paths: list[str]) -> None:
    from revlib.util.atomic import replace_file

    earlier = [p for p in pending(journal) if p not in paths]
    try:
        journal.parent.mkdir(parents=True, exist_ok=True)
        replace_file(journal, "".join(f"{p}\n" for p in [*earlier, *paths]).encode("utf-8"))
    except OSError as error:
        raise CommandError(
            f"cannot record the rebase in {journal}: {error.strerror or error}; nothing was "
            "written"
        ) from None


def _roll_back(done: list[tuple[str, bytes | None, bytes]]) -> list[str]:
    """Put the files already written back as they were; the paths that could not be."""
    from revlib.util.atomic import replace_source_file

    failed = []
    for path, old, _ in reversed(done):
        try:
            if old is None:
                os.unlink(path)
            else:
                replace_source_file(path, old)
        except OSError:
            failed.append(path)
    return failed


def _failure(
    path: str, error: OSError, done: list[tuple[str, bytes | None, bytes]], undone: list[str]
) -> str:
    message = f"{path}: cannot write: {error.strerror or error}"
    if not done:
        return f"{message}; nothing was changed"
    if not undone:
        return f"{message}; the files already rewritten were put back, nothing was changed"
    return (
        f"{message}; these files stay rewritten and could not be put back: "
        f"{', '.join(undone)}; run `revlib rebase` again once the disk is writable"
    )
