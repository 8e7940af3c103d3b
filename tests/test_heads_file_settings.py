"""The ``heads_file`` setting (``[tool.revlib]`` in pyproject.toml, ``[revlib]`` in
alembic.ini): ``revlib heads-file update|check``, their hooks, Alembic's post-write hook,
``revlib rebase`` and ``revlib ci`` all use it; ``--heads-file`` wins over it; a relative path
is relative to the settings file; in a monorepo each setup has its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig

from hooks import heads_file as heads_file_hook
from hooks.cli import main
from tests.gitproject import Project, migration
from tests.test_heads_file import HEADER, POST_WRITE, A, M, X
from tests.test_monorepo import A_INI, A_VERSIONS, B_TOML, B_VERSIONS, SETTINGS

CONFIGURED = "db/HEADS.txt"
IN_TOML = f'[tool.revlib]\nheads_file = "{CONFIGURED}"\n'
IN_INI = f"\n[revlib]\nheads_file = {CONFIGURED}\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project with one migration A, committed, the current directory."""
    project = Project.create(tmp_path / "project")
    monkeypatch.delenv("PRE_COMMIT", raising=False)  # pytest run by a pre-commit hook
    for name in ("GITHUB_ACTIONS", "GITHUB_BASE_REF", "GITHUB_EVENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    project.add_migration(A, None, "base")
    project.commit("base")
    monkeypatch.chdir(project.root)
    return project


def configure(project: Project, where: str) -> None:
    """``heads_file = db/HEADS.txt`` in pyproject.toml or in alembic.ini's [revlib]."""
    project.write("db/.keep", "")  # the directory exists: update creates the file only
    if where == "pyproject.toml":
        project.write("pyproject.toml", IN_TOML)
    else:
        ini = project.root / "alembic.ini"
        ini.write_text(ini.read_text() + IN_INI)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


SETTINGS_FILES = [
    pytest.param("pyproject.toml", id="tool-revlib"),
    pytest.param("alembic.ini", id="ini-revlib-section"),
]


@pytest.mark.parametrize("where", SETTINGS_FILES)
def test_update_and_check_use_the_setting(project: Project, capsys, where: str) -> None:
    configure(project, where)
    assert run(capsys, "heads-file", "check") == (
        1,
        f"{CONFIGURED} does not exist; run `revlib heads-file update` and commit it\n",
    )
    assert run(capsys, "heads-file", "update") == (1, f"Created {CONFIGURED}: {A}\n")
    assert (project.root / CONFIGURED).read_text() == HEADER + f"{A}\n"
    assert not (project.root / "migrations" / "heads.txt").exists()
    assert run(capsys, "heads-file", "check") == (0, "")
    project.add_migration(X, A, "feature")
    assert run(capsys, "heads-file", "check") == (
        1,
        f"{CONFIGURED} is stale: it records {A}, but the heads are {X}; run `revlib "
        "heads-file update` and commit it\n",
    )
    assert run(capsys, "heads-file", "update") == (1, f"Updated {CONFIGURED}: {X}\n")


@pytest.mark.parametrize("where", SETTINGS_FILES)
def test_the_hooks_use_the_setting(project: Project, capsys, where: str) -> None:
    configure(project, where)
    assert heads_file_hook.check_main([]) == 1
    assert heads_file_hook.main([]) == 1
    assert heads_file_hook.check_main([]) == 0
    out = capsys.readouterr().out
    assert out.endswith(f"Created {CONFIGURED}: {A}\n")
    assert (project.root / CONFIGURED).read_text() == HEADER + f"{A}\n"


@pytest.mark.parametrize("where", SETTINGS_FILES)
def test_the_option_wins_over_the_setting(project: Project, capsys, where: str) -> None:
    configure(project, where)
    assert run(capsys, "heads-file", "update", "--heads-file", "OTHER.txt") == (
        1,
        f"Created OTHER.txt: {A}\n",
    )
    assert not (project.root / CONFIGURED).exists()
    assert run(capsys, "heads-file", "check", "--heads-file", "OTHER.txt") == (0, "")
    assert heads_file_hook.check_main(["--heads-file", "OTHER.txt"]) == 0


def test_a_relative_setting_is_relative_to_its_file(
    project: Project, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(project, "pyproject.toml")
    monkeypatch.chdir(project.write("src/.keep", "").parent)
    shown = project.root / CONFIGURED  # outside the current directory: shown absolute
    assert run(capsys, "-c", "../alembic.ini", "heads-file", "update") == (
        1,
        f"Created {shown}: {A}\n",
    )
    assert (project.root / CONFIGURED).read_text() == HEADER + f"{A}\n"
    assert not (project.root / "src" / "db").exists()


@pytest.mark.parametrize("where", SETTINGS_FILES)
@pytest.mark.parametrize("cwd", ["project", "elsewhere"])
def test_alembic_s_post_write_hook_uses_the_setting(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cwd: str, where: str
) -> None:
    configure(project, where)
    ini = project.root / "alembic.ini"
    ini.write_text(ini.read_text() + POST_WRITE)
    project.write(CONFIGURED, HEADER + f"{A}\n")
    monkeypatch.syspath_prepend(str(project.root))  # the migrations import myapp
    if cwd == "elsewhere":
        monkeypatch.chdir(tmp_path)
    config = AlembicConfig(str(ini))
    alembic_command.revision(config, message="add things", rev_id="b0b0b0b0b0b0")
    assert (project.root / CONFIGURED).read_text() == HEADER + "b0b0b0b0b0b0\n"
    assert not (project.root / "migrations" / "heads.txt").exists()


# -- revlib rebase -------------------------------------------------------------------------


def fork_with_heads_file(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """The configured heads file committed on main (A); feature adds X, main adds M, each
    updating the heads file; feature merges main: git conflicts on the heads file."""
    assert run(capsys, "heads-file", "update")[0] == 1
    project.commit("heads file")
    project.git("checkout", "-q", "-b", "feature")
    project.add_migration(X, A, "feature")
    assert run(capsys, "heads-file", "update") == (1, f"Updated {CONFIGURED}: {X}\n")
    project.commit("feature")
    project.git("checkout", "-q", "main")
    project.add_migration(M, A, "main")
    assert run(capsys, "heads-file", "update") == (1, f"Updated {CONFIGURED}: {M}\n")
    project.commit("main")
    project.git("checkout", "-q", "feature")
    merged = project.run("git", "merge", "-q", "--no-edit", "main")
    assert merged.returncode == 1
    assert "CONFLICT (content): Merge conflict in db/HEADS.txt" in merged.stdout


@pytest.mark.parametrize("where", SETTINGS_FILES)
def test_rebase_resolves_the_configured_heads_file(project: Project, capsys, where: str) -> None:
    configure(project, where)
    project.commit("settings")
    fork_with_heads_file(project, capsys)
    feature = f"migrations/versions/{X}_feature.py"
    assert run(capsys, "rebase") == (
        0,
        f"Re-parented {X} ({feature}): it now revises {M} (was {A})\n"
        f"Updated {CONFIGURED}: {X}\n"
        "Next, run:\n"
        f"  git add -- {feature} {CONFIGURED}\n"
        "  git merge --continue\n",
    )
    assert (project.root / CONFIGURED).read_text() == HEADER + f"{X}\n"
    assert run(capsys, "heads-file", "check") == (0, "")


def test_rebase_takes_the_option_over_the_setting(project: Project, capsys) -> None:
    configure(project, "pyproject.toml")
    project.add_migration(M, A, "main")
    project.add_migration(X, A, "feature")
    project.write(CONFIGURED, HEADER + f"{A}\n")
    project.write("OTHER.txt", HEADER + f"{A}\n")
    code, out = run(capsys, "rebase", "--onto", M, "--heads-file", "OTHER.txt")
    assert code == 0
    assert f"Updated OTHER.txt: {X}\n" in out
    assert (project.root / "OTHER.txt").read_text() == HEADER + f"{X}\n"
    assert (project.root / CONFIGURED).read_text() == HEADER + f"{A}\n"


def test_rebase_onto_updates_the_configured_heads_file(project: Project, capsys) -> None:
    configure(project, "pyproject.toml")
    project.add_migration(M, A, "main")
    project.add_migration(X, A, "feature")
    project.write(CONFIGURED, HEADER + f"{A}\n")
    code, out = run(capsys, "rebase", "--onto", M)
    assert code == 0
    assert f"Updated {CONFIGURED}: {X}\n" in out
    assert (project.root / CONFIGURED).read_text() == HEADER + f"{X}\n"


# -- revlib ci ------------------------------------------------------------------------------


def ci_problems(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code, out = run(capsys, "ci", "--base", "HEAD", *args)
    return code, [line for line in out.splitlines() if "stale-heads-file" in line]


def test_ci_checks_the_configured_heads_file(project: Project, capsys) -> None:
    configure(project, "pyproject.toml")
    assert ci_problems(capsys) == (
        1,
        [f"{CONFIGURED}: stale-heads-file the heads file does not exist"],
    )
    project.write(CONFIGURED, HEADER + f"{M}\n")
    assert ci_problems(capsys) == (
        1,
        [f"{CONFIGURED}: stale-heads-file the heads file records {M}, but the heads are {A}"],
    )
    project.write(CONFIGURED, HEADER + f"{A}\n")
    assert ci_problems(capsys) == (0, [])
    assert ci_problems(capsys, "--heads-file", "OTHER.txt") == (
        1,
        ["OTHER.txt: stale-heads-file the heads file does not exist"],
    )


# -- monorepos -------------------------------------------------------------------------------


@pytest.fixture
def monorepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Two services (tests.test_monorepo's), each setup naming its own heads file in its own
    settings: ``[revlib]`` in a's alembic.ini, ``[tool.revlib]`` beside b's [tool.alembic]."""
    from tests.test_monorepo import script_directory

    for name in ("GITHUB_ACTIONS", "GITHUB_BASE_REF", "GITHUB_EVENT_NAME", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    project = Project(tmp_path / "repo")
    project.root.mkdir()
    project.git("init", "-q", "-b", "main")
    project.write(
        A_INI, "[alembic]\nscript_location = %(here)s/migrations\n\n[revlib]\nheads_file = A\n"
    )
    project.write(
        B_TOML,
        '[tool.alembic]\nscript_location = "%(here)s/migrations"\n\n'
        '[tool.revlib]\nheads_file = "migrations/B.txt"\n',
    )
    project.write("pyproject.toml", SETTINGS)
    for service, versions in (("a", A_VERSIONS), ("b", B_VERSIONS)):
        script_directory(project, f"services/{service}/migrations")
        project.write(f"{versions}/{service}001_first.py", migration(f"{service}001", None))
    project.commit("two services")
    monkeypatch.chdir(project.root)
    return project


def test_each_setup_of_a_monorepo_has_its_own_heads_file(monorepo: Project, capsys) -> None:
    assert run(capsys, "-c", A_INI, "heads-file", "update") == (
        1,
        "Created services/a/A: a001\n",
    )
    assert run(capsys, "-c", B_TOML, "heads-file", "update") == (
        1,
        "Created services/b/migrations/B.txt: b001\n",
    )
    monorepo.commit("heads files")
    assert ci_problems(capsys) == (0, [])
    monorepo.write(f"{B_VERSIONS}/b002_second.py", migration("b002", "b001"))
    assert ci_problems(capsys) == (
        1,
        [
            f"[{B_TOML}] services/b/migrations/B.txt: stale-heads-file the heads file records "
            "b001, but the heads are b002"
        ],
    )
    # without -c, the setup whose files changed
    assert run(capsys, "heads-file", "update") == (
        1,
        "Updated services/b/migrations/B.txt: b002\n",
    )
    assert ci_problems(capsys) == (0, [])


def test_one_heads_file_for_several_setups_is_refused(monorepo: Project, capsys) -> None:
    monorepo.write("pyproject.toml", SETTINGS + 'heads_file = "heads.txt"\n')
    (monorepo.root / A_INI).write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    assert run(capsys, "-c", A_INI, "heads-file", "update") == (
        2,
        "revlib: error: pyproject.toml: heads_file names one heads file, but these settings "
        "list several Alembic setups; set heads_file in each setup's own settings ([revlib] "
        "in its alembic.ini, or [tool.revlib] in the pyproject.toml beside it)\n",
    )
    assert run(capsys, "ci", "--base", "HEAD", "--heads-file", "x.txt") == (
        2,
        "revlib: error: --heads-file names one heads file, but this run checks 2 Alembic "
        "setups; pick one with -c FILE, or set heads_file in each setup's own settings\n",
    )
    assert not (monorepo.root / "heads.txt").exists()
