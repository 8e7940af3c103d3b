"""``revlib rebase`` and the ``revlib-rebase`` hook: move this branch's migrations onto the
other side's head after a rebase or merge, so the history has one head again.

Which side is yours comes from git (:mod:`hooks.git_state`): the commit being replayed in a
rebase, HEAD in a merge. The heads of each side come from the conflicted heads file when
there is one (its ``|||||||`` section, in the diff3 style, gives the common ancestor's), else
from the commits themselves. Outside a rebase or merge, ``--base REF`` (a git ref) or
``--onto REV`` (a revision) says where to go. The plan is :func:`revlib.rebase_plan.plan_rebase`;
each move rewrites two spans of one file (:func:`revlib.reparent.reparent_source`).

The hook runs after git finished (stages ``post-rewrite`` and ``post-merge``): if the rebase or
merge left several heads, it re-parents, says what it changed and exits 1.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hooks.context import Options
from hooks.heads_file import HEADS_FILE_OPTION, run_command
from hooks.rebase_project import Change, Project, display, resolve_revision

if TYPE_CHECKING:
    from hooks.git_state import Operation
    from revlib.rebase_plan import Node, RebasePlan, Sides

EXIT_OK = 0
EXIT_CHANGED = 1


@click.command()
@click.option(
    "--onto",
    metavar="REV",
    help="The revision to move onto (id, unique prefix, LABEL@head), instead of the other "
    "side's head.",
)
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Outside a rebase or merge: the git ref to move onto (e.g. origin/main).",
)
@click.option("--dry-run", is_flag=True, help="Print the changes as a diff; write nothing.")
@HEADS_FILE_OPTION
@click.pass_context
def rebase(
    ctx: click.Context,
    onto: str | None,
    base_ref: str | None,
    dry_run: bool,
    heads_file_path: str | None,
) -> int:
    """Re-parent this branch's migrations onto the other side's head."""
    project = Project.load(_options(ctx), heads_file_path)
    operation = project.operation() if base_ref is None else None
    nodes, sides = project.sides(operation, onto, base_ref)
    plan = _plan(nodes, sides, onto)
    changes = project.changes(plan, write_heads_file=base_ref is None)
    if dry_run:
        for change in changes:
            click.echo(change.diff(), nl=False)
        click.echo("Dry run: nothing written." if changes else _nothing(plan))
        return EXIT_OK
    earlier = project.apply(changes)
    _report(plan, changes, operation, earlier)
    return EXIT_OK


@click.command()
@click.option(
    "--after",
    type=click.Choice(["rebase", "merge"]),
    help="What just finished (default: from pre-commit's environment, else from HEAD).",
)
@HEADS_FILE_OPTION
@click.pass_context
def rebase_hook(ctx: click.Context, after: str | None, heads_file_path: str | None) -> int:
    """After a rebase or merge that left several heads, re-parent this branch's migrations."""
    from revlib.heads_file import several_heads
    from revlib.rebase_plan import head_entries

    if os.environ.get("PRE_COMMIT_REWRITE_COMMAND") == "amend":
        return EXIT_OK
    if os.environ.get("PRE_COMMIT_IS_SQUASH_MERGE") == "1":
        click.echo("revlib-rebase: a squash merge is not committed yet; run `revlib rebase`")
        return EXIT_OK
    project = Project.load(_options(ctx), heads_file_path)
    stage_known = after is not None or any(name in os.environ for name in _STAGE_VARIABLES)
    # git runs post-rewrite before it removes the rebase's state: trust the stage over it
    operation = None if stage_known else project.operation()
    operation = operation or _finished(project.root, after)
    if operation is None or not several_heads(head_entries(project.worktree_nodes())):
        return EXIT_OK
    nodes, sides = project.sides(operation, None, None)
    plan = _plan(nodes, sides, None)
    changes = project.changes(plan, write_heads_file=True)
    earlier = project.apply(changes)
    click.echo(f"revlib-rebase: the {operation.kind} left several heads.")
    _report(plan, changes, operation, earlier)
    return EXIT_CHANGED if changes else EXIT_OK


_STAGE_VARIABLES = ("PRE_COMMIT_REWRITE_COMMAND", "PRE_COMMIT_IS_SQUASH_MERGE")


def _finished(root: Path | None, after: str | None) -> Operation | None:
    """The rebase or merge that just finished, as the hook stage (or HEAD) tells."""
    from hooks import git_state

    if root is None:
        return None
    if after is None and "PRE_COMMIT_REWRITE_COMMAND" in os.environ:
        after = "rebase"
    if after is None and "PRE_COMMIT_IS_SQUASH_MERGE" in os.environ:
        after = "merge"
    if after == "rebase":
        return git_state.after_rebase(root)
    if after == "merge":
        return git_state.after_merge(root)
    return git_state.after_merge(root) or git_state.after_rebase(root)


# -- steps ---------------------------------------------------------------------------------


def _plan(nodes: list[Node], sides: Sides, onto: str | None) -> RebasePlan:
    from revlib.rebase_plan import plan_rebase

    return plan_rebase(
        nodes, sides, onto=resolve_revision(nodes, onto) if onto is not None else None
    )


def _report(
    plan: RebasePlan,
    changes: Sequence[Change],
    operation: Operation | None,
    earlier: Sequence[str] = (),
) -> None:
    if earlier:
        click.echo(f"Finishing an interrupted `revlib rebase`, which rewrote {', '.join(earlier)}")
    for move in plan.moves:
        click.echo(
            f"Re-parented {move.revision} ({move.path}): it now revises "
            f"{', '.join(move.new_parents)} (was {', '.join(move.old_parents)})"
        )
    if plan.moves and plan.riding:
        click.echo(f"Riding along unchanged: {', '.join(plan.riding)}")
    if not plan.moves:
        click.echo(_nothing(plan))
    moved = {move.path for move in plan.moves}
    for change in changes:
        if change.path not in moved:
            heads = ", ".join(str(entry) for entry in plan.heads_after)
            click.echo(f"Updated {change.path}: {heads}")
    written = [*earlier, *(c.path for c in changes)]
    steps = _next_steps(written, operation)
    others = _other_conflicts(written, operation)
    if others:
        click.echo(f"Still in conflict (resolve and `git add` them too): {', '.join(others)}")
    if steps:
        click.echo("Next, run:")
        for step in steps:
            click.echo(f"  {step}")


def _next_steps(paths: list[str], operation: Operation | None) -> list[str]:
    import shlex

    if operation is not None:
        return operation.next_steps(paths)
    if not paths:
        return []
    return [f"git add -- {' '.join(shlex.quote(p) for p in paths)}", "git commit"]


def _other_conflicts(paths: Sequence[str], operation: Operation | None) -> list[str]:
    """Files git still has in conflict, other than those just resolved."""
    from hooks import git_state

    root = git_state.repository_root()
    if operation is None or not operation.in_progress or root is None:
        return []
    resolved = {os.path.realpath(p) for p in paths}
    conflicts = [display(root / p) for p in git_state.unmerged_paths(root)]
    return [p for p in conflicts if os.path.realpath(p) not in resolved]


def _nothing(plan: RebasePlan) -> str:
    heads = ", ".join(str(entry) for entry in plan.heads_after) or "none"
    return f"Nothing to re-parent: one head per branch ({heads})."


def _options(ctx: click.Context) -> Options:
    return ctx.obj if isinstance(ctx.obj, Options) else Options()


def main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-rebase`` hook (stages post-rewrite and post-merge)."""
    return run_command(rebase_hook, argv, "revlib-rebase")


if __name__ == "__main__":
    raise SystemExit(main())
