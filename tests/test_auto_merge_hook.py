"""revlib-auto-merge on real git repositories, checked by real Alembic on SQLite."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from hooks.auto_merge import main
from hooks.check import main as check
from tests.gitproject import CUSTOMERS, ORDERS, POINTS, Project, merge_two_branches

MERGE_FILE = re.compile(r"migrations/versions/([0-9a-f]{12})_merge_heads\.py")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    project = Project.create(tmp_path / "repo")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.commit("customers")
    monkeypatch.chdir(project.root)
    return project


def merge_files(project: Project) -> list[Path]:
    return sorted(project.versions.glob("*_merge_heads.py"))


def alembic_heads_and_upgrade(project: Project) -> tuple[list[str], set[str]]:
    """What real Alembic sees, and the tables ``alembic upgrade heads`` creates."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(project.root / "alembic.ini"))
    heads = ScriptDirectory.from_config(config).get_heads()
    command.upgrade(config, "heads")
    with sqlite3.connect(project.root / "app.db") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
    return heads, tables


def test_merge_is_written_once_then_staged_and_alembic_upgrades(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    merge_two_branches(project)
    assert main([]) == 1
    written = capsys.readouterr().out
    match = MERGE_FILE.fullmatch(written.rstrip("\n"))
    assert match, written
    (merge,) = merge_files(project)
    text = merge.read_text()
    assert f"down_revision: Union[str, Sequence[str], None] = ('{ORDERS}', '{POINTS}')" in text
    assert text.startswith('"""merge heads\n')

    assert main([]) == 1  # not staged yet: named again, not written again
    assert capsys.readouterr().out == f"{match.group(0)} (written earlier; not staged yet)\n"
    assert merge_files(project) == [merge]

    assert main(["--stage"]) == 1
    assert capsys.readouterr().out == f"{match.group(0)} (written earlier; staged)\n"
    assert project.git("diff", "--cached", "--name-only") == f"{match.group(0)}\n"
    assert main([]) == 0
    assert check([]) == 0
    assert capsys.readouterr().out == ""

    heads, tables = alembic_heads_and_upgrade(project)
    assert heads == [match.group(1)]
    assert {f"t_{CUSTOMERS}", f"t_{ORDERS}", f"t_{POINTS}", "alembic_version"} <= tables


def test_stage_on_the_first_run(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    merge_two_branches(project)
    assert main(["--stage", "-m", "join orders and points"]) == 1
    path = capsys.readouterr().out.rstrip("\n")
    assert re.fullmatch(r"migrations/versions/[0-9a-f]{12}_join_orders_and_points\.py", path)
    assert project.git("diff", "--cached", "--name-only") == f"{path}\n"
    assert main([]) == 0
    assert capsys.readouterr().out == ""


def test_one_head_writes_nothing(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == ""
    assert merge_files(project) == []


def test_untracked_fork_is_not_merged(project: Project, capsys) -> None:
    project.add_migration(ORDERS, CUSTOMERS, "create_orders")
    project.commit("orders")
    project.add_migration(POINTS, CUSTOMERS, "add_points")  # not staged
    assert main([]) == 0
    assert merge_files(project) == []


def test_broken_history_is_not_merged(project: Project, capsys) -> None:
    merge_two_branches(project)
    project.git("add", project.add_migration("aaaa00000001", "nowhere", "lost"))
    assert main([]) == 1
    assert capsys.readouterr().out == (
        "migrations/versions/aaaa00000001_lost.py:18: missing-down-revision down_revision names "
        "nowhere, but no version file declares that revision\n"
        "  hint: restore the file that declares it (deleted, or moved out of the version "
        "locations?), or point down_revision at a revision that exists\n"
        "Not writing a merge revision on top of these problems; fix them first.\n"
    )
    assert merge_files(project) == []


def test_per_branch_label_merges_only_the_crowded_branch(project: Project, capsys) -> None:
    project.add_migration("c1", CUSTOMERS, "contract", labels="contract")
    project.add_migration("e1", CUSTOMERS, "expand", labels="expand")
    project.add_migration("e2", "e1", "expand_two")
    project.add_migration("e3", "e1", "expand_three")
    project.commit("branches")
    assert main(["--heads", "per-branch-label", "--stage"]) == 1
    (merge,) = merge_files(project)
    assert "down_revision: Union[str, Sequence[str], None] = ('e2', 'e3')" in merge.read_text()
    assert check(["--heads", "per-branch-label"]) == 0


def test_unstaged_work_on_a_head_stays_out_of_the_merge(project: Project, capsys) -> None:
    merge_two_branches(project)
    project.add_migration("aaaa0000000w", POINTS, "work_in_progress")  # untracked, on a head
    assert main([]) == 1
    path = capsys.readouterr().out.rstrip("\n")
    (merge,) = merge_files(project)
    assert path == merge.relative_to(project.root).as_posix()
    assert f"= ('{ORDERS}', '{POINTS}')" in merge.read_text()
    assert main([]) == 1  # named again, not written again
    assert capsys.readouterr().out == f"{path} (written earlier; not staged yet)\n"
