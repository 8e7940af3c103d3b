"""The ``revlib-auto-merge`` hook: when the commit would hold several heads, write the merge.

The heads are those of the index (what will be committed). The merge revision is written by
``revlib merge --if-needed`` (:mod:`hooks.write`), from the project's ``script.py.mako``; the
hook prints its path and exits 1, as pre-commit expects of a hook that changes files. A merge
of the same heads already on disk but not staged (the hook ran before) is not written twice:
it is named again (and staged with ``--stage``). Untracked or unstaged version files never
join the merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from hooks.check import EXIT_FAILED, EXIT_OK, policy_options, resolve_run, run_hook
from revlib.findings import MULTIPLE_HEADS, format_text

if TYPE_CHECKING:
    from hooks.setups import Run
    from hooks.snapshots import Environment
    from revlib.lint import LintResult


@click.command()
@policy_options
@click.option(
    "-m", "--message", default="merge heads", show_default=True, help="Message of the merge."
)
@click.option("--stage", is_flag=True, help="Also `git add` the merge revision.")
@click.pass_context
def auto_merge(ctx: click.Context, /, message: str, stage: bool, **cli: Any) -> int:
    """Write a merge revision when the staged history has several heads."""
    run = resolve_run(ctx, cli)
    exit_code = EXIT_OK
    for setup in run.setups:
        env = setup.environment()
        result = _staged_graph(env, run)
        problems = run.finish(setup, result.findings)
        blocking = [f for f in problems if f.severity == "error" and f.code != MULTIPLE_HEADS]
        if blocking:
            for finding in blocking:
                click.echo(format_text(finding))
            click.echo("Not writing a merge revision on top of these problems; fix them first.")
            exit_code = EXIT_FAILED
            continue
        groups = [f.revisions for f in problems if f.code == MULTIPLE_HEADS]
        if groups and run.bypass is not None:
            run.announce(problems)
            continue
        for heads in dict.fromkeys(groups):
            _merge(env, heads, message, stage)
            exit_code = EXIT_FAILED
    return exit_code


def _staged_graph(env: Environment, run: Run) -> LintResult:
    """The lint result of the index: its multiple-heads findings name each group of heads
    over its limit (one group, unless the head policy groups them)."""
    from hooks.check import read_sources
    from revlib.lint import lint_sources

    (files,) = read_sources([env], staged=True)
    return lint_sources(files, allowed_heads=run.policy(env), search_path=env.search_path)


def _merge(env: Environment, heads: tuple[str, ...], message: str, stage: bool) -> None:
    """Name the merge already on disk, or have ``revlib merge`` write one."""
    from hooks import snapshots
    from revlib._lint_read import read_nodes

    on_disk, _ = read_nodes(snapshots.worktree_sources(env), env.search_path)
    existing = next((n.path for n in on_disk if set(n.parents or ()) == set(heads)), None)
    if existing is not None:
        if stage:
            _stage(existing)
        state = "staged" if stage else "not staged yet"
        click.echo(f"{existing} (written earlier; {state})")
        return
    if any(set(n.parents or ()) & set(heads) for n in on_disk):
        _splice(env, heads, message, stage)
        return
    from hooks.write import merge

    args = [*heads, "--if-needed", "-m", message, *(["--stage"] if stage else [])]
    merge.main(args=args, prog_name="revlib merge", standalone_mode=False, obj=env.options)


def _splice(env: Environment, heads: tuple[str, ...], message: str, stage: bool) -> None:
    """The merge, when an unstaged file on disk builds on a staged head.

    On disk that head is no head, so ``revlib merge`` (like ``alembic merge``) would refuse it;
    the merge is still the right one for the commit, so it is written as a splice, with the
    same library call ``revlib merge`` makes."""
    from hooks.snapshots import display_path
    from revlib.util.lock import write_lock

    script_dir = env.options.load_script_directory()
    config = env.options.load_config()
    with write_lock(script_dir.dir):  # a concurrent run may have written this merge already
        wanted = set(heads)
        for existing in script_dir.walk_revisions():
            if set(existing._versioned_down_revisions) == wanted:
                return
        script = script_dir.generate_revision(
            None, message, refresh=True, head=list(heads), splice=True, config=config
        )
    if script is None:
        return
    path = display_path(script.path)
    if stage:
        _stage(path)
    click.echo(path)


def _stage(path: str) -> None:
    from hooks.git import open_repo

    with open_repo(".") as repo:
        repo.add([path])


def main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-auto-merge`` hook."""
    return run_hook(auto_merge, argv, "revlib-auto-merge", {})


if __name__ == "__main__":
    raise SystemExit(main())
