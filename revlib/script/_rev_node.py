"""``Revision``: one node of the revision graph, as ``alembic.script.revision.Revision``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from revlib.script._rev_errors import DependencyLoopDetected, LoopDetected, RevisionError

_T = TypeVar("_T")
_ILLEGAL_ID_CHARACTERS = frozenset("@-+:")
_ILLEGAL_ID_PATTERN = re.compile("[@+:-]")


def to_tuple(value: Any, default: tuple[Any, ...] | None = None) -> tuple[Any, ...] | None:
    """Alembic's normalisation: None -> default, a string -> (s,), an iterable -> tuple(it)."""
    if value is None:
        return default
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        return tuple(value)
    return (value,)


def as_tuple(value: Any) -> tuple[Any, ...]:
    """:func:`to_tuple` with an empty tuple for None."""
    # the common cases first: this runs several times per revision when a map is built
    if value is None:
        return ()
    kind = type(value)
    if kind is str:
        return (value,)
    if kind is tuple:
        return value  # type: ignore[no-any-return]
    result = to_tuple(value, default=())
    assert result is not None
    return result


def dedupe_tuple(values: Iterable[_T]) -> tuple[_T, ...]:
    """The values in first-seen order, each once."""
    return tuple(dict.fromkeys(values))


def tuple_rev_as_scalar(rev: Sequence[_T] | None) -> _T | Sequence[_T] | None:
    """Empty -> None, one element -> that element, more -> unchanged (Alembic's public form)."""
    if not rev:
        return None
    if len(rev) == 1:
        return rev[0]
    return rev


class Flag(int):
    """A truth value that also answers when called: ``script.is_head`` and ``script.is_head()``.

    Alembic exposes these flags as properties while its reference page shows them as methods;
    this type satisfies both spellings. It compares equal to True/False.
    """

    def __new__(cls, value: object) -> Flag:
        return super().__new__(cls, bool(value))

    def __call__(self) -> bool:
        return bool(self)

    def __repr__(self) -> str:
        return repr(bool(self))

    __str__ = __repr__


TRUE = Flag(True)
FALSE = Flag(False)


def _flag(value: bool) -> Flag:
    return TRUE if value else FALSE


class Revision:
    """A revision: its id, parents (``down_revision``), dependencies and branch labels.

    ``nextrev`` and the resolved dependency tuples are filled in by :class:`RevisionMap` when it
    builds the graph; before that a revision stands alone.
    """

    nextrev: frozenset[str] = frozenset()
    """Children, through ``down_revision`` only."""

    _all_nextrev: frozenset[str] = frozenset()
    """Children through ``down_revision`` or ``depends_on``."""

    revision: str
    down_revision: str | tuple[str, ...] | None
    dependencies: str | tuple[str, ...] | None
    branch_labels: set[str]
    _orig_branch_labels: tuple[str, ...]
    _resolved_dependencies: tuple[str, ...] = ()
    _normalized_resolved_dependencies: tuple[str, ...] = ()

    @classmethod
    def verify_rev_id(cls, revision: str) -> None:
        """Raise RevisionError when the id holds a character Alembic reserves for syntax."""
        illegal = _ILLEGAL_ID_CHARACTERS.intersection(revision)
        if illegal:
            raise RevisionError(
                f"Character(s) '{', '.join(sorted(illegal))}' not allowed in "
                f"revision identifier '{revision}'"
            )

    def __init__(
        self,
        revision: str,
        down_revision: str | Sequence[str] | None,
        dependencies: str | Sequence[str] | None = None,
        branch_labels: str | Sequence[str] | None = None,
    ) -> None:
        single = type(down_revision) is str  # the common case, spared the general calls
        if down_revision and (
            revision == down_revision if single else revision in as_tuple(down_revision)
        ):
            raise LoopDetected(revision)
        if single:
            self.down_revision = down_revision  # type: ignore[assignment]
        else:
            self.down_revision = _scalar(down_revision)
        if dependencies is not None and revision in as_tuple(dependencies):
            raise DependencyLoopDetected(revision)
        if type(revision) is not str or _ILLEGAL_ID_PATTERN.search(revision) is not None:
            self.verify_rev_id(revision)
        self.revision = revision
        self.dependencies = _scalar(dependencies)
        self._orig_branch_labels = as_tuple(branch_labels)
        self.branch_labels = set(self._orig_branch_labels)

    def __repr__(self) -> str:
        args = [repr(self.revision), repr(self.down_revision)]
        if self.dependencies:
            args.append(f"dependencies={self.dependencies!r}")
        if self.branch_labels:
            args.append(f"branch_labels={self.branch_labels!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    def add_nextrev(self, revision: Revision) -> None:
        """Record ``revision`` as a child (a versioned child when it names us as a parent)."""
        self._all_nextrev = self._all_nextrev.union([revision.revision])
        if self.revision in revision._versioned_down_revisions:
            self.nextrev = self.nextrev.union([revision.revision])

    @property
    def _versioned_down_revisions(self) -> tuple[str, ...]:
        return as_tuple(self.down_revision)

    @property
    def _all_down_revisions(self) -> tuple[str, ...]:
        return dedupe_tuple(self._versioned_down_revisions + self._resolved_dependencies)

    @property
    def _normalized_down_revisions(self) -> tuple[str, ...]:
        """Parents plus the dependencies that no ancestor already declares."""
        return dedupe_tuple(
            self._versioned_down_revisions + self._normalized_resolved_dependencies
        )

    @property
    def is_head(self) -> Flag:
        """True when no revision names this one in its ``down_revision``."""
        return _flag(not self.nextrev)

    @property
    def _is_real_head(self) -> bool:
        return not self._all_nextrev

    @property
    def is_base(self) -> Flag:
        """True when ``down_revision`` is None."""
        return _flag(self.down_revision is None)

    @property
    def _is_real_base(self) -> bool:
        return self.down_revision is None and self.dependencies is None

    @property
    def is_branch_point(self) -> Flag:
        """True when more than one revision names this one in its ``down_revision``."""
        return _flag(len(self.nextrev) > 1)

    @property
    def _is_real_branch_point(self) -> bool:
        return len(self._all_nextrev) > 1

    @property
    def is_merge_point(self) -> Flag:
        """True when this revision has more than one ``down_revision``."""
        return _flag(len(self._versioned_down_revisions) > 1)


def set_plain_fields(revision: Revision, rev_id: object, down_revision: object) -> bool:
    """Give ``revision`` the fields :meth:`Revision.__init__` gives an id with at most one
    parent and no branch labels or dependencies, when its checks would pass; else set nothing
    and return False (``__init__`` then runs, and raises what it raises).

    Nearly every migration is such a revision, and at ten thousand of them the general
    checks and normalisations cost more than the rest of making the object.
    """
    if type(rev_id) is not str or _ILLEGAL_ID_PATTERN.search(rev_id) is not None:
        return False
    if down_revision is not None and (type(down_revision) is not str or down_revision == rev_id):
        return False
    revision.revision = rev_id
    revision.down_revision = down_revision
    revision.dependencies = None
    revision._orig_branch_labels = ()
    revision.branch_labels = set()
    return True


def _scalar(value: str | Sequence[str] | None) -> str | tuple[str, ...] | None:
    """``tuple_rev_as_scalar(to_tuple(value))``, without the calls for a string or None."""
    if value is None or type(value) is str:
        return value
    return tuple_rev_as_scalar(to_tuple(value))  # type: ignore[return-value]


def is_revision(rev: object) -> Revision:
    """Narrow ``rev`` to a Revision (Alembic's helper of the same name)."""
    assert isinstance(rev, Revision)
    return rev
