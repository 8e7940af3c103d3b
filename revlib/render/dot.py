"""The graph as Graphviz DOT: ``dot -Tsvg`` draws it.

Upgrades flow upwards (``rankdir=BT``): edges go from a parent to its child, ``depends_on``
edges dashed. Node names come from :func:`~revlib.render.view.node_id` (letters, digits and
``_`` only, so they need no quoting); labels are quoted with ``\\`` and ``"`` escaped, so a
docstring can never end the string or start one of DOT's ``\\N``-style escapes, and ``&`` as
``&amp;`` because Graphviz decodes HTML entities in every string.
"""

from __future__ import annotations

from revlib.render.view import GraphView, Node, node_id

__all__ = ["quote", "render_dot"]

_HEADER = (
    "digraph revisions {",
    "  rankdir=BT;",
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica",'
    " fontsize=11];",
    '  edge [color="#495057", arrowsize=0.7, fontname="Helvetica"];',
)
_FILL = {"head": "#d3f9d8", "added": "#fff3bf", "boundary": "#f1f3f5"}


def quote(text: str) -> str:
    """``text`` as a DOT double-quoted string; line breaks become centred ``\\n`` breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    return '"' + "\\n".join(escaped.splitlines() or [""]) + '"'


def render_dot(view: GraphView) -> str:
    """A ``digraph`` of the view, ending in a newline."""
    lines = list(_HEADER)
    if view.note:
        lines.append(f"  label={quote(view.note)};")
        lines.append('  labelloc=b; fontname="Helvetica"; fontsize=10;')
    lines += [f"  {node_id(node.revision)} [{_attributes(node)}];" for node in view.nodes]
    for parent, child, kind in view.edges():
        style = ' [style=dashed, label="depends on", fontsize=9]' if kind == "depends_on" else ""
        lines.append(f"  {node_id(parent)} -> {node_id(child)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _attributes(node: Node) -> str:
    markers = [word for word in node.markers if not word.startswith("depends on: ")]
    title = node.revision + (f" ({', '.join(markers)})" if markers else "")
    text = f"{title}\n{node.doc}" if node.doc else title
    attributes = [f"label={quote(text)}"]
    role = "boundary" if node.boundary else "added" if node.added else "head"
    if node.boundary or node.added or node.is_head:
        attributes.append(f'fillcolor="{_FILL[role]}"')
    if node.boundary:
        attributes.append('style="rounded,filled,dashed"')
        attributes.append('fontcolor="#495057"')
    if node.is_merge_point and not node.boundary:
        attributes.append("peripheries=2")
    return ", ".join(attributes)
