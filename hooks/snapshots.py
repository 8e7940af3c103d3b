"""Which version files to check, and their bytes: from the work tree, the index or a commit.

An :class:`Environment` is one Alembic setup (a config file or a bare script directory) reduced
to what the checks need: its version locations and options. A *snapshot* maps each version
file's repository path to its blob; :func:`land` lays a branch's changes (merge base -> ours)
on a base snapshot, which is the history that exists once the branch lands.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from os.path import isdir
from pathlib import Path
from stat import S_ISDIR, S_ISLNK, S_ISREG
from typing import TYPE_CHECKING, NamedTuple

from hooks.context import Options
from revlib.script._discovery import is_source_name
from revlib.sources import SourceFile, select_version_paths
from revlib.util.exc import CommandError
from revlib.util.files import opened_directory

if TYPE_CHECKING:
    from hooks.git import GitRepo
    from revlib._lint_cache import LintCache

__all__ = [
    "Entry",
    "Environment",
    "Landing",
    "environments",
    "land",
    "lint_cache",
    "worktree_sources",
]


class Environment(NamedTuple):
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
    chosen = [options._replace(config_file=c, directory=None) for c in config_files]
    chosen += [options._replace(config_file=None, directory=d) for d in directories]
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


def lint_cache(env: Environment) -> LintCache | None:
    """The lint cache of ``env``'s version files, unless caching is off (``--no-cache``,
    ``REVLIB_NO_CACHE``)."""
    from revlib._lint_cache import LintCache, cache_disabled

    if not env.options.use_cache or cache_disabled() or not env.locations:
        return None
    return LintCache.for_locations(env.locations)


def worktree_sources(env: Environment) -> list[SourceFile]:
    """The version files on disk, exactly as Alembic lists them (untracked ones included).

    Each file costs one ``lstat`` (its signature, for a cache), and is read only when its
    bytes are asked for; paths are worked out per directory (one ``realpath`` and one
    display path each), so that ten thousand unchanged files cost little more than their
    ``lstat``."""
    seen: set[str] = set()
    sources: list[SourceFile] = []
    for location in env.locations:
        if not os.path.isdir(location):
            continue
        for directory, names in _location_names(location, env.recursive):
            sources += _directory_sources(directory, names, seen)
    return sources


def _location_names(location: str, recursive: bool) -> list[tuple[str, list[str]]]:
    """The directories Alembic lists in ``location``, each with its entries' names in
    Alembic's order (subdirectories among them are told apart later, by their ``lstat``).
    A flat location takes one ``os.listdir``; others are walked as Alembic walks them."""
    from revlib.script import _discovery

    if recursive or os.path.basename(os.path.normpath(location)).endswith("__pycache__"):
        grouped: dict[str, list[str]] = {}
        for path in _discovery.list_paths(location, False, recursive):
            directory, _, name = path.rpartition(os.sep)
            grouped.setdefault(directory, []).append(name)
        return list(grouped.items())
    try:
        names = sorted(os.listdir(location))
    except OSError:  # as os.walk, which lists nothing then
        return []
    return [(os.path.join(location, "").rstrip(os.sep) or os.sep, names)]


def _directory_sources(directory: str, names: list[str], seen: set[str]) -> list[SourceFile]:
    """The version files named ``names`` in ``directory``, except those whose resolved path
    is in ``seen`` (a file reached through two locations is loaded once), which they join."""
    real_prefix, shown_prefix = _directory_prefixes(directory)
    prefix = os.path.join(directory, "")
    sources = []
    # locals: looked up once, not per file
    stat, is_source, is_regular, source_file = os.stat, is_source_name, S_ISREG, SourceFile
    with opened_directory(directory) as fd:
        for name in names:
            path = prefix + name
            try:  # relative to the open directory: the kernel walks one name, not the path
                if fd is None:
                    st: os.stat_result | None = os.lstat(path)
                else:
                    st = stat(name, dir_fd=fd, follow_symlinks=False)
            except OSError:  # gone since the listing: reading it will say so
                st = None
            if st is not None and is_regular(st.st_mode):  # the usual case first
                if not is_source(name):
                    continue
                real = real_prefix + name
            elif st is None or S_ISLNK(st.st_mode):
                if isdir(path):
                    continue  # a link to a subdirectory, which os.walk does not list as a file
                real, st = _follow(path)
                if not is_source(os.path.basename(real)):
                    continue  # Alembic goes by the name of what a link resolves to
            elif S_ISDIR(st.st_mode) or not is_source(name):
                continue
            else:  # a named pipe, a device...: reading it will refuse it
                real = real_prefix + name
            if real in seen:
                continue
            seen.add(real)
            load = partial(_read, path)
            sources.append(source_file(shown_prefix + name, load=load, file=real, stat=st))
    return sources


def _directory_prefixes(directory: str) -> tuple[str, str]:
    """What goes before a file name of ``directory`` in its real path and its display path."""
    shown = display_path(directory or os.sep)
    real = os.path.join(os.path.realpath(directory or os.sep), "")
    return real, "" if shown == "." else os.path.join(shown, "")


def _follow(path: str) -> tuple[str, os.stat_result | None]:
    """The resolved path of a symlink (or of a file that vanished) and its target's
    ``stat`` (None when there is none)."""
    try:
        return os.path.realpath(path), os.stat(path)
    except OSError:
        return os.path.realpath(path), None


def _read(path: str | os.PathLike[str]) -> bytes:
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


class Entry(NamedTuple):
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


class Landing(NamedTuple):
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
    repo: GitRepo,
    snapshot: Snapshot,
    locations: Sequence[str],
    recursive: bool,
    known: Callable[[str], bool] | None = None,
) -> list[SourceFile]:
    """The snapshot's version files in Alembic's load order, their blobs read in one batch,
    except those ``known`` says a cache knows (they are read alone, if ever asked for)."""
    paths = select_version_paths(snapshot, locations, recursive=recursive)
    missing = [
        entry.blob
        for entry in (snapshot[p] for p in paths)
        if entry.data is None and (known is None or not known(entry.blob))
    ]
    blobs = repo.read_blobs(missing)
    root = os.fspath(repo.root)
    dirs: dict[str, tuple[str, str]] = {}
    sources = []
    for path in paths:
        entry = snapshot[path]
        directory, _, name = path.rpartition("/")
        prefixes = dirs.get(directory)
        if prefixes is None:
            prefixes = dirs[directory] = _directory_prefixes(os.path.join(root, directory))
        data = entry.data if entry.data is not None else blobs.get(entry.blob)
        load = None if data is not None else partial(_read_blob, repo, entry.blob)
        file = prefixes[0] + name
        sources.append(SourceFile(prefixes[1] + name, data, load=load, blob=entry.blob, file=file))
    return sources


def _read_blob(repo: GitRepo, blob: str) -> bytes:
    return repo.read_blobs([blob])[blob]
