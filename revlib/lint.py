"""Lint a revision graph from the bytes of its version files, collecting every problem.

``lint_sources`` never touches the filesystem or git: it takes :class:`SourceFile` objects
(path + bytes) in Alembic's load order, so the same check runs on the work tree, the git index
or a commit. Unlike loading the history with Alembic, which stops at the first error, it reads
each file on its own, finds duplicates, missing parents and dependencies and cycles from the
headers, and builds a :class:`~revlib.script.revision.RevisionMap` only on the revisions whose
whole ancestry is sound.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from revlib import findings
from revlib._lint_graph import Graph, check_graph
from revlib._lint_read import Node, read_nodes
from revlib.findings import Finding
from revlib.script._options import DEFAULT_FILE_TEMPLATE
from revlib.script._script import Script
from revlib.script.revision import RevisionMap
from revlib.sources import SourceFile

__all__ = [
    "PER_BRANCH_LABEL",
    "AllowedHeads",
    "HeadGroup",
    "LintResult",
    "SourceFile",
    "head_groups",
    "head_labels",
    "lint_sources",
    "parse_allowed_heads",
]

PER_BRANCH_LABEL: Final = "per-branch-label"
"""Allow one head per branch label (and one without a label), e.g. Neutron's expand/contract."""

AllowedHeads = int | Literal["per-branch-label"]


@dataclass(frozen=True)
class LintResult:
    """What :func:`lint_sources` found.

    ``heads`` are the revisions no ``down_revision`` names (Alembic's ``heads``), in load
    order; ``scripts`` are the revisions whose files and ancestry are sound, in load order,
    wired into ``revision_map``.
    """

    findings: tuple[Finding, ...]
    heads: tuple[str, ...]
    scripts: tuple[Script, ...]
    revision_map: RevisionMap
    graph: Graph

    @property
    def ok(self) -> bool:
        """True when no finding is an error (warnings do not fail a check)."""
        return not any(f.severity == "error" for f in self.findings)


def parse_allowed_heads(text: str) -> AllowedHeads:
    """``--heads`` as given on the command line: a positive number or ``per-branch-label``."""
    if text == PER_BRANCH_LABEL:
        return PER_BRANCH_LABEL
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise ValueError(f"expected a number of heads (1 or more) or '{PER_BRANCH_LABEL}'")


def lint_sources(
    files: Sequence[SourceFile],
    *,
    allowed_heads: AllowedHeads = 1,
    enable: Collection[str] = (),
    file_template: str = DEFAULT_FILE_TEMPLATE,
    search_path: Sequence[str] = (),
) -> LintResult:
    """Every problem of the graph these files form (see the module docstring).

    ``enable`` turns on the optional warnings (:data:`revlib.findings.OPTIONAL_CODES`);
    ``file_template`` is the configured one, for ``filename-mismatch``; ``search_path`` is
    where modules imported by the headers are looked up.
    """
    nodes, problems = read_nodes(files, search_path)
    graph, graph_problems = check_graph(nodes)
    problems += graph_problems
    scripts = tuple(_script(n) for n in graph.by_id.values() if n.revision not in graph.tainted)
    revision_map = RevisionMap(lambda: scripts)
    problems += _head_findings(graph, allowed_heads, revision_map)
    readable = [node for node in nodes if node.complete]
    if findings.FILENAME_MISMATCH in enable:
        from revlib._lint_names import filename_findings

        problems += filename_findings(readable, file_template)
    if findings.DOCSTRING_MISMATCH in enable:
        from revlib._lint_names import docstring_findings

        problems += docstring_findings(readable, {f.path: f.data for f in files})
    problems.sort(key=lambda f: (f.path or "", f.line or 0))
    return LintResult(tuple(problems), graph.heads, scripts, revision_map, graph)


def _script(node: Node) -> Script:
    return Script.from_values(
        node.revision,
        node.path,
        node.parents or None,
        branch_labels=node.branch_labels or None,
        depends_on=node.dependencies or None,
        docstring=node.docstring,
    )


def head_labels(graph: Graph, revision_map: RevisionMap, head: str) -> tuple[str, ...]:
    """The branch labels a head carries, inherited ones included when its ancestry is sound."""
    if head in graph.tainted or head not in graph.by_id:
        node = graph.by_id.get(head)
        return () if node is None else tuple(sorted(node.branch_labels))
    revision = revision_map.get_revision(head)
    return () if revision is None else tuple(sorted(revision.branch_labels))


@dataclass(frozen=True)
class HeadGroup:
    """Heads that must not outnumber ``limit``: all of them, or those sharing a branch label
    (``label`` "" for the heads without one) under ``per-branch-label``."""

    heads: list[str]
    limit: int
    label: str | None = None

    @property
    def where(self) -> str:
        if self.label is None:
            return ""
        return f" of branch '{self.label}'" if self.label else " without a branch label"

    @property
    def target(self) -> str:
        """What ``alembic upgrade`` cannot resolve while the group has several heads."""
        return f"{self.label}@head" if self.label else "head"


def head_groups(
    graph: Graph, revision_map: RevisionMap, allowed_heads: AllowedHeads
) -> list[HeadGroup]:
    """The groups of heads the policy limits (one group, unless ``per-branch-label``)."""
    if allowed_heads != PER_BRANCH_LABEL:
        return [HeadGroup(list(graph.heads), int(allowed_heads))]
    groups: dict[str, list[str]] = {}
    for head in graph.heads:
        labels = head_labels(graph, revision_map, head)
        for label in labels or ("",):
            groups.setdefault(label, []).append(head)
    return [HeadGroup(heads, 1, label) for label, heads in groups.items()]


def _head_findings(
    graph: Graph, allowed_heads: AllowedHeads, revision_map: RevisionMap
) -> list[Finding]:
    """One ``multiple-heads`` finding per head of a group that has too many. Nothing when a
    link is missing (see :attr:`Graph.heads_known`): a guess would mislead."""
    if not graph.heads_known:
        return []
    problems = []
    for group in head_groups(graph, revision_map, allowed_heads):
        if len(group.heads) > group.limit:
            problems += [_multiple_heads(graph.by_id, head, group) for head in group.heads]
    return problems


def _multiple_heads(by_id: Mapping[str, Node], head: str, group: HeadGroup) -> Finding:
    others = [f"{other} ({by_id[other].path})" for other in group.heads if other != head]
    allowed = "only 1 is allowed" if group.limit == 1 else f"at most {group.limit} are allowed"
    listed = (
        f"the other is {others[0]}" if len(others) == 1 else f"the others are {', '.join(others)}"
    )
    node = by_id[head]
    return Finding(
        findings.MULTIPLE_HEADS,
        "error",
        node.path,
        node.line("revision"),
        f"{head} is one of {len(group.heads)} heads{group.where}, where {allowed}; {listed}",
        f"`alembic upgrade {group.target}` fails while there are several heads: join them with "
        "`revlib merge`, or change a down_revision so that one continues another",
        tuple(group.heads),
    )
