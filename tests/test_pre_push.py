"""revlib-new-heads-pre-push: a push is checked against the newest commit of the base branch on
the remote (fetched at push time), not the stale one the branch was cut from."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hooks.new_heads_pre_push import main
from tests.gitproject import CUSTOMERS, EMAIL, ORDERS, Project
from tests.test_precommit import configure, hook_repo, pre_commit, pre_commit_home

__all__ = ["hook_repo", "pre_commit_home"]  # session fixtures shared with test_precommit

CUSTOMERS_FILE = f"migrations/versions/{CUSTOMERS}_create_customers.py"
EMAIL_FILE = f"migrations/versions/{EMAIL}_add_email.py"
ORDERS_FILE = f"migrations/versions/{ORDERS}_create_orders.py"


def forked(base: str) -> str:
    return (
        f"{ORDERS_FILE}:18: new-head {ORDERS} revises {CUSTOMERS} ({CUSTOMERS_FILE}), which "
        f"{base} already extends with {EMAIL} ({EMAIL_FILE}); the heads would be {ORDERS} from "
        f"this branch and {EMAIL} from {base}\n"
        f"  hint: run `revlib rebase --onto {EMAIL}` to move {ORDERS} on top of {EMAIL}, or "
        "`revlib merge` to join them\n"
    )


def remote_moves_on(tmp_path: Path, project: Project) -> str:
    """A colleague pushes EMAIL to the remote's main; the project has not fetched it. Returns
    the remote's new main commit."""
    colleague = Project(tmp_path / "colleague")
    project.git("clone", "-q", str(tmp_path / "origin.git"), str(colleague.root))
    colleague.commit("email", colleague.add_migration(EMAIL, CUSTOMERS, "add_email"))
    colleague.git("push", "-q", "origin", "main")
    return colleague.git("rev-parse", "HEAD").strip()


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A clone of a bare ``origin.git`` whose main holds CUSTOMERS; on branch feature with
    ORDERS committed on CUSTOMERS. The current directory."""
    project = Project.create(tmp_path / "work")
    project.commit("customers")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.commit("customers")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(tmp_path / "origin.git")])
    project.git("remote", "add", "origin", str(tmp_path / "origin.git"))
    project.git("push", "-q", "-u", "origin", "main")
    project.git("checkout", "-q", "-b", "feature")
    project.commit("orders", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    monkeypatch.chdir(project.root)
    for name in ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "PRE_COMMIT_REMOTE_NAME"):
        monkeypatch.delenv(name, raising=False)
    return project


def pushing(monkeypatch: pytest.MonkeyPatch, project: Project, branch: str = "feature") -> None:
    """The variables pre-commit sets for ``git push origin <branch>`` of a new branch."""
    monkeypatch.setenv("PRE_COMMIT_TO_REF", project.git("rev-parse", "HEAD").strip())
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", project.git("rev-parse", "HEAD~").strip())
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "origin")
    monkeypatch.setenv("PRE_COMMIT_REMOTE_BRANCH", f"refs/heads/{branch}")
    monkeypatch.setenv("PRE_COMMIT_LOCAL_BRANCH", f"refs/heads/{branch}")


def test_push_is_checked_against_the_remote_s_newest_main(
    tmp_path: Path, clone: Project, monkeypatch, capsys
) -> None:
    stale = clone.git("rev-parse", "origin/main").strip()
    newest = remote_moves_on(tmp_path, clone)
    pushing(monkeypatch, clone)
    assert main([]) == 1
    assert capsys.readouterr().out == (
        f"compared {clone.git('rev-parse', 'HEAD').strip()[:12]} with origin/main at "
        f"{newest[:12]} (fetched just now)\n{forked('origin/main')}Found 1 error.\n"
    )
    assert clone.git("rev-parse", "FETCH_HEAD").strip() == newest
    assert clone.git("rev-parse", "main").strip() == stale  # the user's branches stay put


def test_deleting_a_branch_or_pushing_nothing_new_is_not_checked(
    clone: Project, monkeypatch, capsys
) -> None:
    pushing(monkeypatch, clone)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "0" * 40)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "nowhere")  # never contacted
    assert main([]) == 0
    monkeypatch.setenv("PRE_COMMIT_TO_REF", clone.git("rev-parse", "HEAD").strip())
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", clone.git("rev-parse", "HEAD").strip())
    assert main([]) == 0
    assert capsys.readouterr().out == ""


def test_the_base_branch_comes_from_the_settings(
    tmp_path: Path, clone: Project, monkeypatch, capsys
) -> None:
    clone.git("push", "-q", "origin", "main:release")
    remote_moves_on(tmp_path, clone)  # main moves on; release does not
    pushing(monkeypatch, clone)
    clone.write("pyproject.toml", '[tool.revlib]\nbase = "origin/release"\n')
    assert main([]) == 0
    assert "with origin/release at" in capsys.readouterr().out
    assert main(["--base", "main"]) == 1
    assert forked("origin/main") in capsys.readouterr().out


def test_an_unreachable_remote_is_a_clear_error(clone: Project, monkeypatch, capsys) -> None:
    pushing(monkeypatch, clone)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", str(clone.root.parent / "gone.git"))
    assert main(["--base", "main"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("revlib: error: cannot fetch main from ")
    assert "to compare with its newest commit: fatal:" in err


# -- through the real pre-commit program ----------------------------------------------------


@pytest.mark.precommit
def test_pre_push_stage_refuses_a_push_behind_the_remote(
    tmp_path: Path, clone: Project, hook_repo, pre_commit_home: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PRE_COMMIT_COLOR", "never")
    configure(clone, hook_repo, "      - id: revlib-new-heads-pre-push\n")
    clone.commit("pre-commit", ".pre-commit-config.yaml")
    installed = pre_commit(clone, "install", "--hook-type", "pre-push")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    newest = remote_moves_on(tmp_path, clone)

    refused = clone.run("git", "push", "origin", "feature")
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert "revlib new heads before push (Alembic)" in output
    assert f"with origin/main at {newest[:12]} (fetched just now)\n" in output
    assert forked("origin/main") in output
    assert clone.run("git", "ls-remote", "origin", "feature").stdout == ""  # nothing pushed

    clone.git("merge", "-q", "--no-edit", "FETCH_HEAD")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRE_COMMIT_")}
    rebased = subprocess.run(
        ["revlib", "rebase", "--onto", EMAIL],
        cwd=clone.root,
        capture_output=True,
        text=True,
        env=env,
    )
    assert rebased.returncode == 0, rebased.stdout + rebased.stderr
    clone.commit("orders after email", ORDERS_FILE)
    accepted = clone.run("git", "push", "origin", "feature")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert clone.run("git", "ls-remote", "origin", "feature").stdout != ""


def test_the_first_push_to_an_empty_remote_passes(tmp_path: Path, monkeypatch, capsys) -> None:
    project = Project.create(tmp_path / "work")
    project.commit("init")
    project.commit("customers", project.add_migration(CUSTOMERS, None, "create_customers"))
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "empty.git")], check=True)
    project.git("remote", "add", "origin", str(tmp_path / "empty.git"))
    monkeypatch.chdir(project.root)
    pushing(monkeypatch, project, "main")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "0" * 40)
    assert main([]) == 0
    assert capsys.readouterr().out == "origin has no branch main yet: nothing to compare with\n"
