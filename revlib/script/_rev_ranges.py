"""What an upgrade or downgrade between two identifiers touches, and relative walks.

Used by :meth:`RevisionMap.iterate_revisions`. Targets may be absolute (``ae1027a6acf``,
``heads``, ``label@head``) or relative (``+2``, ``-1``, ``head-1``, ``label@base+2``); the
errors and their messages are Alembic's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from revlib.script import _rev_graph as graph
from revlib.script._rev_build import warn
from revlib.script._rev_errors import RangeNotAncestorError, RevisionError
from revlib.script._rev_node import Revision, as_tuple, is_revision, to_tuple

if TYPE_CHECKING:
    from revlib.script.revision import RevisionMap

RELATIVE_DESTINATION = re.compile(r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)")

Collected = tuple[set[Revision], tuple[Any, ...]]


def _not_produced(relative: str, count: int) -> RevisionError:
    return RevisionError(f"Relative revision {relative} didn't produce {abs(count)} migrations")


def walk(
    rmap: RevisionMap,
    start: Any,
    steps: int,
    branch_label: str | None = None,
    no_overwalk: bool = True,
) -> Any:
    """Walk ``steps`` up (positive) or down (negative) from ``start`` (None: below the bases).

    Returns the revision reached, ``"base"`` when walking down off the bottom, or None when the
    walk ran out (with ``no_overwalk``; otherwise it stops where it is).
    """
    current = rmap.get_revision(start) if isinstance(start, str) else start
    for _ in range(abs(steps)):
        if steps > 0:
            assert current != "base"
            next_ids = rmap.bases if current is None else current.nextrev
            children: Any = [is_revision(r) for r in rmap.get_revisions(next_ids)]
            if branch_label:
                children = rmap.filter_for_lineage(children, branch_label)
        elif current == "base":
            children = ()
        else:
            down = rmap.heads if current is None else current.down_revision
            children = rmap.get_revisions(down) or ("base",)
        if not children:
            return None if no_overwalk else current
        if len(children) > 1:
            raise RevisionError("Ambiguous walk")
        current = children[0]
    return current


def parse_downgrade_target(
    rmap: RevisionMap, current_revisions: Any, target: Any, assert_relative_length: bool
) -> tuple[str | None, Any]:
    """``(branch_label, revision)`` for a downgrade target; revision None means base."""
    if target is None:
        return None, None
    assert isinstance(target, str), "Expected downgrade target in string form"
    match = RELATIVE_DESTINATION.match(target)
    if not match:
        label, _, absolute = target.rpartition("@")
        return (label or None), rmap.get_revision(absolute)
    branch_label: str | None = match.group(1)
    symbol: str | None = match.group(2)
    relative: str = match.group(3)
    count = int(relative)
    if count >= 0:
        if symbol is None:
            raise _not_produced(relative, count)
        rev = walk(rmap, symbol, count, branch_label, no_overwalk=assert_relative_length)
        if rev is None:
            raise RevisionError("Walked too far")
        return branch_label, rev
    from_current = symbol is None
    if from_current:
        start_symbol, branch_label = _downgrade_start(
            rmap, current_revisions, branch_label, relative
        )
    else:
        start_symbol = symbol
    qualified: Any = start_symbol if branch_label is None else f"{branch_label}@{start_symbol}"
    rev = walk(rmap, rmap.get_revision(qualified), count, no_overwalk=assert_relative_length)
    if rev is None:
        if from_current:
            raise _not_produced(relative, count)
        raise RevisionError("Walked too far")
    return branch_label, rev


def _downgrade_start(
    rmap: RevisionMap, current_revisions: Any, branch_label: str | None, relative: str
) -> tuple[Any, str | None]:
    """For ``-N`` / ``label@-N``: the current revision to walk down from, and the label."""
    if branch_label:
        current_or_none: Any = to_tuple(current_revisions)
        symbols: Any = rmap.filter_for_lineage(current_or_none, branch_label)
        if not symbols:
            # several branches, one current head: the other branch heads depend on it
            all_current = rmap._get_all_current(current_or_none)
            on_branch = rmap.filter_for_lineage(all_current, branch_label)
            symbols = [r.revision if r else r for r in on_branch]
        assert len(symbols) == 1
        return symbols[0], branch_label
    current = as_tuple(current_revisions)
    if not current:
        raise _not_produced(relative, int(relative))
    if len(set(current)) > 1:
        warn(
            "downgrade -1 from multiple heads is ambiguous; this usage will be "
            "disallowed in a future release."
        )
    return current[0], current[0]


def parse_upgrade_target(
    rmap: RevisionMap, current_revisions: Any, target: Any, assert_relative_length: bool
) -> tuple[Any, ...]:
    """The revisions an upgrade target names, relative forms resolved against the current."""
    match = RELATIVE_DESTINATION.match(target) if isinstance(target, str) else None
    if not match:
        return rmap.get_revisions(target)
    branch_label, symbol, relative = match.groups()
    count = int(relative)
    if count <= 0:
        if symbol is None:
            raise _not_produced(str(count), count)
        start = rmap.get_revision(symbol if branch_label is None else f"{branch_label}@{symbol}")
        return (walk(rmap, start, count, no_overwalk=assert_relative_length),)
    if symbol is not None:
        start = rmap.get_revision(symbol)
        return (walk(rmap, start, count, branch_label, no_overwalk=assert_relative_length),)
    starts = _upgrade_starts(rmap, current_revisions, branch_label)
    if len(starts) > 1:
        raise RevisionError("Ambiguous upgrade from multiple current revisions")
    rev = walk(rmap, starts[0], count, branch_label, no_overwalk=assert_relative_length)
    if rev is None:
        raise _not_produced(relative, count)
    return (rev,)


def _upgrade_starts(
    rmap: RevisionMap, current_revisions: Any, branch_label: str | None
) -> tuple[Any, ...]:
    """Where ``+N`` / ``label@+N`` starts: the current revisions on the label's branch."""
    current: tuple[Any, ...] = to_tuple(current_revisions) or (None,)
    if not branch_label:
        return current
    starts = rmap.filter_for_lineage(rmap.get_revisions(current), branch_label)
    if starts:
        return starts
    # the branch is not at a head: back up to where it leaves the current revisions
    below = graph.ancestors(rmap.get_revisions(current), rmap._revision_map)
    active = rmap.filter_for_lineage(below, branch_label)
    tips = tuple(
        {rev.revision for rev in active}
        - {down for rev in active for down in rev._normalized_down_revisions}
    )
    return tips or (None,)


def collect_downgrade(
    rmap: RevisionMap,
    upper: Any,
    lower: Any,
    inclusive: bool,
    implicit_base: bool,
    assert_relative_length: bool,
) -> Collected:
    """The revisions to drop going from ``upper`` (current) down to ``lower`` (target)."""
    branch_label, target = parse_downgrade_target(rmap, upper, lower, assert_relative_length)
    if target == "base":
        target = None
    assert target is None or isinstance(target, Revision)
    roots = _downgrade_roots(rmap, target, inclusive)
    if branch_label and len(roots) > 1:
        roots = _roots_on_branch(rmap, roots, branch_label)
    heads = rmap.get_revisions(upper)
    lookup = rmap._revision_map
    to_drop = set(graph.descendants(roots, lookup, include_dependencies=True))
    active = set(graph.ancestors(heads, lookup, include_dependencies=True))
    to_drop.intersection_update(active)
    if implicit_base:
        to_drop.update(active.difference(graph.ancestors(roots, lookup)))
    if target is not None and not to_drop and target not in heads:
        raise RangeNotAncestorError("Nothing to drop", upper)
    return to_drop, heads


def _downgrade_roots(rmap: RevisionMap, target: Revision | None, inclusive: bool) -> list[Any]:
    if target is None:
        lookup = rmap._revision_map
        return [r for r in lookup.values() if r is not None and r.down_revision is None]
    if inclusive:
        return [target]
    return [is_revision(r) for r in rmap.get_revisions(target.nextrev)]


def _roots_on_branch(rmap: RevisionMap, roots: list[Any], branch_label: str) -> list[Any]:
    branch = rmap._resolve_branch(branch_label)
    on_branch = {
        rev.revision
        for rev in graph.ancestors([branch], rmap._revision_map, include_dependencies=False)
    }
    kept = [is_revision(r) for r in rmap.get_revisions({r.revision for r in roots} & on_branch)]
    if not kept:
        raise RevisionError("Not a valid downgrade target from current heads")
    return kept


def collect_upgrade(
    rmap: RevisionMap,
    upper: Any,
    lower: Any,
    inclusive: bool,
    implicit_base: bool,
    assert_relative_length: bool,
) -> Collected:
    """The revisions to apply going from ``lower`` (current) up to ``upper`` (target)."""
    lookup = rmap._revision_map
    targets: Any = [
        is_revision(r) for r in parse_upgrade_target(rmap, lower, upper, assert_relative_length)
    ]
    if isinstance(lower, str) and "@" in lower:
        targets = _targets_on_branch(rmap, targets, lower.partition("@")[0])
    required = set(graph.ancestors(targets, lookup, include_dependencies=True, check=True))
    required.update(targets)
    current = rmap.get_revisions(lower)
    if not implicit_base and any(r not in required for r in current if r is not None):
        raise RangeNotAncestorError(lower, upper)
    assert type(current) is tuple, "current_revisions should be a tuple"
    if current and current[0] is None:
        # a relative lower bound (``-1``) that get_revisions cannot resolve
        _, rev = parse_downgrade_target(rmap, upper, lower, assert_relative_length)
        assert rev
        current, lower = ((), None) if rev == "base" else ((rev,), rev.revision)
    current_set = set(graph.ancestors(current, lookup, include_dependencies=True, check=True))
    current_set.update(current)
    needs = required.difference(current_set)
    if inclusive:
        needs.update(is_revision(r) for r in rmap.get_revisions(lower))
    if current and not implicit_base:
        above = graph.descendants(
            [is_revision(r) for r in current], lookup, include_dependencies=False, check=True
        )
        needs.intersection_update(above)
    return needs, tuple(targets)


def _targets_on_branch(rmap: RevisionMap, targets: list[Revision], branch: str) -> set[Revision]:
    """Keep the targets on ``branch`` (a revision id used as qualifier means its label)."""
    branch_rev = rmap.get_revision(branch)
    if branch_rev is not None and branch_rev.revision == branch:
        assert len(branch_rev.branch_labels) == 1
        branch = next(iter(branch_rev.branch_labels))
    return {need for need in targets if branch in need.branch_labels}
