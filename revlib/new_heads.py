"""New heads: the heads a change adds to a base, each blamed on the file that made it.

The caller forms two graphs: the *base* (say ``origin/main``) and the *final* one, the base
with this branch's changes laid on top, which is what exists once the work lands. A final
head that continues a base head (it is that head, or descends from it) is fine, one per base
head; every other head is new. For each new head, the history below it is searched for the
fork that made it: a revision whose parent has another child outside this head's ancestry.
The changed file at that fork is the culprit, and the message names the revision it collides
with and how to fix it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from revlib import findings
from revlib._lint_graph import Graph
from revlib.findings import Finding
from revlib.lint import PER_BRANCH_LABEL, AllowedHeads, LintResult, head_groups, lint_sources
from revlib.script._options import DEFAULT_FILE_TEMPLATE
from revlib.sources import SourceFile

__all__ = ["Change", "NewHeadsResult", "find_new_heads"]


@dataclass(frozen=True)
class Change:
    """What the branch did to the version files, and how to name both sides in messages."""

    changed: Collection[str]
    """Paths in the final graph that the branch added, modified or renamed to."""
    deleted: Collection[str] = ()
    """Paths of the base graph that the branch deleted or renamed away."""
    base_name: str = "the base"
    ours_name: str = "this branch"


@dataclass(frozen=True)
class NewHeadsResult:
    """The problems a change introduces: new heads, and lint errors the base did not have."""

    findings: tuple[Finding, ...]
    heads: tuple[str, ...]
    base_heads: tuple[str, ...]
    final: LintResult

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not any(f.severity == "error" for f in self.findings)


def find_new_heads(
    base: Sequence[SourceFile],
    final: Sequence[SourceFile],
    change: Change,
    *,
    allowed_heads: AllowedHeads = 1,
    enable: Collection[str] = (),
    file_template: str = DEFAULT_FILE_TEMPLATE,
    search_path: Sequence[str] = (),
) -> NewHeadsResult:
    """Compare the graph of ``final`` with that of ``base`` (both in Alembic's load order).

    The keyword arguments are :func:`revlib.lint.lint_sources`'s; lint findings already
    present in the base are not repeated.
    """
    before, after = (
        lint_sources(
            files,
            allowed_heads=allowed_heads,
            enable=enable,
            file_template=file_template,
            search_path=search_path,
        )
        for files in (base, final)
    )
    known = {_key(f) for f in before.findings}
    problems = [
        f for f in after.findings if f.code != findings.MULTIPLE_HEADS and _key(f) not in known
    ]
    if after.graph.heads_known:
        for head in _reported_heads(before, after, allowed_heads):
            problems.append(_Blame(before.graph, after.graph, change).finding(head))
    problems.sort(key=lambda f: (f.path or "", f.line or 0))
    return NewHeadsResult(tuple(problems), after.heads, before.heads, after)


def _key(finding: Finding) -> tuple[str, str | None, str]:
    return finding.code, finding.path, finding.message


def _reported_heads(
    before: LintResult, after: LintResult, allowed_heads: AllowedHeads
) -> list[str]:
    """The new heads that break the head policy."""
    extra = _extra_heads(before.graph, after.graph)
    if allowed_heads != PER_BRANCH_LABEL:
        limit = max(int(allowed_heads), len(before.heads))
        return extra if len(after.heads) > limit else []
    crowded = {
        head
        for group in head_groups(after.graph, after.revision_map, allowed_heads)
        if len(group.heads) > group.limit
        for head in group.heads
    }
    return [head for head in extra if head in crowded]


def _extra_heads(base: Graph, final: Graph) -> list[str]:
    """Final heads that continue no base head. Each base head is continued by one final head:
    itself if it is still a head, else the first (in load order) that descends from it. A base
    head that is gone from the final graph (deleted, or its id changed) leaves a free slot."""
    kept: set[str] = set()
    free_slots = 0 if base.heads else 1
    for base_head in base.heads:
        if base_head not in final.by_id:
            free_slots += 1
            continue
        continuing = [h for h in final.heads if base_head in _ancestry(final, h)]
        if not continuing or kept.intersection(continuing):
            continue
        kept.add(base_head if base_head in continuing else continuing[0])
    extra = [head for head in final.heads if head not in kept]
    return extra[free_slots:]


def _ancestry(graph: Graph, head: str) -> set[str]:
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


class _Blame:
    """Finds, for a new head, the changed file that made it, and says so."""

    def __init__(self, base: Graph, final: Graph, change: Change) -> None:
        self.base = base
        self.final = final
        self.change = change
        self.changed = set(change.changed)
        self.order = {revision: i for i, revision in enumerate(final.by_id)}

    def finding(self, head: str) -> Finding:
        fork = self._fork(head)
        if fork is not None and self._is_changed(fork[1][0]):
            parent, (culprit, *others) = fork
            return self._forked(head, culprit, parent, others)
        stopped = self._stopped_revising(head)
        if stopped is not None:
            return stopped
        if fork is not None:
            parent, children = fork
            changed_child = next((c for c in children if self._is_changed(c)), None)
            if changed_child is not None:
                others = [c for c in children if c != changed_child]
                return self._forked(head, changed_child, parent, others)
        changed = [r for r in self._line(head) if self._is_changed(r)]
        if fork is None and changed:
            return self._new_root(head, changed[0])
        node = self.final.by_id[head]
        beside = ", ".join(h for h in self.final.heads if h != head)
        hint = "join the heads with `revlib merge`"
        message = f"{head} is a new head beside {beside}"
        return _new_head(node.path, node.line("revision"), message, hint, head)

    def _is_changed(self, revision: str) -> bool:
        node = self.final.by_id.get(revision)
        return node is not None and node.path in self.changed

    def _line(self, head: str) -> list[str]:
        """``head``'s ancestry, in load order."""
        known = _ancestry(self.final, head).intersection(self.order)
        return sorted(known, key=self.order.__getitem__)

    def _path(self, revision: str) -> str:
        return self.final.by_id[revision].path

    def _fork(self, head: str) -> tuple[str, list[str]] | None:
        """The nearest ``(parent, [child on head's line, other children...])`` below ``head``
        where the history splits into lines that do not meet again at or below ``head``."""
        ancestry = _ancestry(self.final, head)
        pending = [head]
        while pending:
            revision = pending.pop(0)
            for parent in self.final.by_id[revision].parents or ():
                others = [c for c in self.final.children(parent) if c not in ancestry]
                if others:
                    return parent, [revision, *others]
                if parent in self.final.by_id:
                    pending.append(parent)
        return None

    def _forked(self, head: str, culprit: str, parent: str, others: list[str]) -> Finding:
        described = ", ".join(f"{c} ({self._path(c)})" for c in others)
        if any(not self._is_changed(c) for c in others):
            message = (
                f"{culprit} revises {parent}, which {self.change.base_name} already extends "
                f"with {described}"
            )
        else:
            message = f"{culprit} revises {parent}, and so does {described}"
        if head != culprit and head not in others:
            message += f"; {head} ({self._path(head)}) becomes a second head"
        rivals = {h for h in self.final.heads if h != head for c in others if c in self._line(h)}
        if len(rivals) == 1:
            hint = f"run `revlib rebase --onto {rivals.pop()}` or `revlib merge`"
        else:
            hint = "run `revlib merge` to join the heads"
        node = self.final.by_id[culprit]
        return _new_head(
            node.path, node.line("down_revision"), message, hint, culprit, head, *others
        )

    def _new_root(self, head: str, root: str) -> Finding:
        """``head``'s line meets no other line: its lowest changed revision starts it."""
        node = self.final.by_id[root]
        others = [h for h in self.final.heads if h != head]
        parents = ", ".join(node.parents or ()) or "None"
        beside = ", ".join(f"{h} ({self._path(h)})" for h in others)
        message = f"{root} (down_revision {parents}) starts a history of its own beside {beside}"
        target = others[0] if len(others) == 1 else "the head it should follow"
        hint = f"set its down_revision to {target}, or join the heads with `revlib merge`"
        return _new_head(node.path, node.line("down_revision"), message, hint, root, head)

    def _stopped_revising(self, head: str) -> Finding | None:
        """A head the branch did not add: a deleted or changed file stopped revising it."""
        path = self._path(head)
        for child in self.base.children(head):
            was = self.base.by_id[child]
            now = self.final.by_id.get(child)
            if was.path in self.change.deleted and (now is None or now.path != was.path):
                message = (
                    f"this file (revision {child}) is deleted in {self.change.ours_name}, "
                    f"which leaves {head} ({path}) as a second head"
                )
                hint = "keep the file, or join the heads with `revlib merge`"
                return _new_head(was.path, None, message, hint, child, head)
            if now is not None and self._is_changed(child) and head not in (now.parents or ()):
                message = f"{child} no longer revises {head} ({path}), which becomes a second head"
                hint = "point its down_revision back at it, or join the heads with `revlib merge`"
                return _new_head(now.path, now.line("down_revision"), message, hint, child, head)
        return None


def _new_head(path: str, line: int | None, message: str, hint: str, *revisions: str) -> Finding:
    revisions = tuple(dict.fromkeys(revisions))
    return Finding(findings.NEW_HEAD, "error", path, line, message, hint, revisions)
