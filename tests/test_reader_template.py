"""The reader's template path against its exact (``ast``) path.

The template path (``reader._template_read``: one regular expression over the header) must give
exactly what the ``ast`` path gives (values, types, docstring, lines, warnings) or decline.
Generated headers mix the shapes it takes with every shape it must refuse; headers in the shapes
Alembic's own templates write, rendered by Alembic itself or generated, must be taken.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TypeVar

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revlib.script import _literals, _quick_read, reader
from revlib.script._quick_read import read_header_values
from revlib.script.reader import MISSING, ReadError, parse_header, read_header
from tests.test_reader_fuzz import outcome, typed

T = TypeVar("T")


def exact(source: bytes) -> tuple[object, ...]:
    return outcome(
        lambda: reader._read(
            source, "gen.py", (), complete=True, load_all=lambda: source, fast_path=False
        )
    )


def template(source: bytes) -> tuple[object, ...] | None:
    header = reader._template_read(source, "gen.py")
    return None if header is None else outcome(lambda: header)


def template_values(source: bytes) -> tuple[object, ...] | None:
    """What the no-cache loader's shortcut (``_literals.template_values``) reads, typed."""
    text = _quick_read.template_text(source)
    values = None if text is None else _literals.template_values(text)
    return None if values is None else tuple(typed(value) for value in values)


def exact_values(source: bytes) -> tuple[object, ...] | None:
    """The values a Script gets from the exact path's header, typed; None when the loader
    would report something instead (a read error, a warning, a revision that is no string)."""
    try:
        header = reader._read(
            source, "gen.py", (), complete=True, load_all=lambda: source, fast_path=False
        )
    except ReadError:
        return None
    if header.warnings or type(header.revision) is not str or header.down_revision is MISSING:
        return None
    values = (
        header.revision,
        header.down_revision,
        None if header.branch_labels is MISSING else header.branch_labels,
        None if header.depends_on is MISSING else header.depends_on,
        header.docstring,
    )
    return tuple(typed(value) for value in values)


# -- headers rendered by Alembic -------------------------------------------------------------


def alembic_project(tmp_path: Path, template_name: str) -> Config:
    config = Config(str(tmp_path / "alembic.ini"))
    command.init(config, str(tmp_path / "migrations"), template=template_name)
    config = Config(str(tmp_path / "alembic.ini"))
    config.set_main_option("script_location", str(tmp_path / "migrations"))
    config.set_main_option("databases", "engine1, engine2")
    return config


def render_history(config: Config) -> None:
    """A history using every header value Alembic writes: None, one id, a tuple of ids (a
    merge), branch labels and depends_on, a message with quotes and non-ASCII text."""
    first = command.revision(config, message="create 'users'", rev_id="aaaa00000001")
    command.revision(config, message='add "email"', rev_id="bbbb00000002", head="aaaa00000001")
    command.revision(
        config,
        message="café branch",
        rev_id="cccc00000003",
        head="aaaa00000001",
        branch_label="feature",
        splice=True,
        depends_on="bbbb00000002",
    )
    command.merge(config, ["bbbb00000002", "cccc00000003"], message="merge", rev_id="dddd04")
    assert first is not None


@pytest.mark.parametrize("template_name", ["generic", "async", "multidb"])
def test_alembic_rendered_headers_take_the_template_path(
    tmp_path: Path, template_name: str
) -> None:
    config = alembic_project(tmp_path, template_name)
    render_history(config)
    paths = sorted((tmp_path / "migrations" / "versions").glob("*.py"))
    assert len(paths) == 4
    for path in paths:
        source = path.read_bytes()
        assert template(source) == exact(source), path.name
        assert template(source) is not None, path.name
        assert template_values(source) == exact_values(source), path.name
        assert template_values(source) is not None, path.name


def test_an_uncached_read_of_alembic_headers_never_needs_the_exact_reader(
    tmp_path: Path,
) -> None:
    """``revlib heads --no-cache`` on files Alembic wrote takes the template shortcut for
    every one: the exact reader (and dataclasses) are not even imported, and the answer is
    Alembic's."""
    config = alembic_project(tmp_path, "generic")
    render_history(config)
    code = (
        "import sys\n"
        "from hooks.cli import main\n"
        "main(['heads', '--no-cache'])\n"
        "print(sorted(m for m in ('revlib.script.reader', 'dataclasses') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    alembic_heads = [
        script.cmd_format(False, include_branches=True, tree_indicators=False)
        for script in ScriptDirectory.from_config(config).get_revisions("heads")
    ]
    assert result.stderr == ""
    assert result.stdout.splitlines() == [*alembic_heads, "[]"]


# -- headers in the templates' shapes ---------------------------------------------------------

IDS = st.text(alphabet="0123456789abcdef", min_size=1, max_size=12)
STOCK_TEXT = st.text(alphabet="abz09 -_:.,'()é\u00e9\u4e2d", max_size=20)
ANNOTATIONS = {
    "revision": ["", ": str"],
    "other": [
        "",
        ": Union[str, Sequence[str], None]",
        ": Union[str, None]",
        ": Optional[str]",
        ": str | Sequence[str] | None",
        ": typing.Union[str, typing.Sequence[str], None]",
    ],
}


def quoted(value: str, quote: str) -> str:
    return f"{quote}{value}{quote}"


@st.composite
def stock_value(draw: st.DrawFn) -> str:
    quote = draw(st.sampled_from(["'", '"']))
    ids = [quoted(i, quote) for i in draw(st.lists(IDS, max_size=3))]
    separator = draw(st.sampled_from([", ", ",", " , "]))
    forms = ["None", *ids[:1], f"({separator.join(ids)}{',' if len(ids) == 1 else ''})"]
    forms.append(f"[{separator.join(ids)}]")
    return draw(st.sampled_from(forms))


@st.composite
def stock_docstring(draw: st.DrawFn) -> str:
    message = draw(STOCK_TEXT)
    return draw(
        st.sampled_from(
            [
                f'"""{message}\n\nRevision ID: x\nRevises: \nCreate Date: 2024-01-01\n\n"""\n',
                "'''" + message.replace("'", "") + "'''\n",
                f'"{message}"\n' if '"' not in message else "",
                "",
            ]
        )
    )


@st.composite
def stock_header(draw: st.DrawFn) -> str:
    """A header as a template writes it, with the variations found in real projects."""
    docstring = draw(stock_docstring())
    imports = draw(
        st.lists(
            st.sampled_from(
                [
                    "from typing import Sequence, Union\n",
                    "from alembic import op\n",
                    "import sqlalchemy as sa\n",
                    "from sqlalchemy.dialects import postgresql\n",
                    "import sqlalchemy_utils  # noqa\n",
                    "\n",
                    "# revision identifiers, used by Alembic.\n",
                ]
            ),
            max_size=6,
        )
    )
    future = draw(st.sampled_from(["", "from __future__ import annotations\n"]))
    optional = [[], ["branch_labels"], ["branch_labels", "depends_on"], ["depends_on"]]
    names = ["revision", "down_revision", *draw(st.sampled_from(optional))]
    lines = []
    for name in names:
        annotation = draw(
            st.sampled_from(ANNOTATIONS["revision" if name == "revision" else "other"])
        )
        value = quoted(draw(IDS), "'") if name == "revision" else draw(stock_value())
        space = draw(st.sampled_from([" ", "", "  "]))
        comment = draw(st.sampled_from(["", "  # the parent", "  #"]))
        lines.append(f"{name}{annotation}{space}={space or ' '}{value}{comment}\n")
    tail = draw(st.sampled_from(["\n\n", "", "# end\n", "\n  \n"]))
    body = draw(st.sampled_from(["def upgrade():\n    pass\n", "", "class A:\n    pass\n"]))
    return docstring + future + "".join(imports) + "".join(lines) + tail + body


@settings(max_examples=500, deadline=None, database=None)
@given(text=stock_header())
def test_stock_header_shapes_take_the_template_path(text: str) -> None:
    source = text.encode("utf-8")
    answer = template(source)
    assert answer is not None
    assert answer == exact(source)
    if exact_values(source) is not None:
        assert template_values(source) == exact_values(source)


# -- every other shape -------------------------------------------------------------------------

PIECES = ["a", " ", "\n", '"', "'", "\\", "é", "\t", "def x", "<<<<<<< ", "#", "\x0c", "\u2028"]
BODY_TEXT = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
PREFIX_LINES = [
    "",
    "# comment",
    "#!/usr/bin/env python",
    "# -*- coding: utf-8 -*-",
    "# -*- coding: latin-1 -*-",
    "  # indented comment",
    "\x0c",
    "    ",
]
MIDDLE_LINES = [
    "from typing import Sequence, Union",
    "from alembic import op",
    "import sqlalchemy as sa  # noqa",
    "from __future__ import annotations",
    "from __future__ import braces",
    "import revision",
    "from x import revision",
    "from x import __doc__",
    "from x import *",
    "from x import (a,\n    b)",
    "from . import models",
    "import if",
    "import os.path",
    "from typing import Union as U",
    "importx = 1",
    "fromage = 'a'",
    "x = 1",
    "'''a string statement'''",
    "revision = 'early'",
    "",
    "# revision identifiers, used by Alembic.",
    "  import os",
]
ANY_ANNOTATIONS = [
    "",
    ": str",
    ":str",
    " : str",
    ": Union[str, Sequence[str], None]",
    ": Optional[str]",
    ": str | None",
    ": tuple[str, ...]",
    ": 'str'",
    ": Union[str,]",
    ": Union[str",
    ": f()",
    ": (x := 1)",
    ": await x",
    ": yield",
    ": lambda: 1",
    ": if",
    ": a if b else c",
    ": not a",
    ": a, b",
    ": typing.List[str]",
    ": 1[2]",
    ": x; y",
    ":",
]
TAIL_LINES = [
    "",
    "# c",
    "revision = 'late'",
    "del revision",
    "if x:\n    revision = 'b'",
    "__doc__ = 'new'",
    "depends_on = None",
    "x = 1",
    "    ",
]
BODIES = [
    "def upgrade():\n    pass\n",
    "class X:\n    pass\n",
    "@dec\ndef f():\n    pass\n",
    "async def f():\n    pass\n",
    "async  def f():\n    pass\n",
    "define = 1\ndef f():\n    pass\n",
    "classy = 2\n",
    "asyncio = 3\n",
    "",
]


def string_literal(body: str, quote: str, prefix: str) -> str:
    return f"{prefix}{quote}{body}{quote}"


STRING_LITERALS = st.builds(
    string_literal,
    BODY_TEXT,
    st.sampled_from(["'", '"', "'''", '"""']),
    st.sampled_from(["", "", "", "r", "u", "b", "f", "R"]),
)
SIMPLE_STRINGS = st.builds(
    string_literal,
    st.text(alphabet="ab-é'\"\\ ", max_size=4),
    st.sampled_from(["'", '"']),
    st.sampled_from(["", "", "r", "b"]),
)


@st.composite
def any_value(draw: st.DrawFn) -> str:
    items = draw(st.lists(SIMPLE_STRINGS, max_size=3))
    separator = draw(st.sampled_from([", ", ",", " ,", ",\n    "]))
    trailing = draw(st.sampled_from(["", ",", ", "]))
    joined = separator.join(items) + trailing
    return draw(
        st.sampled_from(
            [
                "None",
                "Nonex",
                "True",
                "1",
                "A",
                "()",
                "[]",
                "(,)",
                f"({joined})",
                f"[{joined}]",
                f"{{{joined}}}",
                f"( {joined} )",
                " ".join(items) or "''",
                *items,
            ]
        )
    )


ANY_NAMES = ["revision", "down_revision", "branch_labels", "depends_on", "__doc__", "revisions"]


@st.composite
def any_assignment(draw: st.DrawFn, name: str | None = None) -> str:
    name = name or draw(st.sampled_from(ANY_NAMES))
    annotation = draw(st.sampled_from(ANY_ANNOTATIONS))
    before, after = draw(st.sampled_from([" ", "", "\t", "  "])), draw(st.sampled_from([" ", ""]))
    value = draw(any_value())
    trail = draw(st.sampled_from(["", "", "  # comment", "#c", ";", "; x = 1", " \\"]))
    return f"{name}{annotation}{before}={after}{value}{trail}"


def mostly(common: st.SearchStrategy[T], unusual: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """``common`` five times in six: most headers then differ from a stock one in a few
    places only, and reach the template path's edges rather than the parser's errors."""
    # (sampled_from, not integers: hypothesis favours the bounds of a range of integers)
    return st.sampled_from([*[common] * 5, unusual]).flatmap(lambda chosen: chosen)


RARELY = st.sampled_from([True, *[False] * 9])


@st.composite
def any_header(draw: st.DrawFn) -> bytes:
    prefix = draw(mostly(st.just([]), st.lists(st.sampled_from(PREFIX_LINES), max_size=2)))
    docstring = draw(
        mostly(
            stock_docstring().map(lambda doc: doc.removesuffix("\n")),
            st.one_of(st.just(""), STRING_LITERALS),
        )
    )
    middle = draw(
        mostly(
            st.lists(st.sampled_from(MIDDLE_LINES[:3] + MIDDLE_LINES[-3:-1]), max_size=4),
            st.lists(st.sampled_from(MIDDLE_LINES), max_size=4),
        )
    )
    stock = {
        "revision": "revision = 'a'",
        "down_revision": "down_revision = 'b'",
        "branch_labels": "branch_labels = None",
        "depends_on": "depends_on = None",
    }
    if draw(mostly(st.just(True), st.just(False))):  # the templates' order, a few lines changed
        names = draw(st.sampled_from([list(stock), list(stock)[:2], list(stock)[:3]]))
        assignments = [draw(mostly(st.just(stock[name]), any_assignment(name))) for name in names]
    else:
        any_line = st.one_of(st.sampled_from(list(stock.values())), any_assignment())
        assignments = draw(st.lists(any_line, max_size=5))
    tail = draw(mostly(st.just([]), st.lists(st.sampled_from(TAIL_LINES), max_size=2)))
    lines = [*prefix, *([docstring] if docstring else []), *middle, *assignments, *tail]
    text = "\n".join(lines) + draw(mostly(st.just("\n\n"), st.sampled_from(["", "\n"])))
    text += draw(st.sampled_from(BODIES))
    newline = draw(mostly(st.just("\n"), st.sampled_from(["\r\n", "\r"])))
    text = text.replace("\n", newline)
    encoding = "latin-1" if "coding: latin-1" in text else "utf-8"
    source = text.encode(encoding, errors="replace")
    if draw(RARELY):
        source = b"\xef\xbb\xbf" + source
    if draw(RARELY):  # a stray byte: undecodable, NUL, or a marker
        stray = draw(st.sampled_from([b"\xff", b"\x00", b"\xe9", b"\n>>>>>>> b\n", b"\r"]))
        position = draw(st.integers(0, len(source)))
        source = source[:position] + stray + source[position:]
    return source


@settings(
    max_examples=3000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(source=any_header())
def test_template_path_answers_only_what_the_ast_path_answers(source: bytes) -> None:
    answer = template(source)
    if answer is not None:
        assert answer == exact(source)
    assert outcome(lambda: parse_header(source, "gen.py")) == exact(source)
    values = template_values(source)
    if values is not None:
        assert values == exact_values(source)


# -- details ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(b"revision = 'a'\ndown_revision = 'b'\n", id="no-docstring"),
        pytest.param(b"revision = 'a'\ndown_revision = None", id="no-final-newline"),
        pytest.param(
            b"#!/usr/bin/env python\n'''doc'''\nrevision = 'a'\ndown_revision = ()\n"
            b"def f(): pass\n",
            id="shebang",
        ),
        pytest.param(
            b"\"\"\"caf\xc3\xa9\"\"\"\nrevision = 'a'\ndown_revision = ('b', 'c')\n",
            id="non-ascii-docstring",
        ),
    ],
)
def test_the_template_path_takes(source: bytes) -> None:
    assert template(source) is not None
    assert template(source) == exact(source)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(b"\xef\xbb\xbfrevision = 'a'\ndown_revision = None\n", id="bom"),
        pytest.param(b"# coding: utf-8\nrevision = 'a'\ndown_revision = None\n", id="cookie"),
        pytest.param(b"revision = 'a'\r\ndown_revision = None\r\n", id="crlf"),
        pytest.param(b"revision = 'a'\ndown_revision = None\nrevision = 'b'\n", id="reassigned"),
        pytest.param(b"revision = 'a\\n'\ndown_revision = None\n", id="escape"),
        pytest.param(b"revision = 'a' 'b'\ndown_revision = None\n", id="concatenation"),
        pytest.param(b"revision = 'a'\ndown_revision = (\n  'b',\n)\n", id="multi-line-tuple"),
        pytest.param(b"revision: 'str' = 'a'\ndown_revision = None\n", id="string-annotation"),
        pytest.param(
            b"from x import __doc__\nrevision = 'a'\ndown_revision = None\n", id="imports-doc"
        ),
        pytest.param(
            b"'''doc\n<<<<<<< ours\n'''\nrevision = 'a'\ndown_revision = None\n",
            id="conflict-marker",
        ),
        pytest.param(b"'''caf\xe9'''\nrevision = 'a'\ndown_revision = None\n", id="latin-1-byte"),
    ],
)
def test_the_template_path_declines(source: bytes) -> None:
    assert template(source) is None


def test_read_header_reads_small_and_large_files_alike(tmp_path: Path) -> None:
    header = b"'''doc'''\nrevision = 'a'\ndown_revision = None\n\n\ndef upgrade():\n"
    small, large = tmp_path / "small.py", tmp_path / "large.py"
    small.write_bytes(header + b"    pass\n")
    large.write_bytes(header + b"    x = 1\n" * 20_000)
    assert os.path.getsize(large) > _quick_read.SMALL_FILE
    expected = parse_header(small.read_bytes(), str(small))
    assert read_header(small) == expected
    assert read_header(large) == parse_header(large.read_bytes(), str(large))


def test_read_header_values_gives_a_template_header_s_values_and_any_other_header(
    tmp_path: Path,
) -> None:
    """The no-cache loader's shortcut: the values of a template-shaped header; for any other
    header, the Header read_header gives (with its warning, or the revision it must report)."""
    plain = tmp_path / "plain.py"
    plain.write_bytes(b"'''doc'''\nrevision = 'a'\ndown_revision = ('b', 'c')\n")
    expected = ("a", ("b", "c"), None, None, "doc")
    assert read_header_values(str(plain)) == expected
    assert read_header_values(str(plain), size=plain.stat().st_size) == expected
    for source in (
        b"revision = 'a'\ndown_revision = None\nbranch_labels = f()\n",
        b"revision = None\ndown_revision = None\n",
        b"revision = 'a'\r\ndown_revision = None\r\n",
    ):
        other = tmp_path / "other.py"
        other.write_bytes(source)
        assert read_header_values(str(other)) == read_header(other)
