"""Re-parenting a migration file: only ``down_revision`` and ``Revises:`` change, byte for byte.

Tables of exact outputs for each header style, a ``_noop`` table of files that must come back
byte-identical, the refusals, and a hypothesis property over every header style the reader
supports: re-parenting a file and re-parenting it back restores the original bytes, Python
(and the reader) see the new parents, and no other line changes.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revlib.reparent import ReparentError, current_parents, reparent_source, unified_diff
from revlib.script.reader import ConflictMarkerError, DynamicValueError, parse_header

TEMPLATE = '''"""add orders

Revision ID: 3f2b8d1c6e45
Revises: 7c4d2e9a0b13
Create Date: 2026-11-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '3f2b8d1c6e45'
down_revision: Union[str, Sequence[str], None] = '7c4d2e9a0b13'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("orders")
'''


def b(text: str) -> bytes:
    return text.encode()


# -- exact outputs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "new_parent", "expected"),
    [
        pytest.param(
            TEMPLATE,
            "9e0f4a6b2c87",
            TEMPLATE.replace("Revises: 7c4d2e9a0b13", "Revises: 9e0f4a6b2c87").replace(
                "None] = '7c4d2e9a0b13'", "None] = '9e0f4a6b2c87'"
            ),
            id="generic-template",
        ),
        pytest.param(
            'revision = "b"\ndown_revision = "a"  # the parent\n',
            "c",
            'revision = "b"\ndown_revision = "c"  # the parent\n',
            id="double-quotes-trailing-comment",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = None\n",
            "c",
            "revision = 'b'\ndown_revision = 'c'\n",
            id="base-takes-revision-quote",
        ),
        pytest.param(
            'revision = "b"\ndown_revision = None\n',
            "c",
            'revision = "b"\ndown_revision = "c"\n',
            id="base-takes-revision-double-quote",
        ),
        pytest.param(
            "revision = 'm'\ndown_revision = ('a', 'b')\n",
            "c",
            "revision = 'm'\ndown_revision = 'c'\n",
            id="tuple-to-string",
        ),
        pytest.param(
            "revision = 'm'\ndown_revision = ['a', 'b']\n",
            "c",
            "revision = 'm'\ndown_revision = ['c']\n",
            id="list-stays-a-list",
        ),
        pytest.param(
            "revision = 'm'\ndown_revision = 'a'\n",
            ("c", "d"),
            "revision = 'm'\ndown_revision = ('c', 'd')\n",
            id="string-to-tuple",
        ),
        pytest.param(
            'revision = "m"\ndown_revision = (\n    "a",  # ours\n    "b",  # theirs\n)\n',
            ("c", "d"),
            'revision = "m"\ndown_revision = (\n    "c",  # ours\n    "d",  # theirs\n)\n',
            id="multi-line-tuple-keeps-layout",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = u'a'\n",
            "c",
            "revision = 'b'\ndown_revision = u'c'\n",
            id="u-prefix-kept",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = ('a')\n",
            "c",
            "revision = 'b'\ndown_revision = ('c')\n",
            id="parenthesised-string",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = 'a'\n",
            (),
            "revision = 'b'\ndown_revision = None\n",
            id="to-base",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = 'x'\ndown_revision = 'a'\n",
            "c",
            "revision = 'b'\ndown_revision = 'x'\ndown_revision = 'c'\n",
            id="only-the-last-assignment",
        ),
        pytest.param(
            '"""Revises: a"""\nrevision = "b"\ndown_revision = "a"\n',
            "c",
            '"""Revises: c"""\nrevision = "b"\ndown_revision = "c"\n',
            id="revises-on-the-first-line",
        ),
        pytest.param(
            '"""msg\n\nRevises:   a   \n"""\nrevision = "b"\ndown_revision = "a"\n',
            "c",
            '"""msg\n\nRevises:   c   \n"""\nrevision = "b"\ndown_revision = "c"\n',
            id="revises-keeps-its-spacing",
        ),
        pytest.param(
            '"""msg\n\nRevises: \n"""\nrevision = "b"\ndown_revision = None\n',
            ("c", "d"),
            '"""msg\n\nRevises: c, d\n"""\nrevision = "b"\ndown_revision = ("c", "d")\n',
            id="revises-from-empty",
        ),
        pytest.param(
            '"""msg\nRevises: a\nRevises: a\n"""\nrevision = "b"\ndown_revision = "a"\n',
            "c",
            '"""msg\nRevises: c\nRevises: a\n"""\nrevision = "b"\ndown_revision = "c"\n',
            id="first-revises-line-only",
        ),
        pytest.param(
            '"""Revises: the billing rules\n\nRevises: a\n"""\nrevision = "b"\n'
            'down_revision = "a"\n',
            "c",
            '"""Revises: the billing rules\n\nRevises: c\n"""\nrevision = "b"\n'
            'down_revision = "c"\n',
            id="the-revises-line-naming-the-parent",
        ),
        pytest.param(
            'revision = "b"\ndown_revision = "a"\n\n\ndef upgrade():\n    """Revises: a"""\n',
            "c",
            'revision = "b"\ndown_revision = "c"\n\n\ndef upgrade():\n    """Revises: a"""\n',
            id="function-docstring-untouched",
        ),
        pytest.param(
            'revision = "b"\ndown_revision = "a"\n\n\ndef upgrade(:\n    pass\n',
            "c",
            'revision = "b"\ndown_revision = "c"\n\n\ndef upgrade(:\n    pass\n',
            id="syntax-error-in-body-is-not-ours",
        ),
    ],
)
def test_reparent_writes_exactly(source: str, new_parent: str | tuple[str, ...], expected: str):
    assert reparent_source(b(source), new_parent) == b(expected)


@pytest.mark.parametrize(
    ("source", "new_parent", "expected"),
    [
        pytest.param(
            b'\xef\xbb\xbf"""caf\xc3\xa9\r\n\r\nRevises: a\r\n"""\r\n'
            b"revision = 'b'\r\ndown_revision: str = 'a'  # \xc3\xa9\r\n",
            "c",
            b'\xef\xbb\xbf"""caf\xc3\xa9\r\n\r\nRevises: c\r\n"""\r\n'
            b"revision = 'b'\r\ndown_revision: str = 'c'  # \xc3\xa9\r\n",
            id="bom-crlf-utf8",
        ),
        pytest.param(
            b'# -*- coding: latin-1 -*-\n"""d\xe9j\xe0 vu \xe9\xe9\n\nRevises: a\n"""\n'
            b"revision = '\xe9'\ndown_revision = ('\xe9a', 'b')  # \xe9\n",
            ("c", "d"),
            b'# -*- coding: latin-1 -*-\n"""d\xe9j\xe0 vu \xe9\xe9\n\nRevises: c, d\n"""\n'
            b"revision = '\xe9'\ndown_revision = ('c', 'd')  # \xe9\n",
            id="latin-1-cookie",
        ),
        pytest.param(
            '"""ünïcödé 🎉\n\nRevises: a\n"""\nrevision = \'b\'\n'
            "down_revision = ('é', 'a')  # 🎉 after\n".encode(),
            ("ü", "c"),
            '"""ünïcödé 🎉\n\nRevises: ü, c\n"""\nrevision = \'b\'\n'
            "down_revision = ('ü', 'c')  # 🎉 after\n".encode(),
            id="utf8-multibyte-columns",
        ),
        pytest.param(
            b"revision = 'b'\rdown_revision = 'a'\r# tail\r",
            "c",
            b"revision = 'b'\rdown_revision = 'c'\r# tail\r",
            id="old-mac-line-endings",
        ),
        pytest.param(
            b"revision = 'b'\ndown_revision = 'a'\n# \xff undecodable in a comment\n",
            "c",
            b"revision = 'b'\ndown_revision = 'c'\n# \xff undecodable in a comment\n",
            id="undecodable-byte-in-comment-kept",
        ),
    ],
)
def test_reparent_keeps_encoding_and_line_endings(
    source: bytes, new_parent: str | tuple[str, ...], expected: bytes
):
    assert reparent_source(source, new_parent) == expected


# -- _noop: re-parenting to the current parents changes nothing ----------------------------

NOOP = [
    pytest.param(TEMPLATE, id="generic-template"),
    pytest.param("revision = 'b'\ndown_revision = None\n", id="none"),
    pytest.param("revision = 'b'\ndown_revision = ()\n", id="empty-tuple"),
    pytest.param("revision = 'b'\ndown_revision = []\n", id="empty-list"),
    pytest.param("revision = 'b'\ndown_revision = ( 'a' ,'b' , )\n", id="odd-spacing"),
    pytest.param("revision = 'b'\ndown_revision = 'a', 'b'\n", id="bare-tuple"),
    pytest.param("revision = 'b'\ndown_revision = ['a']  # c\n", id="one-element-list"),
    pytest.param("revision = 'b'\ndown_revision = ('a',)\n", id="one-element-tuple"),
    pytest.param("revision = 'b'\ndown_revision = '''a'''\n", id="triple-quoted-id"),
    pytest.param("revision = 'b'\ndown_revision = r'a'\n", id="raw-string"),
    pytest.param("revision = 'b'\n(down_revision) = 'a'\n", id="parenthesised-target"),
    pytest.param("revision = 'b'\ndown_revision = 'a'; x = 1\n", id="semicolon"),
    pytest.param("revision = 'b'\ndown_revision: 'Optional[str]' = 'a'\n", id="string-annot"),
    pytest.param('"""Revises: \n"""\nrevision = "b"\ndown_revision = None\n', id="empty-revises"),
    pytest.param('"""no revises line"""\nrevision = "b"\ndown_revision = "a"\n', id="no-revises"),
    pytest.param("revision = 'b'\ndown_revision = 'a'", id="no-final-newline"),
    pytest.param("\f\nrevision = 'b'\ndown_revision = 'a'\x0c\n", id="form-feeds"),
    pytest.param("revision = 'b'\ndown_revision = \\\n    'a'\n", id="backslash-continuation"),
]


@pytest.mark.parametrize("source", NOOP)
def test_reparent_to_current_parents_is_a_noop(source: str):
    data = b(source)
    assert reparent_source(data, current_parents(data)) == data


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "error", "message"),
    [
        pytest.param(
            "revision = 'b'\n",
            ReparentError,
            "f.py: the file never assigns down_revision",
            id="no-down-revision",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = revision = 'a'\n",
            ReparentError,
            "f.py:2: down_revision is assigned together with other names",
            id="chained",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = {'a'}\n",
            ReparentError,
            "f.py:2: down_revision is not a plain string, tuple or list of strings, or None",
            id="set",
        ),
        pytest.param(
            "revision = 'b'\nparent = 'a'\ndown_revision = parent\n",
            ReparentError,
            "f.py:3: down_revision is not a plain string, tuple or list of strings, or None",
            id="name-reference",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = 'a' 'b'\n",
            ReparentError,
            "f.py:2: down_revision is a string with escapes or implicit concatenation",
            id="implicit-concatenation",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = '\\x61'\n",
            ReparentError,
            "f.py:2: down_revision is a string with escapes or implicit concatenation",
            id="escape",
        ),
        pytest.param(
            "revision = 'b'\ndown_revision = get_parent()\n",
            DynamicValueError,
            "f.py:2: down_revision is not a literal value",
            id="call",
        ),
        pytest.param(
            "revision = 'b'\nif True:\n    down_revision = 'a'\n",
            DynamicValueError,
            "f.py:3: down_revision is not a literal value",
            id="inside-if",
        ),
        pytest.param(
            "revision = 'b'\n<<<<<<< HEAD\ndown_revision = 'a'\n=======\n"
            "down_revision = 'c'\n>>>>>>> x\n",
            ConflictMarkerError,
            "f.py:2: unresolved merge conflict (marker '<<<<<<<')",
            id="conflict-markers",
        ),
    ],
)
def test_reparent_refuses_what_it_cannot_rewrite(
    source: str, error: type[Exception], message: str
):
    with pytest.raises(error) as raised:
        reparent_source(b(source), "c", path="f.py")
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("new_parent", "message"),
    [
        pytest.param("", "f.py:2: cannot write '' as a revision id", id="empty"),
        pytest.param("a'b", 'f.py:2: cannot write "a\'b" as a revision id', id="quote"),
        pytest.param("a\\b", "f.py:2: cannot write 'a\\\\b' as a revision id", id="backslash"),
        pytest.param("a\nb", "f.py:2: cannot write 'a\\nb' as a revision id", id="newline"),
        pytest.param(("a", "a"), "f.py:2: duplicate parents: a, a", id="duplicates"),
    ],
)
def test_reparent_refuses_unwritable_parents(new_parent: str | tuple[str, ...], message: str):
    with pytest.raises(ReparentError) as raised:
        reparent_source(b"revision = 'b'\ndown_revision = 'x'\n", new_parent, path="f.py")
    assert str(raised.value).startswith(message)


def test_reparent_refuses_a_parent_the_encoding_cannot_hold():
    source = b"# coding: latin-1\nrevision = 'b'\ndown_revision = 'a'\n"
    with pytest.raises(ReparentError, match=r"cannot be written in the file's encoding"):
        reparent_source(source, "\u20ac", path="f.py")


def test_unified_diff_shows_the_two_lines():
    old = b(TEMPLATE)
    diff = unified_diff(old, reparent_source(old, "9e0f4a6b2c87"), "versions/x.py")
    changed = [line for line in diff.splitlines() if line[:1] in "+-"]
    assert changed == [
        "--- a/versions/x.py",
        "+++ b/versions/x.py",
        "-Revises: 7c4d2e9a0b13",
        "+Revises: 9e0f4a6b2c87",
        "-down_revision: Union[str, Sequence[str], None] = '7c4d2e9a0b13'",
        "+down_revision: Union[str, Sequence[str], None] = '9e0f4a6b2c87'",
    ]


# -- the property --------------------------------------------------------------------------

IDS = st.from_regex(r"[0-9a-z_]{1,14}", fullmatch=True)
ANNOTATIONS = [
    "",
    ": str",
    ": Optional[str]",
    ": Union[str, None]",
    ": Union[str, Sequence[str], None]",
    ": 'str | None'",
]
NEWLINES = ["\n", "\r\n", "\r"]
ENCODINGS = ["utf-8", "utf-8-bom", "latin-1", "ascii"]
DOC_TEXT = {
    "utf-8": "ünïcödé 🎉 ✓",
    "utf-8-bom": "çà et là 🚀",
    "latin-1": "déjà vu ½",
    "ascii": "",
}


def render_value(shape: str, parents: list[str], quote: str) -> str:
    strings = [f"{quote}{p}{quote}" for p in parents]
    if shape == "none":
        return "None"
    if shape == "string":
        return strings[0]
    if shape == "paren-string":
        return f"( {strings[0]} )"
    if shape == "list":
        return f"[{', '.join(strings)}]"
    if shape == "bare-tuple":
        return ", ".join(strings)
    if shape == "multi-line-tuple":
        items = "".join(f"    {s},  # parent {i}\n" for i, s in enumerate(strings))
        return f"(\n{items})"
    return f"({strings[0]},)" if len(strings) == 1 else f"({', '.join(strings)})"


SHAPES = {
    "none": (0, 0),
    "string": (1, 1),
    "paren-string": (1, 1),
    "tuple": (1, 4),
    "list": (0, 4),
    "bare-tuple": (2, 4),
    "multi-line-tuple": (1, 3),
}


@st.composite
def migration_files(draw: st.DrawFn, canonical: bool = False) -> tuple[bytes, tuple[str, ...]]:
    """A migration file in one of the styles the reader supports, and its parents."""
    shapes = ["none", "string", "tuple"] if canonical else sorted(SHAPES)
    shape = draw(st.sampled_from(shapes))
    low, high = SHAPES[shape]
    if canonical and shape == "tuple":
        low = 2
    parents = draw(st.lists(IDS, min_size=low, max_size=high, unique=True))
    quote = draw(st.sampled_from(["'", '"']))
    newline = draw(st.sampled_from(NEWLINES))
    encoding = draw(st.sampled_from(ENCODINGS))
    annotation = draw(st.sampled_from(ANNOTATIONS))
    equals = draw(st.sampled_from([" = ", "=", "  =  "]))
    comment = draw(st.sampled_from(["", "  # the parent", "  # ünïcode ½"]))
    with_doc = draw(st.booleans())
    revises = ", ".join(parents)
    doc = f'"""{DOC_TEXT[encoding]} msg\n\nRevision ID: abc\nRevises: {revises}\n"""\n'
    text = "".join(
        [
            "# -*- coding: latin-1 -*-\n" if encoding == "latin-1" else "",
            doc if with_doc else "",
            "from typing import Optional, Sequence, Union\n\n",
            f"revision{annotation}{equals}{quote}abc{quote}\n",
            f"down_revision{annotation}{equals}{render_value(shape, parents, quote)}",
            f"{comment if encoding != 'ascii' or comment.isascii() else ''}\n",
            "branch_labels = None\n\n\ndef upgrade() -> None:\n    pass  # ½\n",
        ]
    )
    text = text.replace("\n", newline)
    codec = "latin-1" if encoding == "latin-1" else "utf-8"
    data = text.encode(codec, errors="replace" if encoding == "ascii" else "strict")
    if encoding == "utf-8-bom":
        data = b"\xef\xbb\xbf" + data
    return data, tuple(parents)


def python_down_revision(source: bytes) -> object:
    namespace: dict[str, object] = {}
    exec(compile(source, "<migration>", "exec"), namespace)  # our generated file, not a user's
    return namespace["down_revision"]


def normalised(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]


def lines(data: bytes) -> list[bytes]:
    return re.split(rb"\r\n|\r|\n", data)


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.data())
def test_reparent_and_back_restores_the_bytes(data: st.DataObject):
    source, parents = data.draw(migration_files())
    new = tuple(
        data.draw(st.lists(IDS, min_size=len(parents), max_size=len(parents), unique=True))
    )
    moved = reparent_source(source, new)
    assert reparent_source(moved, parents) == source
    assert normalised(python_down_revision(moved)) == new
    assert normalised(parse_header(moved, "m.py").down_revision) == new
    # Same number of ids: only the down_revision value's and the Revises line's lines change.
    assert len(lines(source)) == len(lines(moved))
    changed = [
        i for i, (a, c) in enumerate(zip(lines(source), lines(moved), strict=True)) if a != c
    ]
    docstring_lines = 1 if b"Revises:" in source else 0
    assert len(changed) <= docstring_lines + max(1, len(parents))


@PROPERTY
@given(st.data())
def test_reparent_canonical_files_to_any_shape_and_back(data: st.DataObject):
    source, parents = data.draw(migration_files(canonical=True))
    new = tuple(data.draw(st.lists(IDS, min_size=0, max_size=3, unique=True)))
    moved = reparent_source(source, new)
    assert normalised(python_down_revision(moved)) == new
    assert reparent_source(moved, parents) == source
    assert current_parents(moved) == new
