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
            "v/x.py:7: new-head x revises a, which origin/main already extends with b (v/b.py)\n"
            "  hint: run `revlib rebase --onto b` or `revlib merge`",
            id="forks-below-the-head",
        ),
        pytest.param(
            [A, B, C],
            [A, B, C, v("x", "a"), v("y", "x")],
            {"x", "y"},
            (),
            {},
            "v/x.py:7: new-head x revises a, which origin/main already extends with b (v/b.py); "
            "y (v/y.py) becomes a second head\n"
            "  hint: run `revlib rebase --onto c` or `revlib merge`",
            id="a-chain-forks-below-the-head",
        ),
        pytest.param(
            [A, B],
            [A, B, v("x", "b"), v("y", "b")],
            {"x", "y"},
            (),
            {},
            "v/y.py:7: new-head y revises b, and so does x (v/x.py)\n"
            "  hint: run `revlib rebase --onto x` or `revlib merge`",
            id="two-of-ours-on-one-parent",
        ),
        pytest.param(
            [A, B],
            [A, B, v("x", None)],
            {"x"},
            (),
            {},
            "v/x.py:7: new-head x (down_revision None) starts a history of its own beside b "
            "(v/b.py)\n"
            "  hint: set its down_revision to b, or join the heads with `revlib merge`",
            id="a-new-root",
        ),
        pytest.param(
            [A, B, C],
            [A, B, v("c", "a")],
            {"c"},
            (),
            {},
            "v/c.py:7: new-head c no longer revises b (v/b.py), which becomes a second head\n"
            "  hint: point its down_revision back at it, or join the heads with `revlib merge`",
            id="re-parented-away",
        ),
        pytest.param(
            [A, v("b", "a"), v("c", "a"), v("m", ("b", "c"))],
            [A, v("b", "a"), v("c", "a")],
            (),
            {"m"},
            {},
            "v/m.py: new-head this file (revision m) is deleted in this branch, which leaves c "
            "(v/c.py) as a second head\n"
            "  hint: keep the file, or join the heads with `revlib merge`",
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
            "",
            id="one-unlabelled-head-is-allowed-per-branch-label",
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
            "v/g.py:7: new-head g revises e, and so does f (v/f.py)\n"
            "  hint: run `revlib rebase --onto f` or `revlib merge`",
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
