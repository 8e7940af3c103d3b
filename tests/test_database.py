"""``revlib current`` / ``revlib pending`` agree with Alembic on real SQLite databases.

One branchy migration directory is built by real Alembic (``alembic init`` + ``revision`` +
``merge``); SQLite files are brought to various points by real ``alembic upgrade``; then
revlib's answers are compared with ``alembic current`` and with the ``Running upgrade`` steps
that ``alembic upgrade`` runs (online, on a copy) and prints (offline, ``--sql``).

    1000000000a1 create users               7000000000g7 audit log (base, label "audit")
         |                                       |
    2000000000b2 add email                  8000000000h8 audit invoices, depends_on d4
       /          \\
    3000000000c3   4000000000d4
    create orders  create invoices
       \\          /
    5000000000e5 merge orders and invoices
         |
    6000000000f6 add index

Heads: f6 and h8. Upgrading h8 needs d4 first, so the two branches interleave.
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory as AlembicScriptDirectory
from alembic.util import CommandError as AlembicCommandError

from hooks.cli import main
from revlib.config import Config
from revlib.database import (
    UnknownRevisionsError,
    VersionTable,
    mask_url,
    pending_revisions,
    read_version_table,
    read_versions,
    status_of,
)
from revlib.script import ScriptDirectory
from revlib.util.exc import CommandError

A1, B2, C3, D4 = "1000000000a1", "2000000000b2", "3000000000c3", "4000000000d4"
E5, F6, G7, H8 = "5000000000e5", "6000000000f6", "7000000000g7", "8000000000h8"
HEADS = {F6, H8}
UNKNOWN = "4b1e9c0d2a3f"

# -- the migration directory ------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    root: Path
    ini: Path

    def alembic_config(self, db: Path, **options: str) -> AlembicConfig:
        config = AlembicConfig(str(self.ini), stdout=io.StringIO(), output_buffer=io.StringIO())
        config.set_main_option("sqlalchemy.url", sqlite_url(db))
        for name, value in options.items():
            config.set_main_option(name, value)
        return config

    def revlib_scripts(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(Config(str(self.ini)))


def sqlite_url(db: Path) -> str:
    return f"sqlite:///{db}"


# env.py as `alembic init` writes it, minus logging setup (tests run Alembic in-process), plus
# the version table's name and schema taken from the config (as projects set them in env.py).
VERSION_TABLE_OPTIONS = (
    "target_metadata=target_metadata, "
    'version_table=config.get_main_option("test_version_table", "alembic_version"), '
    'version_table_schema=config.get_main_option("test_version_table_schema") or None,'
)


def _build_project(root: Path) -> Project:
    ini = root / "alembic.ini"
    config = AlembicConfig(str(ini), stdout=io.StringIO())
    command.init(config, str(root / "migrations"))
    # init writes an absolute script_location; a relative one lets tests copy the project
    ini.write_text(
        ini.read_text().replace(f"= {root / 'migrations'}\n", "= %(here)s/migrations\n")
    )
    env_py = root / "migrations" / "env.py"
    source = env_py.read_text()
    source = source.replace("    fileConfig(config.config_file_name)", "    pass")
    source = re.sub(r"target_metadata=target_metadata,?", VERSION_TABLE_OPTIONS, source)
    env_py.write_text(source)
    config = AlembicConfig(str(ini), stdout=io.StringIO())
    command.revision(config, "create users", rev_id=A1)
    command.revision(config, "add email", rev_id=B2)
    command.revision(config, "create orders", rev_id=C3)
    command.revision(config, "create invoices", rev_id=D4, head=B2, splice=True)
    command.merge(config, [C3, D4], "merge orders and invoices", rev_id=E5)
    command.revision(config, "add index", rev_id=F6)
    command.revision(config, "audit log", rev_id=G7, head="base", branch_label="audit")
    command.revision(
        config, "audit invoices\n\nKeeps a trail.", rev_id=H8, head="audit@head", depends_on=D4
    )
    return Project(root, ini)


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return _build_project(tmp_path_factory.mktemp("project"))


# -- databases at various points ------------------------------------------------------------

# name -> the `alembic upgrade` / `downgrade` targets applied in turn (None: an empty file)
STATES: dict[str, tuple[str, ...] | None] = {
    "empty-file": None,
    "downgraded-to-base": (A1, "-base"),
    "middle": (B2,),
    "one-of-two-branches": (C3,),
    "both-branches-unmerged": (C3, D4),
    "merged": (E5,),
    "main-head-only": (F6,),
    "audit-base-only": (G7,),
    "audit-base-and-middle": (G7, B2),
    "audit-head-only": ("audit@head",),
    "at-heads": ("heads",),
}
STATE_IDS = list(STATES)


def _upgrade(project: Project, db: Path, steps: tuple[str, ...], **options: str) -> None:
    for step in steps:
        config = project.alembic_config(db, **options)
        if step.startswith("-"):
            command.downgrade(config, step[1:])
        else:
            command.upgrade(config, step)


@pytest.fixture(scope="session")
def databases(project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("databases")
    made = {}
    for name, steps in STATES.items():
        db = folder / f"{name}.db"
        db.touch()
        _upgrade(project, db, steps or ())
        made[name] = db
    return made


def stored_rows(db: Path, table: str = "alembic_version") -> tuple[str, ...]:
    with sqlite3.connect(db) as connection:
        try:
            return tuple(r[0] for r in connection.execute(f"SELECT version_num FROM {table}"))
        except sqlite3.OperationalError:
            return ()


# -- what Alembic says ------------------------------------------------------------------------


def alembic_current(project: Project, db: Path, verbose: bool = False, **options: str) -> str:
    config = project.alembic_config(db, **options)
    command.current(config, verbose=verbose)
    return config.stdout.getvalue()


class _RunningSteps(logging.Handler):
    """Collects the ``Running upgrade X -> Y, doc`` lines Alembic logs for each step."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def running_steps() -> Iterator[_RunningSteps]:
    logger = logging.getLogger("alembic.runtime.migration")
    handler, level = _RunningSteps(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def applied(lines: list[str], prefix: str) -> list[str]:
    """The revision each ``<prefix>upgrade X -> Y[, doc]`` line upgrades to, in order."""
    pattern = re.compile(re.escape(prefix) + r"upgrade .*? -> ([^,\s]+)")
    return [m.group(1) for m in map(pattern.match, lines) if m]


Outcome = tuple[str, Any]


def alembic_pending_online(project: Project, db: Path, target: str, scratch: Path) -> Outcome:
    """What ``alembic upgrade <target>`` runs on a copy of ``db``."""
    copy = scratch / f"copy-of-{db.name}"
    shutil.copyfile(db, copy)
    try:
        with running_steps() as steps:
            command.upgrade(project.alembic_config(copy), target)
    except AlembicCommandError as error:
        return ("error", str(error))
    finally:
        copy.unlink()
    return ("ok", applied(steps.messages, "Running "))


def alembic_pending_offline(project: Project, db: Path, target: str) -> Outcome:
    """What ``alembic upgrade <start>:<target> --sql`` prints (one stored revision at most)."""
    rows = stored_rows(db)
    assert len(rows) <= 1, "offline mode takes one starting revision"
    config = project.alembic_config(db)
    try:
        command.upgrade(config, f"{rows[0]}:{target}" if rows else target, sql=True)
    except AlembicCommandError as error:
        return ("error", str(error))
    return ("ok", applied(config.output_buffer.getvalue().splitlines(), "-- Running "))


def revlib_pending(scripts: ScriptDirectory, rows: tuple[str, ...], target: str) -> Outcome:
    try:
        return ("ok", [s.revision for s in pending_revisions(scripts, rows, target)])
    except CommandError as error:
        return ("error", str(error))


def run_revlib(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sorted_entries(text: str) -> list[str]:
    """``alembic current`` prints a set, in hash order: compare its entries sorted."""
    return (
        sorted(re.split(r"(?m)^(?=Rev: )", text))
        if "Rev: " in text
        else sorted(text.splitlines(keepends=True))
    )


@pytest.fixture(scope="session")
def scripts(project: Project) -> ScriptDirectory:
    return project.revlib_scripts()


# -- the version table ------------------------------------------------------------------------


@pytest.mark.parametrize("state", STATE_IDS)
def test_read_version_table_returns_the_stored_rows(
    databases: dict[str, Path], state: str
) -> None:
    db = databases[state]
    assert read_version_table(sqlite_url(db)) == stored_rows(db)


def test_a_database_without_version_table_reads_as_missing(databases: dict[str, Path]) -> None:
    table = read_versions(sqlite_url(databases["empty-file"]))
    assert (table.exists, table.revisions) == (False, ())


def test_a_downgraded_database_has_an_empty_version_table(databases: dict[str, Path]) -> None:
    table = read_versions(sqlite_url(databases["downgraded-to-base"]))
    assert (table.exists, table.revisions) == (True, ())


# -- ScriptDirectory.get_all_current -------------------------------------------------------


EXTRA_CURRENT = [(B2, C3), (A1, G7), (C3, H8), (D4, H8), (E5, C3), (A1, B2, D4), (F6, H8, G7)]


@pytest.mark.parametrize(
    "rows",
    [pytest.param(rows, id="+".join(r[-2:] for r in rows)) for rows in EXTRA_CURRENT],
)
def test_get_all_current_matches_alembic_for_revision_sets(
    project: Project, scripts: ScriptDirectory, rows: tuple[str, ...]
) -> None:
    alembic_scripts = AlembicScriptDirectory.from_config(project.alembic_config(Path("x.db")))
    expected = sorted(s.revision for s in alembic_scripts.get_all_current(rows))
    assert sorted(s.revision for s in scripts.get_all_current(rows)) == expected


@pytest.mark.parametrize("state", STATE_IDS)
def test_get_all_current_matches_alembic_for_database_states(
    project: Project, scripts: ScriptDirectory, databases: dict[str, Path], state: str
) -> None:
    rows = stored_rows(databases[state])
    alembic_scripts = AlembicScriptDirectory.from_config(project.alembic_config(Path("x.db")))
    expected = sorted(s.revision for s in alembic_scripts.get_all_current(rows))
    assert sorted(s.revision for s in scripts.get_all_current(rows)) == expected


# -- pending: the upgrade order -------------------------------------------------------------

TARGETS = ["heads", "head", A1, D4, E5, F6, "audit@head", "audit@+1", "+1", "+2"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("state", STATE_IDS)
def test_pending_matches_what_alembic_upgrade_runs(
    project: Project,
    scripts: ScriptDirectory,
    databases: dict[str, Path],
    tmp_path: Path,
    state: str,
    target: str,
) -> None:
    db = databases[state]
    expected = alembic_pending_online(project, db, target, tmp_path)
    assert revlib_pending(scripts, stored_rows(db), target) == expected


# offline mode (--sql) starts from one revision: the states whose table holds one row at most
MULTI_ROW_STATES = ("both-branches-unmerged", "audit-base-and-middle", "at-heads")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("state", [s for s in STATE_IDS if s not in MULTI_ROW_STATES])
def test_pending_matches_the_steps_of_alembic_upgrade_sql(
    project: Project, scripts: ScriptDirectory, databases: dict[str, Path], state: str, target: str
) -> None:
    db = databases[state]
    expected = alembic_pending_offline(project, db, target)
    assert revlib_pending(scripts, stored_rows(db), target) == expected


@pytest.mark.parametrize("state", STATE_IDS)
def test_pending_json_lists_current_and_each_pending_revision(
    project: Project,
    databases: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    state: str,
) -> None:
    db = databases[state]
    status, order = alembic_pending_online(project, db, "heads", tmp_path)
    assert status == "ok"
    alembic_scripts = AlembicScriptDirectory.from_config(project.alembic_config(db))
    expected = {
        "current": list(stored_rows(db)),
        "pending": [
            {"revision": rev, "doc": s.doc, "path": s.path}
            for rev, s in ((rev, alembic_scripts.get_revision(rev)) for rev in order)
        ],
    }
    args = ("-c", str(project.ini), "pending", "--url", sqlite_url(db), "--format", "json")
    code, out, err = run_revlib(capsys, *args)
    assert (code, json.loads(out), err) == (0, expected, "")


def test_pending_text_prints_one_step_per_line(
    project: Project, databases: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db = databases["audit-base-and-middle"]
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "pending", "--url", sqlite_url(db))
    assert (code, err) == (0, "")
    assert out == (
        f"{B2} -> {D4}, create invoices\n"
        f"{G7} -> {H8}, audit invoices\n"
        f"{B2} -> {C3}, create orders\n"
        f"{C3}, {D4} -> {E5}, merge orders and invoices\n"
        f"{E5} -> {F6}, add index\n"
    )


def test_pending_at_heads_prints_nothing_and_says_so(
    project: Project, databases: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(databases["at-heads"])
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "pending", "--url", url)
    assert (code, out) == (0, "")
    assert err == "revlib: nothing to upgrade: the database is at heads\n"


def test_pending_to_an_impossible_target_fails_with_alembics_message(
    project: Project,
    databases: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = databases["both-branches-unmerged"]
    status, message = alembic_pending_online(project, db, "head", tmp_path)
    assert status == "error"
    url = sqlite_url(db)
    code, out, err = run_revlib(
        capsys, "-c", str(project.ini), "pending", "--url", url, "--to", "head"
    )
    assert (code, out, err) == (2, "", f"revlib: error: {message}\n")


# -- current ---------------------------------------------------------------------------------


@pytest.mark.parametrize("verbose", [pytest.param(False, id="plain"), pytest.param(True, id="v")])
@pytest.mark.parametrize("state", STATE_IDS)
def test_current_prints_what_alembic_current_prints(
    project: Project,
    databases: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    state: str,
    verbose: bool,
) -> None:
    db = databases[state]
    expected = alembic_current(project, db, verbose=verbose)
    args = ["-c", str(project.ini), "current", "--url", sqlite_url(db)]
    code, out, _ = run_revlib(capsys, *args, *(["--verbose"] if verbose else []))
    assert code == 0
    assert sorted_entries(out) == sorted_entries(expected)
    if verbose:
        assert out.splitlines()[0] == expected.splitlines()[0]  # the header line comes first


@pytest.mark.parametrize("state", STATE_IDS)
def test_current_check_exits_1_exactly_when_alembic_check_heads_fails(
    project: Project, databases: dict[str, Path], capsys: pytest.CaptureFixture[str], state: str
) -> None:
    db = databases[state]
    try:
        command.current(project.alembic_config(db), check_heads=True)
        alembic_at_heads = True
    except AlembicCommandError as error:
        assert str(error) == "Database is not on all head revisions"
        alembic_at_heads = False
    args = ("-c", str(project.ini), "current", "--url", sqlite_url(db), "--check")
    code, _, err = run_revlib(capsys, *args)
    assert code == (0 if alembic_at_heads else 1)
    assert ("Database is not on all head revisions" in err) == (not alembic_at_heads)


@pytest.mark.parametrize("flag", ["--check", "--check-heads"])
def test_current_check_names_the_missing_heads(
    project: Project, databases: dict[str, Path], capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    url = sqlite_url(databases["main-head-only"])
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "current", "--url", url, flag)
    assert (code, out) == (1, f"{F6} (head)\n")
    assert err == (
        f"revlib: Database is not on all head revisions (missing {H8}; "
        "`revlib pending` lists the upgrade)\n"
    )


def test_current_on_a_database_without_version_table_says_so(
    project: Project, databases: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(databases["empty-file"])
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "current", "--url", url)
    assert (code, out) == (0, "")
    assert err == (
        f"revlib: no table alembic_version in {url}: an empty database (every revision is "
        "pending), or a custom version table (pass --version-table / --version-table-schema)\n"
    )


def test_custom_version_table_and_schema_are_read_where_env_py_puts_them(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "custom.db"
    db.touch()
    options = {"test_version_table": "deploy_versions", "test_version_table_schema": "main"}
    _upgrade(project, db, (C3, D4), **options)
    expected = alembic_current(project, db, **options)
    base = ("-c", str(project.ini), "current", "--url", sqlite_url(db))
    custom = ("--version-table", "deploy_versions", "--version-table-schema", "main")
    code, out, err = run_revlib(capsys, *base, *custom)
    assert (code, sorted_entries(out), err) == (0, sorted_entries(expected), "")
    assert read_version_table(sqlite_url(db), "deploy_versions", "main") == (C3, D4)
    code, out, err = run_revlib(capsys, *base)
    assert (code, out) == (0, "")
    assert err.startswith("revlib: no table alembic_version in ")


# -- a database this checkout cannot explain ---------------------------------------------------


@pytest.fixture
def other_branch_db(project: Project, databases: dict[str, Path], tmp_path: Path) -> Path:
    """A database upgraded by another checkout, which has one more revision on top of f6."""
    other = _copy_project(project, tmp_path / "other-checkout")
    command.revision(
        AlembicConfig(str(other.ini), stdout=io.StringIO()), "x", rev_id=UNKNOWN, head=F6
    )
    db = tmp_path / "other.db"
    shutil.copyfile(databases["at-heads"], db)
    _upgrade(other, db, ("heads",))
    assert set(stored_rows(db)) == {UNKNOWN, H8}
    return db


def _copy_project(project: Project, root: Path) -> Project:
    shutil.copytree(project.root, root, ignore=shutil.ignore_patterns("__pycache__"))
    return Project(root, root / "alembic.ini")


UNKNOWN_MESSAGE = (
    f"revlib: error: the database is at {UNKNOWN}, which this checkout does not have (it was "
    "applied from another branch or a newer checkout); the database is also at "
    f"{H8}, which this checkout has; this checkout's heads are {F6}, {H8}\n"
    f"hint: did you switch branches? `git log --all --oneline -S {UNKNOWN}` finds the commit "
    "that added it, and `git branch -a --contains <commit>` the branches that have it\n"
)


def test_current_reports_a_revision_this_checkout_does_not_have(
    project: Project, other_branch_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(
        AlembicCommandError, match=f"Can't locate revision identified by '{UNKNOWN}'"
    ):
        alembic_current(project, other_branch_db)
    url = sqlite_url(other_branch_db)
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "current", "--url", url)
    # what Alembic would print for the known part: h8 and its dependency d4 (not f6's past)
    assert (code, out, err) == (1, f"{H8} (head)\n{D4}\n", UNKNOWN_MESSAGE)


def test_current_check_fails_on_a_revision_this_checkout_does_not_have(
    project: Project, other_branch_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(other_branch_db)
    code, _, err = run_revlib(capsys, "-c", str(project.ini), "current", "--url", url, "--check")
    assert (code, err) == (1, UNKNOWN_MESSAGE)


def test_pending_refuses_a_revision_this_checkout_does_not_have(
    project: Project, other_branch_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(other_branch_db)
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "pending", "--url", url)
    assert (code, out, err) == (2, "", UNKNOWN_MESSAGE)


def test_pending_revisions_raises_a_typed_error_for_unknown_revisions(
    scripts: ScriptDirectory,
) -> None:
    with pytest.raises(UnknownRevisionsError) as caught:
        pending_revisions(scripts, (UNKNOWN, "ffff0000ffff"))
    assert (caught.value.unknown, caught.value.known) == ((UNKNOWN, "ffff0000ffff"), ())
    assert str(caught.value).startswith(
        f"the database is at {UNKNOWN}, ffff0000ffff, which this checkout does not have "
        "(they were applied"
    )


def test_a_partial_id_in_the_table_counts_as_known_as_alembic_resolves_it(
    scripts: ScriptDirectory,
) -> None:
    table = VersionTable("sqlite://", "alembic_version", None, True, ("6000000000", H8))
    status = status_of(scripts, table)
    assert (status.unknown, [s.revision for s in status.current]) == ((), [F6, H8])
    assert status.at_heads is False  # Alembic compares the stored strings with the heads


# -- where the URL comes from, and what is never printed ---------------------------------------


def _minimal_ini(project: Project, path: Path, url: str | None) -> Path:
    lines = ["[alembic]", f"script_location = {project.root / 'migrations'}"]
    if url is not None:
        lines.append(f"sqlalchemy.url = {url}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_url_comes_from_the_config_when_not_given(
    project: Project,
    databases: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ini = _minimal_ini(project, tmp_path / "alembic.ini", sqlite_url(databases["merged"]))
    assert run_revlib(capsys, "-c", str(ini), "current") == (0, f"{E5} (mergepoint)\n", "")


def test_environment_url_beats_the_config_and_the_option_beats_both(
    project: Project,
    databases: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ini = _minimal_ini(project, tmp_path / "alembic.ini", sqlite_url(databases["merged"]))
    monkeypatch.setenv("REVLIB_DATABASE_URL", sqlite_url(databases["middle"]))
    assert run_revlib(capsys, "-c", str(ini), "current") == (0, f"{B2} (branchpoint)\n", "")
    url = sqlite_url(databases["main-head-only"])
    assert run_revlib(capsys, "-c", str(ini), "current", "--url", url) == (0, f"{F6} (head)\n", "")


def test_no_url_anywhere_is_a_usage_error(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = _minimal_ini(project, tmp_path / "alembic.ini", None)
    code, out, err = run_revlib(capsys, "-c", str(ini), "pending")
    assert (code, out) == (2, "")
    assert err == (
        f"revlib: error: no database URL: {ini} has no sqlalchemy.url; pass --url URL or set "
        "REVLIB_DATABASE_URL (revlib does not run env.py, where some projects build the URL)\n"
    )


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        pytest.param("postgresql://scott:tiger@db/app", "postgresql://scott:***@db/app", id="pg"),
        pytest.param(
            "mysql+pymysql://u:p%40ss@h:3306/d", "mysql+pymysql://u:***@h:3306/d", id="quoted"
        ),
        pytest.param(
            "postgresql://u:s3cret@h:nope/d", "postgresql://u:***@h:nope/d", id="unparsable"
        ),
        pytest.param("postgresql://u@h/d", "postgresql://u@h/d", id="no-password"),
        pytest.param("sqlite:///x.db", "sqlite:///x.db", id="sqlite"),
    ],
)
def test_mask_url_hides_the_password(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize("subcommand", ["current", "pending"])
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        pytest.param(
            "postgresql://scott:tiger-secret@localhost:1/app",
            "postgresql://scott:***@localhost:1/app",
            id="missing-driver",
        ),
        pytest.param(
            "postgresql://scott:tiger-secret@localhost:port/app",
            "postgresql://scott:***@localhost:port/app",
            id="bad-port",
        ),
    ],
)
def test_a_password_is_never_printed(
    project: Project, capsys: pytest.CaptureFixture[str], subcommand: str, url: str, shown: str
) -> None:
    code, out, err = run_revlib(capsys, "-c", str(project.ini), subcommand, "--url", url)
    assert code == 2
    assert "tiger-secret" not in out + err
    assert shown in err


def test_the_default_url_of_alembic_init_fails_with_its_password_masked(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "current")
    assert (code, out) == (2, "")
    assert err.startswith(
        "revlib: error: cannot load the database driver for driver://user:***@localhost/dbname"
    )


# -- databases that cannot be read -----------------------------------------------------------


def test_a_sqlite_path_in_a_missing_directory_is_exit_2_and_creates_nothing(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "no-such-dir" / "app.db"
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "current", "--url", sqlite_url(db))
    assert (code, out) == (2, "")
    assert err == (
        f"revlib: error: cannot open {sqlite_url(db)}: the SQLite file {db} does not exist "
        "(revlib reads databases and never creates them); check the path\n"
    )
    assert not db.parent.exists()


def test_a_missing_sqlite_file_is_not_created(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "app.db"
    code, _, _ = run_revlib(capsys, "-c", str(project.ini), "pending", "--url", sqlite_url(db))
    assert code == 2
    assert not db.exists()


def test_a_file_that_is_not_a_database_is_exit_2(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(b"these are not the tables you are looking for\n" * 100)
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "current", "--url", sqlite_url(db))
    assert (code, out) == (2, "")
    assert err == (
        f"revlib: error: cannot read alembic_version from {sqlite_url(db)}: "
        "file is not a database\n"
    )


def test_a_malformed_url_is_exit_2(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_revlib(capsys, "-c", str(project.ini), "pending", "--url", "not a url")
    assert (code, out) == (2, "")
    assert err == (
        "revlib: error: the database URL 'not a url' is not valid (Could not parse SQLAlchemy "
        "URL from given URL string); write it as dialect+driver://user:password@host/database\n"
    )


# -- import cost ------------------------------------------------------------------------------


def test_sqlalchemy_is_imported_only_by_the_database_commands(project: Project) -> None:
    code = (
        "import sys, hooks.cli, revlib.script, revlib.database, hooks.database\n"
        "assert hooks.cli.main(['-c', sys.argv[1], 'heads']) == 0\n"
        "print('sqlalchemy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(project.ini)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"
