"""``revlib rebase`` and the ``revlib-rebase`` hook on real git repositories, checked by real
Alembic.

Main and a feature branch each add migrations on the same head, and each records its head in
the committed heads file. ``git rebase main`` (or ``git merge main``) stops on that file;
``revlib rebase`` re-parents the feature's bottom migration, rewrites the file and prints the
commands that finish the job; the test runs exactly those. Alembic then sees one head, and the
moved file differs from the original on the ``Revises:`` and ``down_revision`` lines only.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory as AlembicScriptDirectory

from hooks import git_state
from hooks import rebase as rebase_hook
from hooks.cli import main
from revlib.heads_file import HeadEntry, render
from tests.gitproject import Project

A, M, X, Y = "aaaa00000001", "mmmm00000001", "ffff00000001", "ffff00000002"
HEADS_TXT = "migrations/heads.txt"
X_PATH = f"migrations/versions/{X}_feature.py"
Y_PATH = f"migrations/versions/{Y}_feature_two.py"


def heads_text(*revisions: str) -> str:
    return render([HeadEntry.of(r) for r in revisions])


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def git_env() -> dict[str, str]:
    return {**os.environ, "GIT_EDITOR": "true"}


def run_next_steps(project: Project, output: str) -> list[str]:
    """Run the commands ``revlib rebase`` printed under "Next, run:"; return them."""
    steps = output.split("Next, run:\n", 1)[1].splitlines()
    commands = [step.strip() for step in steps if step.startswith("  ")]
    for command in commands:
        result = subprocess.run(
            shlex.split(command), cwd=project.root, env=git_env(), capture_output=True, text=True
        )
        assert result.returncode == 0, f"{command}:\n{result.stdout}{result.stderr}"
    return commands


def alembic_graph(project: Project) -> tuple[tuple[str, ...], dict[str, object]]:
    """Real Alembic's heads and {revision: down_revision} for the project."""
    script = AlembicScriptDirectory.from_config(AlembicConfig(str(project.root / "alembic.ini")))
    return tuple(script.get_heads()), {
        s.revision: s.down_revision for s in script.walk_revisions()
    }


def changed_lines(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


# -- the project ---------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Project:
    """Base A with its heads file; main adds M. The current directory is the work tree."""
    project = Project.create(tmp_path / "project")
    monkeypatch.delenv("PRE_COMMIT", raising=False)  # pytest run by a pre-commit hook
    monkeypatch.chdir(project.root)
    monkeypatch.syspath_prepend(str(project.root))  # Alembic imports the migrations
    project.add_migration(A, None, "base")
    assert run(capsys, "heads-file", "update")[0] == 1
    project.commit("base")
    project.git("branch", "start")
    project.add_migration(M, A, "main")
    assert run(capsys, "heads-file", "update")[0] == 1
    project.commit("main adds M")
    return project


def feature(project: Project, capsys, shape: str) -> dict[str, bytes]:
    """Branch ``feature`` off the base with migrations in ``shape``; their original bytes."""
    project.git("checkout", "-q", "-b", "feature", "start")
    project.add_migration(X, A, "feature")
    if shape == "chain-in-two-commits":
        run(capsys, "heads-file", "update")
        project.commit("feature adds X")
    if shape != "one":
        project.add_migration(Y, X, "feature_two")
    run(capsys, "heads-file", "update")
    project.commit("feature adds more")
    paths = [X_PATH] + ([Y_PATH] if shape != "one" else [])
    return {p: (project.root / p).read_bytes() for p in paths}


def expected_output(shape: str, finish: str) -> str:
    top = X if shape == "one" else Y
    riding = f"Riding along unchanged: {Y}\n" if shape == "chain" else ""
    heads = X if shape == "chain-in-two-commits" else top
    return (
        f"Re-parented {X} ({X_PATH}): it now revises {M} (was {A})\n"
        f"{riding}"
        f"Updated {HEADS_TXT}: {heads}\n"
        "Next, run:\n"
        f"  git add -- {X_PATH} {HEADS_TXT}\n"
        f"  {finish}\n"
    )


def assert_moved_exactly(project: Project, originals: dict[str, bytes]) -> None:
    """X differs on its two lines; Y (if any) is byte-for-byte the original."""
    moved = (project.root / X_PATH).read_bytes()
    assert changed_lines(originals[X_PATH], moved) == [
        (f"Revises: {A}\n".encode(), f"Revises: {M}\n".encode()),
        (
            f"down_revision: Union[str, Sequence[str], None] = '{A}'\n".encode(),
            f"down_revision: Union[str, Sequence[str], None] = '{M}'\n".encode(),
        ),
    ]
    if Y_PATH in originals:
        assert (project.root / Y_PATH).read_bytes() == originals[Y_PATH]


SHAPES = ["one", "chain", "chain-in-two-commits"]
STYLES = ["merge", "diff3", "zdiff3"]


# -- through git rebase and git merge ------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("shape", SHAPES)
def test_rebase_stops_on_the_heads_file_and_revlib_rebase_resolves_it(
    project: Project, capsys, shape: str, style: str
):
    project.git("config", "merge.conflictStyle", style)
    originals = feature(project, capsys, shape)
    stopped = project.run("git", "rebase", "main")
    assert stopped.returncode == 1
    assert "CONFLICT (content): Merge conflict in migrations/heads.txt" in stopped.stdout
    assert project.git("diff", "--name-only", "--diff-filter=U") == f"{HEADS_TXT}\n"

    code, out, err = run(capsys, "rebase")
    assert (code, err) == (0, "")
    assert out == expected_output(shape, "git rebase --continue")
    run_next_steps(project, out)

    assert not (project.root / ".git" / "rebase-merge").exists()
    assert project.git("status", "--porcelain") == ""
    top = X if shape == "one" else Y
    heads, graph = alembic_graph(project)
    assert heads == (top,)
    assert graph[X] == M
    assert_moved_exactly(project, originals)
    assert (project.root / HEADS_TXT).read_text() == heads_text(top)
    assert run(capsys, "heads-file", "check")[:2] == (0, "")
    ours = ["feature adds more"] + (["feature adds X"] if shape == "chain-in-two-commits" else [])
    assert project.git("log", "--format=%s").splitlines() == [*ours, "main adds M", "base"]
    assert project.git("rev-list", "--merges", "HEAD") == ""  # linear: a real rebase


@pytest.mark.parametrize("shape", SHAPES)
def test_merge_resolves_with_the_sides_inverted_to_the_same_graph(
    project: Project, capsys, tmp_path: Path, shape: str
):
    originals = feature(project, capsys, shape)
    stopped = project.run("git", "merge", "main")
    assert stopped.returncode == 1
    assert project.git("diff", "--name-only", "--diff-filter=U") == f"{HEADS_TXT}\n"

    code, out, err = run(capsys, "rebase")
    assert (code, err) == (0, "")
    assert out == expected_output(
        "chain" if shape == "chain-in-two-commits" else shape, "git merge --continue"
    )
    run_next_steps(project, out)

    assert project.git("status", "--porcelain") == ""
    assert len(project.git("log", "-1", "--format=%P").split()) == 2  # a merge commit
    top = X if shape == "one" else Y
    heads, graph = alembic_graph(project)
    assert heads == (top,)
    assert graph == {A: None, M: A, X: M, **({Y: X} if shape != "one" else {})}
    assert_moved_exactly(project, originals)
    assert (project.root / HEADS_TXT).read_text() == heads_text(top)


def test_rebase_and_merge_end_in_the_same_graph(tmp_path: Path, monkeypatch, capsys):
    graphs = []
    for how in ("rebase", "merge"):
        root = tmp_path / how
        root.mkdir()
        monkeypatch.chdir(root)
        project = project_at(root / "p", monkeypatch, capsys)
        feature(project, capsys, "chain")
        project.run("git", how, "main")
        run_next_steps(project, run(capsys, "rebase")[1])
        graphs.append(alembic_graph(project))
    assert graphs[0] == graphs[1] == ((Y,), {A: None, M: A, X: M, Y: X})


def project_at(root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Project:
    project = Project.create(root)
    monkeypatch.chdir(project.root)
    monkeypatch.syspath_prepend(str(project.root))
    project.add_migration(A, None, "base")
    run(capsys, "heads-file", "update")
    project.commit("base")
    project.git("branch", "start")
    project.add_migration(M, A, "main")
    run(capsys, "heads-file", "update")
    project.commit("main adds M")
    return project


# -- git's sides ---------------------------------------------------------------------------


def test_sides_during_a_rebase_and_a_merge(project: Project, capsys):
    feature(project, capsys, "one")
    feature_commit = project.git("rev-parse", "feature").strip()
    main_commit = project.git("rev-parse", "main").strip()
    project.run("git", "rebase", "main")
    operation = git_state.in_progress(project.root)
    assert operation is not None
    assert (operation.kind, operation.moving, operation.target) == (
        "rebase",
        feature_commit,
        main_commit,
    )
    stages = git_state.read_stages(project.root, HEADS_TXT)
    assert stages[operation.moving_stage].decode() == heads_text(X)  # --theirs in a rebase
    assert stages[operation.target_stage].decode() == heads_text(M)  # --ours in a rebase
    assert stages[1].decode() == heads_text(A)
    project.git("rebase", "--abort")

    project.run("git", "merge", "main")
    operation = git_state.in_progress(project.root)
    assert operation is not None
    assert (operation.kind, operation.moving, operation.target) == (
        "merge",
        feature_commit,
        main_commit,
    )
    stages = git_state.read_stages(project.root, HEADS_TXT)
    assert stages[operation.moving_stage].decode() == heads_text(X)  # --ours in a merge
    assert stages[operation.target_stage].decode() == heads_text(M)  # --theirs in a merge


def test_heads_file_already_checked_out_from_one_side(project: Project, capsys):
    """`git checkout --ours heads.txt` removed the markers; the index still has both sides."""
    originals = feature(project, capsys, "one")
    project.run("git", "rebase", "main")
    project.git("checkout", "--ours", "--", HEADS_TXT)
    assert "<<<<<<<" not in (project.root / HEADS_TXT).read_text()
    code, out, _ = run(capsys, "rebase")
    assert (code, out) == (0, expected_output("one", "git rebase --continue"))
    run_next_steps(project, out)
    assert alembic_graph(project)[0] == (X,)
    assert_moved_exactly(project, originals)


# -- dry run and refusals ------------------------------------------------------------------


def test_dry_run_prints_the_diff_and_writes_nothing(project: Project, capsys):
    feature(project, capsys, "one")
    project.run("git", "rebase", "main")
    before = {p: (project.root / p).read_bytes() for p in (X_PATH, HEADS_TXT)}
    code, out, err = run(capsys, "rebase", "--dry-run")
    assert (code, err) == (0, "")
    assert out.startswith(f"--- a/{X_PATH}\n+++ b/{X_PATH}\n")
    changed = [line for line in out.splitlines() if line[:1] in "+-" and line[:3] not in "---+++"]
    assert changed == [
        f"-Revises: {A}",
        f"+Revises: {M}",
        f"-down_revision: Union[str, Sequence[str], None] = '{A}'",
        f"+down_revision: Union[str, Sequence[str], None] = '{M}'",
        "-<<<<<<< HEAD",
        f"-{M}",
        "-=======",
        "->>>>>>> " + project.git("log", "-1", "--format=%h (%s)", "feature").strip(),
    ]
    assert out.endswith("Dry run: nothing written.\n")
    assert {p: (project.root / p).read_bytes() for p in before} == before


def test_refuses_two_separate_chains_and_writes_nothing(project: Project, capsys):
    project.git("checkout", "-q", "-b", "feature", "start")
    project.add_migration(X, A, "feature")
    project.add_migration("ffff0000000b", A, "feature_b")
    run(capsys, "heads-file", "update")
    project.commit("two chains")
    project.run("git", "rebase", "main")
    before = (project.root / X_PATH).read_bytes(), (project.root / HEADS_TXT).read_bytes()
    code, out, err = run(capsys, "rebase")
    assert (code, out) == (2, "")
    assert err.startswith(
        "revlib: error: cannot re-parent: the result would still have several heads "
        f"({X}, ffff0000000b): the commit being replayed ("
    )
    assert err.endswith(
        "adds 2 separate chain(s) that moving the bottom migration cannot join; join them "
        f"with `revlib merge {X} ffff0000000b` instead\n"
    )
    after = (project.root / X_PATH).read_bytes(), (project.root / HEADS_TXT).read_bytes()
    assert after == before


def test_refuses_a_migration_file_with_conflict_markers(project: Project, capsys):
    project.git("checkout", "-q", "-b", "feature", "start")
    project.add_migration(M, A, "main")  # the same path as main's, other content
    path = project.root / f"migrations/versions/{M}_main.py"
    path.write_text(path.read_text().replace("t_mmmm", "t_other"))
    run(capsys, "heads-file", "update")
    project.commit("same file")
    project.run("git", "merge", "main")
    code, out, err = run(capsys, "rebase")
    assert (code, out) == (2, "")
    assert re.fullmatch(
        r"revlib: error: cannot re-parent: migrations/versions/mmmm00000001_main\.py:\d+: "
        r"unresolved merge conflict \(marker '<<<<<<<'\)\n  hint: resolve the conflict and "
        r"remove the marker lines\n  \(revlib rebase resolves conflicts only in the heads "
        r"file; resolve this one first\)\n",
        err,
    ), err


def test_refuses_outside_a_rebase_or_merge_without_directions(project: Project, capsys):
    assert run(capsys, "rebase") == (
        2,
        "",
        "revlib: error: no rebase or merge is in progress: pass --base REF (e.g. origin/main) "
        "or --onto REV to say where this branch's migrations go\n",
    )


def test_refuses_when_the_base_already_has_the_migration_elsewhere(project: Project, capsys):
    feature(project, capsys, "one")
    project.git("checkout", "-q", "main")
    project.add_migration(X, M, "feature")  # main took X, on top of M
    project.commit("main takes X")
    project.git("checkout", "-q", "feature")
    code, out, err = run(capsys, "rebase", "--base", "main")
    assert (code, out) == (2, "")
    assert err == (
        f"revlib: error: cannot re-parent: {X} is already in main ({X_PATH}, revising {M}), "
        f"but {X_PATH} here revises {A}: it may already have run there, so it must not move; "
        "take main's version of the file\n"
    )


# -- outside a rebase: --base and --onto ---------------------------------------------------


def test_base_moves_onto_a_ref_before_rebasing(project: Project, capsys):
    originals = feature(project, capsys, "one")
    code, out, err = run(capsys, "rebase", "--base", "main")
    assert (code, err) == (0, "")
    assert out == (
        f"Re-parented {X} ({X_PATH}): it now revises {M} (was {A})\n"
        "Next, run:\n"
        f"  git add -- {X_PATH}\n"
        "  git commit\n"
    )
    assert_moved_exactly(project, originals)
    project.git("commit", "-q", "--amend", "--no-edit", "--", X_PATH)
    stopped = project.run("git", "rebase", "main")  # the heads file still conflicts
    assert stopped.returncode == 1
    code, out, _ = run(capsys, "rebase")
    assert out == (
        f"Nothing to re-parent: one head per branch ({X}).\n"
        f"Updated {HEADS_TXT}: {X}\n"
        "Next, run:\n"
        f"  git add -- {HEADS_TXT}\n"
        "  git rebase --continue\n"
    )
    run_next_steps(project, out)
    assert alembic_graph(project)[0] == (X,)


def test_onto_moves_the_other_heads(project: Project, capsys):
    project.git("checkout", "-q", "-b", "feature", "start")
    project.add_migration(X, A, "feature")
    project.add_migration(M, A, "main")
    assert run(capsys, "rebase", "--onto", "mmmm") == (
        0,
        f"Re-parented {X} ({X_PATH}): it now revises {M} (was {A})\n"
        f"Updated {HEADS_TXT}: {X}\n"
        "Next, run:\n"
        f"  git add -- {X_PATH} {HEADS_TXT}\n"
        "  git commit\n",
        "",
    )
    assert alembic_graph(project)[0] == (X,)
    assert run(capsys, "rebase", "--onto", "nope") == (
        2,
        "",
        "revlib: error: --onto nope: No such revision or branch 'nope'\n",
    )


# -- the hook, after git is done -----------------------------------------------------------


def plain_project(root: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Main adds M, feature adds X, and no heads file: git merges them without a word."""
    project = Project.create(root)
    monkeypatch.chdir(project.root)
    monkeypatch.syspath_prepend(str(project.root))
    project.commit("base", project.add_migration(A, None, "base"), ".gitignore")
    project.git("checkout", "-q", "-b", "feature")
    project.commit("feature adds X", project.add_migration(X, A, "feature"))
    project.git("checkout", "-q", "main")
    project.commit("main adds M", project.add_migration(M, A, "main"))
    project.git("checkout", "-q", "feature")
    return project


@pytest.mark.parametrize(
    ("how", "finish"),
    [("merge", "git commit --amend --no-edit"), ("rebase", "git commit --amend --no-edit")],
)
def test_hook_re_parents_after_a_clean_merge_or_rebase(
    tmp_path: Path, monkeypatch, capsys, how: str, finish: str
):
    project = plain_project(tmp_path / "p", monkeypatch)
    original = (project.root / X_PATH).read_bytes()
    project.git(how, "-q", *(["--no-edit"] if how == "merge" else []), "main")
    assert alembic_graph(project)[0] == (M, X) or alembic_graph(project)[0] == (X, M)
    assert rebase_hook.main(["--after", how]) == 1
    out = capsys.readouterr().out
    assert out == (
        f"revlib-rebase: the {how} left several heads.\n"
        f"Re-parented {X} ({X_PATH}): it now revises {M} (was {A})\n"
        "Next, run:\n"
        f"  git add -- {X_PATH}\n"
        f"  {finish}\n"
    )
    assert alembic_graph(project)[0] == (X,)
    assert len(changed_lines(original, (project.root / X_PATH).read_bytes())) == 2
    assert rebase_hook.main(["--after", how]) == 0  # one head now: nothing to do
    assert capsys.readouterr().out == ""


def test_hook_ignores_amend_and_squash(tmp_path: Path, monkeypatch, capsys):
    project = plain_project(tmp_path / "p", monkeypatch)
    project.git("merge", "-q", "--no-edit", "main")
    monkeypatch.setenv("PRE_COMMIT_REWRITE_COMMAND", "amend")
    assert rebase_hook.main([]) == 0
    monkeypatch.delenv("PRE_COMMIT_REWRITE_COMMAND")
    monkeypatch.setenv("PRE_COMMIT_IS_SQUASH_MERGE", "1")
    assert rebase_hook.main([]) == 0
    assert capsys.readouterr().out == (
        "revlib-rebase: a squash merge is not committed yet; run `revlib rebase`\n"
    )
    assert alembic_graph(project)[0] in ((M, X), (X, M))


PRE_COMMIT_CONFIG = """\
repos:
- repo: local
  hooks:
  - id: revlib-rebase
    name: revlib rebase (Alembic)
    entry: revlib-rebase
    language: system
    pass_filenames: false
    always_run: true
    stages: [post-rewrite, post-merge]
"""


@pytest.mark.parametrize("how", ["merge", "rebase"])
def test_pre_commit_runs_the_hook_after_git(tmp_path: Path, monkeypatch, how: str):
    project = plain_project(tmp_path / "p", monkeypatch)
    project.write(".pre-commit-config.yaml", PRE_COMMIT_CONFIG)
    project.commit("pre-commit", ".pre-commit-config.yaml")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    installed = project.run(
        "pre-commit",
        "install",
        "--hook-type",
        "post-merge",
        "--hook-type",
        "post-rewrite",
        env=env,
    )
    assert installed.returncode == 0, installed.stderr
    args = ["merge", "--no-edit", "main"] if how == "merge" else ["rebase", "main"]
    result = project.run("git", *args, env={**env, "GIT_EDITOR": "true"})
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert f"revlib-rebase: the {how} left several heads." in output
    assert f"Re-parented {X} ({X_PATH}): it now revises {M} (was {A})" in output
    assert alembic_graph(project)[0] == (X,)


def test_names_other_files_still_in_conflict(project: Project, capsys):
    project.git("checkout", "-q", "main")
    project.commit("main notes", project.write("NOTES", "main\n").name)
    project.git("checkout", "-q", "-b", "feature", "start")
    project.write("NOTES", "feature\n")
    project.add_migration(X, A, "feature")
    run(capsys, "heads-file", "update")
    project.commit("feature adds X")
    project.run("git", "rebase", "main")
    code, out, _ = run(capsys, "rebase")
    assert code == 0
    assert out.splitlines()[-4:] == [
        "Still in conflict (resolve and `git add` them too): NOTES",
        "Next, run:",
        f"  git add -- {X_PATH} {HEADS_TXT}",
        "  git rebase --continue",
    ]


def test_onto_a_branch_label(project: Project, capsys):
    project.git("checkout", "-q", "-b", "feature", "start")
    project.add_migration("e0", None, "expand", labels=("expand",))
    project.add_migration("e1", "e0", "expand_one")
    project.add_migration("e2", "e0", "expand_two")
    code, out, err = run(capsys, "rebase", "--onto", "expand@e1")
    assert (code, err) == (0, "")
    assert out.startswith(
        "Re-parented e2 (migrations/versions/e2_expand_two.py): it now revises e1 (was e0)\n"
    )
    assert set(alembic_graph(project)[0]) == {A, "e2"}
