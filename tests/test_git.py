"""hooks.git on real repositories: listings, blobs through one process, refs and errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hooks.git import blob_id, open_repo, relative_locations
from revlib.util.exc import CommandError
from tests.gitproject import Project

NAMES = [
    "v/plain.py",
    "v/with space.py",
    "v/ünïcödé ☃.py",
    "v/nested/deeper.py",
    "v/tab\there.py",
]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project(tmp_path / "repo")
    project.root.mkdir()
    project.git("init", "-q", "-b", "main")
    for name in NAMES:
        project.write(name, f"# {name}\n")
    project.write("elsewhere/x.py", "x\n")
    return project


def test_index_and_commit_listings_keep_every_name(project: Project) -> None:
    os.symlink("plain.py", project.root / "v" / "link.py")
    project.git("add", ".")
    with open_repo(project.root) as repo:
        staged, unmerged = repo.index_files(["v"])
        assert sorted(staged) == sorted(NAMES)
        assert unmerged == []
        assert repo.head() is None
        assert repo.commit_files(repo.head(), ["v"]) == {}
    project.git("commit", "-q", "-m", "files")
    with open_repo(project.root / "v" / "nested") as repo:
        committed = repo.commit_files(repo.head(), ["v"])
        assert committed == staged
        assert repo.commit_files(repo.head(), ["v/nested", "missing"]) == {
            "v/nested/deeper.py": staged["v/nested/deeper.py"]
        }
        contents = repo.read_blobs(committed.values())
    assert {contents[sha] for sha in committed.values()} == {f"# {n}\n".encode() for n in NAMES}


def test_blobs_are_read_through_one_process(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(40):
        project.write(f"v/many/{number:02d}.py", f"n = {number}\n")
    project.git("add", ".")
    trace = project.root.parent / "git-trace.log"
    with open_repo(project.root) as repo:
        staged, _ = repo.index_files(["v/many"])
        monkeypatch.setenv("GIT_TRACE", str(trace))  # git itself logs every command it runs
        contents = repo.read_blobs(staged.values())
    assert contents == {staged[f"v/many/{n:02d}.py"]: b"n = %d\n" % n for n in range(40)}
    commands = [line.split("git ", 1)[1] for line in trace.read_text().splitlines()]
    assert commands == ["cat-file --batch"]


def test_blob_id_matches_git(project: Project) -> None:
    data = "é\r\n\x00bytes".encode()
    path = project.write("blob.bin", "")
    path.write_bytes(data)
    assert blob_id(data) == project.git("hash-object", "blob.bin").strip()


def test_unmerged_paths_are_reported(project: Project) -> None:
    project.git("add", ".")
    project.git("commit", "-q", "-m", "base")
    project.git("checkout", "-q", "-b", "other")
    project.write("v/plain.py", "other\n")
    project.git("commit", "-q", "-am", "other")
    project.git("checkout", "-q", "main")
    project.write("v/plain.py", "main\n")
    project.git("commit", "-q", "-am", "main")
    subprocess.run(["git", "merge", "-q", "other"], cwd=project.root, capture_output=True)
    with open_repo(project.root) as repo:
        staged, unmerged = repo.index_files(["v"])
    assert unmerged == ["v/plain.py"]
    assert "v/plain.py" not in staged


def test_refs(project: Project) -> None:
    project.git("add", ".")
    project.git("commit", "-q", "-m", "one")
    head = project.git("rev-parse", "HEAD").strip()
    with open_repo(project.root) as repo:
        assert repo.resolve("HEAD") == head
        assert repo.resolve("main") == head
        assert repo.merge_base(head, head) == head
        assert repo.is_shallow() is False
        with pytest.raises(CommandError, match="unknown revision '--help'"):
            repo.resolve("--help")


def test_unrelated_histories(project: Project) -> None:
    project.git("add", ".")
    project.git("commit", "-q", "-m", "one")
    project.git("checkout", "-q", "--orphan", "lonely")
    project.git("commit", "-q", "-m", "two")
    with open_repo(project.root) as repo:
        other = repo.resolve("main")
        assert other is not None
        with pytest.raises(CommandError) as caught:
            repo.merge_base(other, repo.head())
    assert str(caught.value) == (
        f"HEAD and {other[:12]} have no common ancestor (unrelated histories); "
        "choose another --base"
    )


def test_locations_outside_the_repository(project: Project, tmp_path: Path) -> None:
    assert relative_locations(project.root, [str(project.root), str(project.root / "v")]) == [
        "",
        "v",
    ]
    with pytest.raises(CommandError, match="is outside the git repository"):
        relative_locations(project.root, [str(tmp_path)])


def test_not_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(CommandError) as caught:
        open_repo(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path} is not inside a git repository; run in a clone, or drop "
        "--staged/--base to read the files on disk"
    )
