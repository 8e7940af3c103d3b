"""Fuzz the static reader against Python's own execution of the same bytes.

Every input either reads to exactly the values Python binds by the time it reaches the file's
first top-level ``def``/``class`` (the reader's contract: the header), or raises a ``ReadError``.
Inputs Python itself cannot run are only checked for the second half. The fast path and the
``ast`` path must always agree.
"""

from __future__ import annotations

import ast
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revlib.script import _names, reader
from revlib.script.reader import MISSING, Header, ReadError, parse_header

NAMES = ("revision", "down_revision", "branch_labels", "depends_on")

SEEDS = [
    b'''"""add loyalty points

Revision ID: 9e0f4a6b2c87
Revises: 7c4d2e9a0b13
Create Date: 2026-11-02 10:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9e0f4a6b2c87'
down_revision: Union[str, Sequence[str], None] = '7c4d2e9a0b13'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("customers", sa.Column("points", sa.Integer()))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("customers", "points")
''',
    b'''"""create account table

Revision ID: 1975ea83b712
Revises:
Create Date: 2011-11-08 11:40:27.089406

"""

# revision identifiers, used by Alembic.
revision = '1975ea83b712'
down_revision = None
branch_labels = None
depends_on = None

from alembic import op
import sqlalchemy as sa


def upgrade():
    pass
''',
    b'''"""merge heads

Revision ID: 5a6b7c8d9e0f
Revises: 3f2b8d1c6e45, 9e0f4a6b2c87
Create Date: 2026-11-02 11:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '5a6b7c8d9e0f'
down_revision: Union[str, Sequence[str], None] = ('3f2b8d1c6e45', '9e0f4a6b2c87')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass
''',
    b'''"""add segment host mapping

Revision ID: 1df244e556f5
Revises: 659cbedf30a1
Create Date: 2016-01-15 12:45:10.000000

"""

from alembic import op
import sqlalchemy as sa

from neutron.db import migration
from neutron.db.migration import cli


# revision identifiers, used by Alembic.
revision = '1df244e556f5'
down_revision = '659cbedf30a1'
branch_labels = (cli.EXPAND_BRANCH,)

# milestone identifier, used by neutron-db-manage
neutron_milestone = [migration.NEWTON]


def upgrade():
    op.create_table('segmenthostmappings', sa.Column('segment_id', sa.String(36)))
''',
    b'# -*- coding: latin-1 -*-\r\n"""Caf\xe9 table\r\n\r\nRevision ID: a1b2c3\r\n"""\r\n'
    b'revision = "a1b2c3"\r\ndown_revision = ("x1", "y2")\r\n'
    b'branch_labels = {"caf\xe9", "b", "c"}\r\ndepends_on = ["x1"]\r\n\r\n'
    b"def upgrade():\r\n    pass\r\n",
    b'''"""names"""
from typing import Union
BASE = 'aaaa1111'
PARENTS = (BASE, 'bbbb2222')
revision: str = 'cccc3333'
down_revision: Union[str, tuple[str, ...], None] = PARENTS
branch_labels = None
depends_on: list[str] = [BASE]

class Helper:
    pass
''',
]

# Bytes and tokens inserted by the mutations. Nothing here can make Python run for long or
# touch the outside world when the mutated file is executed.
TOKENS = [
    *(bytes([c]) for c in b"'\"()[]{},:=+-*.@#\\;x0 \t\n"),
    b"\r\n",
    b"\r",
    b"\x0c",
    b"'''",
    b'"""',
    b"None",
    b"True",
    b"revision",
    b"down_revision",
    b"branch_labels",
    b"depends_on",
    b"__doc__",
    b"BASE",
    b"cli.EXPAND_BRANCH",
    b"u",
    b"r",
    b"b",
    b"f",
    b"del ",
    b"if 1:\n    ",
    b"def f():\n    pass\n",
    b"class C:\n    pass\n",
    b"async def g():\n    pass\n",
    b"@staticmethod\n",
    b"import os\n",
    b"from . import x\n",
    b"from typing import *\n",
    b"global x\n",
    b"x = ",
    b"a = revision = ",
    b"x, y = ",
    b"revision += 'x'\n",
    b"down_revision = ['a', 'b']\n",
    b"branch_labels = {'a', 'b', 'c', 'd', 'e', 'f'}\n",
    b"depends_on = BASE\n",
    b"BASE = 'base1'\n",
    b"(x := 'w')",
    b"f'{x}'",
    b"len('ab')",
    b"[i for i in 'ab']",
    b"lambda: 0",
    b"not ",
    b" and ",
    b" if 1 else ",
    b"'a' 'b'",
    b"\\n",
    b"\\x41",
    b"\\\n",
    b"\xe9",
    b"\xc3\xa9",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"# -*- coding: latin-1 -*-\n",
    b"# coding: utf-8\n",
    b"# coding: klingon\n",
    b"<<<<<<< HEAD\n",
    b"=======\n",
    b">>>>>>> branch\n",
    b"from __future__ import annotations\n",
    b"    ",
]

MUTATIONS = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 1 << 16), st.integers(0, 1 << 16)),
    min_size=1,
    max_size=6,
)


def mutate(seed: bytes, mutations: list[tuple[int, int, int]]) -> bytes:
    """Apply (kind, position, choice) edits: insert a token, delete a span, replace a byte with
    a token, or delete / duplicate / move a line."""
    data = bytearray(seed)
    for kind, position, choice in mutations:
        at = position % (len(data) + 1)
        token = TOKENS[choice % len(TOKENS)]
        if kind == 0:
            data[at:at] = token
        elif kind == 1:
            del data[at : at + 1 + choice % 12]
        elif kind == 2:
            data[at : at + 1] = token
        else:
            lines = bytes(data).splitlines(keepends=True) or [b""]
            line = lines.pop(at % len(lines))
            if choice % 3 == 1:
                lines.insert(at % (len(lines) + 1), line)
                lines.insert(at % (len(lines) + 1), line)
            elif choice % 3 == 2:
                lines.insert(choice % (len(lines) + 1), line)
            data = bytearray(b"".join(lines))
    return bytes(data)


@pytest.fixture(scope="module")
def neutron_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fake ``neutron`` package, importable by Python and on the reader's search path."""
    root = tmp_path_factory.mktemp("fuzz_src")
    for package, text in [
        ("neutron", ""),
        ("neutron/db", ""),
        ("neutron/db/migration", "NEWTON = 'newton'\n"),
    ]:
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text(text)
    (root / "neutron/db/migration/cli.py").write_text(
        "EXPAND_BRANCH = 'expand'\nCONTRACT_BRANCH = 'contract'\n"
    )
    sys.path.insert(0, str(root))
    yield str(root)
    sys.path.remove(str(root))
    for name in [name for name in sys.modules if name.split(".")[0] == "neutron"]:
        del sys.modules[name]


def python_header(source: bytes) -> dict[str, object] | None:
    """The module's names when Python's execution of ``source`` reaches its first top-level
    ``def`` or ``class``; ``None`` when Python cannot compile or run that far, or when that
    would import a module other than the few the seeds use."""
    if b"**" in source or b"<<" in source:
        return None  # could compute huge numbers; not worth the risk
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(source, "fuzz.py", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
            compile(tree, "fuzz.py", "exec", dont_inherit=True)
            statements = _names.header_statements(tree)
            if not _imports_only_known_modules(statements):
                return None
            header = ast.Module(body=statements, type_ignores=[])
            code = compile(header, "fuzz.py", "exec", dont_inherit=True)
            namespace: dict[str, object] = {"__name__": "fuzz", "__doc__": None}
            exec(code, namespace)
    except Exception:
        return None
    return namespace


KNOWN_MODULES = {"__future__", "alembic", "neutron", "os", "sqlalchemy", "typing"}


def _imports_only_known_modules(statements: list[ast.stmt]) -> bool:
    """Mutations can spell any module name; running an unknown module's code is not a test."""
    for node in ast.walk(ast.Module(body=statements, type_ignores=[])):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else [""]
        else:
            continue
        if any(name.split(".")[0] not in KNOWN_MODULES for name in names):
            return False
    return True


def typed(value: object, outer: tuple[int, ...] = ()) -> object:
    """Equal only for equal values of the same types (set order aside: see test_reader).
    Python's value may contain itself (``B.append(B)``); the reader's never does."""
    if id(value) in outer:
        return ("cycle",)
    inner = (*outer, id(value))
    if isinstance(value, dict):
        return ("dict", [(typed(k, inner), typed(v, inner)) for k, v in value.items()])
    if isinstance(value, (tuple, list, set, frozenset)):
        items = [typed(item, inner) for item in value]
        if isinstance(value, (set, frozenset)):
            items.sort(key=repr)
        return (type(value).__name__, items)
    return (type(value).__name__, repr(value))


def outcome(read: object) -> tuple[object, ...]:
    """What a read gave, comparable between the fast and the ast path."""
    try:
        header = read()  # type: ignore[operator]
    except ReadError as error:
        return ("error", type(error).__name__, str(error))
    assert isinstance(header, Header)
    values = tuple(typed(getattr(header, name)) for name in NAMES)
    return ("ok", values, typed(header.docstring), dict(header.lines), header.warnings)


def check(source: bytes, search_path: list[str]) -> None:
    fast = outcome(lambda: parse_header(source, "fuzz.py", search_path=search_path))
    slow = outcome(
        lambda: reader._read(
            source,
            "fuzz.py",
            search_path,
            complete=True,
            load_all=lambda: source,
            fast_path=False,
        )
    )
    assert fast == slow
    expected = python_header(source)
    if fast[0] == "error" or expected is None:
        return
    header = parse_header(source, "fuzz.py", search_path=search_path)
    unread = {warning.message.split(" ")[0] for warning in header.warnings}
    for name in NAMES:
        if name not in unread:
            assert typed(getattr(header, name)) == typed(expected.get(name, MISSING)), name
    if "__doc__" not in unread:
        assert typed(header.docstring) == typed(expected["__doc__"])


@settings(
    max_examples=2800,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.sampled_from(SEEDS), mutations=MUTATIONS)
def test_mutated_headers_read_like_python_or_raise_read_error(
    neutron_path: str, seed: bytes, mutations: list[tuple[int, int, int]]
) -> None:
    check(mutate(seed, mutations), [neutron_path])


# Headers generated statement by statement, mostly valid, to reach the deeper semantics.

TARGETS = st.sampled_from([*NAMES, "A", "B", "__doc__"])
STRINGS = st.text(alphabet="ab-é' \"\\", max_size=4)


def string_literal(text: str, quote: str, prefix: str) -> str:
    if prefix == "r":
        body = text.replace("\\", "").replace(quote[0], "")
    else:
        body = text.replace("\\", "\\\\").replace(quote[0], "\\" + quote[0])
    return f"{prefix}{quote}{body}{quote}"


ATOMS = st.one_of(
    st.builds(
        string_literal,
        STRINGS,
        st.sampled_from(["'", '"', "'''"]),
        st.sampled_from(["", "r", "u"]),
    ),
    st.sampled_from(["None", "True", "12", "-1.5", "b'x'", "A", "A", "B", "revision", "UNSET"]),
    st.sampled_from(["len(A)", "f'{A}'", "A + 'x'", "A[0]", "'a' if A else 'b'", "(x := 'w')"]),
)


def container(items: list[str], kind: str) -> str:
    joined = ", ".join(items)
    if kind == "tuple":
        return f"({joined}{',' if len(items) == 1 else ''})"
    if kind == "set":
        return "{" + joined + "}" if items else "set()"
    return f"[{joined}]"


VALUES = st.recursive(
    ATOMS,
    lambda inner: st.builds(
        container, st.lists(inner, max_size=4), st.sampled_from(["tuple", "list", "set"])
    ),
    max_leaves=8,
)
ANNOTATIONS = st.sampled_from(["", ": str", ": Union[str, Sequence[str], None]", ": 'x'"])

ASSIGNMENTS = st.builds(lambda t, a, v: f"{t}{a} = {v}", TARGETS, ANNOTATIONS, VALUES)
STATEMENTS = st.one_of(
    ASSIGNMENTS,
    ASSIGNMENTS,
    ASSIGNMENTS,
    ASSIGNMENTS,
    st.builds(lambda t, u, v: f"{t} = {u} = {v}", TARGETS, TARGETS, VALUES),
    st.builds(lambda t, u, v, w: f"{t}, {u} = {v}, {w}", TARGETS, TARGETS, VALUES, VALUES),
    st.builds(lambda t, u, v: f"{t}, *{u} = {v}", TARGETS, TARGETS, VALUES),
    st.builds(lambda t, v: f"{t} += {v}", TARGETS, VALUES),
    st.builds(lambda t: f"del {t}", TARGETS),
    st.builds(lambda t: f"B.append({t})", TARGETS),
    st.sampled_from(["B.append('z')", "B[0] = 'q'", "B.extend(A)", "revision = B"]),
    st.builds(lambda t, v: f"if A:\n    {t} = {v}", TARGETS, VALUES),
    st.builds(lambda t: f"{t}: str", TARGETS),
    st.sampled_from(
        [
            "from typing import Sequence, Union",
            "from alembic import op",
            "import sqlalchemy as sa",
            "from neutron.db.migration import cli",
            "from neutron.db.migration.cli import EXPAND_BRANCH as A",
            "B = cli.CONTRACT_BRANCH",
            "from typing import *",
            "'''a string statement'''",
            "pass",
            "def f():\n    return 'a'",
        ]
    ),
)


@settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    docstring=st.one_of(st.none(), STRINGS),
    preset=st.booleans(),
    statements=st.lists(STATEMENTS, max_size=8),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_generated_headers_read_like_python_or_raise_read_error(
    neutron_path: str, docstring: str | None, preset: bool, statements: list[str], newline: str
) -> None:
    lines = [] if docstring is None else [string_literal(docstring, '"""', "")]
    lines += ["from typing import Sequence, Union", "A = 'a-1'", "B = ['b', 'c']"]
    lines += [f"{name} = 'preset'" for name in NAMES if preset]
    source = newline.join([*lines, *statements, ""])
    check(source.encode(), [neutron_path])


def test_fuzz_seeds_are_read_like_python(neutron_path: str) -> None:
    for seed in SEEDS:
        assert python_header(seed) is not None
        check(seed, [neutron_path])


def test_mutation_keeps_positions_in_range() -> None:
    assert mutate(b"", [(1, 5, 5), (3, 0, 1), (2, 9, 0)]) == b"'"
    assert mutate(b"ab\n", [(0, 1, TOKENS.index(b"None"))]) == b"aNoneb\n"


def test_seed_file_reads_from_disk(tmp_path: Path, neutron_path: str) -> None:
    path = tmp_path / "1df244e556f5_add_segment_host_mapping.py"
    path.write_bytes(textwrap.dedent(SEEDS[3].decode()).encode())
    header = reader.read_header(path, search_path=[neutron_path])
    assert (header.revision, header.branch_labels) == ("1df244e556f5", ("expand",))
