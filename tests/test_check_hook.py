"""revlib-check / revlib check on real git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hooks.check import main
from hooks.cli import main as revlib
from tests.gitproject import CUSTOMERS, ORDERS, POINTS, Project, merge_two_branches

ORDERS_FILE = f"migrations/versions/{ORDERS}_create_orders.py"
POINTS_FILE = f"migrations/versions/{POINTS}_add_points.py"
CUSTOMERS_FILE = f"migrations/versions/{CUSTOMERS}_create_customers.py"


def two_heads(ours: str | None = None, orders_file: str = ORDERS_FILE) -> str:
    """What revlib check prints for ORDERS and POINTS both on CUSTOMERS; ``ours`` is the one
    the staged changes add, if any."""
    files = {ORDERS: orders_file, POINTS: POINTS_FILE}
    staged = f"; {ours} comes from the staged changes" if ours else ""
    lines = []
    for head, other in ((ORDERS, POINTS), (POINTS, ORDERS)):
        mover = ours or head
        target = POINTS if mover == ORDERS else ORDERS
        lines += [
            f"{files[head]}:17: multiple-heads {head} is one of 2 heads, where only 1 is "
            f"allowed; the other is {other} ({files[other]}); they fork from {CUSTOMERS} "
            f"({CUSTOMERS_FILE}){staged}",
            "  hint: `alembic upgrade head` fails while there are several heads: run "
            f"`revlib rebase --onto {target}` to move {mover} on top of {target}, or "
            "`revlib merge` to join them",
        ]
    return "\n".join(lines) + "\nFound 2 errors.\n"


TWO_HEADS = two_heads()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A repository whose main branch holds one migration; the current directory."""
    project = Project.create(tmp_path / "repo")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.commit("customers")
    monkeypatch.chdir(project.root)
    return project


def test_merged_branches_fail_naming_both_files(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    merge_two_branches(project)
    assert main([]) == 1
    assert capsys.readouterr().out == TWO_HEADS


def test_one_head_passes_silently(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.commit("orders", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    assert main([]) == 0
    assert capsys.readouterr().out == ""


def test_staged_fork_fails(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.commit("orders", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    project.git("add", project.add_migration(POINTS, CUSTOMERS, "add_points"))
    assert main([]) == 1
    assert capsys.readouterr().out == two_heads(ours=POINTS)


def test_untracked_and_unstaged_files_are_ignored_by_the_hook(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.commit("orders", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    project.add_migration(POINTS, CUSTOMERS, "add_points")  # untracked: a second head on disk
    orders = project.root / ORDERS_FILE
    orders.write_text(orders.read_text().replace(f"= {CUSTOMERS!r}", "= 'nowhere'"))  # unstaged
    assert main([]) == 0
    assert revlib(["check", "--staged"]) == 0
    assert capsys.readouterr().out == ""
    assert revlib(["check"]) == 1  # the work tree, as Alembic would see it
    assert capsys.readouterr().out == (
        f"{ORDERS_FILE}:18: missing-down-revision down_revision names nowhere, but no version "
        "file declares that revision\n"
        "  hint: restore the file that declares it (deleted, or moved out of the version "
        "locations?), or point down_revision at a revision that exists\n"
        "Found 1 error.\n"
    )


def test_worktree_mode_sees_untracked_files(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.commit("orders", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    project.add_migration(POINTS, CUSTOMERS, "add_points")
    assert revlib(["check"]) == 1
    assert main(["--worktree"]) == 1
    assert capsys.readouterr().out == TWO_HEADS * 2


def test_unborn_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    project = Project.create(tmp_path / "repo")
    monkeypatch.chdir(project.root)
    project.git("add", project.add_migration(CUSTOMERS, None, "create_customers"))
    assert main([]) == 0
    project.git("add", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    project.git("add", project.add_migration(POINTS, CUSTOMERS, "add_points"))
    assert main([]) == 1
    assert capsys.readouterr().out == TWO_HEADS


def test_spaces_and_unicode_in_file_names(project: Project, capsys) -> None:
    name = f"migrations/versions/{ORDERS} créer les commandes ☃.py"
    project.commit("orders", project.add_migration(POINTS, CUSTOMERS, "add_points"))
    project.write(name, (project.root / POINTS_FILE).read_text().replace(POINTS, ORDERS))
    project.git("add", name)
    assert main([]) == 1
    assert capsys.readouterr().out == two_heads(ours=ORDERS, orders_file=name)


def test_json_output(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    merge_two_branches(project)
    assert main(["--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    assert document["heads"] == [ORDERS, POINTS]
    assert [(p["code"], p["path"], p["line"], p["revisions"]) for p in document["problems"]] == [
        ("multiple-heads", ORDERS_FILE, 17, [ORDERS, POINTS]),
        ("multiple-heads", POINTS_FILE, 17, [ORDERS, POINTS]),
    ]
    assert set(document["problems"][0]) == {
        "code",
        "severity",
        "message",
        "path",
        "line",
        "revisions",
        "hint",
        "setup",
    }


def test_clean_json(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert revlib(["check", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "problems": [],
        "heads": [CUSTOMERS],
    }


def test_several_script_directories(project: Project, capsys) -> None:
    other = Project(project.root / "other")
    other.versions.mkdir(parents=True)
    other.add_migration("aaaa00000001", None, "first")
    other.add_migration("aaaa00000002", "aaaa00000001", "second")
    other.add_migration("aaaa00000003", "aaaa00000001", "third")
    project.git("add", ".")
    assert main(["-c", "alembic.ini", "-d", "other/migrations"]) == 1
    out = capsys.readouterr().out
    assert "other/migrations/versions/aaaa00000002_second.py:17: multiple-heads" in out
    assert out.endswith("Found 2 errors.\n")


def test_heads_per_branch_label(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.add_migration("e1", CUSTOMERS, "expand", labels="expand")
    project.add_migration("c1", CUSTOMERS, "contract", labels="contract")
    project.git("add", ".")
    assert main([]) == 1
    capsys.readouterr()
    assert main(["--heads", "per-branch-label"]) == 0
    assert main(["--heads", "2"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--heads", "0"],
            "Error: Invalid value for '--heads': expected a number of heads (1 or more), "
            "'per-branch-label' or 'per-version-location'\n",
            id="bad-heads",
        ),
        pytest.param(
            ["--enable", "multiple-heads"],
            "Error: Invalid value for '--enable': 'multiple-heads' is not one of "
            "'filename-mismatch', 'docstring-mismatch'.\n",
            id="bad-enable",
        ),
        pytest.param(
            ["-c", "missing.ini"],
            "revlib: error: config file missing.ini does not exist\n",
            id="missing-config",
        ),
    ],
)
def test_usage_errors_exit_2(project: Project, capsys, args: list[str], expected: str) -> None:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err.endswith(expected)


def test_outside_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    project = Project(tmp_path)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    project.versions.mkdir(parents=True)
    project.add_migration(CUSTOMERS, None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert main([]) == 2
    assert capsys.readouterr().err == (
        f"revlib: error: {tmp_path} is not inside a git repository; run in a clone, or drop "
        "--staged/--base to read the files on disk\n"
    )
    assert revlib(["check"]) == 0


def test_console_script(project: Project) -> None:
    merge_two_branches(project)
    result = subprocess.run(
        [sys.executable, "-m", "hooks.check"], cwd=project.root, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout, result.stderr) == (1, TWO_HEADS, "")
