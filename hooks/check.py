"""``revlib check`` and the ``revlib-check`` hook: lint every revision graph, collect all
problems, exit 1 if any is an error.

``revlib check`` reads the work tree (as Alembic would see it); the hook, and ``--staged``,
read the index (what the commit will hold), so untracked or unstaged files never cause a false
alarm. ``--base REF`` reports instead what this work adds to REF (see :mod:`hooks.new_heads`).
The policy options (:func:`policy_options`) override the project's ``[tool.revlib]``; which
setups to check and under which policies is :mod:`hooks.setups`' job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from hooks.context import Options
from hooks.output import FORMAT_OPTION, NO_CACHE_OPTION, echo_json
from hooks.setups import BYPASS_VARIABLE
from revlib.findings import CODES, OPTIONAL_CODES, Finding, format_text, to_json

if TYPE_CHECKING:
    from hooks.setups import Run
    from hooks.snapshots import Environment
    from revlib._lint_cache import LintCache
    from revlib.lint import LintResult, Sides
    from revlib.sources import SourceFile

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class Report(NamedTuple):
    """What one check of one or more script directories found."""

    findings: tuple[Finding, ...]
    heads: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def _heads(_ctx: click.Context, _param: click.Parameter, value: str | None) -> object:
    from revlib.settings import parse_heads

    if value is None:
        return None
    try:
        return parse_heads(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


CONFIG_OPTION = click.option(
    "-c",
    "--config",
    "configs",
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
    "heads",
    default=None,
    metavar="N|per-branch-label|per-version-location",
    callback=_heads,
    help="How many heads are allowed (default 1): a number, one per branch label (e.g. "
    "expand/contract) or one per version location.",
)


def _code_option(flag: str, name: str, text: str) -> Any:
    return click.option(
        flag, name, multiple=True, type=click.Choice(CODES), metavar="CODE", help=text
    )


def policy_options(command: Any) -> Any:
    """The options that override ``[tool.revlib]`` (see :mod:`revlib.settings`)."""
    decorators = [
        CONFIG_OPTION,
        DIRECTORY_OPTION,
        click.option(
            "--discover/--no-discover",
            default=None,
            help="Check every alembic.ini and pyproject.toml with [tool.alembic] that git "
            "tracks here.",
        ),
        HEADS_OPTION,
        click.option(
            "--allow-head",
            "allow_heads",
            multiple=True,
            metavar="REV|LABEL",
            help="A revision, or a branch label, whose heads never count (repeatable).",
        ),
        click.option(
            "--allow-heads",
            "allow_heads_flag",
            is_flag=True,
            help=f"Let extra heads through this once, as warnings (also {BYPASS_VARIABLE}=1).",
        ),
        NO_CACHE_OPTION,
        _code_option("--error", "errors", "Report CODE as an error (repeatable)."),
        _code_option("--warning", "warnings", "Report CODE as a warning (repeatable)."),
        _code_option("--ignore", "ignore", "Never report CODE (repeatable)."),
        click.option(
            "--enable",
            multiple=True,
            type=click.Choice(OPTIONAL_CODES),
            help="Turn on an optional warning (repeatable; same as --warning CODE).",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def check_options(command: Any) -> Any:
    """The options shared by ``revlib check`` and the hooks built on it."""
    decorators = [
        policy_options,
        click.option(
            "--staged/--worktree",
            default=False,
            help="Read the index, i.e. what will be committed (the hooks' default), or the "
            "files on disk (revlib check's default).",
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
    "on the file that made it, new problems, and edits of migrations REF already has.",
)
@click.option("--compare", is_flag=True, hidden=True)  # the revlib-new-heads hook
@click.pass_context
def check(
    ctx: click.Context, /, compare: bool, staged: bool, output_format: str, **cli: Any
) -> int:
    """Check the revision graph: heads, duplicates, missing parents, cycles, unreadable files."""
    run = resolve_run(ctx, cli)
    base, history = cli["base"], True
    if base is None and compare:
        base, history = run.settings.base or "HEAD", run.settings.base is not None
    if base is not None:
        from hooks.new_heads import new_heads_report

        report = new_heads_report(run, base, staged=staged, history=history)
    else:
        report = lint_report(run, staged=staged)
    return print_report(report, output_format, run)


def resolve_run(ctx: click.Context, cli: dict[str, Any]) -> Run:
    """The run's settings from the policy options (``--enable`` is ``--warning``)."""
    from hooks.setups import resolve

    options = ctx.obj if isinstance(ctx.obj, Options) else Options()
    values = dict(cli)
    if values.pop("no_cache", False):
        options = options._replace(use_cache=False)
    values["warnings"] = (*values.get("warnings", ()), *values.pop("enable", ()))
    return resolve(options, **values)


def lint_report(run: Run, *, staged: bool) -> Report:
    """Lint each setup, from the index (``staged``) or the work tree."""
    from hooks.snapshots import lint_cache

    problems: list[Finding] = []
    heads: list[str] = []
    for setup in run.setups:
        env = setup.environment()
        if staged:
            found, found_heads = _linted(run, env, True, lint_cache(env))
        else:
            found, found_heads = _worktree_answer(run, env)
        problems += run.finish(setup, found)
        heads += found_heads
    return Report(tuple(problems), tuple(heads))


def _linted(
    run: Run, env: Environment, staged: bool, cache: LintCache | None
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    from revlib.script._cache import without_gc

    with without_gc():  # every object built here stays alive until the report is made
        result = _lint_setup(run, env, staged, cache)
        return tuple(result.findings), tuple(result.heads)


def _worktree_answer(run: Run, env: Environment) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """The findings and heads of ``env``'s work tree: kept ones when no version file changed
    (see :mod:`hooks.answers`), else the lint's, kept for next time when they can be."""
    from hooks.answers import answers_for, query, watching_warnings
    from hooks.snapshots import lint_cache

    answers = answers_for(env.locations, env.recursive, env.options.use_cache)
    if answers is None:
        return _linted(run, env, False, lint_cache(env))
    policy = run.policy(env)
    asked = query(
        "check",
        env.locations,
        env.recursive,
        env.file_template,
        env.search_path,
        (policy.limit, tuple(sorted(policy.allow)), policy.locations),
        run.settings.enabled,
    )
    kept = answers.get(asked)
    if kept is not None:
        try:
            return tuple(Finding(*fields) for fields in kept[0]), tuple(kept[1])
        except (TypeError, IndexError):  # not an answer this code wrote: computed afresh
            pass
    cache = lint_cache(env)
    with watching_warnings() as shown:
        found, heads = _linted(run, env, False, cache)
    if not shown and cache is not None and cache.all_kept():
        answers.put(asked, (tuple(tuple(f) for f in found), heads))
    return found, heads


def _lint_setup(run: Run, env: Environment, staged: bool, cache: LintCache | None) -> LintResult:
    from revlib.lint import lint_sources

    files, sides = read_with_sides(env, staged, cache)
    result = lint_sources(
        files,
        allowed_heads=run.policy(env),
        enable=run.settings.enabled,
        file_template=env.file_template,
        search_path=env.search_path,
        sides=sides,
        cache=cache,
    )
    if cache is not None:  # every version file was looked up: the cache holds what they are
        cache.save(complete=True)
    return result


def read_with_sides(
    env: Environment, staged: bool, cache: LintCache | None = None
) -> tuple[list[SourceFile], Sides | None]:
    """The version files; from the index also what is staged beyond HEAD, so that messages
    can say which head the commit adds. Blobs the ``cache`` knows are not read."""
    if not staged:
        (files,) = read_sources([env], False)
        return files, None
    from hooks import snapshots
    from hooks.git import open_repo, relative_locations
    from hooks.snapshots import display_path
    from revlib.lint import Sides

    known = None if cache is None else (lambda blob: cache.known(blob) is not None)
    with open_repo(".") as repo:
        locations = relative_locations(repo.root, env.locations)
        index = snapshots.index_snapshot(repo, locations)
        head = snapshots.commit_snapshot(repo, repo.head(), locations)
        files = snapshots.to_sources(repo, index, locations, env.recursive, known)
    changed = {
        display_path(repo.root / path)
        for path, entry in index.items()
        if path not in head or head[path].blob != entry.blob
    }
    return files, Sides(frozenset(changed), "the staged changes", "HEAD")


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


def print_report(report: Report, output_format: str, run: Run | None = None) -> int:
    """Print the findings (text or JSON) and return the exit code: 1 if any is an error."""
    if run is not None:
        run.announce(report.findings)
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
    """Run ``command`` as a hook's console script, with ``defaults`` for its options."""
    from hooks.errors import run_click

    return run_click(command, argv, prog_name, obj=Options(), default_map=defaults)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-check`` hook: ``revlib check --staged``."""
    return run_hook(check, argv, "revlib-check", {"staged": True})


if __name__ == "__main__":
    raise SystemExit(main())
