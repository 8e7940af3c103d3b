"""``revlib check`` and the ``revlib-check`` hook: lint every revision graph, collect all
problems, exit 1 if any is an error.

``revlib check`` reads the work tree (as Alembic would see it); the hook, and ``--staged``,
read the index (what the commit will hold), so untracked or unstaged files never cause a false
alarm. ``--base REF`` reports instead what this work adds to REF (see :mod:`hooks.new_heads`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from hooks.context import Options
from hooks.output import FORMAT_OPTION, echo_json
from revlib.findings import OPTIONAL_CODES, Finding, format_text, to_json

if TYPE_CHECKING:
    from hooks.snapshots import Environment
    from revlib.lint import AllowedHeads
    from revlib.sources import SourceFile

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class Report:
    """What one check of one or more script directories found."""

    findings: tuple[Finding, ...]
    heads: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def _allowed_heads(_ctx: click.Context, _param: click.Parameter, value: str) -> object:
    from revlib.lint import parse_allowed_heads

    try:
        return parse_allowed_heads(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


CONFIG_OPTION = click.option(
    "-c",
    "--config",
    "config_files",
    multiple=True,
    metavar="FILE",
    help="alembic.ini or pyproject.toml of a setup to check (repeat for several).",
)
DIRECTORY_OPTION = click.option(
    "-d",
    "--directory",
    "directories",
    multiple=True,
    metavar="DIR",
    help="A script directory to check without a config file (repeatable).",
)
HEADS_OPTION = click.option(
    "--heads",
    "allowed_heads",
    default="1",
    show_default=True,
    metavar="N|per-branch-label",
    callback=_allowed_heads,
    help="How many heads are allowed; per-branch-label allows one per branch label "
    "(e.g. expand/contract).",
)


def check_options(command: Any) -> Any:
    """The options shared by ``revlib check`` and the hooks built on it."""
    decorators = [
        CONFIG_OPTION,
        DIRECTORY_OPTION,
        click.option(
            "--staged/--worktree",
            default=False,
            help="Read the index, i.e. what will be committed (the hooks' default), or the "
            "files on disk (revlib check's default).",
        ),
        HEADS_OPTION,
        click.option(
            "--enable",
            multiple=True,
            type=click.Choice(OPTIONAL_CODES),
            help="Turn on an optional warning (repeatable).",
        ),
        FORMAT_OPTION,
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


@click.command()
@check_options
@click.option(
    "--base",
    metavar="REF",
    help="Report only what this work adds to REF (e.g. origin/main): new heads, each blamed "
    "on the file that made it, and new problems.",
)
@click.pass_context
def check(ctx: click.Context, /, base: str | None, **settings: Any) -> int:
    """Check the revision graph: heads, duplicates, missing parents, cycles, unreadable files."""
    output_format = settings.pop("output_format")
    if base is not None:
        from hooks.new_heads import new_heads_report

        report = new_heads_report(_options(ctx), base, **settings)
    else:
        report = lint_report(_options(ctx), **settings)
    return print_report(report, output_format)


def _options(ctx: click.Context) -> Options:
    return ctx.obj if isinstance(ctx.obj, Options) else Options()


def lint_report(
    options: Options,
    *,
    config_files: Sequence[str],
    directories: Sequence[str],
    staged: bool,
    allowed_heads: AllowedHeads,
    enable: Sequence[str],
) -> Report:
    """Lint each environment, from the index (``staged``) or the work tree."""
    from hooks import snapshots
    from revlib.lint import lint_sources

    envs = snapshots.environments(options, config_files, directories)
    problems: list[Finding] = []
    heads: list[str] = []
    for env, files in zip(envs, read_sources(envs, staged), strict=True):
        result = lint_sources(
            files,
            allowed_heads=allowed_heads,
            enable=enable,
            file_template=env.file_template,
            search_path=env.search_path,
        )
        problems += result.findings
        heads += result.heads
    return Report(tuple(problems), tuple(heads))


def read_sources(envs: Sequence[Environment], staged: bool) -> list[list[SourceFile]]:
    """Each environment's version files: from the index when ``staged``, else from disk."""
    from hooks import snapshots

    if not staged:
        return [snapshots.worktree_sources(env) for env in envs]
    from hooks.git import open_repo, relative_locations

    with open_repo(".") as repo:
        result = []
        for env in envs:
            locations = relative_locations(repo.root, env.locations)
            snapshot = snapshots.index_snapshot(repo, locations)
            result.append(snapshots.to_sources(repo, snapshot, locations, env.recursive))
        return result


def print_report(report: Report, output_format: str) -> int:
    """Print the findings (text or JSON) and return the exit code: 1 if any is an error."""
    if output_format == "json":
        echo_json(
            {
                "ok": report.ok,
                "problems": [to_json(f) for f in report.findings],
                "heads": list(report.heads),
            }
        )
    else:
        for finding in report.findings:
            click.echo(format_text(finding))
        summary = _summary(report.findings)
        if summary:
            click.echo(summary)
    return EXIT_OK if report.ok else EXIT_FAILED


def _summary(problems: Sequence[Finding]) -> str:
    errors = sum(f.severity == "error" for f in problems)
    warnings = len(problems) - errors
    parts = [
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in ((errors, "error"), (warnings, "warning"))
        if n
    ]
    return f"Found {' and '.join(parts)}." if parts else ""


def run_hook(
    command: click.Command,
    argv: Sequence[str] | None,
    prog_name: str,
    defaults: Mapping[str, object],
) -> int:
    """Run ``command`` as a console script: parse ``argv``, turn errors into exit codes."""
    from hooks.errors import report_error

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = command.main(
            args=args,
            prog_name=prog_name,
            standalone_mode=False,
            obj=Options(),
            default_map=dict(defaults),
        )
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE
    except Exception as error:  # a user's mistake becomes one message; a bug re-raises
        return report_error(error)
    return result if isinstance(result, int) else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-check`` hook: ``revlib check --staged``."""
    return run_hook(check, argv, "revlib-check", {"staged": True})


if __name__ == "__main__":
    raise SystemExit(main())
