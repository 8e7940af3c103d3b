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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hooks.context import Options
from hooks.heads_file import HEADS_FILE_OPTION, run_command
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from hooks.git_state import Operation
    from hooks.snapshots import Environment
    from revlib.heads_file import HeadsFile
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


# -- the project ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One file to rewrite: where, its bytes now, its bytes after."""

    path: str
    old: bytes | None
    new: bytes

    def diff(self) -> str:
        from revlib.reparent import unified_diff

        return unified_diff(self.old or b"", self.new, self.path)


@dataclass(frozen=True)
class Project:
    """The Alembic setup in the current directory, its git work tree and heads file."""

    env: Environment
    heads_file: Path
    root: Path | None
    journal: Path

    @classmethod
    def load(cls, options: Options, heads_file_path: str | None) -> Project:
        from hooks import git_state, snapshots
        from hooks.heads_file import heads_file_path_for
        from hooks.rebase_journal import journal_path
        from hooks.setups import heads_file_of, one_setup

        options = one_setup(options)
        (env,) = snapshots.environments(options, (), ())
        script_dir = options.load_script_directory()
        heads_file = heads_file_path_for(script_dir, heads_file_of(options, heads_file_path))
        return cls(env, heads_file, git_state.repository_root(), journal_path(script_dir.dir))

    def apply(self, changes: Sequence[Change]) -> list[str]:
        """Write the changes, all or none (see :mod:`hooks.rebase_journal`); the files an
        interrupted earlier run already rewrote, which this run does not change again."""
        from hooks.rebase_journal import apply_all, pending

        earlier = pending(self.journal)
        apply_all(self.journal, [(c.path, c.old, c.new) for c in changes])
        if changes:
            return [p for p in earlier if p not in {c.path for c in changes}]
        if earlier:
            self.journal.unlink(missing_ok=True)
        return earlier

    def operation(self) -> Operation | None:
        from hooks import git_state

        return git_state.in_progress(self.root) if self.root is not None else None

    def worktree_nodes(self) -> list[Node]:
        from hooks import snapshots

        return _nodes(snapshots.worktree_sources(self.env), self.env.search_path)

    def commit_nodes(self, commit: str) -> list[Node]:
        from hooks import snapshots
        from hooks.git import open_repo, relative_locations

        assert self.root is not None
        with open_repo(self.root) as repo:
            locations = relative_locations(repo.root, self.env.locations)
            snapshot = snapshots.commit_snapshot(repo, commit, locations)
            sources = snapshots.to_sources(repo, snapshot, locations, self.env.recursive)
        return _nodes(sources, self.env.search_path, where=f"in commit {commit[:12]}")

    def sides(
        self, operation: Operation | None, onto: str | None, base_ref: str | None
    ) -> tuple[list[Node], Sides]:
        """Every version file to plan over, and which heads are whose."""
        from revlib.rebase_plan import sides_onto

        nodes = self.worktree_nodes()
        if base_ref is not None:
            return self._sides_against(nodes, base_ref)
        recorded = self.recorded_conflict(operation)
        if operation is not None:
            if recorded is not None:
                return nodes, _sides_from_file(recorded, operation)
            return nodes, self._sides_from_commits(operation)
        if onto is not None:
            return nodes, sides_onto(nodes, _resolve(nodes, onto))
        if recorded is not None:
            raise CommandError(
                f"{_display(self.heads_file)} has conflict markers, but no rebase or merge is "
                "in progress, so nothing tells which side is yours; pass --onto REV"
            )
        raise CommandError(
            "no rebase or merge is in progress: pass --base REF (e.g. origin/main) or "
            "--onto REV to say where this branch's migrations go"
        )

    def recorded_conflict(self, operation: Operation | None) -> HeadsFile | None:
        """The heads file when git left it in conflict: its markers, else its index stages."""
        from hooks import git_state
        from hooks.heads_file import read_heads_file
        from revlib.heads_file import Conflict, HeadsFile, parse

        recorded = read_heads_file(self.heads_file)
        if recorded is not None and recorded.conflict is not None:
            return recorded
        if operation is None or self.root is None or not operation.in_progress:
            return None
        relative = os.path.relpath(self.heads_file.resolve(), self.root.resolve())
        stages = git_state.read_stages(self.root, Path(relative).as_posix())
        if git_state.CURRENT_STAGE not in stages or git_state.INCOMING_STAGE not in stages:
            return None
        name = _display(self.heads_file)
        sides = {n: parse(data.decode("utf-8", "replace"), name) for n, data in stages.items()}
        base = sides.get(1)
        conflict = Conflict(
            current=sides[git_state.CURRENT_STAGE].entries,
            incoming=sides[git_state.INCOMING_STAGE].entries,
            base=base.entries if base is not None else None,
        )
        return HeadsFile((), conflict)

    def _sides_from_commits(self, operation: Operation) -> Sides:
        from hooks import git_state
        from revlib.rebase_plan import Sides, head_entries

        assert self.root is not None
        other = operation.target or "HEAD"
        fork = git_state.merge_base(self.root, operation.moving, other)

        def heads(commit: str | None) -> tuple[str, ...] | None:
            if commit is None:
                return None
            return tuple(e.revision for e in head_entries(self.commit_nodes(commit)))

        return Sides(
            moving=heads(operation.moving) or (),
            target=heads(operation.target),
            base=heads(fork) if fork is not None else (),
            moving_name=operation.moving_name,
            target_name=operation.target_name,
        )

    def _sides_against(self, nodes: list[Node], base_ref: str) -> tuple[list[Node], Sides]:
        from hooks import git_state
        from revlib.rebase_plan import Sides, head_entries, union

        if self.root is None:
            raise CommandError("--base needs a git repository; use --onto REV outside one")
        target = git_state.resolve(self.root, base_ref)
        fork = git_state.merge_base(self.root, "HEAD", target)
        target_nodes = self.commit_nodes(target)
        fork_nodes = self.commit_nodes(fork) if fork is not None else []
        sides = Sides(
            moving=tuple(e.revision for e in head_entries(nodes)),
            target=tuple(e.revision for e in head_entries(target_nodes)),
            base=tuple(e.revision for e in head_entries(fork_nodes)),
            moving_name="the work tree",
            target_name=base_ref,
        )
        return union(nodes, target_nodes, base_ref), sides

    def changes(self, plan: RebasePlan, *, write_heads_file: bool) -> list[Change]:
        """The new bytes of every file the plan touches (the heads file last)."""
        from hooks.heads_file import read_heads_file
        from revlib.heads_file import render
        from revlib.reparent import current_parents, reparent_source

        changes = []
        for move in plan.moves:
            old = _read(Path(move.path))
            if current_parents(old, path=move.path) != move.old_parents:
                raise CommandError(f"{move.path} changed while revlib was reading it; run again")
            new = reparent_source(old, move.new_parents, path=move.path)
            changes.append(Change(move.path, old, new))
        recorded = read_heads_file(self.heads_file) if write_heads_file else None
        if recorded is not None:  # opt-in: a missing heads file is not created
            old_heads = _read(self.heads_file)
            new_heads = render(plan.heads_after, recorded.newline).encode("utf-8")
            if new_heads != old_heads:
                changes.append(Change(_display(self.heads_file), old_heads, new_heads))
        return changes


# -- steps ---------------------------------------------------------------------------------


def _plan(nodes: list[Node], sides: Sides, onto: str | None) -> RebasePlan:
    from revlib.rebase_plan import plan_rebase

    return plan_rebase(nodes, sides, onto=_resolve(nodes, onto) if onto is not None else None)


def _sides_from_file(recorded: HeadsFile, operation: Operation) -> Sides:
    """The sides a conflicted heads file records: in a rebase yours is the ``>>>>>>>`` part
    (the commit being replayed), in a merge the ``<<<<<<<`` part (HEAD)."""
    from revlib.rebase_plan import Sides

    conflict = recorded.conflict
    assert conflict is not None
    current = tuple(entry.revision for entry in conflict.current)
    incoming = tuple(entry.revision for entry in conflict.incoming)
    moving, target = (incoming, current) if operation.moving_is_incoming else (current, incoming)
    base = conflict.base
    return Sides(
        moving=moving,
        target=target,
        base=tuple(entry.revision for entry in base) if base is not None else None,
        moving_name=f"{operation.moving_name} (heads file)",
        target_name=f"{operation.target_name} (heads file)",
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
    conflicts = [_display(root / p) for p in git_state.unmerged_paths(root)]
    return [p for p in conflicts if os.path.realpath(p) not in resolved]


def _nothing(plan: RebasePlan) -> str:
    heads = ", ".join(str(entry) for entry in plan.heads_after) or "none"
    return f"Nothing to re-parent: one head per branch ({heads})."


# -- reading -------------------------------------------------------------------------------


def _nodes(sources: Sequence[Any], search_path: Sequence[str], where: str = "") -> list[Node]:
    """Planner nodes from version files; a file that cannot be read is refused by name."""
    from revlib.rebase_plan import Node
    from revlib.script.reader import ConflictMarkerError, ReadError, parse_header

    nodes = []
    for source in sources:
        try:
            _check_markers(source.data, source.path)
            header = parse_header(source.data, source.path, search_path=search_path)
        except ConflictMarkerError as error:
            raise CommandError(
                f"cannot re-parent: {error}\n  (revlib rebase resolves conflicts only in the "
                "heads file; resolve this one first)"
            ) from None
        except ReadError as error:
            raise CommandError(
                f"cannot re-parent{' ' + where if where else ''}: {error}"
            ) from None
        if not isinstance(header.revision, str):
            raise CommandError(f"cannot re-parent: {source.path}: revision is not a string")
        nodes.append(
            Node(
                header.revision,
                _as_ids(header.down_revision),
                _as_ids(header.branch_labels),
                source.path,
            )
        )
    return nodes


_MARKER = re.compile(rb"^(?:<{7}|>{7})(?:[ \t][^\r\n]*)?\r?$", re.MULTILINE)


def _check_markers(data: bytes, path: str) -> None:
    """Conflict markers anywhere in a version file (the reader only looks at the header)."""
    from revlib.script.reader import ConflictMarkerError

    marker = _MARKER.search(data)
    if marker is not None:
        line = data.count(b"\n", 0, marker.start()) + 1
        text = marker.group()[:7].decode("ascii")
        message = f"unresolved merge conflict (marker {text!r})"
        hint = "resolve the conflict and remove the marker lines"
        raise ConflictMarkerError(path, line, message, hint)


def _as_ids(value: object) -> tuple[str, ...]:
    if value is None or not value:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(str(item) for item in value)
    return tuple(sorted(str(item) for item in value))  # type: ignore[attr-defined]


def _resolve(nodes: Sequence[Node], identifier: str) -> str:
    """``--onto``: an id, a unique prefix, a branch label or ``LABEL@head``, as Alembic
    resolves them."""
    from revlib.script.revision import Revision, RevisionError, RevisionMap

    revision_map = RevisionMap(
        lambda: [Revision(n.revision, n.parents, branch_labels=n.labels) for n in nodes]
    )
    try:
        found = revision_map.get_revisions(identifier)
    except RevisionError as error:
        raise CommandError(f"--onto {identifier}: {error}") from None
    except KeyError as error:  # a parent no file declares (Alembic's map raises KeyError)
        raise _missing_parent(nodes, error) from None
    if len(found) != 1 or found[0] is None:
        raise CommandError(f"--onto {identifier} names {len(found)} revisions; name one")
    return str(found[0].revision)


def _missing_parent(nodes: Sequence[Node], error: KeyError) -> CommandError:
    missing = error.args[0] if error.args else None
    node = next((n for n in nodes if missing in n.parents), None)
    if node is None:
        return CommandError(f"cannot re-parent: the revision graph is broken ({error!r})")
    return CommandError(
        f"cannot re-parent: {_display(Path(node.path))}: down_revision names {missing}, but "
        "no version file declares that revision; fix it first (`revlib check` lists every "
        "problem)"
    )


def _read(path: Path) -> bytes:
    from revlib.util.files import read_regular

    try:
        return read_regular(path)
    except OSError as error:
        raise CommandError(f"{_display(path)}: cannot read: {error.strerror or error}") from None


def _display(path: Path) -> str:
    from hooks.snapshots import display_path

    return display_path(path)


def _options(ctx: click.Context) -> Options:
    return ctx.obj if isinstance(ctx.obj, Options) else Options()


def main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-rebase`` hook (stages post-rewrite and post-merge)."""
    return run_command(rebase_hook, argv, "revlib-rebase")


if __name__ == "__main__":
    raise SystemExit(main())
