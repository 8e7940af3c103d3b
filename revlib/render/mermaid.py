"""The graph as a Mermaid flowchart (GitHub renders these in Markdown).

Upgrades flow upwards (``flowchart BT``): each edge goes from a parent to its child, so the
heads are at the top as in ``revlib history``. Node names come from
:func:`~revlib.render.view.node_id`; labels are quoted, with every character that Mermaid
would read as syntax written as an entity code (``#quot;``, ``#35;``...).
"""

from __future__ import annotations

from revlib.render.view import GraphView, Node, node_id

__all__ = ["escape_label", "render_mermaid"]

_ENTITIES = {
    "#": "#35;",
    '"': "#quot;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
}
_CLASSES = {
    "head": "fill:#d3f9d8,stroke:#2b8a3e",
    "added": "fill:#fff3bf,stroke:#e67700,stroke-width:2px",
    "boundary": "fill:#f1f3f5,stroke:#868e96,stroke-dasharray:4 3,color:#495057",
}


def escape_label(text: str) -> str:
    """``text`` safe inside a quoted Mermaid label (any line break becomes a space)."""
    flat = " ".join(text.splitlines())
    return "".join(_ENTITIES.get(ch, ch) for ch in flat)


def render_mermaid(view: GraphView) -> str:
    """A ``flowchart BT`` of the view, ending in a newline."""
    lines = ["flowchart BT"]
    if view.note:
        lines.append(f"  %% {' '.join(view.note.splitlines())}")
    lines += [f'  {node_id(node.revision)}["{_label(node)}"]' for node in view.nodes]
    for parent, child, kind in view.edges():
        arrow = "-.->|depends on|" if kind == "depends_on" else "-->"
        lines.append(f"  {node_id(parent)} {arrow} {node_id(child)}")
    lines += _classes(view)
    return "\n".join(lines) + "\n"


def _label(node: Node) -> str:
    markers = [word for word in node.markers if not word.startswith("depends on: ")]
    title = node.revision + (f" ({', '.join(markers)})" if markers else "")
    label = escape_label(title)
    if node.doc:
        label += "<br/>" + escape_label(node.doc)
    return label


def _classes(view: GraphView) -> list[str]:
    members: dict[str, list[str]] = {name: [] for name in _CLASSES}
    for node in view.nodes:
        role = _role(node)
        if role:
            members[role].append(node_id(node.revision))
    lines = []
    for name, style in _CLASSES.items():
        if members[name]:
            lines.append(f"  classDef {name} {style}")
            lines.append(f"  class {','.join(members[name])} {name}")
    return lines


def _role(node: Node) -> str | None:
    if node.boundary:
        return "boundary"
    if node.added:
        return "added"
    return "head" if node.is_head else None
