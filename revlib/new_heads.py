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
from revlib._lint_heads import HeadGroup, HeadPolicy, Sides, ancestry, head_groups
from revlib.findings import Finding
from revlib.lint import AllowedHeads, LintResult, as_policy, lint_sources
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
    allowed_heads: AllowedHeads | HeadPolicy = 1,
    enable: Collection[str] = (),
    file_template: str = DEFAULT_FILE_TEMPLATE,
    search_path: Sequence[str] = (),
) -> NewHeadsResult:
    """Compare the graph of ``final`` with that of ``base`` (both in Alembic's load order).

    The keyword arguments are :func:`revlib.lint.lint_sources`'s; lint findings already
    present in the base are not repeated.
    """
    policy = as_policy(allowed_heads)
    sides = Sides(frozenset(change.changed), change.ours_name, change.base_name)
    before, after = (
        lint_sources(
            files,
            allowed_heads=policy,
            enable=enable,
            file_template=file_template,
            search_path=search_path,
            sides=which,
        )
        for files, which in ((base, None), (final, sides))
    )
    known = {_key(f) for f in before.findings}
    problems = [
        f for f in after.findings if f.code != findings.MULTIPLE_HEADS and _key(f) not in known
    ]
    if after.graph.heads_known:
        blame = _Blame(before.graph, after.graph, change)
        for head, group in _reported_heads(before, after, policy):
            problems.append(blame.finding(head, group))
    problems.sort(key=lambda f: (f.path or "", f.line or 0))
    return NewHeadsResult(tuple(problems), after.heads, before.heads, after)


def _key(finding: Finding) -> tuple[str, str | None, str]:
    return finding.code, finding.path, finding.message


def _reported_heads(
    before: LintResult, after: LintResult, policy: HeadPolicy
) -> list[tuple[str, HeadGroup]]:
    """The new heads that break the head policy, each with its crowded group (a base that
    already had too many heads under a numeric limit raises the limit to its count)."""
    extra = _extra_heads(before.graph, after.graph)
    groups = head_groups(after.graph, after.revision_map, policy)
    if isinstance(policy.limit, int):
        (group,) = groups
        (known,) = head_groups(before.graph, before.revision_map, policy)
        if len(group.heads) <= max(policy.limit, len(known.heads)):
            return []
        return [(head, group) for head in extra if head in group.heads]
    crowded = [group for group in groups if len(group.heads) > group.limit]
    return [
        (head, next(g for g in crowded if head in g.heads))
        for head in extra
        if any(head in g.heads for g in crowded)
    ]


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
    return ancestry(graph, head)


class _Blame:
    """Finds, for a new head, the changed file that made it, and says so: both heads with
    their files and sides, the revision they fork from, and the command that fixes it."""

    def __init__(self, base: Graph, final: Graph, change: Change) -> None:
        self.base = base
        self.final = final
        self.change = change
        self.changed = set(change.changed)
        self.order = {revision: i for i, revision in enumerate(final.by_id)}

    def finding(self, head: str, group: HeadGroup) -> Finding:
        if group.limit == 0:
            return self._unlabelled(head, group.labelled)
        self.peers = [h for h in group.heads if h != head]
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
        others = [h for h in self.final.heads if h != head]
        message = f"{head} is a new head beside {self._listed(others)}"
        hint = f"run `{self._merge_command([head, *others])}` to join the heads"
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

    def _named(self, revision: str) -> str:
        node = self.final.by_id.get(revision) or self.base.by_id.get(revision)
        return revision if node is None else f"{revision} ({node.path})"

    def _listed(self, revisions: Sequence[str]) -> str:
        return ", ".join(self._named(r) for r in revisions)

    def _owner(self, revision: str) -> str:
        return self.change.ours_name if self._is_changed(revision) else self.change.base_name

    def _merge_command(self, heads: Sequence[str]) -> str:
        if set(heads) == set(self.final.heads):
            return "revlib merge"
        return "revlib merge " + " ".join(heads)

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
        described = self._listed(others)
        if any(not self._is_changed(c) for c in others):
            message = (
                f"{culprit} revises {self._named(parent)}, which {self.change.base_name} "
                f"already extends with {described}"
            )
        else:
            message = f"{culprit} revises {self._named(parent)}, and so does {described}"
        rivals = [h for h in self.peers if any(c in self._line(h) for c in others)]
        message += "; " + self._heads_text(head, rivals, {culprit, parent, *others})
        if len(rivals) == 1:
            what = culprit if culprit == head else f"{culprit} (and the revisions above it)"
            hint = (
                f"run `revlib rebase --onto {rivals[0]}` to move {what} on top of "
                f"{rivals[0]}, or `{self._merge_command([head, *rivals])}` to join them"
            )
        else:
            hint = f"run `{self._merge_command([head, *rivals])}` to join the heads"
        node = self.final.by_id[culprit]
        return _new_head(
            node.path, node.line("down_revision"), message, hint, culprit, head, *others
        )

    def _heads_text(self, head: str, rivals: Sequence[str], mentioned: Collection[str]) -> str:
        """``the heads would be x from this branch and b from origin/main``, each head's file
        named unless the message already did."""

        def named(revision: str) -> str:
            return revision if revision in mentioned else self._named(revision)

        owners = {self._owner(r) for r in (head, *rivals)}
        if len(owners) == 1:
            both = "both" if len(rivals) == 1 else "all"
            everyone = _and([named(r) for r in (head, *rivals)])
            return f"the heads would be {everyone}, {both} from {owners.pop()}"
        theirs = ", ".join(named(r) for r in rivals)
        owner = self._owner(rivals[0]) if len(rivals) == 1 else self.change.base_name
        return (
            f"the heads would be {named(head)} from {self._owner(head)} and {theirs} from {owner}"
        )

    def _new_root(self, head: str, root: str) -> Finding:
        """``head``'s line meets no other line: its lowest changed revision starts it."""
        node = self.final.by_id[root]
        others = [h for h in self.final.heads if h != head]
        parents = ", ".join(node.parents or ()) or "None"
        message = (
            f"{root} (down_revision {parents}) starts a history of its own beside "
            f"{self._listed(others)}; {self._heads_text(head, others, {root, *others})}"
        )
        target = others[0] if len(others) == 1 else "the head it should follow"
        hint = (
            f"set its down_revision to {target}, or run `{self._merge_command([head, *others])}` "
            "to join the heads"
        )
        return _new_head(node.path, node.line("down_revision"), message, hint, root, head)

    def _unlabelled(self, head: str, labelled: Sequence[str]) -> Finding:
        """Under per-branch-label, a head that carries no label is one too many."""
        line = [r for r in self._line(head) if self._is_changed(r)]
        culprit = self.final.by_id[line[0] if line else head]
        message = (
            f"{head} ({self._path(head)}) would be a head without a branch label beside the "
            f"labelled heads {self._listed(labelled)}; with heads = per-branch-label every "
            "head must belong to a branch label"
        )
        hint = (
            f"point the down_revision of {culprit.revision} at the head of the branch it "
            f"belongs to ({' or '.join(labelled)}), so that it inherits its label"
        )
        return _new_head(
            culprit.path, culprit.line("down_revision"), message, hint, culprit.revision, head
        )

    def _stopped_revising(self, head: str) -> Finding | None:
        """A head the branch did not add: a deleted or changed file stopped revising it."""
        others = [h for h in self.final.heads if h != head]
        beside = f" beside {self._listed(others)}" if others else ""
        merge = f"`{self._merge_command([head, *others])}` to join the heads"
        for child in self.base.children(head):
            was = self.base.by_id[child]
            now = self.final.by_id.get(child)
            if was.path in self.change.deleted and (now is None or now.path != was.path):
                message = (
                    f"this file (revision {child}) is deleted in {self.change.ours_name}, "
                    f"which leaves {self._named(head)} as a second head{beside}"
                )
                hint = f"keep the file, or run {merge}"
                return _new_head(was.path, None, message, hint, child, head)
            if now is not None and self._is_changed(child) and head not in (now.parents or ()):
                message = (
                    f"{child} no longer revises {self._named(head)}, which becomes a second "
                    f"head{beside}"
                )
                hint = f"point its down_revision back at {head}, or run {merge}"
                return _new_head(now.path, now.line("down_revision"), message, hint, child, head)
        return None


def _and(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _new_head(path: str, line: int | None, message: str, hint: str, *revisions: str) -> Finding:
    revisions = tuple(dict.fromkeys(revisions))
    return Finding(findings.NEW_HEAD, "error", path, line, message, hint, revisions)
