"""The structural checks of :mod:`revlib.lint`, done on the nodes themselves.

Alembic stops at the first broken link (a KeyError, a RevisionError); these checks find every
duplicate id, clashing branch label, missing parent or dependency and cycle, then mark each
broken revision and everything above it as *tainted*, so that a RevisionMap can be built on the
rest without raising.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

from revlib import findings
from revlib._lint_read import Node
from revlib.findings import Finding
from revlib.util.graphs import acyclic

__all__ = ["Graph", "check_graph"]

_Edges = Callable[[str], list[str]]


class Graph(NamedTuple):
    """The revisions of a script directory, one node per id (the file loaded last wins, as in
    Alembic), with the facts every later check needs."""

    by_id: Mapping[str, Node]
    labels: Mapping[str, str]
    """Each declared branch label -> the revision that declared it first."""
    tainted: frozenset[str]
    """Revisions with a structural problem, and every revision above one."""
    heads: tuple[str, ...]
    """Revisions no ``down_revision`` names, in load order (Alembic's ``heads``)."""
    heads_known: bool
    """False when a link is missing (an unreadable ``down_revision``, or one naming a
    revision that is not there): which revisions end up as heads is then a guess."""
    any_labels: bool = False
    """Whether any revision declares a branch label (if none does, none has one to inherit)."""

    def children(self, revision: str) -> list[str]:
        """Revisions whose ``down_revision`` names ``revision``, in load order."""
        return [n.revision for n in self.by_id.values() if revision in (n.parents or ())]

    def resolve(self, name: str) -> str | None:
        """A ``depends_on`` entry as a revision id: an exact id, or a declared branch label."""
        if name in self.by_id:
            return name
        return self.labels.get(name)


def check_graph(nodes: Sequence[Node]) -> tuple[Graph, list[Finding]]:
    """The graph of ``nodes`` (in load order) and its structural findings."""
    problems = _duplicates(nodes)
    by_id = {node.revision: node for node in nodes}
    labels, label_problems = _labels(nodes, by_id)
    problems += label_problems
    problems += _missing_parents(nodes, by_id, labels)
    problems += _missing_dependencies(nodes, by_id, labels)
    problems += _cycles(by_id, labels)
    problems += _shadowed_self_loops(nodes, by_id)
    broken = {r for f in problems for r in f.revisions if f.code != findings.DUPLICATE_REVISION}
    broken |= {node.revision for node in by_id.values() if not node.complete}
    referenced = {parent for node in by_id.values() for parent in node.parents or ()}
    graph = Graph(
        by_id=by_id,
        labels=labels,
        tainted=frozenset(_with_descendants(broken, by_id, labels)),
        heads=tuple(r for r in by_id if r not in referenced),
        heads_known=all(node.parents is not None for node in by_id.values())
        and not any(f.code == findings.MISSING_DOWN_REVISION for f in problems),
        any_labels=any(node.branch_labels for node in nodes),
    )
    return graph, problems


def _duplicates(nodes: Sequence[Node]) -> list[Finding]:
    first: dict[str, Node] = {}
    problems = []
    for node in nodes:
        earlier = first.setdefault(node.revision, node)
        if earlier is node:
            continue
        problems.append(
            Finding(
                findings.DUPLICATE_REVISION,
                "error",
                node.path,
                node.line("revision"),
                f"revision {node.revision} is also declared in {earlier.path}; Alembic keeps "
                "only one of them (the file it loads last)",
                "give one of the files a new revision id, and point the down_revision that "
                "meant it at the new id",
                (node.revision,),
            )
        )
    return problems


def _labels(
    nodes: Sequence[Node], by_id: Mapping[str, Node]
) -> tuple[dict[str, str], list[Finding]]:
    labels: dict[str, str] = {}
    problems = []
    for node in nodes:
        for label in node.branch_labels:
            owner = label if label in by_id else labels.get(label)
            if owner is None:
                labels[label] = node.revision
                continue
            what = "the id of revision" if owner == label else "already declared by revision"
            problems.append(
                Finding(
                    findings.DUPLICATE_BRANCH_LABEL,
                    "error",
                    node.path,
                    node.line("branch_labels"),
                    f"branch label '{label}' is {what} {owner} ({by_id[owner].path}); "
                    "Alembic refuses to load the history",
                    "choose a branch label that no other revision uses as a label or an id",
                    (node.revision,),
                )
            )
    return labels, problems


def _missing_parents(
    nodes: Sequence[Node], by_id: Mapping[str, Node], labels: Mapping[str, str]
) -> list[Finding]:
    """Every file's, the earlier copies of a duplicated id included (Alembic links those too)."""
    problems = []
    for node in nodes:
        for parent in node.parents or ():
            if parent in by_id:
                continue
            message, hint = _explain_unknown(parent, by_id, labels, "down_revision")
            problems.append(
                Finding(
                    findings.MISSING_DOWN_REVISION,
                    "error",
                    node.path,
                    node.line("down_revision"),
                    message,
                    hint,
                    (node.revision, parent),
                )
            )
    return problems


def _missing_dependencies(
    nodes: Sequence[Node], by_id: Mapping[str, Node], labels: Mapping[str, str]
) -> list[Finding]:
    problems = []
    for node in nodes:
        for dependency in node.dependencies:
            if dependency in by_id or dependency in labels:
                continue
            message, hint = _explain_unknown(dependency, by_id, labels, "depends_on")
            problems.append(
                Finding(
                    findings.MISSING_DEPENDENCY,
                    "error",
                    node.path,
                    node.line("depends_on"),
                    message,
                    hint,
                    (node.revision, dependency),
                )
            )
    return problems


def _explain_unknown(
    name: str, by_id: Mapping[str, Node], labels: Mapping[str, str], variable: str
) -> tuple[str, str]:
    """Why ``name`` does not resolve, and what to write instead."""
    if variable == "down_revision" and name in labels:
        owner = by_id[labels[name]]
        return (
            f"down_revision names '{name}', which is a branch label, not a revision id",
            f"down_revision takes revision ids only: name the revision to follow (the label "
            f"is declared by {owner.revision} in {owner.path})",
        )
    matches = [r for r in by_id if len(name) >= 1 and r.startswith(name)]
    if len(matches) == 1:
        return (
            f"{variable} names {name}, which is only the start of revision {matches[0]}",
            f"Alembic needs the full id here: write '{matches[0]}'",
        )
    what = "revision" if variable == "down_revision" else "revision or branch label"
    return (
        f"{variable} names {name}, but no version file declares that {what}",
        "restore the file that declares it (deleted, or moved out of the version locations?), "
        f"or point {variable} at a revision that exists",
    )


def _cycles(by_id: Mapping[str, Node], labels: Mapping[str, str]) -> list[Finding]:
    if _acyclic(by_id, labels):  # the common case, found faster than by Tarjan's search
        return []

    def edges(revision: str) -> list[str]:
        node = by_id[revision]
        targets = [*(node.parents or ()), *(labels.get(d, d) for d in node.dependencies)]
        return [t for t in dict.fromkeys(targets) if t in by_id]

    problems = []
    for component in _strongly_connected(list(by_id), edges):
        start = component[0]
        if len(component) == 1 and start not in edges(start):
            continue
        problems.append(_cycle_finding(by_id[start], component, edges, by_id))
    return problems


def _acyclic(by_id: Mapping[str, Node], labels: Mapping[str, str]) -> bool:
    """Whether no revision reaches itself through ``down_revision`` and ``depends_on``."""
    return acyclic(
        {
            revision: [*(node.parents or ()), *(labels.get(d, d) for d in node.dependencies)]
            for revision, node in by_id.items()
        }
    )


def _shadowed_self_loops(nodes: Sequence[Node], by_id: Mapping[str, Node]) -> list[Finding]:
    """Self-loops in the earlier copies of a duplicated id (the graph holds only the last)."""
    problems = []
    for node in nodes:
        if by_id[node.revision] is node:
            continue
        for variable, names in (
            ("down_revision", node.parents),
            ("depends_on", node.dependencies),
        ):
            if node.revision in (names or ()):
                problems.append(_self_loop(node, variable))
    return problems


def _self_loop(node: Node, variable: str) -> Finding:
    return Finding(
        findings.CYCLE,
        "error",
        node.path,
        node.line(variable),
        f"revision {node.revision} names itself in {variable}",
        _CYCLE_HINT,
        (node.revision,),
    )


_CYCLE_HINT = (
    "a revision must come after the ones it names: fix the down_revision (or depends_on) "
    "that points back up the history"
)


def _cycle_finding(
    start: Node, component: list[str], edges: _Edges, by_id: Mapping[str, Node]
) -> Finding:
    chain = _cycle_path(start.revision, set(component), edges)
    through_dependencies = any(
        later not in (by_id[earlier].parents or ()) for earlier, later in itertools.pairwise(chain)
    )
    if len(chain) == 2:
        return _self_loop(start, "depends_on" if through_dependencies else "down_revision")
    links = "down_revision and depends_on" if through_dependencies else "down_revision"
    others = sorted({by_id[r].path for r in component} - {start.path})
    message = f"revisions form a cycle through {links}: {' -> '.join(chain)}" + (
        f" (also in {', '.join(others)})" if others else ""
    )
    return Finding(
        findings.CYCLE,
        "error",
        start.path,
        start.line("down_revision"),
        message,
        _CYCLE_HINT,
        tuple(component),
    )


def _cycle_path(start: str, members: set[str], edges: _Edges) -> list[str]:
    """The shortest walk ``start -> ... -> start`` inside one strongly connected component."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for revision in frontier:
            for target in edges(revision):
                if target == start:
                    walk = [revision]
                    while walk[-1] != start:
                        walk.append(previous[walk[-1]])
                    return [*reversed(walk), start]
                if target in members and target not in previous:
                    previous[target] = revision
                    following.append(target)
        frontier = following
    return [start, start]


def _strongly_connected(vertices: list[str], edges: _Edges) -> Iterator[list[str]]:
    """Tarjan's algorithm, iterative (histories can be thousands of revisions deep); each
    component is yielded in load order."""
    order = {v: i for i, v in enumerate(vertices)}
    search = _Tarjan(edges)
    for root in vertices:
        if root not in search.index:
            for component in search.run(root):
                yield sorted(component, key=order.__getitem__)


class _Tarjan:
    """The state of one depth-first search for strongly connected components."""

    def __init__(self, edges: _Edges) -> None:
        self.edges = edges
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()

    def _enter(self, vertex: str) -> tuple[str, Iterator[str]]:
        self.index[vertex] = self.low[vertex] = len(self.index)
        self.stack.append(vertex)
        self.on_stack.add(vertex)
        return vertex, iter(self.edges(vertex))

    def run(self, root: str) -> Iterator[list[str]]:
        work = [self._enter(root)]
        while work:
            vertex, targets = work[-1]
            target = next((t for t in targets if self._unvisited_or_lower(vertex, t)), None)
            if target is not None:
                work.append(self._enter(target))
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                self.low[parent] = min(self.low[parent], self.low[vertex])
            if self.low[vertex] == self.index[vertex]:
                yield self._pop_component(vertex)

    def _unvisited_or_lower(self, vertex: str, target: str) -> bool:
        """True for a target to descend into; a target on the stack lowers ``vertex``'s link."""
        if target not in self.index:
            return True
        if target in self.on_stack:
            self.low[vertex] = min(self.low[vertex], self.index[target])
        return False

    def _pop_component(self, vertex: str) -> list[str]:
        component = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            component.append(member)
            if member == vertex:
                return component


def _with_descendants(
    roots: Iterable[str], by_id: Mapping[str, Node], labels: Mapping[str, str]
) -> set[str]:
    """``roots`` and every revision that names one of them, directly or not."""
    seen = set(roots)
    if not seen:
        return seen
    above: dict[str, list[str]] = {}
    for node in by_id.values():
        for target in (*(node.parents or ()), *(labels.get(d, d) for d in node.dependencies)):
            above.setdefault(target, []).append(node.revision)
    pending = list(seen)
    while pending:
        for child in above.get(pending.pop(), ()):
            if child not in seen:
                seen.add(child)
                pending.append(child)
    return seen
