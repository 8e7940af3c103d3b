"""The header cache is never stale, never trusted blindly, and off when asked.

Each scenario changes a real git work tree between runs the way developers do (an edit that
keeps the size and the mtime, a rename, a revert, a branch switch...), and after every step the
answers read through the cache must equal a cold read's. A spy on the reader counts what is
parsed, to show that the cache was really used where it could be.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hooks.cli import main
from revlib.config import Config
from revlib.script import ScriptDirectory, _cache, reader
from tests import cachefiles
from tests.gitproject import Project

A, B, C, D = "aaaa00000001", "bbbb00000002", "cccc00000003", "dddd00000004"
E = "eeee00000005"


pytestmark = pytest.mark.usefixtures("trusted_cache")


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the reader parses, in order (a spy: the real reader runs)."""
    calls: list[str] = []
    real_parse, real_read = reader.parse_header, reader.read_header

    def parse_header(source: bytes, path: str, **kwargs: object) -> reader.Header:
        calls.append(os.path.basename(path))
        return real_parse(source, path, **kwargs)  # type: ignore[arg-type]

    def read_header(path: str | os.PathLike[str], **kwargs: object) -> reader.Header:
        calls.append(os.path.basename(path))
        return real_read(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "parse_header", parse_header)
    monkeypatch.setattr(reader, "read_header", read_header)
    return calls


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A linear history A <- B <- C <- D, committed on main."""
    project = cachefiles.linear_project(tmp_path / "project", (A, B, C, D))
    yield project


def answers(project: Project, *, use_cache: bool) -> object:
    """Everything a ScriptDirectory tells about the history, or the error it raises."""
    config = Config(str(project.root / "alembic.ini"))
    script_dir = ScriptDirectory.from_config(config, use_cache=use_cache)
    try:
        scripts = list(script_dir.walk_revisions())
        heads = script_dir.get_heads()
    except Exception as error:  # the error is the answer
        return ("error", type(error).__name__, str(error))
    rows = [
        (s.revision, s.down_revision, s.dependencies, sorted(s.branch_labels), s.path, s.longdoc)
        for s in scripts
    ]
    return heads, rows, script_dir.read_warnings


def assert_fresh(project: Project, parsed: list[str]) -> list[str]:
    """The cached answers equal a cold read's; returns what the cached read parsed."""
    parsed.clear()
    cached = answers(project, use_cache=True)
    cached_parses = list(parsed)
    assert cached == answers(project, use_cache=False)
    parsed.clear()
    return cached_parses


def path_of(project: Project, rev: str) -> Path:
    return next(project.versions.glob(f"{rev}_*.py"))


# -- never stale -----------------------------------------------------------------------------


def test_an_unchanged_directory_is_answered_without_parsing(
    project: Project, parsed: list[str]
) -> None:
    assert sorted(assert_fresh(project, parsed)) == sorted(
        p.name for p in project.versions.glob("*.py")
    )
    assert assert_fresh(project, parsed) == []


def test_an_edit_keeping_size_and_mtime_is_seen(project: Project, parsed: list[str]) -> None:
    assert_fresh(project, parsed)
    path = path_of(project, D)
    cachefiles.rewrite_keeping_stat(path, f"= {C!r}".encode(), f"= {B!r}".encode())
    assert assert_fresh(project, parsed) == [path.name]
    heads = answers(project, use_cache=True)[0]  # type: ignore[index]
    assert sorted(heads) == [C, D]


def step_rename(project: Project) -> None:
    project.git("mv", str(path_of(project, B)), str(project.versions / f"{B}_renamed.py"))


def step_edit_then_revert(project: Project) -> None:
    path = path_of(project, D)
    path.write_text(path.read_text().replace(f"= {C!r}", f"= {A!r}"))


def step_revert(project: Project) -> None:
    project.git("checkout", "--", ".")


def step_touch(project: Project) -> None:
    for path in project.versions.glob("*.py"):
        os.utime(path, ns=(time.time_ns(), time.time_ns()))


def step_delete(project: Project) -> None:
    path_of(project, C).unlink()


def step_add(project: Project) -> None:
    project.add_migration(E, C, "another_head")


def step_break(project: Project) -> None:
    path = path_of(project, B)
    path.write_text(path.read_text().replace("revision: str =", "revision: str = ="))


def step_checkout_other_branch(project: Project) -> None:
    project.git("checkout", "-q", "-b", "other")
    project.add_migration(E, D, "on_other")
    path = path_of(project, C)
    path.write_text(path.read_text().replace('"""step', '"""changed step'))
    project.commit("other branch")
    project.git("checkout", "-q", "main")  # back on main: the files change under the cache


def step_switch_to_other(project: Project) -> None:
    project.git("checkout", "-q", "other")


@pytest.mark.parametrize(
    ("steps", "expected_parses"),
    [
        pytest.param([step_rename], [[]], id="rename"),
        pytest.param([step_edit_then_revert, step_revert], [[D], []], id="edit-then-revert"),
        pytest.param([step_touch], [[]], id="touch-every-file"),
        pytest.param([step_delete], [[]], id="delete"),
        pytest.param([step_add], [[E]], id="add"),
        pytest.param([step_break, step_revert], [[B], []], id="break-then-revert"),
        pytest.param(
            [step_checkout_other_branch, step_switch_to_other, step_revert],
            [[], [E, C], []],
            id="git-checkout-branches",
        ),
    ],
)
def test_answers_equal_a_cold_read_after_each_step(
    project: Project,
    parsed: list[str],
    steps: list[Callable[[Project], None]],
    expected_parses: list[list[str]],
) -> None:
    """After each step the cache parses only bytes it never saw (a renamed, touched or
    restored file is hashed, not parsed) and answers as a cold read does."""
    assert_fresh(project, parsed)
    for step, parses in zip(steps, expected_parses, strict=True):
        step(project)
        got = assert_fresh(project, parsed)
        assert sorted(name[:12] for name in got) == sorted(parses)


def test_a_cached_read_error_is_raised_again_word_for_word(
    project: Project,
    parsed: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    step_break(project)
    monkeypatch.chdir(project.root)
    first = (main(["heads"]), capsys.readouterr())
    parsed.clear()
    second = (main(["heads"]), capsys.readouterr())
    assert parsed == []  # the error came from the cache
    cold = (main(["--no-cache", "heads"]), capsys.readouterr())
    assert first == second == cold
    assert first[0] == 2 and "syntax error" in first[1].err


def test_warnings_are_given_again_from_the_cache(project: Project, parsed: list[str]) -> None:
    path = path_of(project, B)
    text = path.read_text().replace("branch_labels: Union[str, Sequence[str], None] = None", "")
    path.write_text(
        text.replace("from alembic import op", "from x import *\nfrom alembic import op")
    )
    cold = answers(project, use_cache=False)
    assert cold[2]  # type: ignore[index]  # the star import is reported
    assert_fresh(project, parsed)
    assert assert_fresh(project, parsed) == []


def test_a_header_that_reads_another_module_is_never_served_stale(
    project: Project, parsed: list[str]
) -> None:
    """``down_revision = PARENT`` imported from the application: the module may change while
    the migration does not, so such a header is read afresh every time."""
    project.write("myapp/ids.py", f"PARENT = {B!r}\n")
    path = path_of(project, D)
    text = path.read_text().replace(f"= {C!r}", "= PARENT")
    path.write_text(text.replace("from myapp.models", "from myapp.ids import PARENT\nfrom myapp"))
    assert sorted(answers(project, use_cache=True)[0]) == [C, D]  # type: ignore[index]
    project.write("myapp/ids.py", f"PARENT = {C!r}\n")
    assert assert_fresh(project, parsed) == [path.name]
    assert answers(project, use_cache=True)[0] == [D]  # type: ignore[index]


def test_a_file_younger_than_the_racy_window_is_not_trusted(
    project: Project, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file written within the filesystem's timestamp granularity of the read could change
    again without changing its signature, so its signature is not kept."""
    monkeypatch.setattr(_cache, "RACY_NS", 3600 * 10**9)  # every file here is "just written"
    assert len(assert_fresh(project, parsed)) == 4
    entries = _cache.HeaderCache.for_location(project.versions)._entries
    assert [entry[:5] for entry in entries.values()] == [(-1, 0, 0, 0, 0)] * 4
    assert assert_fresh(project, parsed) == []  # hashed, found by content, not parsed
    step_edit_then_revert(project)
    assert assert_fresh(project, parsed) == [path_of(project, D).name]


# -- never trusted blindly -------------------------------------------------------------------


def cache_file(project: Project) -> Path:
    return cachefiles.cache_file(project, "headers-")


CORRUPTIONS: dict[str, cachefiles.Corruption] = {
    **cachefiles.corruptions(b"revlib-header-cache 2"),
    "entries-of-wrong-shape": lambda p: cachefiles.with_records(
        p, lambda record: ("ok", None, 3, 4, 5, 6)
    ),
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS.values()), ids=list(CORRUPTIONS))
def test_a_corrupt_or_foreign_cache_is_ignored_and_replaced(
    project: Project, parsed: list[str], corrupt: cachefiles.Corruption
) -> None:
    assert_fresh(project, parsed)
    path = cache_file(project)
    path.write_bytes(corrupt(path))
    assert len(assert_fresh(project, parsed)) == 4  # nothing was taken from it
    assert assert_fresh(project, parsed) == []  # and it was written again, whole


def test_a_cache_that_cannot_be_read_or_written_only_costs_time(
    project: Project, parsed: list[str]
) -> None:
    assert_fresh(project, parsed)
    path = cache_file(project)
    path.unlink()
    path.mkdir()  # neither readable as a file nor replaceable
    assert len(assert_fresh(project, parsed)) == 4
    assert len(assert_fresh(project, parsed)) == 4


# -- where it lives, and how to turn it off ---------------------------------------------------


def lie_about(project: Project) -> None:
    """Forge the cache: D's record now claims another revision (with a valid checksum)."""
    path = cache_file(project)
    entries = cachefiles.entries(path)
    name = path_of(project, D).name
    record = entries[name][6]
    entries[name] = (
        *entries[name][:6],
        (record[0], ("ffff00000009", *record[1][1:]), *record[2:]),
    )
    path.write_bytes(cachefiles.forged(path, entries))


@pytest.mark.parametrize(
    ("args", "env", "consulted"),
    [
        pytest.param(["heads"], {}, True, id="default"),
        pytest.param(["--no-cache", "heads"], {}, False, id="--no-cache"),
        pytest.param(["heads", "--no-cache"], {}, False, id="heads --no-cache"),
        pytest.param(["heads"], {"REVLIB_NO_CACHE": "1"}, False, id="REVLIB_NO_CACHE=1"),
    ],
)
@pytest.mark.usefixtures("per_file_caches_only")
def test_no_cache_reads_every_file_afresh(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    consulted: bool,
) -> None:
    """A forged cache shows whether the cache is consulted at all."""
    monkeypatch.chdir(project.root)
    assert main(["heads"]) == 0
    capsys.readouterr()
    lie_about(project)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(args) == 0
    head = "ffff00000009" if consulted else D
    assert capsys.readouterr().out == f"{head} (head)\n"


def test_no_cache_writes_no_cache(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.root)
    assert main(["--no-cache", "heads"]) == 0
    assert not (project.root / ".git" / "revlib").exists()


def plain_project(root: Path) -> Project:
    """A project in no git work tree."""
    project = Project(root)
    (project.root / "migrations" / "versions").mkdir(parents=True)
    (project.root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    project.add_migration(A, None, "first")
    return project


def test_outside_git_the_cache_is_in_xdg_cache_home(tmp_path: Path, parsed: list[str]) -> None:
    project = plain_project(tmp_path / "plain")
    assert_fresh(project, parsed)
    assert len(list((tmp_path / "xdg-cache" / "revlib").glob("headers-*.cache"))) == 1
    assert assert_fresh(project, parsed) == []


def test_in_a_linked_worktree_the_cache_is_in_its_git_dir(
    project: Project, parsed: list[str]
) -> None:
    project.git("worktree", "add", "-q", "-b", "feature", str(project.root.parent / "feature"))
    feature = Project(project.root.parent / "feature")
    assert_fresh(feature, parsed)
    assert list((project.root / ".git" / "worktrees" / "feature" / "revlib").iterdir())
    assert assert_fresh(feature, parsed) == []


def test_cache_files_unused_for_a_month_are_removed(tmp_path: Path, parsed: list[str]) -> None:
    cache_dir = tmp_path / "xdg-cache" / "revlib"
    cache_dir.mkdir(parents=True)
    old = [cache_dir / f"{kind}-0ld.cache" for kind in ("headers", "lint", "results")]
    recent = cache_dir / "headers-recent.cache"
    for path in (*old, recent):
        path.write_bytes(b"x")
    month_ago = time.time() - (_cache.STALE_DAYS + 1) * 86400
    for path in old:
        os.utime(path, (month_ago, month_ago))
    assert_fresh(plain_project(tmp_path / "plain"), parsed)  # creates a cache file
    assert not any(path.exists() for path in old) and recent.exists()
