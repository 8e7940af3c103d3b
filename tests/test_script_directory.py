"""ScriptDirectory on hand-made directories: what counts as a version file, names resolved
statically, compiled-only files, the import fallback, and the errors a user sees."""

from __future__ import annotations

import py_compile
import shutil
import textwrap
import warnings
from pathlib import Path

import pytest
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory as AlembicScriptDirectory

from hooks.cli import main
from revlib.config import Config
from revlib.script import ScriptDirectory
from revlib.util.exc import CommandError


def version_file(revision: str | None, down: str | None, extra: str = "", doc: str = "") -> str:
    lines = [f'"""{doc}"""'] if doc else []
    lines.append(extra)
    if revision is not None:
        lines.append(f"revision = {revision!r}")
    lines.append(f"down_revision = {down!r}")
    return "\n".join(lines) + "\n"


def make_dir(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "versions" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def answers(script_dir: object) -> tuple[object, ...]:
    scripts = list(script_dir.walk_revisions())  # type: ignore[attr-defined]
    return (
        script_dir.get_heads(),  # type: ignore[attr-defined]
        [(s.revision, s.down_revision, sorted(s.branch_labels), s.doc) for s in scripts],
    )


def test_files_alembic_ignores_are_ignored(tmp_path: Path) -> None:
    root = make_dir(
        tmp_path,
        {
            "a1_first.py": version_file("a1", None, doc="first"),
            "b2_second.py": version_file("b2", "a1"),
            "README": "not python\n",
            "EXPAND_HEAD": "b2\n",
            "__init__.py": "raise RuntimeError('never read')\n",
            ".#b2_second.py": "lock file of an editor\n",
            "notes.txt": "x\n",
        },
    )
    (root / "versions" / "sub.py").mkdir()  # a directory named like a version file
    assert answers(ScriptDirectory(str(root))) == answers(AlembicScriptDirectory(str(root)))


def test_ids_need_not_be_hex_and_names_need_not_match(tmp_path: Path) -> None:
    root = make_dir(
        tmp_path,
        {
            "0001_init.py": version_file("0185", None),
            "zz_later.py": version_file("g6h7i8j9k0l1", "0185"),
        },
    )
    assert ScriptDirectory(str(root)).get_heads() == ["g6h7i8j9k0l1"]
    assert answers(ScriptDirectory(str(root))) == answers(AlembicScriptDirectory(str(root)))


def test_string_after_imports_is_not_a_docstring(tmp_path: Path) -> None:
    text = 'import os\n"""not a docstring"""\nrevision = "a1"\ndown_revision = None\n'
    root = make_dir(tmp_path, {"a1.py": text})
    ours = ScriptDirectory(str(root)).get_revision("a1")
    assert (ours.doc, ours.longdoc) == ("", "")
    assert AlembicScriptDirectory(str(root)).get_revision("a1").doc == ""


def test_legacy_hex_file_name_gives_the_id(tmp_path: Path) -> None:
    root = make_dir(tmp_path, {"ab12.py": version_file(None, None)})
    assert ScriptDirectory(str(root)).get_heads() == ["ab12"]


def test_file_without_revision_or_hex_name_fails_like_alembic(tmp_path: Path) -> None:
    root = make_dir(tmp_path, {"helpers.py": "X = 1\ndown_revision = None\n"})
    with pytest.raises(CommandError) as ours:
        ScriptDirectory(str(root)).get_heads()
    with pytest.raises(Exception) as theirs:
        AlembicScriptDirectory(str(root)).get_heads()
    assert str(ours.value) == str(theirs.value)
    assert str(ours.value).startswith("Could not determine revision id from filename helpers.py")


def test_missing_down_revision_names_the_file(tmp_path: Path) -> None:
    root = make_dir(tmp_path, {"a1.py": 'revision = "a1"\n'})
    with pytest.raises(CommandError) as caught:
        ScriptDirectory(str(root)).get_heads()
    assert str(caught.value) == (
        f"{root / 'versions' / 'a1.py'}: no down_revision assignment (Alembic fails to load "
        "this file)\n  hint: every migration sets down_revision: None for the first one, else "
        "the id of the revision it follows"
    )


def test_neutron_style_names_resolve_through_prepend_sys_path(tmp_path: Path) -> None:
    package = tmp_path / "src" / "neutron" / "db" / "migration"
    package.mkdir(parents=True)
    for part in (tmp_path / "src" / "neutron", tmp_path / "src" / "neutron" / "db", package):
        (part / "__init__.py").write_text("")
    (package / "cli.py").write_text('EXPAND_BRANCH = "expand"\nCONTRACT_BRANCH = "contract"\n')
    make_dir(
        tmp_path / "migrations",
        {
            "e1.py": version_file(
                "e1",
                None,
                "from neutron.db.migration import cli\nbranch_labels = (cli.EXPAND_BRANCH,)",
            ),
            "c1.py": version_file(
                "c1",
                None,
                "from neutron.db.migration.cli import CONTRACT_BRANCH\n"
                "branch_labels = (CONTRACT_BRANCH,)",
            ),
        },
    )
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = src\n")
    ours = ScriptDirectory.from_config(Config(str(ini)))
    assert {r: sorted(ours.get_revision(r).branch_labels) for r in ("e1", "c1")} == {
        "e1": ["expand"],
        "c1": ["contract"],
    }
    assert ours.get_revision("expand@head").revision == "e1"


def test_sourceless_compiled_file_is_read_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = version_file("c0ffee", None, f"open({str(marker)!r}, 'w').close()", doc="compiled")
    root = make_dir(tmp_path, {"c0ffee_x.py": source})
    compiled = root / "versions" / "c0ffee_x.pyc"
    py_compile.compile(str(root / "versions" / "c0ffee_x.py"), cfile=str(compiled))
    (root / "versions" / "c0ffee_x.py").unlink()
    marker.unlink(missing_ok=True)
    ours = ScriptDirectory(str(root), sourceless=True)
    assert [(s.revision, s.doc) for s in ours.walk_revisions()] == [("c0ffee", "compiled")]
    assert not marker.exists()


def test_recursive_version_locations_walk_sorted_subdirectories(tmp_path: Path) -> None:
    root = make_dir(
        tmp_path,
        {
            "2024/b2.py": version_file("b2", "a1"),
            "2023/a1.py": version_file("a1", None),
            "c3.py": version_file("c3", "b2"),
        },
    )
    ours = ScriptDirectory(str(root), recursive_version_locations=True)
    theirs = AlembicScriptDirectory(str(root), recursive_version_locations=True)
    assert answers(ours) == answers(theirs)


def test_a_file_reached_twice_is_loaded_once_with_a_warning(tmp_path: Path) -> None:
    root = make_dir(tmp_path, {"a1.py": version_file("a1", None)})
    location = str(root / "versions")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        heads = ScriptDirectory(str(root), version_locations=[location, location]).get_heads()
    assert heads == ["a1"]
    assert [str(w.message) for w in caught] == [
        f"File {root / 'versions' / 'a1.py'} loaded twice! ignoring. "
        "Please ensure version_locations is unique."
    ]


def test_module_is_imported_only_when_asked_for(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    root = make_dir(
        tmp_path, {"a1.py": version_file("a1", None, f"open({str(marker)!r}, 'w').close()")}
    )
    script = ScriptDirectory(str(root)).get_revision("a1")
    assert not marker.exists()
    assert script.module.revision == "a1"
    assert marker.exists()


def test_from_config_matches_alembic_on_the_example(shop: Path) -> None:
    ours = ScriptDirectory.from_config(Config(str(shop / "alembic.ini")))
    theirs = AlembicScriptDirectory.from_config(AlembicConfig(str(shop / "alembic.ini")))
    assert answers(ours) == answers(theirs)
    assert ours.versions == theirs.versions


def dynamic_file(module: str) -> str:
    """A version file whose parent is computed at import time by ``module.parent``."""
    return version_file("b2", None, f"from {module} import parent").replace(
        "down_revision = None", "down_revision = parent(revision)"
    )


DYNAMIC = dynamic_file("mygit")


def test_dynamic_value_is_one_message_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_dir(tmp_path, {"a1.py": version_file("a1", None), "b2.py": DYNAMIC})
    assert main(["-d", str(root), "heads"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"revlib: error: {root / 'versions' / 'b2.py'}:3: down_revision is not a literal value "
        "(a call to parent()); revlib reads migration files without running them\n"
        '  hint: write it as a literal string, tuple of strings or None, e.g. down_revision = "'
        '1a2b3c4d5e6f"\n'
    )


def test_import_fallback_imports_what_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_dir(tmp_path, {"a1.py": version_file("a1", None), "b2.py": DYNAMIC})
    (tmp_path / "mygit.py").write_text("def parent(rev):\n    return 'a1'\n")
    monkeypatch.chdir(tmp_path)
    assert main(["--import", "-d", str(root), "heads"]) == 0
    assert capsys.readouterr().out == "b2 (head)\n"


def test_import_fallback_failure_is_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_dir(tmp_path, {"b2.py": dynamic_file("not_installed_anywhere")})
    assert main(["--import", "-d", str(root), "heads"]) == 2
    assert capsys.readouterr().err == (
        f"revlib: error: {root / 'versions' / 'b2.py'}: importing this file failed "
        "(ModuleNotFoundError: No module named 'not_installed_anywhere'); it was imported "
        "because its header "
        "cannot be read statically (--import)\n"
    )


def test_missing_script_location_directory_fails_like_alembic(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        ScriptDirectory(str(tmp_path / "nowhere"))
    assert str(caught.value) == (
        f"Path doesn't exist: {tmp_path / 'nowhere'}.  Please use the 'init' command to "
        "create a new scripts folder."
    )


def test_run_env_without_alembic_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "alembic.util", None)
    with pytest.raises(CommandError, match="pip install alembic"):
        ScriptDirectory(str(tmp_path)).run_env()


def test_copy_of_example_has_no_bytecode(shop: Path) -> None:
    assert not list(shop.rglob("*.pyc"))
    shutil.rmtree(shop / "migrations" / "versions")
    assert ScriptDirectory(str(shop / "migrations")).get_heads() == []
