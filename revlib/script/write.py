"""Writing a new revision file, byte for byte as Alembic 1.20's ``generate_revision`` does.

The steps and their error messages follow Alembic's order: check the id, resolve the parents,
take the creation date, choose the version location and file name, check splicing, resolve
``depends_on``, render ``script.py.mako``. Unlike Alembic, every check is done before anything
touches the disk, the file is written atomically and never over an existing one, and the new
file is read back statically rather than imported. Mako is imported only here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from revlib.script import _filenames
from revlib.script._rev_node import Revision, to_tuple, tuple_rev_as_scalar
from revlib.script._script import Script, format_as_comma
from revlib.script.revision import RevisionError
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    import datetime

    from revlib.script.base import ScriptDirectory
    from revlib.script.reader import Header

__all__ = ["check_rev_id", "generate_revision", "new_rev_id"]

RevArg = str | Sequence[str] | None

_MULTIPLE_HEADS = (
    "Multiple heads are present; please specify the head revision on which the new "
    "revision should be based, or perform a merge."
)


def new_rev_id() -> str:
    """A fresh revision id: the last 12 hex digits of a random UUID, as Alembic makes them."""
    return uuid.uuid4().hex[-12:]


def check_rev_id(rev_id: str) -> None:
    """CommandError unless ``rev_id`` can name a revision and be part of a file name.

    Alembic's rule (no ``@ - + :``) plus revlib's: not empty, no whitespace or NUL, no path
    separator, no ``..``.
    """
    try:
        Revision.verify_rev_id(rev_id)
    except RevisionError as error:
        raise CommandError(error.args[0]) from error
    separators = {"/", "\\", os.sep, os.altsep or "/"}
    if not rev_id:
        raise CommandError("Revision identifier may not be empty")
    if any(ch.isspace() or ch == "\0" or ch in separators for ch in rev_id) or ".." in rev_id:
        raise CommandError(
            f"Revision identifier {rev_id!r} may not contain whitespace, path separators or '..'"
        )


def generate_revision(
    script_dir: ScriptDirectory,
    revid: str | None,
    message: str | None,
    refresh: bool = False,
    head: RevArg = "head",
    splice: bool | None = False,
    branch_labels: RevArg = None,
    version_path: str | os.PathLike[str] | None = None,
    depends_on: RevArg = None,
    **kw: Any,
) -> Script | None:
    """Write a new revision on ``head`` (a list of several parents makes a merge).

    ``revid`` None means a fresh id. Extra keywords reach the template (Alembic's commands
    pass ``config``). Returns the new Script, already added to ``script_dir.revision_map``,
    or None when ``file_template`` names a file Alembic would not load (``__init__*``).
    """
    revid = new_rev_id() if revid is None else revid
    check_rev_id(revid)
    parents = _resolve_parents(script_dir, "head" if head is None else head)
    _check_unused(script_dir, revid, branch_labels)
    when = _filenames.create_date(script_dir.timezone)
    location = _target_location(script_dir, parents, version_path)
    path = _revision_path(script_dir, location, revid, message, when)
    if not splice:
        _check_heads(parents)
    template_args = {
        "up_revision": str(revid),
        "down_revision": tuple_rev_as_scalar(tuple(p.revision for p in parents)),
        "branch_labels": to_tuple(branch_labels),
        "depends_on": tuple_rev_as_scalar(_resolve_depends_on(script_dir, depends_on)),
        "create_date": when,
        "comma": format_as_comma,
        "message": message if message is not None else "empty message",
        **({"refresh": refresh} if refresh else {}),
        **kw,
    }
    data = _render(script_dir, template_args)
    _check_rendered_labels(data, path, revid, branch_labels)
    _write(path, data)
    if script_dir.hooks:
        from revlib.script._write_hooks import run_hooks

        run_hooks(path, script_dir.hooks)
    return _register(script_dir, path, branch_labels)


def _resolve_parents(script_dir: ScriptDirectory, head: RevArg) -> tuple[Script, ...]:
    with script_dir._catch_revision_errors(multiple_heads=_MULTIPLE_HEADS):
        parents = cast("tuple[Script, ...]", script_dir.revision_map.get_revisions(head))
    if len(set(parents)) != len(parents):
        raise CommandError("Duplicate head revisions specified")
    return tuple(p for p in parents if p is not None)


def _check_unused(script_dir: ScriptDirectory, revid: str, branch_labels: RevArg) -> None:
    """The new id and labels must not name anything already in the map (checked before
    writing, where Alembic would write the file and then fail or warn)."""
    lookup = script_dir.revision_map._revision_map
    owner = lookup.get(revid)
    if owner is not None:
        what = "a revision" if owner.revision == revid else "a branch label of revision"
        extra = "" if owner.revision == revid else f" {owner.revision}"
        raise CommandError(
            f"Revision identifier '{revid}' is already used as {what}{extra} "
            f"({cast(Script, owner).path}); choose another --rev-id"
        )
    for label in to_tuple(branch_labels, default=()) or ():
        if label == revid:
            raise RevisionError(
                f"Branch name '{label}' in revision {revid} already used by revision {revid}"
            )
        used_by = lookup.get(label)
        if used_by is not None:
            raise RevisionError(
                f"Branch name '{label}' in revision {revid} already used by "
                f"revision {used_by.revision}"
            )


def _target_location(
    script_dir: ScriptDirectory,
    parents: tuple[Script, ...],
    version_path: str | os.PathLike[str] | None,
) -> Path:
    """The version location the file goes to: the one asked for, the only one, or the first
    parent's directory; it must be one of the configured locations."""
    if version_path is not None:
        location = Path(version_path)
    elif len(script_dir._version_locations) > 1:
        if not parents:
            raise CommandError("Multiple version locations present, please specify --version-path")
        location = parents[0]._script_path.parent
    else:
        location = script_dir._singular_version_location
    wanted = location.absolute()
    if not any(known.absolute() == wanted for known in script_dir._version_locations):
        raise CommandError(f"Path {location} is not represented in current version locations")
    return location


def _revision_path(
    script_dir: ScriptDirectory,
    location: Path,
    revid: str,
    message: str | None,
    when: datetime.datetime,
) -> Path:
    """``location / file_template`` (+ ``.py``), which must stay inside ``location``."""
    name = _filenames.file_name(
        script_dir.file_template, revid, message, when, script_dir.truncate_slug_length
    )
    path = location / name
    inside = os.path.normpath(location.absolute())
    final = os.path.normpath(path.absolute())
    if os.path.commonpath([inside, final]) != inside or final == inside:
        raise CommandError(
            f"file_template {script_dir.file_template!r} puts the new revision at {final}, "
            f"outside its version location {inside}"
        )
    if path.name == ".py":  # Alembic fails with an AssertionError on such a file
        raise CommandError(
            f"file_template {script_dir.file_template!r} gives the new revision the empty "
            f"file name {path}; start the name with %(rev)s or text"
        )
    return path


def _check_heads(parents: tuple[Script, ...]) -> None:
    for parent in parents:
        if not parent.is_head:
            raise CommandError(
                f"Revision {parent.revision} is not a head revision; please specify "
                "--splice to create a new branch from this revision"
            )


def _resolve_depends_on(script_dir: ScriptDirectory, depends_on: RevArg) -> list[str] | None:
    """Each entry as its full revision id, except branch labels, which stay labels."""
    if not depends_on:
        return None
    entries = [depends_on] if isinstance(depends_on, str) else list(depends_on)
    resolved: list[str] = []
    with script_dir._catch_revision_errors():
        for entry in entries:
            rev = script_dir.revision_map.get_revision(entry)
            if rev is None:
                raise CommandError(f"Can't locate revision identified by '{entry}'")
            resolved.append(entry if entry in rev.branch_labels else rev.revision)
    return resolved


def _render(script_dir: ScriptDirectory, template_args: dict[str, Any]) -> bytes:
    from revlib.script._render import render_template

    template = Path(script_dir.dir, "script.py.mako")
    return render_template(template, script_dir.output_encoding, **template_args)


def _parse_rendered(data: bytes, path: Path) -> Header | None:
    """The rendered file's header, or None when it cannot be read statically."""
    from revlib.script.reader import ReadError, parse_header

    try:
        return parse_header(data, str(path))
    except ReadError:
        return None


def _check_rendered_labels(data: bytes, path: Path, revid: str, branch_labels: RevArg) -> None:
    """Alembic's error for a template without ``branch_labels``, before anything is written."""
    if not branch_labels:
        return
    header = _parse_rendered(data, path)
    if header is not None and not _declared(header.branch_labels):
        raise CommandError(_missing_labels_message(revid, branch_labels, path))


def _declared(value: object) -> bool:
    from revlib.script.reader import MISSING

    return value is not MISSING and bool(value)


def _missing_labels_message(revid: str, branch_labels: RevArg, path: Path | str) -> str:
    return (
        f"Version {revid} specified branch_labels {branch_labels}, however the migration "
        f"file {path} does not have them; have you upgraded your script.py.mako to include "
        "the 'branch_labels' section?"
    )


def _write(path: Path, data: bytes) -> None:
    from revlib.util.atomic import write_new_file

    try:
        os.makedirs(path.parent.absolute(), exist_ok=True)
        write_new_file(path, data)
    except FileExistsError:
        raise CommandError(
            f"{path} already exists; revlib never overwrites a file. Choose another "
            "--rev-id or message, or move that file away"
        ) from None
    except OSError as error:  # disk full, read-only directory, ...: nothing was written
        raise CommandError(f"Can't write {path}: {error.strerror or error}") from error


def _register(script_dir: ScriptDirectory, path: Path, branch_labels: RevArg) -> Script | None:
    """Read the new file back (after the hooks ran) and add it to the revision map."""
    from revlib.script import _discovery
    from revlib.script._loader import load_script

    if not _discovery.is_script_file(path, script_dir.sourceless):
        return None
    try:
        script = load_script(script_dir, path)
    except RevisionError as error:
        raise CommandError(error.args[0]) from error
    if branch_labels and not script.branch_labels:
        raise CommandError(_missing_labels_message(script.revision, branch_labels, script.path))
    script_dir.revision_map.add_revision(script)
    return script
