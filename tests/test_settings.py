"""revlib.settings: [tool.revlib] / [revlib] parsed, validated, and laid under the command
line; unknown keys and bad values are errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks.check import main as revlib_check
from hooks.cli import main as revlib
from revlib.findings import Finding
from revlib.settings import (
    KEYS,
    Settings,
    SettingsError,
    apply_severities,
    load_settings,
    parse_settings,
)
from tests.gitproject import CUSTOMERS, ORDERS, POINTS, Project

VALID_KEYS = (
    "allow_heads, base, configs, directories, discover, errors, heads, heads_file, ignore, "
    "warnings"
)


def test_the_keys() -> None:
    assert ", ".join(KEYS) == VALID_KEYS


def test_every_key_from_toml() -> None:
    table = {
        "configs": ["services/a/alembic.ini", "services/b/pyproject.toml"],
        "directories": ["legacy/migrations"],
        "discover": True,
        "base": "origin/main",
        "heads": "per-branch-label",
        "allow_heads": ["legacy_abc", "audit"],
        "heads_file": "migrations/heads.txt",
        "errors": ["history-body-edited"],
        "warnings": ["docstring-mismatch"],
        "ignore": ["filename-mismatch"],
    }
    settings = parse_settings(table, "pyproject.toml", root="repo")
    assert settings == Settings(
        configs=("services/a/alembic.ini", "services/b/pyproject.toml"),
        directories=("legacy/migrations",),
        discover=True,
        base="origin/main",
        heads="per-branch-label",
        allow_heads=("legacy_abc", "audit"),
        heads_file="migrations/heads.txt",
        errors=("history-body-edited",),
        warnings=("docstring-mismatch",),
        ignore=("filename-mismatch",),
        root="repo",
        source="pyproject.toml",
    )
    assert settings.enabled == ("docstring-mismatch",)
    assert settings.path("services/a/alembic.ini") == "repo/services/a/alembic.ini"


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        pytest.param(
            "configs", "a.ini\n  b/pyproject.toml", ("a.ini", "b/pyproject.toml"), id="list"
        ),
        pytest.param("allow_heads", "legacy_abc, audit", ("legacy_abc", "audit"), id="commas"),
        pytest.param("discover", "True", True, id="true"),
        pytest.param("discover", "no", False, id="false"),
        pytest.param("heads", "2", 2, id="number"),
        pytest.param("heads", "per-version-location", "per-version-location", id="policy"),
        pytest.param("base", " origin/main ", "origin/main", id="string"),
    ],
)
def test_ini_values(key: str, text: str, expected: object) -> None:
    settings = parse_settings({key: text}, "alembic.ini", section="[revlib]")
    assert getattr(settings, key) == expected


@pytest.mark.parametrize(
    ("table", "section", "message"),
    [
        pytest.param(
            {"head": 2},
            "[tool.revlib]",
            "pyproject.toml: unknown key 'head' in [tool.revlib] (did you mean 'heads'?); "
            f"valid keys: {VALID_KEYS}",
            id="unknown-key-close-to-one",
        ),
        pytest.param(
            {"allow-heads": ["x"]},
            "[tool.revlib]",
            "pyproject.toml: unknown key 'allow-heads' in [tool.revlib] (did you mean "
            f"'allow_heads'?); valid keys: {VALID_KEYS}",
            id="dashes",
        ),
        pytest.param(
            {"colour": "red"},
            "[revlib]",
            f"pyproject.toml: unknown key 'colour' in [revlib]; valid keys: {VALID_KEYS}",
            id="unknown-key-ini",
        ),
        pytest.param(
            {"heads": 0},
            "[tool.revlib]",
            "pyproject.toml: [tool.revlib] heads: expected a number of heads (1 or more), "
            "'per-branch-label' or 'per-version-location', not 0",
            id="zero-heads",
        ),
        pytest.param(
            {"heads": "per-label"},
            "[tool.revlib]",
            "pyproject.toml: [tool.revlib] heads: expected a number of heads (1 or more), "
            "'per-branch-label' or 'per-version-location', not 'per-label'",
            id="unknown-policy",
        ),
        pytest.param(
            {"configs": "alembic.ini"},
            "[tool.revlib]",
            "pyproject.toml: [tool.revlib] configs must be a list of strings, not 'alembic.ini'",
            id="string-for-a-list",
        ),
        pytest.param(
            {"discover": "yes"},
            "[tool.revlib]",
            "pyproject.toml: [tool.revlib] discover must be true or false, not 'yes'",
            id="string-for-a-bool",
        ),
        pytest.param(
            {"base": ""},
            "[tool.revlib]",
            "pyproject.toml: [tool.revlib] base must be a non-empty string, not ''",
            id="empty-base",
        ),
        pytest.param(
            {"ignore": ["multiple-head"]},
            "[tool.revlib]",
            "pyproject.toml: [tool.revlib] ignore names unknown problem code 'multiple-head'; "
            "valid codes: multiple-heads, new-head, duplicate-revision, duplicate-branch-label, "
            "missing-down-revision, missing-dependency, cycle, unreadable-file, "
            "filename-mismatch, docstring-mismatch, history-edited, history-body-edited, "
            "stale-heads-file",
            id="unknown-code",
        ),
        pytest.param(
            {"errors": ["cycle"], "ignore": ["cycle"]},
            "[tool.revlib]",
            "pyproject.toml: [tool.revlib]: 'cycle' is in both errors and ignore",
            id="code-twice",
        ),
    ],
)
def test_bad_settings(table: dict[str, object], section: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        parse_settings(table, "pyproject.toml", section=section)
    assert str(raised.value) == message


def test_the_command_line_overrides_the_file() -> None:
    settings = parse_settings(
        {
            "heads": 2,
            "configs": ["a.ini"],
            "allow_heads": ["x"],
            "errors": ["history-body-edited"],
            "ignore": ["docstring-mismatch"],
        },
        "pyproject.toml",
    )
    merged = settings.override(
        heads="per-branch-label",
        configs=(),  # not given
        base=None,  # not given
        allow_heads=("y",),
        warnings=("history-body-edited", "docstring-mismatch"),
    )
    assert (merged.heads, merged.configs, merged.base, merged.allow_heads) == (
        "per-branch-label",
        ("a.ini",),
        None,
        ("y",),
    )
    assert (merged.errors, merged.warnings, merged.ignore) == (
        (),
        ("history-body-edited", "docstring-mismatch"),
        (),
    )
    assert merged.enabled == ("docstring-mismatch",)


def test_apply_severities() -> None:
    settings = Settings(
        errors=("history-body-edited",), warnings=("multiple-heads",), ignore=("cycle",)
    )
    found = [
        Finding("history-body-edited", "warning", "a.py", 1, "m"),
        Finding("multiple-heads", "error", "b.py", 2, "m"),
        Finding("cycle", "error", "c.py", 3, "m"),
        Finding("new-head", "error", "d.py", 4, "m"),
    ]
    assert [(f.code, f.severity) for f in apply_severities(found, settings)] == [
        ("history-body-edited", "error"),
        ("multiple-heads", "warning"),
        ("new-head", "error"),
    ]


def test_load_settings_from_pyproject_above(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.revlib]\nheads = 2\nconfigs = ["a.ini"]\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    settings = load_settings(".")
    assert (settings.heads, settings.source, settings.path("a.ini")) == (
        2,
        str(tmp_path / "pyproject.toml"),
        str(tmp_path / "a.ini"),
    )


def test_load_settings_stops_at_the_work_tree(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.revlib]\nheads = 2\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "repo")
    assert load_settings(".") == Settings()


def test_load_settings_from_alembic_ini(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\n\n"
        "[revlib]\nheads = per-branch-label\nallow_heads = audit legacy\n"
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings(".")
    assert (settings.heads, settings.allow_heads, settings.source) == (
        "per-branch-label",
        ("audit", "legacy"),
        "alembic.ini",
    )


def test_settings_in_both_files_are_refused(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "alembic.ini").write_text("[revlib]\nheads = 2\n")
    (tmp_path / "pyproject.toml").write_text("[tool.revlib]\nheads = 2\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as raised:
        load_settings(".")
    assert str(raised.value) == (
        "revlib settings are in both pyproject.toml [tool.revlib] and alembic.ini [revlib]; "
        "keep one of them"
    )


@pytest.mark.parametrize(
    ("pyproject", "heads"),
    [
        pytest.param('[tool."revlib"]\nheads = 3\n', 3, id="quoted-key"),
        pytest.param("[tool]\nrevlib = { heads = 4 }\n", 4, id="inline-table"),
        pytest.param('[tool."rev\\u006cib"]\nheads = 5\n', 5, id="escaped-key"),
        pytest.param("[tool.other]\nx = 1\n", 1, id="no-settings"),
    ],
)
def test_settings_are_found_however_the_table_is_spelled(
    tmp_path: Path, monkeypatch, pyproject: str, heads: int
) -> None:
    """Files that never mention revlib are not parsed; every spelling that does is."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(pyproject)
    monkeypatch.chdir(tmp_path)
    assert load_settings(".").heads == heads


def test_a_broken_pyproject_without_settings_is_not_read_for_settings(
    tmp_path: Path, monkeypatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.black\nline-length = 99\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings(".") == Settings()


# -- through the command line ----------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Two heads on CUSTOMERS, committed; the current directory."""
    project = Project.create(tmp_path / "repo")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.add_migration(ORDERS, CUSTOMERS, "create_orders")
    project.add_migration(POINTS, CUSTOMERS, "add_points")
    project.commit("two heads")
    monkeypatch.chdir(project.root)
    return project


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        pytest.param(
            "pyproject.toml",
            '[tool.revlib]\nheads = 2\nbase_ref = "origin/main"\n',
            "revlib: error: pyproject.toml: unknown key 'base_ref' in [tool.revlib] (did you "
            f"mean 'base'?); valid keys: {VALID_KEYS}\n",
            id="pyproject",
        ),
        pytest.param(
            "alembic.ini",
            "[alembic]\nscript_location = %(here)s/migrations\n\n[revlib]\nhead = 2\n",
            "revlib: error: alembic.ini: unknown key 'head' in [revlib] (did you mean "
            f"'heads'?); valid keys: {VALID_KEYS}\n",
            id="alembic-ini",
        ),
        pytest.param(
            "pyproject.toml",
            "[tool.revlib]\nheads = 2\n[tool.revlib.heads]\n",
            "revlib: error: pyproject.toml: invalid TOML: Cannot overwrite a value (at line 3, "
            "column 19)\n",
            id="invalid-toml",
        ),
    ],
)
def test_bad_settings_exit_2_naming_file_and_key(
    project: Project, capsys, file: str, text: str, message: str
) -> None:
    project.write(file, text)
    for run in (lambda: revlib(["check"]), lambda: revlib_check([])):
        assert run() == 2
        captured = capsys.readouterr()
        assert (captured.out, captured.err) == ("", message)


def test_settings_set_the_head_limit(project: Project, capsys) -> None:
    assert revlib(["check"]) == 1
    capsys.readouterr()
    project.write("pyproject.toml", "[tool.revlib]\nheads = 2\n")
    assert revlib(["check"]) == 0
    assert revlib(["check", "--heads", "1"]) == 1  # the command line wins
    assert "Found 2 errors." in capsys.readouterr().out


def test_settings_set_severities(project: Project, capsys) -> None:
    project.write("pyproject.toml", '[tool.revlib]\nwarnings = ["multiple-heads"]\n')
    assert revlib(["check"]) == 0
    assert capsys.readouterr().out.endswith("Found 2 warnings.\n")
    assert revlib(["check", "--ignore", "multiple-heads"]) == 0
    assert capsys.readouterr().out == ""
    assert revlib(["check", "--error", "multiple-heads"]) == 1
    assert capsys.readouterr().out.endswith("Found 2 errors.\n")
