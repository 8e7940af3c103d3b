"""Which version files to check, and their bytes: from the work tree, the index or a commit.

An :class:`Environment` is one Alembic setup (a config file or a bare script directory) reduced
to what the checks need: its version locations and options. A *snapshot* maps each version
file's repository path to its blob; :func:`land` lays a branch's changes (merge base -> ours)
on a base snapshot, which is the history that exists once the branch lands.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hooks.context import Options
from revlib.sources import SourceFile, select_version_paths
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from hooks.git import GitRepo

__all__ = ["Entry", "Environment", "Landing", "environments", "land", "worktree_sources"]


@dataclass(frozen=True)
class Environment:
    """One script directory to check."""

    options: Options
    locations: tuple[str, ...]
    """Absolute version locations, in configured order."""
    recursive: bool
    file_template: str
    search_path: tuple[str, ...]


def environments(
    options: Options, config_files: Sequence[str], directories: Sequence[str]
) -> list[Environment]:
    """The environments named by ``-c``/``-d`` (each may repeat), else the one ``options``
    (the ``revlib`` group's options, or the defaults) finds."""
    chosen = [dataclasses.replace(options, config_file=c, directory=None) for c in config_files]
    chosen += [dataclasses.replace(options, config_file=None, directory=d) for d in directories]
    return [_environment(o) for o in chosen or [options]]


def _environment(options: Options) -> Environment:
    from revlib.script._options import resolve_version_locations

    script_dir = options.load_script_directory()
    locations = resolve_version_locations(
        script_dir.dir,
        script_dir.version_locations or None,
        sys_path_prepend=script_dir.source_paths,
    )
    return Environment(
        options=options,
        locations=tuple(locations),
        recursive=script_dir.recursive_version_locations,
        file_template=script_dir.file_template,
        search_path=tuple(script_dir.source_paths),
    )


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the current directory when it lies below it, else absolute."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if os.path.commonpath([absolute, cwd]) == cwd:
        return Path(os.path.relpath(absolute, cwd)).as_posix()
    return absolute


def worktree_sources(env: Environment) -> list[SourceFile]:
    """The version files on disk, exactly as Alembic lists them (untracked ones included)."""
    from revlib.script import _discovery

    seen: set[str] = set()
    sources: list[SourceFile] = []
    for location in env.locations:
        if not os.path.isdir(location):
            continue
        for path in _discovery.list_files(Path(location), False, env.recursive):
            real = os.path.realpath(path)
            if real in seen or not _discovery.is_source_name(path.name):
                continue
            seen.add(real)
            sources.append(SourceFile(display_path(path), _read(path)))
    return sources


def _read(path: Path) -> bytes:
    from revlib.util.files import read_regular

    try:
        return read_regular(path)
    except OSError as error:
        raise _unreadable(display_path(path), error) from None


def _unreadable(path: str, error: OSError) -> CommandError:
    from revlib.util.exc import LocatedError
    from revlib.util.files import UNREADABLE_HINT

    message = f"cannot read the file: {error.strerror or error}"
    return LocatedError(path, None, message, UNREADABLE_HINT)


# -- git snapshots ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One file of a snapshot: its blob id, and its bytes when they are already known."""

    blob: str
    data: bytes | None = None


Snapshot = Mapping[str, Entry]


def commit_snapshot(repo: GitRepo, commit: str | None, locations: Sequence[str]) -> Snapshot:
    """Every file under ``locations`` in ``commit`` (nothing for an unborn HEAD)."""
    return {p: Entry(b) for p, b in repo.commit_files(commit, locations).items()}


def index_snapshot(repo: GitRepo, locations: Sequence[str]) -> Snapshot:
    """The staged files; a path with a conflict in progress has no staged blob, so its work
    tree file (with its conflict markers) stands for it."""
    staged, unmerged = repo.index_files(locations)
    snapshot = {p: Entry(b) for p, b in staged.items()}
    for path in unmerged:
        file = repo.root / path
        if file.is_file():
            snapshot[path] = _worktree_entry(repo, file)
    return snapshot


def worktree_snapshot(repo: GitRepo, env: Environment, locations: Sequence[str]) -> Snapshot:
    """The files on disk under the version locations, keyed by repository path."""
    snapshot: dict[str, Entry] = {}
    for location in locations:
        directory = repo.root / location
        if not directory.is_dir():
            continue
        for file in _walk(directory, env.recursive):
            snapshot[file.relative_to(repo.root).as_posix()] = _worktree_entry(repo, file)
    return snapshot


def _walk(directory: Path, recursive: bool) -> list[Path]:
    from revlib.script import _discovery

    return [p for p in _discovery.list_files(directory, False, recursive) if p.is_file()]


def _worktree_entry(repo: GitRepo, file: Path) -> Entry:
    from hooks.git import blob_id

    data = _read(file)
    return Entry(blob_id(data, repo.hex_length()), data)


@dataclass(frozen=True)
class Landing:
    """The snapshot once a branch lands on a base, and what the branch changed."""

    final: Snapshot
    changed: frozenset[str]
    deleted: frozenset[str]


def land(base: Snapshot, merge_base: Snapshot, ours: Snapshot) -> Landing:
    """``base`` with every difference between ``merge_base`` and ``ours`` applied: added and
    modified files replace the base's, deleted ones are removed (a rename is both)."""
    final = dict(base)
    changed: set[str] = set()
    deleted: set[str] = set()
    for path in merge_base.keys() | ours.keys():
        before, after = merge_base.get(path), ours.get(path)
        if before is not None and after is not None and before.blob == after.blob:
            continue
        if after is None:
            final.pop(path, None)
            deleted.add(path)
        else:
            final[path] = after
            changed.add(path)
    return Landing(final, frozenset(changed), frozenset(deleted))


def to_sources(
    repo: GitRepo, snapshot: Snapshot, locations: Sequence[str], recursive: bool
) -> list[SourceFile]:
    """The snapshot's version files in Alembic's load order, their blobs read in one batch."""
    paths = select_version_paths(snapshot, locations, recursive=recursive)
    missing = [snapshot[p].blob for p in paths if snapshot[p].data is None]
    blobs = repo.read_blobs(missing)
    return [SourceFile(display_path(repo.root / p), _data(snapshot[p], blobs)) for p in paths]


def _data(entry: Entry, blobs: Mapping[str, bytes]) -> bytes:
    return entry.data if entry.data is not None else blobs[entry.blob]
