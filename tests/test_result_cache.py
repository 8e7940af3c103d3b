"""Kept whole answers of ``revlib heads`` and ``revlib check`` are never stale.

Each scenario changes a real git work tree between runs the way developers do (the steps of
the header cache's tests, plus changes of configuration, options and working directory), and
after every step each command's output and exit code must equal a ``--no-cache`` run's. Spies
on the map build and on the lint show when a kept answer was given instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hooks.cli import main
from revlib import _result_cache, lint
from revlib.script import _cache, revision
from tests import cachefiles
from tests.gitproject import Project
from tests.test_cache import (
    A,
    B,
    C,
    D,
    E,
    path_of,
    plain_project,
    step_add,
    step_break,
    step_checkout_other_branch,
    step_delete,
    step_edit_then_revert,
    step_rename,
    step_revert,
    step_switch_to_other,
    step_touch,
)

pytestmark = pytest.mark.usefixtures("trusted_cache")

COMMANDS = [
    ["heads"],
    ["heads", "--verbose"],
    ["heads", "--format", "json"],
    ["heads", "--resolve-dependencies"],
    ["check"],
    ["check", "--format", "json"],
    ["check", "--heads", "2"],
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """A linear history A <- B <- C <- D, committed on main; the working directory."""
    project = cachefiles.linear_project(tmp_path / "project", (A, B, C, D))
    monkeypatch.chdir(project.root)
    yield project


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What was computed rather than answered from a kept answer: "map" for each revision map
    built, "lint" for each lint (spies: the real code runs)."""
    calls: list[str] = []
    real_build, real_lint = revision.build_map, lint.lint_sources

    def build_map(*args: object, **kwargs: object) -> object:
        calls.append("map")
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    def lint_sources(*args: object, **kwargs: object) -> object:
        calls.append("lint")
        return real_lint(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(revision, "build_map", build_map)
    monkeypatch.setattr(lint, "lint_sources", lint_sources)
    return calls


def run(
    capsys: pytest.CaptureFixture[str], args: list[str], *, cache: bool = True
) -> tuple[int, str, str]:
    code = main(args if cache else ["--no-cache", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_fresh(
    capsys: pytest.CaptureFixture[str], computed: list[str], commands: list[list[str]]
) -> list[str]:
    """Each command answers as a ``--no-cache`` run does; returns what the cached runs
    computed."""
    cached_computed: list[str] = []
    for args in commands:
        computed.clear()
        cached = run(capsys, args)
        cached_computed += computed
        assert cached == run(capsys, args, cache=False), args
    computed.clear()
    return cached_computed


def results_files(project: Project) -> list[Path]:
    return sorted((project.root / ".git" / "revlib").glob("results-*.cache"))


# -- kept, and given again --------------------------------------------------------------------


def test_an_unchanged_directory_is_answered_without_building_or_linting(
    project: Project, capsys: pytest.CaptureFixture[str], computed: list[str]
) -> None:
    first = assert_fresh(capsys, computed, COMMANDS)
    assert first.count("map") >= 4 and first.count("lint") == 2
    assert assert_fresh(capsys, computed, COMMANDS) == []
    assert len(results_files(project)) == 1  # heads and check share the locations' file


def test_the_kept_answers_are_the_commands_whole_output(
    project: Project, capsys: pytest.CaptureFixture[str], computed: list[str]
) -> None:
    project.add_migration(E, C, "another_head")
    first = [run(capsys, args) for args in COMMANDS]
    again = [run(capsys, args) for args in COMMANDS]
    assert computed.count("lint") == 2 and again == first
    assert again[0] == (0, f"{D} (head)\n{E} (head)\n", "")
    assert again[4][0] == 1 and "multiple-heads" in again[4][1]


def test_outside_git_the_answers_are_kept_in_xdg_cache_home(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    computed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = plain_project(tmp_path / "plain")
    monkeypatch.chdir(project.root)
    assert assert_fresh(capsys, computed, COMMANDS)
    assert assert_fresh(capsys, computed, COMMANDS) == []
    assert len(list((tmp_path / "xdg-cache" / "revlib").glob("results-*.cache"))) == 1


def test_each_setup_of_a_run_has_its_own_answer(
    project: Project, capsys: pytest.CaptureFixture[str], computed: list[str]
) -> None:
    """``check -c a -c b``: two setups, two sets of locations, two kept answers (the second
    also serves ``check -c b`` alone: the setup's name is added to findings afterwards)."""
    other = project.root / "other"
    (other / "versions").mkdir(parents=True)
    (other / "versions" / f"{E}_alone.py").write_text(migration_text(project, E, D))
    (project.root / "other.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\n"
        "version_locations = %(here)s/other/versions\n"
    )
    both = [["check", "-c", "alembic.ini", "-c", "other.ini"], ["check", "-c", "other.ini"]]
    assert assert_fresh(capsys, computed, both) == ["lint", "lint"]
    assert assert_fresh(capsys, computed, both) == []
    assert len(results_files(project)) == 2


@pytest.mark.parametrize("args", [["heads"], ["check"]], ids=["heads", "check"])
def test_a_kept_answer_reads_nothing_and_imports_nothing_heavy(
    project: Project, args: list[str]
) -> None:
    """Neither the reader nor the lint, let alone GitPython, Mako or SQLAlchemy."""
    forbidden = ["git", "mako", "sqlalchemy", "revlib.script.reader", "revlib.lint"]
    code = (
        "import sys\n"
        "from revlib.script import _cache\n"
        "_cache.RACY_NS = 0  # the files were written milliseconds ago: trust them anyway\n"
        "import hooks.cli\n"
        f"hooks.cli.main({args!r})\n"
        f"print(sorted(m for m in {forbidden!r} if m in sys.modules))\n"
    )
    outputs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        for _ in range(2)  # the first run keeps the answer
    ]
    assert outputs[0].stdout.splitlines()[-1] != "[]"  # computing it needs the reader
    assert (outputs[1].stdout.splitlines()[-1], outputs[1].stderr) == ("[]", "")
    assert outputs[1].stdout.splitlines()[:-1] == outputs[0].stdout.splitlines()[:-1]


# -- never stale ------------------------------------------------------------------------------


def step_second_location(project: Project) -> None:
    """version_locations gains a directory holding one more head."""
    project.write(
        f"more/{E}_elsewhere.py",
        Path(path_of(project, D)).read_text().replace(D, E).replace(f"= {C!r}", f"= {B!r}"),
    )
    ini = project.root / "alembic.ini"
    ini.write_text(
        ini.read_text().replace(
            "[alembic]\n",
            "[alembic]\nversion_locations = %(here)s/migrations/versions %(here)s/more\n",
        )
    )


def step_subdirectory_cwd(project: Project) -> None:
    """The same files seen from a subdirectory: check's paths are shown relative to it."""
    os.chdir(project.root / "migrations")


def step_symlinked_migration(project: Project) -> None:
    target = project.write(f"elsewhere/{E}_linked.py", migration_text(project, E, D))
    (project.versions / f"{E}_linked.py").symlink_to(target)


def step_retarget_symlink(project: Project) -> None:
    link = project.versions / f"{E}_linked.py"
    link.unlink()
    link.symlink_to(project.write(f"elsewhere/{E}_other.py", migration_text(project, E, C)))


def migration_text(project: Project, rev: str, down: str) -> str:
    return path_of(project, D).read_text().replace(D, rev).replace(f"= {C!r}", f"= {down!r}")


def step_keep_stat(project: Project) -> None:
    cachefiles.rewrite_keeping_stat(path_of(project, D), f"= {C!r}".encode(), f"= {B!r}".encode())


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param([step_rename], id="rename"),
        pytest.param([step_edit_then_revert, step_revert], id="edit-then-revert"),
        pytest.param([step_keep_stat], id="edit-keeping-size-and-mtime"),
        pytest.param([step_touch], id="touch-every-file"),
        pytest.param([step_delete], id="delete"),
        pytest.param([step_add], id="add"),
        pytest.param([step_break, step_revert], id="break-then-revert"),
        pytest.param(
            [step_checkout_other_branch, step_switch_to_other, step_revert],
            id="git-checkout-branches",
        ),
        pytest.param([step_second_location], id="another-version-location"),
        pytest.param([step_subdirectory_cwd], id="another-working-directory"),
        pytest.param([step_symlinked_migration, step_retarget_symlink], id="symlinks"),
    ],
)
def test_answers_equal_a_cold_run_after_each_step(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    computed: list[str],
    steps: list[Callable[[Project], None]],
) -> None:
    assert_fresh(capsys, computed, COMMANDS)
    assert assert_fresh(capsys, computed, COMMANDS) == []
    for step in steps:
        step(project)
        assert_fresh(capsys, computed, COMMANDS)
        again = assert_fresh(capsys, computed, COMMANDS)
        if not any(path.is_symlink() for path in project.versions.iterdir()):
            assert "lint" not in again  # the new answers were kept, and given


def test_a_location_holding_a_symlink_keeps_no_answer(
    project: Project, capsys: pytest.CaptureFixture[str], computed: list[str]
) -> None:
    """A link's target can change without any entry of the location changing."""
    step_symlinked_migration(project)
    assert_fresh(capsys, computed, COMMANDS)
    assert "lint" in assert_fresh(capsys, computed, COMMANDS)
    assert results_files(project) == []


def test_a_header_that_reads_another_module_keeps_no_answer(
    project: Project, capsys: pytest.CaptureFixture[str], computed: list[str]
) -> None:
    """``down_revision = PARENT`` imported from the application: the module may change while
    no version file does."""
    project.write("myapp/ids.py", f"PARENT = {B!r}\n")
    path = path_of(project, D)
    text = path.read_text().replace(f"= {C!r}", "= PARENT")
    path.write_text(text.replace("from myapp.models", "from myapp.ids import PARENT\nfrom myapp"))
    assert_fresh(capsys, computed, COMMANDS)
    assert run(capsys, ["heads"])[1] == f"{C} (head)\n{D} (head)\n"
    project.write("myapp/ids.py", f"PARENT = {C!r}\n")
    assert "map" in assert_fresh(capsys, computed, COMMANDS)
    assert run(capsys, ["heads"])[1] == f"{D} (head)\n"


def test_a_run_that_warned_keeps_no_answer(
    project: Project, capsys: pytest.CaptureFixture[str], computed: list[str]
) -> None:
    """Warnings go to stderr as the answer is made; a kept answer would leave them out."""
    path = path_of(project, B)
    text = path.read_text().replace("branch_labels: Union[str, Sequence[str], None] = None", "")
    star_import = "from x import *\nfrom alembic import op"
    path.write_text(text.replace("from alembic import op", star_import))
    first = run(capsys, ["heads"])
    assert "warning" in first[2]
    computed.clear()
    assert run(capsys, ["heads"]) == first
    assert computed == ["map"]


def test_files_younger_than_the_racy_window_keep_no_answer(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    computed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_cache, "RACY_NS", 3600 * 10**9)  # every file here is "just written"
    assert_fresh(capsys, computed, COMMANDS)
    assert "map" in assert_fresh(capsys, computed, COMMANDS)
    assert results_files(project) == []


@pytest.mark.parametrize(
    ("args", "env"),
    [
        pytest.param(["--no-cache", "heads"], {}, id="--no-cache"),
        pytest.param(["heads"], {"REVLIB_NO_CACHE": "1"}, id="REVLIB_NO_CACHE=1"),
        pytest.param(["check"], {"REVLIB_NO_CACHE": "1"}, id="check-REVLIB_NO_CACHE=1"),
        pytest.param(["check", "--no-cache"], {}, id="check --no-cache"),
        pytest.param(["heads", "--no-cache"], {}, id="heads --no-cache"),
    ],
)
def test_no_cache_keeps_and_reads_no_answer(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    computed: list[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
) -> None:
    run(capsys, [next(arg for arg in args if arg in ("heads", "check"))])  # keeps an answer
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    computed.clear()
    run(capsys, args)
    assert computed
    assert len(results_files(project)) == 1  # the first run's, untouched


# -- never trusted blindly --------------------------------------------------------------------

CORRUPTIONS = cachefiles.corruptions(_result_cache.FORMAT)


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS.values()), ids=list(CORRUPTIONS))
def test_a_corrupt_or_foreign_results_file_is_ignored_and_replaced(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    computed: list[str],
    corrupt: cachefiles.Corruption,
) -> None:
    assert_fresh(capsys, computed, COMMANDS)
    (path,) = results_files(project)
    path.write_bytes(corrupt(path))
    assert assert_fresh(capsys, computed, COMMANDS).count("lint") == 2  # nothing taken from it
    assert assert_fresh(capsys, computed, COMMANDS) == []  # and it was written again


def test_a_results_file_that_cannot_be_written_only_costs_time(
    project: Project, capsys: pytest.CaptureFixture[str], computed: list[str]
) -> None:
    assert_fresh(capsys, computed, COMMANDS)
    (path,) = results_files(project)
    path.unlink()
    path.mkdir()
    assert assert_fresh(capsys, computed, COMMANDS).count("lint") == 3  # each run lints


def test_a_change_to_the_code_that_made_an_answer_makes_it_unusable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text("revision = 'a'\n")
    code = tmp_path / "code"
    code.mkdir()
    (code / "module.py").write_text("ANSWER = 1\n")
    monkeypatch.setattr(_result_cache, "_code_keys", {})
    cache = _result_cache.ResultCache.for_locations([str(versions)], False, code=[str(code)])
    assert cache is not None
    cache.put(("q",), "kept")
    again = _result_cache.ResultCache.for_locations([str(versions)], False, code=[str(code)])
    assert again is not None and again.get(("q",)) == "kept"
    (code / "module.py").write_text("ANSWER = 22\n")
    monkeypatch.setattr(_result_cache, "_code_keys", {})
    changed = _result_cache.ResultCache.for_locations([str(versions)], False, code=[str(code)])
    assert changed is not None and changed.get(("q",)) is None
