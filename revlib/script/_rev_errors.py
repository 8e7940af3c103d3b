"""The exception tree of ``alembic.script.revision``, with the same classes and messages."""

from __future__ import annotations

from collections.abc import Sequence


class RevisionError(Exception):
    """Base class of every error about revision identifiers and the revision graph."""


class RangeNotAncestorError(RevisionError):
    """The lower end of a range is not an ancestor of its upper end."""

    def __init__(self, lower: object, upper: object) -> None:
        self.lower = lower
        self.upper = upper
        super().__init__(
            f"Revision {lower or 'base'} is not an ancestor of revision {upper or 'base'}"
        )


class MultipleHeads(RevisionError):
    """A symbol such as ``head`` was asked for one revision but names several."""

    def __init__(self, heads: Sequence[str], argument: str | None) -> None:
        self.heads = heads
        self.argument = argument
        listed = ", ".join(heads)
        super().__init__(f"Multiple heads are present for given argument '{argument}'; {listed}")


class ResolutionError(RevisionError):
    """An identifier matches no revision, or more than one."""

    def __init__(self, message: str, argument: str) -> None:
        super().__init__(message)
        self.argument = argument


class CycleDetected(RevisionError):
    """The ``down_revision`` graph has a cycle; ``revisions`` names the revisions involved."""

    kind = "Cycle"

    def __init__(self, revisions: Sequence[str]) -> None:
        self.revisions = revisions
        super().__init__(f"{self.kind} is detected in revisions ({', '.join(revisions)})")


class DependencyCycleDetected(CycleDetected):
    """The graph of ``down_revision`` plus ``depends_on`` edges has a cycle."""

    kind = "Dependency cycle"


class LoopDetected(CycleDetected):
    """A revision names itself in ``down_revision``."""

    kind = "Self-loop"

    def __init__(self, revision: str) -> None:
        super().__init__([revision])


class DependencyLoopDetected(DependencyCycleDetected, LoopDetected):
    """A revision names itself in ``depends_on``."""

    kind = "Dependency self-loop"

    def __init__(self, revision: str) -> None:
        CycleDetected.__init__(self, [revision])
