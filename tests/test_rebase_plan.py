"""Planning a rebase of migrations: which bottom revision moves where, and every refusal.

Graphs are written as ``"rev:parent1,parent2"`` strings (``"rev:"`` for a base, ``"rev:p[L]"``
for a revision declaring branch label L), in load order.
"""

from __future__ import annotations

import pytest

from revlib.heads_file import HeadEntry
from revlib.rebase_plan import (
    ALREADY_IN_BASE,
    AMBIGUOUS_TARGET,
    BAD_ONTO,
    BROKEN_GRAPH,
    LABEL_CHANGE,
    MERGE_AT_BOTTOM,
    SEVERAL_HEADS,
    UNKNOWN_REVISION,
    Move,
    Node,
    RebaseRefused,
    Sides,
    head_entries,
    plan_rebase,
    sides_onto,
    union,
)


def graph(*specs: str) -> list[Node]:
    nodes = []
    for spec in specs:
        revision, _, rest = spec.partition(":")
        parents, _, labels = rest.partition("[")
        nodes.append(
            Node(
                revision,
                tuple(p for p in parents.split(",") if p),
                tuple(label for label in labels.rstrip("]").split(",") if label),
                f"versions/{revision}.py",
            )
        )
    return nodes


def moves(*pairs: tuple[str, str, str]) -> tuple[Move, ...]:
    return tuple(Move(rev, f"versions/{rev}.py", (old,), (new,)) for rev, old, new in pairs)


@pytest.mark.parametrize(
    ("nodes", "sides", "expected_moves", "riding", "heads_after"),
    [
        pytest.param(
            graph("a:", "m:a", "x:a"),
            Sides(moving=("x",), target=("m",)),
            moves(("x", "a", "m")),
            (),
            (HeadEntry((), "x"),),
            id="one-migration",
        ),
        pytest.param(
            graph("a:", "m:a", "x:a", "y:x", "z:y"),
            Sides(moving=("z",), target=("m",)),
            moves(("x", "a", "m")),
            ("y", "z"),
            (HeadEntry((), "z"),),
            id="chain-rides-along",
        ),
        pytest.param(
            graph("a:", "m1:a", "m2:m1", "x:a"),
            Sides(moving=("x",), target=("m2",)),
            moves(("x", "a", "m2")),
            (),
            (HeadEntry((), "x"),),
            id="onto-the-top-of-their-chain",
        ),
        pytest.param(
            graph("a:", "m:a", "x1:a", "x2:a", "j:x1,x2"),
            Sides(moving=("j",), target=("m",)),
            moves(("x1", "a", "m"), ("x2", "a", "m")),
            ("j",),
            (HeadEntry((), "j"),),
            id="two-roots-joined-by-our-merge",
        ),
        pytest.param(
            graph("a:", "m:a", "x:a", "y:x", "z:x", "j:y,z"),
            Sides(moving=("y",), target=("m",)),
            moves(("x", "a", "m")),
            ("y", "z", "j"),
            (HeadEntry((), "j"),),
            id="what-sits-on-ours-moves-with-it",
        ),
        pytest.param(
            graph("a:", "m:a", "x:m"),
            Sides(moving=("x",), target=("m",)),
            (),
            (),
            (HeadEntry((), "x"),),
            id="already-on-their-head",
        ),
        pytest.param(
            graph("a:", "x:a"),
            Sides(moving=("x",), target=("a",)),
            (),
            (),
            (HeadEntry((), "x"),),
            id="they-added-nothing",
        ),
        pytest.param(
            graph("a:", "m:a", "x:a"),
            Sides(moving=("x",), base=("a",)),
            moves(("x", "a", "m")),
            (),
            (HeadEntry((), "x"),),
            id="target-from-the-common-ancestor",
        ),
        pytest.param(
            graph("e0:[expand]", "c0:[contract]", "e1:e0", "e2:e0"),
            Sides(moving=("c0", "e2"), target=("c0", "e1")),
            moves(("e2", "e0", "e1")),
            (),
            (HeadEntry(("contract",), "c0"), HeadEntry(("expand",), "e2")),
            id="labels-within-expand",
        ),
        pytest.param(
            graph("e0:[expand]", "c0:[contract]", "e1:e0", "c1:c0"),
            Sides(moving=("c1", "e0"), target=("c0", "e1")),
            (),
            (),
            (HeadEntry(("contract",), "c1"), HeadEntry(("expand",), "e1")),
            id="labels-different-branches-nothing-moves",
        ),
        pytest.param(
            graph("a:", "m:a", "r:a[reports]"),
            Sides(moving=("r",), target=("m",)),
            (),
            (),
            (HeadEntry((), "m"), HeadEntry(("reports",), "r")),
            id="a-new-labelled-branch-stays",
        ),
    ],
)
def test_plan_moves_only_the_bottom_revision(
    nodes: list[Node],
    sides: Sides,
    expected_moves: tuple[Move, ...],
    riding: tuple[str, ...],
    heads_after: tuple[HeadEntry, ...],
):
    plan = plan_rebase(nodes, sides)
    assert plan.moves == expected_moves
    assert plan.riding == riding
    assert plan.heads_after == heads_after


@pytest.mark.parametrize(
    ("nodes", "sides", "onto", "reason", "message"),
    [
        pytest.param(
            graph("a:", "m:a", "x1:a", "x2:a"),
            Sides(moving=("x1", "x2"), target=("m",)),
            None,
            SEVERAL_HEADS,
            "cannot re-parent: the result would still have several heads (x1, x2): this "
            "branch adds 2 separate chain(s) that moving the bottom migration cannot join; "
            "join them with `revlib merge x1 x2` instead",
            id="two-separate-chains",
        ),
        pytest.param(
            graph("a:", "b:", "m:a", "x:a,b"),
            Sides(moving=("x",), target=("m", "b")),
            None,
            MERGE_AT_BOTTOM,
            "cannot re-parent: versions/x.py: the bottom migration x of this branch is a "
            "merge (of a, b); a merge cannot be re-parented without guessing: delete it and "
            "run `revlib merge` once the rebase is done",
            id="merge-at-the-bottom",
        ),
        pytest.param(
            graph("a:", "m1:a", "m2:a", "x:a"),
            Sides(moving=("x",), target=("m1", "m2")),
            None,
            AMBIGUOUS_TARGET,
            "cannot re-parent: x (versions/x.py) revises a, which has several heads above it "
            "on the other branch (m1, m2); merge them first (`revlib merge m1 m2`) or choose "
            "one with --onto",
            id="their-side-has-two-heads",
        ),
        pytest.param(
            graph("a:", "m:a[extra]", "x:a"),
            Sides(moving=("x",), target=("m",)),
            None,
            LABEL_CHANGE,
            "cannot re-parent: moving x onto m would change the branch labels of a "
            "(versions/a.py) from none to {extra}; re-parent it by hand",
            id="label-change-on-their-side",
        ),
        pytest.param(
            graph("a:", "m:a", "x:a", "y:x[mine]"),
            Sides(moving=("y",), target=("m",)),
            None,
            LABEL_CHANGE,
            "cannot re-parent: moving x onto m would change the branch labels of a "
            "(versions/a.py) from none to {mine}; re-parent it by hand",
            id="our-label-would-spread-down",
        ),
        pytest.param(
            graph("a:", "x:a", "m:a"),
            Sides(moving=("x",), target=("m",), base=("x",)),
            None,
            ALREADY_IN_BASE,
            "cannot re-parent: x (versions/x.py) is already in the common ancestor of this "
            "branch and the other branch: it may already have run on a database, so it must "
            "not change; write a merge revision instead (revlib merge)",
            id="already-in-the-common-ancestor",
        ),
        pytest.param(
            graph("a:", "m:a", "x:a"),
            Sides(moving=("gone",), target=("m",)),
            None,
            UNKNOWN_REVISION,
            "cannot re-parent: this branch names gone, which no version file in the work "
            "tree defines (is the heads file stale? `revlib heads-file update` on each side)",
            id="unknown-head",
        ),
        pytest.param(
            graph("a:", "m:a", "x:a", "x:m"),
            Sides(moving=("x",), target=("m",)),
            None,
            BROKEN_GRAPH,
            "cannot re-parent: revision x is defined twice (versions/x.py and versions/x.py); "
            "remove one",
            id="duplicate-revision",
        ),
        pytest.param(
            graph("a:", "m:a", "x:nowhere"),
            Sides(moving=("x",), target=("m",)),
            None,
            BROKEN_GRAPH,
            "cannot re-parent: versions/x.py: down_revision names nowhere, which no version "
            "file in the work tree defines",
            id="missing-parent",
        ),
        pytest.param(
            graph("a:", "m:a", "x:a", "y:x"),
            Sides(moving=("y",), target=("m",)),
            "y",
            BAD_ONTO,
            "cannot re-parent: --onto y is one of the migrations this branch adds",
            id="onto-our-own",
        ),
        pytest.param(
            graph("a:", "m1:a", "m2:a", "x:m1"),
            Sides(moving=("x",), target=("m1", "m2")),
            "m2",
            BAD_ONTO,
            "cannot re-parent: --onto m2 does not descend from m1, the revision x "
            "(versions/x.py) was written on; its changes could run without it",
            id="onto-elsewhere",
        ),
        pytest.param(
            graph("a:", "m1:a", "m2:m1", "x:a"),
            Sides(moving=("x",), target=("m2",)),
            "m1",
            BAD_ONTO,
            "cannot re-parent: --onto m1 is not a head (m2 above it): moving x onto it would "
            "leave several heads",
            id="onto-below-their-head",
        ),
    ],
)
def test_plan_refuses_with_a_reason(
    nodes: list[Node], sides: Sides, onto: str | None, reason: str, message: str
):
    with pytest.raises(RebaseRefused) as raised:
        plan_rebase(nodes, sides, onto=onto)
    assert raised.value.reason == reason
    assert str(raised.value) == message


def test_plan_onto_an_explicit_head():
    nodes = graph("a:", "m1:a", "m2:m1", "x:a")
    plan = plan_rebase(nodes, Sides(moving=("x",), target=("m2",)), onto="m2")
    assert plan.moves == moves(("x", "a", "m2"))
    assert plan.heads_after == (HeadEntry((), "x"),)


def test_plan_needs_the_target_or_the_common_ancestor():
    with pytest.raises(ValueError, match="target"):
        plan_rebase(graph("a:"), Sides(moving=("a",)))


def test_sides_onto_takes_the_other_heads_of_the_same_branch():
    nodes = graph("a:", "m:a", "x:a", "r:a[reports]")
    assert sides_onto(nodes, "m") == Sides(
        moving=("x",), target=("m",), moving_name="the other heads"
    )
    plan = plan_rebase(nodes, sides_onto(nodes, "m"), onto="m")
    assert plan.moves == moves(("x", "a", "m"))
    assert plan.heads_after == (HeadEntry((), "x"), HeadEntry(("reports",), "r"))


def test_union_adds_their_revisions_and_refuses_a_changed_one():
    ours = graph("a:", "x:a")
    theirs = graph("a:", "m:a")
    assert [n.revision for n in union(ours, theirs, "main")] == ["a", "x", "m"]
    with pytest.raises(RebaseRefused) as raised:
        union(ours, graph("a:", "m:a", "x:m"), "main")
    assert raised.value.reason == ALREADY_IN_BASE
    assert str(raised.value) == (
        "cannot re-parent: x is already in main (versions/x.py, revising m), but "
        "versions/x.py here revises a: it may already have run there, so it must not move; "
        "take main's version of the file"
    )


def test_head_entries_carry_inherited_labels():
    nodes = graph("e0:[expand]", "e1:e0", "c0:[contract]", "p:")
    assert head_entries(nodes) == (
        HeadEntry((), "p"),
        HeadEntry(("contract",), "c0"),
        HeadEntry(("expand",), "e1"),
    )
