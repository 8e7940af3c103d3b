"""Graph walks over a built revision map: related revisions and the topological order.

These orders are observable (``iterate_revisions`` yields them, and branch-label inheritance
depends on which descendant a walk reaches last), so they follow Alembic's depth-first and
tie-breaking rules exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

from revlib.script._rev_errors import RevisionError
from revlib.script._rev_node import Revision, is_revision

RevisionLookup = Mapping[Any, "Revision | None"]
Edges = Callable[[Revision], Iterable[str]]


def iterate_related(
    edges: Edges,
    targets: Collection[Any],
    lookup: RevisionLookup,
    check: bool = False,
) -> Iterator[Revision]:
    """Depth-first walk from each target along ``edges``, yielding every revision once.

    With ``check``, a target reachable from another target is an error, because a request such
    as ``upgrade a b`` must not name a revision and its ancestor together.
    """
    seen: set[Revision] = set()
    for target_item in targets:
        target = is_revision(target_item)
        reached: set[Revision] = set()
        stack = [target]
        while stack:
            rev = stack.pop()
            reached.add(rev)
            if rev in seen:
                continue
            seen.add(rev)
            for rev_id in edges(rev):
                next_rev = lookup[rev_id]
                assert next_rev is not None
                if next_rev.revision != rev_id:
                    raise RevisionError("Dependency resolution failed; broken map")
                stack.append(next_rev)
            yield rev
        if check:
            _check_overlaps(target, reached, targets)


def _check_overlaps(target: Revision, reached: set[Revision], targets: Collection[Any]) -> None:
    overlaps = reached.intersection(targets).difference([target])
    if overlaps:
        raise RevisionError(
            f"Requested revision {target.revision} overlaps with other requested "
            f"revisions {', '.join(r.revision for r in overlaps)}"
        )


def versioned_parents(rev: Revision) -> Iterable[str]:
    return rev._versioned_down_revisions


def normalized_parents(rev: Revision) -> Iterable[str]:
    return rev._normalized_down_revisions


def all_parents(rev: Revision) -> Iterable[str]:
    return rev._all_down_revisions


def versioned_children(rev: Revision) -> Iterable[str]:
    return rev.nextrev


def all_children(rev: Revision) -> Iterable[str]:
    return rev._all_nextrev


def ancestors(
    targets: Collection[Any],
    lookup: RevisionLookup,
    include_dependencies: bool = True,
    check: bool = False,
) -> Iterator[Revision]:
    """The targets and everything below them (parents, and dependencies unless excluded)."""
    edges = normalized_parents if include_dependencies else versioned_parents
    return iterate_related(edges, targets, lookup, check=check)


def descendants(
    targets: Collection[Any],
    lookup: RevisionLookup,
    include_dependencies: bool = True,
    omit_immediate_dependencies: bool = False,
    check: bool = False,
) -> Iterator[Revision]:
    """The targets and everything above them (children, and dependents unless excluded)."""
    edges: Edges
    if omit_immediate_dependencies:

        def edges(rev: Revision) -> Iterable[str]:
            return rev.nextrev if rev in targets else rev._all_nextrev

    elif include_dependencies:
        edges = all_children
    else:
        edges = versioned_children
    return iterate_related(edges, targets, lookup, check=check)


class _PendingHeads:
    """The heads still to walk down in :func:`topological_sort`, each with its ancestor set."""

    def __init__(self, lookup: RevisionLookup, heads: list[str]) -> None:
        self.lookup = lookup
        self.heads = heads
        self.ancestor_sets = [self.ancestors_of(head) for head in heads]

    def ancestors_of(self, rev_id: str) -> set[str]:
        return {r.revision for r in ancestors([self.lookup[rev_id]], self.lookup)}

    def blocking_index(self, index: int) -> int | None:
        """Another pending head that still needs the candidate at ``index`` below it."""
        candidate = self.heads[index]
        for other, ancestor_ids in enumerate(self.ancestor_sets):
            if other != index and candidate in ancestor_ids:
                return other
        return None

    def remove(self, index: int) -> None:
        del self.heads[index]
        del self.ancestor_sets[index]

    def step_down(self, index: int, rev: Revision, parents: list[str]) -> None:
        """Replace the head at ``index`` by its parents still to be emitted."""
        self.heads[index] = parents[0]
        if not rev._normalized_resolved_dependencies and len(rev._versioned_down_revisions) == 1:
            # a plain step down a line: the ancestor set only loses the emitted revision
            self.ancestor_sets[index].discard(rev.revision)
            return
        self.heads.extend(parents[1:])
        self.ancestor_sets[index] = self.ancestors_of(parents[0])
        self.ancestor_sets.extend(self.ancestors_of(head) for head in parents[1:])


def topological_sort(
    lookup: RevisionLookup,
    load_order: Mapping[Any, int],
    revisions: Collection[Revision],
    heads: Iterable[Any],
) -> list[str]:
    """Revision ids, each before its parents and dependencies, ties broken by load order.

    A candidate head is emitted unless another pending head has it as an ancestor, in which case
    that head is walked first. The loop is bounded: a graph without cycles (which the map
    guarantees) finishes well within the bound, and a bug can never hang a commit hook.
    """
    todo = {rev.revision for rev in revisions}
    start = sorted({h.revision for h in heads if h.revision in todo}, key=load_order.__getitem__)
    pending = _PendingHeads(lookup, start)
    output: list[str] = []
    index = 0
    budget = 4 * (len(todo) + 1) ** 2 + 16
    while pending.heads:
        budget -= 1
        if budget < 0:
            raise RevisionError("Revision graph walk did not terminate; is there a cycle?")
        blocker = pending.blocking_index(index)
        if blocker is not None:
            index = blocker
            continue
        candidate = pending.heads[index]
        if candidate in todo:
            output.append(candidate)
            todo.remove(candidate)
        rev = lookup[candidate]
        assert rev is not None
        parents = [
            r for r in rev._normalized_down_revisions if r in todo and r not in pending.heads
        ]
        if parents:
            pending.step_down(index, rev, parents)
        else:
            pending.remove(index)
            index = max(index - 1, 0)
    assert not todo
    return output
