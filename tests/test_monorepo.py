"""Monorepos: one run checks every Alembic setup ([tool.revlib] configs, or --discover among
the tracked files), each finding names its setup, and the commands that act on one setup take
the one whose files changed, refusing to guess between several."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hooks.check import main as revlib_check
from hooks.cli import main as revlib
from tests.gitproject import EXAMPLES, Project, migration

A_INI = "services/a/alembic.ini"
B_TOML = "services/b/pyproject.toml"
A_VERSIONS = "services/a/migrations/versions"
B_VERSIONS = "services/b/migrations/versions"
SETTINGS = f'[tool.revlib]\nconfigs = ["{A_INI}", "{B_TOML}"]\n'


def script_directory(project: Project, directory: str) -> None:
    project.write(f"{directory}/versions/.keep", "")
    shutil.copy(EXAMPLES / "shop" / "migrations" / "script.py.mako", project.root / directory)


@pytest.fixture
def monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Two services, each with its own Alembic setup (an alembic.ini, a [tool.alembic]) and a
    linear history, committed; the repository root is the current directory."""
    project = Project(tmp_path / "repo")
    project.root.mkdir()
    project.git("init", "-q", "-b", "main")
    project.write(A_INI, "[alembic]\nscript_location = %(here)s/migrations\n")
    project.write(B_TOML, '[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    for service in ("a", "b"):
        script_directory(project, f"services/{service}/migrations")
        versions = f"services/{service}/migrations/versions"
        project.write(f"{versions}/{service}001_first.py", migration(f"{service}001", None))
        project.write(
            f"{versions}/{service}002_second.py", migration(f"{service}002", f"{service}001")
        )
    project.commit("two services")
    monkeypatch.chdir(project.root)
    return project


def break_b(project: Project, stage: bool = True) -> str:
    """A second head in service b (staged unless told otherwise); its path."""
    path = project.write(f"{B_VERSIONS}/b003_fork.py", migration("b003", "b001"))
    relative = path.relative_to(project.root).as_posix()
    if stage:
        project.git("add", relative)
    return relative


def test_only_the_broken_setup_is_reported_and_named(monorepo: Project, capsys) -> None:
    monorepo.write("pyproject.toml", SETTINGS)
    assert revlib(["check"]) == 0
    assert capsys.readouterr().out == ""
    fork = break_b(monorepo)
    for run, staged in ((lambda: revlib(["check"]), ""), (lambda: revlib_check([]), "yes")):
        assert run() == 1
        out = capsys.readouterr().out
        side = "; b003 comes from the staged changes" if staged else ""
        assert [line for line in out.splitlines() if "multiple-heads" in line] == [
            f"[{B_TOML}] {B_VERSIONS}/b002_second.py:17: multiple-heads b002 is one of 2 heads, "
            f"where only 1 is allowed; the other is b003 ({fork}); they fork from b001 "
            f"({B_VERSIONS}/b001_first.py){side}",
            f"[{B_TOML}] {fork}:17: multiple-heads b003 is one of 2 heads, where only 1 is "
            f"allowed; the other is b002 ({B_VERSIONS}/b002_second.py); they fork from b001 "
            f"({B_VERSIONS}/b001_first.py){side}",
        ]
        assert out.endswith("Found 2 errors.\n")
        assert A_INI not in out


def test_json_names_the_setup(monorepo: Project, capsys) -> None:
    monorepo.write("pyproject.toml", SETTINGS)
    break_b(monorepo)
    assert revlib(["check", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [(p["setup"], p["code"]) for p in document["problems"]] == [
        (B_TOML, "multiple-heads"),
        (B_TOML, "multiple-heads"),
    ]
    assert document["heads"] == ["a002", "b002", "b003"]


def test_the_command_line_picks_setups_over_the_settings(monorepo: Project, capsys) -> None:
    monorepo.write("pyproject.toml", SETTINGS)
    break_b(monorepo)
    assert revlib(["check", "-c", A_INI]) == 0
    assert revlib(["-c", A_INI, "check"]) == 0
    assert revlib(["check", "-c", B_TOML]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{B_VERSIONS}/b002_second.py:17: multiple-heads")  # one setup: no tag


def test_discover_finds_tracked_setups_and_skips_environments(monorepo: Project, capsys) -> None:
    for ignored in (".venv/lib/python3.11/site-packages/x", "node_modules/y", "env/lib/z"):
        monorepo.write(f"{ignored}/alembic.ini", "[alembic]\nscript_location = nowhere\n")
    monorepo.write("env/lib/z/pyvenv.cfg", "home = /usr\n")
    monorepo.write("untracked/alembic.ini", "[alembic]\nscript_location = nowhere\n")
    monorepo.git("add", ".venv", "node_modules", "env")
    break_b(monorepo)
    assert revlib(["check", "--discover"]) == 1
    out = capsys.readouterr().out
    assert f"[{B_TOML}] {B_VERSIONS}/b002_second.py:17: multiple-heads" in out
    assert "nowhere" not in out
    monorepo.write("pyproject.toml", "[tool.revlib]\ndiscover = true\n")
    assert revlib_check(["--format", "json"]) == 1
    assert {p["setup"] for p in json.loads(capsys.readouterr().out)["problems"]} == {B_TOML}


def test_discover_with_nothing_to_find(tmp_path: Path, monkeypatch, capsys) -> None:
    project = Project(tmp_path / "empty")
    project.root.mkdir()
    project.git("init", "-q")
    monkeypatch.chdir(project.root)
    assert revlib(["check", "--discover"]) == 2
    assert capsys.readouterr().err == (
        "revlib: error: --discover found no alembic.ini, and no pyproject.toml with "
        "[tool.alembic], among the files git tracks here\n"
    )


def test_merge_acts_on_the_setup_whose_files_changed(monorepo: Project, capsys) -> None:
    monorepo.write("pyproject.toml", SETTINGS)
    break_b(monorepo, stage=False)
    assert revlib(["merge", "-m", "join"]) == 0
    written = capsys.readouterr().out.strip()
    assert written.startswith(f"{B_VERSIONS}/") and written.endswith("_join.py")
    assert "down_revision: Union[str, Sequence[str], None] = ('b002', 'b003')" in (
        (monorepo.root / written).read_text()
    )


def test_merge_refuses_to_guess_between_setups(monorepo: Project, capsys) -> None:
    monorepo.write("pyproject.toml", SETTINGS)
    assert revlib(["merge"]) == 2
    assert capsys.readouterr().err == (
        "revlib: error: this project has 2 Alembic setups and none has changed version files "
        f"to tell which one is meant ({A_INI}, {B_TOML}); pick one with "
        f"`revlib -c {A_INI} merge`\n"
    )
    break_b(monorepo)
    monorepo.write(f"{A_VERSIONS}/a003_more.py", migration("a003", "a002"))
    assert revlib(["merge"]) == 2
    assert capsys.readouterr().err == (
        "revlib: error: this project has 2 Alembic setups and the version files of 2 of them "
        f"changed ({A_INI}, {B_TOML}); pick one with `revlib -c {A_INI} merge`\n"
    )
    assert revlib(["-c", B_TOML, "merge", "-m", "join"]) == 0
    assert capsys.readouterr().out.startswith(f"{B_VERSIONS}/")


def test_rebase_acts_on_the_setup_whose_files_changed(monorepo: Project, capsys) -> None:
    monorepo.write("pyproject.toml", SETTINGS)
    fork = break_b(monorepo, stage=False)
    assert revlib(["rebase", "--onto", "b002"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Re-parented b003 ({fork}): it now revises b002 (was b001)\n")
    assert revlib(["check"]) == 0


def test_ci_reports_each_setup(monorepo: Project) -> None:
    import os
    import subprocess

    monorepo.write("pyproject.toml", SETTINGS)
    break_b(monorepo)
    monorepo.commit("fork in b")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    result = subprocess.run(
        ["revlib", "ci", "--base", "HEAD~"],
        cwd=monorepo.root,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if "new-head" in line]
    assert len(problems) == 1
    assert problems[0].startswith(f"[{B_TOML}] {B_VERSIONS}/b003_fork.py:18: new-head b003")
    assert result.stdout.endswith("revlib ci: 1 error; heads: a002, b002, b003\n")
