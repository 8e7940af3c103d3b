"""The graph as a JSON-ready document: nodes and edges."""

from __future__ import annotations

from typing import Any

from revlib.render.view import GraphView

__all__ = ["graph_document"]


def graph_document(view: GraphView) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...], "shown", "total", "note"}``, nodes newest first.

    An edge is ``{"parent", "child", "kind"}`` with ``kind`` ``down_revision`` or
    ``depends_on``; only edges whose two ends are nodes are listed.
    """
    nodes = [
        {
            "revision": node.revision,
            "down_revision": list(node.parents),
            "depends_on": list(node.depends_on),
            "branch_labels": list(node.branch_labels),
            "doc": node.doc,
            "is_head": node.is_head,
            "is_base": node.is_base,
            "is_branch_point": node.is_branch_point,
            "is_merge_point": node.is_merge_point,
            "boundary": node.boundary,
        }
        for node in view.nodes
    ]
    edges = [
        {"parent": parent, "child": child, "kind": kind} for parent, child, kind in view.edges()
    ]
    return {
        "nodes": nodes,
        "edges": edges,
        "shown": view.shown,
        "total": view.total,
        "note": view.note,
    }
