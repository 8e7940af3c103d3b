"""Synthetic Alembic projects shaped like real ones, for the benchmarks in ``bench/run.py``.

A project is an ``alembic.ini``, a ``migrations/`` script directory (``env.py``, the stock
``script.py.mako``) and ``versions/`` holding ``count`` migrations written as ``alembic
revision`` writes them, with bodies of 40 to 80 lines of ``op.create_table`` and friends.

Shapes: ``linear`` is one chain; ``branchy`` forks every few revisions into two or three
short branches that a merge revision joins again, and a few revisions depend on others. Either
way the last two revisions share a parent, so the history ends with the two heads revlib
exists for (``heads`` prints two, ``check`` fails, ``merge`` has work to do).

Headers: ``plain`` is the template of Alembic before 1.13 (``revision = '...'``), ``annotated``
the one after (``revision: str = '...'``, ``Union[...]`` annotations).
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os
sqlalchemy.url = sqlite:///%(here)s/app.db
"""

ENV_PY = '''\
"""Never run by the benchmarks: heads and merge do not need it."""
'''

SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
'''

PLAIN_HEADER = '''\
"""{message}

Revision ID: {rev}
Revises: {revises}
Create Date: {date}

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = {depends!r}
'''

ANNOTATED_HEADER = '''\
"""{message}

Revision ID: {rev}
Revises: {revises}
Create Date: {date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {down!r}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = {depends!r}
'''

SHAPES = ("linear", "branchy")
HEADERS = ("plain", "annotated")
_COLUMN_TYPES = ("sa.Integer()", "sa.String(length=255)", "sa.Boolean()", "sa.DateTime()")


@dataclass(frozen=True)
class Migration:
    rev: str
    down: str | tuple[str, ...] | None
    depends: str | None = None


def history(count: int, shape: str, rng: random.Random) -> list[Migration]:
    """``count`` revisions in file-writing order; the last two share a parent (two heads)."""
    ids = _unique_ids(count, rng)
    walk = _linear(ids[:-1]) if shape == "linear" else _branchy(ids[:-1], rng)
    migrations = list(walk)
    fork_parent = migrations[-1].down if len(migrations) > 1 else None
    parent = fork_parent if isinstance(fork_parent, str) else migrations[0].rev
    migrations.append(Migration(ids[-1], parent))
    return migrations


def _unique_ids(count: int, rng: random.Random) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen.setdefault(f"{rng.getrandbits(48):012x}", None)
    return list(seen)


def _linear(ids: list[str]) -> Iterator[Migration]:
    down = None
    for rev in ids:
        yield Migration(rev, down)
        down = rev


def _branchy(ids: list[str], rng: random.Random) -> Iterator[Migration]:
    """Runs of a few linear revisions, then a fork into 2-3 branches of 1-4 revisions each,
    joined by a merge revision; now and then a revision depends on an older one."""
    pending = list(ids)
    tip: str | None = None
    made: list[str] = []
    while pending:
        if len(pending) < 12 or rng.random() < 0.6:
            rev = pending.pop(0)
            depends = rng.choice(made[:-1]) if len(made) > 2 and rng.random() < 0.05 else None
            yield Migration(rev, tip, depends)
            made.append(rev)
            tip = rev
            continue
        branch_tips = []
        for _ in range(rng.randint(2, 3)):
            down = tip
            for _ in range(rng.randint(1, 4)):
                rev = pending.pop(0)
                yield Migration(rev, down)
                made.append(rev)
                down = rev
            branch_tips.append(down)
        rev = pending.pop(0)
        yield Migration(rev, tuple(branch_tips))
        made.append(rev)
        tip = rev


def body(index: int, rng: random.Random) -> str:
    """``upgrade()``/``downgrade()`` of 40 to 80 lines: a new table, columns, an index."""
    table = f"table_{index}"
    columns = [
        f'        sa.Column("col_{n}", {rng.choice(_COLUMN_TYPES)}, '
        f"nullable={rng.random() < 0.5}),"
        for n in range(rng.randint(8, 30))
    ]
    added = rng.randint(1, 6)
    lines = [
        "",
        "",
        "def upgrade() -> None:",
        '    """Upgrade schema."""',
        "    op.create_table(",
        f'        "{table}",',
        '        sa.Column("id", sa.Integer(), primary_key=True),',
        *columns,
        '        sa.PrimaryKeyConstraint("id"),',
        "    )",
        f'    op.create_index("ix_{table}_col_0", "{table}", ["col_0"], unique=False)',
        *(
            f'    op.add_column("table_{max(0, index - 1)}", sa.Column("extra_{index}_{n}", '
            "sa.String(length=64), nullable=True))"
            for n in range(added)
        ),
        "",
        "",
        "def downgrade() -> None:",
        '    """Downgrade schema."""',
        *(
            f'    op.drop_column("table_{max(0, index - 1)}", "extra_{index}_{n}")'
            for n in range(added)
        ),
        f'    op.drop_index("ix_{table}_col_0", table_name="{table}")',
        f'    op.drop_table("{table}")',
    ]
    return "\n".join(lines) + "\n"


def _revises(down: str | tuple[str, ...] | None) -> str:
    if down is None:
        return ""
    return down if isinstance(down, str) else ", ".join(down)


def write_project(root: Path, count: int, shape: str, header: str, seed: int = 0) -> list[str]:
    """Write the project under ``root``; returns the revision ids in writing order."""
    rng = random.Random(f"{seed}-{count}-{shape}-{header}")
    template = PLAIN_HEADER if header == "plain" else ANNOTATED_HEADER
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text(ALEMBIC_INI)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / "migrations" / "script.py.mako").write_text(SCRIPT_MAKO)
    migrations = history(count, shape, rng)
    for index, migration in enumerate(migrations):
        message = f"create table_{index}"
        text = template.format(
            message=message,
            rev=migration.rev,
            revises=_revises(migration.down),
            date=f"2024-{1 + index % 12:02d}-{1 + index % 28:02d} 10:{index % 60:02d}:00.000000",
            down=migration.down,
            depends=migration.depends,
        )
        slug = message.replace(" ", "_")
        (versions / f"{migration.rev}_{slug}.py").write_text(text + body(index, rng))
    return [m.rev for m in migrations]


def init_git(root: Path, stage_last: Path | None = None) -> None:
    """Make ``root`` a git work tree with everything committed except ``stage_last``, which is
    only staged (a developer about to commit a new migration)."""
    env_args = ["-c", "user.name=bench", "-c", "user.email=bench@revlib.invalid"]

    def git(*args: str) -> None:
        subprocess.run(["git", *env_args, *args], cwd=root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    if stage_last is not None:
        git("rm", "-q", "--cached", "--", str(stage_last))
    git("commit", "-q", "-m", "migrations")
    if stage_last is not None:
        git("add", "--", str(stage_last))
