"""Mermaid, Graphviz DOT and JSON pictures of the graph: exact text, and the real parsers.

DOT is drawn by Graphviz's ``dot`` (installed by ``.ci/run``) and the labels read back from the
SVG. Mermaid goes through :mod:`tests.mermaid_syntax` always, and through Mermaid's own parser
when ``tests/mermaid/node_modules`` is installed (``.ci/run`` runs ``npm ci`` there).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revlib.render import render
from revlib.render.dot import quote
from revlib.render.mermaid import escape_label
from revlib.render.view import GraphView, Node, newest_view, node_id, topological
from tests import mermaid_syntax
from tests.test_graph import EXAMPLES, history, run

MERMAID_DIR = Path(__file__).resolve().parent / "mermaid"
NASTY_DOCS = [
    'say "hi"',
    "back\\slash \\N \\n \\\\ end\\",
    "<b>bold</b> & &amp; #quot; #35; `code`",
    "{braces} [square] (round) -> --> ; | %% :::",
    "ünïcødé ✓ 日本",
]
NASTY_IDS = ["end", "node", "12ab", "a.b", "a_2e_b", "has space", "ünï", 'q"x', "graph"]


def nasty_view() -> GraphView:
    """Revisions whose ids and docstrings hold every character the formats treat specially."""
    specs: list[tuple[object, ...]] = [(NASTY_IDS[0], None, {"doc": NASTY_DOCS[0]})]
    for number, rev in enumerate(NASTY_IDS[1:], start=1):
        extra = {"doc": NASTY_DOCS[number % len(NASTY_DOCS)], "labels": f"l{number}"}
        if number > 2:
            extra["deps"] = NASTY_IDS[number - 2]
        specs.append((rev, NASTY_IDS[number - 1], extra))
    return newest_view(history(*specs))


def views() -> dict[str, GraphView]:
    return {
        "shop": newest_view(history(*_example("shop"))),
        "warehouse": newest_view(history(*_example("warehouse"))),
        "nasty": nasty_view(),
        "window": newest_view(history(*_example("warehouse")), limit=3, hint='See "all".'),
        "added": GraphView(
            nodes=(
                Node("b", parents=("a",), is_head=True, added=True, doc="new"),
                Node("c", parents=("a",), is_head=True),
                Node("a", boundary=True, is_branch_point=True),
            ),
            total=3,
        ),
    }


def _example(name: str) -> list[tuple[object, ...]]:
    from revlib.config import Config
    from revlib.script import ScriptDirectory

    script_dir = ScriptDirectory.from_config(Config(str(EXAMPLES / name / "alembic.ini")))
    walked = list(script_dir.walk_revisions())
    return [
        (
            s.revision,
            s.down_revision,
            {"doc": s.doc, "labels": s._orig_branch_labels, "deps": s.dependencies},
        )
        for s in reversed(walked)
    ]


SHOP_MERMAID = """\
flowchart BT
  r_3f2b8d1c6e45["3f2b8d1c6e45 (head)<br/>create orders table"]
  r_9e0f4a6b2c87["9e0f4a6b2c87 (head)<br/>add loyalty points"]
  r_7c4d2e9a0b13["7c4d2e9a0b13 (branchpoint)<br/>add email to customers"]
  r_1a9c3e5f7b21["1a9c3e5f7b21 (base)<br/>create customers table"]
  r_7c4d2e9a0b13 --> r_3f2b8d1c6e45
  r_7c4d2e9a0b13 --> r_9e0f4a6b2c87
  r_1a9c3e5f7b21 --> r_7c4d2e9a0b13
  classDef head fill:#d3f9d8,stroke:#2b8a3e
  class r_3f2b8d1c6e45,r_9e0f4a6b2c87 head
"""
SHOP_DOT = """\
digraph revisions {
  rankdir=BT;
  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", \
fontsize=11];
  edge [color="#495057", arrowsize=0.7, fontname="Helvetica"];
  r_3f2b8d1c6e45 [label="3f2b8d1c6e45 (head)\\ncreate orders table", fillcolor="#d3f9d8"];
  r_9e0f4a6b2c87 [label="9e0f4a6b2c87 (head)\\nadd loyalty points", fillcolor="#d3f9d8"];
  r_7c4d2e9a0b13 [label="7c4d2e9a0b13 (branchpoint)\\nadd email to customers"];
  r_1a9c3e5f7b21 [label="1a9c3e5f7b21 (base)\\ncreate customers table"];
  r_7c4d2e9a0b13 -> r_3f2b8d1c6e45;
  r_7c4d2e9a0b13 -> r_9e0f4a6b2c87;
  r_1a9c3e5f7b21 -> r_7c4d2e9a0b13;
}
"""


@pytest.mark.parametrize(
    ("output_format", "expected"),
    [pytest.param("mermaid", SHOP_MERMAID, id="mermaid"), pytest.param("dot", SHOP_DOT, id="dot")],
)
def test_shop_picture_exact(output_format: str, expected: str) -> None:
    assert run(["graph", "--format", output_format], EXAMPLES / "shop") == (0, expected)


def test_json_nodes_and_edges() -> None:
    code, output = run(["graph", "--format", "json", "-r", "7c4d2e9a0b13:"], EXAMPLES / "shop")
    document = json.loads(output)
    assert code == 0
    assert [(n["revision"], n["boundary"], n["is_head"]) for n in document["nodes"]] == [
        ("3f2b8d1c6e45", False, True),
        ("9e0f4a6b2c87", False, True),
        ("7c4d2e9a0b13", False, False),
        ("1a9c3e5f7b21", True, False),
    ]
    assert document["edges"] == [
        {"parent": "7c4d2e9a0b13", "child": "3f2b8d1c6e45", "kind": "down_revision"},
        {"parent": "7c4d2e9a0b13", "child": "9e0f4a6b2c87", "kind": "down_revision"},
        {"parent": "1a9c3e5f7b21", "child": "7c4d2e9a0b13", "kind": "down_revision"},
    ]
    assert (document["shown"], document["total"], document["note"]) == (3, 4, None)
    assert document["nodes"][0] == {
        "revision": "3f2b8d1c6e45",
        "down_revision": ["7c4d2e9a0b13"],
        "depends_on": [],
        "branch_labels": [],
        "doc": "create orders table",
        "is_head": True,
        "is_base": False,
        "is_branch_point": False,
        "is_merge_point": False,
        "boundary": False,
    }


def test_dependency_edges_are_dashed_in_dot_and_dotted_in_mermaid() -> None:
    view = views()["warehouse"]
    dot, mermaid = render(view, "dot"), render(view, "mermaid")
    edge = "r_3a8f2c4e6b15 -> r_9b5e7a9c1d87"
    assert f'  {edge} [style=dashed, label="depends on", fontsize=9];\n' in dot
    assert "  r_3a8f2c4e6b15 -.->|depends on| r_9b5e7a9c1d87\n" in mermaid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('a "b"', "a #quot;b#quot;", id="quote"),
        pytest.param("#35; stays", "#35;35; stays", id="hash"),
        pytest.param("<br/> & `x`", "#lt;br/#gt; #amp; #96;x#96;", id="html-and-markdown"),
        pytest.param("two\nlines", "two lines", id="newline"),
        pytest.param("plain [x] (y)", "plain [x] (y)", id="brackets-inside-quotes"),
    ],
)
def test_mermaid_label_escaping(text: str, expected: str) -> None:
    assert escape_label(text) == expected
    assert mermaid_syntax.decode(expected) == " ".join(text.splitlines())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('a "b"', '"a \\"b\\""', id="quote"),
        pytest.param("back\\", '"back\\\\"', id="trailing-backslash"),
        pytest.param("\\N node", '"\\\\N node"', id="escape-sequence"),
        pytest.param("two\nlines", '"two\\nlines"', id="newline"),
        pytest.param("", '""', id="empty"),
        pytest.param("a &amp; b", '"a &amp;amp; b"', id="entity"),
    ],
)
def test_dot_quoting(text: str, expected: str) -> None:
    assert quote(text) == expected


@given(st.lists(st.text(min_size=1, max_size=6), min_size=2, max_size=6, unique=True))
def test_node_ids_are_safe_and_distinct(revisions: list[str]) -> None:
    ids = [node_id(rev) for rev in revisions]
    assert len(set(ids)) == len(ids)
    assert all(mermaid_syntax.re.fullmatch(r"r_[A-Za-z0-9_]+", i) for i in ids)


def test_topological_puts_children_before_parents_and_keeps_order_otherwise() -> None:
    nodes = [Node("a"), Node("x"), Node("b", parents=("a",)), Node("c", depends_on=("b",))]
    assert [n.revision for n in topological(nodes)] == ["x", "c", "b", "a"]


# -- the real parsers ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(views()))
def test_mermaid_passes_the_subset_checker_and_labels_read_back(name: str) -> None:
    view = views()[name]
    chart = mermaid_syntax.check(render(view, "mermaid"))
    assert list(chart.labels) == [node_id(n.revision) for n in view.nodes]
    assert sorted(chart.edges) == sorted(
        (node_id(p), node_id(c), kind) for p, c, kind in view.edges()
    )
    for node in view.nodes:
        assert chart.labels[node_id(node.revision)].endswith(node.doc)
        assert chart.labels[node_id(node.revision)].startswith(node.revision)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param('flowchart BT\n  r_a["say "hi""]\n', id="raw-quote"),
        pytest.param("flowchart BT\n  r_a --> r_b\n", id="undeclared-node"),
        pytest.param('flowchart BT\n  a.b["x"]\n', id="bad-id"),
        pytest.param('flowchart TD\n  r_a["x"]\n', id="direction"),
        pytest.param('flowchart BT\n  r_a["<b>x</b>"]\n', id="raw-html"),
    ],
)
def test_subset_checker_rejects_what_mermaid_rejects(bad: str) -> None:
    with pytest.raises(mermaid_syntax.MermaidSyntaxError):
        mermaid_syntax.check(bad)


def _mermaid_parse(texts: list[str]) -> list[str | None]:
    node = shutil.which("node")
    if node is None or not (MERMAID_DIR / "node_modules" / "mermaid").is_dir():
        pytest.skip("Mermaid's parser is not installed (cd tests/mermaid && npm ci)")
    result = subprocess.run(
        [node, str(MERMAID_DIR / "parse.mjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_mermaid_output_passes_mermaids_own_parser() -> None:
    texts = [render(view, "mermaid") for view in views().values()]
    broken = 'flowchart BT\n  r_a["unterminated]\n'
    results = _mermaid_parse([*texts, broken])
    assert results[:-1] == [None] * len(texts)
    assert results[-1] is not None  # the parser really parses: an open quote is an error


def _dot_svg(dot_text: str) -> ET.Element:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    result = subprocess.run(
        ["dot", "-Tsvg"], input=dot_text, capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
    return ET.fromstring(result.stdout)


@pytest.mark.parametrize("name", list(views()))
def test_dot_output_renders_with_graphviz_and_labels_read_back(name: str) -> None:
    view = views()[name]
    svg = _dot_svg(render(view, "dot"))
    ns = {"svg": "http://www.w3.org/2000/svg"}
    drawn = {}
    for group in svg.iterfind(".//svg:g[@class='node']", ns):
        title = group.find("svg:title", ns)
        assert title is not None
        drawn[title.text] = [text.text or "" for text in group.iterfind("svg:text", ns)]
    edges = {g.find("svg:title", ns).text for g in svg.iterfind(".//svg:g[@class='edge']", ns)}  # type: ignore[union-attr]
    assert set(drawn) == {node_id(n.revision) for n in view.nodes}
    for node in view.nodes:
        lines = drawn[node_id(node.revision)]
        assert lines[0].startswith(node.revision)
        assert lines[1:] == ([node.doc] if node.doc else [])
    assert edges == {f"{node_id(p)}->{node_id(c)}" for p, c, _ in view.edges()}
