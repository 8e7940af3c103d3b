"""The project ``revlib rebase`` works on: its Alembic setup, git work tree and heads file;
which heads are whose; and the files a plan rewrites (see :mod:`hooks.rebase` for the
commands and the hook).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hooks.context import Options
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from hooks.git_state import Operation
    from hooks.snapshots import Environment
    from revlib.heads_file import HeadsFile
    from revlib.rebase_plan import Node, RebasePlan, Sides

__all__ = ["Change", "Project", "display", "resolve_revision"]


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
            return nodes, sides_onto(nodes, resolve_revision(nodes, onto))
        if recorded is not None:
            raise CommandError(
                f"{display(self.heads_file)} has conflict markers, but no rebase or merge is "
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
        name = display(self.heads_file)
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
                changes.append(Change(display(self.heads_file), old_heads, new_heads))
        return changes


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


def resolve_revision(nodes: Sequence[Node], identifier: str) -> str:
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
        f"cannot re-parent: {display(Path(node.path))}: down_revision names {missing}, but "
        "no version file declares that revision; fix it first (`revlib check` lists every "
        "problem)"
    )


def _read(path: Path) -> bytes:
    from revlib.util.files import read_regular

    try:
        return read_regular(path)
    except OSError as error:
        raise CommandError(f"{display(path)}: cannot read: {error.strerror or error}") from None


def display(path: Path) -> str:
    from hooks.snapshots import display_path

    return display_path(path)
