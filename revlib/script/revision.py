"""Revision graphs: a drop-in for ``alembic.script.revision``.

:class:`RevisionMap` builds the graph once, on first use, from an iterable of
:class:`Revision` objects, and answers Alembic's questions about it (heads, bases, identifier
resolution, iteration between two points) with Alembic's answers, orders and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from revlib.script import _rev_graph as graph
from revlib.script import _rev_ranges as ranges
from revlib.script._rev_build import MapState, build_map, warn
from revlib.script._rev_build import add_branches as _add_branches
from revlib.script._rev_build import map_branch_labels as _map_branch_labels
from revlib.script._rev_build import normalize_dependencies as _normalize_dependencies
from revlib.script._rev_build import resolve_dependencies as _resolve_dependencies
from revlib.script._rev_errors import (
    CycleDetected,
    DependencyCycleDetected,
    DependencyLoopDetected,
    LoopDetected,
    MultipleHeads,
    RangeNotAncestorError,
    ResolutionError,
    RevisionError,
)
from revlib.script._rev_node import Revision, is_revision, to_tuple, tuple_rev_as_scalar

__all__ = [
    "CycleDetected",
    "DependencyCycleDetected",
    "DependencyLoopDetected",
    "LoopDetected",
    "MultipleHeads",
    "RangeNotAncestorError",
    "ResolutionError",
    "Revision",
    "RevisionError",
    "RevisionMap",
    "is_revision",
    "tuple_rev_as_scalar",
]

_TR = TypeVar("_TR")
_PARTIAL_MIN_KEY_LENGTH = 4
_relative_destination = ranges.RELATIVE_DESTINATION


class RevisionMap:
    """The graph of a collection of revisions, built lazily from ``generator()``.

    ``generator`` is a zero-argument callable returning the revisions in load order; that order
    breaks ties wherever Alembic's answers depend on it.
    """

    def __init__(self, generator: Callable[[], Iterable[Revision]]) -> None:
        self._generator = generator
        self._state: MapState | None = None

    # -- the built graph -------------------------------------------------------------------

    @property
    def _built(self) -> MapState:
        if self._state is None:
            self._state = build_map(self._generator())
        return self._state

    @property
    def _revision_map(self) -> dict[Any, Revision | None]:
        return self._built.lookup

    @property
    def heads(self) -> tuple[str, ...]:
        """Ids of revisions that no ``down_revision`` names, in load order."""
        return self._built.heads

    @property
    def bases(self) -> tuple[str, ...]:
        """Ids of revisions whose ``down_revision`` is None, in load order."""
        return self._built.bases

    @property
    def _real_heads(self) -> tuple[str, ...]:
        """Heads that no ``depends_on`` names either (what the ``heads`` symbol means)."""
        return self._built.real_heads

    @property
    def _real_bases(self) -> tuple[str, ...]:
        return self._built.real_bases

    def get_heads(self) -> tuple[str, ...]:
        """Same as :attr:`heads` (the reference page's method form)."""
        return self.heads

    def get_bases(self) -> tuple[str, ...]:
        """Same as :attr:`bases` (the reference page's method form)."""
        return self.bases

    def add_revision(self, revision: Revision, _replace: bool = False) -> None:
        """Add one revision to a built map (for a single new file, not to fill a whole map)."""
        state = self._built
        lookup = state.lookup
        if not _replace and revision.revision in lookup:
            warn(f"Revision {revision.revision} is present more than once")
        elif _replace and revision.revision not in lookup:
            raise Exception(f"revision {revision.revision} not in map")
        lookup[revision.revision] = revision
        state.load_order.setdefault(revision.revision, len(state.load_order))
        _add_branches([revision], lookup)
        _map_branch_labels([revision], lookup)
        _resolve_dependencies([revision], lookup)
        if revision.is_base:
            state.bases += (revision.revision,)
        if revision._is_real_base:
            state.real_bases += (revision.revision,)
        for down_id in revision._all_down_revisions:
            if down_id not in lookup:
                warn(f"Revision {down_id} referenced from {revision} is not present")
            parent = lookup[down_id]
            assert parent is not None
            parent.add_nextrev(revision)
        _normalize_dependencies([revision], lookup)
        if revision._is_real_head:
            consumed = {*revision._all_down_revisions, revision.revision}
            state.real_heads = (
                *(h for h in state.real_heads if h not in consumed),
                revision.revision,
            )
        if revision.is_head:
            consumed = {*revision._versioned_down_revisions, revision.revision}
            state.heads = (*(h for h in state.heads if h not in consumed), revision.revision)

    # -- identifiers -----------------------------------------------------------------------

    def get_current_head(self, branch_label: str | None = None) -> str | None:
        """The single head (of ``branch_label``'s lineage); MultipleHeads if there are more."""
        current: Sequence[str] = self.heads
        if branch_label:
            current = self.filter_for_lineage(current, branch_label)
        if len(current) > 1:
            argument = f"{branch_label}@head" if branch_label else "head"
            raise MultipleHeads(current, argument)
        return current[0] if current else None

    def _get_base_revisions(self, identifier: str) -> tuple[str, ...]:
        return self.filter_for_lineage(self.bases, identifier)

    def get_revisions(self, id_: Any) -> tuple[Any, ...]:
        """The revisions an identifier (or a collection of them) names; ``()`` for base."""
        if isinstance(id_, (list, tuple, set, frozenset)):
            return sum((self.get_revisions(element) for element in id_), ())
        resolved, branch_label = self._resolve_revision_number(id_)
        if len(resolved) == 1:
            steps = _negative_int(resolved[0])
            if steps is not None:
                return self._walk_down_from_heads(steps, branch_label)
        return tuple(self._revision_for_ident(rev_id, branch_label) for rev_id in resolved)

    def _walk_down_from_heads(self, steps: int, branch_label: str | None) -> tuple[Any, ...]:
        """``-N`` / ``label@-N``: N steps down from each real head (of the label)."""
        selected = self.get_revisions("heads")
        if branch_label is not None:
            selected = tuple(h for h in selected if branch_label in is_revision(h).branch_labels)
        return tuple(self._walk(head, steps=steps) for head in selected)

    def get_revision(self, id_: str | None) -> Revision | None:
        """The one revision an identifier names (None for base); MultipleHeads if several."""
        resolved, branch_label = self._resolve_revision_number(id_)
        if len(resolved) > 1:
            raise MultipleHeads(resolved, id_)
        return self._revision_for_ident(resolved[0] if resolved else (), branch_label)

    def _resolve_branch(self, branch_label: str) -> Revision | None:
        try:
            return self._revision_map[branch_label]
        except KeyError:
            pass
        try:
            return self._revision_for_ident(branch_label)
        except ResolutionError as error:
            raise ResolutionError(f"No such branch: '{branch_label}'", branch_label) from error

    def _revision_for_ident(
        self, resolved_id: Any, check_branch: str | None = None
    ) -> Revision | None:
        branch_rev = self._resolve_branch(check_branch) if check_branch else None
        lookup = self._revision_map
        revision: Revision | None
        if resolved_id in lookup:
            revision = lookup[resolved_id]
        else:
            revision = lookup[self._partial_match(resolved_id, branch_rev, check_branch)]
        if check_branch and revision is not None:
            assert branch_rev is not None
            if not self._shares_lineage(revision.revision, branch_rev.revision):
                raise ResolutionError(
                    f"Revision {revision.revision} is not a member of branch '{check_branch}'",
                    resolved_id,
                )
        return revision

    def _partial_match(
        self, prefix: str, branch_rev: Revision | None, check_branch: str | None
    ) -> str:
        """The one key (id or label) of four or more characters that starts with ``prefix``."""
        assert prefix
        candidates: Sequence[str] = [
            key
            for key in self._revision_map
            if key and len(key) >= _PARTIAL_MIN_KEY_LENGTH and key.startswith(prefix)
        ]
        if branch_rev:
            candidates = self.filter_for_lineage(candidates, check_branch)
        if not candidates:
            hint = ""
            if len(prefix) < _PARTIAL_MIN_KEY_LENGTH:
                hint = (
                    "; please ensure at least four characters are present for partial "
                    "revision identifier matches"
                )
            raise ResolutionError(f"No such revision or branch '{prefix}'{hint}", prefix)
        if len(candidates) > 1:
            listed = ", ".join(f"'{c}'" for c in candidates[:3])
            raise ResolutionError(f"Multiple revisions start with '{prefix}': {listed}...", prefix)
        return candidates[0]

    def _filter_into_branch_heads(self, targets: Iterable[Any]) -> set[Any]:
        remaining = set(targets)
        for rev in list(remaining):
            assert rev
            above = set(graph.descendants([rev], self._revision_map, include_dependencies=False))
            if remaining.intersection(above).difference([rev]):
                remaining.discard(rev)
        return remaining

    def filter_for_lineage(
        self,
        targets: Iterable[_TR],
        check_against: str | None,
        include_dependencies: bool = False,
    ) -> tuple[_TR, ...]:
        """The targets that are ancestors or descendants of what ``check_against`` names."""
        ids, branch_label = self._resolve_revision_number(check_against)
        shares: list[str] = [branch_label] if branch_label else []
        shares.extend(ids)
        return tuple(
            target
            for target in targets
            if self._shares_lineage(target, shares, include_dependencies=include_dependencies)
        )

    def _shares_lineage(
        self, target: Any, test_against_revs: Any, include_dependencies: bool = False
    ) -> bool:
        if not test_against_revs:
            return True
        if not isinstance(target, Revision):
            target = self._revision_for_ident(target)
            assert target is not None
        others = [
            rev if isinstance(rev, Revision) else self._revision_for_ident(rev)
            for rev in to_tuple(test_against_revs, default=()) or ()
        ]
        lookup = self._revision_map
        lineage = set(graph.descendants([target], lookup, include_dependencies))
        lineage.update(graph.ancestors([target], lookup, include_dependencies))
        return bool(lineage.intersection(others))

    def _resolve_revision_number(self, id_: Any) -> tuple[tuple[str, ...], str | None]:
        """Split ``label@ident`` and expand the symbols ``heads``, ``head`` and ``base``."""
        branch_label: str | None = None
        if isinstance(id_, str) and "@" in id_:
            branch_label, id_ = id_.split("@", 1)
        elif id_ is not None and (
            (isinstance(id_, tuple) and id_ and not isinstance(id_[0], str))
            or not isinstance(id_, (str, tuple))
        ):
            raise RevisionError(
                f"revision identifier {id_!r} is not a string; ensure database driver "
                "settings are correct"
            )
        state = self._built
        if id_ == "heads":
            if branch_label:
                return self.filter_for_lineage(self.heads, branch_label), branch_label
            return state.real_heads, branch_label
        if id_ == "head":
            current = self.get_current_head(branch_label)
            return ((current,) if current else ()), branch_label
        if id_ == "base" or id_ is None:
            return (), branch_label
        return to_tuple(id_) or (), branch_label

    # -- iteration -------------------------------------------------------------------------

    def iterate_revisions(
        self,
        upper: Any,
        lower: Any,
        implicit_base: bool = False,
        inclusive: bool = False,
        assert_relative_length: bool = True,
        select_for_downgrade: bool = False,
    ) -> Iterator[Revision]:
        """Revisions between ``upper`` and ``lower``, newest first, as Alembic walks them."""
        collect = ranges.collect_downgrade if select_for_downgrade else ranges.collect_upgrade
        revisions, heads = collect(
            self,
            upper,
            lower,
            inclusive=inclusive,
            implicit_base=implicit_base,
            assert_relative_length=assert_relative_length,
        )
        for rev_id in self._topological_sort(revisions, heads):
            yield is_revision(self.get_revision(rev_id))

    def _topological_sort(self, revisions: Collection[Revision], heads: Any) -> list[str]:
        state = self._built
        return graph.topological_sort(state.lookup, state.load_order, revisions, heads)

    def _get_descendant_nodes(
        self,
        targets: Collection[Any],
        map_: Any = None,
        check: bool = False,
        omit_immediate_dependencies: bool = False,
        include_dependencies: bool = True,
    ) -> Iterator[Revision]:
        return graph.descendants(
            targets,
            self._revision_map if map_ is None else map_,
            include_dependencies=include_dependencies,
            omit_immediate_dependencies=omit_immediate_dependencies,
            check=check,
        )

    def _get_ancestor_nodes(
        self,
        targets: Collection[Any],
        map_: Any = None,
        check: bool = False,
        include_dependencies: bool = True,
    ) -> Iterator[Revision]:
        return graph.ancestors(
            targets,
            self._revision_map if map_ is None else map_,
            include_dependencies=include_dependencies,
            check=check,
        )

    def _walk(
        self,
        start: Any,
        steps: int,
        branch_label: str | None = None,
        no_overwalk: bool = True,
    ) -> Any:
        return ranges.walk(self, start, steps, branch_label, no_overwalk)

    def _get_all_current(self, id_: tuple[str, ...]) -> set[Any]:
        top = set(self.get_revisions(id_))
        top.update(graph.ancestors(list(top), self._revision_map, include_dependencies=True))
        return self._filter_into_branch_heads(top)


def _negative_int(text: str) -> int | None:
    """``int(text)`` when it is negative (a ``-N`` walk), else None (ids like ``0185`` stay)."""
    try:
        number = int(text)
    except ValueError:
        return None
    return number if number < 0 else None
