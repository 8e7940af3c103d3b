"""The heads file: rendering, parsing (conflict markers in every git style), comparing; the
``revlib heads-file`` commands and hooks; git really conflicting on it; and Alembic's
``post_write_hooks`` running it when ``alembic revision`` writes a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig

from hooks import heads_file as heads_file_hook
from hooks.cli import main
from revlib.heads_file import (
    Conflict,
    HeadEntry,
    HeadsFile,
    HeadsFileError,
    Staleness,
    compare,
    parse,
    render,
    several_heads,
)
from tests.gitproject import Project

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "# Alembic heads, one line per branch: written by `revlib heads-file update`.\n"
    "# Two branches that each add a migration conflict here when they meet. Resolve it with\n"
    "# `revlib rebase` (it moves this branch's migrations onto the other side's head and\n"
    "# rewrites this file), then `git add` and continue the rebase or merge.\n"
)
A, M, X = "aaaa00000001", "mmmm00000001", "ffff00000001"


def entry(text: str) -> HeadEntry:
    labels, _, revision = text.rpartition(": ")
    return HeadEntry.of(revision, labels.split(",") if labels else ())


# -- render / parse / compare --------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "newline", "expected"),
    [
        pytest.param([], "\n", HEADER, id="no-heads"),
        pytest.param([entry("abc")], "\n", HEADER + "abc\n", id="one-head"),
        pytest.param(
            [entry("expand: e2"), entry("contract: c1")],
            "\n",
            HEADER + "contract: c1\n\nexpand: e2\n",
            id="labels-sorted-and-apart",
        ),
        pytest.param(
            [entry("b,a: r"), entry("r2")],
            "\n",
            HEADER + "r2\n\na,b: r\n",
            id="several-labels-unlabelled-first",
        ),
        pytest.param([entry("abc")], "\r\n", HEADER.replace("\n", "\r\n") + "abc\r\n", id="crlf"),
    ],
)
def test_render(entries: list[HeadEntry], newline: str, expected: str):
    assert render(entries, newline) == expected


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param([], id="none"),
        pytest.param([entry("abc")], id="one"),
        pytest.param([entry("x: 1"), entry("y,z: 2"), entry("3")], id="labels"),
    ],
)
def test_parse_reads_back_what_render_writes(entries: list[HeadEntry]):
    for newline in ("\n", "\r\n"):
        parsed = parse(render(entries, newline), "heads.txt")
        assert parsed == HeadsFile(tuple(sorted(entries)), None, newline)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            HEADER + "<<<<<<< HEAD\nmain1\n=======\nfeat1\n>>>>>>> 1a2b3c4 (feat)\n",
            Conflict((entry("main1"),), (entry("feat1"),), None, "HEAD", "1a2b3c4 (feat)"),
            id="merge-style",
        ),
        pytest.param(
            HEADER + "<<<<<<< HEAD\nmain1\n||||||| parent of 1a2b3c4 (feat)\nbase1\n"
            "=======\nfeat1\n>>>>>>> 1a2b3c4 (feat)\n",
            Conflict(
                (entry("main1"),), (entry("feat1"),), (entry("base1"),), "HEAD", "1a2b3c4 (feat)"
            ),
            id="diff3-style",
        ),
        pytest.param(
            HEADER + "contract: c1\n\n<<<<<<< ours\nexpand: e1\n||||||| base\nexpand: e0\n"
            "=======\nexpand: e2\n>>>>>>> theirs\n",
            Conflict(
                (entry("contract: c1"), entry("expand: e1")),
                (entry("contract: c1"), entry("expand: e2")),
                (entry("contract: c1"), entry("expand: e0")),
                "ours",
                "theirs",
            ),
            id="zdiff3-common-lines-outside",
        ),
        pytest.param(
            "<<<<<<<\na1\n=======\nb1\n>>>>>>>\nkeep\n<<<<<<<\na2\n=======\n>>>>>>>\n",
            Conflict(
                (entry("keep"), entry("a1"), entry("a2")), (entry("keep"), entry("b1")), None
            ),
            id="two-hunks-and-an-empty-side",
        ),
        pytest.param(
            "<<<<<<< HEAD\r\nm\r\n=======\r\nf\r\n>>>>>>> x\r\n",
            Conflict((entry("m"),), (entry("f"),), None, "HEAD", "x"),
            id="crlf",
        ),
    ],
)
def test_parse_reads_both_sides_of_a_conflict(text: str, expected: Conflict):
    parsed = parse(text, "heads.txt")
    assert parsed.conflict == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "abc def\n",
            "heads.txt:1: not a heads-file entry: 'abc def'\n  hint: each line is `REVISION` "
            "or `LABEL[,LABEL...]: REVISION`; comments start with #",
            id="two-words",
        ),
        pytest.param(
            "# c\n: abc\n",
            "heads.txt:2: not a heads-file entry: ': abc'\n  hint: each line is `REVISION` "
            "or `LABEL[,LABEL...]: REVISION`; comments start with #",
            id="empty-label",
        ),
        pytest.param(
            "abc\n=======\n",
            "heads.txt:2: conflict marker '=======' outside a conflict\n  hint: run `revlib "
            "rebase`, or `revlib heads-file update` once the graph has one head",
            id="marker-outside",
        ),
        pytest.param(
            "<<<<<<< a\nx\n<<<<<<< b\n",
            "heads.txt:3: misplaced conflict marker '<<<<<<<' (inside the current part)\n  "
            "hint: run `revlib rebase`, or `revlib heads-file update` once the graph has one "
            "head",
            id="nested",
        ),
        pytest.param(
            "<<<<<<< a\nx\n=======\ny\n",
            "heads.txt:5: unterminated conflict: a `>>>>>>>` line is missing\n  hint: run "
            "`revlib rebase`, or `revlib heads-file update` once the graph has one head",
            id="unterminated",
        ),
    ],
)
def test_parse_names_the_bad_line(text: str, message: str):
    with pytest.raises(HeadsFileError) as raised:
        parse(text, "heads.txt")
    assert str(raised.value) == message


def test_compare_lists_missing_and_extra_heads():
    recorded = parse(HEADER + "a\n\nb\n", "heads.txt")
    assert compare(recorded, [entry("b"), entry("c")]) == Staleness(
        missing=(entry("c"),), extra=(entry("a"),)
    )
    assert not compare(recorded, [entry("b"), entry("a")]).stale
    conflicted = parse("<<<<<<<\na\n=======\nb\n>>>>>>>\n", "heads.txt")
    assert compare(conflicted, []).stale


def test_several_heads_groups_by_labels():
    entries = [entry("a"), entry("b"), entry("x: c"), entry("y: d"), entry("y: e")]
    assert several_heads(entries) == [("a", "b"), ("d", "e")]


# -- git itself conflicts on the file ------------------------------------------------------


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def fork(root: Path, base: list[str], ours: list[str], theirs: list[str]) -> str:
    """Commit the heads file with ``base`` entries, then on two branches ``ours`` and
    ``theirs``; merge them and return git's merged file."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    steps = [("main", base), ("ours", ours), ("theirs", theirs)]
    for branch, entries in steps:
        if branch != "main":
            git(root, "checkout", "-q", "-b", branch, "main")
        (root / "heads.txt").write_text(render([entry(e) for e in entries]))
        git(root, "commit", "-q", "-am" if branch != "main" else "-m", branch)
        if branch == "main":
            git(root, "add", "heads.txt")
            git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "ours")
    git(root, "merge", "-q", "--no-edit", "theirs")
    return (root / "heads.txt").read_text()


def test_git_conflicts_when_both_branches_move_the_same_head(tmp_path: Path):
    merged = fork(tmp_path / "repo", ["base"], ["ours1"], ["theirs1"])
    assert parse(merged, "heads.txt").conflict == Conflict(
        (entry("ours1"),), (entry("theirs1"),), None, "HEAD", "theirs"
    )


def test_git_merges_cleanly_when_each_branch_moves_another_label(tmp_path: Path):
    base = ["contract: c0", "expand: e0"]
    merged = fork(
        tmp_path / "repo", base, ["contract: c1", "expand: e0"], ["contract: c0", "expand: e1"]
    )
    assert merged == render([entry("contract: c1"), entry("expand: e1")])


# -- the commands --------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project with one migration A, committed, the current directory."""
    project = Project.create(tmp_path / "project")
    monkeypatch.delenv("PRE_COMMIT", raising=False)  # pytest run by a pre-commit hook
    project.add_migration(A, None, "base")
    project.commit("base")
    monkeypatch.chdir(project.root)
    return project


HEADS_TXT = "migrations/heads.txt"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_update_creates_then_keeps_then_updates(project: Project, capsys):
    assert run(capsys, "heads-file", "update") == (1, f"Created {HEADS_TXT}: {A}\n")
    path = project.root / HEADS_TXT
    assert path.read_text() == HEADER + f"{A}\n"
    stat = path.stat()
    assert run(capsys, "heads-file", "update") == (0, "")
    assert path.stat().st_ino == stat.st_ino  # not rewritten
    project.add_migration(X, A, "feature")
    assert run(capsys, "heads-file", "update") == (1, f"Updated {HEADS_TXT}: {X}\n")
    assert path.read_text() == HEADER + f"{X}\n"


def test_update_keeps_crlf_line_endings(project: Project, capsys):
    path = project.root / HEADS_TXT
    path.write_bytes(render([entry(A)], "\r\n").encode())
    project.add_migration(X, A, "feature")
    assert run(capsys, "heads-file", "update")[0] == 1
    assert path.read_bytes() == render([entry(X)], "\r\n").encode()


def test_update_with_labels(project: Project, capsys):
    project.add_migration("e0", None, "expand", labels=("expand",))
    project.add_migration("e1", "e0", "expand_more")
    assert run(capsys, "heads-file", "update") == (
        1,
        f"Created {HEADS_TXT}: {A}, expand: e1\n",
    )
    assert (project.root / HEADS_TXT).read_text() == HEADER + f"{A}\n\nexpand: e1\n"


def test_update_to_another_path(project: Project, capsys):
    assert run(capsys, "heads-file", "update", "--heads-file", "HEADS") == (
        1,
        f"Created HEADS: {A}\n",
    )
    assert (project.root / "HEADS").read_text() == HEADER + f"{A}\n"
    assert not (project.root / HEADS_TXT).exists()
    assert run(capsys, "heads-file", "check", "--heads-file", "HEADS") == (0, "")


CONFLICTED = HEADER + f"<<<<<<< HEAD\n{M}\n=======\n{X}\n>>>>>>> 1a2b3c4 (feat)\n"


def test_update_refuses_a_conflict_while_the_graph_has_two_heads(project: Project, capsys):
    project.add_migration(M, A, "main")
    project.add_migration(X, A, "feature")
    (project.root / HEADS_TXT).write_text(CONFLICTED)
    assert run(capsys, "heads-file", "update") == (
        1,
        f"{HEADS_TXT} has unresolved conflict markers and the history has several heads "
        f"({X}, {M}): run `revlib rebase` to re-parent this branch's migrations, or "
        "`revlib merge` then this command again\n",
    )
    assert (project.root / HEADS_TXT).read_text() == CONFLICTED


def test_update_resolves_a_conflict_once_a_merge_joined_the_heads(project: Project, capsys):
    project.add_migration(M, A, "main")
    project.add_migration(X, A, "feature")
    project.add_migration("j0", (M, X), "merge")
    (project.root / HEADS_TXT).write_text(CONFLICTED)
    assert run(capsys, "heads-file", "update") == (1, f"Updated {HEADS_TXT}: j0\n")
    assert (project.root / HEADS_TXT).read_text() == HEADER + "j0\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            None,
            (1, f"{HEADS_TXT} does not exist; run `revlib heads-file update` and commit it\n"),
            id="missing",
        ),
        pytest.param(HEADER + f"{A}\n", (0, ""), id="fresh"),
        pytest.param(
            HEADER + f"{M}\n",
            (
                1,
                f"{HEADS_TXT} is stale: it records {M}, but the heads are {A}; run `revlib "
                "heads-file update` and commit it\n",
            ),
            id="stale",
        ),
        pytest.param(
            HEADER,
            (
                1,
                f"{HEADS_TXT} is stale: it records no heads, but the heads are {A}; run "
                "`revlib heads-file update` and commit it\n",
            ),
            id="empty",
        ),
        pytest.param(
            CONFLICTED,
            (1, f"{HEADS_TXT} has unresolved conflict markers; run `revlib rebase`\n"),
            id="conflicted",
        ),
        pytest.param(
            "nonsense here\n",
            (
                2,
                f"revlib: error: {HEADS_TXT}:1: not a heads-file entry: 'nonsense here'\n  "
                "hint: each line is `REVISION` or `LABEL[,LABEL...]: REVISION`; comments start "
                "with #\n",
            ),
            id="unreadable",
        ),
    ],
)
def test_check(project: Project, capsys, content: str | None, expected: tuple[int, str]):
    if content is not None:
        (project.root / HEADS_TXT).write_text(content)
    assert run(capsys, "heads-file", "check") == expected


def test_hook_entry_points(project: Project, capsys):
    assert heads_file_hook.check_main([]) == 1
    assert heads_file_hook.main([]) == 1
    assert heads_file_hook.check_main([]) == 0
    assert heads_file_hook.main([]) == 0
    assert heads_file_hook.main(["--no-such-option"]) == 2
    out = capsys.readouterr()
    assert "Error: No such option '--no-such-option'." in out.err


# -- Alembic's post-write hook -------------------------------------------------------------

POST_WRITE = """
[post_write_hooks]
hooks = revlib_heads
revlib_heads.type = console_scripts
revlib_heads.entrypoint = revlib-heads-file
"""


@pytest.mark.parametrize("cwd", ["project", "elsewhere"])
def test_alembic_revision_updates_the_heads_file(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cwd: str
):
    ini = project.root / "alembic.ini"
    ini.write_text(ini.read_text() + POST_WRITE)
    (project.root / HEADS_TXT).write_text(HEADER + f"{A}\n")
    monkeypatch.syspath_prepend(str(project.root))  # the migrations import myapp
    if cwd == "elsewhere":
        monkeypatch.chdir(tmp_path)
    config = AlembicConfig(str(ini))
    alembic_command.revision(config, message="add things", rev_id="b0b0b0b0b0b0")
    assert (project.root / HEADS_TXT).read_text() == HEADER + "b0b0b0b0b0b0\n"
    alembic_command.revision(config, message="more", rev_id="c0c0c0c0c0c0")
    assert (project.root / HEADS_TXT).read_text() == HEADER + "c0c0c0c0c0c0\n"


def test_module_form_runs_update(project: Project):
    result = subprocess.run(
        [sys.executable, "-m", "hooks.heads_file", "--heads-file", "H"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert (result.returncode, result.stdout) == (1, f"Created H: {A}\n")


# -- the manifest --------------------------------------------------------------------------


def test_manifest_declares_the_hooks():
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert hooks["revlib-heads-file"]["entry"] == "revlib-heads-file"
    assert hooks["revlib-heads-file-check"]["entry"] == "revlib-heads-file-check"
    assert hooks["revlib-rebase"]["entry"] == "revlib-rebase"
    assert hooks["revlib-rebase"]["stages"] == ["post-rewrite", "post-merge"]
    raw = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in raw} >= {
        "revlib-heads-file",
        "revlib-heads-file-check",
        "revlib-rebase",
    }


def test_staged_reads_the_index(project: Project, capsys, monkeypatch: pytest.MonkeyPatch):
    project.add_migration(X, A, "untracked")  # on disk, not staged
    assert run(capsys, "heads-file", "update", "--staged") == (1, f"Created {HEADS_TXT}: {A}\n")
    assert run(capsys, "heads-file", "check") == (
        1,
        f"{HEADS_TXT} is stale: it records {A}, but the heads are {X}; run `revlib heads-file "
        "update` and commit it\n",
    )
    monkeypatch.setenv("PRE_COMMIT", "1")  # under pre-commit, the index is the default
    assert run(capsys, "heads-file", "check") == (0, "")
    assert heads_file_hook.check_main(["--worktree"]) == 1


def test_an_unreadable_graph_is_named(project: Project, capsys):
    project.write(f"migrations/versions/{X}_bad.py", "revision = 'x'\ndown_revision = f()\n")
    code, output = run(capsys, "heads-file", "update")
    assert code == 2
    assert output.startswith(
        "revlib: error: cannot tell the heads of this history:\n"
        f"migrations/versions/{X}_bad.py:2: unreadable-file down_revision is not a literal value"
    )
    assert not (project.root / HEADS_TXT).exists()
