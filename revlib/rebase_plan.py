"""Planning a rebase of migrations: which file moves onto which head, or why none can.

Two branches met (a rebase, a merge, or the user asking with ``--onto``). The work tree holds
every version file of both; each side is known by its heads. The revisions this branch adds are
the ancestors of its heads that are not ancestors of the target's heads. Their *bottom*
revisions (those whose parents are all outside that set) move: each one's parent is replaced by
the target's head that descends from it. Everything above rides along unchanged.

The planner refuses, with a reason, rather than guess: when a bottom revision is a merge, when
its parent has several heads above it, when moving would change a revision's branch labels,
when a revision to move is already in the common ancestor (it may have run somewhere), or when
the result would still have more than one head for some branch.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from revlib.heads_file import HeadEntry
from revlib.util.exc import CommandError

__all__ = [
    "Move",
    "Node",
    "RebasePlan",
    "RebaseRefused",
    "Sides",
    "head_entries",
    "plan_rebase",
    "sides_onto",
    "union",
]


@dataclass(frozen=True)
class Node:
    """A version file as the planner sees it: id, parents, declared labels, path."""

    revision: str
    parents: tuple[str, ...]
    labels: tuple[str, ...] = ()
    path: str = ""


@dataclass(frozen=True)
class Sides:
    """The heads of each side. ``moving`` is the branch whose migrations move; ``target`` the
    one they move onto (None: every head the moving side does not reach); ``base`` the heads
    of the common ancestor, when known (to refuse moving what it already has)."""

    moving: tuple[str, ...]
    target: tuple[str, ...] | None = None
    base: tuple[str, ...] | None = None
    moving_name: str = "this branch"
    target_name: str = "the other branch"


@dataclass(frozen=True)
class Move:
    """One version file whose ``down_revision`` changes."""

    revision: str
    path: str
    old_parents: tuple[str, ...]
    new_parents: tuple[str, ...]


@dataclass(frozen=True)
class RebasePlan:
    """What to change: the moves, the revisions riding along, and the heads before and after."""

    moves: tuple[Move, ...]
    riding: tuple[str, ...]
    heads_before: tuple[str, ...]
    heads_after: tuple[HeadEntry, ...]


class RebaseRefused(CommandError):
    """A rebase the planner will not do; ``reason`` is a stable code, the message says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"cannot re-parent: {self.message}"


MERGE_AT_BOTTOM: Final = "merge-at-bottom"
AMBIGUOUS_TARGET: Final = "ambiguous-target"
ALREADY_IN_BASE: Final = "already-in-base"
LABEL_CHANGE: Final = "label-change"
SEVERAL_HEADS: Final = "several-heads"
UNKNOWN_REVISION: Final = "unknown-revision"
BAD_ONTO: Final = "bad-onto"
BROKEN_GRAPH: Final = "broken-graph"


def plan_rebase(nodes: Sequence[Node], sides: Sides, *, onto: str | None = None) -> RebasePlan:
    """Plan moving the revisions ``sides.moving`` adds onto the target's heads (or ``onto``).

    ``nodes`` are all version files of the work tree, in Alembic's load order. Raises
    :class:`RebaseRefused` when the move cannot be done without guessing.
    """
    if sides.target is None and sides.base is None:
        raise ValueError("Sides needs the target's heads or the common ancestor's")
    graph = _Graph.build(nodes)
    _check_sides(graph, sides, onto)
    ours = _added(graph, sides)
    if onto in ours:
        message = f"--onto {onto} is one of the migrations {sides.moving_name} adds"
        raise RebaseRefused(BAD_ONTO, message)
    rest = _Graph.build([n for n in nodes if n.revision not in ours])
    moves = [
        move
        for node in nodes
        if node.revision in ours and not set(node.parents) & ours
        for move in _move_of(node, rest, sides, onto)
    ]
    after = _apply(nodes, moves)
    _check_labels(nodes, after, moves)
    heads_after = _result_heads(after, ours, sides)
    moved = {move.revision for move in moves}
    riding = _Graph.build(after).descendants(moved) - moved
    return RebasePlan(
        moves=tuple(moves),
        riding=tuple(n.revision for n in nodes if n.revision in riding),
        heads_before=_heads(nodes),
        heads_after=heads_after,
    )


def _check_sides(graph: _Graph, sides: Sides, onto: str | None) -> None:
    """Every head the sides (and ``onto``) name must be a version file of the work tree."""
    for name, heads in (
        (sides.moving_name, sides.moving),
        (sides.target_name, sides.target or ()),
        ("the common ancestor", sides.base or ()),
        ("--onto", (onto,) if onto is not None else ()),
    ):
        graph.require(heads, name)


def sides_onto(nodes: Sequence[Node], onto: str) -> Sides:
    """Sides for ``--onto REV`` with no git history to ask: the heads that do not descend
    from ``onto`` and carry the same branch labels move onto it."""
    graph = _Graph.build(nodes)
    graph.require((onto,), "--onto")
    labels = _labels(nodes)
    wanted = labels.get(onto, frozenset())
    moving = tuple(
        head
        for head in _heads(nodes)
        if onto not in graph.ancestors((head,)) and labels.get(head, frozenset()) == wanted
    )
    return Sides(moving=moving, target=(onto,), moving_name="the other heads")


# -- the graph -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Graph:
    nodes: Mapping[str, Node]

    @classmethod
    def build(cls, nodes: Iterable[Node]) -> _Graph:
        index: dict[str, Node] = {}
        for node in nodes:
            if node.revision in index:
                paths = f"{index[node.revision].path} and {node.path}"
                message = f"revision {node.revision} is defined twice ({paths}); remove one"
                raise RebaseRefused(BROKEN_GRAPH, message)
            index[node.revision] = node
        for node in index.values():
            for parent in node.parents:
                if parent not in index:
                    message = (
                        f"{node.path}: down_revision names {parent}, which no version file "
                        "in the work tree defines"
                    )
                    raise RebaseRefused(BROKEN_GRAPH, message)
        return cls(index)

    def require(self, revisions: Iterable[str], where: str) -> None:
        missing = [r for r in revisions if r not in self.nodes]
        if missing:
            message = (
                f"{where} names {', '.join(missing)}, which no version file in the work tree "
                "defines (is the heads file stale? `revlib heads-file update` on each side)"
            )
            raise RebaseRefused(UNKNOWN_REVISION, message)

    def ancestors(self, heads: Iterable[str]) -> set[str]:
        """``heads`` and everything below them, through ``down_revision``."""
        seen: set[str] = set()
        pending = list(heads)
        while pending:
            revision = pending.pop()
            if revision not in seen:
                seen.add(revision)
                pending.extend(self.nodes[revision].parents)
        return seen

    def descendants(self, revisions: set[str]) -> set[str]:
        """``revisions`` and everything above them: what sits on a revision moves with it."""
        found = set(revisions)
        children: dict[str, list[str]] = {}
        for node in self.nodes.values():
            for parent in node.parents:
                children.setdefault(parent, []).append(node.revision)
        pending = list(found)
        while pending:
            for child in children.get(pending.pop(), ()):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return found

    def heads(self) -> list[str]:
        parents = {p for node in self.nodes.values() for p in node.parents}
        return [r for r in self.nodes if r not in parents]


def _added(graph: _Graph, sides: Sides) -> set[str]:
    """The revisions the moving side adds (refused if the common ancestor has one)."""
    below = sides.target if sides.target is not None else sides.base or ()
    ours = graph.ancestors(sides.moving) - graph.ancestors(below)
    if sides.base is not None:
        shared = sorted(ours & graph.ancestors(sides.base))
        if shared:
            paths = ", ".join(graph.nodes[r].path for r in shared)
            message = (
                f"{', '.join(shared)} ({paths}) is already in the common ancestor of "
                f"{sides.moving_name} and {sides.target_name}: it may already have run on a "
                "database, so it must not change; write a merge revision instead (revlib merge)"
            )
            raise RebaseRefused(ALREADY_IN_BASE, message)
    return graph.descendants(ours)


def _move_of(node: Node, rest: _Graph, sides: Sides, onto: str | None) -> list[Move]:
    """The move of one bottom revision (none when it already sits on a head or is a base)."""
    if not node.parents:
        return []  # a new base: it continues nothing, so there is nothing to move it onto
    if len(node.parents) > 1:
        message = (
            f"{node.path}: the bottom migration {node.revision} of {sides.moving_name} is a "
            f"merge (of {', '.join(node.parents)}); a merge cannot be re-parented without "
            "guessing: delete it and run `revlib merge` once the rebase is done"
        )
        raise RebaseRefused(MERGE_AT_BOTTOM, message)
    if node.labels:
        return []  # it starts a branch of its own: its place is by design
    (parent,) = node.parents
    target = onto if onto is not None else _target_head(node, parent, rest, sides)
    if target == parent:
        return []
    above = [h for h in rest.heads() if target in rest.ancestors((h,)) and h != target]
    if above:
        message = (
            f"--onto {target} is not a head ({', '.join(above)} above it): moving "
            f"{node.revision} onto it would leave several heads"
        )
        raise RebaseRefused(BAD_ONTO, message)
    if parent not in rest.ancestors((target,)):
        message = (
            f"--onto {target} does not descend from {parent}, the revision "
            f"{node.revision} ({node.path}) was written on; its changes could run without it"
        )
        raise RebaseRefused(BAD_ONTO, message)
    return [Move(node.revision, node.path, node.parents, (target,))]


def _target_head(node: Node, parent: str, rest: _Graph, sides: Sides) -> str:
    candidates = [h for h in rest.heads() if parent in rest.ancestors((h,))]
    if len(candidates) == 1:
        return candidates[0]
    message = (
        f"{node.revision} ({node.path}) revises {parent}, which has several heads above it "
        f"on {sides.target_name} ({', '.join(candidates)}); merge them first "
        f"(`revlib merge {' '.join(candidates)}`) or choose one with --onto"
    )
    raise RebaseRefused(AMBIGUOUS_TARGET, message)


def _check_labels(nodes: Sequence[Node], after: Sequence[Node], moves: Sequence[Move]) -> None:
    """Refuse moves that change any revision's branch labels (Alembic pushes labels down to
    ancestors until a branch point, so a fork that disappears can relabel the other side)."""
    before_labels, after_labels = _labels(nodes), _labels(after)
    for node in nodes:
        before = before_labels.get(node.revision, frozenset())
        now = after_labels.get(node.revision, frozenset())
        if before != now:
            moved = ", ".join(f"{m.revision} onto {', '.join(m.new_parents)}" for m in moves)
            message = (
                f"moving {moved} would change the branch labels of {node.revision} "
                f"({node.path}) from {_show(before)} to {_show(now)}; re-parent it by hand"
            )
            raise RebaseRefused(LABEL_CHANGE, message)


def _apply(nodes: Sequence[Node], moves: Sequence[Move]) -> list[Node]:
    new_parents = {move.revision: move.new_parents for move in moves}
    return [
        replace(n, parents=new_parents[n.revision]) if n.revision in new_parents else n
        for n in nodes
    ]


def head_entries(nodes: Sequence[Node]) -> tuple[HeadEntry, ...]:
    """The heads of the graph, each with its branch labels as Alembic works them out."""
    labels = _labels(nodes)
    return tuple(sorted(HeadEntry.of(head, labels.get(head, ())) for head in _heads(nodes)))


def union(ours: Sequence[Node], theirs: Sequence[Node], theirs_name: str) -> list[Node]:
    """Our nodes plus those of ``theirs`` we lack; a revision both have with different
    parents is refused: ``theirs`` already has it as it is, and it may have run there."""
    index = {node.revision: node for node in ours}
    extra = []
    for node in theirs:
        mine = index.get(node.revision)
        if mine is None:
            extra.append(node)
        elif mine.parents != node.parents:
            message = (
                f"{node.revision} is already in {theirs_name} ({node.path}, revising "
                f"{_show_parents(node.parents)}), but {mine.path} here revises "
                f"{_show_parents(mine.parents)}: it may already have run there, so it must "
                f"not move; take {theirs_name}'s version of the file"
            )
            raise RebaseRefused(ALREADY_IN_BASE, message)
    return [*ours, *extra]


def _result_heads(
    nodes: Sequence[Node], ours: Collection[str], sides: Sides
) -> tuple[HeadEntry, ...]:
    """The heads after the moves, refused when a branch (label set) still has several."""
    from revlib.heads_file import several_heads

    entries = head_entries(nodes)
    for heads in several_heads(entries):
        mine = [h for h in heads if h in ours]
        message = (
            f"the result would still have several heads ({', '.join(heads)}): "
            f"{sides.moving_name} adds {len(mine) or 'no'} separate chain(s) that moving "
            "the bottom migration cannot join; join them with "
            f"`revlib merge {' '.join(heads)}` instead"
        )
        raise RebaseRefused(SEVERAL_HEADS, message)
    return entries


def _heads(nodes: Sequence[Node]) -> tuple[str, ...]:
    parents = {p for node in nodes for p in node.parents}
    return tuple(n.revision for n in nodes if n.revision not in parents)


def _labels(nodes: Sequence[Node]) -> dict[str, frozenset[str]]:
    """Each revision's branch labels as Alembic works them out (inherited ones included)."""
    from revlib.script.revision import Revision, RevisionError, RevisionMap

    def revisions() -> list[Revision]:
        return [Revision(n.revision, n.parents, branch_labels=n.labels) for n in nodes]

    revision_map = RevisionMap(revisions)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = {n.revision: revision_map.get_revision(n.revision) for n in nodes}
    except (RevisionError, KeyError) as error:
        raise RebaseRefused(BROKEN_GRAPH, f"the revision graph is broken: {error}") from None
    return {r: frozenset(rev.branch_labels) for r, rev in found.items() if rev is not None}


def _show_parents(parents: tuple[str, ...]) -> str:
    return ", ".join(parents) if parents else "nothing (a base)"


def _show(labels: Collection[str]) -> str:
    return "{" + ", ".join(sorted(labels)) + "}" if labels else "none"
