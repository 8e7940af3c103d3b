"""A real git repository holding an Alembic project, for the hook tests.

Migrations are written as ``alembic revision`` writes them (the 1.16+ generic template), each
importing ``myapp.models``, an application module that the hooks never have installed. The
project's ``env.py`` is Alembic's stock one (online mode), so real Alembic can upgrade a SQLite
database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

CUSTOMERS = "1a9c3e5f7b21"
EMAIL = "7c4d2e9a0b13"
ORDERS = "3f2b8d1c6e45"
POINTS = "9e0f4a6b2c87"

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os
sqlalchemy.url = sqlite:///%(here)s/app.db
"""

ENV_PY = """\
# Alembic's stock env.py, online mode only, without fileConfig (which would reconfigure the
# logging of the whole test session).
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
section = config.get_section(config.config_ini_section, {})
connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

MIGRATION = '''\
"""{message}

Revision ID: {rev}
Revises: {revises}
Create Date: 2026-11-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from myapp.models import Base  # the application: not installed where the hooks run


# revision identifiers, used by Alembic.
revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {down!r}
branch_labels: Union[str, Sequence[str], None] = {labels!r}
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table("t_{table}", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("t_{table}")
'''


def migration(
    rev: str,
    down: str | tuple[str, ...] | None,
    message: str = "change",
    labels: str | tuple[str, ...] | None = None,
) -> str:
    """The text of a version file (the generic template's shape)."""
    revises = ", ".join(down) if isinstance(down, tuple) else (down or "")
    return MIGRATION.format(
        rev=rev, down=down, message=message, revises=revises, labels=labels, table=rev
    )


def write_app(directory: Path) -> None:
    """The ``myapp.models`` module the migrations import, in ``directory``."""
    (directory / "myapp").mkdir(parents=True)
    (directory / "myapp" / "__init__.py").write_text("")
    (directory / "myapp" / "models.py").write_text("Base = object\n")


class Project:
    """A git work tree with an Alembic project at its root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.versions = root / "migrations" / "versions"

    @classmethod
    def create(cls, root: Path, *, app: bool = True) -> Project:
        """``git init`` + alembic.ini, env.py, script.py.mako and (unless not ``app``) the
        ``myapp`` package that the migrations import."""
        root.mkdir(parents=True, exist_ok=True)
        project = cls(root)
        project.git("init", "-q", "-b", "main")
        project.git("config", "commit.gpgsign", "false")
        (root / "alembic.ini").write_text(ALEMBIC_INI)
        project.versions.mkdir(parents=True)
        shutil.copy(EXAMPLES / "shop" / "migrations" / "script.py.mako", root / "migrations")
        (root / "migrations" / "env.py").write_text(ENV_PY)
        if app:
            write_app(root)
        (root / ".gitignore").write_text("app.db\n__pycache__/\n")
        return project

    def git(self, *args: str) -> str:
        """Run git in the work tree; its stdout."""
        result = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
        return path

    def add_migration(
        self,
        rev: str,
        down: str | tuple[str, ...] | None,
        slug: str = "change",
        labels: str | tuple[str, ...] | None = None,
    ) -> str:
        """Write ``migrations/versions/<rev>_<slug>.py``; its repository path."""
        relative = f"migrations/versions/{rev}_{slug}.py"
        self.write(relative, migration(rev, down, slug.replace("_", " "), labels))
        return relative

    def commit(self, message: str, *paths: str) -> None:
        """Stage ``paths`` (everything when none) and commit."""
        self.git("add", "--", *(paths or (".",)))
        self.git("commit", "-q", "-m", message)

    def run(
        self, *command: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the work tree (not checked)."""
        return subprocess.run(
            list(command),
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **(env or {})},
        )


def merge_two_branches(project: Project) -> None:
    """On a main holding CUSTOMERS, two branches each add a migration on CUSTOMERS (ORDERS,
    POINTS); git merges both into main without a conflict."""
    project.git("checkout", "-q", "-b", "orders")
    project.commit("orders", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    project.git("checkout", "-q", "-b", "points", "main")
    project.commit("points", project.add_migration(POINTS, CUSTOMERS, "add_points"))
    project.git("checkout", "-q", "main")
    project.git("merge", "-q", "orders")
    project.git("merge", "-q", "--no-edit", "points")
