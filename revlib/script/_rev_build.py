"""Building the revision graph: ids, branch labels, parent/child links, heads, bases, cycles.

Alembic's observable results (which revisions are heads, in which order, which warning or error
comes first, which revisions inherit a branch label) depend on the order of these steps, so the
steps run in Alembic's order. Where Alembic misses a cycle, :func:`_check_strongly_connected`
finds it, so that no later walk can loop forever.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from revlib.script import _rev_graph as graph
from revlib.script._rev_errors import CycleDetected, DependencyCycleDetected, RevisionError
from revlib.script._rev_node import Revision, as_tuple

Lookup = dict[Any, "Revision | None"]


@dataclass
class MapState:
    """A built revision map. ``lookup`` holds ids, branch labels, ``None`` and ``()``."""

    lookup: Lookup
    load_order: dict[Any, int]
    heads: tuple[str, ...]
    real_heads: tuple[str, ...]
    bases: tuple[str, ...]
    real_bases: tuple[str, ...]


class _OrderedSet:
    """Insertion-ordered set of revisions (objects, so duplicate ids stay distinct)."""

    def __init__(self) -> None:
        self._items: dict[Revision, None] = {}

    def add(self, rev: Revision) -> None:
        self._items[rev] = None

    def discard(self, rev: Revision) -> None:
        self._items.pop(rev, None)

    def __iter__(self) -> Iterator[Revision]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


def warn(message: str) -> None:
    """Emit a warning the way Alembic does (a plain UserWarning)."""
    warnings.warn(message, UserWarning, stacklevel=3)


def build_map(revisions: Iterable[Revision]) -> MapState:
    """Build the graph from revisions in load order (see the module docstring).

    The cyclic garbage collector is paused meanwhile: building allocates tens of thousands of
    objects that all stay alive, and collecting would only scan them again and again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_map(revisions)
    finally:
        if enabled:
            gc.enable()


def _build_map(revisions: Iterable[Revision]) -> MapState:
    by_id: dict[str, Revision] = {}
    loaded: list[Revision] = []
    heads, real_heads = _OrderedSet(), _OrderedSet()
    bases: list[Revision] = []
    real_bases: list[Revision] = []
    for rev in revisions:
        loaded.append(rev)
        if rev.revision in by_id:
            warn(f"Revision {rev.revision} is present more than once")
        by_id[rev.revision] = rev
        heads.add(rev)
        real_heads.add(rev)
        if rev.is_base:
            bases.append(rev)
        if rev._is_real_base:
            real_bases.append(rev)
    labelled = [rev for rev in _unique(loaded) if rev.branch_labels]
    lookup: Lookup = dict(by_id)
    map_branch_labels(labelled, lookup)
    resolve_dependencies(_unique(loaded), lookup)
    _link_children(lookup, heads, real_heads)
    normalize_dependencies(_unique(loaded), lookup)
    with_dependencies = any(rev.dependencies is not None for rev in loaded)
    _detect_cycles(
        dict(by_id), heads, tuple(bases), real_heads, tuple(real_bases), with_dependencies
    )
    lookup[None] = lookup[()] = None
    state = MapState(
        lookup=lookup,
        load_order={key: index for index, key in enumerate(lookup)},
        heads=tuple(rev.revision for rev in heads),
        real_heads=tuple(rev.revision for rev in real_heads),
        bases=tuple(rev.revision for rev in bases),
        real_bases=tuple(rev.revision for rev in real_bases),
    )
    add_branches(labelled, lookup)
    return state


def _unique(revisions: list[Revision]) -> list[Revision]:
    return list(dict.fromkeys(revisions))


def _link_children(lookup: Lookup, heads: _OrderedSet, real_heads: _OrderedSet) -> None:
    """Give every parent its children; a revision with a child is no longer a head."""
    for rev in list(lookup.values()):
        assert rev is not None
        for down_id in rev._all_down_revisions:
            if down_id not in lookup:
                warn(f"Revision {down_id} referenced from {rev} is not present")
            parent = lookup[down_id]
            assert parent is not None
            parent.add_nextrev(rev)
            if down_id in rev._versioned_down_revisions:
                heads.discard(parent)
            real_heads.discard(parent)


def map_branch_labels(revisions: Iterable[Revision], lookup: Lookup) -> None:
    """Register each declared branch label as a name of its revision."""
    for rev in revisions:
        if not rev.branch_labels:
            continue
        for label in rev._orig_branch_labels:
            if label in lookup:
                owner = lookup[label]
                assert owner is not None
                raise RevisionError(
                    f"Branch name '{label}' in revision {rev.revision} already used by "
                    f"revision {owner.revision}"
                )
            lookup[label] = rev


def resolve_dependencies(revisions: Iterable[Revision], lookup: Mapping[Any, Any]) -> None:
    """Turn ``depends_on`` entries (ids or branch labels, exact) into revision ids."""
    for rev in revisions:
        if rev.dependencies:
            found = [lookup[dep] for dep in as_tuple(rev.dependencies)]
            rev._resolved_dependencies = tuple(d.revision for d in found if d is not None)
        else:
            rev._resolved_dependencies = ()


def normalize_dependencies(revisions: Iterable[Revision], lookup: Lookup) -> None:
    """Drop each dependency that a ``down_revision`` ancestor already declared.

    Only a dependency declared by more than one revision can be dropped, so only those cost a
    walk down the ancestors, and the walk stops once each of them is found: the whole step
    stays close to linear in the size of the history.
    """
    revisions = list(revisions)
    declarers: dict[str, int] = {}
    for rev in revisions:
        for dep in rev._resolved_dependencies:
            declarers[dep] = declarers.get(dep, 0) + 1
    for rev in revisions:
        if not rev._resolved_dependencies:
            rev._normalized_resolved_dependencies = ()
            continue
        remaining = set(rev._resolved_dependencies)
        contested = {dep for dep in remaining if declarers[dep] > 1}
        if contested:
            remaining.difference_update(_declared_below(rev, contested, lookup))
        rev._normalized_resolved_dependencies = tuple(remaining)


def _declared_below(rev: Revision, wanted: set[str], lookup: Lookup) -> set[str]:
    """Which of ``wanted`` some strict ``down_revision`` ancestor of ``rev`` also declares."""
    found: set[str] = set()
    for ancestor in graph.ancestors([rev], lookup, include_dependencies=False):
        if ancestor is not rev and ancestor._resolved_dependencies:
            found.update(wanted.intersection(ancestor._resolved_dependencies))
            if found == wanted:
                break
    return found


def add_branches(revisions: Iterable[Revision], lookup: Lookup) -> None:
    """Spread each branch label up to the descendants and down the undivided line below.

    Labels go to every ``down_revision`` descendant; then, from the last descendant the walk
    reached, down the chain until a branch point (counting dependents) or a merge point.
    """
    for rev in revisions:
        if not rev.branch_labels:
            continue
        labels = rev.branch_labels
        node = rev
        for node in graph.descendants([rev], lookup, include_dependencies=False):
            node.branch_labels.update(labels)
        parent: Revision | None = node
        while parent and not parent._is_real_branch_point and not parent.is_merge_point:
            parent.branch_labels.update(labels)
            if not parent.down_revision:
                break
            parent = lookup[parent.down_revision]


def _detect_cycles(
    by_id: dict[str, Revision],
    heads: _OrderedSet,
    bases: tuple[Revision, ...],
    real_heads: _OrderedSet,
    real_bases: tuple[Revision, ...],
    with_dependencies: bool = True,
) -> None:
    """Alembic's reachability test for cycles, then a strongly-connected-component check.

    Without any ``depends_on``, the dependency graph is the ``down_revision`` graph (same
    edges, heads and bases), so its checks could only repeat the first ones and are skipped.
    """
    if not by_id:
        return
    _check_reachable(
        by_id, heads, bases, graph.versioned_parents, graph.versioned_children, CycleDetected
    )
    if with_dependencies:
        _check_reachable(
            by_id,
            real_heads,
            real_bases,
            graph.all_parents,
            graph.all_children,
            DependencyCycleDetected,
        )
    _check_strongly_connected(by_id, graph.versioned_parents, CycleDetected)
    if with_dependencies:
        _check_strongly_connected(by_id, graph.all_parents, DependencyCycleDetected)


def _check_reachable(
    by_id: dict[str, Revision],
    heads: Iterable[Revision],
    bases: tuple[Revision, ...],
    down: graph.Edges,
    up: graph.Edges,
    error: type[CycleDetected],
) -> None:
    """Every revision must be reachable down from a head and up from a base."""
    head_list = list(heads)
    if not head_list or not bases:
        raise error(list(by_id))
    below_heads = _reachable_ids(down, head_list, by_id)
    above_bases = _reachable_ids(up, bases, by_id)
    unreachable = set(by_id) - (below_heads & above_bases)
    if unreachable:
        raise error(sorted(unreachable))


def _reachable_ids(
    edges: graph.Edges, starts: Iterable[Revision], by_id: dict[str, Revision]
) -> set[str]:
    """The ids :func:`graph.iterate_related` would yield, in the same walk (so the same
    error comes first), without a generator step per revision."""
    seen: set[Revision] = set()
    for start in starts:
        stack = [start]
        while stack:
            rev = stack.pop()
            if rev in seen:
                continue
            seen.add(rev)
            for rev_id in edges(rev):
                next_rev = by_id[rev_id]
                if next_rev.revision != rev_id:
                    raise RevisionError("Dependency resolution failed; broken map")
                stack.append(next_rev)
    return {rev.revision for rev in seen}


def _check_strongly_connected(
    by_id: dict[str, Revision], edges: graph.Edges, error: type[CycleDetected]
) -> None:
    """Raise ``error`` naming the revisions of every cycle (Tarjan's algorithm, iterative).

    Alembic misses a cycle whose members are all reachable from a head and from a base; its
    walks then never end. Only ids present in the map are followed here.
    """
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    in_cycles: list[str] = []
    for root in by_id:
        if root in index_of:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(_present(edges, root, by_id)))]
        index_of[root] = low[root] = len(index_of)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index_of[node]:
                    component = _pop_component(stack, on_stack, node)
                    if len(component) > 1:
                        in_cycles.extend(component)
            elif child not in index_of:
                index_of[child] = low[child] = len(index_of)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(_present(edges, child, by_id))))
            elif child in on_stack:
                low[node] = min(low[node], index_of[child])
    if in_cycles:
        raise error(sorted(in_cycles))


def _present(edges: graph.Edges, rev_id: str, by_id: dict[str, Revision]) -> list[str]:
    return [other for other in edges(by_id[rev_id]) if other in by_id]


def _pop_component(stack: list[str], on_stack: set[str], node: str) -> list[str]:
    component: list[str] = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        component.append(member)
        if member == node:
            return component
