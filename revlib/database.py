"""What a database's Alembic version table holds, and what ``alembic upgrade`` would apply.

Alembic answers these questions by running ``env.py``; revlib reads the version table itself
with SQLAlchemy and answers from the statically read script directory. SQLAlchemy is imported
inside the functions that touch a database, so importing this module stays cheap. Nothing here
writes: a table is only selected from, and a missing SQLite file is an error rather than a new,
empty database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine

    from revlib.script import Script, ScriptDirectory

DEFAULT_VERSION_TABLE = "alembic_version"
UPGRADE_TARGET_ERROR = "Destination %(end)s is not a valid upgrade target from current head(s)"
_PARTIAL_MIN_LENGTH = 4  # Alembic matches partial ids against keys of four or more characters
_PASSWORD_IN_URL = re.compile(r"(?P<user>://[^:/@\s]*):(?P<password>[^@\s]*)@")


class DatabaseError(CommandError):
    """The database cannot be read: a bad URL, a missing driver, or a refused connection."""


class UnknownRevisionsError(CommandError):
    """The version table holds revisions that this script directory does not have.

    The usual cause: the database was upgraded from another branch, or from a newer checkout.
    ``unknown`` holds those ids, ``known`` the table's other ids, ``heads`` the checkout's heads.
    """

    def __init__(self, unknown: Sequence[str], known: Sequence[str], heads: Sequence[str]) -> None:
        self.unknown = tuple(unknown)
        self.known = tuple(known)
        self.heads = tuple(heads)
        super().__init__(_unknown_message(self.unknown, self.known, self.heads))


def _unknown_message(unknown: Sequence[str], known: Sequence[str], heads: Sequence[str]) -> str:
    plural = len(unknown) > 1
    text = (
        f"the database is at {', '.join(unknown)}, which this checkout does not have "
        f"({'they were' if plural else 'it was'} applied from another branch or a newer "
        "checkout)"
    )
    if known:
        text += f"; the database is also at {', '.join(known)}, which this checkout has"
    shown_heads = ", ".join(heads) if heads else "none (no revisions)"
    return text + f"; this checkout's heads are {shown_heads}"


@dataclass(frozen=True)
class VersionTable:
    """The rows of a version table, and where they were read (with the password masked)."""

    url: str
    name: str
    schema: str | None
    exists: bool
    revisions: tuple[str, ...]

    @property
    def qualified_name(self) -> str:
        """``schema.table``, or the bare table name."""
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class DatabaseStatus:
    """Where a database stands against a script directory: what ``revlib current`` prints."""

    table: VersionTable
    current: tuple[Script, ...]
    unknown: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def at_heads(self) -> bool:
        """Alembic's ``current --check-heads`` test: the stored ids are exactly the heads."""
        return set(self.table.revisions) == set(self.heads)

    @property
    def missing_heads(self) -> tuple[str, ...]:
        """Heads of the checkout that the version table does not hold."""
        return tuple(head for head in self.heads if head not in self.table.revisions)

    def unknown_error(self) -> UnknownRevisionsError:
        """The error describing :attr:`unknown` (only meaningful when there are some)."""
        known = tuple(rev for rev in self.table.revisions if rev not in self.unknown)
        return UnknownRevisionsError(self.unknown, known, self.heads)


def mask_url(url: str | URL) -> str:
    """``url`` with its password replaced by ``***``, safe to print (also when unparsable)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _PASSWORD_IN_URL.sub(r"\g<user>:***@", str(url))


def read_version_table(
    url: str, table: str = DEFAULT_VERSION_TABLE, schema: str | None = None
) -> tuple[str, ...]:
    """The revision ids stored in ``table``; empty when the table does not exist."""
    return read_versions(url, table, schema).revisions


def read_versions(
    url: str, table: str = DEFAULT_VERSION_TABLE, schema: str | None = None
) -> VersionTable:
    """Read ``table`` (column ``version_num``, as Alembic writes it) in row order.

    Raises :class:`DatabaseError`, whose message never holds the password, when the URL is
    malformed, its driver is missing, or the database cannot be reached or read.
    """
    from sqlalchemy.exc import SQLAlchemyError

    masked = mask_url(url)
    engine = _create_engine(url, masked)
    try:
        with engine.connect() as connection:
            exists = _has_table(connection, table, schema)
            rows = _select_versions(connection, table, schema) if exists else ()
    except SQLAlchemyError as error:
        where = f"{schema}.{table}" if schema else table
        raise DatabaseError(
            f"cannot read {where} from {masked}: {_describe(error, url)}"
        ) from None
    finally:
        engine.dispose()
    return VersionTable(masked, table, schema, exists, rows)


def _create_engine(url: str, masked: str) -> Engine:
    """An engine for ``url``; refuses a SQLite file that does not exist (it would be created)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    from sqlalchemy.pool import NullPool

    try:
        parsed = make_url(url)
        _require_sqlite_file(parsed, masked)
        return create_engine(parsed, poolclass=NullPool)
    except (NoSuchModuleError, ImportError) as error:  # before its base, ArgumentError
        raise DatabaseError(
            f"cannot load the database driver for {masked} ({_describe(error, url)}); "
            "install the driver package in this environment"
        ) from None
    except (ArgumentError, ValueError) as error:
        raise DatabaseError(
            f"the database URL '{masked}' is not valid ({_describe(error, url)}); "
            "write it as dialect+driver://user:password@host/database"
        ) from None


def _require_sqlite_file(url: URL, masked: str) -> None:
    if url.get_backend_name() != "sqlite":
        return
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    if not os.path.isfile(database):
        shown = (
            database if os.path.isabs(database) else f"{database} ({os.path.abspath(database)})"
        )
        raise DatabaseError(
            f"cannot open {masked}: the SQLite file {shown} does not exist "
            "(revlib reads databases and never creates them); check the path"
        )


def _has_table(connection: Connection, table: str, schema: str | None) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(connection).has_table(table, schema=schema))


def _select_versions(connection: Connection, table: str, schema: str | None) -> tuple[str, ...]:
    from sqlalchemy import Column, MetaData, String, Table, select

    version = Table(table, MetaData(), Column("version_num", String(32)), schema=schema)
    return tuple(str(row[0]) for row in connection.execute(select(version.c.version_num)))


def _describe(error: BaseException, url: str) -> str:
    """The driver's own message when there is one, with any password scrubbed out."""
    original: Any = getattr(error, "orig", None)
    text = str(original if original is not None else error).strip().splitlines()
    message = text[0] if text else type(error).__name__
    password = _PASSWORD_IN_URL.search(url)
    if password and password.group("password"):
        message = message.replace(password.group("password"), "***")
    return message


def unknown_revisions(script_dir: ScriptDirectory, revisions: Iterable[str]) -> tuple[str, ...]:
    """The ids no revision of ``script_dir`` answers to (exactly, or as Alembic's partial id)."""
    keys = [key for key in script_dir.revision_map._revision_map if key]
    return tuple(
        rev
        for rev in revisions
        if rev not in keys
        and not any(len(key) >= _PARTIAL_MIN_LENGTH and key.startswith(rev) for key in keys)
    )


def status_of(script_dir: ScriptDirectory, table: VersionTable) -> DatabaseStatus:
    """Compare the rows of ``table`` with ``script_dir`` (no database access)."""
    unknown = unknown_revisions(script_dir, table.revisions)
    known = tuple(rev for rev in table.revisions if rev not in unknown)
    current = script_dir.get_all_current(known) if known else set()
    # Alembic prints a set (hash order); revlib keeps the table's row order
    order = {script_dir.get_revision(rev).revision: index for index, rev in enumerate(known)}
    ordered = sorted(current, key=lambda s: (order.get(s.revision, len(order)), s.revision))
    heads = tuple(script_dir.get_heads())
    return DatabaseStatus(table, tuple(ordered), unknown, heads)


def database_status(
    script_dir: ScriptDirectory,
    url: str,
    table: str = DEFAULT_VERSION_TABLE,
    schema: str | None = None,
) -> DatabaseStatus:
    """Read the version table at ``url`` and compare it with ``script_dir``."""
    return status_of(script_dir, read_versions(url, table, schema))


def pending_revisions(
    script_dir: ScriptDirectory, current: Sequence[str], target: str = "heads"
) -> list[Script]:
    """The revisions ``alembic upgrade <target>`` would run on a database at ``current``,
    in the order it would run them (Alembic's ``ScriptDirectory._upgrade_revs``).

    Raises :class:`UnknownRevisionsError` when ``current`` names revisions the script
    directory lacks, and CommandError with Alembic's message for an impossible target.
    """
    unknown = unknown_revisions(script_dir, current)
    if unknown:
        known = tuple(rev for rev in current if rev not in unknown)
        raise UnknownRevisionsError(unknown, known, script_dir.get_heads())
    with script_dir._catch_revision_errors(ancestor=UPGRADE_TARGET_ERROR, end=target):
        walked = list(script_dir.iterate_revisions(target, tuple(current), implicit_base=True))
    return walked[::-1]
