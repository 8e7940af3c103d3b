"""Faults while writing: a full disk, a refused write, or the process killed between two system
calls. Every write (a revision, a merge, the heads file, a rebase) ends as before or as fully
done, never half-way, and running the same command again completes it and leaves no litter.

The commands run in a subprocess whose ``sitecustomize`` wraps one ``os`` function: its Nth
call made from ``revlib/util/atomic.py`` raises ``OSError(ENOSPC)`` / ``EACCES`` or kills the
process on the spot (``os._exit(9)``, as SIGKILL would: no ``finally`` runs). Every N is
tried, from the first call until the command no longer reaches the fault.

Concurrency: two ``revlib merge --if-needed`` (or two ``revlib-auto-merge`` hooks) started
together write one merge between them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from revlib.script.reader import read_header
from tests.gitproject import CUSTOMERS, EMAIL, ORDERS, POINTS, Project

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = "migrations/versions"
MERGE_ID = "0e4f6a2b9c13"

INJECTOR = """\
import errno, os, sys

_spec = os.environ.get("REVLIB_FAULT")
if _spec:
    _name, _nth, _action = _spec.split(":")
    _real = getattr(os, _name)
    _calls = [0]
    _where = os.path.join("revlib", "util", "atomic.py")

    def _faulty(*args, **kwargs):
        if sys._getframe(1).f_code.co_filename.endswith(_where):
            _calls[0] += 1
            if _calls[0] == int(_nth):
                if _action == "kill":
                    os._exit(9)
                code = errno.ENOSPC if _action == "enospc" else errno.EACCES
                raise OSError(code, os.strerror(code))
        return _real(*args, **kwargs)

    setattr(os, _name, _faulty)
_delay = os.environ.get("REVLIB_SLOW_WRITE")
if _delay:  # widen the window between reading the graph and writing the merge
    import time
    import revlib.script.write as _write

    _real_write = _write._write

    def _slow_write(*args, **kwargs):
        time.sleep(float(_delay))
        return _real_write(*args, **kwargs)

    _write._write = _slow_write
if os.environ.get("REVLIB_NO_LOCK"):  # to show that the race is real without the lock
    import contextlib
    import revlib.util.lock as _lock

    _lock.write_lock = lambda directory: contextlib.nullcontext()
"""
FUNCTIONS = ("write", "fsync", "link", "replace", "unlink", "open")
ACTIONS = ("enospc", "eacces", "kill")
UNUSED_BY_REPLACE = {"link"}  # replace_file renames; only write_new_file links


@pytest.fixture(scope="module")
def injector(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("injector")
    (directory / "sitecustomize.py").write_text(INJECTOR)
    return directory


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Two committed migrations, then two heads on EMAIL (committed too)."""
    project = Project.create(tmp_path / "project")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.add_migration(EMAIL, CUSTOMERS, "add_email")
    project.add_migration(ORDERS, EMAIL, "create_orders")
    project.add_migration(POINTS, EMAIL, "add_points")
    project.commit("two heads")
    return project


def revlib(
    project: Project,
    injector: Path,
    *argv: str,
    fault: str | None = None,
    module: str = "hooks.cli",
    extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{injector}{os.pathsep}{ROOT}", "GIT_EDITOR": "true"}
    # The header cache writes through revlib.util.atomic too (and ignores its failures): off,
    # so that the Nth call is the Nth write under test.
    env["REVLIB_NO_CACHE"] = "1"
    env.pop("REVLIB_FAULT", None)
    if fault is not None:
        env["REVLIB_FAULT"] = fault
    env.update(extra or {})
    return subprocess.run(
        [sys.executable, "-m", module, *argv],
        cwd=project.root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def files(directory: Path) -> dict[str, bytes]:
    """Every entry of ``directory`` (not recursive), hidden ones included."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def faults() -> Iterator[str]:
    """Every (function, action) pair, for N = 1, 2, ... (the caller stops when unreached)."""
    for function in FUNCTIONS:
        for action in ACTIONS:
            if function != "unlink" or action == "kill":  # a failed clean-up: see below
                yield f"{function}:{{n}}:{action}"


def reached(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode == 9 or "revlib: error:" in result.stderr


# -- one new file: revision, merge ----------------------------------------------------------


def assert_one_complete_merge(
    project: Project, before: dict[str, bytes], *, hidden_litter: bool = False
) -> None:
    after = files(project.versions)
    added = sorted(set(after) - set(before))
    if hidden_litter:
        added = [name for name in added if not name.startswith(".")]
    assert {k: after[k] for k in before} == before  # nothing else touched
    assert added == [f"{MERGE_ID}_merge_heads.py"], added
    header = read_header(project.versions / added[0])
    assert (header.revision, header.down_revision) == (MERGE_ID, (ORDERS, POINTS))
    assert after[added[0]].endswith(b"    pass\n")  # the template's last line: complete


@pytest.mark.parametrize("fault", list(faults()))
def test_a_merge_is_written_whole_or_not_at_all_and_a_rerun_completes_it(
    project: Project, injector: Path, fault: str
) -> None:
    argv = ("merge", "--if-needed", "-m", "merge heads", "--rev-id", MERGE_ID)
    before = files(project.versions)
    for n in range(1, 20):
        result = revlib(project, injector, *argv, fault=fault.format(n=n))
        assert "Traceback" not in result.stderr
        if not reached(result):
            break
        after = files(project.versions)
        if result.returncode == 9:  # killed: the graph is as before, or has the whole merge
            if {k for k in after if not k.startswith(".")} != set(before):
                assert_one_complete_merge(project, before, hidden_litter=True)
        else:  # an error: nothing left at all, one message
            assert after == before, result.stderr
            assert result.returncode == 2
            assert result.stderr.startswith("revlib: error: Can't write "), result.stderr
        rerun = revlib(project, injector, *argv)
        assert rerun.returncode in (0, 1), rerun.stderr
        assert_one_complete_merge(project, before)
        project.git("clean", "-qfdx", "--", VERSIONS)
        project.git("checkout", "-q", "--", VERSIONS)
        assert files(project.versions) == before
    else:
        pytest.fail("the fault is reached on every call")
    assert n > 1 or fault.split(":")[0] == "replace", "the fault was never reached"


def test_a_killed_writer_leaves_only_a_hidden_temporary_file_which_the_rerun_removes(
    project: Project, injector: Path
) -> None:
    before = files(project.versions)
    argv = ("merge", "--if-needed", "-m", "merge heads", "--rev-id", MERGE_ID)
    killed = revlib(project, injector, *argv, fault="link:1:kill")
    assert killed.returncode == 9
    litter = sorted(set(files(project.versions)) - set(before))
    assert len(litter) == 1 and litter[0].startswith(f".{MERGE_ID}_merge_heads.py.")
    assert litter[0].endswith(".tmp")  # Alembic loads only *.py: the graph is as before
    assert revlib(project, injector, "heads").stdout == f"{ORDERS} (head)\n{POINTS} (head)\n"
    rerun = revlib(project, injector, *argv)
    assert (rerun.returncode, rerun.stdout) == (1, f"{VERSIONS}/{MERGE_ID}_merge_heads.py\n")
    assert_one_complete_merge(project, before)


def test_a_temporary_file_that_cannot_be_removed_is_swept_by_the_next_run(
    project: Project, injector: Path
) -> None:
    before = files(project.versions)
    argv = ("merge", "--if-needed", "-m", "merge heads", "--rev-id", MERGE_ID)
    first = revlib(project, injector, *argv, fault="unlink:1:eacces")
    assert (first.returncode, first.stderr) == (1, "")  # the merge itself is written
    litter = [name for name in files(project.versions) if name.endswith(".tmp")]
    assert len(litter) == 1
    assert_one_complete_merge(project, before, hidden_litter=True)
    again = revlib(project, injector, *argv)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert_one_complete_merge(project, before)


# -- replacing a file: the heads file -------------------------------------------------------


@pytest.mark.parametrize("fault", list(faults()))
def test_the_heads_file_is_replaced_whole_and_a_rerun_completes_it(
    project: Project, injector: Path, fault: str
) -> None:
    heads_txt = project.root / "migrations" / "heads.txt"
    heads_txt.write_text("# stale\n0000deadbeef\n")
    old = heads_txt.read_bytes()
    done = None
    for n in range(1, 20):
        result = revlib(project, injector, "heads-file", "update", fault=fault.format(n=n))
        assert "Traceback" not in result.stderr
        if not reached(result):
            done = heads_txt.read_bytes()
            break
        if result.returncode == 9:  # killed: the old bytes or the whole new ones
            assert heads_txt.read_bytes() == old or heads_txt.read_text().endswith(NEW_HEADS)
        else:
            assert heads_txt.read_bytes() == old
            assert result.stderr.startswith("revlib: error: migrations/heads.txt: cannot write:")
        rerun = revlib(project, injector, "heads-file", "update")
        assert rerun.returncode in (0, 1), rerun.stderr
        assert heads_txt.read_text().endswith(NEW_HEADS)
        assert not [p for p in heads_txt.parent.iterdir() if p.name.endswith(".tmp")]
        heads_txt.write_bytes(old)
    assert done is not None and done.decode().endswith(NEW_HEADS)
    assert n > 1 or fault.split(":")[0] in UNUSED_BY_REPLACE, "the fault was never reached"


NEW_HEADS = f"{ORDERS}\n\n{POINTS}\n"


# -- several files: a rebase ------------------------------------------------------------------

A, M, X = "aaaa00000001", "mmmm00000001", "ffff00000001"


def rebasing(project_root: Path, injector: Path) -> Project:
    """Base A; main adds M, feature adds X, each recording its head in the heads file; `git
    rebase main` stops on the heads file."""
    project = Project.create(project_root)
    project.add_migration(A, None, "base")
    assert revlib(project, injector, "heads-file", "update").returncode == 1
    project.commit("base")
    project.git("branch", "start")
    project.add_migration(M, A, "main")
    revlib(project, injector, "heads-file", "update")
    project.commit("main adds M")
    project.git("checkout", "-q", "-b", "feature", "start")
    project.add_migration(X, A, "feature")
    revlib(project, injector, "heads-file", "update")
    project.commit("feature adds X")
    assert project.run("git", "rebase", "main").returncode == 1
    return project


X_PATH = f"{VERSIONS}/{X}_feature.py"
NEXT = f"Next, run:\n  git add -- {X_PATH} migrations/heads.txt\n  git rebase --continue\n"


@pytest.mark.parametrize("fault", list(faults()))
def test_a_rebase_is_all_or_nothing_on_errors_and_a_rerun_finishes_a_killed_one(
    tmp_path: Path, injector: Path, fault: str
) -> None:
    project = rebasing(tmp_path / "project", injector)
    before = {p: (project.root / p).read_bytes() for p in (X_PATH, "migrations/heads.txt")}
    for n in range(1, 20):
        result = revlib(project, injector, "rebase", fault=fault.format(n=n))
        assert "Traceback" not in result.stderr
        if not reached(result):
            assert result.stdout.endswith(NEXT)
            break
        now = {p: (project.root / p).read_bytes() for p in before}
        if result.returncode != 9:  # an error: everything as before
            assert now == before, result.stderr
            assert result.returncode == 2
        rerun = revlib(project, injector, "rebase")
        assert rerun.returncode == 0, rerun.stderr
        assert rerun.stdout.endswith(NEXT), rerun.stdout  # every file to stage is named
        assert read_header(project.root / X_PATH).down_revision == M
        for path, data in before.items():
            (project.root / path).write_bytes(data)
    else:
        pytest.fail("the fault is reached on every call")
    assert n > 1 or fault.split(":")[0] in UNUSED_BY_REPLACE, "the fault was never reached"


# -- two writers at once --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "argv", "lock", "expected_merges"),
    [
        pytest.param("hooks.cli", ("merge", "--if-needed"), True, 1, id="revlib-merge-if-needed"),
        pytest.param("hooks.auto_merge", (), True, 1, id="revlib-auto-merge"),
        pytest.param(
            "hooks.cli", ("merge", "--if-needed"), False, 3, id="without-the-lock-the-race-is-real"
        ),
    ],
)
def test_writers_started_together_write_one_merge(
    project: Project,
    injector: Path,
    module: str,
    argv: tuple[str, ...],
    lock: bool,
    expected_merges: int,
) -> None:
    """Each process sleeps between reading the graph and writing: without the lock all three
    see two heads and write a merge each."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{injector}{os.pathsep}{ROOT}",
        "REVLIB_SLOW_WRITE": "0.5",
        **({} if lock else {"REVLIB_NO_LOCK": "1"}),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", module, *argv],
            cwd=project.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    assert all("Traceback" not in err for _, _, err in outcomes), outcomes
    known = {CUSTOMERS, EMAIL, ORDERS, POINTS}
    merges = [p for p in project.versions.glob("*.py") if p.name[:12] not in known]
    assert len(merges) == expected_merges, (merges, outcomes)
    heads = revlib(project, injector, "heads")
    assert heads.stdout.count("(head)") == expected_merges, heads.stdout
    assert not list((project.root / ".git" / "revlib").glob("write-*.lock"))


def test_the_lock_waits_for_its_holder_and_names_it_on_timeout(
    project: Project, injector: Path
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time
                from revlib.util.lock import write_lock
                with write_lock("migrations"):
                    print("held", flush=True)
                    time.sleep(30)
                """
            ),
        ],
        cwd=project.root,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        waited = revlib(
            project, injector, "merge", "--if-needed", extra={"REVLIB_LOCK_TIMEOUT": "0.5"}
        )
        assert waited.returncode == 2
        assert waited.stderr.startswith(
            "revlib: error: another revlib process has been writing in this script directory "
            "for over 0.5s (lock "
        )
        assert f"held by pid {holder.pid})" in waited.stderr
    finally:
        holder.kill()
        holder.wait()
    assert revlib(project, injector, "merge", "--if-needed").returncode == 1  # lock released
