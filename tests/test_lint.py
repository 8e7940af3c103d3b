"""revlib.lint: every finding code, with its exact text; all problems collected at once."""

from __future__ import annotations

import pytest

from revlib.findings import Finding, format_text, to_json
from revlib.lint import LintResult, SourceFile, lint_sources, parse_allowed_heads


def heads_hint(mover: str, target: str, merge: str = "revlib merge", upgrade: str = "head") -> str:
    """The hint of a multiple-heads finding about two heads."""
    return (
        f"  hint: `alembic upgrade {upgrade}` fails while there are several heads: run "
        f"`revlib rebase --onto {target}` to move {mover} on top of {target}, or `{merge}` to "
        "join them"
    )


MERGE_HINT = (
    "  hint: `alembic upgrade head` fails while there are several heads: run `revlib merge` "
    "to join them"
)
CYCLE_HINT = (
    "  hint: a revision must come after the ones it names: fix the down_revision (or "
    "depends_on) that points back up the history"
)


def header(
    rev: str,
    down: object,
    *,
    labels: object = None,
    depends: object = None,
    revises: str | None = None,
    body: str = "",
) -> str:
    """A version file: docstring on lines 1-5, revision on 6, down_revision on 7, branch_labels
    on 8, depends_on on 9."""
    if revises is None:
        revises = ", ".join(down) if isinstance(down, tuple) else str(down or "")
    return (
        f'"""message\n\nRevision ID: {rev}\nRevises: {revises}\n"""\n'
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = {labels!r}\n"
        f"depends_on = {depends!r}\n{body}"
    )


def v(name: str, text: str | bytes) -> SourceFile:
    return SourceFile(f"versions/{name}", text.encode() if isinstance(text, str) else text)


def text_of(result: LintResult) -> str:
    return "\n".join(format_text(f) for f in result.findings)


BASE = v("a1_x.py", header("a1", None))


@pytest.mark.parametrize(
    ("files", "options", "expected"),
    [
        pytest.param(
            [BASE, v("b1_x.py", header("b1", "a1")), v("c1_x.py", header("c1", "b1"))],
            {},
            "",
            id="linear-history-is-clean",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", "a1")), v("b2_x.py", header("b2", "a1"))],
            {},
            "versions/b1_x.py:6: multiple-heads b1 is one of 2 heads, where only 1 is allowed; "
            "the other is b2 (versions/b2_x.py); they fork from a1 (versions/a1_x.py)\n"
            f"{heads_hint('b1', 'b2')}\n"
            "versions/b2_x.py:6: multiple-heads b2 is one of 2 heads, where only 1 is allowed; "
            "the other is b1 (versions/b1_x.py); they fork from a1 (versions/a1_x.py)\n"
            f"{heads_hint('b2', 'b1')}",
            id="multiple-heads",
        ),
        pytest.param(
            [BASE, *(v(f"b{i}_x.py", header(f"b{i}", "a1")) for i in (1, 2, 3))],
            {"allowed_heads": 2},
            "versions/b1_x.py:6: multiple-heads b1 is one of 3 heads, where at most 2 are "
            "allowed; the others are b2 (versions/b2_x.py), b3 (versions/b3_x.py); they fork "
            "from a1 (versions/a1_x.py)\n"
            f"{MERGE_HINT}\n"
            "versions/b2_x.py:6: multiple-heads b2 is one of 3 heads, where at most 2 are "
            "allowed; the others are b1 (versions/b1_x.py), b3 (versions/b3_x.py); they fork "
            "from a1 (versions/a1_x.py)\n"
            f"{MERGE_HINT}\n"
            "versions/b3_x.py:6: multiple-heads b3 is one of 3 heads, where at most 2 are "
            "allowed; the others are b1 (versions/b1_x.py), b2 (versions/b2_x.py); they fork "
            "from a1 (versions/a1_x.py)\n"
            f"{MERGE_HINT}",
            id="multiple-heads-over-a-higher-limit",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", "a1")), v("b2_x.py", header("b2", "a1"))],
            {"allowed_heads": 2},
            "",
            id="two-heads-allowed",
        ),
        pytest.param(
            [
                BASE,
                v("c1_x.py", header("c1", "a1", labels="contract")),
                v("e1_x.py", header("e1", "a1", labels="expand")),
                v("e2_x.py", header("e2", "e1")),
            ],
            {"allowed_heads": "per-branch-label"},
            "",
            id="one-head-per-branch-label-is-fine",
        ),
        pytest.param(
            [
                BASE,
                v("c1_x.py", header("c1", "a1", labels="contract")),
                v("e1_x.py", header("e1", "a1", labels="expand")),
                v("e2_x.py", header("e2", "e1")),
                v("e3_x.py", header("e3", "e1")),
            ],
            {"allowed_heads": "per-branch-label"},
            "versions/e2_x.py:6: multiple-heads e2 is one of 2 heads of branch 'expand', where "
            "only 1 is allowed; the other is e3 (versions/e3_x.py); they fork from e1 "
            "(versions/e1_x.py)\n"
            f"{heads_hint('e2', 'e3', 'revlib merge e2 e3', 'expand@head')}\n"
            "versions/e3_x.py:6: multiple-heads e3 is one of 2 heads of branch 'expand', where "
            "only 1 is allowed; the other is e2 (versions/e2_x.py); they fork from e1 "
            "(versions/e1_x.py)\n"
            f"{heads_hint('e3', 'e2', 'revlib merge e2 e3', 'expand@head')}",
            id="two-heads-on-one-branch-label",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", "a1")), v("b2_x.py", header("b2", "a1"))],
            {"allowed_heads": "per-branch-label"},
            "versions/b1_x.py:6: multiple-heads b1 is one of 2 heads without a branch label, "
            "where only 1 is allowed; the other is b2 (versions/b2_x.py); they fork from a1 "
            "(versions/a1_x.py)\n"
            f"{heads_hint('b1', 'b2')}\n"
            "versions/b2_x.py:6: multiple-heads b2 is one of 2 heads without a branch label, "
            "where only 1 is allowed; the other is b1 (versions/b1_x.py); they fork from a1 "
            "(versions/a1_x.py)\n"
            f"{heads_hint('b2', 'b1')}",
            id="two-unlabelled-heads-per-branch-label",
        ),
        pytest.param(
            [BASE, v("a1_copy.py", header("a1", None))],
            {},
            "versions/a1_copy.py:6: duplicate-revision revision a1 is also declared in "
            "versions/a1_x.py; Alembic keeps only one of them (the file it loads last)\n"
            "  hint: give one of the files a new revision id, and point the down_revision that "
            "meant it at the new id",
            id="duplicate-revision",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", "zz9"))],
            {},
            "versions/b1_x.py:7: missing-down-revision down_revision names zz9, but no version "
            "file declares that revision\n"
            "  hint: restore the file that declares it (deleted, or moved out of the version "
            "locations?), or point down_revision at a revision that exists",
            id="missing-down-revision",
        ),
        pytest.param(
            [v("a1ffff_x.py", header("a1ffff", None)), v("b1_x.py", header("b1", "a1ff"))],
            {},
            "versions/b1_x.py:7: missing-down-revision down_revision names a1ff, which is only "
            "the start of revision a1ffff\n"
            "  hint: Alembic needs the full id here: write 'a1ffff'",
            id="missing-down-revision-partial-id",
        ),
        pytest.param(
            [v("a1_x.py", header("a1", None, labels="lbl")), v("b1_x.py", header("b1", "lbl"))],
            {},
            "versions/b1_x.py:7: missing-down-revision down_revision names 'lbl', which is a "
            "branch label, not a revision id\n"
            "  hint: down_revision takes revision ids only: name the revision to follow (the "
            "label is declared by a1 in versions/a1_x.py)",
            id="missing-down-revision-branch-label",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", "a1", depends="nope"))],
            {},
            "versions/b1_x.py:9: missing-dependency depends_on names nope, but no version file "
            "declares that revision or branch label\n"
            "  hint: restore the file that declares it (deleted, or moved out of the version "
            "locations?), or point depends_on at a revision that exists",
            id="missing-dependency",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", "b1"))],
            {},
            f"versions/b1_x.py:7: cycle revision b1 names itself in down_revision\n{CYCLE_HINT}",
            id="cycle-self-loop",
        ),
        pytest.param(
            [v("a1_x.py", header("a1", None, depends="a1"))],
            {},
            f"versions/a1_x.py:9: cycle revision a1 names itself in depends_on\n{CYCLE_HINT}",
            id="cycle-dependency-self-loop",
        ),
        pytest.param(
            [
                v("a1_x.py", header("a1", "b1")),
                v("b1_x.py", header("b1", "a1")),
                v("c1_x.py", header("c1", None)),
            ],
            {},
            "versions/a1_x.py:7: cycle revisions form a cycle through down_revision: "
            f"a1 -> b1 -> a1 (also in versions/b1_x.py)\n{CYCLE_HINT}",
            id="cycle",
        ),
        pytest.param(
            [
                BASE,
                v("b1_x.py", header("b1", "a1", depends="c1")),
                v("c1_x.py", header("c1", "b1")),
            ],
            {},
            "versions/b1_x.py:7: cycle revisions form a cycle through down_revision and "
            f"depends_on: b1 -> c1 -> b1 (also in versions/c1_x.py)\n{CYCLE_HINT}",
            id="cycle-through-depends-on",
        ),
        pytest.param(
            [
                v("a1_x.py", header("a1", None, labels="x")),
                v("b1_x.py", header("b1", "a1", labels="x")),
                v("c1_x.py", header("c1", "b1", labels="a1")),
            ],
            {},
            "versions/b1_x.py:8: duplicate-branch-label branch label 'x' is already declared by "
            "revision a1 (versions/a1_x.py); Alembic refuses to load the history\n"
            "  hint: choose a branch label that no other revision uses as a label or an id\n"
            "versions/c1_x.py:8: duplicate-branch-label branch label 'a1' is the id of revision "
            "a1 (versions/a1_x.py); Alembic refuses to load the history\n"
            "  hint: choose a branch label that no other revision uses as a label or an id",
            id="duplicate-branch-label",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", "a1").replace("= None\n", "= None +\n", 2))],
            {},
            "versions/b1_x.py:8: unreadable-file syntax error: invalid syntax",
            id="unreadable-syntax-error",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", "a1").replace("'a1'", "get_down(revision)"))],
            {},
            "versions/b1_x.py:7: unreadable-file down_revision is not a literal value (a call "
            "to get_down()); revlib reads migration files without running them\n"
            "  hint: write it as a literal string, tuple of strings or None, e.g. "
            'down_revision = "1a2b3c4d5e6f"',
            id="unreadable-dynamic-value",
        ),
        pytest.param(
            [
                BASE,
                v(
                    "b1_x.py",
                    f"<<<<<<< HEAD\n{header('b1', 'a1')}=======\n{header('b1', 'a9')}>>>>>>> b\n",
                ),
            ],
            {},
            "versions/b1_x.py:1: unreadable-file unresolved merge conflict (marker '<<<<<<<')\n"
            "  hint: resolve the conflict and remove the marker lines",
            id="unreadable-conflict-markers-in-header",
        ),
        pytest.param(
            [
                BASE,
                v(
                    "b1_x.py",
                    header(
                        "b1",
                        "a1",
                        body="def upgrade():\n<<<<<<< HEAD\n    pass\n=======\n"
                        "    op.drop_table('t')\n>>>>>>> feature\n",
                    ),
                ),
            ],
            {},
            "versions/b1_x.py:11: unreadable-file unresolved merge conflict (marker '<<<<<<<')\n"
            "  hint: resolve the conflict and remove the marker lines",
            id="unreadable-conflict-markers-in-body",
        ),
        pytest.param(
            [BASE, v("helpers.py", "X = 1\n")],
            {},
            "versions/helpers.py: unreadable-file no revision variable, and the file name is not "
            "a revision id: Alembic cannot load this file\n"
            "  hint: Alembic loads every .py file in a version location as a migration: declare "
            "revision = '<id>', or move the file out of the version location",
            id="unreadable-helper-module",
        ),
        pytest.param(
            [BASE, v("b1_x.py", "revision = 'b1'\n")],
            {},
            "versions/b1_x.py: unreadable-file no down_revision variable: Alembic cannot load "
            "this file\n"
            "  hint: every migration declares down_revision: None for the first one, else the "
            "id of the revision it follows",
            id="unreadable-no-down-revision",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", 5))],
            {},
            "versions/b1_x.py:7: unreadable-file down_revision must be None, a string or a "
            "tuple of strings, not 5\n"
            "  hint: write it as a literal, e.g. down_revision = None or "
            "down_revision = '1a2b3c4d5e6f'",
            id="unreadable-wrong-type",
        ),
        pytest.param(
            [BASE, v("b-1_x.py", header("b-1", "a1"))],
            {},
            "versions/b-1_x.py:6: unreadable-file revision id 'b-1' contains '-', which Alembic "
            "reserves for revision syntax\n"
            "  hint: use letters, digits and underscores in revision ids",
            id="unreadable-illegal-id",
        ),
        pytest.param(
            [v("a1_x.py", b"\xff\xfe" + header("a1", None).encode())],
            {},
            "versions/a1_x.py:1: unreadable-file cannot decode byte 0xff as utf-8\n"
            "  hint: declare the file's encoding on its first line, e.g. "
            "'# -*- coding: latin-1 -*-', or re-save it as UTF-8",
            id="unreadable-encoding",
        ),
        pytest.param(
            [BASE, v("x9_x.py", header("b1", "a1", revises="zz"))],
            {"enable": ("filename-mismatch", "docstring-mismatch")},
            "versions/x9_x.py:4: docstring-mismatch the docstring says 'Revises: zz', but "
            "down_revision is a1\n"
            "  hint: Alembic never reads this line, but people do: make it 'Revises: a1'\n"
            "versions/x9_x.py:6: filename-mismatch the file name does not carry revision id b1 "
            "(file_template is '%(rev)s_%(slug)s')\n"
            "  hint: rename the file to match its revision id, or correct the revision variable "
            "if the name is the right one",
            id="filename-and-docstring-mismatch",
        ),
        pytest.param(
            [BASE, v("x9_x.py", header("b1", "a1", revises="zz"))],
            {},
            "",
            id="mismatches-are-off-by-default",
        ),
        pytest.param(
            [BASE, v("b1_x.py", header("b1", None, revises="a1"))],
            {"enable": ("docstring-mismatch",)},
            "versions/a1_x.py:6: multiple-heads a1 is one of 2 heads, where only 1 is allowed; "
            "the other is b1 (versions/b1_x.py); they share no ancestor (separate histories)\n"
            f"{heads_hint('a1', 'b1')}\n"
            "versions/b1_x.py:4: docstring-mismatch the docstring says 'Revises: a1', but "
            "down_revision is None\n"
            "  hint: Alembic never reads this line, but people do: make it 'Revises:'\n"
            "versions/b1_x.py:6: multiple-heads b1 is one of 2 heads, where only 1 is allowed; "
            "the other is a1 (versions/a1_x.py); they share no ancestor (separate histories)\n"
            f"{heads_hint('b1', 'a1')}",
            id="docstring-mismatch-for-a-base",
        ),
        pytest.param(
            [
                v("a1_x.py", header("a1", None)),
                v("2026_01_02-b1_add.py", header("b1", "a1")),
                v("b2_x.py", header("b2", "b1")),
                v("b3.py", header("b3", "b2")),
            ],
            {
                "enable": ("filename-mismatch",),
                "file_template": "%(year)d_%(month).2d_%(day).2d-%(rev)s_%(slug)s",
            },
            "versions/a1_x.py:6: filename-mismatch the file name does not carry revision id a1 "
            "(file_template is '%(year)d_%(month).2d_%(day).2d-%(rev)s_%(slug)s')\n"
            "  hint: rename the file to match its revision id, or correct the revision variable "
            "if the name is the right one\n"
            "versions/b2_x.py:6: filename-mismatch the file name does not carry revision id b2 "
            "(file_template is '%(year)d_%(month).2d_%(day).2d-%(rev)s_%(slug)s')\n"
            "  hint: rename the file to match its revision id, or correct the revision variable "
            "if the name is the right one",
            id="filename-mismatch-dated-template-and-legacy-names",
        ),
    ],
)
def test_finding_text(files: list[SourceFile], options: dict[str, object], expected: str) -> None:
    assert text_of(lint_sources(files, **options)) == expected  # type: ignore[arg-type]


def test_every_problem_is_collected_and_the_sound_part_is_still_mapped() -> None:
    files = [
        BASE,
        v("b1_x.py", header("b1", "a1")),
        v("c1_x.py", header("c1", "b1").replace("'b1'", "get(revision)")),  # unreadable
        v("d1_x.py", header("d1", "c1")),  # child of the unreadable file
        v("e1_x.py", header("e1", "gone")),  # missing parent
        v("f1_x.py", header("f1", "b1", depends="nope")),  # missing dependency
        v("g1_x.py", header("g1", "g2")),
        v("g2_x.py", header("g2", "g1")),  # cycle
        v("b1_copy.py", header("b1", "a1")),  # duplicate
    ]
    result = lint_sources(files)
    assert [(f.path, f.code) for f in result.findings] == [
        ("versions/b1_copy.py", "duplicate-revision"),
        ("versions/c1_x.py", "unreadable-file"),
        ("versions/e1_x.py", "missing-down-revision"),
        ("versions/f1_x.py", "missing-dependency"),
        ("versions/g1_x.py", "cycle"),
    ]
    assert [s.revision for s in result.scripts] == ["a1", "b1"]
    assert result.revision_map.heads == ("b1",)
    assert not result.ok


def test_unreadable_merge_revision_does_not_make_its_parents_heads() -> None:
    merge = header("m1", ("b1", "c1")).replace("depends_on = None", "depends_on = None +")
    files = [
        BASE,
        v("b1_x.py", header("b1", "a1")),
        v("c1_x.py", header("c1", "a1")),
        v("m1_x.py", merge),
    ]
    result = lint_sources(files)
    assert text_of(result) == "versions/m1_x.py:9: unreadable-file syntax error: invalid syntax"
    assert result.heads == ("m1",)
    assert [s.revision for s in result.scripts] == ["a1", "b1", "c1"]


def test_heads_are_not_guessed_when_a_down_revision_is_unknown() -> None:
    dynamic = header("m1", "b1").replace("'b1'", "compute()")
    files = [BASE, v("b1_x.py", header("b1", "a1")), v("m1_x.py", dynamic)]
    assert [f.code for f in lint_sources(files).findings] == ["unreadable-file"]


def test_warnings_alone_do_not_fail() -> None:
    files = [BASE, v("b1_x.py", header("b1", "a1", revises="zz"))]
    result = lint_sources(files, enable=["docstring-mismatch"])
    assert [f.severity for f in result.findings] == ["warning"]
    assert result.ok


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        pytest.param(Finding("cycle", "error", "a.py", 3, "text"), "a.py:3: cycle text", id="all"),
        pytest.param(
            Finding("cycle", "error", "a.py", None, "text"), "a.py: cycle text", id="no-line"
        ),
        pytest.param(Finding("cycle", "error", None, None, "text"), "cycle text", id="no-path"),
        pytest.param(
            Finding("cycle", "warning", "a.py", 1, "text", "do this"),
            "a.py:1: cycle text\n  hint: do this",
            id="hint",
        ),
    ],
)
def test_format_text(finding: Finding, expected: str) -> None:
    assert format_text(finding) == expected


def test_to_json() -> None:
    finding = Finding("multiple-heads", "error", "v/a.py", 6, "msg", "hint", ("a", "b"))
    assert to_json(finding) == {
        "code": "multiple-heads",
        "severity": "error",
        "message": "msg",
        "path": "v/a.py",
        "line": 6,
        "revisions": ["a", "b"],
        "hint": "hint",
        "setup": None,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1", 1, id="one"),
        pytest.param("12", 12, id="twelve"),
        pytest.param("per-branch-label", "per-branch-label", id="per-branch-label"),
        pytest.param("per-version-location", "per-version-location", id="per-version-location"),
    ],
)
def test_parse_allowed_heads(text: str, expected: object) -> None:
    assert parse_allowed_heads(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "two", ""])
def test_parse_allowed_heads_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="expected a number of heads"):
        parse_allowed_heads(text)
