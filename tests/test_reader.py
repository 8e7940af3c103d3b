from __future__ import annotations

import importlib.util
import os
import pickle
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from revlib.script import _literals, _names, reader
from revlib.script.reader import (
    MISSING,
    ConflictMarkerError,
    DynamicValueError,
    EncodingError,
    Header,
    ReadError,
    ReadWarning,
    SourceSyntaxError,
    parse_header,
    read_header,
)
from revlib.util.exc import CommandError

NAMES = ("revision", "down_revision", "branch_labels", "depends_on")

GENERIC_1_16 = b'''"""add loyalty points

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
'''

GENERIC_1_11 = b'''"""add email

Revision ID: 7c4d2e9a0b13
Revises: 1a9c3e5f7b21
Create Date: 2023-06-01 10:15:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7c4d2e9a0b13'
down_revision: Union[str, None] = '1a9c3e5f7b21'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass
'''

PLAIN_OLD = b'''"""create account table

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
'''

MERGE = b'''"""merge heads

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
'''


def src(text: str) -> bytes:
    return textwrap.dedent(text).encode()


def typed(value: object, *, set_order: bool = True) -> object:
    """A structure equal only for equal values of the same types (and, for sets, the same
    iteration order unless ``set_order`` is false)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k, set_order=set_order), typed(v)) for k, v in value.items()])
    if isinstance(value, (tuple, list, set, frozenset)):
        items = [typed(item, set_order=set_order) for item in value]
        if isinstance(value, (set, frozenset)) and not set_order:
            items.sort(key=repr)
        return (type(value).__name__, items)
    return (type(value).__name__, repr(value))


def header_values(header: Header, *, set_order: bool = True) -> dict[str, object]:
    values = {name: typed(getattr(header, name), set_order=set_order) for name in NAMES}
    values["__doc__"] = typed(header.docstring)
    return values


def expected_values(**expected: object) -> dict[str, object]:
    values = {name: typed(expected.get(name, MISSING), set_order=False) for name in NAMES}
    values["__doc__"] = typed(expected.get("__doc__"))
    return values


def module_values(module: object, *, set_order: bool = True) -> dict[str, object]:
    values = {name: typed(getattr(module, name, MISSING), set_order=set_order) for name in NAMES}
    values["__doc__"] = typed(getattr(module, "__doc__", None))
    return values


def import_file(path: Path) -> object:
    """What Alembic does with a version file (the test oracle: it runs the file)."""
    spec = importlib.util.spec_from_file_location(f"revlib_oracle_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ast_only(source: bytes, path: str = "versions/x.py", **kwargs: object) -> Header:
    return reader._read(
        source, path, (), complete=True, load_all=lambda: source, fast_path=False, **kwargs
    )


CASES = [
    pytest.param(
        GENERIC_1_16,
        dict(
            revision="9e0f4a6b2c87",
            down_revision="7c4d2e9a0b13",
            branch_labels=None,
            depends_on=None,
            __doc__="add loyalty points\n\nRevision ID: 9e0f4a6b2c87\nRevises: 7c4d2e9a0b13\n"
            "Create Date: 2026-11-02 10:45:00.000000\n\n",
        ),
        id="generic-template-1.16-annotated",
    ),
    pytest.param(
        GENERIC_1_11,
        dict(
            revision="7c4d2e9a0b13",
            down_revision="1a9c3e5f7b21",
            branch_labels=None,
            depends_on=None,
            __doc__="add email\n\nRevision ID: 7c4d2e9a0b13\nRevises: 1a9c3e5f7b21\n"
            "Create Date: 2023-06-01 10:15:00.000000\n\n",
        ),
        id="generic-template-1.11-annotated",
    ),
    pytest.param(
        PLAIN_OLD,
        dict(
            revision="1975ea83b712",
            down_revision=None,
            branch_labels=None,
            depends_on=None,
            __doc__="create account table\n\nRevision ID: 1975ea83b712\nRevises:\n"
            "Create Date: 2011-11-08 11:40:27.089406\n\n",
        ),
        id="plain-template-imports-after-assignments",
    ),
    pytest.param(
        MERGE,
        dict(
            revision="5a6b7c8d9e0f",
            down_revision=("3f2b8d1c6e45", "9e0f4a6b2c87"),
            branch_labels=None,
            depends_on=None,
            __doc__="merge heads\n\nRevision ID: 5a6b7c8d9e0f\n"
            "Revises: 3f2b8d1c6e45, 9e0f4a6b2c87\nCreate Date: 2026-11-02 11:00:00.000000\n\n",
        ),
        id="merge-tuple",
    ),
    pytest.param(b'revision = "abc"\n', dict(revision="abc"), id="double-quotes"),
    pytest.param(
        src("""\
            down_revision = (
                "a1",  # first parent
                "b2",
            )
        """),
        dict(down_revision=("a1", "b2")),
        id="multi-line-tuple",
    ),
    pytest.param(b"depends_on = ['a', 'b']\n", dict(depends_on=["a", "b"]), id="list-stays-list"),
    pytest.param(b"branch_labels = ['a',]\n", dict(branch_labels=["a"]), id="list-trailing-comma"),
    pytest.param(b"down_revision = ('a',)\n", dict(down_revision=("a",)), id="one-tuple"),
    pytest.param(b"down_revision = ('a')\n", dict(down_revision="a"), id="parenthesised-str"),
    pytest.param(b"down_revision = ()\n", dict(down_revision=()), id="empty-tuple"),
    pytest.param(b"depends_on = []\n", dict(depends_on=[]), id="empty-list"),
    pytest.param(b"branch_labels = {}\n", dict(branch_labels={}), id="empty-braces-are-a-dict"),
    pytest.param(b"branch_labels = {'x', 'y'}\n", dict(branch_labels={"x", "y"}), id="small-set"),
    pytest.param(
        ("branch_labels = {" + ", ".join(f"'label{i}'" for i in range(12)) + "}\n").encode(),
        dict(branch_labels={f"label{i}" for i in range(12)}),
        id="large-set-in-python-order",
    ),
    pytest.param(
        b"A = 'a'\nbranch_labels = {A, 'b', 'c', 'd', 'e', 'f', 'g'}\n",
        dict(branch_labels={"a", "b", "c", "d", "e", "f", "g"}),
        id="set-with-a-name-in-python-order",
    ),
    pytest.param(b"revision = 'ab' 'cd'\n", dict(revision="abcd"), id="implicit-concatenation"),
    pytest.param(
        b'revision = (\n    "ab"\n    "cd"\n)\n', dict(revision="abcd"), id="implicit-concat-lines"
    ),
    pytest.param(b"revision = r'a\\b'\n", dict(revision="a\\b"), id="raw-string"),
    pytest.param(b"revision = '''abc'''\n", dict(revision="abc"), id="triple-quoted-value"),
    pytest.param(b"revision = 'a\\x41\\n'\n", dict(revision="aA\n"), id="escape-sequences"),
    pytest.param(b"revision = u'abc'\n", dict(revision="abc"), id="u-prefix"),
    pytest.param(
        b"revision = b'ab'\ndown_revision = 12\nbranch_labels = -1.5\ndepends_on = True\n",
        dict(revision=b"ab", down_revision=12, branch_labels=-1.5, depends_on=True),
        id="bytes-numbers-bools-as-python-has-them",
    ),
    pytest.param(
        b"depends_on = (('a', 'b'), ['c'], None)\n",
        dict(depends_on=(("a", "b"), ["c"], None)),
        id="nested-containers",
    ),
    pytest.param(
        b"revision = 'a'\nrevision = 'b'\n", dict(revision="b"), id="last-assignment-wins"
    ),
    pytest.param(
        b"revision = len('a')\nrevision = 'b'\n",
        dict(revision="b"),
        id="dynamic-value-overridden-by-literal",
    ),
    pytest.param(
        b"a = revision = down_revision = 'x'\n",
        dict(revision="x", down_revision="x"),
        id="chained-assignment",
    ),
    pytest.param(
        b"revision, down_revision = 'a', 'b'\n",
        dict(revision="a", down_revision="b"),
        id="tuple-targets",
    ),
    pytest.param(
        b"revision, down_revision = 'a', len('b')\ndown_revision = None\n",
        dict(revision="a", down_revision=None),
        id="tuple-target-gets-its-own-item",
    ),
    pytest.param(
        b"revision, *down_revision = 'a', 'b', 'c'\n",
        dict(revision="a", down_revision=["b", "c"]),
        id="starred-target",
    ),
    pytest.param(
        b"[revision, down_revision] = 'ab'\n",
        dict(revision="a", down_revision="b"),
        id="unpacking-a-string",
    ),
    pytest.param(
        b"BASE = 'x'\ndown_revision = BASE\n",
        dict(down_revision="x"),
        id="name-in-file",
    ),
    pytest.param(
        b"A = 'x'\nB = ('y', A)\ndown_revision = (A, B)\n",
        dict(down_revision=("x", ("y", "x"))),
        id="names-inside-containers",
    ),
    pytest.param(
        b"A = 'x'\nrevision = A\nA = 'y'\ndown_revision = A\n",
        dict(revision="x", down_revision="y"),
        id="name-resolves-to-binding-before-its-line",
    ),
    pytest.param(
        b"A = ['x']\nrevision = A\nA = ['y']\n",
        dict(revision=["x"]),
        id="rebinding-a-list-name-does-not-change-the-old-list",
    ),
    pytest.param(b"revision: str\n", {}, id="annotation-without-value-does-not-bind"),
    pytest.param(
        b"revision = 'a'\nrevision: str\n", dict(revision="a"), id="bare-annotation-keeps-value"
    ),
    pytest.param(b"(revision := 'a')\n", dict(revision="a"), id="walrus-at-module-level"),
    pytest.param(
        b"down_revision = [(revision := 'a'), 'b']\n",
        dict(revision="a", down_revision=["a", "b"]),
        id="walrus-inside-a-literal",
    ),
    pytest.param(
        b"depends_on = {'a': ['b'], 'c': None, 'a': 1}\n",
        dict(depends_on={"a": 1, "c": None}),
        id="dict-literal",
    ),
    pytest.param(
        b"global revision\nrevision = 'a'\n", dict(revision="a"), id="module-level-global"
    ),
    pytest.param(
        src("""\
            import logging
            log = logging.getLogger(__name__)
            NAMES = ['a']
            NAMES.append('b')
            revision = 'r'
        """),
        dict(revision="r"),
        id="unrelated-dynamic-statements-are-fine",
    ),
    pytest.param(
        src("""\
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from collections.abc import Sequence
            try:
                import json
            except ImportError:
                json = None
            revision = 'r'
            down_revision = None
        """),
        dict(revision="r", down_revision=None),
        id="if-and-try-blocks-that-bind-other-names",
    ),
    pytest.param(
        b"from __future__ import annotations\nrevision: str = 'a'\n",
        dict(revision="a"),
        id="future-import",
    ),
    pytest.param(
        b"import os\n'''not a docstring'''\nrevision = 'a'\n",
        dict(revision="a"),
        id="string-after-import-is-not-a-docstring",
    ),
    pytest.param(b"'single'\n", {"__doc__": "single"}, id="single-quoted-docstring"),
    pytest.param(b"'a' 'b'\n", {"__doc__": "ab"}, id="concatenated-docstring"),
    pytest.param(b"r'''a\\tb'''\n", {"__doc__": "a\\tb"}, id="raw-docstring"),
    pytest.param(b"'''a\\x41\\nb'''\n", {"__doc__": "aA\nb"}, id="docstring-with-escapes"),
    pytest.param(
        b"'''  Title\n\n    Body\n\t  more\n    '''\n",
        {
            "__doc__": "Title\n\nBody\n      more\n"
            if sys.version_info >= (3, 13)  # the compiler dedents docstrings since 3.13
            else "  Title\n\n    Body\n\t  more\n    "
        },
        id="indented-docstring-as-this-python-stores-it",
    ),
    pytest.param(b"b'bytes'\n", {}, id="bytes-first-statement-is-not-a-docstring"),
    pytest.param(b"f'doc'\n", {}, id="f-string-first-statement-is-not-a-docstring"),
    pytest.param(
        b"'''doc'''\n__doc__ = 'other'\n", {"__doc__": "other"}, id="assigning-dunder-doc"
    ),
    pytest.param(b"", {}, id="empty-file"),
    pytest.param(b"# just a comment\n\n", {}, id="only-comments"),
    pytest.param(b'"""Only a docstring."""\n', {"__doc__": "Only a docstring."}, id="only-doc"),
    pytest.param(
        '"""Ajoute la colonne « prénom »"""\nrevision = "é1"\n'.encode(),
        {"__doc__": "Ajoute la colonne « prénom »", "revision": "é1"},
        id="non-ascii-utf8",
    ),
    pytest.param(
        b'# -*- coding: latin-1 -*-\n"""caf\xe9"""\nrevision = "\xe91"\n',
        {"__doc__": "café", "revision": "é1"},
        id="coding-cookie-latin-1",
    ),
    pytest.param(
        b'#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\n"""caf\xe9"""\n',
        {"__doc__": "café"},
        id="vim-cookie-on-line-2",
    ),
    pytest.param(
        b'\xef\xbb\xbf"""caf\xc3\xa9"""\nrevision = "a"\n',
        {"__doc__": "café", "revision": "a"},
        id="utf-8-bom",
    ),
    pytest.param(
        b'\xef\xbb\xbf# coding: utf-8\nrevision = "a"\n',
        {"revision": "a"},
        id="utf-8-bom-with-utf-8-cookie",
    ),
    pytest.param(
        GENERIC_1_16.replace(b"\n", b"\r\n"),
        dict(
            revision="9e0f4a6b2c87",
            down_revision="7c4d2e9a0b13",
            branch_labels=None,
            depends_on=None,
            __doc__="add loyalty points\n\nRevision ID: 9e0f4a6b2c87\nRevises: 7c4d2e9a0b13\n"
            "Create Date: 2026-11-02 10:45:00.000000\n\n",
        ),
        id="crlf-line-endings",
    ),
    pytest.param(
        b'"""a\rb"""\rrevision = "r"\rdown_revision = None\rdef upgrade():\r    pass\r',
        {"__doc__": "a\nb", "revision": "r", "down_revision": None},
        id="cr-line-endings",
    ),
    pytest.param(
        b'"""Notes\n\ndef upgrade() in docstring\n"""\nrevision = "r"\n'
        b"\ndef upgrade():\n    pass\n",
        {"__doc__": "Notes\n\ndef upgrade() in docstring\n", "revision": "r"},
        id="def-at-line-start-inside-docstring",
    ),
    pytest.param(
        b'"""Notes\n\nclass Foo:\n"""\nrevision = "r"\n',
        {"__doc__": "Notes\n\nclass Foo:\n", "revision": "r"},
        id="class-at-line-start-inside-docstring-without-def",
    ),
    pytest.param(
        b"import functools\nrevision = 'r'\n@functools.lru_cache\ndef f():\n    pass\n",
        {"revision": "r"},
        id="decorator-ends-header",
    ),
    pytest.param(
        b"revision = 'r'\nclassic = 'not a class'\ndefinitely = 'not a def'\n",
        {"revision": "r"},
        id="names-starting-with-class-or-def",
    ),
    pytest.param(
        b"# Copyright \xa9 2020\nrevision = 'a'  # caf\xe9\n",
        {"revision": "a"},
        id="undecodable-bytes-in-comments-are-accepted-like-python",
    ),
    pytest.param(
        b"#!/usr/bin/env python \xff\n# vim: set fileencoding=latin-1 :\nrevision = '\xe9'\n",
        {"revision": "é"},
        id="cookie-on-line-2-after-undecodable-comment",
    ),
    pytest.param(
        "revision = 'r'\nclassé = 1\ndown_revision = 'd'\n".encode(),
        {"revision": "r", "down_revision": "d"},
        id="non-ascii-name-starting-with-class",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_header_values(source: bytes, expected: dict[str, object]) -> None:
    header = parse_header(source, "versions/x.py")
    assert header_values(header, set_order=False) == expected_values(**expected)
    assert header.warnings == ()


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_header_values_equal_what_python_binds(
    tmp_path: Path, source: bytes, expected: dict[str, object]
) -> None:
    path = tmp_path / "version.py"
    path.write_bytes(source)
    # Set order is compared separately: CPython's own varies with string interning and .pyc use.
    expected = module_values(import_file(path), set_order=False)
    assert header_values(read_header(path), set_order=False) == expected


@pytest.mark.parametrize(
    "display",
    [
        pytest.param("{'a', 'b'}", id="two-items"),
        pytest.param("{" + ", ".join(f"'x-{i}'" for i in range(40)) + "}", id="many-constants"),
        pytest.param("{(1, 'a'), -2, 'x-y', 3.5, b'z', None}", id="mixed-constants"),
        pytest.param("{A, " + ", ".join(f"'x-{i}'" for i in range(40)) + "}", id="with-a-name"),
    ],
)
def test_set_displays_iterate_in_the_order_python_builds_them(display: str) -> None:
    source = f"A = 'a-name'\nbranch_labels = {display}\n"
    namespace: dict[str, object] = {}
    exec(compile(source, "x.py", "exec"), namespace)
    for header in (parse_header(source.encode(), "x.py"), ast_only(source.encode())):
        assert typed(header.branch_labels) == typed(namespace["branch_labels"])


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_fast_path_and_ast_path_agree(source: bytes, expected: dict[str, object]) -> None:
    fast, slow = parse_header(source, "versions/x.py"), ast_only(source)
    assert header_values(fast) == header_values(slow)
    assert (dict(fast.lines), fast.warnings) == (dict(slow.lines), slow.warnings)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(GENERIC_1_16, id="generic-1.16"),
        pytest.param(GENERIC_1_11, id="generic-1.11"),
        pytest.param(PLAIN_OLD, id="plain"),
        pytest.param(MERGE, id="merge"),
        pytest.param(GENERIC_1_16.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(b"# -*- coding: latin-1 -*-\n'''caf\xe9'''\nrevision = 'x'\n", id="latin-1"),
        pytest.param(b"branch_labels = {'a', 'b', 'c'}\n", id="set"),
        pytest.param(b"from __future__ import annotations\nrevision = 'x'\n", id="future"),
    ],
)
def test_common_headers_take_the_fast_path(source: bytes) -> None:
    end = reader._HEADER_END.search(source)
    head = source[: end.start()] if end else source
    text = reader._source_text(head, source, "x.py").text
    assert _literals.fast_header(text) is not None


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(b"revision = make()\n", id="call"),
        pytest.param(b"revision = 'a' 'b'\n", id="implicit-concatenation"),
        pytest.param(b"revision = 'a\\n'\n", id="escape"),
        pytest.param(b"x = 1\nfrom __future__ import annotations\n", id="misplaced-future"),
        pytest.param(b"from __future__ import braces\n", id="unknown-future"),
        pytest.param(b"import revision\n", id="import-binds-tracked-name"),
        pytest.param(b"class = 'a'\n", id="keyword-target"),
        pytest.param(b"x: Union[str,] = 'a'\n", id="unusual-annotation"),
        pytest.param(b"  revision = 'a'\n", id="indented"),
        pytest.param(b"revision = 'a'; b = 1\n", id="semicolon"),
        pytest.param(b"__doc__ = 'x'\n", id="dunder-doc"),
        pytest.param(b"'''doc\n", id="unterminated-docstring"),
    ],
)
def test_unusual_lines_leave_the_fast_path(source: bytes) -> None:
    assert _literals.fast_header(source.decode()) is None


def test_bindings_after_the_first_def_are_not_read() -> None:
    # The documented contract: the header ends at the first top-level def/class.
    header = parse_header(b"revision = 'a'\ndef upgrade():\n    pass\nrevision = 'b'\n", "x.py")
    assert header.revision == "a"


def test_lines_are_those_of_the_last_assignment() -> None:
    header = parse_header(
        src("""\
            '''doc'''
            revision = 'a'
            down_revision = None

            revision = (
                'b'
            )
            a, branch_labels = 'x', ('y',)
        """),
        "x.py",
    )
    assert dict(header.lines) == {"revision": 5, "down_revision": 3, "branch_labels": 8}


NOT_RUN = "revlib reads migration files without running them"
REVISION_HINT = '\n  hint: write it as a string literal, e.g. revision = "1a2b3c4d5e6f"'
DOWN_HINT = (
    "\n  hint: write it as a literal string, tuple of strings or None, "
    'e.g. down_revision = "1a2b3c4d5e6f"'
)
DEPENDS_HINT = (
    "\n  hint: write it as a literal string, tuple of strings or None, e.g. depends_on = None"
)


def dynamic(line: int, name: str, reason: str, hint: str) -> str:
    return f"versions/ab12_x.py:{line}: {name} is not a literal value ({reason}); {NOT_RUN}{hint}"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            b"revision = 'ab12'\n\ndown_revision = get_down_revision(revision)\n",
            dynamic(3, "down_revision", "a call to get_down_revision()", DOWN_HINT),
            id="call",
        ),
        pytest.param(
            b"revision = f'{PREFIX}1'\n",
            dynamic(1, "revision", "an f-string", REVISION_HINT),
            id="f-string",
        ),
        pytest.param(
            b"down_revision = 'a' if FLAG else None\n",
            dynamic(1, "down_revision", "a conditional expression", DOWN_HINT),
            id="conditional",
        ),
        pytest.param(
            b"depends_on = [r for r in ('a',)]\n",
            dynamic(1, "depends_on", "a list comprehension", DEPENDS_HINT),
            id="comprehension",
        ),
        pytest.param(
            b"PARENTS = ('a',)\ndown_revision = PARENTS[0]\n",
            dynamic(2, "down_revision", "a subscription (PARENTS[...])", DOWN_HINT),
            id="subscription",
        ),
        pytest.param(
            b"revision = 'ab' + 'cd'\n",
            dynamic(1, "revision", "string arithmetic (+)", REVISION_HINT),
            id="string-arithmetic",
        ),
        pytest.param(
            b"P = ('a',)\ndown_revision = (*P, 'b')\n",
            dynamic(2, "down_revision", "a tuple with a starred item", DOWN_HINT),
            id="starred",
        ),
        pytest.param(
            b"down_revision = PARENT\n",
            dynamic(1, "down_revision", "PARENT: not defined before line 1", DOWN_HINT),
            id="undefined-name",
        ),
        pytest.param(
            b"revision = 'a'\ndown_revision = __name__\n",
            dynamic(
                2, "down_revision", "__name__: a name Python provides, not a literal", DOWN_HINT
            ),
            id="name-python-provides",
        ),
        pytest.param(
            b"PARENT = compute()\n\ndown_revision = (PARENT,)\n",
            dynamic(3, "down_revision", "PARENT (line 1): a call to compute()", DOWN_HINT),
            id="name-bound-to-a-call",
        ),
        pytest.param(
            b"A = f()\nB = A\ndown_revision = B\n",
            dynamic(3, "down_revision", "B (line 2) -> A (line 1): a call to f()", DOWN_HINT),
            id="chain-of-names",
        ),
        pytest.param(
            b"revision = 'a'\nrevision += 'b'\n",
            dynamic(2, "revision", "changed by augmented assignment (+=)", REVISION_HINT),
            id="augmented-assignment",
        ),
        pytest.param(
            b"revision = 'a'\ndel revision\n",
            dynamic(2, "revision", "deleted by del", REVISION_HINT),
            id="del",
        ),
        pytest.param(
            b"P = ['a']\ndown_revision = P\nP += ['b']\n",
            dynamic(
                2,
                "down_revision",
                "possibly changed in place by the statement on line 3",
                DOWN_HINT,
            ),
            id="augmented-assignment-on-a-referenced-list",
        ),
        pytest.param(
            b"down_revision = ['a']\nextend(down_revision)\n",
            dynamic(
                1,
                "down_revision",
                "possibly changed in place by the statement on line 2",
                DOWN_HINT,
            ),
            id="list-passed-to-a-call",
        ),
        pytest.param(
            b"P = ('a', ['b'])\ndown_revision = P[1]\nP[1].append('c')\ndown_revision = P\n",
            dynamic(
                4,
                "down_revision",
                "possibly changed in place by the statement on line 3",
                DOWN_HINT,
            ),
            id="list-inside-a-tuple-changed",
        ),
        pytest.param(
            b"P = ['a']\nP.append('b')\nrevision, *down_revision = P\n",
            dynamic(
                3,
                "revision",
                "possibly changed in place by the statement on line 2",
                REVISION_HINT,
            ),
            id="unpacking-a-changed-list",
        ),
        pytest.param(
            b"revision, down_revision = {'a', 'b'}\n",
            dynamic(
                1, "revision", "unpacking a set, whose order Python does not fix", REVISION_HINT
            ),
            id="unpacking-a-set",
        ),
        pytest.param(
            b"revision = 'a'\nif FLAG:\n    revision = 'b'\n",
            dynamic(3, "revision", "assigned inside an if statement (line 2)", REVISION_HINT),
            id="assigned-inside-if",
        ),
        pytest.param(
            b"try:\n    from x import revision\nexcept ImportError:\n    pass\n",
            dynamic(2, "revision", "assigned inside a try statement (line 1)", REVISION_HINT),
            id="imported-inside-try",
        ),
        pytest.param(
            b"revision = 'a'\nfrom helpers import *\n",
            dynamic(
                2,
                "revision",
                "possibly rebound by `from helpers import *` (line 2)",
                REVISION_HINT,
            ),
            id="star-import-after-assignment",
        ),
        pytest.param(
            b"import os\nrevision = os\n",
            dynamic(
                2,
                "revision",
                "os (line 1): module os not found (looked for os.py or os/__init__.py "
                "but the search path is empty)",
                "\n  hint: add the directory that contains the 'os' package to the search path",
            ),
            id="module-not-found",
        ),
        pytest.param(
            b"revision = (x := make())\n",
            dynamic(1, "revision", "a call to make()", REVISION_HINT),
            id="walrus-around-a-call",
        ),
    ],
)
def test_dynamic_values_are_errors_with_line_and_hint(source: bytes, message: str) -> None:
    for read in (parse_header, ast_only):
        with pytest.raises(DynamicValueError) as caught:
            read(source, "versions/ab12_x.py")
        assert str(caught.value) == message
        assert caught.value.path == "versions/ab12_x.py"


@pytest.mark.parametrize(
    ("source", "warning", "expected"),
    [
        pytest.param(
            b"revision = 'a'\nbranch_labels = (cli.EXPAND_BRANCH,)\n",
            ReadWarning(
                "x.py",
                2,
                "branch_labels is not a literal value (cli: not defined before line 2); ignored",
            ),
            dict(revision="a"),
            id="branch-labels-only",
        ),
        pytest.param(
            b"from sqlalchemy import *\nrevision = 'a'\n",
            ReadWarning(
                "x.py",
                1,
                "`from sqlalchemy import *` might bind down_revision, branch_labels, "
                "depends_on; assumed not",
            ),
            dict(revision="a"),
            id="star-import-might-bind-missing-names",
        ),
        pytest.param(
            b"'''doc'''\n__doc__ = 5\nrevision = 'a'\n",
            ReadWarning("x.py", 2, "__doc__ is not a string; ignored"),
            dict(revision="a"),
            id="dunder-doc-not-a-string",
        ),
    ],
)
def test_readable_with_a_warning(
    source: bytes, warning: ReadWarning, expected: dict[str, object]
) -> None:
    header = parse_header(source, "x.py")
    assert header.warnings == (warning,)
    assert header_values(header, set_order=False) == expected_values(**expected)


def test_unreadable_branch_labels_keeps_its_line() -> None:
    header = parse_header(b"revision = 'a'\nbranch_labels = make()\n", "x.py")
    assert header.branch_labels is MISSING
    assert dict(header.lines) == {"revision": 1, "branch_labels": 2}
    assert str(header.warnings[0]) == (
        "x.py:2: branch_labels is not a literal value (a call to make()); ignored"
    )


def python_syntax_error(source: bytes) -> SyntaxError:
    try:
        compile(source, "x.py", "exec")
    except SyntaxError as error:
        return error
    raise AssertionError("no syntax error")


@pytest.mark.parametrize(
    ("source", "line"),
    [
        pytest.param(b"revision = 'a\n", 1, id="unterminated-string"),
        pytest.param(b"revision = 'a'\ndown_revision = (\n", 2, id="unclosed-bracket"),
        pytest.param(b"revision = 'a'\n  down_revision = None\n", 2, id="unexpected-indent"),
        pytest.param(b"revision = 'a'\nreturn\n", 2, id="return-outside-function"),
        pytest.param(b"x = 1\nfrom __future__ import annotations\n", 2, id="late-future-import"),
        pytest.param(
            b'"""doc\ndef upgrade():\n    pass\n',
            1,
            id="unterminated-docstring-containing-def",
        ),
        pytest.param(
            b"revision = 'a'\ndown_revision = [\ndef upgrade():\n    pass\n",
            2,
            id="header-cut-inside-brackets-reports-full-file-error",
        ),
    ],
)
def test_syntax_errors_report_pythons_message_and_line(source: bytes, line: int) -> None:
    expected = python_syntax_error(source)
    with pytest.raises(SourceSyntaxError) as caught:
        parse_header(source, "x.py")
    assert (caught.value.line, caught.value.message) == (line, f"syntax error: {expected.msg}")
    assert expected.lineno == line
    assert str(caught.value) == f"x.py:{line}: syntax error: {expected.msg}"


def test_nesting_too_deep_for_the_parser_is_a_syntax_error() -> None:
    source = b"revision = " + b"-" * 200_000 + b"1\n"
    with pytest.raises(SourceSyntaxError):
        parse_header(source, "x.py")


CONFLICT_HINT = "\n  hint: resolve the conflict and remove the marker lines"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            src("""\
                revision = 'c3'
                <<<<<<< HEAD
                down_revision = 'a1'
                =======
                down_revision = 'b2'
                >>>>>>> feature
            """),
            "x.py:2: unresolved merge conflict (marker '<<<<<<<')" + CONFLICT_HINT,
            id="merge",
        ),
        pytest.param(
            b"revision = 'c3'\r\n<<<<<<< HEAD\r\n||||||| base\r\n=======\r\n>>>>>>> x\r\n",
            "x.py:2: unresolved merge conflict (marker '<<<<<<<')" + CONFLICT_HINT,
            id="diff3-crlf",
        ),
        pytest.param(
            b"=======\nrevision = 'b2'\n>>>>>>> feature\n",
            "x.py:1: unresolved merge conflict (marker '=======')" + CONFLICT_HINT,
            id="first-marker-line-is-reported",
        ),
        pytest.param(
            b"<<<<<<< HEAD\nrevision = 'a'\n=======\nrevision = 'b'\n>>>>>>>\n",
            "x.py:1: unresolved merge conflict (marker '<<<<<<<')" + CONFLICT_HINT,
            id="first-line",
        ),
    ],
)
def test_conflict_markers_are_reported_before_parsing(source: bytes, message: str) -> None:
    with pytest.raises(ConflictMarkerError) as caught:
        parse_header(source, "x.py")
    assert str(caught.value) == message


def test_a_lone_rest_underline_is_not_a_conflict_marker() -> None:
    header = parse_header(b'"""Title\n=======\n\nText\n"""\nrevision = "a"\n', "x.py")
    assert header.docstring == "Title\n=======\n\nText\n"


def test_conflict_markers_after_the_header_are_not_read() -> None:
    source = b"revision = 'a'\ndef upgrade():\n<<<<<<< HEAD\n    pass\n=======\n>>>>>>> x\n"
    assert parse_header(source, "x.py").revision == "a"


ENCODING_HINT = (
    "\n  hint: declare the file's encoding on its first line, e.g. "
    "'# -*- coding: latin-1 -*-', or re-save it as UTF-8"
)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            b"'''doc'''\nrevision = 'a'\ndown_revision = 'caf\xe9'\n",
            "x.py:3: cannot decode byte 0xe9 as utf-8" + ENCODING_HINT,
            id="latin-1-without-cookie",
        ),
        pytest.param(
            b"'''caf\xe9'''\n",
            "x.py:1: cannot decode byte 0xe9 as utf-8" + ENCODING_HINT,
            id="latin-1-without-cookie-on-line-1",
        ),
        pytest.param(
            b"'''a\r\nb'''\r\nrevision = '\xff'\r\n",
            "x.py:3: cannot decode byte 0xff as utf-8" + ENCODING_HINT,
            id="crlf-lines-counted-once",
        ),
        pytest.param(
            b"# -*- coding: klingon -*-\nrevision = 'a'\n",
            "x.py:1: unknown encoding 'klingon' in the coding declaration"
            "\n  hint: use an encoding Python knows, e.g. utf-8",
            id="unknown-cookie",
        ),
        pytest.param(
            b"\xef\xbb\xbf# coding: latin-1\nrevision = 'a'\n",
            "x.py:1: the file starts with a UTF-8 byte order mark but declares encoding "
            "'latin-1'\n  hint: remove the byte order mark or the cookie",
            id="bom-with-other-cookie",
        ),
        pytest.param(
            b"#!/usr/bin/env python\n# coding: utf-16\nrevision = 'a'\n",
            "x.py:2: unsupported encoding 'utf-16': Python source must be ASCII-compatible"
            + ENCODING_HINT,
            id="utf-16-cookie",
        ),
        pytest.param(
            b"revision = 'a'\n\x00\x01\x02\xff\n",
            "x.py:2: the file contains NUL bytes: it looks binary, not like Python source",
            id="nul-bytes",
        ),
        pytest.param(
            b"# coding: ascii\nrevision = 'caf\xc3\xa9'\n",
            "x.py:2: cannot decode byte 0xc3 as ascii" + ENCODING_HINT,
            id="bytes-outside-declared-encoding",
        ),
        pytest.param(
            b"revision = 'a'\n\ndown_revision = 'b' \xe9\n",
            "x.py:3: cannot decode byte 0xe9 as utf-8" + ENCODING_HINT,
            id="undecodable-byte-in-code",
        ),
        pytest.param(
            b"revision = 'a'  # ok: \xe9\ndepends_on = b'\xe9'\n",
            "x.py:2: cannot decode byte 0xe9 as utf-8" + ENCODING_HINT,
            id="undecodable-byte-in-bytes-literal",
        ),
        pytest.param(
            b"revision = 'a'  # ok: \xe9\nx = f'''{revision}\n\xe9'''\n",
            "x.py:3: cannot decode byte 0xe9 as utf-8" + ENCODING_HINT,
            id="undecodable-byte-in-f-string-on-a-later-line",
        ),
        pytest.param(
            b"revision = 'a'  # ok: \xe9\n'''docstring-like string\n\xe9'''\n",
            "x.py:3: cannot decode byte 0xe9 as utf-8" + ENCODING_HINT,
            id="undecodable-byte-in-a-string-statement",
        ),
    ],
)
def test_encoding_errors(source: bytes, message: str) -> None:
    with pytest.raises(EncodingError) as caught:
        parse_header(source, "x.py")
    assert str(caught.value) == message
    with pytest.raises((SyntaxError, ValueError)):
        compile(source, "x.py", "exec")  # Python refuses these files too


def test_binary_junk_is_an_encoding_error() -> None:
    junk = bytes(range(256)) * 40
    with pytest.raises(EncodingError):
        parse_header(junk, "x.py")


# Modules found through search_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def neutron_tree(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    for package in ("neutron", "neutron/db", "neutron/db/migration"):
        write(root / package / "__init__.py", "")
    write(
        root / "neutron/db/migration/cli.py",
        """\
        import os

        from neutron.db.migration import names

        # Executing this module would fail: revlib must only read it.
        raise SystemExit("imported!")

        EXPAND_BRANCH = 'expand'
        CONTRACT_BRANCH = names.CONTRACT
        MIGRATION_BRANCHES = (EXPAND_BRANCH, CONTRACT_BRANCH)
        DYNAMIC = os.environ.get("BRANCH")

        def helper():
            EXPAND_BRANCH = 'not this one'
        """,
    )
    write(root / "neutron/db/migration/names.py", "CONTRACT = 'contract'\n")
    return root


@pytest.mark.parametrize(
    ("imports", "expression", "expected"),
    [
        pytest.param(
            "from neutron.db.migration import cli",
            "cli.EXPAND_BRANCH",
            "expand",
            id="from-package-import-module",
        ),
        pytest.param(
            "import neutron.db.migration.cli as cli",
            "cli.EXPAND_BRANCH",
            "expand",
            id="import-as",
        ),
        pytest.param(
            "from neutron.db.migration.cli import EXPAND_BRANCH",
            "EXPAND_BRANCH",
            "expand",
            id="from-module-import-name",
        ),
        pytest.param(
            "from neutron.db.migration.cli import EXPAND_BRANCH as EXPAND",
            "(EXPAND,)",
            ("expand",),
            id="from-import-as-inside-tuple",
        ),
        pytest.param(
            "import neutron.db.migration.cli",
            "neutron.db.migration.cli.EXPAND_BRANCH",
            "expand",
            id="import-dotted-without-as",
        ),
        pytest.param(
            "from neutron.db.migration import cli",
            "cli.CONTRACT_BRANCH",
            "contract",
            id="name-imported-in-the-other-module",
        ),
        pytest.param(
            "from neutron.db.migration import cli",
            "cli.MIGRATION_BRANCHES",
            ("expand", "contract"),
            id="names-in-the-other-module",
        ),
    ],
)
def test_names_from_modules_on_the_search_path(
    neutron_tree: Path, imports: str, expression: str, expected: object
) -> None:
    source = f"{imports}\nrevision = 'a'\nbranch_labels = {expression}\n".encode()
    header = parse_header(source, "versions/x.py", search_path=[str(neutron_tree)])
    assert typed(header.branch_labels) == typed(expected)
    assert header.warnings == ()
    assert "neutron" not in sys.modules


def test_package_module_in_init_file(tmp_path: Path) -> None:
    write(tmp_path / "labels/__init__.py", "BRANCH = 'shared'\n")
    source = b"from labels import BRANCH\ndepends_on = BRANCH\n"
    assert parse_header(source, "x.py", search_path=[str(tmp_path)]).depends_on == "shared"


def test_search_path_directories_are_tried_in_order(tmp_path: Path) -> None:
    write(tmp_path / "one/labels.py", "BRANCH = 'first'\n")
    write(tmp_path / "two/labels.py", "BRANCH = 'second'\n")
    source = b"from labels import BRANCH\ndepends_on = BRANCH\n"
    search = [str(tmp_path / "missing"), str(tmp_path / "one"), str(tmp_path / "two")]
    assert parse_header(source, "x.py", search_path=search).depends_on == "first"


def test_relative_import_resolves_against_the_version_directory(tmp_path: Path) -> None:
    write(tmp_path / "versions/_shared/__init__.py", "")
    write(tmp_path / "versions/_shared/labels.py", "BRANCH = 'rel'\n")
    version = write(
        tmp_path / "versions/ab12_x.py",
        """\
        from ._shared import labels
        from ._shared.labels import BRANCH
        revision = 'ab12'
        branch_labels = (labels.BRANCH, BRANCH)
        """,
    )
    assert read_header(version).branch_labels == ("rel", "rel")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            b"from neutron.db.migration import cli\ndown_revision = cli.DYNAMIC\n",
            "down_revision is not a literal value (neutron.db.migration.cli.DYNAMIC "
            "({cli}, line 11): a call to os.environ.get())",
            id="non-literal-in-the-other-module",
        ),
        pytest.param(
            b"from neutron.db.migration import cli\ndown_revision = cli.NOPE\n",
            "down_revision is not a literal value (neutron.db.migration.cli ({cli}) has no "
            "module-level assignment of NOPE)",
            id="name-missing-in-the-other-module",
        ),
        pytest.param(
            b"from neutron.db.migration import cli\ndown_revision = cli.helper\n",
            "down_revision is not a literal value (neutron.db.migration.cli.helper "
            "({cli}, line 13): a function)",
            id="function-in-the-other-module",
        ),
        pytest.param(
            b"from neutron.db import migration\ndown_revision = migration.cli\n",
            "down_revision is not a literal value (the module neutron.db.migration.cli)",
            id="a-module-is-not-a-literal",
        ),
    ],
)
def test_unresolvable_names_in_other_modules(
    neutron_tree: Path, source: bytes, message: str
) -> None:
    cli = neutron_tree / "neutron/db/migration/cli.py"
    with pytest.raises(DynamicValueError) as caught:
        parse_header(source, "x.py", search_path=[str(neutron_tree)])
    assert caught.value.message == f"{message.format(cli=cli)}; {NOT_RUN}"
    assert caught.value.line == 2


def test_module_not_found_names_the_module_and_directories(tmp_path: Path) -> None:
    source = b"from neutron.db.migration import cli\nrevision = 'a'\ndown_revision = cli.X\n"
    search = [str(tmp_path / "a"), str(tmp_path / "b")]
    with pytest.raises(DynamicValueError) as caught:
        parse_header(source, "x.py", search_path=search)
    assert str(caught.value) == (
        "x.py:3: down_revision is not a literal value (cli (line 1): module "
        "neutron.db.migration not found (looked for neutron/db/migration.py or "
        f"neutron/db/migration/__init__.py in {search[0]}, {search[1]})); {NOT_RUN}\n"
        "  hint: add the directory that contains the 'neutron' package to the search path"
    )


def test_lookups_on_disk_can_be_collected(neutron_tree: Path) -> None:
    lookups: list[str] = []
    token = _names.LOOKUPS.set(lookups)
    try:
        parse_header(GENERIC_1_16, "x.py", search_path=[str(neutron_tree)])
        assert lookups == []  # imports nobody uses are never looked for
        source = b"from neutron.db.migration import cli\nbranch_labels = cli.EXPAND_BRANCH\n"
        parse_header(source, "x.py", search_path=[str(neutron_tree)])
    finally:
        _names.LOOKUPS.reset(token)
    assert set(lookups) == {"neutron.db.migration"}


def test_circular_imports_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "one.py", "from two import X\n")
    write(tmp_path / "two.py", "from one import X\n")
    with pytest.raises(DynamicValueError, match="circular import"):
        parse_header(b"from one import X\nrevision = X\n", "x.py", search_path=[str(tmp_path)])


def test_long_import_chains_stop_at_the_depth_limit(tmp_path: Path) -> None:
    for index in range(20):
        write(tmp_path / f"m{index}.py", f"from m{index + 1} import X\n")
    write(tmp_path / "m20.py", "X = 'deep'\n")
    with pytest.raises(DynamicValueError, match="nested more than 8 modules deep"):
        parse_header(b"from m0 import X\nrevision = X\n", "x.py", search_path=[str(tmp_path)])


def test_unparsable_other_module(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "X = (\n")
    with pytest.raises(DynamicValueError, match=r"cannot parse .*broken\.py"):
        parse_header(b"from broken import X\nrevision = X\n", "x.py", search_path=[str(tmp_path)])


# Reading files


def test_read_header_accepts_path_objects_and_keeps_path_as_str(tmp_path: Path) -> None:
    path = tmp_path / "v.py"
    path.write_bytes(GENERIC_1_16)
    header = read_header(path)
    assert header.path == str(path)
    assert header == parse_header(GENERIC_1_16, str(path))


class CountingStream:
    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0

    def read(self, size: int) -> bytes:
        chunk = self.data[self.position : self.position + size]
        self.position += len(chunk)
        return chunk


def test_read_stops_soon_after_the_header() -> None:
    body = b"def upgrade():\n" + b"    op.execute('x')\n" * 600_000  # ~12 MB
    stream = CountingStream(GENERIC_1_16 + body)
    _, complete = reader._read_until_header_end(stream)  # type: ignore[arg-type]
    assert not complete
    assert stream.position <= reader._CHUNK


def test_unusual_header_parses_only_the_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    parse = _names.parse_module

    def spy(text: str, filename: str) -> object:
        parsed.append(text)
        return parse(text, filename)

    monkeypatch.setattr(_names, "parse_module", spy)
    header = "import os\nHOME = os.environ.get('HOME')\nrevision = 'a'\n"
    path = tmp_path / "v.py"
    path.write_bytes(header.encode() + b"def upgrade():\n" + b"    op.execute('x')\n" * 50_000)
    assert read_header(path).revision == "a"
    assert parsed == [header]


def test_eleven_megabyte_file_is_read_by_its_header(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_bytes(GENERIC_1_16 + b"# filler\n" * 1_200_000)  # ~11 MB, all after the header
    header = read_header(path)
    assert header.revision == "9e0f4a6b2c87"


def test_header_split_by_a_false_end_reads_the_whole_file(tmp_path: Path) -> None:
    padding = b"padding line\n" * 5000  # pushes the real header past the first chunks
    source = b'"""Doc\n' + padding + b'def in the docstring\n"""\nrevision = "late"\n'
    path = tmp_path / "v.py"
    path.write_bytes(source + b"\ndef upgrade():\n    pass\n" + b"# x\n" * 100_000)
    assert read_header(path).revision == "late"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: p / "missing.py", "No such file or directory", id="missing"),
        pytest.param(lambda p: p, "Is a directory", id="directory"),
        pytest.param(
            lambda p: (os.mkfifo(p / "pipe.py"), p / "pipe.py")[1],  # open() would block
            "not a regular file: a named pipe (FIFO)",
            id="named-pipe",
        ),
    ],
)
def test_os_errors_become_read_errors(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(ReadError) as caught:
        read_header(path)
    assert str(caught.value) == (
        f"{path}: cannot read the file: {message}\n  hint: every .py entry of a version "
        "location is loaded as a migration: make it a readable file, or move it out of the "
        "version location"
    )


@pytest.mark.parametrize("delta", [-10, -1, 1, 10, 70_000], ids=lambda d: f"size{d:+d}")
def test_a_size_hint_that_no_longer_holds_reads_the_whole_file(tmp_path: Path, delta: int) -> None:
    """The loader passes the size its ``lstat`` saw; a file that changed since is read in
    full all the same."""
    path = tmp_path / "v.py"
    path.write_bytes(b'revision = "a1"\ndown_revision = None\n' + b"# x\n" * 300)
    size = path.stat().st_size
    assert read_header(path, size=size) == read_header(path)
    assert read_header(path, size=size + delta) == read_header(path)


def test_a_size_hint_never_makes_a_named_pipe_a_file(tmp_path: Path) -> None:
    path = tmp_path / "pipe.py"
    os.mkfifo(path)
    with pytest.raises(ReadError, match="not a regular file: a named pipe"):
        read_header(path, size=0)
    with pytest.raises(ReadError, match="not a regular file: a named pipe"):
        read_header(path, size=12)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file"
)
def test_permission_denied_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "v.py"
    path.write_bytes(b"revision = 'a'\n")
    path.chmod(0)
    with pytest.raises(ReadError, match="cannot read the file: Permission denied"):
        read_header(path)


# The public types


def test_missing_is_a_falsy_singleton() -> None:
    assert repr(MISSING) == "MISSING"
    assert not MISSING
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


@pytest.mark.parametrize(
    ("error", "text"),
    [
        pytest.param(
            ReadError("a.py", 3, "bad", "fix it"), "a.py:3: bad\n  hint: fix it", id="all"
        ),
        pytest.param(ReadError("a.py", None, "bad"), "a.py: bad", id="no-line-no-hint"),
        pytest.param(DynamicValueError("a.py", 1, "x", None), "a.py:1: x", id="subclass"),
    ],
)
def test_read_error_text_and_data(error: ReadError, text: str) -> None:
    assert str(error) == text
    assert isinstance(error, CommandError)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.line, copy.hint) == (
        type(error),
        text,
        error.line,
        error.hint,
    )


def test_header_is_immutable() -> None:
    header = parse_header(GENERIC_1_16, "x.py")
    with pytest.raises(AttributeError):
        header.revision = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        header.lines["revision"] = 1  # type: ignore[index]


def test_header_defaults_for_callers_building_one() -> None:
    header = Header("x.py", revision="a")
    assert (header.down_revision, header.docstring, dict(header.lines), header.warnings) == (
        MISSING,
        None,
        {},
        (),
    )
