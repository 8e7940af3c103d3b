"""Immutable history: migrations the base already has keep their header and their file;
edits of their body are a warning (or an error, if the project says so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks.cli import main as revlib
from hooks.new_heads import main as new_heads
from revlib.findings import format_text
from revlib.history import history_findings
from revlib.sources import SourceFile
from tests.gitproject import CUSTOMERS, EMAIL, ORDERS, Project
from tests.test_lint import header

BODY = "\n\ndef upgrade():\n    pass\n"


def v(rev: str, down: object, path: str | None = None, **kw: object) -> SourceFile:
    """A version file: header on lines 1-9 (see tests.test_lint.header), then BODY."""
    return SourceFile(path or f"v/{rev}.py", (header(rev, down, **kw) + BODY).encode())


A = v("a", None)
B = v("b", "a")
RESTORE = "restore it (`git checkout origin/main -- v/b.py`)"


def edited(rev: str, *parts: str) -> str:
    return f"{rev} is in origin/main, where it may already have run, but its " + "".join(parts)


@pytest.mark.parametrize(
    ("final", "expected"),
    [
        pytest.param([A, B], "", id="unchanged"),
        pytest.param([A, B, v("c", "b")], "", id="a-new-migration"),
        pytest.param([A, v("b", "a", path="v/renamed.py")], "", id="renamed-file-same-id"),
        pytest.param(
            [A, SourceFile("v/b.py", B.data.replace(b"    pass", b"    op.drop_table('x')"))],
            "v/b.py:13: history-body-edited "
            + edited(
                "b", "code changed (from line 13); databases that ran it will not run the new code"
            )
            + f"\n  hint: write a new migration for the change, or {RESTORE}",
            id="body-edited",
        ),
        pytest.param(
            [A, v("z", "a"), v("b", "z")],
            "v/b.py:7: history-edited "
            + edited("b", "down_revision changed from 'a' to 'z'")
            + "\n  hint: a migration that ran somewhere must not change under it: "
            f"{RESTORE}, and write a new migration for the change",
            id="re-parented",
        ),
        pytest.param(
            [A, v("b", "a", labels="feature")],
            "v/b.py:8: history-edited "
            + edited("b", "branch_labels changed from None to 'feature'")
            + "\n  hint: a migration that ran somewhere must not change under it: "
            f"{RESTORE}, and write a new migration for the change",
            id="label-added",
        ),
        pytest.param(
            [A, v("b", "a", depends=("a", "x")), v("x", None)],
            "v/b.py:9: history-edited "
            + edited("b", "depends_on changed from None to ('a', 'x')")
            + "\n  hint: a migration that ran somewhere must not change under it: "
            f"{RESTORE}, and write a new migration for the change",
            id="dependency-added",
        ),
        pytest.param(
            [A],
            "v/b.py: history-edited revision b is in origin/main, where it may already have run, "
            "but its file is deleted\n"
            f"  hint: {RESTORE}; to undo a migration, write a new one that reverses it",
            id="deleted",
        ),
        pytest.param(
            [A, v("c", "a", path="v/b.py")],
            "v/b.py:6: history-edited this file declares revision c, but in origin/main it "
            "declared b, which is now gone from the history though databases may have run it\n"
            "  hint: keep revision = 'b' here, and write the new migration in a new file",
            id="renamed-to-another-id",
        ),
        pytest.param(
            [A, SourceFile("v/b.py", B.data.replace(b"Revises: a", b"Revises: zz"))],
            "",
            id="the-docstring-id-lines-are-header",
        ),
        pytest.param(
            [
                A,
                SourceFile(
                    "v/b.py", B.data.replace(b"down_revision = 'a'", b"down_revision = ('a',)")
                ),
            ],
            "",
            id="same-value-written-otherwise",
        ),
        pytest.param(
            [A, SourceFile("v/b.py", B.data.replace(b"revision = 'b'", b"revision = f'b'"))],
            "",
            id="unreadable-is-left-to-unreadable-file",
        ),
    ],
)
def test_history(final: list[SourceFile], expected: str) -> None:
    found = history_findings([A, B], final, base_name="origin/main")
    assert "\n".join(format_text(f) for f in found) == expected


def test_only_protected_revisions_are_checked() -> None:
    final = [A, v("z", "a"), v("b", "z")]
    assert history_findings([A, B], final, protected={"a"}) == []
    assert [f.code for f in history_findings([A, B], final, protected={"b"})] == ["history-edited"]


def test_body_lines_keep_crlf_and_encoding() -> None:
    old = "# -*- coding: latin-1 -*-\r\n" + header("b", "a").replace("\n", "\r\n") + "x = 'é'\r\n"
    new = old.replace("x = 'é'", "x = 'è'")
    found = history_findings(
        [A, SourceFile("v/b.py", old.encode("latin-1"))],
        [A, SourceFile("v/b.py", new.encode("latin-1"))],
    )
    assert [(f.code, f.line) for f in found] == [("history-body-edited", 11)]
    crlf_only = old.replace("\r\n", "\n")
    found = history_findings(
        [A, SourceFile("v/b.py", old.encode("latin-1"))],
        [A, SourceFile("v/b.py", crlf_only.encode("latin-1"))],
    )
    assert [(f.code, f.line) for f in found] == [("history-body-edited", 1)]


# -- with real git history -------------------------------------------------------------------

EMAIL_FILE = f"migrations/versions/{EMAIL}_add_email.py"
ORDERS_FILE = f"migrations/versions/{ORDERS}_create_orders.py"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """main: CUSTOMERS then EMAIL; a feature branch starts there. The current directory."""
    project = Project.create(tmp_path / "repo")
    project.commit("customers", project.add_migration(CUSTOMERS, None, "create_customers"))
    project.commit("email", project.add_migration(EMAIL, CUSTOMERS, "add_email"))
    project.git("checkout", "-q", "-b", "feature")
    monkeypatch.chdir(project.root)
    return project


def test_a_committed_migration_of_main_re_parented_on_the_branch(project: Project, capsys) -> None:
    project.add_migration(ORDERS, CUSTOMERS, "create_orders")
    email = project.root / EMAIL_FILE
    email.write_text(email.read_text().replace(f"= {CUSTOMERS!r}", f"= {ORDERS!r}"))
    project.commit("put orders first")
    assert revlib(["check", "--base", "main"]) == 1
    assert capsys.readouterr().out == (
        f"{EMAIL_FILE}:18: history-edited {EMAIL} is in main, where it may already have run, "
        f"but its down_revision changed from '{CUSTOMERS}' to '{ORDERS}'\n"
        "  hint: a migration that ran somewhere must not change under it: restore it "
        f"(`git checkout main -- {EMAIL_FILE}`), and write a new migration for the change\n"
        "Found 1 error.\n"
    )


def test_body_edit_is_a_warning_unless_made_an_error(project: Project, capsys) -> None:
    email = project.root / EMAIL_FILE
    email.write_text(email.read_text().replace('"t_', '"renamed_t_', 1))
    project.commit("fix the table name")
    assert revlib(["check", "--base", "main"]) == 0
    assert capsys.readouterr().out == (
        f"{EMAIL_FILE}:25: history-body-edited {EMAIL} is in main, where it may already have "
        "run, but its code changed (from line 25); databases that ran it will not run the new "
        "code\n"
        "  hint: write a new migration for the change, or restore it "
        f"(`git checkout main -- {EMAIL_FILE}`)\n"
        "Found 1 warning.\n"
    )
    project.write("pyproject.toml", '[tool.revlib]\nerrors = ["history-body-edited"]\n')
    assert revlib(["check", "--base", "main"]) == 1
    assert capsys.readouterr().out.endswith("Found 1 error.\n")


def test_deleting_a_migration_of_main(project: Project, capsys) -> None:
    project.git("rm", "-q", EMAIL_FILE)
    project.commit("drop email")
    assert revlib(["check", "--base", "main"]) == 1
    assert capsys.readouterr().out == (
        f"{EMAIL_FILE}: history-edited revision {EMAIL} is in main, where it may already have "
        "run, but its file is deleted\n"
        f"  hint: restore it (`git checkout main -- {EMAIL_FILE}`); to undo a migration, write "
        "a new one that reverses it\n"
        "Found 1 error.\n"
    )


def test_the_re_parent_revlib_makes_on_the_branch_s_own_migration_passes(
    project: Project, capsys
) -> None:
    project.commit("orders", project.add_migration(ORDERS, EMAIL, "create_orders"))
    project.git("checkout", "-q", "main")
    later = "aaaa00000003"
    project.commit("later", project.add_migration(later, EMAIL, "later"))
    project.git("checkout", "-q", "feature")
    project.git("merge", "-q", "--no-edit", "main")
    assert revlib(["check", "--base", "main"]) == 1  # two heads
    capsys.readouterr()
    assert revlib(["rebase", "--base", "main"]) == 0
    assert f"Re-parented {ORDERS} ({ORDERS_FILE})" in capsys.readouterr().out
    project.commit("re-parented")
    assert revlib(["check", "--base", "main"]) == 0
    assert new_heads([]) == 0
    assert capsys.readouterr().out == ""


def test_the_commit_hook_checks_history_against_the_configured_base(
    project: Project, capsys
) -> None:
    email = project.root / EMAIL_FILE
    labelled = email.read_text().replace("] = None", "] = ('mail',)", 1)
    email.write_text(labelled)
    project.git("add", EMAIL_FILE)
    assert new_heads([]) == 0  # no remote, no base: nothing shared to protect
    project.write("pyproject.toml", '[tool.revlib]\nbase = "main"\n')
    assert new_heads([]) == 1
    assert capsys.readouterr().out == (
        f"{EMAIL_FILE}:19: history-edited {EMAIL} is in main, where it may already have run, "
        "but its branch_labels changed from None to 'mail'\n"
        "  hint: a migration that ran somewhere must not change under it: restore it "
        f"(`git checkout main -- {EMAIL_FILE}`), and write a new migration for the change\n"
        "Found 1 error.\n"
    )
    assert revlib(["check", "--base", "main", "--ignore", "history-edited"]) == 0
