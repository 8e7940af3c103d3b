"""Pictures of the revision graph: a terminal drawing, Mermaid, Graphviz DOT and JSON.

:mod:`revlib.render.view` chooses what to draw (a :class:`~revlib.render.view.GraphView`); the
other modules turn a view into text and know nothing of files, git or terminals.
"""

from __future__ import annotations

import json

from revlib.render.ascii import Style, plain, render_ascii
from revlib.render.data import graph_document
from revlib.render.dot import render_dot
from revlib.render.mermaid import render_mermaid
from revlib.render.view import GraphView, Node, neighbourhood_view, newest_view, view_of

__all__ = [
    "FORMATS",
    "GraphView",
    "Node",
    "Style",
    "neighbourhood_view",
    "newest_view",
    "render",
    "view_of",
]

FORMATS = ("ascii", "mermaid", "dot", "json")


def render(view: GraphView, output_format: str, style: Style = plain) -> str:
    """``view`` in one of :data:`FORMATS`, as text ending in a newline."""
    if output_format == "ascii":
        return render_ascii(view, style)
    if output_format == "mermaid":
        return render_mermaid(view)
    if output_format == "dot":
        return render_dot(view)
    if output_format == "json":
        return json.dumps(graph_document(view), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown graph format {output_format!r}; choose one of {FORMATS}")
