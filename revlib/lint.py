"""Lint a revision graph from the bytes of its version files, collecting every problem.

``lint_sources`` never touches the filesystem or git: it takes :class:`SourceFile` objects
(path + bytes) in Alembic's load order, so the same check runs on the work tree, the git index
or a commit. Unlike loading the history with Alembic, which stops at the first error, it reads
each file on its own, finds duplicates, missing parents and dependencies and cycles from the
headers, and builds a :class:`~revlib.script.revision.RevisionMap` only on the revisions whose
whole ancestry is sound.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

from revlib import findings
from revlib._lint_graph import Graph, check_graph
from revlib._lint_heads import (
    HeadGroup,
    HeadPolicy,
    Sides,
    head_groups,
    head_labels,
    multiple_heads_findings,
)
from revlib._lint_read import Node, read_nodes
from revlib.findings import Finding
from revlib.script._options import DEFAULT_FILE_TEMPLATE
from revlib.script._script import Script
from revlib.script.revision import RevisionMap
from revlib.settings import PER_BRANCH_LABEL, PER_VERSION_LOCATION, HeadLimit, parse_heads
from revlib.sources import SourceFile

if TYPE_CHECKING:
    from revlib._lint_read import RecordCache

__all__ = [
    "PER_BRANCH_LABEL",
    "PER_VERSION_LOCATION",
    "AllowedHeads",
    "HeadGroup",
    "HeadPolicy",
    "LintResult",
    "Sides",
    "SourceFile",
    "as_policy",
    "head_groups",
    "head_labels",
    "lint_sources",
    "parse_allowed_heads",
]

AllowedHeads = HeadLimit


class LintResult:
    """What :func:`lint_sources` found.

    ``heads`` are the revisions no ``down_revision`` names (Alembic's ``heads``), in load
    order; ``scripts`` are the revisions whose files and ancestry are sound, in load order,
    wired into ``revision_map``. Both are built when first used: a check that only reports
    findings never needs them.
    """

    __slots__ = ("_scripts", "findings", "graph", "heads", "revision_map")

    def __init__(
        self,
        findings: tuple[Finding, ...],
        heads: tuple[str, ...],
        graph: Graph,
        scripts: Callable[[], tuple[Script, ...]],
        revision_map: RevisionMap,
    ) -> None:
        self.findings = findings
        self.heads = heads
        self.graph = graph
        self._scripts = scripts
        self.revision_map = revision_map

    @property
    def scripts(self) -> tuple[Script, ...]:
        return self._scripts()

    @property
    def ok(self) -> bool:
        """True when no finding is an error (warnings do not fail a check)."""
        return not any(f.severity == "error" for f in self.findings)

    def __repr__(self) -> str:
        return f"LintResult(findings={self.findings!r}, heads={self.heads!r})"


def parse_allowed_heads(text: str) -> AllowedHeads:
    """``--heads`` as given on the command line: a positive number or a policy name."""
    return parse_heads(text)


def lint_sources(
    files: Sequence[SourceFile],
    *,
    allowed_heads: AllowedHeads | HeadPolicy = 1,
    enable: Collection[str] = (),
    file_template: str = DEFAULT_FILE_TEMPLATE,
    search_path: Sequence[str] = (),
    sides: Sides | None = None,
    cache: RecordCache | None = None,
) -> LintResult:
    """Every problem of the graph these files form (see the module docstring).

    ``allowed_heads`` is a number of heads, a policy name, or a whole :class:`HeadPolicy`;
    ``sides`` (what this work changed) lets ``multiple-heads`` say whose each head is.
    ``enable`` turns on the optional warnings (:data:`revlib.findings.OPTIONAL_CODES`);
    ``file_template`` is the configured one, for ``filename-mismatch``; ``search_path`` is
    where modules imported by the headers are looked up; a ``cache`` (see
    :mod:`revlib._lint_cache`) spares reading the files it knows.
    """
    nodes, problems = read_nodes(files, search_path, cache)
    graph, graph_problems = check_graph(nodes)
    problems += graph_problems
    scripts = _SoundScripts(graph)
    revision_map = RevisionMap(scripts)  # built only if something asks it
    policy = as_policy(allowed_heads)
    problems += multiple_heads_findings(graph, revision_map, policy, sides)
    readable = [node for node in nodes if node.complete]
    if findings.FILENAME_MISMATCH in enable:
        from revlib._lint_names import filename_findings

        problems += filename_findings(readable, file_template)
    if findings.DOCSTRING_MISMATCH in enable:
        from revlib._lint_names import docstring_findings

        problems += docstring_findings(readable, {f.path: f.data for f in files})
    problems.sort(key=lambda f: (f.path or "", f.line or 0))
    return LintResult(tuple(problems), graph.heads, graph, scripts, revision_map)


class _SoundScripts:
    """The Scripts of the revisions whose ancestry is sound, made once, when first asked for."""

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._scripts: tuple[Script, ...] | None = None

    def __call__(self) -> tuple[Script, ...]:
        if self._scripts is None:
            graph = self._graph
            nodes = graph.by_id.values()
            self._scripts = tuple(_script(n) for n in nodes if n.revision not in graph.tainted)
        return self._scripts


def _script(node: Node) -> Script:
    return Script.from_values(
        node.revision,
        node.path,
        node.parents or None,
        branch_labels=node.branch_labels or None,
        depends_on=node.dependencies or None,
        docstring=node.docstring,
    )


def as_policy(allowed_heads: AllowedHeads | HeadPolicy) -> HeadPolicy:
    """A head limit as a :class:`HeadPolicy` (a policy is returned as it is)."""
    return allowed_heads if isinstance(allowed_heads, HeadPolicy) else HeadPolicy(allowed_heads)
