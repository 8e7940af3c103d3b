"""Turning the version files of a ScriptDirectory into Script objects, in Alembic's order."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revlib.script import _discovery
from revlib.script._script import Script, import_module_file
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from revlib.script.base import ScriptDirectory
    from revlib.script.reader import Header


def load_scripts(script_dir: ScriptDirectory) -> Iterator[Script]:
    """Every script of every existing version location; a file reached twice is skipped."""
    from revlib.script.base import warn_read

    seen: set[Path] = set()
    for location in script_dir._version_locations:
        if not location.exists():
            continue
        files = _discovery.list_files(
            location, script_dir.sourceless, script_dir.recursive_version_locations
        )
        for file_path in files:
            real_path = _resolve(file_path)
            if real_path in seen:
                warn_read(
                    script_dir,
                    f"File {real_path} loaded twice! ignoring. "
                    "Please ensure version_locations is unique.",
                )
                continue
            seen.add(real_path)
            if _discovery.is_script_file(real_path, script_dir.sourceless):
                yield load_script(script_dir, real_path)


def _resolve(path: Path) -> Path:
    try:
        return path.resolve(strict=False)
    except (OSError, RuntimeError) as error:  # a symlink loop
        raise CommandError(f"{path}: cannot resolve this path ({error})") from error


def load_script(script_dir: ScriptDirectory, path: Path) -> Script:
    """One Script, read statically (or imported, when that is allowed and needed)."""
    from revlib.script.reader import DynamicValueError

    if path.suffix in (".pyc", ".pyo"):
        from revlib.script._pyc_reader import read_compiled_header

        header = read_compiled_header(path)
    else:
        try:
            header = read_cached_header(script_dir, path)
        except DynamicValueError:
            if not script_dir.import_fallback:
                raise
            return _imported_script(path, script_dir.source_paths)
    for warning in header.warnings:
        from revlib.script.base import warn_read

        warn_read(script_dir, f"{warning.path}:{warning.line}: {warning.message}")
    return script_from_header(header, path)


def read_cached_header(script_dir: ScriptDirectory, path: Path) -> Header:
    """The file's header (the cache, where enabled, is consulted by the reader layer)."""
    from revlib.script.reader import read_header

    return read_header(path, search_path=script_dir.source_paths)


def script_from_header(header: Header, path: Path) -> Script:
    """Check what Alembic needs from a header and build the Script."""
    from revlib.script.reader import MISSING, ReadError

    rev_id: Any = header.revision
    if rev_id is MISSING:
        rev_id = _legacy_revision_id(path)
    elif not isinstance(rev_id, str):
        raise ReadError(
            str(path),
            header.lines.get("revision"),
            f"revision must be a string, not {type(rev_id).__name__} ({rev_id!r})",
            'write it as a string literal, e.g. revision = "1a2b3c4d5e6f"',
        )
    if header.down_revision is MISSING:
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


def _legacy_revision_id(path: Path) -> str:
    match = _discovery.LEGACY_REVISION_FILE.match(path.name)
    if not match:
        raise CommandError(
            f"Could not determine revision id from filename {path.name}. "
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
