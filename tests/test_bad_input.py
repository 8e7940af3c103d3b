"""A catalogue of bad input: every case runs the real command on a real git project and gets
exactly one readable outcome, never a traceback, and leaves every file as it was.

Each case builds its input on top of a committed two-migration history (``CUSTOMERS`` <-
``EMAIL``), runs one command in-process (``revlib ...`` through :func:`hooks.cli.main`, or a
hook's ``main(argv)``), and asserts its exit code and its whole output (stdout + stderr, the
project's path shown as ``<root>``). The project's bytes (work tree and ``.git``, revlib's
header cache aside) are compared before and after. Exit 2 is a usage, configuration or input
error; exit 1 is a problem in the graph that ``check`` reports as a finding.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.gitproject import CUSTOMERS, EMAIL, ORDERS, POINTS, Project

VERSIONS = "migrations/versions"
HEADER = (
    '"""{doc}\n\nRevision ID: {rev}\n"""\n'
    "revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n"
    "\n\ndef upgrade():\n    pass\n"
)
NEW = "abc123"


def header(rev: str = NEW, down: object = EMAIL, doc: str = "x") -> bytes:
    return HEADER.format(rev=rev, down=down, doc=doc).encode()


def add(name: str, data: bytes) -> Callable[[Project], None]:
    """A builder: a staged version file ``name`` holding ``data``."""

    def build(project: Project) -> None:
        (project.versions / name).write_bytes(data)
        project.git("add", "--", f"{VERSIONS}/{name}")

    return build


def ini(text: str) -> Callable[[Project], None]:
    def build(project: Project) -> None:
        (project.root / "alembic.ini").write_bytes(text.encode("latin-1"))

    return build


def both(*builds: Callable[[Project], None]) -> Callable[[Project], None]:
    def build(project: Project) -> None:
        for step in builds:
            step(project)

    return build


def two_heads(project: Project) -> None:
    unstaged_heads(project)
    project.git("add", ".")


def unstaged_heads(project: Project) -> None:
    project.add_migration(ORDERS, EMAIL, "create_orders")
    project.add_migration(POINTS, EMAIL, "add_points")


def symlink(name: str, target: str) -> Callable[[Project], None]:
    def build(project: Project) -> None:
        os.symlink(target, project.versions / name)

    return build


def fifo(project: Project) -> None:
    os.mkfifo(project.versions / "pipe.py")


def directory_named_like_a_file(project: Project) -> None:
    (project.versions / f"{NEW}_x.py").mkdir()
    (project.versions / f"{NEW}_x.py" / "notes.txt").write_text("not a migration\n")


def two_locations_one_id(project: Project) -> None:
    (project.root / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\npath_separator = space\n"
        "version_locations = %(here)s/migrations/versions %(here)s/other\n"
    )
    (project.root / "other").mkdir()
    (project.root / "other" / "copy.py").write_bytes(header(EMAIL, CUSTOMERS, "copy"))
    project.git("add", ".")


def recursive_loop(project: Project) -> None:
    (project.root / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\nrecursive_version_locations = true\n"
    )
    os.symlink(".", project.versions / "again")


def pyproject(text: str) -> Callable[[Project], None]:
    def build(project: Project) -> None:
        (project.root / "alembic.ini").unlink()
        (project.root / "pyproject.toml").write_text(text)

    return build


def no_git(project: Project) -> None:
    shutil.rmtree(project.root / ".git")


def detached(project: Project) -> None:
    project.git("checkout", "-q", "--detach", "HEAD")


def index_lock(project: Project) -> None:
    two_heads(project)
    (project.root / ".git" / "index.lock").write_text("")


def shallow(project: Project) -> None:
    """Turn the project into a depth-1 clone of itself whose origin/main has moved on."""
    origin = project.root.with_name("origin")
    project.root.rename(origin)
    upstream = Project(origin)
    upstream.add_migration(ORDERS, EMAIL, "create_orders")
    upstream.commit("orders")
    upstream.git("checkout", "-q", "-b", "work", "HEAD~1")
    upstream.add_migration(POINTS, CUSTOMERS, "add_points")
    upstream.commit("points")
    upstream.git("checkout", "-q", "main")
    subprocess.run(
        [
            *("git", "clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "work"),
            *(f"file://{origin}", "project"),
        ],
        cwd=origin.parent,
        check=True,
        capture_output=True,
    )


def unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A version file that cannot be opened: as root no permission bit stops a read, so the
    failure is injected where readers open files (the built-in ``open``, and ``os.open``, with
    which the header reader reads small files)."""
    import builtins

    def failing(real_open: Any) -> Any:
        def failing_open(path: Any, *args: Any, **kwargs: Any) -> Any:
            if str(path).endswith("locked.py"):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_open(path, *args, **kwargs)

        return failing_open

    monkeypatch.setattr(builtins, "open", failing(builtins.open))
    monkeypatch.setattr(os, "open", failing(os.open))


@dataclass(frozen=True)
class Run:
    """A command line, in-process: ``revlib`` (hooks.cli) or a hook module's ``main``."""

    argv: tuple[str, ...]
    entry: str = "hooks.cli"

    def __call__(self) -> int:
        import importlib

        main: Callable[[Sequence[str]], int] = importlib.import_module(self.entry).main
        return main(list(self.argv))


def revlib(*argv: str) -> Run:
    return Run(argv)


def hook(module: str, *argv: str) -> Run:
    return Run(argv, f"hooks.{module}")


HEADS = revlib("heads")
HISTORY = revlib("history")
CHECK = revlib("check")
STAGED = revlib("check", "--staged")
MERGE = revlib("merge", "--if-needed", "--stage")
REBASE = revlib("rebase", "--dry-run", "--onto", EMAIL)
REVISION = revlib("revision", "-m", "more")

F = f"<root>/{VERSIONS}/{NEW}_x.py"  # how ScriptDirectory errors name the file (absolute)
R = f"{VERSIONS}/{NEW}_x.py"  # how check and rebase name it (relative to the current dir)
UNREADABLE_HINT = (
    "  hint: every .py entry of a version location is loaded as a migration: make it a "
    "readable file, or move it out of the version location\n"
)
SYNTAX = f"{NEW}_x.py", b"revision = 'abc123'\ndown_revision = ('7c4d2e9a0b13',\n"
SYNTAX_MESSAGE = "2: syntax error: '(' was never closed\n"
MARKERS = (
    f"{NEW}_x.py",
    b"<<<<<<< HEAD\nrevision = 'abc123'\n=======\nrevision = 'abc124'\n>>>>>>> other\n"
    b"down_revision = '7c4d2e9a0b13'\n",
)
ONLY_HEADS_FILE = (
    "  (revlib rebase resolves conflicts only in the heads file; resolve this one first)\n"
)
MARKERS_MESSAGE = (
    "1: unresolved merge conflict (marker '<<<<<<<')\n"
    "  hint: resolve the conflict and remove the marker lines\n"
)
BODY_MARKERS = (
    f"{NEW}_x.py",
    b"revision = 'abc123'\ndown_revision = '7c4d2e9a0b13'\n\ndef upgrade():\n"
    b"<<<<<<< HEAD\n    pass\n=======\n    return\n>>>>>>> other\n",
)
DYNAMIC_REVISION = (
    f"{NEW}_x.py",
    b"import uuid\nrevision = uuid.uuid4().hex\ndown_revision = '7c4d2e9a0b13'\n",
)
DYNAMIC_REVISION_MESSAGE = (
    "2: revision is not a literal value (a call to uuid.uuid4()); revlib reads migration "
    "files without running them\n"
    '  hint: write it as a string literal, e.g. revision = "1a2b3c4d5e6f"\n'
)
DYNAMIC_DOWN = (
    f"{NEW}_x.py",
    b"from myapp import last\nrevision = 'abc123'\ndown_revision = last()\n",
)
DYNAMIC_DOWN_MESSAGE = (
    "3: down_revision is not a literal value (a call to last()); revlib reads migration files "
    "without running them\n"
    "  hint: write it as a literal string, tuple of strings or None, "
    'e.g. down_revision = "1a2b3c4d5e6f"\n'
)
SELF = f"{NEW}_x.py", b"revision = 'abc123'\ndown_revision = 'abc123'\n"
MISSING = f"{NEW}_x.py", b"revision = 'abc123'\ndown_revision = 'feedfacecafe'\n"
MISSING_WARNING = (
    "revlib: warning: Revision feedfacecafe referenced from feedfacecafe -> abc123 (head),  "
    "is not present\n"
)
MISSING_MESSAGE = (
    "2: down_revision names feedfacecafe, but no version file declares that revision\n"
    "  hint: restore the file that declares it (deleted, or moved out of the version "
    "locations?), or point down_revision at one that exists\n"
)
MISSING_FINDING = (
    f"{R}:2: missing-down-revision down_revision names feedfacecafe, but no version file "
    "declares that revision\n"
    "  hint: restore the file that declares it (deleted, or moved out of the version "
    "locations?), or point down_revision at a revision that exists\n"
    "Found 1 error.\n"
)
MISSING_DEPENDENCY = (
    f"{NEW}_x.py",
    b"revision = 'abc123'\ndown_revision = '7c4d2e9a0b13'\ndepends_on = 'feedface'\n",
)
CYCLE = both(
    add("aaa111_x.py", b"revision = 'aaa111'\ndown_revision = 'bbb222'\n"),
    add("bbb222_x.py", b"revision = 'bbb222'\ndown_revision = 'aaa111'\n"),
)
NO_REVISION_MESSAGE = (
    "revlib: error: Could not determine revision id from filename {name}. Be sure the "
    "'revision' variable is declared inside the script (please see 'Upgrading from Alembic "
    "0.1 to 0.2' in the documentation).\n"
)
NO_REVISION_FINDING = (
    f"{VERSIONS}/{{name}}: unreadable-file no revision variable, and the file name is not a "
    "revision id: Alembic cannot load this file\n"
    "  hint: Alembic loads every .py file in a version location as a migration: declare "
    "revision = '<id>', or move the file out of the version location\n"
    "Found 1 error.\n"
)
GOOD = header()
LATIN1 = b"# -*- coding: latin-1 -*-\n" + header(doc="caf\xe9").replace(b"\xc3\xa9", b"\xe9")
NON_UTF8 = header(doc="caf\xe9").replace(b"\xc3\xa9", b"\xe9")
NON_UTF8_MESSAGE = (
    "1: cannot decode byte 0xe9 as utf-8\n"
    "  hint: declare the file's encoding on its first line, e.g. '# -*- coding: latin-1 -*-', "
    "or re-save it as UTF-8\n"
)
BINARY_MESSAGE = "1: the file contains NUL bytes: it looks binary, not like Python source\n"
LABEL_IS_ID = (
    f"{NEW}_x.py",
    b"revision = 'abc123'\ndown_revision = '7c4d2e9a0b13'\nbranch_labels = ('1a9c3e5f7b21',)\n",
)
LABEL_IS_ID_MESSAGE = (
    "revlib: error: Branch name '1a9c3e5f7b21' in revision abc123 already used by revision "
    "1a9c3e5f7b21\n"
)
INTERPOLATION_MESSAGE = (
    "revlib: error: alembic.ini:2: script_location in [alembic] refers to %(nope)s, which is "
    "not defined; define nope in [alembic] or [DEFAULT], or write a literal % as %%\n"
)
NO_GIT_MESSAGE = (
    "revlib: error: <root> is not inside a git repository; run in a clone, or drop "
    "--staged/--base to read the files on disk\n"
)
HEAD_UNCHANGED = "Nothing to re-parent: one head per branch (7c4d2e9a0b13).\n"
ONE_HEAD = "7c4d2e9a0b13 (head)\n"
LOCK_MESSAGE = (
    "revlib: error: --stage: <root>/.git/index.lock exists, so another git process is using the "
    "index; wait for it to finish (or remove the stale lock file) and retry\n"
)


def error(path: str, message: str) -> str:
    return f"revlib: error: {path}:{message}"


def finding(path: str, message: str) -> str:
    line, _, rest = message.partition(": ")
    return f"{path}:{line}: unreadable-file {rest}Found 1 error.\n"


@dataclass(frozen=True)
class Case:
    build: Callable[[Project], None]
    run: Run
    exit_code: int
    output: str
    injected: bool = False  # the failure is injected (see `unreadable`)


CASES = [
    # -- version files that cannot be read ---------------------------------------------------
    pytest.param(Case(add(*SYNTAX), HEADS, 2, error(F, SYNTAX_MESSAGE)), id="syntax-error-heads"),
    pytest.param(
        Case(add(*SYNTAX), HISTORY, 2, error(F, SYNTAX_MESSAGE)), id="syntax-error-history"
    ),
    pytest.param(
        Case(add(*SYNTAX), CHECK, 1, finding(R, SYNTAX_MESSAGE)), id="syntax-error-check"
    ),
    pytest.param(
        Case(add(*SYNTAX), STAGED, 1, finding(R, SYNTAX_MESSAGE)), id="syntax-error-check-staged"
    ),
    pytest.param(
        Case(add(*SYNTAX), hook("check"), 1, finding(R, SYNTAX_MESSAGE)),
        id="syntax-error-revlib-check-hook",
    ),
    pytest.param(Case(add(*SYNTAX), MERGE, 2, error(F, SYNTAX_MESSAGE)), id="syntax-error-merge"),
    pytest.param(
        Case(
            add(*SYNTAX), REBASE, 2, "revlib: error: cannot re-parent: " + R + ":" + SYNTAX_MESSAGE
        ),
        id="syntax-error-rebase",
    ),
    pytest.param(
        Case(add(*SYNTAX), REVISION, 2, error(F, SYNTAX_MESSAGE)), id="syntax-error-revision"
    ),
    pytest.param(
        Case(add(*MARKERS), HEADS, 2, error(F, MARKERS_MESSAGE)), id="conflict-markers-heads"
    ),
    pytest.param(
        Case(add(*MARKERS), STAGED, 1, finding(R, MARKERS_MESSAGE)),
        id="conflict-markers-check-staged",
    ),
    pytest.param(
        Case(add(*MARKERS), MERGE, 2, error(F, MARKERS_MESSAGE)), id="conflict-markers-merge"
    ),
    pytest.param(
        Case(
            add(*MARKERS),
            REBASE,
            2,
            f"revlib: error: cannot re-parent: {R}:{MARKERS_MESSAGE}{ONLY_HEADS_FILE}",
        ),
        id="conflict-markers-rebase",
    ),
    pytest.param(
        Case(
            add(*BODY_MARKERS),
            CHECK,
            1,
            finding(R, MARKERS_MESSAGE.replace("1:", "5:", 1)),
        ),
        id="conflict-markers-in-the-body-check",
    ),
    pytest.param(
        Case(
            add(*BODY_MARKERS),
            REBASE,
            2,
            f"revlib: error: cannot re-parent: {R}:{MARKERS_MESSAGE.replace('1:', '5:', 1)}"
            f"{ONLY_HEADS_FILE}",
        ),
        id="conflict-markers-in-the-body-rebase",
    ),
    pytest.param(
        Case(add(*DYNAMIC_REVISION), HEADS, 2, error(F, DYNAMIC_REVISION_MESSAGE)),
        id="call-as-revision-heads",
    ),
    pytest.param(
        Case(add(*DYNAMIC_REVISION), CHECK, 1, finding(R, DYNAMIC_REVISION_MESSAGE)),
        id="call-as-revision-check",
    ),
    pytest.param(
        Case(add(*DYNAMIC_DOWN), HISTORY, 2, error(F, DYNAMIC_DOWN_MESSAGE)),
        id="call-as-down-revision-history",
    ),
    pytest.param(
        Case(add(*DYNAMIC_DOWN), STAGED, 1, finding(R, DYNAMIC_DOWN_MESSAGE)),
        id="call-as-down-revision-check-staged",
    ),
    pytest.param(
        Case(add(*DYNAMIC_DOWN), MERGE, 2, error(F, DYNAMIC_DOWN_MESSAGE)),
        id="call-as-down-revision-merge",
    ),
    pytest.param(
        Case(add("empty.py", b""), HEADS, 2, NO_REVISION_MESSAGE.format(name="empty.py")),
        id="empty-file-heads",
    ),
    pytest.param(
        Case(add("empty.py", b""), CHECK, 1, NO_REVISION_FINDING.format(name="empty.py")),
        id="empty-file-check",
    ),
    pytest.param(
        Case(
            add("empty.py", b""),
            REBASE,
            2,
            f"revlib: error: cannot re-parent: {VERSIONS}/empty.py: revision is not a string\n",
        ),
        id="empty-file-rebase",
    ),
    pytest.param(
        Case(
            add("doc.py", b'"""Only a docstring."""\n'),
            HISTORY,
            2,
            NO_REVISION_MESSAGE.format(name="doc.py"),
        ),
        id="docstring-only-history",
    ),
    pytest.param(
        Case(
            add("doc.py", b'"""Only a docstring."""\n'),
            STAGED,
            1,
            NO_REVISION_FINDING.format(name="doc.py"),
        ),
        id="docstring-only-check-staged",
    ),
    # -- encodings and sizes -------------------------------------------------------------------
    pytest.param(
        Case(add(f"{NEW}_x.py", b"\xef\xbb\xbf" + GOOD), HEADS, 0, "abc123 (head)\n"),
        id="utf8-bom-heads",
    ),
    pytest.param(
        Case(add(f"{NEW}_x.py", b"\xef\xbb\xbf" + GOOD), CHECK, 0, ""), id="utf8-bom-check"
    ),
    pytest.param(
        Case(add(f"{NEW}_x.py", GOOD.replace(b"\n", b"\r\n")), STAGED, 0, ""),
        id="crlf-check-staged",
    ),
    pytest.param(
        Case(
            add(f"{NEW}_x.py", LATIN1),
            HISTORY,
            0,
            "7c4d2e9a0b13 -> abc123 (head), caf\xe9\n1a9c3e5f7b21 -> 7c4d2e9a0b13, add email\n"
            "<base> -> 1a9c3e5f7b21, create customers\n",
        ),
        id="latin1-coding-cookie-history",
    ),
    pytest.param(
        Case(add(f"{NEW}_x.py", NON_UTF8), HEADS, 2, error(F, NON_UTF8_MESSAGE)),
        id="undeclared-latin1-heads",
    ),
    pytest.param(
        Case(add(f"{NEW}_x.py", NON_UTF8), CHECK, 1, finding(R, NON_UTF8_MESSAGE)),
        id="undeclared-latin1-check",
    ),
    pytest.param(
        Case(add(f"{NEW}_x.py", bytes(range(256)) * 4), HEADS, 2, error(F, BINARY_MESSAGE)),
        id="binary-junk-heads",
    ),
    pytest.param(
        Case(add(f"{NEW}_x.py", bytes(range(256)) * 4), STAGED, 1, finding(R, BINARY_MESSAGE)),
        id="binary-junk-check-staged",
    ),
    pytest.param(
        Case(
            add(f"{NEW}_x.py", GOOD + b"# " + b"x" * 10_485_760 + b"\n"),
            HEADS,
            0,
            "abc123 (head)\n",
        ),
        id="ten-megabytes-heads",
    ),
    pytest.param(
        Case(add(f"{NEW}_x.py", GOOD + b"# " + b"x" * 10_485_760 + b"\n"), STAGED, 0, ""),
        id="ten-megabytes-check-staged",
    ),
    # -- directory entries that are not files ---------------------------------------------------
    pytest.param(
        Case(
            symlink("loop.py", "loop.py"),
            HEADS,
            2,
            f"revlib: error: <root>/{VERSIONS}/loop.py: cannot resolve this path (Symlink loop "
            f"from '<root>/{VERSIONS}/loop.py')\n",
        ),
        id="symlink-loop-heads",
    ),
    pytest.param(
        Case(
            symlink("loop.py", "loop.py"),
            CHECK,
            2,
            f"revlib: error: {VERSIONS}/loop.py: cannot read the file: Too many levels of "
            f"symbolic links\n{UNREADABLE_HINT}",
        ),
        id="symlink-loop-check",
    ),
    pytest.param(Case(recursive_loop, HEADS, 0, ONE_HEAD), id="directory-symlink-loop-heads"),
    pytest.param(
        Case(
            symlink("dangling.py", "nowhere.py"),
            HEADS,
            2,
            f"revlib: error: <root>/{VERSIONS}/nowhere.py: cannot read the file: No such file "
            f"or directory\n{UNREADABLE_HINT}",
        ),
        id="dangling-symlink-heads",
    ),
    pytest.param(
        Case(
            symlink("dangling.py", "nowhere.py"),
            CHECK,
            2,
            f"revlib: error: {VERSIONS}/dangling.py: cannot read the file: No such file or "
            f"directory\n{UNREADABLE_HINT}",
        ),
        id="dangling-symlink-check",
    ),
    pytest.param(
        Case(
            fifo,
            HEADS,
            2,
            f"revlib: error: <root>/{VERSIONS}/pipe.py: cannot read the file: not a regular "
            f"file: a named pipe (FIFO)\n{UNREADABLE_HINT}",
        ),
        id="named-pipe-heads",
    ),
    pytest.param(
        Case(
            fifo,
            CHECK,
            2,
            f"revlib: error: {VERSIONS}/pipe.py: cannot read the file: not a regular file: a "
            f"named pipe (FIFO)\n{UNREADABLE_HINT}",
        ),
        id="named-pipe-check",
    ),
    pytest.param(
        Case(
            fifo,
            MERGE,
            2,
            f"revlib: error: <root>/{VERSIONS}/pipe.py: cannot read the file: not a regular "
            f"file: a named pipe (FIFO)\n{UNREADABLE_HINT}",
        ),
        id="named-pipe-merge",
    ),
    pytest.param(
        Case(
            add("locked.py", GOOD),
            HEADS,
            2,
            f"revlib: error: <root>/{VERSIONS}/locked.py: cannot read the file: Permission "
            f"denied\n{UNREADABLE_HINT}",
            injected=True,
        ),
        id="unreadable-file-heads",
    ),
    pytest.param(
        Case(
            add("locked.py", GOOD),
            CHECK,
            2,
            f"revlib: error: {VERSIONS}/locked.py: cannot read the file: Permission denied\n"
            f"{UNREADABLE_HINT}",
            injected=True,
        ),
        id="unreadable-file-check",
    ),
    pytest.param(
        Case(directory_named_like_a_file, HEADS, 0, ONE_HEAD), id="directory-named-x.py-heads"
    ),
    pytest.param(Case(directory_named_like_a_file, CHECK, 0, ""), id="directory-named-x.py-check"),
    # -- graph problems ------------------------------------------------------------------------
    pytest.param(
        Case(
            two_locations_one_id,
            HEADS,
            0,
            "revlib: warning: Revision 7c4d2e9a0b13 is present more than once\n"
            "7c4d2e9a0b13 (head)\n7c4d2e9a0b13 (head)\n",
        ),
        id="duplicate-id-across-locations-heads",
    ),
    pytest.param(
        Case(
            two_locations_one_id,
            STAGED,
            1,
            "other/copy.py:5: duplicate-revision revision 7c4d2e9a0b13 is also declared in "
            f"{VERSIONS}/7c4d2e9a0b13_add_email.py; Alembic keeps only one of them (the file it "
            "loads last)\n  hint: give one of the files a new revision id, and point the "
            "down_revision that meant it at the new id\nFound 1 error.\n",
        ),
        id="duplicate-id-across-locations-check-staged",
    ),
    pytest.param(
        Case(add(*SELF), HEADS, 2, "revlib: error: Self-loop is detected in revisions (abc123)\n"),
        id="revises-itself-heads",
    ),
    pytest.param(
        Case(
            add(*SELF),
            CHECK,
            1,
            f"{R}:2: cycle revision abc123 names itself in down_revision\n"
            "  hint: a revision must come after the ones it names: fix the down_revision (or "
            "depends_on) that points back up the history\nFound 1 error.\n",
        ),
        id="revises-itself-check",
    ),
    pytest.param(
        Case(
            add(*SELF), REVISION, 2, "revlib: error: Self-loop is detected in revisions (abc123)\n"
        ),
        id="revises-itself-revision",
    ),
    pytest.param(
        Case(add(*MISSING), HEADS, 2, MISSING_WARNING + error(F, MISSING_MESSAGE)),
        id="missing-parent-heads",
    ),
    pytest.param(
        Case(add(*MISSING), HISTORY, 2, MISSING_WARNING + error(F, MISSING_MESSAGE)),
        id="missing-parent-history",
    ),
    pytest.param(Case(add(*MISSING), CHECK, 1, MISSING_FINDING), id="missing-parent-check"),
    pytest.param(
        Case(add(*MISSING), MERGE, 2, MISSING_WARNING + error(F, MISSING_MESSAGE)),
        id="missing-parent-merge",
    ),
    pytest.param(
        Case(add(*MISSING), REVISION, 2, MISSING_WARNING + error(F, MISSING_MESSAGE)),
        id="missing-parent-revision",
    ),
    pytest.param(
        Case(
            add(*MISSING),
            REBASE,
            2,
            "revlib: warning: Revision feedfacecafe referenced from Revision('abc123', "
            "'feedfacecafe') is not present\n"
            f"revlib: error: cannot re-parent: {R}: down_revision names feedfacecafe, but no "
            "version file declares that revision; fix it first (`revlib check` lists every "
            "problem)\n",
        ),
        id="missing-parent-rebase",
    ),
    pytest.param(
        Case(
            add(*MISSING_DEPENDENCY),
            HEADS,
            2,
            error(
                F,
                "3: depends_on names feedface, but no version file declares that revision or "
                "branch label\n  hint: restore the file that declares it (deleted, or moved out "
                "of the version locations?), or point depends_on at one that exists\n",
            ),
        ),
        id="missing-dependency-heads",
    ),
    pytest.param(
        Case(CYCLE, HEADS, 2, "revlib: error: Cycle is detected in revisions (aaa111, bbb222)\n"),
        id="cycle-heads",
    ),
    pytest.param(
        Case(
            CYCLE,
            CHECK,
            1,
            f"{VERSIONS}/aaa111_x.py:2: cycle revisions form a cycle through down_revision: "
            f"aaa111 -> bbb222 -> aaa111 (also in {VERSIONS}/bbb222_x.py)\n"
            "  hint: a revision must come after the ones it names: fix the down_revision (or "
            "depends_on) that points back up the history\nFound 1 error.\n",
        ),
        id="cycle-check",
    ),
    pytest.param(
        Case(CYCLE, MERGE, 2, "revlib: error: Cycle is detected in revisions (aaa111, bbb222)\n"),
        id="cycle-merge",
    ),
    pytest.param(
        Case(add(*LABEL_IS_ID), HEADS, 2, LABEL_IS_ID_MESSAGE), id="branch-label-is-an-id-heads"
    ),
    pytest.param(
        Case(
            add(*LABEL_IS_ID),
            CHECK,
            1,
            f"{R}:3: duplicate-branch-label branch label '1a9c3e5f7b21' is the id of revision "
            f"1a9c3e5f7b21 ({VERSIONS}/1a9c3e5f7b21_create_customers.py); Alembic refuses to "
            "load the history\n  hint: choose a branch label that no other revision uses as a "
            "label or an id\nFound 1 error.\n",
        ),
        id="branch-label-is-an-id-check",
    ),
    pytest.param(
        Case(add(*LABEL_IS_ID), MERGE, 2, LABEL_IS_ID_MESSAGE), id="branch-label-is-an-id-merge"
    ),
    # -- odd revision ids ---------------------------------------------------------------------
    pytest.param(
        Case(add(f"{NEW}_x.py", header("abc/../123")), HEADS, 0, "abc/../123 (head)\n"),
        id="id-with-slash-dotdot-heads",
    ),
    pytest.param(
        Case(add(f"{NEW}_x.py", header("abc 123")), HEADS, 0, "abc 123 (head)\n"),
        id="id-with-space-heads",
    ),
    pytest.param(
        Case(
            add(f"{NEW}_x.py", header("abc 123")),
            revlib("heads-file", "update"),
            2,
            "revlib: error: cannot write migrations/heads.txt: 'abc 123' (a head revision or its "
            "branch label) is empty or holds whitespace, ':', ',' or '#', which a heads-file "
            "line cannot hold; rename it\n",
        ),
        id="id-with-space-heads-file-update",
    ),
    pytest.param(
        Case(
            add(f"{NEW}_x.py", header("abc@123")),
            HEADS,
            2,
            "revlib: error: Character(s) '@' not allowed in revision identifier 'abc@123'\n",
        ),
        id="id-with-at-sign-heads",
    ),
    pytest.param(
        Case(
            add(f"{NEW}_x.py", header("abc@123")),
            CHECK,
            1,
            f"{R}:5: unreadable-file revision id 'abc@123' contains '@', which Alembic reserves "
            "for revision syntax\n  hint: use letters, digits and underscores in revision ids\n"
            "Found 1 error.\n",
        ),
        id="id-with-at-sign-check",
    ),
    pytest.param(
        Case(
            two_heads,
            revlib("revision", "--rev-id", "../evil", "--head", ORDERS),
            2,
            "revlib: error: Revision identifier '../evil' may not contain whitespace, path "
            "separators or '..'\n",
        ),
        id="rev-id-with-dotdot-revision",
    ),
    pytest.param(
        Case(
            two_heads,
            revlib("merge", "--rev-id", "a b"),
            2,
            "revlib: error: Revision identifier 'a b' may not contain whitespace, path "
            "separators or '..'\n",
        ),
        id="rev-id-with-space-merge",
    ),
    # -- configuration ------------------------------------------------------------------------
    pytest.param(
        Case(
            ini("[other]\nscript_location = migrations\n"),
            HEADS,
            2,
            "revlib: error: <root>/alembic.ini has no [alembic] section; add one with "
            "script_location, or choose another with -n SECTION\n",
        ),
        id="ini-without-section-heads",
    ),
    pytest.param(
        Case(
            ini("[alembic]\nprepend_sys_path = .\n"),
            CHECK,
            2,
            "revlib: error: No 'script_location' key found in configuration.\n",
        ),
        id="ini-without-script-location-check",
    ),
    pytest.param(
        Case(
            ini("[alembic]\nscript_location = %(nope)s/migrations\n"),
            HEADS,
            2,
            INTERPOLATION_MESSAGE,
        ),
        id="ini-broken-interpolation-heads",
    ),
    pytest.param(
        Case(
            ini("[alembic]\nscript_location = %(nope)s/migrations\n"),
            STAGED,
            2,
            INTERPOLATION_MESSAGE,
        ),
        id="ini-broken-interpolation-check-staged",
    ),
    pytest.param(
        Case(
            ini("[alembic]\nscript_location = %(nope)s/migrations\n"),
            MERGE,
            2,
            INTERPOLATION_MESSAGE,
        ),
        id="ini-broken-interpolation-merge",
    ),
    pytest.param(
        Case(
            ini("script_location = migrations\n"),
            HEADS,
            2,
            "revlib: error: alembic.ini:1: 'script_location = migrations' comes before any "
            "[section] header; put a header such as [alembic] above it\n",
        ),
        id="ini-without-any-section-header-heads",
    ),
    pytest.param(
        Case(
            ini("[alembic]\nscript_location = a\nscript_location = b\n"),
            revlib("check"),
            2,
            "revlib: error: alembic.ini:3: option 'script_location' appears twice in "
            "[alembic]; keep one of them\n",
        ),
        id="ini-duplicate-option-check",
    ),
    pytest.param(
        Case(
            ini("[alembic]\n# caf\xe9\nscript_location = %(here)s/migrations\n"),
            HEADS,
            2,
            "revlib: error: alembic.ini:2: cannot decode byte 0xe9 as utf-8; save the config "
            "file as UTF-8\n",
        ),
        id="ini-latin1-bytes-heads",
    ),
    pytest.param(
        Case(
            pyproject("[tool.alembic\nscript_location = 'migrations'\n"),
            HEADS,
            2,
            # no settings can be in it (no "revlib"): Alembic's own reading reports it
            "revlib: error: <root>/pyproject.toml: invalid TOML: Expected ']' at the end of a "
            "table declaration (at line 1, column 14)\n",
        ),
        id="malformed-pyproject-heads",
    ),
    pytest.param(
        Case(
            pyproject("[tool.alembic\nscript_location = 'migrations'\n"),
            CHECK,
            2,
            # no settings can be in it (no "revlib"): Alembic's own reading reports it
            "revlib: error: <root>/pyproject.toml: invalid TOML: Expected ']' at the end of a "
            "table declaration (at line 1, column 14)\n",
        ),
        id="malformed-pyproject-check",
    ),
    # -- git -------------------------------------------------------------------------------
    pytest.param(
        Case(
            both(),
            revlib("check", "--base", "nope"),
            2,
            "revlib: error: unknown revision 'nope': git knows no commit by that name\n",
        ),
        id="unknown-base-ref-check",
    ),
    pytest.param(
        Case(
            both(),
            revlib("rebase", "--dry-run", "--base", "origin/nope"),
            2,
            "revlib: error: unknown revision 'origin/nope': git knows no commit by that name; "
            "fetch it first (e.g. `git fetch origin`)\n",
        ),
        id="unknown-base-ref-rebase",
    ),
    pytest.param(
        Case(
            both(),
            hook("new_heads", "--base", "nope"),
            2,
            "revlib: error: unknown revision 'nope': git knows no commit by that name\n",
        ),
        id="unknown-base-ref-revlib-new-heads-hook",
    ),
    pytest.param(
        Case(
            both(),
            revlib("ci", "--base", "nope"),
            2,
            "revlib: error: unknown revision 'nope': git knows no commit by that name\n",
        ),
        id="unknown-base-ref-ci",
    ),
    pytest.param(Case(no_git, STAGED, 2, NO_GIT_MESSAGE), id="not-a-repository-check-staged"),
    pytest.param(Case(no_git, hook("check"), 2, NO_GIT_MESSAGE), id="not-a-repository-check-hook"),
    pytest.param(
        Case(no_git, revlib("check", "--base", "HEAD"), 2, NO_GIT_MESSAGE),
        id="not-a-repository-check-base",
    ),
    pytest.param(
        Case(
            both(no_git, unstaged_heads),
            MERGE,
            2,
            "revlib: error: --stage: <root>/migrations is not inside a git work tree; run "
            "without --stage\n",
        ),
        id="not-a-repository-merge-stage",
    ),
    pytest.param(
        Case(
            no_git,
            revlib("rebase", "--dry-run"),
            2,
            "revlib: error: no rebase or merge is in progress: pass --base REF (e.g. "
            "origin/main) or --onto REV to say where this branch's migrations go\n",
        ),
        id="not-a-repository-rebase",
    ),
    pytest.param(Case(detached, STAGED, 0, ""), id="detached-head-check-staged"),
    pytest.param(
        Case(detached, revlib("check", "--base", "HEAD"), 0, ""), id="detached-head-check-base"
    ),
    pytest.param(Case(detached, REBASE, 0, HEAD_UNCHANGED), id="detached-head-rebase"),
    pytest.param(
        Case(
            shallow,
            revlib("check", "--base", "origin/main"),
            2,
            "revlib: error: cannot find where HEAD forked from {origin_main}: the history that "
            "joins them is missing; this is a shallow clone: fetch the full history with `git "
            "fetch --unshallow` (GitHub Actions: `fetch-depth: 0` on actions/checkout)\n",
        ),
        id="shallow-clone-check-base",
    ),
    pytest.param(Case(index_lock, MERGE, 2, LOCK_MESSAGE), id="index-lock-merge-stage"),
    pytest.param(
        Case(index_lock, hook("auto_merge", "--stage"), 2, LOCK_MESSAGE),
        id="index-lock-auto-merge-hook",
    ),
]


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root`` (revlib's header cache aside): bytes, link target or kind."""
    found: dict[str, object] = {}
    for directory, dirs, files in os.walk(root):
        here = Path(directory)
        dirs[:] = [d for d in dirs if (here / d).relative_to(root).as_posix() != ".git/revlib"]
        for name in [*dirs, *files]:
            path = here / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = ("link", os.readlink(path))
            elif path.is_dir():
                found[key] = ("dir",)
            elif path.is_file():
                found[key] = path.read_bytes()
            else:
                found[key] = ("special", os.lstat(path).st_mode)
    return found


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    project = Project.create(tmp_path / "project")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.add_migration(EMAIL, CUSTOMERS, "add_email")
    project.commit("two migrations")
    return project


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gets_one_message_and_changes_nothing(
    project: Project,
    case: Case,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case.build(project)
    root = project.root  # `shallow` replaced it by a fresh clone at the same place
    monkeypatch.chdir(root)
    if case.injected:
        unreadable(monkeypatch)
    before = snapshot(root)
    exit_code = case.run()
    out, err = capsys.readouterr()
    output = (err + out).replace(str(root), "<root>")
    expected = case.output
    if "{origin_main}" in expected:
        expected = expected.format(origin_main=project.git("rev-parse", "origin/main")[:12])
    assert "Traceback" not in output
    assert (exit_code, output) == (case.exit_code, expected)
    assert snapshot(root) == before


def test_the_catalogue_runs_every_command_the_brief_names() -> None:
    commands = {" ".join(p.values[0].run.argv[:2]) for p in CASES}
    for wanted in (
        "heads",
        "history",
        "check",
        "check --staged",
        "merge --if-needed",
        "rebase --dry-run",
        "revision -m",
    ):
        assert wanted in commands, wanted


def test_a_named_pipe_never_blocks_a_real_process(project: Project) -> None:
    """In a subprocess with a deadline: an ``open()`` that waits for a writer would hang."""
    fifo(project)
    for argv in (["heads"], ["check"], ["check", "--staged"]):
        result = subprocess.run(
            [sys.executable, "-m", "hooks.cli", *argv],
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        )
        assert "Traceback" not in result.stderr
        assert result.returncode == (0 if "--staged" in argv else 2), result.stderr
