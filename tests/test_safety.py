"""Safety: reading runs no user code, no path escapes the project, no shell is ever involved.

Static mode must be safe on an untrusted pull request: version files, ``env.py``, the
application they import and a helper module found through ``prepend_sys_path`` each leave a
marker file when executed, and no read-side command or hook may leave one. (Writing a merge
renders ``script.py.mako``, which is expected; it still runs neither ``env.py`` nor a version
file.)
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gitproject import CUSTOMERS, EMAIL, ORDERS, POINTS, Project, migration

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = "migrations/versions"

# Runs a console entry point the way its installed script does: sys.path[0] is this runner's
# directory, not the project (``python -m`` or ``-c`` would put the current directory first).
RUNNER = """\
import importlib, sys
module, _, attribute = sys.argv[1].partition(":")
sys.argv = sys.argv[1:]
sys.exit(getattr(importlib.import_module(module), attribute)(sys.argv[1:]))
"""


def marker_code(markers: Path, name: str) -> str:
    return f"__import__('pathlib').Path({str(markers / name)!r}).write_text('ran')\n"


def trap(project: Project, markers: Path) -> None:
    """Make every piece of user code leave a marker when it runs."""
    (project.root / "migrations" / "env.py").write_text(marker_code(markers, "env.py"))
    (project.root / "myapp" / "__init__.py").write_text(marker_code(markers, "myapp"))
    (project.root / "myapp" / "models.py").write_text(
        marker_code(markers, "myapp.models") + "Base = object\n"
    )
    (project.root / "revlib_probe.py").write_text(  # on prepend_sys_path (= the root)
        marker_code(markers, "revlib_probe") + f"PARENT = {EMAIL!r}\n"
    )
    for path in project.versions.glob("*.py"):
        path.write_text(marker_code(markers, path.name) + path.read_text())
    probe = migration(ORDERS, "PLACEHOLDER", "create orders").replace("'PLACEHOLDER'", "PARENT")
    (project.versions / f"{ORDERS}_create_orders.py").write_text(
        marker_code(markers, "orders")
        + probe.replace("from myapp.models", "from revlib_probe import PARENT\nfrom myapp.models")
    )


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    directory = tmp_path / "markers"
    directory.mkdir()
    return directory


@pytest.fixture
def project(tmp_path: Path, markers: Path) -> Project:
    """main: CUSTOMERS <- EMAIL; branch `work` adds ORDERS (through revlib_probe.PARENT) and
    POINTS, both on EMAIL: two heads. Everything is trapped and committed; HEAD is `work`."""
    project = Project.create(tmp_path / "project")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.add_migration(EMAIL, CUSTOMERS, "add_email")
    project.commit("base")
    project.git("checkout", "-q", "-b", "work")
    project.add_migration(POINTS, EMAIL, "add_points")
    trap(project, markers)
    project.commit("work")
    assert list(markers.iterdir()) == []
    (tmp_path / "runner.py").write_text(RUNNER)
    return project


def run(project: Project, entry: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(project.root.parent / "runner.py"), entry, *argv],
        cwd=project.root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


CLI = "hooks.cli:main"
COMMANDS = [
    pytest.param(CLI, ("heads",), 0, id="heads"),
    pytest.param(CLI, ("bases",), 0, id="bases"),
    pytest.param(CLI, ("branches",), 0, id="branches"),
    pytest.param(CLI, ("history",), 0, id="history"),
    pytest.param(CLI, ("history", "--verbose"), 0, id="history-verbose"),
    pytest.param(CLI, ("show", ORDERS), 0, id="show"),
    pytest.param(CLI, ("check",), 1, id="check"),
    pytest.param(CLI, ("check", "--staged"), 1, id="check-staged"),
    pytest.param(CLI, ("check", "--base", "main"), 1, id="check-base"),
    pytest.param(CLI, ("graph",), 0, id="graph"),
    pytest.param(CLI, ("graph", "--format", "mermaid"), 0, id="graph-mermaid"),
    pytest.param(CLI, ("ci", "--base", "main"), 1, id="ci"),
    pytest.param("hooks.check:main", (), 1, id="revlib-check-hook"),
    pytest.param("hooks.new_heads:main", ("--base", "main"), 1, id="revlib-new-heads-hook"),
    pytest.param(CLI, ("heads-file", "check"), 1, id="heads-file-check"),
    pytest.param(CLI, ("rebase", "--dry-run", "--onto", ORDERS), 0, id="rebase-dry-run"),
    pytest.param(CLI, ("merge", "--if-needed"), 1, id="merge-if-needed"),
    pytest.param("hooks.auto_merge:main", (), 1, id="revlib-auto-merge-hook"),
    pytest.param(CLI, ("revision", "-m", "next", "--head", ORDERS), 0, id="revision"),
]


@pytest.mark.parametrize(("entry", "argv", "exit_code"), COMMANDS)
def test_no_command_runs_user_code(
    project: Project, markers: Path, entry: str, argv: tuple[str, ...], exit_code: int
) -> None:
    result = run(project, entry, *argv)
    assert "Traceback" not in result.stderr
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert sorted(p.name for p in markers.iterdir()) == []


def test_the_trap_works_when_alembic_imports_the_files(project: Project, markers: Path) -> None:
    """The markers are real: Alembic's own `heads` (which imports every version file and the
    helper module) leaves them."""
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "heads"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    ran = sorted(p.name for p in markers.iterdir())
    assert "orders" in ran and "revlib_probe" in ran and "myapp.models" in ran
    assert f"{EMAIL}_add_email.py" in ran


def test_the_static_reader_sees_through_the_helper_module(project: Project) -> None:
    result = run(project, CLI, "show", ORDERS)
    assert f"Parent: {EMAIL}" in result.stdout


# -- paths ----------------------------------------------------------------------------------


def tree(directory: Path) -> list[str]:
    """Every path under ``directory``, git's own files aside."""
    return sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if ".git" not in p.relative_to(directory).parts
    )


@pytest.mark.parametrize(
    ("ini_extra", "argv", "message"),
    [
        pytest.param(
            "",
            ("revision", "--rev-id", "../../escaped", "--head", ORDERS),
            "Revision identifier '../../escaped' may not contain whitespace, path separators "
            "or '..'",
            id="revision-id",
        ),
        pytest.param(
            "file_template = ../../%%(rev)s\n",
            ("revision", "--rev-id", "abc123", "--head", ORDERS),
            "file_template '../../%(rev)s' puts the new revision at {root}/abc123.py, "
            "outside its version location {root}/migrations/versions",
            id="file-template-relative",
        ),
        pytest.param(
            "file_template = /tmp/%%(rev)s\n",
            ("revision", "--rev-id", "abc123", "--head", ORDERS),
            "file_template '/tmp/%(rev)s' puts the new revision at /tmp/abc123.py, "
            "outside its version location {root}/migrations/versions",
            id="file-template-absolute",
        ),
        pytest.param(
            "",
            ("revision", "--head", ORDERS, "--version-path", ".."),
            "Path .. is not represented in current version locations",
            id="version-path",
        ),
        pytest.param(
            "",
            ("heads-file", "update", "--heads-file", "../outside.txt"),
            "the heads file {parent}/outside.txt resolves to {parent}/outside.txt, outside the "
            "project {root}; keep it inside the repository (the default is heads.txt in the "
            "script directory)",
            id="heads-file-outside",
        ),
        pytest.param(
            "",
            ("heads-file", "check", "--heads-file", "migrations/heads.txt"),
            "the heads file migrations/heads.txt resolves to /etc/passwd, outside the project "
            "{root}; keep it inside the repository (the default is heads.txt in the script "
            "directory)",
            id="heads-file-symlinked-outside",
        ),
        pytest.param(
            "",
            ("heads-file", "update", "--heads-file", f"{VERSIONS}/heads.py"),
            f"the heads file {VERSIONS}/heads.py is named like a Python module; Alembic would "
            "load it as a migration: use a .txt name",
            id="heads-file-named-like-a-migration",
        ),
    ],
)
def test_no_path_escapes_the_project(
    project: Project, ini_extra: str, argv: tuple[str, ...], message: str
) -> None:
    ini = project.root / "alembic.ini"
    ini.write_text(ini.read_text() + ini_extra)
    os.symlink("/etc/passwd", project.root / "migrations" / "heads.txt")
    before = tree(project.root.parent)
    result = run(project, CLI, *argv)
    expected = message.format(root=project.root, parent=project.root.parent)
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"revlib: error: {expected}\n",
    )
    assert tree(project.root.parent) == before
    assert not Path("/tmp/abc123.py").exists()


@pytest.mark.parametrize(
    "message",
    ["../../etc/passwd", "a/b\\c", "..", "  spaces  ", "\u00e9t\u00e9 / \u00fcber"],
)
def test_a_message_only_ever_makes_a_slug_inside_the_version_location(
    project: Project, message: str
) -> None:
    result = run(project, CLI, "revision", "-m", message, "--head", ORDERS, "--rev-id", "abc123")
    assert result.returncode == 0, result.stderr
    (written,) = result.stdout.splitlines()
    path = (project.root / written).resolve()
    assert path.parent == project.versions.resolve()
    assert path.name.startswith("abc123_")


# -- no shell -------------------------------------------------------------------------------

SPAWNERS = {
    ("os", "system"),
    ("os", "popen"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("asyncio", "create_subprocess_shell"),
}
SUBPROCESS_CALLS = {"run", "call", "check_call", "check_output", "Popen"}
REVIEWED: set[tuple[str, int]] = set()  # (path, line) of justified exceptions: none so far


def spawning_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls that start processes through a shell, or with one string as the command."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            (func.value.id, func.attr)
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            else None
        )
        if name in SPAWNERS or (isinstance(func, ast.Attribute) and func.attr == "system"):
            found.append((node.lineno, f"{name}"))
        for keyword in node.keywords:
            if keyword.arg == "shell" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                found.append((node.lineno, "shell=..."))
        is_subprocess = name is not None and name[0] == "subprocess"
        if is_subprocess and name[1] in SUBPROCESS_CALLS and node.args:
            command = node.args[0]
            if isinstance(command, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                found.append((node.lineno, "string command"))
        git_call = isinstance(func, ast.Attribute) and func.attr in ("execute", "execute_kwargs")
        if git_call and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)):
            found.append((node.lineno, "string command to GitPython"))
    return found


def test_no_subprocess_goes_through_a_shell() -> None:
    sources = sorted([*(ROOT / "revlib").rglob("*.py"), *(ROOT / "hooks").rglob("*.py")])
    assert len(sources) > 40
    offenders = []
    for path in sources:
        relative = path.relative_to(ROOT).as_posix()
        for line, what in spawning_calls(ast.parse(path.read_text(), str(path))):
            if (relative, line) not in REVIEWED:
                offenders.append(f"{relative}:{line}: {what}")
    assert offenders == []


@pytest.mark.parametrize(
    ("source", "count"),
    [
        pytest.param("import os\nos.system('ls')\n", 1, id="os-system"),
        pytest.param("import os\nos.popen('ls')\n", 1, id="os-popen"),
        pytest.param("import subprocess\nsubprocess.run('ls', shell=True)\n", 2, id="shell"),
        pytest.param("import subprocess\nsubprocess.run(f'git {x}')\n", 1, id="f-string"),
        pytest.param("import subprocess\nsubprocess.run(['git', x])\n", 0, id="argument-list"),
        pytest.param("import subprocess\nsubprocess.run(c, shell=False)\n", 0, id="shell-off"),
    ],
)
def test_the_scan_finds_what_it_looks_for(source: str, count: int) -> None:
    assert len(spawning_calls(ast.parse(source))) == count
