"""Read-side commands: ``heads``, ``bases``, ``branches``, ``history``, ``show``.

Their text output follows ``alembic heads`` / ``history`` / ``branches`` / ``show``; each also
prints JSON with ``--format json``. None of them imports a version file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from hooks.context import Options
from hooks.output import FORMAT_OPTION, NO_CACHE_OPTION, echo_json, json_text, script_summary
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from revlib.script import ScriptDirectory

VERBOSE_OPTION = click.option("-v", "--verbose", is_flag=True, help="Use more verbose output.")


@click.command()
@VERBOSE_OPTION
@click.option(
    "--resolve-dependencies", is_flag=True, help="Treat dependency versions as down revisions."
)
@FORMAT_OPTION
@NO_CACHE_OPTION
@click.pass_obj
def heads(
    options: Options,
    verbose: bool,
    resolve_dependencies: bool,
    output_format: str,
    no_cache: bool,
) -> int:
    """Show the head revisions."""
    from hooks.answers import query, script_directory_answers, watching_warnings

    if no_cache:
        options = options._replace(use_cache=False)
    script_dir = options.load_script_directory()
    answers = script_directory_answers(script_dir)
    asked = query("heads", verbose, resolve_dependencies, output_format)
    text = None if answers is None else answers.get(asked)
    if type(text) is not str:
        with watching_warnings() as shown:
            text = _heads_text(script_dir, verbose, resolve_dependencies, output_format)
        if answers is not None and not shown and script_dir.headers_kept:
            answers.put(asked, text)
    click.echo(text, nl=False)
    return 0


def _heads_text(
    script_dir: ScriptDirectory, verbose: bool, resolve_dependencies: bool, output_format: str
) -> str:
    wanted = "heads" if resolve_dependencies else script_dir.get_heads()
    scripts = script_dir.get_revisions(wanted)
    if output_format == "json":
        return json_text({"heads": [_head_summary(s) for s in scripts]})
    return "".join(
        script.cmd_format(verbose, include_branches=True, tree_indicators=False) + "\n"
        for script in scripts
    )


def _head_summary(script: object) -> dict[str, object]:
    summary = script_summary(script)
    return {key: summary[key] for key in ("revision", "path", "branch_labels", "doc")}


@click.command()
@VERBOSE_OPTION
@FORMAT_OPTION
@click.pass_obj
def bases(options: Options, verbose: bool, output_format: str) -> int:
    """Show the base revisions (those whose down_revision is None)."""
    script_dir = options.load_script_directory()
    scripts = script_dir.get_revisions(tuple(script_dir.get_bases()))
    if output_format == "json":
        echo_json({"bases": [script_summary(s) for s in scripts]})
        return 0
    for script in scripts:
        click.echo(script.cmd_format(verbose, include_branches=True, tree_indicators=False))
    return 0


@click.command()
@VERBOSE_OPTION
@FORMAT_OPTION
@click.pass_obj
def branches(options: Options, verbose: bool, output_format: str) -> int:
    """Show the branch points."""
    script_dir = options.load_script_directory()
    points = [s for s in script_dir.walk_revisions() if s.is_branch_point]
    if output_format == "json":
        echo_json(
            {
                "branch_points": [
                    {**script_summary(p), "branches_into": sorted(p.nextrev)} for p in points
                ]
            }
        )
        return 0
    for point in points:
        indent = " " * len(str(point.revision))
        children = "\n".join(
            f"{indent} -> "
            + script_dir.get_revision(child).cmd_format(
                False, include_branches=True, include_doc=verbose
            )
            for child in point.nextrev
        )
        click.echo(f"{point.cmd_format(verbose, include_branches=True)}\n{children}\n")
    return 0


@click.command()
@click.option("-r", "--rev-range", metavar="RANGE", help="Range of revisions, [start]:[end].")
@VERBOSE_OPTION
@FORMAT_OPTION
@click.pass_obj
def history(options: Options, rev_range: str | None, verbose: bool, output_format: str) -> int:
    """List revisions from newest to oldest."""
    base, head = _split_range(rev_range)
    script_dir = options.load_script_directory()
    scripts = list(script_dir.walk_revisions(base=base or "base", head=head or "heads"))
    if output_format == "json":
        echo_json({"history": [script_summary(s) for s in scripts]})
        return 0
    for script in scripts:
        click.echo(
            script.cmd_format(
                verbose=verbose, include_branches=True, include_doc=True, include_parents=True
            )
        )
    return 0


def _split_range(rev_range: str | None) -> tuple[str | None, str | None]:
    if rev_range is None:
        return None, None
    if ":" not in rev_range:
        raise CommandError("History range requires [start]:[end], [start]:, or :[end]")
    parts = rev_range.strip().split(":")
    if len(parts) != 2:
        raise CommandError(f"History range {rev_range!r} has more than one ':'")
    if "current" in parts:
        raise CommandError(
            "'current' needs the database; use `revlib current` (revlib never runs env.py)"
        )
    return parts[0] or None, parts[1] or None


@click.command()
@click.argument("rev")
@FORMAT_OPTION
@click.pass_obj
def show(options: Options, rev: str, output_format: str) -> int:
    """Show the revision(s) denoted by REV."""
    if rev == "current":
        raise CommandError(
            "'current' needs the database; use `revlib current` (revlib never runs env.py)"
        )
    script_dir = options.load_script_directory()
    scripts = script_dir.get_revisions(rev)
    if output_format == "json":
        echo_json({"revisions": [script_summary(s) for s in scripts]})
        return 0
    for script in scripts:
        click.echo(script.log_entry)
    return 0
