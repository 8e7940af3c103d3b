"""Run the same question through Alembic and revlib and reduce both answers to plain data.

An outcome is ``("ok", value, warnings)`` or ``("error", class name, message, warnings)``;
revisions become their ids, iterators become lists, sets become sorted lists.
"""

from __future__ import annotations

import re
import signal
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from alembic.script import revision as alembic_revision

from revlib.script import revision as revlib_revision
from tests.graphs import RevSpec

Outcome = tuple[Any, ...]


def plain(value: Any) -> Any:
    """Revisions to ids, containers to lists/tuples, sets sorted (their order is hash order)."""
    if isinstance(value, (alembic_revision.Revision, revlib_revision.Revision)):
        return ("rev", value.revision)
    if isinstance(value, (set, frozenset)):
        return ("set", sorted((plain(v) for v in value), key=repr))
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, (list, Iterator)) or hasattr(value, "__next__"):
        return [plain(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and type(value) is not int:
        return bool(value)  # revlib's callable Flag
    return value


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def _raise(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no answer within {seconds}s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def outcome(question: Callable[[], Any]) -> Outcome:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with time_limit(5):
                value = plain(question())
        except Exception as error:  # the answer under test may be any exception
            found = [str(w.message) for w in caught]
            return ("error", type(error).__name__, str(error), found)
    return ("ok", value, [str(w.message) for w in caught])


def make_map(module: Any, specs: list[RevSpec]) -> Any:
    def generate() -> Iterator[Any]:
        for spec in specs:
            yield module.Revision(
                spec.revision,
                spec.down_revision,
                dependencies=spec.depends_on,
                branch_labels=spec.branch_labels,
            )

    return module.RevisionMap(generate)


def maps(specs: list[RevSpec]) -> tuple[Any, Any]:
    return make_map(alembic_revision, specs), make_map(revlib_revision, specs)


_LABEL_CLASH = re.compile(r"Branch name '(.*)' in revision (\S+) already used by revision (\S+)")
_OVERLAP = re.compile(r"Requested revision (\S+) overlaps with other requested revisions (.*)")


def same(expected: Outcome, actual: Outcome) -> bool:
    """Equal outcomes, allowing only the orders that Alembic takes from object hashes."""
    if expected == actual:
        return True
    if expected[0] != "error" or actual[0] != "error" or expected[1] != actual[1]:
        return False
    if expected[3] != actual[3]:
        return False
    a, b = _LABEL_CLASH.fullmatch(expected[2]), _LABEL_CLASH.fullmatch(actual[2])
    if a and b:
        # Alembic visits labelled revisions in object-hash order, so which clash it reports
        # first varies from run to run; revlib reports the first in load order
        return True
    # which requested revision Alembic checks first follows a set of Revision objects
    # (object-hash order), so for an overlap only the kind of error is compared
    return bool(_OVERLAP.fullmatch(expected[2]) and _OVERLAP.fullmatch(actual[2]))


def assert_real_cycle(specs: list[RevSpec], message: str) -> None:
    """The revisions a cycle error names really lie on a cycle of parents and dependencies."""
    named = re.search(r"\((.*)\)$", message)
    assert named, message
    members = named.group(1).split(", ")
    edges: dict[str, set[str]] = {}
    for spec in specs:
        parents = _as_tuple(spec.down_revision) + _as_tuple(spec.depends_on)
        edges.setdefault(spec.revision, set()).update(parents)
    for member in members:
        assert _reaches(edges, member, member), f"{member} is on no cycle: {message}"


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    stack, seen = list(edges.get(start, ())), set()
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return False
