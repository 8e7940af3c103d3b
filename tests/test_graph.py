"""``revlib graph``: the terminal drawing, the default window, ranges and colour."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hooks.cli import cli
from revlib.render.ascii import render_ascii
from revlib.render.view import GraphView, newest_view
from revlib.script import Script
from revlib.script.revision import RevisionMap

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

Spec = tuple[str, Any]  # (revision, down_revision) or (revision, down, {more})


def history(*specs: Sequence[Any]) -> list[Script]:
    """Scripts in load order wired into a RevisionMap, returned newest first as Alembic walks."""
    scripts = []
    for rev, down, *more in specs:
        extra = more[0] if more else {}
        scripts.append(
            Script.from_values(
                rev,
                f"{rev}.py",
                down,
                branch_labels=extra.get("labels"),
                depends_on=extra.get("deps"),
                docstring=extra.get("doc"),
            )
        )
    revision_map = RevisionMap(lambda: scripts)
    walked = revision_map.iterate_revisions("heads", "base", inclusive=True)
    return list(walked)  # type: ignore[arg-type]


def drawing(view: GraphView) -> str:
    return render_ascii(view)


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        pytest.param(
            [("a", None), ("b", "a"), ("c", "b")],
            "* c (head)\n* b\n* a (base)\n",
            id="linear",
        ),
        pytest.param(
            [("a", None), ("b", "a"), ("c", "a")],
            "* b (head)\n| * c (head)\n|/\n* a (branchpoint, base)\n",
            id="fork-two-heads",
        ),
        pytest.param(
            [("a", None), ("b", "a"), ("c", "a"), ("m", ("b", "c"))],
            "*   m (head, mergepoint)\n|\\\n* | b\n| * c\n|/\n* a (branchpoint, base)\n",
            id="merge",
        ),
        pytest.param(
            [("a", None), ("b", "a"), ("c", "a"), ("d", "a"), ("m", ("b", "c", "d"))],
            "*     m (head, mergepoint)\n"
            "|\\\n"
            "| |\\\n"
            "* | | b\n"
            "| * | c\n"
            "| | * d\n"
            "|/ /\n"
            "|/\n"
            "* a (branchpoint, base)\n",
            id="octopus-merge",
        ),
        pytest.param(
            [("a", None), ("b", None), ("x", "a"), ("y", "b"), ("z", "a")],
            "* x (head)\n| * z (head)\n| | * y (head)\n| | * b (base)\n|/\n"
            "* a (branchpoint, base)\n",
            id="two-bases-lane-ends",
        ),
        pytest.param(
            [("a", None), ("b", "a", {"labels": "feat", "deps": "a", "doc": "add\nthings"})],
            "* b (head, label: feat, depends on: a) add things\n* a (base)\n",
            id="label-dependency-doc",
        ),
        pytest.param(
            [("a", None, {"doc": "evil \x1b[2J\ttab"})],
            "* a (head, base) evil \\x1b[2J tab\n",
            id="control-characters-escaped",
        ),
    ],
)
def test_ascii_drawing(specs: list[Sequence[Any]], expected: str) -> None:
    assert drawing(newest_view(history(*specs))) == expected


def test_default_view_shows_newest_with_boundary_parents_and_a_note() -> None:
    specs = [("r0", None)] + [(f"r{n}", f"r{n - 1}") for n in range(1, 45)]
    view = newest_view(history(*specs), limit=3, hint="See all with --all.")
    assert drawing(view) == (
        "* r44 (head)\n* r43\n* r42\no r41 (boundary)\n"
        "Showing the newest 3 of 45 revisions. See all with --all.\n"
    )
    assert (view.shown, view.total) == (3, 45)


def test_boundary_lane_ending_pulls_the_next_lane_left() -> None:
    # Alembic walks c, d, b, a; the window keeps c and d, whose parents a and b are boundary.
    specs = [("a", None), ("b", "a"), ("c", "a"), ("d", "b")]
    assert drawing(newest_view(history(*specs), limit=2)) == (
        "* c (head)\n"
        "| * d (head)\n"
        "o | a (branchpoint, base, boundary)\n"
        " /\n"
        "o b (boundary)\n"
        "Showing the newest 2 of 4 revisions.\n"
    )


def run(args: list[str], cwd: Path, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-c", str(cwd / "alembic.ini"), *args], env=env)
    return result.exit_code, result.output


SHOP_GRAPH = (
    "* 3f2b8d1c6e45 (head) create orders table\n"
    "| * 9e0f4a6b2c87 (head) add loyalty points\n"
    "|/\n"
    "* 7c4d2e9a0b13 (branchpoint) add email to customers\n"
    "* 1a9c3e5f7b21 (base) create customers table\n"
)
WAREHOUSE_GRAPH = (
    "* 7f3c5e7a9b63 (head) add shipments\n"
    "| * a06f8b0d2e99 (head) add returns\n"
    "| | * 9b5e7a9c1d87 (head, depends on: 3a8f2c4e6b15) audit stock changes\n"
    "| | * 8a4d6f8b0c75 (base, label: audit, depends on: 1c0ffee00001) create audit log\n"
    "|/\n"
    "*   6e2b4d6f8a51 (mergepoint, branchpoint) merge stock and suppliers\n"
    "|\\\n"
    "* | 4b9e1d3f5a27 add reorder threshold\n"
    "* | 3a8f2c4e6b15 add stock levels\n"
    "| * 5c7a9e1b3d49 add suppliers\n"
    "|/\n"
    "* 2d1e5a7b9c03 (branchpoint) add sku index\n"
    "* 1c0ffee00001 (base) create products\n"
)


@pytest.mark.parametrize(
    ("example", "args", "expected"),
    [
        pytest.param("shop", [], SHOP_GRAPH, id="shop"),
        pytest.param("warehouse", [], WAREHOUSE_GRAPH, id="warehouse"),
        pytest.param(
            "warehouse",
            ["-r", "2d1e5a7b9c03:6e2b4d6f8a51"],
            "*   6e2b4d6f8a51 (mergepoint, branchpoint) merge stock and suppliers\n"
            "|\\\n"
            "* | 4b9e1d3f5a27 add reorder threshold\n"
            "* | 3a8f2c4e6b15 add stock levels\n"
            "| * 5c7a9e1b3d49 add suppliers\n"
            "|/\n"
            "* 2d1e5a7b9c03 (branchpoint) add sku index\n"
            "o 1c0ffee00001 (base, boundary) create products\n",
            id="range-with-boundary",
        ),
        pytest.param(
            "shop",
            ["-r", "7c4d2e9a0b13:"],
            "* 3f2b8d1c6e45 (head) create orders table\n"
            "| * 9e0f4a6b2c87 (head) add loyalty points\n"
            "|/\n"
            "* 7c4d2e9a0b13 (branchpoint) add email to customers\n"
            "o 1a9c3e5f7b21 (base, boundary) create customers table\n",
            id="open-range",
        ),
        pytest.param("shop", ["--all"], SHOP_GRAPH, id="all"),
    ],
)
def test_graph_command_draws_the_example(example: str, args: list[str], expected: str) -> None:
    code, output = run(["graph", *args], EXAMPLES / example)
    assert (code, output) == (0, expected)


def test_long_history_shows_the_newest_forty_and_says_how_to_see_all(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (tmp_path / "alembic.ini").write_text(f"[alembic]\nscript_location = {tmp_path}\n")
    (tmp_path / "script.py.mako").write_text("")
    for n in range(50):
        down = repr(f"r{n - 1:02d}") if n else "None"
        (versions / f"r{n:02d}.py").write_text(f"revision = 'r{n:02d}'\ndown_revision = {down}\n")
    code, output = run(["graph"], tmp_path)
    lines = output.splitlines()
    assert code == 0
    assert lines[0] == "* r49 (head)"
    assert lines[39:] == [
        "* r10",
        "o r09 (boundary)",
        "Showing the newest 40 of 50 revisions. "
        "See all with `revlib graph --all` (or a range: `-r base:heads`).",
    ]
    code, output = run(["graph", "--all"], tmp_path)
    assert output.splitlines()[-1] == "* r00 (base)"
    assert len(output.splitlines()) == 50
    code, output = run(["graph", "--format", "json"], tmp_path)
    document = json.loads(output)
    assert (document["shown"], document["total"], len(document["nodes"])) == (40, 50, 41)


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        pytest.param([], {}, False, id="piped-auto"),
        pytest.param(["--color", "always"], {}, True, id="always"),
        pytest.param(["--color", "never"], {}, False, id="never"),
        pytest.param(["--color", "auto"], {"NO_COLOR": "1"}, False, id="no-color-env"),
    ],
)
def test_colour_only_when_asked_or_on_a_terminal(
    args: list[str], env: dict[str, str], coloured: bool
) -> None:
    code, output = run(["graph", *args], EXAMPLES / "shop", **env)
    assert code == 0
    assert ("\x1b[" in output) is coloured
    if coloured:
        assert "\x1b[32m\x1b[1m3f2b8d1c6e45\x1b[0m" in output  # heads in bold green
        assert "\x1b[31m|\x1b[0m" in output  # the first lane in red, as git draws it


def test_colour_never_reaches_mermaid_dot_or_json() -> None:
    for output_format in ("mermaid", "dot", "json"):
        _, output = run(
            ["graph", "--format", output_format, "--color", "always"], EXAMPLES / "shop"
        )
        assert "\x1b[" not in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["-r", "nope"], "History range requires [start]:[end]", id="bad-range"),
        pytest.param(["-r", "zzz:"], "Can't locate revision identified by 'zzz'", id="unknown"),
    ],
)
def test_bad_range_is_one_message_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from hooks.cli import main

    assert main(["-c", str(EXAMPLES / "shop" / "alembic.ini"), "graph", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"revlib: error: {message}")


def test_readme_drawing_is_what_the_command_prints() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    block = readme.split("$ cd examples/warehouse && revlib graph\n", 1)[1].split("```", 1)[0]
    assert block == WAREHOUSE_GRAPH


def test_docs_picture_shows_the_warehouse_graph() -> None:
    """docs/graph.svg is `revlib graph --all --format dot | dot -Tsvg` of examples/warehouse
    (the bytes depend on the Graphviz version, so the nodes and edges are compared)."""
    import re

    svg = (EXAMPLES.parent / "docs" / "graph.svg").read_text()
    _, dot = run(["graph", "--all", "--format", "dot"], EXAMPLES / "warehouse")
    declared = set(re.findall(r"^  (r_\w+) \[", dot, re.M))
    edges = {f"{a}&#45;&gt;{b}" for a, b in re.findall(r"^  (r_\w+) -> (r_\w+)", dot, re.M)}
    titles = set(re.findall(r"<title>([^<]+)</title>", svg))
    assert titles == declared | edges | {"revisions"}
