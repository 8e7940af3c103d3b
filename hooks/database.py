"""Database commands: ``current`` (where the database is) and ``pending`` (what an upgrade runs).

Both read the version table with SQLAlchemy, imported only here, and never run ``env.py``.
The URL comes from ``--url``, else ``REVLIB_DATABASE_URL``, else ``sqlalchemy.url`` in the
config; it is printed only with its password masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from hooks.context import Options
from hooks.output import FORMAT_OPTION, echo_json
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from revlib.database import DatabaseStatus, UnknownRevisionsError

EXIT_FAILED = 1
EXIT_USAGE = 2
NOT_AT_HEADS = "Database is not on all head revisions"

URL_OPTION = click.option(
    "--url",
    envvar="REVLIB_DATABASE_URL",
    metavar="URL",
    help="SQLAlchemy database URL (default: $REVLIB_DATABASE_URL, then sqlalchemy.url "
    "in the config).",
)
TABLE_OPTION = click.option(
    "--version-table",
    default="alembic_version",
    show_default=True,
    help="Name of the version table (env.py's version_table).",
)
SCHEMA_OPTION = click.option(
    "--version-table-schema",
    metavar="SCHEMA",
    help="Schema of the version table (env.py's version_table_schema).",
)


@click.command()
@URL_OPTION
@TABLE_OPTION
@SCHEMA_OPTION
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output.")
@click.option(
    "--check",
    "--check-heads",
    "check",
    is_flag=True,
    help="Exit 1 unless the database is at exactly the head revisions.",
)
@click.pass_obj
def current(
    options: Options,
    url: str | None,
    version_table: str,
    version_table_schema: str | None,
    verbose: bool,
    check: bool,
) -> int:
    """Show the revision(s) the database is at, as `alembic current` does."""
    from revlib.database import database_status

    script_dir = options.load_script_directory()
    status = database_status(
        script_dir, _database_url(options, url), version_table, version_table_schema
    )
    if verbose:
        click.echo(f"Current revision(s) for {status.table.url}:")
    for script in status.current:
        click.echo(script.cmd_format(verbose))
    _note_missing_table(status)
    if status.unknown:
        _echo_unknown(status.unknown_error())
        return EXIT_FAILED
    if check and not status.at_heads:
        missing = ", ".join(status.missing_heads)
        detail = f" (missing {missing}; `revlib pending` lists the upgrade)" if missing else ""
        click.echo(f"revlib: {NOT_AT_HEADS}{detail}", err=True)
        return EXIT_FAILED
    return 0


@click.command()
@URL_OPTION
@TABLE_OPTION
@SCHEMA_OPTION
@click.option(
    "--to",
    "target",
    default="heads",
    show_default=True,
    metavar="REV",
    help="The upgrade target, as `alembic upgrade` takes it.",
)
@FORMAT_OPTION
@click.pass_obj
def pending(
    options: Options,
    url: str | None,
    version_table: str,
    version_table_schema: str | None,
    target: str,
    output_format: str,
) -> int:
    """List the revisions `alembic upgrade heads` (or --to REV) would apply, in order."""
    from revlib.database import UnknownRevisionsError, pending_revisions, read_versions

    script_dir = options.load_script_directory()
    table = read_versions(_database_url(options, url), version_table, version_table_schema)
    try:
        scripts = pending_revisions(script_dir, table.revisions, target)
    except UnknownRevisionsError as error:
        _echo_unknown(error)
        return EXIT_USAGE
    if output_format == "json":
        echo_json(
            {
                "current": list(table.revisions),
                "pending": [
                    {"revision": s.revision, "doc": s.doc, "path": s.path} for s in scripts
                ],
            }
        )
        return 0
    for script in scripts:
        parents = ", ".join(script._versioned_down_revisions) or "<base>"
        click.echo(f"{parents} -> {script.revision}, {script.doc}")
    if not scripts:
        click.echo(f"revlib: nothing to upgrade: the database is at {target}", err=True)
    return 0


def _database_url(options: Options, url: str | None) -> str:
    """``--url`` / ``REVLIB_DATABASE_URL`` (Click reads both), else the config's URL."""
    if url:
        return url
    config = options.load_config()
    configured = config.get_main_option("sqlalchemy.url")
    if configured:
        return configured
    where = config.config_file_name or config.toml_file_name or "the config"
    raise CommandError(
        f"no database URL: {where} has no sqlalchemy.url; pass --url URL or set "
        "REVLIB_DATABASE_URL (revlib does not run env.py, where some projects build the URL)"
    )


def _note_missing_table(status: DatabaseStatus) -> None:
    if status.table.exists:
        return
    click.echo(
        f"revlib: no table {status.table.qualified_name} in {status.table.url}: an empty "
        "database (every revision is pending), or a custom version table "
        "(pass --version-table / --version-table-schema)",
        err=True,
    )


def _echo_unknown(error: UnknownRevisionsError) -> None:
    click.echo(f"revlib: error: {error}", err=True)
    click.echo(f"hint: did you switch branches? {_git_hint(error.unknown)}", err=True)


def _git_hint(unknown: Sequence[str]) -> str:
    first = unknown[0]
    return (
        f"`git log --all --oneline -S {first}` finds the commit that added it, and "
        "`git branch -a --contains <commit>` the branches that have it"
    )
