"""``revlib revision`` and ``revlib merge``: exact output, exit codes, files, and git staging."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import alembic.command
import alembic.script.base as alembic_script_base
import pytest
from alembic.config import Config as AlembicConfig

from hooks.cli import main
from revlib.script import _filenames
from tests.test_write_differential import alembic_datetime_module

VERSIONS = Path("migrations/versions")
HEADS = ("3f2b8d1c6e45", "9e0f4a6b2c87")
INSTANT = datetime.datetime(2026, 3, 29, 1, 30, 5, 123456, tzinfo=datetime.timezone.utc)


@pytest.fixture
def in_shop(shop: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project as the current directory, with "now" frozen for both libraries."""
    monkeypatch.chdir(shop)
    monkeypatch.setattr(_filenames, "utc_now", lambda: INSTANT)
    monkeypatch.setattr(alembic_script_base, "datetime", alembic_datetime_module(INSTANT))
    return shop


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def version_files(shop: Path) -> list[str]:
    return sorted(p.name for p in (shop / VERSIONS).glob("*.py"))


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


# -- revision ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "out", "down_revision"),
    [
        pytest.param(
            ["--head", "3f2b8d1c6e45"],
            f"{VERSIONS}/abc123abc123_add_x.py\n",
            "'3f2b8d1c6e45'",
            id="on-one-head",
        ),
        pytest.param(
            ["--head", "heads"],
            f"{VERSIONS}/abc123abc123_add_x.py\n",
            "('3f2b8d1c6e45', '9e0f4a6b2c87')",
            id="on-all-heads",
        ),
        pytest.param(
            ["--head", "7c4d", "--splice"],
            f"{VERSIONS}/abc123abc123_add_x.py\n",
            "'7c4d2e9a0b13'",
            id="splice",
        ),
        pytest.param(
            ["--head", "base", "--version-path", "migrations/versions"],
            f"{VERSIONS}/abc123abc123_add_x.py\n",
            "None",
            id="new-base",
        ),
    ],
)
def test_revision_prints_the_new_path(
    in_shop: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    out: str,
    down_revision: str,
):
    code, stdout, stderr = run(
        capsys, "revision", "-m", "add x", "--rev-id", "abc123abc123", *argv
    )
    assert (code, stdout, stderr) == (0, out, "")
    text = (in_shop / out.strip()).read_text()
    assert f"down_revision: Union[str, Sequence[str], None] = {down_revision}\n" in text


def test_revision_depends_on_and_branch_label(in_shop: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(
        capsys,
        "revision",
        "-m",
        "dep",
        "--rev-id",
        "abc123abc123",
        "--head",
        "9e0f",
        "--branch-label",
        "loyalty",
        "--depends-on",
        "1a9c",
        "--depends-on",
        "3f2b8d1c6e45",
    )
    assert code == 0
    text = (in_shop / out.strip()).read_text()
    assert "branch_labels: Union[str, Sequence[str], None] = ('loyalty',)\n" in text
    assert (
        "depends_on: Union[str, Sequence[str], None] = ['1a9c3e5f7b21', '3f2b8d1c6e45']\n" in text
    )


@pytest.mark.parametrize(
    ("argv", "err"),
    [
        pytest.param(
            ["revision", "-m", "x"],
            "revlib: error: Multiple heads are present; please specify the head revision on "
            "which the new revision should be based, or perform a merge.\n",
            id="multiple-heads",
        ),
        pytest.param(
            ["revision", "-m", "x", "--head", "7c4d2e9a0b13"],
            "revlib: error: Revision 7c4d2e9a0b13 is not a head revision; please specify "
            "--splice to create a new branch from this revision\n",
            id="not-a-head",
        ),
        pytest.param(
            ["revision", "-m", "x", "--head", "heads", "--rev-id", "a:b"],
            "revlib: error: Character(s) ':' not allowed in revision identifier 'a:b'\n",
            id="bad-rev-id",
        ),
        pytest.param(
            ["revision", "-m", "x", "--head", "heads", "--rev-id", "../evil"],
            "revlib: error: Revision identifier '../evil' may not contain whitespace, path "
            "separators or '..'\n",
            id="path-in-rev-id",
        ),
        pytest.param(
            ["revision", "-m", "x", "--head", "heads", "--rev-id", "3f2b8d1c6e45"],
            "revlib: error: Revision identifier '3f2b8d1c6e45' is already used as a revision "
            "({shop}/migrations/versions/3f2b8d1c6e45_create_orders_table.py); choose another "
            "--rev-id\n",
            id="existing-rev-id",
        ),
        pytest.param(
            ["revision", "-m", "x", "--head", "heads", "--version-path", "elsewhere"],
            "revlib: error: Path elsewhere is not represented in current version locations\n",
            id="unknown-version-path",
        ),
        pytest.param(
            ["merge", "nope", "heads"],
            "revlib: error: Can't locate revision identified by 'nope'\n",
            id="merge-unknown-revision",
        ),
        pytest.param(
            ["merge", "3f2b8d1c6e45", "3f2b"],
            "revlib: error: Duplicate head revisions specified\n",
            id="merge-duplicate",
        ),
    ],
)
def test_errors_exit_2_and_write_nothing(
    in_shop: Path, capsys: pytest.CaptureFixture[str], argv: list[str], err: str
):
    before = version_files(in_shop)
    assert run(capsys, *argv) == (2, "", err.format(shop=in_shop))
    assert version_files(in_shop) == before


# -- merge -------------------------------------------------------------------------------------


def test_merge_writes_what_alembic_merge_writes(in_shop: Path, capsys: pytest.CaptureFixture[str]):
    code, out, err = run(
        capsys, "merge", "-m", "merge heads", "--rev-id", "abc123abc123", "--branch-label", "m"
    )
    assert (code, out, err) == (0, f"{VERSIONS}/abc123abc123_merge_heads.py\n", "")
    ours = (in_shop / out.strip()).read_bytes()
    (in_shop / out.strip()).unlink()
    config = AlembicConfig("alembic.ini")
    alembic.command.merge(config, "heads", "merge heads", branch_label="m", rev_id="abc123abc123")
    capsys.readouterr()
    assert (in_shop / out.strip()).read_bytes() == ours


def test_merge_without_message_is_alembics_empty_message(
    in_shop: Path, capsys: pytest.CaptureFixture[str]
):
    code, out, _ = run(capsys, "merge", "--rev-id", "abc123abc123")
    assert (code, out) == (0, f"{VERSIONS}/abc123abc123_.py\n")
    assert (in_shop / out.strip()).read_text().startswith('"""empty message\n\nRevision ID')


def test_merge_of_named_revisions(in_shop: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "merge", "9e0f", "3f2b", "-m", "m", "--rev-id", "abc123abc123")
    assert code == 0
    text = (in_shop / out.strip()).read_text()
    assert (
        "down_revision: Union[str, Sequence[str], None] = ('9e0f4a6b2c87', '3f2b8d1c6e45')\n"
        in text
    )


def test_merge_twice_writes_one_merge(in_shop: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "merge", "-m", "merge", "--rev-id", "abc123abc123")
    assert (code, out) == (0, f"{VERSIONS}/abc123abc123_merge.py\n")
    before = version_files(in_shop)
    code, out, err = run(capsys, "merge", "-m", "merge")
    assert (code, out, err) == (
        0,
        "Nothing to merge: 'heads' names one revision (abc123abc123)\n",
        "",
    )
    assert version_files(in_shop) == before


def test_merge_if_needed_is_a_pre_commit_hook(in_shop: Path, capsys: pytest.CaptureFixture[str]):
    first = run(capsys, "merge", "--if-needed", "-m", "merge", "--rev-id", "abc123abc123")
    assert first == (1, f"{VERSIONS}/abc123abc123_merge.py\n", "")
    before = version_files(in_shop)
    assert run(capsys, "merge", "--if-needed", "-m", "merge") == (0, "", "")
    assert version_files(in_shop) == before


def test_merge_prints_an_absolute_path_outside_the_current_directory(
    in_shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, _ = run(
        capsys, "-c", str(in_shop / "alembic.ini"), "merge", "--rev-id", "abc123abc123"
    )
    assert (code, out) == (0, f"{in_shop / VERSIONS}/abc123abc123_.py\n")


# -- merge --stage ------------------------------------------------------------------------------


def init_repo(path: Path) -> None:
    git(path, "init", "-q")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "shop")


def test_merge_stage_adds_the_file_to_the_index(in_shop: Path, capsys: pytest.CaptureFixture[str]):
    init_repo(in_shop)
    code, out, _ = run(capsys, "merge", "--if-needed", "--stage", "--rev-id", "abc123abc123")
    assert (code, out) == (1, f"{VERSIONS}/abc123abc123_.py\n")
    assert git(in_shop, "diff", "--cached", "--name-only") == f"{VERSIONS}/abc123abc123_.py\n"


def test_merge_stage_outside_git_fails_before_writing(
    in_shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch
):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(in_shop.parent))
    before = version_files(in_shop)
    code, out, err = run(capsys, "merge", "--stage")
    assert (code, out) == (2, "")
    assert err == (
        f"revlib: error: --stage: {in_shop}/migrations is not inside a git work tree; "
        "run without --stage\n"
    )
    assert version_files(in_shop) == before


def test_merge_stage_with_a_locked_index_fails_before_writing(
    in_shop: Path, capsys: pytest.CaptureFixture[str]
):
    init_repo(in_shop)
    (in_shop / ".git/index.lock").write_bytes(b"")
    before = version_files(in_shop)
    code, out, err = run(capsys, "merge", "--stage")
    assert (code, out) == (2, "")
    assert err == (
        f"revlib: error: --stage: {in_shop}/.git/index.lock exists, so another git process "
        "is using the index; wait for it to finish (or remove the stale lock file) and retry\n"
    )
    assert version_files(in_shop) == before
