"""The lint cache is never stale, never trusted blindly, and off when asked.

Each scenario changes a real git work tree (and its index) between runs the way developers do,
and after every step ``revlib check`` and ``revlib check --staged`` through the cache must
print exactly what a ``--no-cache`` run prints. A spy on the lint's per-file reader counts
what is parsed, to show that the cache was really used where it could be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hooks.cli import main
from revlib import _lint_cache, _lint_read
from revlib.script import _cache
from tests import cachefiles
from tests.gitproject import Project

A, B, C, D = "aaaa00000001", "bbbb00000002", "cccc00000003", "dddd00000004"
E, F = "eeee00000005", "ffff00000006"
OPTIONS = ["--format", "json", "--enable", "docstring-mismatch", "--enable", "filename-mismatch"]


pytestmark = pytest.mark.usefixtures("trusted_cache")


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the lint parses through the cache, in order (a spy: the real reader runs)."""
    calls: list[str] = []
    real = _lint_read.file_record

    def file_record(data: bytes, path: str, search_path: object = ()) -> object:
        calls.append(os.path.basename(path))
        return real(data, path, search_path)  # type: ignore[arg-type]

    monkeypatch.setattr(_lint_cache, "file_record", file_record)
    return calls


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """A linear history A <- B <- C <- D, committed on main; the current directory."""
    project = cachefiles.linear_project(tmp_path / "project", (A, B, C, D))
    monkeypatch.chdir(project.root)
    yield project


def check(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_fresh(
    parsed: list[str], capsys: pytest.CaptureFixture[str], *, staged: bool
) -> list[str]:
    """The cached check prints what a cold one prints; returns what the cached one parsed."""
    mode = ["--staged"] if staged else []
    parsed.clear()
    cached = check("check", *mode, *OPTIONS, capsys=capsys)
    parses = list(parsed)
    cold = check("--no-cache", "check", *mode, *OPTIONS, capsys=capsys)
    assert cached == cold
    json.loads(cached[1])  # the whole report was printed
    parsed.clear()
    return parses


def path_of(project: Project, rev: str) -> Path:
    return next(project.versions.glob(f"{rev}_*.py"))


def edit(project: Project, rev: str, old: str, new: str) -> None:
    path = path_of(project, rev)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


# -- steps ------------------------------------------------------------------------------------


def step_edit_keeping_stat(project: Project) -> None:
    cachefiles.rewrite_keeping_stat(path_of(project, D), f"= {C!r}".encode(), f"= {B!r}".encode())


def step_edit(project: Project) -> None:
    edit(project, D, f"= {C!r}", f"= {A!r}")


def step_revert(project: Project) -> None:
    project.git("checkout", "--", ".")


def step_stage_all(project: Project) -> None:
    project.git("add", "-A")


def step_reset_index(project: Project) -> None:
    project.git("reset", "-q")


def step_rename(project: Project) -> None:
    project.git("mv", str(path_of(project, B)), str(project.versions / f"{B}_renamed.py"))


def step_add_head(project: Project) -> None:
    project.add_migration(E, C, "another_head")


def step_break(project: Project) -> None:
    edit(project, B, "revision: str =", "revision: str = =")


def step_conflict_markers(project: Project) -> None:
    path = path_of(project, C)
    path.write_text(path.read_text() + "<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> other\n")


def step_duplicate(project: Project) -> None:
    path = path_of(project, C)
    (project.versions / f"{F}_copy_of_c.py").write_bytes(path.read_bytes())


def step_delete(project: Project) -> None:
    path_of(project, C).unlink()


def step_edit_docstring(project: Project) -> None:
    edit(project, C, '"""step', '"""changed step')


def step_checkout_other_branch(project: Project) -> None:
    project.git("checkout", "-q", "-b", "other")
    project.add_migration(E, D, "on_other")
    step_edit_docstring(project)
    project.commit("other branch")
    project.git("checkout", "-q", "main")


def step_switch_to_other(project: Project) -> None:
    project.git("checkout", "-q", "other")


def step_switch_to_main(project: Project) -> None:
    project.git("checkout", "-q", "main")


def step_touch(project: Project) -> None:
    for path in project.versions.glob("*.py"):
        os.utime(path, ns=(time.time_ns(), time.time_ns()))


SCENARIOS = [
    pytest.param([step_edit_keeping_stat, step_revert], id="edit-keeping-size-and-mtime"),
    pytest.param([step_edit, step_stage_all, step_revert, step_reset_index], id="add-an-edit"),
    pytest.param([step_edit, step_stage_all, step_revert], id="staged-edit-differs-on-disk"),
    pytest.param([step_rename, step_reset_index], id="rename"),
    pytest.param([step_add_head, step_stage_all, step_reset_index], id="new-head"),
    pytest.param([step_break, step_stage_all, step_revert, step_reset_index], id="break"),
    pytest.param([step_conflict_markers, step_stage_all, step_reset_index], id="markers"),
    pytest.param([step_duplicate, step_stage_all], id="duplicate-bytes-two-names"),
    pytest.param([step_delete, step_stage_all, step_reset_index], id="delete"),
    pytest.param([step_edit_docstring, step_stage_all], id="docstring"),
    pytest.param(
        [step_checkout_other_branch, step_switch_to_other, step_switch_to_main, step_touch],
        id="git-checkout-branches",
    ),
]


@pytest.mark.parametrize("steps", SCENARIOS)
def test_findings_equal_a_cold_check_after_each_step(
    project: Project,
    parsed: list[str],
    capsys: pytest.CaptureFixture[str],
    steps: list[Callable[[Project], None]],
) -> None:
    assert_fresh(parsed, capsys, staged=False)
    assert_fresh(parsed, capsys, staged=True)
    for step in steps:
        step(project)
        for staged in (False, True, False):
            assert_fresh(parsed, capsys, staged=staged)
    assert assert_fresh(parsed, capsys, staged=False) == []  # everything known by now
    assert assert_fresh(parsed, capsys, staged=True) == []


def test_an_unchanged_project_is_checked_without_parsing(
    project: Project, parsed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    names = sorted(p.name for p in project.versions.glob("*.py"))
    assert sorted(assert_fresh(parsed, capsys, staged=False)) == names
    assert assert_fresh(parsed, capsys, staged=False) == []
    assert assert_fresh(parsed, capsys, staged=True) == []  # the same blobs
    step_edit(project)
    assert assert_fresh(parsed, capsys, staged=False) == [path_of(project, D).name]
    assert assert_fresh(parsed, capsys, staged=True) == []  # the index still has the old bytes


def test_a_staged_check_reads_no_blob_it_knows(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hooks.git import GitRepo

    read: list[list[str]] = []
    real = GitRepo.read_blobs

    def read_blobs(self: GitRepo, ids: object) -> dict[str, bytes]:
        read.append(list(ids))  # type: ignore[call-overload]
        return real(self, read[-1])

    monkeypatch.setattr(GitRepo, "read_blobs", read_blobs)
    check("check", "--staged", capsys=capsys)
    assert [len(ids) for ids in read] == [4]  # one batch for all
    read.clear()
    check("check", "--staged", capsys=capsys)
    assert read == [[]]


@pytest.mark.parametrize("staged", [False, True], ids=["worktree", "staged"])
def test_the_cache_holds_the_files_checked_last(
    project: Project, capsys: pytest.CaptureFixture[str], staged: bool
) -> None:
    """A deleted file's entry goes (its record stays findable by content, under no path), so
    the cache does not grow with every file that ever existed."""
    mode = ["--staged"] if staged else []
    check("check", *mode, capsys=capsys)
    removed = path_of(project, C).name
    assert any(key.endswith(removed) for key in cache_entries(project))
    project.git("rm", "-q", str(path_of(project, C)))
    check("check", *mode, capsys=capsys)
    keys = list(cache_entries(project))
    assert not any(key.endswith(removed) for key in keys)
    assert len([key for key in keys if not key.startswith("\0")]) == 3


def test_the_racy_rule_keeps_young_files_unsigned(
    project: Project,
    parsed: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_cache, "RACY_NS", 3600 * 10**9)  # every file here is "just written"
    assert len(assert_fresh(parsed, capsys, staged=False)) == 4
    entries = cache_entries(project)
    assert [entry[:5] for entry in entries.values()] == [(-1, 0, 0, 0, 0)] * 4
    assert assert_fresh(parsed, capsys, staged=False) == []  # hashed, found by blob id
    step_edit_keeping_stat(project)
    assert assert_fresh(parsed, capsys, staged=False) == [path_of(project, D).name]


def test_a_header_that_reads_another_module_is_never_cached(
    project: Project, parsed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("myapp/ids.py", f"PARENT = {B!r}\n")
    edit(project, D, f"= {C!r}", "= PARENT")
    edit(project, D, "from myapp.models", "from myapp.ids import PARENT\nfrom myapp.models")
    assert_fresh(parsed, capsys, staged=False)
    assert assert_fresh(parsed, capsys, staged=False) == [path_of(project, D).name]
    before = check("check", capsys=capsys)
    project.write("myapp/ids.py", f"PARENT = {C!r}\n")
    assert check("check", capsys=capsys) != before
    assert assert_fresh(parsed, capsys, staged=False) == [path_of(project, D).name]


def test_a_revision_taken_from_the_file_name_is_never_cached(
    project: Project, parsed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a revision variable, Alembic takes the id from a name like ``abc123.py``: the
    same bytes under another name are another revision."""
    text = f"down_revision = {D!r}\n"
    (project.versions / "abc123.py").write_text(text)
    assert_fresh(parsed, capsys, staged=False)
    (project.versions / "abc123.py").rename(project.versions / "abc124.py")
    assert assert_fresh(parsed, capsys, staged=False) == ["abc124.py"]
    out = check("check", "--format", "json", capsys=capsys)[1]
    assert json.loads(out)["heads"] == ["abc124"]


# -- never trusted blindly ---------------------------------------------------------------------


def cache_file(project: Project) -> Path:
    return cachefiles.cache_file(project, "lint-")


def cache_entries(project: Project) -> dict[str, tuple[object, ...]]:
    return cachefiles.entries(cache_file(project))


CORRUPTIONS: dict[str, cachefiles.Corruption] = {
    **cachefiles.corruptions(b"revlib-lint-cache 1"),
    "a-header-cache": lambda p: cachefiles.with_checksum(
        cachefiles.valid_key(p).replace(b"revlib-lint-cache 1 ", b"revlib-header-cache 2 "),
        cachefiles.payload(p),
    ),
    "records-of-wrong-shape": lambda p: cachefiles.with_records(
        p, lambda r: ("node", None, 3, 4, 5, 6)
    ),
    "ids-that-are-not-strings": lambda p: cachefiles.with_records(
        p, lambda r: (*r[:2], (1,), *r[3:])
    ),
    "lines-that-are-not-numbers": lambda p: cachefiles.with_records(
        p, lambda r: (*r[:5], (("revision", "13"),), *r[6:])
    ),
    "unknown-kind": lambda p: cachefiles.with_records(p, lambda r: ("other", *r[1:])),
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS.values()), ids=list(CORRUPTIONS))
@pytest.mark.parametrize("staged", [False, True], ids=["worktree", "staged"])
@pytest.mark.usefixtures("per_file_caches_only")
def test_a_corrupt_or_foreign_cache_is_ignored_and_replaced(
    project: Project,
    parsed: list[str],
    capsys: pytest.CaptureFixture[str],
    corrupt: cachefiles.Corruption,
    staged: bool,
) -> None:
    assert_fresh(parsed, capsys, staged=staged)
    path = cache_file(project)
    path.write_bytes(corrupt(path))
    assert len(assert_fresh(parsed, capsys, staged=staged)) == 4  # nothing was taken from it
    assert assert_fresh(parsed, capsys, staged=staged) == []  # and it was written again


@pytest.mark.usefixtures("per_file_caches_only")
def test_a_cache_that_cannot_be_read_or_written_only_costs_time(
    project: Project, parsed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert_fresh(parsed, capsys, staged=False)
    path = cache_file(project)
    path.unlink()
    path.mkdir()
    assert len(assert_fresh(parsed, capsys, staged=False)) == 4
    assert len(assert_fresh(parsed, capsys, staged=True)) == 4


# -- turning it off -----------------------------------------------------------------------------


def lie_about(project: Project) -> None:
    """Forge the cache: D's record now claims another revision (with a valid checksum)."""
    entries = cache_entries(project)
    name = path_of(project, D).name
    record = entries[name][6]
    assert isinstance(record, tuple)
    entries[name] = (*entries[name][:6], (record[0], "ffff00000009", *record[2:]))
    cache_file(project).write_bytes(cachefiles.forged(cache_file(project), entries))


@pytest.mark.parametrize(
    ("args", "env", "consulted"),
    [
        pytest.param(["check"], {}, True, id="default"),
        pytest.param(["check", "--staged"], {}, True, id="default-staged"),
        pytest.param(["--no-cache", "check"], {}, False, id="--no-cache"),
        pytest.param(["--no-cache", "check", "--staged"], {}, False, id="--no-cache-staged"),
        pytest.param(["check", "--no-cache"], {}, False, id="check --no-cache"),
        pytest.param(["check", "--staged", "--no-cache"], {}, False, id="check-staged-no-cache"),
        pytest.param(["check"], {"REVLIB_NO_CACHE": "1"}, False, id="REVLIB_NO_CACHE=1"),
        pytest.param(["check", "--staged"], {"REVLIB_NO_CACHE": "1"}, False, id="env-staged"),
        pytest.param(None, {}, True, id="hook"),
        pytest.param(None, {"REVLIB_NO_CACHE": "true"}, False, id="hook-REVLIB_NO_CACHE"),
        pytest.param(["--no-cache"], {}, False, id="hook --no-cache"),
    ],
)
@pytest.mark.usefixtures("per_file_caches_only")
def test_no_cache_turns_the_lint_cache_off(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str] | None,
    env: dict[str, str],
    consulted: bool,
) -> None:
    """A forged cache shows whether the cache is consulted at all (``args`` None or not
    starting with ``check``: the ``revlib-check`` hook)."""
    from hooks.check import main as hook

    assert main(["check"]) == 0
    capsys.readouterr()
    lie_about(project)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    args = args or []
    run = main if "check" in args else hook
    assert run([*args, "--format", "json"]) == 0
    heads = json.loads(capsys.readouterr().out)["heads"]
    assert heads == ["ffff00000009" if consulted else D]


def test_no_cache_writes_no_lint_cache(project: Project) -> None:
    assert main(["--no-cache", "check"]) == 0
    assert main(["--no-cache", "check", "--staged"]) == 0
    assert not list((project.root / ".git").glob("revlib/lint-*"))


def test_outside_git_the_cache_is_in_xdg_cache_home(
    tmp_path: Path,
    parsed: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "plain"
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    Project(root).add_migration(A, None, "first")
    monkeypatch.chdir(root)
    assert assert_fresh(parsed, capsys, staged=False) == [f"{A}_first.py"]
    assert len(list((tmp_path / "xdg-cache" / "revlib").glob("lint-*.cache"))) == 1
    assert assert_fresh(parsed, capsys, staged=False) == []


# -- listing and imports --------------------------------------------------------------------------


@pytest.mark.parametrize("recursive", [False, True], ids=["flat", "recursive"])
def test_the_work_tree_listing_is_alembics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recursive: bool
) -> None:
    """Listed per directory (one ``realpath``, one display path, an ``lstat`` a file), the
    files are those a ``realpath`` per file finds, in the same order, shown the same way;
    links go by the name of what they resolve to, as in Alembic."""
    from hooks.context import Options
    from hooks.snapshots import Environment, display_path, worktree_sources
    from revlib.script import _discovery

    location = tmp_path / "versions"
    (location / "sub" / "deeper").mkdir(parents=True)
    (location / "__pycache__").mkdir()
    names = ["b.py", "a.py", "__init__.py", ".#x.py", "n.txt", "Z.py", "y.py\n", "x\n.py"]
    for name in [*names, "sub/c.py", "sub/deeper/d.py", "__pycache__/e.py"]:
        (location / name).write_text("x")
    (location / "dir.py").mkdir()
    os.symlink("a.py", location / "link.py")
    os.symlink("dir.py", location / "linkdir.py")
    os.symlink("missing", location / "broken.py")
    os.symlink("missing.py", location / "dangling.py")
    os.symlink("n.txt", location / "text.py")
    os.symlink("b.py", location / "b_link.txt")
    (tmp_path / "outside.py").write_text("x")
    os.symlink(tmp_path / "outside.py", location / "aa_outside.txt")  # loaded, as the .py
    os.symlink(location / "sub" / "c.py", location / "sub" / "deeper" / "to_c.py")
    os.mkfifo(location / "fifo.py")
    monkeypatch.chdir(tmp_path)
    seen: set[str] = set()
    expected = []  # Alembic's rule: a realpath per file, loaded when its name is a source's
    for path in _discovery.list_files(location, False, recursive):
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            if _discovery.is_source_name(os.path.basename(real)):
                expected.append((display_path(path), real))
    locations = (str(location), str(location / "sub"))  # sub/c.py is reached twice
    env = Environment(Options(), locations, recursive, "", ())
    assert [(s.path, s.file) for s in worktree_sources(env)] == expected + [
        (display_path(location / "sub" / "c.py"), str(location / "sub" / "c.py"))
    ] * (not recursive)


@pytest.mark.parametrize(
    ("args", "forbidden"),
    [
        pytest.param(["check"], ["git", "mako", "sqlalchemy", "revlib.script.reader"], id="check"),
        # reading the index is git's work: GitPython, but still no Mako or SQLAlchemy
        pytest.param(["check", "--staged"], ["mako", "sqlalchemy"], id="staged"),
    ],
)
def test_a_cached_check_imports_nothing_heavy(
    project: Project, args: list[str], forbidden: list[str]
) -> None:
    """Mako and SQLAlchemy never, GitPython only to read git; the reader not when every
    file is known."""
    code = (
        "import sys, hooks.cli\n"
        f"hooks.cli.main({args!r})\n"
        f"print(sorted(m for m in {forbidden!r} if m in sys.modules))\n"
    )
    for _ in range(2):  # the first run fills the cache (the second hashes the young files)
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
    assert (result.stdout.splitlines()[-1], result.stderr) == ("[]", "")
