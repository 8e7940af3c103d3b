"""Turning the version files of a ScriptDirectory into Script objects, in Alembic's order."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revlib.script import _discovery
from revlib.script._script import Script, import_module_file
from revlib.script._sentinel import MISSING
from revlib.util.exc import CommandError
from revlib.util.files import opened_directory

if TYPE_CHECKING:
    from revlib.script._cache import HeaderCache
    from revlib.script.base import ScriptDirectory
    from revlib.script.reader import Header


def load_scripts(script_dir: ScriptDirectory) -> Iterator[Script]:
    """Every script of every existing version location; a file reached twice is skipped.

    With ``script_dir.use_cache``, headers come from each location's
    :class:`~revlib.script._cache.HeaderCache`, which is saved when the location is done.
    Paths are strings here, and each file costs one ``lstat``: at ten thousand files, Path
    objects and extra system calls would cost more than reading the cache.
    """
    seen: set[str] = set()
    script_dir.headers_kept = script_dir.use_cache
    for location in script_dir._version_locations:
        if not location.exists():
            continue
        files = _location_scripts(script_dir, os.fspath(location), seen)
        if not script_dir.use_cache:
            yield from _read_scripts(script_dir, files)
            continue
        cache = _open_cache(location)
        complete = False
        try:
            for path, st, values in cache.plain_values_of(files):
                if values is None:
                    yield load_script(script_dir, path, cache, st)
                else:  # the common case: no check, warning or error to report
                    yield Script.from_values(values[0], path, *values[1:])
            complete = True
        finally:
            cache.save(complete=complete)
        if not cache.all_kept():
            script_dir.headers_kept = False


def _open_cache(location: Path) -> HeaderCache:
    from revlib.script._cache import HeaderCache

    return HeaderCache.for_location(location)


def _location_scripts(
    script_dir: ScriptDirectory, location: str, seen: set[str]
) -> Iterator[tuple[str, os.stat_result | None]]:
    """The resolved paths of the location's version files in Alembic's order, each with its
    ``lstat`` when it is not a symlink."""
    from revlib.script.base import warn_read

    sourceless = script_dir.sourceless
    real_dirs: dict[str, str] = {}
    listed: Iterable[tuple[str, Any, str | None]] = _listed_files(script_dir, location)
    for file_path, st, real in listed:
        if real is None:
            real_path, st = _resolve(file_path, real_dirs, st)
        else:  # a regular file (st is its lstat)
            real_path = real
        if real_path in seen:
            warn_read(
                script_dir,
                f"File {real_path} loaded twice! ignoring. "
                "Please ensure version_locations is unique.",
            )
            continue
        seen.add(real_path)
        if sourceless:
            if _discovery.is_script_file(Path(real_path), sourceless):
                yield real_path, st
        elif _discovery.is_source_name(real_path.rpartition(os.sep)[2]):
            yield real_path, st


def _listed_files(
    script_dir: ScriptDirectory, location: str
) -> list[tuple[str, os.stat_result | bool | None, str | None]]:
    """Every file of the location as Alembic lists them, each with its ``lstat`` (False when
    not taken yet, None when it cannot be taken) and, for a regular file, its resolved path.

    A flat location (the usual one) is listed with ``os.listdir`` and each entry's ``lstat``
    tells the subdirectories (and links to them), which Alembic's ``os.walk`` leaves out, from
    the files; the ``lstat`` is needed anyway, to tell links from files, and a regular file
    resolves to the resolved location plus its name. Others are walked.
    """
    flat = not (script_dir.sourceless or script_dir.recursive_version_locations)
    if not flat or os.path.basename(location).endswith("__pycache__"):
        files = _discovery.list_paths(
            location, script_dir.sourceless, script_dir.recursive_version_locations
        )
        return [(path, False, None) for path in files]
    try:
        names = sorted(os.listdir(location))
        real_prefix = os.path.join(_resolved(location), "")
    except OSError:  # os.walk lists nothing then
        return []
    prefix = os.path.join(location, "")
    listed: list[tuple[str, os.stat_result | bool | None, str | None]] = []
    lstat, is_regular = os.lstat, stat.S_ISREG  # locals: looked up once, not per file
    with opened_directory(location) as fd:
        for name in names:
            path = prefix + name
            try:
                st = lstat(path) if fd is None else lstat(name, dir_fd=fd)
            except OSError:
                listed.append((path, None, None))
                continue
            if is_regular(st.st_mode):
                listed.append((path, st, real_prefix + name))
            elif not (
                stat.S_ISDIR(st.st_mode) or (stat.S_ISLNK(st.st_mode) and os.path.isdir(path))
            ):
                listed.append((path, st, None))
    return listed


def _resolved(directory: str) -> str:
    """``str(Path(directory).resolve())``; a CommandError for a symlink loop."""
    try:
        return str(Path(directory or os.sep).resolve(strict=False))
    except (OSError, RuntimeError) as error:
        raise CommandError(f"{directory}: cannot resolve this path ({error})") from error


def _resolve(
    path: str, real_dirs: dict[str, str], st: os.stat_result | bool | None = False
) -> tuple[str, os.stat_result | None]:
    """``str(Path(path).resolve())``, and the file's ``lstat`` unless it is a symlink.

    A file that is not a symlink resolves to its resolved directory plus its name, so each
    directory is resolved once, and the ``lstat`` that tells serves as the file's ``stat``.
    ``st`` is the ``lstat`` when already taken (False when not).
    """
    try:
        if st is False:
            try:
                st = os.lstat(path)
            except OSError:
                st = None
        if st is None or stat.S_ISLNK(st.st_mode):  # type: ignore[union-attr]
            return str(Path(path).resolve(strict=False)), None
        directory, _, name = path.rpartition(os.sep)
        real_dir = real_dirs.get(directory)
        if real_dir is None:
            real_dir = str(Path(directory or os.sep).resolve(strict=False))
            real_dirs[directory] = real_dir = os.path.join(real_dir, "")
        return real_dir + name, st  # type: ignore[return-value]
    except (OSError, RuntimeError) as error:  # a symlink loop
        raise CommandError(f"{path}: cannot resolve this path ({error})") from error


def _read_scripts(
    script_dir: ScriptDirectory, files: Iterable[tuple[str, os.stat_result | None]]
) -> Iterator[Script]:
    """:func:`load_script` without a cache, for each file: a header Alembic's templates wrote
    goes straight from its values into a Script, with no Header in between (at ten thousand
    files, a third of the read). Any other file, and any error, takes :func:`load_script`."""
    from revlib.script._quick_read import read_header_values

    search_path = script_dir.source_paths
    for path, st in files:
        if st is None or not stat.S_ISREG(st.st_mode) or path.endswith((".pyc", ".pyo")):
            yield load_script(script_dir, path, None, st)
            continue
        try:
            found = read_header_values(path, search_path=search_path, size=st.st_size)
        except Exception:  # read again, for load_script's handling (the import fallback)
            yield load_script(script_dir, path, None, st)
            continue
        if isinstance(found, tuple):
            yield Script.from_values(found[0], path, *found[1:])
        else:
            yield _script_from_read_header(script_dir, found, path)


def load_script(
    script_dir: ScriptDirectory,
    path: str | os.PathLike[str],
    cache: HeaderCache | None = None,
    st: os.stat_result | None = None,
) -> Script:
    """One Script, read statically (or imported, when that is allowed and needed).

    ``st`` is the file's ``os.stat``, when the caller has it (it saves the cache a call)."""
    name = os.fspath(path)
    if cache is not None:
        values = cache.plain_values(name, st)
        if values is not None:  # the common case: no check, warning or error to report
            rev_id, down_revision, branch_labels, depends_on, docstring = values
            return Script.from_values(
                rev_id, name, down_revision, branch_labels, depends_on, docstring
            )
    if name.endswith((".pyc", ".pyo")):
        from revlib.script._pyc_reader import read_compiled_header

        header = read_compiled_header(Path(name))
    else:
        try:
            size = st.st_size if st is not None and stat.S_ISREG(st.st_mode) else None
            header = read_cached_header(script_dir, name, cache, size)
        except Exception as error:  # (no import statement per file for the except clause)
            from revlib.script.reader import DynamicValueError

            if not (isinstance(error, DynamicValueError) and script_dir.import_fallback):
                raise
            return _imported_script(Path(name), script_dir.source_paths)
    return _script_from_read_header(script_dir, header, name)


def _script_from_read_header(script_dir: ScriptDirectory, header: Header, path: str) -> Script:
    """Show the header's warnings, then check it and build the Script."""
    for warning in header.warnings:
        from revlib.script.base import warn_read

        warn_read(script_dir, f"{warning.path}:{warning.line}: {warning.message}")
    return script_from_header(header, path)


def read_cached_header(
    script_dir: ScriptDirectory,
    path: str,
    cache: HeaderCache | None = None,
    size: int | None = None,
) -> Header:
    """The file's header: from ``cache`` when given (it reads the file only if it changed),
    else straight from the file (whose ``size``, when known, saves the reader a call)."""
    if cache is not None:
        return cache.read(path, script_dir.source_paths)
    from revlib.script.reader import read_header

    return read_header(path, search_path=script_dir.source_paths, size=size)


def script_from_header(header: Header, path: str) -> Script:
    """Check what Alembic needs from a header and build the Script."""
    rev_id: Any = header.revision
    if rev_id is MISSING:
        rev_id = _legacy_revision_id(path)
    elif not isinstance(rev_id, str):
        from revlib.script.reader import ReadError

        raise ReadError(
            str(path),
            header.lines.get("revision"),
            f"revision must be a string, not {type(rev_id).__name__} ({rev_id!r})",
            'write it as a string literal, e.g. revision = "1a2b3c4d5e6f"',
        )
    if header.down_revision is MISSING:
        from revlib.script.reader import ReadError

        raise ReadError(
            str(path),
            None,
            "no down_revision assignment (Alembic fails to load this file)",
            "every migration sets down_revision: None for the first one, else the id of "
            "the revision it follows",
        )
    return Script.from_values(
        rev_id,
        path,
        header.down_revision,
        branch_labels=None if header.branch_labels is MISSING else header.branch_labels,
        depends_on=None if header.depends_on is MISSING else header.depends_on,
        docstring=header.docstring,
    )


def _legacy_revision_id(path: str | os.PathLike[str]) -> str:
    name = os.path.basename(path)
    match = _discovery.LEGACY_REVISION_FILE.match(name)
    if not match:
        raise CommandError(
            f"Could not determine revision id from filename {name}. "
            "Be sure the 'revision' variable is declared inside the script (please see "
            "'Upgrading from Alembic 0.1 to 0.2' in the documentation)."
        )
    return match.group(1)


def _imported_script(path: Path, source_paths: list[str]) -> Script:
    """Alembic's way: import the module (runs its code; only with ``import_fallback``).

    The source paths go on ``sys.path`` for the import, as Alembic's ``prepend_sys_path`` does.
    """
    added = [entry for entry in source_paths if entry not in sys.path]
    sys.path[:0] = added
    try:
        module = import_module_file(path)
    except Exception as error:  # any failure of the user's module is reported, not raised
        raise CommandError(
            f"{path}: importing this file failed ({type(error).__name__}: {error}); "
            "it was imported because its header cannot be read statically (--import)"
        ) from error
    finally:
        for entry in added:
            sys.path.remove(entry)
    if not hasattr(module, "revision"):
        return Script(module, _legacy_revision_id(path), path)
    return Script(module, module.revision, path)
