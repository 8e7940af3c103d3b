"""The head policy of :mod:`revlib.lint`: which heads may coexist, and what to say when they
may not.

A project allows one head in all (the default), a number of heads, one head per branch label
(OpenStack's expand/contract layout: every head carries a label), or one per version location;
revisions or labels on an allow-list never count. A ``multiple-heads`` finding names every
head of the crowded group with its file, the revision where their lines fork, which of them
this work adds (when known), why a head that only ``depends_on`` consumes still counts, and
the command that fixes it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from revlib import findings
from revlib.findings import Finding
from revlib.settings import PER_BRANCH_LABEL, PER_VERSION_LOCATION, HeadLimit

if TYPE_CHECKING:  # (a kept answer of ``revlib check`` needs HeadPolicy, not the graph)
    from revlib._lint_graph import Graph
    from revlib._lint_read import Node
    from revlib.script.revision import RevisionMap

__all__ = [
    "HeadGroup",
    "HeadPolicy",
    "Sides",
    "ancestry",
    "head_groups",
    "head_labels",
    "multiple_heads_findings",
]


class HeadPolicy(NamedTuple):
    """How many heads may coexist."""

    limit: HeadLimit = 1
    allow: frozenset[str] = frozenset()
    """Revision ids and branch labels whose heads never count."""
    locations: tuple[str, ...] = ()
    """The version locations, written as the files' paths are (for per-version-location)."""


class Sides(NamedTuple):
    """What this work changed, so that messages can tell its heads from the others'."""

    changed: frozenset[str]
    """Paths of the version files this work added or changed."""
    ours_name: str = "this branch"
    base_name: str = "the base"


class HeadGroup:
    """Heads that must not outnumber ``limit``: all of them, those sharing a branch label
    (``label`` "" for the heads without one) or those in one version location. Under
    per-branch-label, the group without a label has the labelled heads beside it as
    ``labelled``."""

    __slots__ = ("heads", "label", "labelled", "limit", "location")

    def __init__(
        self,
        heads: list[str],
        limit: int,
        label: str | None = None,
        location: str | None = None,
        labelled: list[str] | None = None,
    ) -> None:
        self.heads = heads
        self.limit = limit
        self.label = label
        self.location = location
        self.labelled = [] if labelled is None else labelled

    def __repr__(self) -> str:
        return (
            f"HeadGroup(heads={self.heads!r}, limit={self.limit!r}, label={self.label!r}, "
            f"location={self.location!r}, labelled={self.labelled!r})"
        )

    @property
    def where(self) -> str:
        if self.location is not None:
            return f" in version location {self.location}"
        if self.label is None:
            return ""
        return f" of branch '{self.label}'" if self.label else " without a branch label"

    @property
    def target(self) -> str:
        """What ``alembic upgrade`` cannot resolve while the group has several heads."""
        return f"{self.label}@head" if self.label else "head"


def head_labels(graph: Graph, revision_map: RevisionMap, head: str) -> tuple[str, ...]:
    """The branch labels a head carries, inherited ones included when its ancestry is sound."""
    if not graph.any_labels:  # none to inherit: no map to build
        return ()
    if head in graph.tainted or head not in graph.by_id:
        node = graph.by_id.get(head)
        return () if node is None else tuple(sorted(node.branch_labels))
    revision = revision_map.get_revision(head)
    return () if revision is None else tuple(sorted(revision.branch_labels))


def head_groups(graph: Graph, revision_map: RevisionMap, policy: HeadPolicy) -> list[HeadGroup]:
    """The groups of heads the policy limits, allowed heads left out."""
    labels = {head: head_labels(graph, revision_map, head) for head in graph.heads}
    heads = [h for h in graph.heads if h not in policy.allow and not policy.allow & {*labels[h]}]
    if policy.limit == PER_VERSION_LOCATION:
        by_location: dict[str, list[str]] = {}
        for head in heads:
            location = _location(graph.by_id[head].path, policy.locations)
            by_location.setdefault(location, []).append(head)
        return [HeadGroup(hs, 1, location=loc) for loc, hs in by_location.items()]
    if policy.limit != PER_BRANCH_LABEL:
        return [HeadGroup(heads, int(policy.limit))]
    groups: dict[str, list[str]] = {}
    for head in heads:
        for label in labels[head] or ("",):
            groups.setdefault(label, []).append(head)
    labelled = [h for h in heads if labels[h]]
    return [
        HeadGroup(hs, 1, label) if label or not labelled else HeadGroup(hs, 0, "", None, labelled)
        for label, hs in groups.items()
    ]


def _location(path: str, locations: Sequence[str]) -> str:
    """The version location holding ``path`` (the deepest one that does)."""
    parts = PurePosixPath(path).parts
    best = ""
    for location in locations:
        prefix = PurePosixPath(location).parts if location not in ("", ".") else ()
        if parts[: len(prefix)] == prefix and len(prefix) >= len(PurePosixPath(best).parts):
            best = location
    return best or str(PurePosixPath(path).parent)


def ancestry(graph: Graph, head: str) -> set[str]:
    """``head`` and every revision below it through ``down_revision``."""
    seen = {head}
    pending = [head]
    while pending:
        node = graph.by_id.get(pending.pop())
        for parent in (node.parents or ()) if node is not None else ():
            if parent not in seen:
                seen.add(parent)
                pending.append(parent)
    return seen


def multiple_heads_findings(
    graph: Graph, revision_map: RevisionMap, policy: HeadPolicy, sides: Sides | None = None
) -> list[Finding]:
    """One ``multiple-heads`` finding per head of each group that has too many. Nothing when
    a link is missing (see :attr:`Graph.heads_known`): a guess would mislead."""
    if not graph.heads_known:
        return []
    problems = []
    for group in head_groups(graph, revision_map, policy):
        if len(group.heads) > group.limit:
            story = _GroupStory(graph, group, sides)
            problems += [story.finding(head) for head in group.heads]
    return problems


class _GroupStory:
    """What is common to the findings of one crowded group: fork, sides, consumers."""

    def __init__(self, graph: Graph, group: HeadGroup, sides: Sides | None) -> None:
        self.graph = graph
        self.group = group
        self.lines = {head: ancestry(graph, head) for head in group.heads}
        common = set.intersection(*self.lines.values())
        continued = {p for r in common if r in graph.by_id for p in graph.by_id[r].parents or ()}
        self.forks = [r for r in graph.by_id if r in common and r not in continued]
        self.ours = self._ours(common, sides)
        self.sides = sides
        self.consumers = _consumers(graph, group.heads)

    def _ours(self, common: set[str], sides: Sides | None) -> list[str]:
        if sides is None:
            return []
        ours = [
            head
            for head, line in self.lines.items()
            if any(self.graph.by_id[r].path in sides.changed for r in line - common)
        ]
        return ours if len(ours) < len(self.group.heads) else []

    def _named(self, revision: str) -> str:
        return f"{revision} ({self.graph.by_id[revision].path})"

    def finding(self, head: str) -> Finding:
        node: Node = self.graph.by_id[head]
        if self.group.limit == 0:
            message, hint = self._unlabelled(head)
        else:
            message, hint = self._message(head), self._hint(head)
        return Finding(
            findings.MULTIPLE_HEADS,
            "error",
            node.path,
            node.line("revision"),
            message,
            hint,
            tuple(self.group.heads),
        )

    def _message(self, head: str) -> str:
        group = self.group
        others = [self._named(h) for h in group.heads if h != head]
        allowed = "only 1 is allowed" if group.limit == 1 else f"at most {group.limit} are allowed"
        listed = f"the other{' is' if len(others) == 1 else 's are'} {', '.join(others)}"
        text = f"{head} is one of {len(group.heads)} heads{group.where}, where {allowed}; {listed}"
        text += "; " + self._fork_text()
        if self.ours and self.sides is not None:
            verb = "comes" if len(self.ours) == 1 else "come"
            text += f"; {', '.join(self.ours)} {verb} from {self.sides.ours_name}"
        consumer = self.consumers.get(head)
        if consumer is not None:
            text += (
                f"; {head} is a head only through depends_on ({consumer} depends on it without "
                "revising it): `alembic upgrade heads` and `alembic heads "
                "--resolve-dependencies` leave it out, but `alembic upgrade head` counts it and "
                "fails"
            )
        return text

    def _fork_text(self) -> str:
        if not self.forks:
            return "they share no ancestor (separate histories)"
        return f"they fork from {', '.join(self._named(r) for r in self.forks)}"

    def _merge_command(self) -> str:
        heads = self.group.heads
        if set(heads) == set(self.graph.heads):
            return "revlib merge"
        return "revlib merge " + " ".join(heads)

    def _hint(self, head: str) -> str:
        start = f"`alembic upgrade {self.group.target}` fails while there are several heads: "
        merge = f"`{self._merge_command()}` to join them"
        heads = self.group.heads
        if len(heads) != 2 or self.consumers:
            return f"{start}run {merge}"
        mover = self.ours[0] if len(self.ours) == 1 else head
        target = next(h for h in heads if h != mover)
        rebase = f"`revlib rebase --onto {target}` to move {mover} on top of {target}"
        return f"{start}run {rebase}, or {merge}"

    def _unlabelled(self, head: str) -> tuple[str, str]:
        labelled = ", ".join(self._named(h) for h in self.group.labelled)
        message = (
            f"{head} is a head without a branch label beside the labelled heads {labelled}; "
            f"with heads = {PER_BRANCH_LABEL} every head must belong to a branch label"
        )
        hint = (
            "point its down_revision at the head of the branch it belongs to, so that it "
            "inherits that branch's label, or give its first revision branch_labels"
        )
        return message, hint


def _consumers(graph: Graph, heads: Collection[str]) -> Mapping[str, str]:
    """Heads that some revision names in ``depends_on`` -> the first such revision."""
    found: dict[str, str] = {}
    for node in graph.by_id.values():
        for name in node.dependencies:
            target = graph.resolve(name)
            if target is not None and target in heads and target not in found:
                found[target] = node.revision
    return found
