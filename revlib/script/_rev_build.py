"""Building the revision graph: ids, branch labels, parent/child links, heads, bases, cycles.

Alembic's observable results (which revisions are heads, in which order, which warning or error
comes first, which revisions inherit a branch label) depend on the order of these steps, so the
steps run in Alembic's order. Where Alembic misses a cycle, :func:`_check_strongly_connected`
finds it, so that no later walk can loop forever.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any

from revlib.script import _rev_graph as graph
from revlib.script._rev_errors import CycleDetected, DependencyCycleDetected, RevisionError
from revlib.script._rev_node import Revision, as_tuple
from revlib.util.graphs import acyclic

Lookup = dict[Any, "Revision | None"]


class MapState:
    """A built revision map. ``lookup`` holds ids, branch labels, ``None`` and ``()``.

    A plain class, not a dataclass: generating a dataclass's methods costs more at import
    than building a small map does.
    """

    __slots__ = ("bases", "heads", "load_order", "lookup", "real_bases", "real_heads")

    def __init__(
        self,
        lookup: Lookup,
        load_order: dict[Any, int],
        heads: tuple[str, ...],
        real_heads: tuple[str, ...],
        bases: tuple[str, ...],
        real_bases: tuple[str, ...],
    ) -> None:
        self.lookup = lookup
        self.load_order = load_order
        self.heads = heads
        self.real_heads = real_heads
        self.bases = bases
        self.real_bases = real_bases


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
        dict(by_id),
        heads,
        tuple(bases),
        real_heads,
        tuple(real_bases),
        with_dependencies,
        unique=len(by_id) == len(loaded),
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
    """Give every parent its children; a revision with a child is no longer a head.

    Children are gathered first and given once: a parent with a single child (most of them)
    gets a one-element set directly, which is what :meth:`Revision.add_nextrev` would leave;
    any other parent gets its children through ``add_nextrev`` in the same order, so the sets
    (and their iteration order) are the ones Alembic builds.
    """
    children: dict[Revision, list[Revision]] = {}
    head_items, real_head_items = heads._items, real_heads._items  # the sets' own dicts
    for rev in list(lookup.values()):
        assert rev is not None
        down = rev.down_revision
        if type(down) is str and not rev._resolved_dependencies:  # the common case
            versioned: tuple[str, ...] = (down,)
            all_down = versioned
        else:
            versioned, all_down = rev._versioned_down_revisions, rev._all_down_revisions
        for down_id in all_down:
            if down_id not in lookup:
                warn(f"Revision {down_id} referenced from {rev} is not present")
            parent = lookup[down_id]
            assert parent is not None
            kids = children.get(parent)
            if kids is None:
                children[parent] = [rev]
            else:
                kids.append(rev)
            if down_id in versioned:
                head_items.pop(parent, None)
            real_head_items.pop(parent, None)
    for parent, kids in children.items():
        only = kids[0]
        if len(kids) == 1 and not parent._all_nextrev and not parent.nextrev:
            parent._all_nextrev = frozenset((only.revision,))
            down = only.down_revision
            if (
                parent.revision == down
                if type(down) is str
                else parent.revision in only._versioned_down_revisions
            ):
                parent.nextrev = parent._all_nextrev
        else:
            for kid in kids:
                parent.add_nextrev(kid)


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
    """Which of ``wanted`` some strict ``down_revision`` ancestor of ``rev`` also declares.

    The walk of ``graph.ancestors(..., include_dependencies=False)``, written out: the same
    order, the same lookups and errors (a parent is looked up, and checked, when its child is
    reached), without a generator step and a property call per revision, since it may cover
    the whole history.
    """
    found: set[str] = set()
    seen: set[Revision] = set()
    stack = [rev]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        down = node.down_revision
        for down_id in (down,) if type(down) is str else as_tuple(down):
            parent = lookup[down_id]
            assert parent is not None
            if parent.revision != down_id:
                raise RevisionError("Dependency resolution failed; broken map")
            stack.append(parent)
        if node is not rev and node._resolved_dependencies:
            found.update(wanted.intersection(node._resolved_dependencies))
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
    *,
    unique: bool = False,
) -> None:
    """Alembic's reachability test for cycles, then a strongly-connected-component check.

    Both pass on a graph :func:`_plainly_acyclic` accepts whose ids are ``unique`` (no file
    was loaded twice), so they run only on the others, where they decide which error is raised
    and how. Without any ``depends_on``, the dependency graph is the ``down_revision`` graph
    (same edges, heads and bases), so its checks could only repeat the first ones and are
    skipped.
    """
    if not by_id:
        return
    if unique and _plainly_acyclic(
        by_id, (heads, bases), (real_heads, real_bases) if with_dependencies else None
    ):
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


def _plainly_acyclic(
    by_id: dict[str, Revision],
    ends: tuple[_OrderedSet, tuple[Revision, ...]],
    real_ends: tuple[_OrderedSet, tuple[Revision, ...]] | None,
) -> bool:
    """True for a graph on which the cycle checks below cannot fail, found in linear time.

    That is: in the ``down_revision`` graph (and, with ``real_ends``, the graph of
    ``down_revision`` and ``depends_on``), every edge names a revision id of the map (no
    branch label, nothing missing), every revision without parents is a base and every one
    without children a head (``ends``: heads and bases); and the larger graph has no cycle
    (then neither has the other). Then each revision lies on a path from a base to a head,
    which is all the reachability test asks, and no component is strongly connected. False
    means "not shown", not "cyclic": the full checks then decide.
    """
    found = _sound_ends(by_id, *ends)
    if found is None:
        return False
    edges = found[0]
    if real_ends is not None:
        edges = _with_dependencies(by_id, found, ends, real_ends)  # type: ignore[assignment]
    return edges is not None and acyclic(edges)


def _sound_ends(
    by_id: dict[str, Revision], heads: _OrderedSet, bases: tuple[Revision, ...]
) -> tuple[dict[str, Collection[str]], set[str]] | None:
    """The graph of ``down_revision`` edges, with the ids they name, if those stay among the
    map's ids and its sources and sinks are ``bases`` and ``heads``; else None."""
    edges: dict[str, Collection[str]] = {}
    named: set[str] = set()
    base_set, head_set = set(bases), set(heads)
    for rev_id, rev in by_id.items():
        targets = rev._versioned_down_revisions
        if rev.revision != rev_id or (not targets and rev not in base_set):
            return None
        for parent_id in targets:
            if parent_id not in by_id:
                return None
            named.add(parent_id)
        edges[rev_id] = targets
    for rev_id, rev in by_id.items():
        if rev_id not in named and rev not in head_set:
            return None
    return edges, named


def _with_dependencies(
    by_id: dict[str, Revision],
    versioned: tuple[dict[str, Collection[str]], set[str]],
    ends: tuple[_OrderedSet, tuple[Revision, ...]],
    real_ends: tuple[_OrderedSet, tuple[Revision, ...]],
) -> dict[str, Collection[str]] | None:
    """What :func:`_sound_ends` asks, of the graph of ``down_revision`` and ``depends_on``
    edges and its ends ``real_ends``, from the answer ``versioned`` for ``ends``.

    Only revisions with dependencies have other edges; a source of this graph is a source of
    the other (a base), and a sink a sink (a head), so only those need checking again.
    """
    edges, named = dict(versioned[0]), set(versioned[1])
    for rev_id, rev in by_id.items():
        if rev._resolved_dependencies:
            targets = rev._all_down_revisions
            for parent_id in targets:
                if parent_id not in by_id:
                    return None
                named.add(parent_id)
            edges[rev_id] = targets
    (heads, bases), (real_heads, real_bases) = ends, real_ends
    real_base_set, real_head_set = set(real_bases), set(real_heads)
    for rev in bases:
        if not edges[rev.revision] and rev not in real_base_set:
            return None
    for rev in heads:
        if rev.revision not in named and rev not in real_head_set:
            return None
    return edges


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
