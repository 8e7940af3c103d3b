"""Which revisions a picture of the graph shows, as plain data the renderers draw.

A :class:`GraphView` holds nodes newest first (every node before its parents). Nodes outside
the chosen part that are parents of a shown node come along as *boundary* nodes, drawn without
their own parents, so every edge of a shown node ends somewhere. The renderers never look at a
:class:`~revlib.script.revision.Revision`: they draw what is here.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from revlib.script._rev_node import Revision

__all__ = [
    "DEFAULT_LIMIT",
    "GraphView",
    "Node",
    "neighbourhood_view",
    "newest_view",
    "node_from_revision",
    "node_id",
    "one_line",
    "view_of",
]

DEFAULT_LIMIT = 40
"""How many revisions ``revlib graph`` shows without ``-r`` or ``--all``."""


@dataclass(frozen=True)
class Node:
    """One revision as drawn: its edges and the markers its picture carries.

    ``is_head`` and the other flags describe the whole graph, not the view: a head is a head
    even when the view leaves its siblings out.
    """

    revision: str
    parents: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    doc: str = ""
    is_head: bool = False
    is_base: bool = False
    is_branch_point: bool = False
    is_merge_point: bool = False
    boundary: bool = False
    """Shown only as the parent of a shown node; its own parents are left out."""
    added: bool = False
    """Added by the change under review (``revlib ci`` highlights these)."""

    @property
    def markers(self) -> tuple[str, ...]:
        """Words that go in brackets after the id: ``head``, ``branchpoint``, ``label: x``."""
        words = [
            word
            for word, flag in (
                ("head", self.is_head),
                ("mergepoint", self.is_merge_point),
                ("branchpoint", self.is_branch_point),
                ("base", self.is_base),
                ("new", self.added),
                ("boundary", self.boundary),
            )
            if flag
        ]
        words += [f"label: {label}" for label in self.branch_labels]
        words += [f"depends on: {dep}" for dep in self.depends_on]
        return tuple(words)


@dataclass(frozen=True)
class GraphView:
    """The nodes to draw, newest first, and a note for the reader (e.g. how to see more)."""

    nodes: tuple[Node, ...]
    total: int
    """How many revisions the whole history has."""
    note: str | None = None

    @property
    def shown(self) -> int:
        """How many of the nodes are revisions of the range (not boundary nodes)."""
        return sum(not node.boundary for node in self.nodes)

    def edges(self) -> Iterable[tuple[str, str, str]]:
        """``(parent, child, kind)`` for each edge whose two ends are in the view.

        ``kind`` is ``"down_revision"`` or ``"depends_on"``.
        """
        present = {node.revision for node in self.nodes}
        for node in self.nodes:
            for kind, targets in (
                ("down_revision", node.parents),
                ("depends_on", node.depends_on),
            ):
                for parent in targets:
                    if parent in present:
                        yield parent, node.revision, kind


def node_from_revision(revision: Revision, *, boundary: bool = False, added: bool = False) -> Node:
    """The drawable form of a revision of a built RevisionMap (its ``nextrev`` is filled)."""
    doc = getattr(revision, "doc", "")
    return Node(
        revision=revision.revision,
        parents=() if boundary else revision._versioned_down_revisions,
        depends_on=() if boundary else revision._resolved_dependencies,
        branch_labels=revision._orig_branch_labels,
        doc=one_line(doc) if isinstance(doc, str) else "",
        is_head=bool(revision.is_head),
        is_base=bool(revision.is_base),
        is_branch_point=bool(revision.is_branch_point),
        is_merge_point=bool(revision.is_merge_point),
        boundary=boundary,
        added=added,
    )


def view_of(
    shown: Sequence[Revision],
    lookup: Mapping[str, Revision],
    *,
    total: int | None = None,
    added: Collection[str] = (),
    note: str | None = None,
) -> GraphView:
    """``shown`` (newest first) plus the parents they name that are not shown, as boundary."""
    ids = {rev.revision for rev in shown}
    nodes = [node_from_revision(rev, added=rev.revision in added) for rev in shown]
    for rev in shown:
        for parent in rev._versioned_down_revisions:
            if parent not in ids and parent in lookup:
                ids.add(parent)
                nodes.append(node_from_revision(lookup[parent], boundary=True))
    return GraphView(
        nodes=topological(nodes),
        total=len(lookup) if total is None else total,
        note=note,
    )


def newest_view(
    history: Sequence[Revision],
    *,
    limit: int | None = DEFAULT_LIMIT,
    hint: str = "",
    everything: Sequence[Revision] | None = None,
) -> GraphView:
    """The newest ``limit`` revisions of ``history`` (newest first; None shows all).

    ``everything`` is the whole graph when ``history`` is a range of it (boundary parents are
    looked up there). When revisions are left out, the view's note says so, followed by
    ``hint`` (how to see all).
    """
    whole = history if everything is None else everything
    lookup = {rev.revision: rev for rev in whole}
    if limit is None or len(history) <= limit:
        return view_of(history, lookup)
    note = f"Showing the newest {limit} of {len(history)} revisions."
    return view_of(history[:limit], lookup, note=f"{note} {hint}".strip())


def neighbourhood_view(
    history: Sequence[Revision], revisions: Collection[str], *, added: Collection[str] = ()
) -> GraphView:
    """``revisions`` and their parents, in history order (what a CI summary draws)."""
    lookup = {rev.revision: rev for rev in history}
    shown = [rev for rev in history if rev.revision in revisions]
    return view_of(shown, lookup, added=added)


def topological(nodes: Sequence[Node]) -> tuple[Node, ...]:
    """``nodes`` reordered as little as needed so that each comes before its parents."""
    index = {node.revision: position for position, node in enumerate(nodes)}
    waiting_children = dict.fromkeys(index, 0)
    for node in nodes:
        for parent in {*node.parents, *node.depends_on}:
            if parent in index:
                waiting_children[parent] += 1
    ready = [
        position for position, node in enumerate(nodes) if not waiting_children[node.revision]
    ]
    heapq.heapify(ready)
    ordered: list[Node] = []
    while ready:
        node = nodes[heapq.heappop(ready)]
        ordered.append(node)
        for parent in {*node.parents, *node.depends_on}:
            if parent in index:
                waiting_children[parent] -= 1
                if not waiting_children[parent]:
                    heapq.heappush(ready, index[parent])
    if len(ordered) < len(nodes):  # a cycle: keep the rest as given rather than lose it
        seen = {node.revision for node in ordered}
        ordered += [node for node in nodes if node.revision not in seen]
    return tuple(ordered)


def one_line(text: str) -> str:
    """``text`` on one line: line breaks and tabs become spaces, other control characters
    their ``\\xNN`` escape (a docstring must not be able to move a terminal's cursor)."""
    flat = " ".join(text.split("\n")).replace("\r", " ").replace("\t", " ")
    return "".join(f"\\x{ord(ch):02x}" if ch < " " or ch == "\x7f" else ch for ch in flat)


def node_id(revision: str) -> str:
    """A name made of ``[A-Za-z0-9_]`` only, different for different revisions.

    Letters and digits stay; any other character becomes ``_<hex code>_``, so the mapping
    cannot make two revisions collide, and the ``r_`` prefix keeps clear of keywords
    (Mermaid's ``end``, DOT's ``node``) and of a leading digit.
    """
    parts = [ch if ch.isascii() and ch.isalnum() else f"_{ord(ch):x}_" for ch in revision]
    return "r_" + "".join(parts)
