"""``revlib heads-file update|check``, the ``revlib-heads-file`` hooks, and Alembic's
``post_write_hooks`` entry point: keep a committed file naming each branch's head.

The file (``<script_location>/heads.txt``, unless ``--heads-file PATH`` or the ``heads_file``
of the setup's settings names another: :func:`hooks.setups.heads_file_of`) is opt-in:
``update`` creates it. Because both sides of a fork rewrite the same line, git stops with a
conflict on it when two branches that each added a migration meet (see
:mod:`revlib.heads_file`).

As an Alembic post-write hook (``type = console_scripts``, ``entrypoint = revlib-heads-file``)
it runs after ``alembic revision`` writes a file, with that file's path as argument: the config
is the one in the current directory, else the nearest one above that file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hooks.context import Options
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from revlib.heads_file import HeadEntry, HeadsFile
    from revlib.script import ScriptDirectory

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

HEADS_FILE_OPTION = click.option(
    "--heads-file",
    "heads_file_path",
    metavar="PATH",
    help="The heads file (default: heads_file of [tool.revlib], else heads.txt in the script "
    "directory).",
)
CONFIG_OPTION = click.option(
    "-c",
    "--config",
    "config_file",
    metavar="FILE",
    help="alembic.ini or pyproject.toml (default: the revlib group's, or the one in the "
    "current directory, or the nearest one above FILES).",
)
STAGED_OPTION = click.option(
    "--staged/--worktree",
    "staged",
    default=None,
    help="Read the migrations from the index (what the commit will hold) or from disk. "
    "Default: the index when run by pre-commit, else disk.",
)


@click.group("heads-file")
def heads_file() -> None:
    """Keep the committed heads file in step with the revision graph."""


@heads_file.command()
@CONFIG_OPTION
@HEADS_FILE_OPTION
@STAGED_OPTION
@click.argument("files", nargs=-1, metavar="[FILES]...")
@click.pass_context
def update(
    ctx: click.Context,
    config_file: str | None,
    heads_file_path: str | None,
    staged: bool | None,
    files: tuple[str, ...],
) -> int:
    """Rewrite the heads file if the heads changed (exit 1 when it did).

    FILES (what Alembic passes a post-write hook: the new revision) only help find the
    config when the current directory has none.
    """
    from revlib.heads_file import several_heads

    options = _options(ctx, config_file, files)
    path = setup_heads_file(options, heads_file_path)
    entries = current_entries(options, staged)
    recorded = read_heads_file(path)
    if recorded is not None and recorded.conflict is not None and several_heads(entries):
        click.echo(
            f"{_display(path)} has unresolved conflict markers and the history has several "
            f"heads ({_heads_text(entries)}): run `revlib rebase` to re-parent this branch's "
            "migrations, or `revlib merge` then this command again"
        )
        return EXIT_FAILED
    newline = recorded.newline if recorded is not None else "\n"
    if not write_heads_file(path, entries, newline):
        return EXIT_OK
    verb = "Created" if recorded is None else "Updated"
    click.echo(f"{verb} {_display(path)}: {_heads_text(entries)}")
    return EXIT_FAILED


@heads_file.command()
@CONFIG_OPTION
@HEADS_FILE_OPTION
@STAGED_OPTION
@click.pass_context
def check(
    ctx: click.Context, config_file: str | None, heads_file_path: str | None, staged: bool | None
) -> int:
    """Exit 1 when the heads file is missing, conflicted or stale (for CI)."""
    from revlib.heads_file import compare

    options = _options(ctx, config_file, ())
    path = setup_heads_file(options, heads_file_path)
    entries = current_entries(options, staged)
    recorded = read_heads_file(path)
    fix = "run `revlib heads-file update` and commit it"
    if recorded is None:
        click.echo(f"{_display(path)} does not exist; {fix}")
        return EXIT_FAILED
    staleness = compare(recorded, entries)
    if staleness.conflicted:
        click.echo(f"{_display(path)} has unresolved conflict markers; run `revlib rebase`")
        return EXIT_FAILED
    if staleness.stale:
        recorded_text = _heads_text(recorded.entries) or "no heads"
        click.echo(
            f"{_display(path)} is stale: it records {recorded_text}, but the heads are "
            f"{_heads_text(entries) or 'none'}; {fix}"
        )
        return EXIT_FAILED
    return EXIT_OK


# -- shared with `revlib rebase` ----------------------------------------------------------


def setup_heads_file(options: Options, explicit: str | None) -> Path:
    """The heads file of the one setup ``options`` name: ``--heads-file``, else the setup's
    ``heads_file`` setting, else ``heads.txt`` in its script directory."""
    from hooks.setups import heads_file_of

    return heads_file_path_for(options.load_script_directory(), heads_file_of(options, explicit))


def heads_file_path_for(script_dir: ScriptDirectory, explicit: str | None) -> Path:
    """``--heads-file`` as given, else ``heads.txt`` in the script directory; either way
    inside the project (see :func:`_check_inside`)."""
    from revlib.heads_file import DEFAULT_NAME

    path = Path(explicit) if explicit is not None else Path(script_dir.dir, DEFAULT_NAME)
    _check_inside(path, Path(script_dir.dir))
    return path


def _check_inside(path: Path, script_dir: Path) -> None:
    """The heads file, links resolved, must lie in the project: the git work tree holding the
    script directory, else the directory above it. It is read and rewritten on every commit,
    and its lines end up in messages: a path (or a committed symlink) pointing elsewhere
    would read or clobber a file outside the project. It must not be a migration either."""
    from revlib.script.base import repository_root

    top = repository_root(script_dir.resolve()) or script_dir.resolve().parent
    real = path.resolve()
    if real != top and top not in real.parents:
        raise CommandError(
            f"the heads file {_display(path)} resolves to {real}, outside the project {top}; "
            "keep it inside the repository (the default is heads.txt in the script directory)"
        )
    if real.suffix in (".py", ".pyc", ".pyo"):
        raise CommandError(
            f"the heads file {_display(path)} is named like a Python module; Alembic would "
            "load it as a migration: use a .txt name"
        )


def current_entries(options: Options, staged: bool | None) -> list[HeadEntry]:
    """The heads of the graph on disk or in the index, each with its branch labels; a
    CommandError listing the problems when the graph cannot be read."""
    from hooks import snapshots
    from hooks.check import read_sources
    from revlib.findings import MULTIPLE_HEADS, format_text
    from revlib.heads_file import HeadEntry
    from revlib.lint import lint_sources

    use_index = bool(os.environ.get("PRE_COMMIT")) if staged is None else staged
    (env,) = snapshots.environments(options, (), ())
    (files,) = read_sources([env], staged=use_index)
    result = lint_sources(files, search_path=env.search_path)
    errors = [f for f in result.findings if f.severity == "error" and f.code != MULTIPLE_HEADS]
    if errors:
        problems = "\n".join(format_text(f) for f in errors)
        raise CommandError(f"cannot tell the heads of this history:\n{problems}")
    revisions = [result.revision_map.get_revision(head) for head in result.heads]
    return [HeadEntry.of(r.revision, r.branch_labels) for r in revisions if r is not None]


def read_heads_file(path: Path) -> HeadsFile | None:
    """The parsed heads file, or None when there is none."""
    from revlib.heads_file import parse
    from revlib.util.files import read_regular

    try:
        data = read_regular(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise CommandError(f"{_display(path)}: cannot read: {error.strerror}") from None
    return parse(data.decode("utf-8", "replace"), _display(path))


def write_heads_file(path: Path, entries: Sequence[HeadEntry], newline: str = "\n") -> bool:
    """Write the heads file atomically if its bytes change; whether they did."""
    from revlib.heads_file import render
    from revlib.util.atomic import replace_file, write_new_file

    _check_writable(path, entries)
    data = render(entries, newline).encode("utf-8")
    try:
        if path.is_file():
            if path.read_bytes() == data:
                return False
            replace_file(path, data)
        else:
            write_new_file(path, data)
    except OSError as error:
        raise CommandError(f"{_display(path)}: cannot write: {error.strerror}") from None
    return True


def _check_writable(path: Path, entries: Sequence[HeadEntry]) -> None:
    """Refuse a revision id or branch label that the file's line format cannot hold (Alembic
    itself allows whitespace, ``#`` and ``,`` in them): written, it would not read back."""
    for entry in entries:
        for name in (entry.revision, *entry.labels):
            if not name or any(ch.isspace() or ch in ":#," for ch in name):
                raise CommandError(
                    f"cannot write {_display(path)}: {name!r} (a head revision or its branch "
                    "label) is empty or holds whitespace, ':', ',' or '#', which a heads-file "
                    "line cannot hold; rename it"
                )


def _heads_text(entries: Sequence[HeadEntry]) -> str:
    return ", ".join(str(entry) for entry in sorted(entries))


def _display(path: Path) -> str:
    from hooks.snapshots import display_path

    return display_path(path)


def _options(ctx: click.Context, config_file: str | None, files: Sequence[str]) -> Options:
    """The group's options, with ``-c``; without any config here, the nearest one above the
    first of ``files`` (a post-write hook may run outside the project's directory); in a
    monorepo, the setup whose files changed (:func:`hooks.setups.one_setup`)."""
    from hooks.setups import one_setup
    from revlib.config import find_default_config

    options = ctx.obj if isinstance(ctx.obj, Options) else Options()
    if config_file is not None:
        return options._replace(config_file=config_file, directory=None)
    if options.config_file or options.directory or os.environ.get("ALEMBIC_CONFIG"):
        return options
    if any(find_default_config(os.getcwd())) or not files:
        return one_setup(options)
    directory = Path(files[0]).resolve().parent
    for candidate in (directory, *directory.parents):
        ini_path, toml_path = find_default_config(str(candidate))
        if ini_path or toml_path:
            return options._replace(config_file=ini_path or toml_path)
    return options


def run_command(command: click.Command, argv: Sequence[str] | None, prog_name: str) -> int:
    """Run ``command`` as a console script: its exit code, errors as messages."""
    from hooks.errors import run_click

    return run_click(command, argv, prog_name, obj=Options())


def main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-heads-file`` hook and post-write entry point: ``heads-file update``."""
    return run_command(update, argv, "revlib-heads-file")


def check_main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-heads-file-check`` hook: ``heads-file check``."""
    return run_command(check, argv, "revlib-heads-file-check")


if __name__ == "__main__":
    raise SystemExit(main())
