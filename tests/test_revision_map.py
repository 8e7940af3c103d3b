"""Hand-picked RevisionMap behaviour: documented Alembic examples, where revlib is right and
Alembic is not, the callable flags, and linear growth at 10,000 revisions."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from revlib.script.revision import (
    CycleDetected,
    DependencyCycleDetected,
    MultipleHeads,
    ResolutionError,
    Revision,
    RevisionMap,
)
from tests.graphs import RevSpec, graphs


def rmap(*specs: tuple[Any, ...]) -> RevisionMap:
    def generate() -> list[Revision]:
        return [Revision(*spec) for spec in specs]

    return RevisionMap(generate)


def ids(revisions: Sequence[Any]) -> list[str]:
    return [r.revision for r in revisions]


BRANCHY = (("r1", None), ("r2", "r1"), ("r3a", "r2"), ("r3b", "r2"), ("r4", "r3a"))


@pytest.mark.parametrize(
    ("specs", "heads", "real_heads"),
    [
        pytest.param(BRANCHY, ("r3b", "r4"), ("r3b", "r4"), id="two-heads-in-load-order"),
        pytest.param(
            (("a1", None), ("a2", "a1"), ("b1", None), ("b2", "b1", "a2")),
            ("a2", "b2"),
            ("b2",),
            id="depends-on-consumes-a-real-head-only",
        ),
        pytest.param(
            (("aaaa1111", None), ("bbbb2222", "aaaa1111"), ("bbbb2222", "aaaa1111")),
            ("bbbb2222", "bbbb2222"),
            ("bbbb2222", "bbbb2222"),
            id="duplicate-id-reported-twice",
        ),
    ],
)
def test_heads_follow_alembic(specs: Any, heads: Any, real_heads: Any) -> None:
    with pytest.warns(UserWarning) if specs[-1] == specs[-2] else _nothing():
        graph = rmap(*specs)
        assert graph.heads == heads
    assert graph._real_heads == real_heads
    assert graph.get_heads() == heads


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_walk_order_breaks_ties_by_load_order() -> None:
    assert ids(list(rmap(*BRANCHY).iterate_revisions("heads", "base"))) == [
        "r3b",
        "r4",
        "r3a",
        "r2",
        "r1",
    ]
    merged = rmap(*BRANCHY, ("m1", ("r4", "r3b")))
    assert ids(list(merged.iterate_revisions("heads", "base"))) == [
        "m1",
        "r4",
        "r3a",
        "r3b",
        "r2",
        "r1",
    ]


def test_head_is_ambiguous_with_two_heads() -> None:
    with pytest.raises(MultipleHeads) as caught:
        rmap(*BRANCHY).get_revision("head")
    assert str(caught.value) == "Multiple heads are present for given argument 'head'; r3b, r4"


def test_partial_ids_match_candidates_of_four_or_more_characters() -> None:
    graph = rmap(("abcdef1234", None), ("xyz", "abcdef1234"))
    assert graph.get_revision("a").revision == "abcdef1234"
    with pytest.raises(ResolutionError, match="No such revision or branch 'xy'; please ensure"):
        graph.get_revision("xy")


def test_branch_label_names_its_revision_and_label_at_head_its_branch_head() -> None:
    graph = rmap(("a1", None), ("b1", "a1", None, "net"), ("b2", "b1"))
    assert graph.get_revision("net").revision == "b1"
    assert graph.get_revision("net@head").revision == "b2"
    assert graph.get_revision("a1").branch_labels == {"net"}  # linear lineage inherits


def test_flags_are_truthy_properties_and_callables() -> None:
    graph = rmap(*BRANCHY)
    r2, r4 = graph.get_revision("r2"), graph.get_revision("r4")
    assert r2 is not None and r4 is not None
    assert r4.is_head and r4.is_head() is True
    assert not r2.is_head and r2.is_head() is False
    assert r2.is_branch_point() and r2.is_branch_point == True  # noqa: E712
    assert repr(r4.is_head) == "True"


def test_cycle_reachable_from_head_and_base_is_detected() -> None:
    """Alembic accepts this map and walks h, a, c, b; it has a cycle a -> c -> a."""
    graph = rmap(("b", None), ("a", ("b", "c")), ("c", "a"), ("h", "a"))
    with pytest.raises(CycleDetected) as caught:
        graph.get_heads()
    assert str(caught.value) == "Cycle is detected in revisions (a, c)"
    assert type(caught.value) is CycleDetected


def test_dependency_cycle_alembic_misses_is_detected() -> None:
    graph = rmap(("b", None), ("a", "b", "c"), ("c", "a"), ("h", "c"))
    with pytest.raises(DependencyCycleDetected, match=r"revisions \(a, c\)"):
        graph.get_heads()


HANGS_ALEMBIC = [
    ("r0", None),
    ("r1", "r0"),
    ("r2", "r0"),
    ("r3", ("r1", "r0", "r5")),
    ("r4", "r3"),
    ("r5", ("r4", "r3")),
    ("r6", "r5"),
]


def test_cycle_that_hangs_alembics_walk_is_an_error_in_revlib() -> None:
    program = textwrap.dedent(
        f"""
        from alembic.script.revision import Revision, RevisionMap
        m = RevisionMap(lambda: [Revision(*s) for s in {HANGS_ALEMBIC!r}])
        print(m.heads, flush=True)
        list(m.iterate_revisions("heads", "base"))
        """
    )
    with pytest.raises(subprocess.TimeoutExpired) as caught:
        subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=3)
    assert caught.value.stdout == b"('r2', 'r6')\n"  # Alembic built the map, then never returned
    with pytest.raises(CycleDetected, match=r"^Cycle is detected in revisions \(r3, r4, r5\)$"):
        list(rmap(*HANGS_ALEMBIC).iterate_revisions("heads", "base"))


def _count_calls(action: Any) -> int:
    calls = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return calls


def _wide_history(size: int) -> RevisionMap:
    """Mostly linear; a branch and merge every 100, a dependency every 7, four branch labels."""
    specs: list[tuple[Any, ...]] = [("r0", None)]
    for n in range(1, size):
        parent: Any = f"r{n - 1}"
        if n % 100 == 0:
            parent = (f"r{n - 1}", f"s{n - 1}")
            specs.append((f"s{n - 1}", f"r{n - 2}"))
        deps = (f"r{n - 3}", "r0") if n % 7 == 0 and n > 3 else None
        labels = f"label{n}" if n in (10, 20, 30, 40) else None
        specs.append((f"r{n}", parent, deps, labels))
    return rmap(*specs)


def test_building_the_map_and_finding_heads_grows_linearly() -> None:
    """Function calls (not seconds) for 2,500 and 10,000 revisions: 4x the size, ~4x the work."""

    def work(size: int) -> int:
        graph = _wide_history(size)
        return _count_calls(lambda: (graph.heads, graph._real_heads, graph.bases))

    small, large = work(2_500), work(10_000)
    assert large / small < 4 * 1.2, (small, large)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(specs=graphs(trouble=True))
def test_the_linear_acyclicity_shortcut_never_changes_what_a_build_gives(
    specs: list[RevSpec],
) -> None:
    """The build skips Alembic's reachability and cycle walks on graphs a linear check shows
    sound; on every graph, sound or broken, the result (or error) equals the full walks'."""
    from unittest import mock

    from revlib.script import _rev_build, revision
    from tests.oracle import make_map, outcome
    from tests.test_revision_map_differential import _structure

    shortcut = outcome(lambda: _structure(make_map(revision, specs)))
    with mock.patch.object(_rev_build, "_plainly_acyclic", return_value=False):
        full = outcome(lambda: _structure(make_map(revision, specs)))
    assert shortcut == full


@pytest.mark.parametrize(
    ("rev_id", "down"),
    [
        pytest.param("a1", None, id="base"),
        pytest.param("b2", "a1", id="one-parent"),
        pytest.param("b2", "", id="empty-parent"),
        pytest.param("", "", id="empty-both"),
        pytest.param("b2", "b2", id="loop"),
        pytest.param("b-2", "a1", id="illegal-id"),
        pytest.param("b2", ("a1", "c3"), id="merge"),
        pytest.param("b2", ["a1"], id="list"),
    ],
)
def test_the_plain_script_shortcut_leaves_what_revision_init_leaves(
    rev_id: str, down: Any
) -> None:
    """Script.from_values skips Revision.__init__ for plain revisions: the object is the
    same, and whatever the shortcut declines goes through __init__ (and its errors)."""
    from revlib.script._script import Script

    def general() -> dict[str, Any]:
        script = Script.__new__(Script)
        script._module, script._docstring, script.path = None, "doc", "/v/x.py"
        Revision.__init__(script, rev_id, down, branch_labels=(), dependencies=())
        return vars(script)

    try:
        expected: Any = general()
    except Exception as error:  # the cases __init__ refuses
        expected = (type(error), str(error))
    try:
        actual: Any = vars(Script.from_values(rev_id, "/v/x.py", down, docstring="doc"))
    except Exception as error:
        actual = (type(error), str(error))
    assert actual == expected
