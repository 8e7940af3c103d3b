"""revlib.new_heads: which heads a change adds, and the file each is blamed on."""

from __future__ import annotations

import pytest

from revlib.findings import format_text
from revlib.new_heads import Change, find_new_heads
from revlib.sources import SourceFile
from tests.test_lint import header


def v(rev: str, down: object, **kw: object) -> SourceFile:
    return SourceFile(f"v/{rev}.py", header(rev, down, **kw).encode())  # type: ignore[arg-type]


A, B, C = v("a", None), v("b", "a"), v("c", "b")


@pytest.mark.parametrize(
    ("base", "final", "changed", "deleted", "options", "expected"),
    [
        pytest.param([A, B], [A, B, v("c", "b")], {"c"}, (), {}, "", id="extends-the-head"),
        pytest.param(
            [A, B],
            [A, B, v("x", "a")],
            {"x"},
            (),
            {},
            "v/x.py:7: new-head x revises a (v/a.py), which origin/main already extends with b "
            "(v/b.py); the heads would be x from this branch and b from origin/main\n"
            "  hint: run `revlib rebase --onto b` to move x on top of b, or `revlib merge` to "
            "join them",
            id="forks-below-the-head",
        ),
        pytest.param(
            [A, B, C],
            [A, B, C, v("x", "a"), v("y", "x")],
            {"x", "y"},
            (),
            {},
            "v/x.py:7: new-head x revises a (v/a.py), which origin/main already extends with b "
            "(v/b.py); the heads would be y (v/y.py) from this branch and c (v/c.py) from "
            "origin/main\n"
            "  hint: run `revlib rebase --onto c` to move x (and the revisions above it) on top "
            "of c, or `revlib merge` to join them",
            id="a-chain-forks-below-the-head",
        ),
        pytest.param(
            [A, B],
            [A, B, v("x", "b"), v("y", "b")],
            {"x", "y"},
            (),
            {},
            "v/y.py:7: new-head y revises b (v/b.py), and so does x (v/x.py); the heads would "
            "be y and x, both from this branch\n"
            "  hint: run `revlib rebase --onto x` to move y on top of x, or `revlib merge` to "
            "join them",
            id="two-of-ours-on-one-parent",
        ),
        pytest.param(
            [A, B],
            [A, B, v("x", None)],
            {"x"},
            (),
            {},
            "v/x.py:7: new-head x (down_revision None) starts a history of its own beside b "
            "(v/b.py); the heads would be x from this branch and b from origin/main\n"
            "  hint: set its down_revision to b, or run `revlib merge` to join the heads",
            id="a-new-root",
        ),
        pytest.param(
            [A, B, C],
            [A, B, v("c", "a")],
            {"c"},
            (),
            {},
            "v/c.py:7: new-head c no longer revises b (v/b.py), which becomes a second head "
            "beside c (v/c.py)\n"
            "  hint: point its down_revision back at b, or run `revlib merge` to join the heads",
            id="re-parented-away",
        ),
        pytest.param(
            [A, v("b", "a"), v("c", "a"), v("m", ("b", "c"))],
            [A, v("b", "a"), v("c", "a")],
            (),
            {"m"},
            {},
            "v/m.py: new-head this file (revision m) is deleted in this branch, which leaves c "
            "(v/c.py) as a second head beside b (v/b.py)\n"
            "  hint: keep the file, or run `revlib merge` to join the heads",
            id="merge-deleted",
        ),
        pytest.param(
            [A, B, C], [A, B], (), {"c"}, {}, "", id="deleting-the-head-is-not-a-new-head"
        ),
        pytest.param([], [A, B, C], {"a", "b", "c"}, (), {}, "", id="first-migrations"),
        pytest.param(
            [A, B, v("x", "a")],
            [A, B, v("x", "a"), v("c", "b")],
            {"c"},
            (),
            {},
            "",
            id="base-already-had-two-heads",
        ),
        pytest.param(
            [A, B], [A, B, v("x", "a")], {"x"}, (), {"allowed_heads": 2}, "", id="two-allowed"
        ),
        pytest.param(
            [A, v("e", "a", labels="expand")],
            [A, v("e", "a", labels="expand"), v("k", "a", labels="contract")],
            {"k"},
            (),
            {"allowed_heads": "per-branch-label"},
            "",
            id="new-labelled-branch",
        ),
        pytest.param(
            [A, v("e", "a", labels="expand"), v("k", "a", labels="contract")],
            [A, v("e", "a", labels="expand"), v("k", "a", labels="contract"), v("x", "a")],
            {"x"},
            (),
            {"allowed_heads": "per-branch-label"},
            "v/x.py:7: new-head x (v/x.py) would be a head without a branch label beside the "
            "labelled heads e (v/e.py), k (v/k.py); with heads = per-branch-label every head "
            "must belong to a branch label\n"
            "  hint: point the down_revision of x at the head of the branch it belongs to (e or "
            "k), so that it inherits its label",
            id="an-unlabelled-head-beside-labelled-ones-per-branch-label",
        ),
        pytest.param(
            [A, v("e", "a", labels="expand"), v("k", "a", labels="contract")],
            [
                A,
                v("e", "a", labels="expand"),
                v("f", "e"),
                v("g", "e"),
                v("k", "a", labels="contract"),
            ],
            {"f", "g"},
            (),
            {"allowed_heads": "per-branch-label"},
            "v/g.py:7: new-head g revises e (v/e.py), and so does f (v/f.py); the heads would "
            "be g and f, both from this branch\n"
            "  hint: run `revlib rebase --onto f` to move g on top of f, or `revlib merge g f` "
            "to join them",
            id="crowded-branch-label",
        ),
        pytest.param(
            [A, v("b", "gone")],
            [A, v("b", "gone"), v("c", "nowhere")],
            {"c"},
            (),
            {},
            "v/c.py:7: missing-down-revision down_revision names nowhere, but no version file "
            "declares that revision\n"
            "  hint: restore the file that declares it (deleted, or moved out of the version "
            "locations?), or point down_revision at a revision that exists",
            id="only-new-lint-problems",
        ),
    ],
)
def test_new_heads(
    base: list[SourceFile],
    final: list[SourceFile],
    changed: set[str],
    deleted: set[str],
    options: dict[str, object],
    expected: str,
) -> None:
    change = Change(
        changed={f"v/{r}.py" for r in changed},
        deleted={f"v/{r}.py" for r in deleted},
        base_name="origin/main",
    )
    result = find_new_heads(base, final, change, **options)  # type: ignore[arg-type]
    assert "\n".join(format_text(f) for f in result.findings) == expected
    assert result.ok == (expected == "")
