"""revlib's hooks through the real pre-commit program, in a project whose migrations import an
application module (``myapp``) that the hooks' environment does not have.

pre-commit builds a virtualenv installing revlib from a snapshot of this checkout (committed
to a scratch repository, so that work not yet committed is what gets tested). The environment
is built once per session: every test shares one PRE_COMMIT_HOME and one hook repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gitproject import (
    CUSTOMERS,
    EMAIL,
    ORDERS,
    POINTS,
    Project,
    merge_two_branches,
    write_app,
)

pytestmark = pytest.mark.precommit

CHECKOUT = Path(__file__).resolve().parent.parent
ORDERS_FILE = f"migrations/versions/{ORDERS}_create_orders.py"
POINTS_FILE = f"migrations/versions/{POINTS}_add_points.py"
EMAIL_FILE = f"migrations/versions/{EMAIL}_add_email.py"
CUSTOMERS_FILE = f"migrations/versions/{CUSTOMERS}_create_customers.py"


def heads_finding(head: str, other: str) -> str:
    """revlib-check's finding for ``head``, one of two heads forking from CUSTOMERS."""
    files = {ORDERS: ORDERS_FILE, POINTS: POINTS_FILE}
    return (
        f"{files[head]}:17: multiple-heads {head} is one of 2 heads, where only 1 is allowed; "
        f"the other is {other} ({files[other]}); they fork from {CUSTOMERS} ({CUSTOMERS_FILE})\n"
        "  hint: `alembic upgrade head` fails while there are several heads: run "
        f"`revlib rebase --onto {other}` to move {head} on top of {other}, or `revlib merge` to "
        "join them\n"
    )


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding this checkout's files (tracked or new, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT,
        capture_output=True,
        check=True,
    ).stdout
    target = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.split(b"\0")):
        source = CHECKOUT / os.fsdecode(name)
        if source.is_file():
            (target / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / os.fsdecode(name))
    identity = ["-c", "user.name=revlib tests", "-c", "user.email=tests@revlib.invalid"]
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "s"]):
        subprocess.run(["git", *identity, *command], cwd=target, check=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=target, capture_output=True, text=True, check=True
    ).stdout.strip()
    return target, rev


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pre_commit_home: Path) -> Project:
    """A project with one committed migration, and no ``myapp`` package anywhere in it."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PRE_COMMIT_COLOR", "never")
    monkeypatch.delenv("SKIP", raising=False)
    project = Project.create(tmp_path / "repo", app=False)
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.commit("customers")
    return project


def configure(project: Project, hook_repo: tuple[Path, str], hooks: str) -> None:
    path, rev = hook_repo
    config = f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{hooks}"
    project.write(".pre-commit-config.yaml", config)


def pre_commit(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return project.run(sys.executable, "-m", "pre_commit", *args)


def test_run_check_fails_naming_both_files(project: Project, hook_repo) -> None:
    merge_two_branches(project)
    configure(project, hook_repo, "      - id: revlib-check\n")
    result = pre_commit(project, "run", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "- hook id: revlib-check\n- exit code: 1\n\n"
        f"{heads_finding(ORDERS, POINTS)}{heads_finding(POINTS, ORDERS)}"
        "Found 2 errors.\n"
    ) in result.stdout


def test_installed_hooks_refuse_the_fork_then_merge_it(
    project: Project, hook_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(
        project,
        hook_repo,
        "      - id: revlib-check\n"
        "      - id: revlib-new-heads\n        args: [--base, main]\n"
        "      - id: revlib-auto-merge\n        args: [--stage]\n",
    )
    project.commit("pre-commit", ".pre-commit-config.yaml")
    assert pre_commit(project, "install").returncode == 0
    project.git("checkout", "-q", "-b", "feature")
    project.git("checkout", "-q", "main")
    project.commit("email", project.add_migration(EMAIL, CUSTOMERS, "add_email"))
    project.git("checkout", "-q", "feature")
    project.git("merge", "-q", "--no-edit", "main")
    project.add_migration(ORDERS, CUSTOMERS, "create_orders")
    project.git("add", ORDERS_FILE)
    project.add_migration(POINTS, EMAIL, "add_points")  # untracked work: never a false alarm

    refused = project.run("git", "commit", "-m", "orders")
    output = refused.stdout + refused.stderr  # git shows its hooks' output on stderr
    assert refused.returncode == 1, output
    assert (
        f"{ORDERS_FILE}:18: new-head {ORDERS} revises {CUSTOMERS} ({CUSTOMERS_FILE}), which main "
        f"already extends with {EMAIL} ({EMAIL_FILE}); the heads would be {ORDERS} from the "
        f"staged changes and {EMAIL} from main\n"
        f"  hint: run `revlib rebase --onto {EMAIL}` to move {ORDERS} on top of {EMAIL}, or "
        "`revlib merge` to join them\n"
    ) in output
    merge = re.search(r"migrations/versions/([0-9a-f]{12})_merge_heads\.py", output)
    assert merge, output
    staged = project.git("diff", "--cached", "--name-only").split()
    assert sorted(staged) == sorted([merge.group(0), ORDERS_FILE])

    accepted = project.run("git", "commit", "-m", "orders")
    output = accepted.stdout + accepted.stderr
    assert accepted.returncode == 0, output
    for name in ("revlib check (Alembic revision graph)", "revlib new heads (Alembic)"):
        assert re.search(re.escape(name) + r"\.+Passed", output), output

    write_app(tmp_path / "app")
    monkeypatch.syspath_prepend(str(tmp_path / "app"))
    (project.root / POINTS_FILE).unlink()
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(project.root / "alembic.ini"))
    assert ScriptDirectory.from_config(config).get_heads() == [merge.group(1)]
    monkeypatch.chdir(project.root)
    command.upgrade(config, "heads")


def test_try_repo(project: Project, hook_repo) -> None:
    merge_two_branches(project)
    path, rev = hook_repo
    result = pre_commit(project, "try-repo", str(path), "revlib-check", "--ref", rev, "-a")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{ORDERS_FILE}:17: multiple-heads" in result.stdout
    assert f"{POINTS_FILE}:17: multiple-heads" in result.stdout
