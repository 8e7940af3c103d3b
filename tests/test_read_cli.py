"""The read-side commands print what Alembic's commands print, and JSON on request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hooks.cli import main


def run_revlib(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_program(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A command line in a subprocess with a fixed hash seed, so that set orders (Alembic
    prints ``Branches into`` in frozenset order) are the same for both programs."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, env=env
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["heads"], id="heads"),
        pytest.param(["heads", "--verbose"], id="heads-verbose"),
        pytest.param(["heads", "--resolve-dependencies"], id="heads-resolve-deps"),
        pytest.param(["history"], id="history"),
        pytest.param(["history", "--verbose"], id="history-verbose"),
        pytest.param(["history", "-r", "1a9c:7c4d"], id="history-range"),
        pytest.param(["history", "-r", ":7c4d2e9a0b13"], id="history-open-start"),
        pytest.param(["branches"], id="branches"),
        pytest.param(["branches", "--verbose"], id="branches-verbose"),
        pytest.param(["show", "7c4d"], id="show-partial-id"),
        pytest.param(["show", "heads"], id="show-heads"),
    ],
)
def test_text_output_matches_alembic(
    shop: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    monkeypatch.chdir(shop)
    expected = run_program("alembic", *args)
    actual = run_program("hooks.cli", *args)
    assert (actual.returncode, actual.stderr) == (0, "")
    assert actual.stdout == expected.stdout


def test_heads_json_lists_revision_path_labels_and_doc(
    shop: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(shop)
    code, out, _ = run_revlib(capsys, "heads", "--format", "json")
    versions = shop / "migrations" / "versions"
    assert code == 0
    assert json.loads(out) == {
        "heads": [
            {
                "revision": "3f2b8d1c6e45",
                "path": str(versions / "3f2b8d1c6e45_create_orders_table.py"),
                "branch_labels": [],
                "doc": "create orders table",
            },
            {
                "revision": "9e0f4a6b2c87",
                "path": str(versions / "9e0f4a6b2c87_add_loyalty_points.py"),
                "branch_labels": [],
                "doc": "add loyalty points",
            },
        ]
    }


def test_directory_option_reads_a_script_directory_without_config(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_revlib(capsys, "-d", str(shop / "migrations"), "heads")
    assert (code, out) == (0, "3f2b8d1c6e45 (head)\n9e0f4a6b2c87 (head)\n")


def test_config_option_names_the_ini_file(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_revlib(capsys, "-c", str(shop / "alembic.ini"), "bases")
    assert (code, out) == (0, "1a9c3e5f7b21\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["show", "zzzz"],
            "revlib: error: Can't locate revision identified by 'zzzz'\n",
            id="unknown-revision",
        ),
        pytest.param(
            ["show", "head"],
            "revlib: error: Multiple head revisions are present for given argument 'head'; "
            "please specify a specific target revision, '<branchname>@head' to narrow to a "
            "specific head, or 'heads' for all heads\n",
            id="ambiguous-head",
        ),
        pytest.param(
            ["history", "-r", "9e0f:3f2b"],
            "revlib: error: Requested range 9e0f:3f2b does not refer to ancestor/descendant "
            "revisions along the same branch\n",
            id="range-not-ancestor",
        ),
        pytest.param(
            ["history", "-r", "nocolon"],
            "revlib: error: History range requires [start]:[end], [start]:, or :[end]\n",
            id="range-without-colon",
        ),
    ],
)
def test_bad_requests_print_one_line_and_exit_2(
    shop: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(shop)
    code, out, err = run_revlib(capsys, *args)
    assert (code, out, err) == (2, "", message)


def test_missing_config_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    code, _, err = run_revlib(capsys, "heads")
    assert code == 2
    assert err == (
        f"revlib: error: no alembic.ini, and no pyproject.toml with [tool.alembic], in "
        f"{tmp_path}; pass -c FILE or -d DIRECTORY\n"
    )
