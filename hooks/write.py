"""Writing commands: ``revision`` (a new empty revision) and ``merge`` (a merge revision).

Both write the file exactly as ``alembic revision`` / ``alembic merge`` would (same template,
name and bytes; ``env.py`` is never run, even with ``revision_environment``), and print the
path of the new file, relative to the current directory when it lies under it.

``merge --if-needed`` is the pre-commit mode: it writes a merge only when there are several
heads, prints its path and exits 1 ("files were changed"); with one head it prints nothing and
exits 0, so running it again writes nothing more.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from hooks.context import Options
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from hooks.git import GitRepo
    from revlib.script import Script, ScriptDirectory

EXIT_OK = 0
EXIT_CHANGED = 1

MESSAGE_OPTION = click.option("-m", "--message", help="Message of the revision.")
BRANCH_LABEL_OPTION = click.option(
    "--branch-label", metavar="LABEL", help="Branch label to apply to the new revision."
)
REV_ID_OPTION = click.option(
    "--rev-id", metavar="ID", help="Revision id to use instead of a generated one."
)


@click.command()
@MESSAGE_OPTION
@click.option(
    "--head",
    default="head",
    show_default=True,
    help="Revision (or LABEL@head, or heads) to build the new revision upon.",
)
@click.option("--splice", is_flag=True, help="Allow a --head that is not a head (a new branch).")
@BRANCH_LABEL_OPTION
@click.option("--version-path", metavar="DIR", help="Version location to put the file in.")
@REV_ID_OPTION
@click.option(
    "--depends-on",
    multiple=True,
    metavar="REV",
    help="Revision the new one depends on (id, partial id or branch label; repeatable).",
)
@click.pass_obj
def revision(
    options: Options,
    message: str | None,
    head: str,
    splice: bool,
    branch_label: str | None,
    version_path: str | None,
    rev_id: str | None,
    depends_on: tuple[str, ...],
) -> int:
    """Write a new, empty revision file (as `alembic revision` without --autogenerate)."""
    from revlib.util.lock import write_lock

    script_dir, config = _load(options)
    with write_lock(script_dir.dir):  # the graph is read under the lock, then written
        _remove_stale_temps(script_dir)
        script = script_dir.generate_revision(
            rev_id,
            message,
            refresh=True,
            head=head,
            splice=splice,
            branch_labels=branch_label,
            version_path=version_path,
            depends_on=list(depends_on) or None,
            config=config,
        )
    _echo_path(script)
    return EXIT_OK


@click.command()
@click.argument("revisions", nargs=-1)
@MESSAGE_OPTION
@BRANCH_LABEL_OPTION
@REV_ID_OPTION
@click.option(
    "--if-needed",
    is_flag=True,
    help="Pre-commit mode: merge only when there are several heads, then exit 1.",
)
@click.option("--stage", is_flag=True, help="Also `git add` the new file.")
@click.pass_obj
def merge(
    options: Options,
    revisions: tuple[str, ...],
    message: str | None,
    branch_label: str | None,
    rev_id: str | None,
    if_needed: bool,
    stage: bool,
) -> int:
    """Write a merge revision of REVISIONS (default: heads), as `alembic merge` does."""
    from revlib.util.lock import write_lock

    script_dir, config = _load(options)
    wanted: str | tuple[str, ...] = revisions or "heads"
    # Under the lock, a second `merge --if-needed` started at the same time waits, then sees
    # the first one's merge: one head (or its REVISIONS no longer heads), nothing to do.
    with write_lock(script_dir.dir):
        _remove_stale_temps(script_dir)
        parents = script_dir.get_revisions(wanted)
        if len(parents) < 2 or (if_needed and not all(p.is_head for p in parents)):
            if not if_needed:
                click.echo(_nothing_to_merge(wanted, parents))
            return EXIT_OK
        repo = _git_repository(script_dir) if stage else None
        script = script_dir.generate_revision(
            rev_id, message, refresh=True, head=wanted, branch_labels=branch_label, config=config
        )
    if repo is not None and script is not None:
        _stage(repo, script.path)
    _echo_path(script)
    return EXIT_CHANGED if if_needed else EXIT_OK


def _load(options: Options) -> tuple[ScriptDirectory, Any]:
    """The script directory and the Config that templates receive as ``config``."""
    return options.load_script_directory(), options.load_config()


def _remove_stale_temps(script_dir: ScriptDirectory) -> None:
    """What a writer killed mid-write left (see :func:`revlib.util.atomic.remove_stale_temps`):
    running the command again leaves the version locations clean."""
    from revlib.util.atomic import remove_stale_temps

    for location in script_dir._version_locations:
        remove_stale_temps(location)


def _nothing_to_merge(wanted: str | tuple[str, ...], parents: tuple[Script, ...]) -> str:
    named = wanted if isinstance(wanted, str) else " ".join(wanted)
    if not parents:
        return f"Nothing to merge: '{named}' names no revision"
    return f"Nothing to merge: '{named}' names one revision ({parents[0].revision})"


def _echo_path(script: Script | None) -> None:
    if script is not None:
        click.echo(_display_path(script.path))


def _display_path(path: str) -> str:
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if os.path.commonpath([absolute, cwd]) == cwd:
        return os.path.relpath(absolute, cwd)
    return absolute


def _git_repository(script_dir: ScriptDirectory) -> GitRepo:
    """The git work tree holding the script directory; checked before anything is written."""
    from hooks.git import find_repo

    repo = find_repo(script_dir.dir)
    if repo is None:
        raise CommandError(
            f"--stage: {script_dir.dir} is not inside a git work tree; run without --stage"
        )
    if repo.bare:
        repo.close()
        raise CommandError(f"--stage: {repo.git_dir} is a bare repository; it has no index")
    lock = repo.git_dir / "index.lock"
    if lock.exists():
        repo.close()
        raise CommandError(
            f"--stage: {lock} exists, so another git process is using the index; "
            "wait for it to finish (or remove the stale lock file) and retry"
        )
    return repo


def _stage(repo: GitRepo, path: str) -> None:
    with repo:
        try:
            repo.add([path])
        except CommandError as error:
            raise CommandError(f"--stage: {error}") from error
