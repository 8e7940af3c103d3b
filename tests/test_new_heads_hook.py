"""revlib-new-heads / revlib check --base on real git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hooks.cli import main as revlib
from hooks.new_heads import main
from tests.gitproject import CUSTOMERS, EMAIL, ORDERS, POINTS, Project, migration

EMAIL_FILE = f"migrations/versions/{EMAIL}_add_email.py"
ORDERS_FILE = f"migrations/versions/{ORDERS}_create_orders.py"
POINTS_FILE = f"migrations/versions/{POINTS}_add_points.py"


CUSTOMERS_FILE = f"migrations/versions/{CUSTOMERS}_create_customers.py"


def forked_on(base: str, ours: str = "the staged changes") -> str:
    return (
        f"{ORDERS_FILE}:18: new-head {ORDERS} revises {CUSTOMERS} ({CUSTOMERS_FILE}), which "
        f"{base} already extends with {EMAIL} ({EMAIL_FILE}); the heads would be {ORDERS} from "
        f"{ours} and {EMAIL} from {base}\n"
        f"  hint: run `revlib rebase --onto {EMAIL}` to move {ORDERS} on top of {EMAIL}, or "
        "`revlib merge` to join them\n"
        "Found 1 error.\n"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """main holds one migration; the current directory."""
    project = Project.create(tmp_path / "repo")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.commit("customers")
    monkeypatch.chdir(project.root)
    return project


def main_moves_on(project: Project) -> None:
    """A feature branch starts; then main gains a migration the branch does not have."""
    project.git("branch", "feature")
    project.commit("email", project.add_migration(EMAIL, CUSTOMERS, "add_email"))
    project.git("checkout", "-q", "feature")


def test_staged_migration_after_main_moved_on(project: Project, capsys) -> None:
    main_moves_on(project)
    project.git("add", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    assert main([]) == 0  # nothing new relative to HEAD, the feature branch
    assert main(["--base", "main"]) == 1
    assert capsys.readouterr().out == forked_on("main")


def test_committed_migration_after_main_moved_on(project: Project, capsys) -> None:
    main_moves_on(project)
    project.commit("orders", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    assert revlib(["check", "--base", "main"]) == 1
    assert capsys.readouterr().out == forked_on("main", "this branch")


def test_fork_staged_on_top_of_head(project: Project, capsys) -> None:
    project.commit("email", project.add_migration(EMAIL, CUSTOMERS, "add_email"))
    project.git("add", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    assert main([]) == 1
    assert capsys.readouterr().out == forked_on("HEAD")


def test_two_migrations_of_this_branch_on_one_parent(project: Project, capsys) -> None:
    project.git("add", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    project.git("add", project.add_migration(POINTS, CUSTOMERS, "add_points"))
    assert main([]) == 1
    assert capsys.readouterr().out == (
        f"{POINTS_FILE}:18: new-head {POINTS} revises {CUSTOMERS} ({CUSTOMERS_FILE}), and so "
        f"does {ORDERS} ({ORDERS_FILE}); the heads would be {POINTS} and {ORDERS}, both from "
        "the staged changes\n"
        f"  hint: run `revlib rebase --onto {ORDERS}` to move {POINTS} on top of {ORDERS}, or "
        "`revlib merge` to join them\n"
        "Found 1 error.\n"
    )


def test_branch_up_to_date_passes(project: Project, capsys) -> None:
    main_moves_on(project)
    project.git("merge", "-q", "main")
    project.git("add", project.add_migration(ORDERS, EMAIL, "create_orders"))
    assert main(["--base", "main"]) == 0
    assert capsys.readouterr().out == ""


def test_branch_behind_but_without_a_fork_passes(project: Project, capsys) -> None:
    main_moves_on(project)
    project.commit("docs", project.write("README", "docs\n").name)
    assert main(["--base", "main"]) == 0
    assert capsys.readouterr().out == ""


def test_deleting_a_merge_revision_reopens_a_head(project: Project, capsys) -> None:
    project.add_migration(ORDERS, CUSTOMERS, "create_orders")
    project.add_migration(POINTS, CUSTOMERS, "add_points")
    merge = project.add_migration("aaaa0000000m", (ORDERS, POINTS), "merge")
    project.commit("merged")
    project.git("rm", "-q", merge)
    assert main([]) == 1
    assert capsys.readouterr().out == (
        f"{merge}: new-head this file (revision aaaa0000000m) is deleted in the staged "
        f"changes, which leaves {POINTS} ({POINTS_FILE}) as a second head beside {ORDERS} "
        f"({ORDERS_FILE})\n"
        "  hint: keep the file, or run `revlib merge` to join the heads\n"
        "Found 1 error.\n"
    )


def test_renaming_a_file_is_not_a_new_head(project: Project, capsys) -> None:
    project.commit("orders", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    project.git("mv", ORDERS_FILE, "migrations/versions/orders renamed.py")
    assert main([]) == 0
    assert capsys.readouterr().out == ""


def test_new_problems_only(project: Project, capsys) -> None:
    project.add_migration(ORDERS, "gone", "create_orders")  # already broken on main
    project.commit("broken")
    project.add_migration(POINTS, CUSTOMERS, "add_points")
    broken = project.root / POINTS_FILE
    broken.write_text(broken.read_text().replace("revision: str =", "revision: str = f() +"))
    project.git("add", POINTS_FILE)
    assert main([]) == 1
    assert capsys.readouterr().out == (
        f"{POINTS_FILE}:17: unreadable-file revision is not a literal value (string arithmetic "
        "(+)); revlib reads migration files without running them\n"
        '  hint: write it as a string literal, e.g. revision = "1a2b3c4d5e6f"\n'
        "Found 1 error.\n"
    )


def test_worktree_mode_with_base(project: Project, capsys) -> None:
    main_moves_on(project)
    project.add_migration(ORDERS, CUSTOMERS, "create_orders")  # untracked
    assert main(["--base", "main"]) == 0
    assert main(["--base", "main", "--worktree"]) == 1
    assert capsys.readouterr().out == forked_on("main", "the working tree")


def test_unborn_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    project = Project.create(tmp_path / "repo")
    monkeypatch.chdir(project.root)
    project.git("add", project.add_migration(CUSTOMERS, None, "create_customers"))
    assert main([]) == 0
    project.git("add", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    project.git("add", project.add_migration(POINTS, CUSTOMERS, "add_points"))
    assert main([]) == 1
    assert capsys.readouterr().out.startswith(f"{POINTS_FILE}:18: new-head {POINTS} revises")


def test_remote_base_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    origin = Project.create(tmp_path / "origin")
    origin.add_migration(CUSTOMERS, None, "create_customers")
    origin.commit("customers")
    clone = Project(tmp_path / "clone")
    origin.git("clone", "-q", str(origin.root), str(clone.root))
    origin.commit("email", origin.add_migration(EMAIL, CUSTOMERS, "add_email"))
    clone.git("fetch", "-q")
    clone.git("checkout", "-q", "-b", "feature")
    clone.git("add", clone.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    monkeypatch.chdir(clone.root)
    assert main(["--base", "origin/main"]) == 1
    assert capsys.readouterr().out == forked_on("origin/main")
    assert main(["--base", "origin/main", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["heads"] == [ORDERS, EMAIL]
    assert [(p["code"], p["path"], p["revisions"]) for p in document["problems"]] == [
        ("new-head", ORDERS_FILE, [ORDERS, EMAIL]),
    ]


def test_unknown_base(project: Project, capsys) -> None:
    assert main(["--base", "origin/main"]) == 2
    assert capsys.readouterr().err == (
        "revlib: error: unknown revision 'origin/main': git knows no commit by that name; "
        "fetch it first (e.g. `git fetch origin`)\n"
    )


def shallow_clone(tmp_path: Path) -> Project:
    """A depth-1 clone of a feature branch whose parent commit on main moved on since."""
    origin = Project.create(tmp_path / "origin")
    origin.add_migration(CUSTOMERS, None, "create_customers")
    origin.commit("customers")
    origin.git("checkout", "-q", "-b", "feature")
    origin.commit("orders", origin.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    origin.git("checkout", "-q", "main")
    origin.commit("email", origin.add_migration(EMAIL, CUSTOMERS, "add_email"))
    clone = Project(tmp_path / "clone")
    url = origin.root.as_uri()
    origin.git("clone", "-q", "--depth", "1", "--branch", "feature", url, str(clone.root))
    return clone


def test_shallow_clone_without_the_base(tmp_path: Path, monkeypatch, capsys) -> None:
    clone = shallow_clone(tmp_path)
    monkeypatch.chdir(clone.root)
    assert main(["--base", "origin/main"]) == 2
    assert capsys.readouterr().err == (
        "revlib: error: unknown revision 'origin/main': git knows no commit by that name; "
        "this is a shallow clone: fetch the full history with `git fetch --unshallow` "
        "(GitHub Actions: `fetch-depth: 0` on actions/checkout), and fetch origin/main too\n"
    )


def test_shallow_clone_without_the_merge_base(tmp_path: Path, monkeypatch, capsys) -> None:
    clone = shallow_clone(tmp_path)
    clone.git("fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    monkeypatch.chdir(clone.root)
    main_commit = clone.git("rev-parse", "origin/main").strip()
    assert main(["--base", "origin/main"]) == 2
    assert capsys.readouterr().err == (
        f"revlib: error: cannot find where HEAD forked from {main_commit[:12]}: the history "
        "that joins them is missing; this is a shallow clone: fetch the full history with "
        "`git fetch --unshallow` (GitHub Actions: `fetch-depth: 0` on actions/checkout)\n"
    )
    clone.git("fetch", "-q", "--unshallow")
    assert main(["--base", "origin/main"]) == 1
    assert capsys.readouterr().out == forked_on("origin/main", "this branch")


def test_spaces_and_unicode_in_file_names(project: Project, capsys) -> None:
    main_moves_on(project)
    name = f"migrations/versions/{ORDERS} créer les commandes ☃.py"
    project.write(name, migration(ORDERS, CUSTOMERS, "create orders"))
    project.git("add", name)
    assert main(["--base", "main"]) == 1
    assert capsys.readouterr().out == forked_on("main").replace(ORDERS_FILE, name)
