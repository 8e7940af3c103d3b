"""history-edited at commit time without a base given or configured: the commit hook protects
the migrations of the remote's default branch (``origin/HEAD``, e.g. ``origin/main``), which
may have run somewhere, and leaves the branch's own unpushed migrations free to change. With no
such remote branch there is nothing shared to protect, and no history check."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hooks.cli import main as revlib
from hooks.git_state import shared_branch
from hooks.new_heads import main as new_heads
from tests.gitproject import CUSTOMERS, EMAIL, ORDERS, POINTS, Project
from tests.test_precommit import configure, hook_repo, pre_commit, pre_commit_home

__all__ = ["hook_repo", "pre_commit_home"]  # session fixtures shared with test_precommit

CUSTOMERS_FILE = f"migrations/versions/{CUSTOMERS}_create_customers.py"
EMAIL_FILE = f"migrations/versions/{EMAIL}_add_email.py"
ORDERS_FILE = f"migrations/versions/{ORDERS}_create_orders.py"
LATER = "aaaa00000003"


def re_parented(base: str) -> str:
    """The finding for EMAIL re-parented from CUSTOMERS onto ORDERS, against ``base``."""
    return (
        f"{EMAIL_FILE}:18: history-edited {EMAIL} is in {base}, where it may already have run, "
        f"but its down_revision changed from '{CUSTOMERS}' to '{ORDERS}'\n"
        "  hint: a migration that ran somewhere must not change under it: restore it "
        f"(`git checkout {base} -- {EMAIL_FILE}`), and write a new migration for the change\n"
    )


def remote(tmp_path: Path) -> Project:
    """A bare ``origin.git`` whose main holds CUSTOMERS then EMAIL (pushed from a scratch
    repository)."""
    first = Project.create(tmp_path / "first")
    first.add_migration(CUSTOMERS, None, "create_customers")
    first.commit("customers")
    first.commit("email", first.add_migration(EMAIL, CUSTOMERS, "add_email"))
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    first.git("push", "-q", str(bare), "main")
    return first


def clone_of(tmp_path: Path, name: str = "work", *options: str) -> Project:
    project = Project(tmp_path / name)
    subprocess.run(
        ["git", "clone", "-q", *options, str(tmp_path / "origin.git"), str(project.root)],
        check=True,
    )
    project.git("config", "commit.gpgsign", "false")
    return project


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """``git clone`` of the remote (origin/HEAD -> origin/main), on a new branch feature. The
    current directory."""
    remote(tmp_path)
    project = clone_of(tmp_path)
    project.git("checkout", "-q", "-b", "feature")
    monkeypatch.chdir(project.root)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    return project


def re_parent_email(project: Project) -> None:
    """Stage ORDERS on CUSTOMERS, and EMAIL (which origin/main has) re-parented onto it."""
    project.add_migration(ORDERS, CUSTOMERS, "create_orders")
    email = project.root / EMAIL_FILE
    email.write_text(email.read_text().replace(f"= {CUSTOMERS!r}", f"= {ORDERS!r}"))
    project.git("add", ".")


def test_editing_a_migration_of_origin_main_fails_the_commit_hook(clone: Project, capsys) -> None:
    re_parent_email(clone)
    assert new_heads([]) == 1
    assert capsys.readouterr().out == re_parented("origin/main") + "Found 1 error.\n"


def test_an_edit_committed_earlier_on_the_branch_is_still_reported(clone: Project, capsys) -> None:
    re_parent_email(clone)
    clone.commit("orders first")
    clone.add_migration(POINTS, EMAIL, "add_points")
    clone.git("add", ".")
    assert new_heads([]) == 1
    assert capsys.readouterr().out == re_parented("origin/main") + "Found 1 error.\n"


@pytest.mark.parametrize("branch", ["feature", "main"])
def test_amending_the_branch_s_own_migration_is_no_finding(
    clone: Project, capsys, branch: str
) -> None:
    clone.git("checkout", "-q", branch)
    clone.commit("orders", clone.add_migration(ORDERS, EMAIL, "create_orders"))  # not pushed
    clone.add_migration(POINTS, EMAIL, "add_points")
    orders = clone.root / ORDERS_FILE
    orders.write_text(
        orders.read_text()
        .replace(f"= {EMAIL!r}", f"= {POINTS!r}")
        .replace("op.create_table", "op.create_table  # amended\n    op.create_table")
    )
    clone.git("add", ".")
    assert new_heads([]) == 0
    assert capsys.readouterr().out == ""


def test_migrations_main_gained_since_the_branch_forked_are_not_deleted(
    clone: Project, tmp_path: Path, capsys
) -> None:
    colleague = clone_of(tmp_path, "colleague")
    colleague.commit("later", colleague.add_migration(LATER, EMAIL, "later"))
    colleague.git("push", "-q", "origin", "main")
    clone.git("fetch", "-q", "origin")
    clone.add_migration(ORDERS, EMAIL, "create_orders")
    clone.git("add", ".")
    assert new_heads([]) == 0  # against HEAD: ORDERS is no new head; LATER is not gone
    assert capsys.readouterr().out == ""
    re_parent_email(clone)
    assert new_heads([]) == 1
    assert capsys.readouterr().out == re_parented("origin/main") + "Found 1 error.\n"


def test_without_a_remote_history_is_not_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    project = remote(tmp_path)
    project.git("checkout", "-q", "-b", "feature")
    monkeypatch.chdir(project.root)
    re_parent_email(project)
    assert shared_branch(project.root) is None
    assert new_heads([]) == 0
    assert capsys.readouterr().out == ""


def test_a_remote_whose_head_git_never_recorded_is_not_guessed(clone: Project, capsys) -> None:
    clone.git("remote", "set-head", "origin", "--delete")
    re_parent_email(clone)
    assert new_heads([]) == 0
    assert capsys.readouterr().out == ""
    clone.git("remote", "set-head", "origin", "main")
    assert new_heads([]) == 1


def test_the_remote_the_branch_tracks_when_it_is_not_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    remote(tmp_path)
    project = clone_of(tmp_path, "work", "--origin", "upstream")
    project.git("checkout", "-q", "-b", "feature", "--track", "upstream/main")
    monkeypatch.chdir(project.root)
    assert shared_branch(project.root) == "upstream/main"
    re_parent_email(project)
    assert new_heads([]) == 1
    assert capsys.readouterr().out == re_parented("upstream/main") + "Found 1 error.\n"
    project.git("checkout", "-q", "--detach")  # no branch, so no tracked remote
    assert shared_branch(project.root) is None


@pytest.mark.parametrize(
    ("settings", "args", "base"),
    [
        pytest.param('[tool.revlib]\nbase = "main"\n', [], "main", id="configured-base"),
        pytest.param("", ["--base", "main"], "main", id="base-option"),
    ],
)
def test_a_given_or_configured_base_wins(
    clone: Project, capsys, settings: str, args: list[str], base: str
) -> None:
    clone.git("branch", "-q", "-f", "main", "HEAD")
    if settings:
        clone.write("pyproject.toml", settings)
    re_parent_email(clone)
    code = new_heads(args) if args else new_heads([])
    assert code == 1
    assert capsys.readouterr().out == re_parented(base) + "Found 1 error.\n"


def test_the_lint_only_check_does_not_compare(clone: Project, capsys) -> None:
    re_parent_email(clone)
    assert revlib(["check", "--staged"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.precommit
def test_git_commit_through_pre_commit_refuses_the_edit(
    clone: Project, hook_repo, pre_commit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PRE_COMMIT_COLOR", "never")
    monkeypatch.delenv("SKIP", raising=False)
    configure(clone, hook_repo, "      - id: revlib-new-heads\n")
    clone.commit("hooks", ".pre-commit-config.yaml")
    assert pre_commit(clone, "install").returncode == 0
    re_parent_email(clone)
    result = clone.run("git", "commit", "-q", "-m", "re-parent email")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re_parented("origin/main") in result.stderr  # git shows the hook's output there
    clone.git("checkout", "-q", "HEAD", "--", EMAIL_FILE)
    result = clone.run("git", "commit", "-q", "-m", "orders")
    assert result.returncode == 1  # ORDERS is now a second head on CUSTOMERS
    assert "new-head" in result.stderr
    assert "history-edited" not in result.stderr
