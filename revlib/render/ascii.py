"""The graph as a terminal drawing in the manner of ``git log --graph``.

One row per node, newest first. Each lane is a column of ``|`` waiting for a revision; the
node sits in its lane as ``*`` (``o`` for a boundary node). Lanes that wait for the same
revision converge with ``/`` just before it (a branch point); a merge point opens a lane per
extra parent with ``\\``. Lanes only ever move one column per line, so every transition is a
few lines of ``|``, ``/`` and ``\\``.

Colour is the caller's business: :func:`render_ascii` hands every piece of text to ``style``
with a role name (``lane0`` .. ``lane5``, ``node``, ``boundary``, ``revision``, ``head``,
``marker``, ``label``, ``doc``, ``note``); the default returns the text unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from revlib.render.view import GraphView, Node, one_line

__all__ = ["LANE_ROLES", "Style", "plain", "render_ascii"]

Style = Callable[[str, str], str]
"""``style(role, text) -> text``: how a renderer asks for colour without knowing terminals."""

LANE_ROLES = tuple(f"lane{number}" for number in range(6))

_Cell = tuple[str, str]  # (character, role)
_Lanes = list[str]  # the revision each lane waits for, left to right


def plain(_role: str, text: str) -> str:
    """No styling."""
    return text


@dataclass
class _Move:
    """One lane on its way from column ``at`` to column ``to``."""

    at: int
    to: int
    role: str


def render_ascii(view: GraphView, style: Style = plain) -> str:
    """The drawing, one line per row or transition, each ending in a newline."""
    lines: list[str] = []
    lanes: _Lanes = []
    present = {node.revision for node in view.nodes}
    for node in view.nodes:
        if lanes.count(node.revision) > 1:
            lines += _converge(lanes, node.revision, style)
        column = lanes.index(node.revision) if node.revision in lanes else len(lanes)
        if column == len(lanes):
            lanes.append(node.revision)
        parents = [p for p in dict.fromkeys(node.parents) if p in present and not node.boundary]
        after = [*lanes[:column], *parents, *lanes[column + 1 :]]
        lines.append(_row(node, column, len(lanes), max(len(lanes), len(after)), style))
        lines += _open(lanes, column, len(parents), style)
        lanes[:] = after
    if view.note:
        lines.append(style("note", view.note))
    return "".join(line.rstrip() + "\n" for line in lines)


def _row(node: Node, column: int, lanes: int, width: int, style: Style) -> str:
    mark = ("o", "boundary") if node.boundary else ("*", "node")
    cells = [mark if lane == column else ("|", _lane_role(lane)) for lane in range(lanes)]
    drawing = _draw(cells, style, between=" ")
    padding = " " * (2 * (width - lanes))
    return f"{drawing}{padding} {_describe(node, style)}"


def _describe(node: Node, style: Style) -> str:
    text = style("head" if node.is_head else "revision", one_line(node.revision))
    if node.markers:
        roles = [_marker_role(word) for word in node.markers]
        words = [one_line(word) for word in node.markers]
        text += (
            f" ({', '.join(style(role, word) for role, word in zip(roles, words, strict=True))})"
        )
    if node.doc:
        text += " " + style("doc", one_line(node.doc))
    return text


def _marker_role(word: str) -> str:
    if word == "head":
        return "head"
    if word.startswith("label: "):
        return "label"
    return "marker"


def _converge(lanes: _Lanes, revision: str, style: Style) -> list[str]:
    """Lines that bring every lane waiting for ``revision`` into the first of them."""
    first = lanes.index(revision)
    kept = [lane for position, lane in enumerate(lanes) if position == first or lane != revision]
    moves = []
    removed = 0
    for position, lane in enumerate(lanes):
        if lane == revision and position != first:
            moves.append(_Move(position, first, _lane_role(position)))
            removed += 1
        else:
            moves.append(_Move(position, position - removed, _lane_role(position)))
    lanes[:] = kept
    return _transition(moves, style)


def _open(lanes: _Lanes, column: int, parents: int, style: Style) -> list[str]:
    """Lines that fan a merge point's lane out into one lane per parent.

    A lane ending (a base, or a boundary node) pulls the lanes right of it one column left.
    """
    moves = [_Move(position, position, _lane_role(position)) for position in range(column)]
    moves += [_Move(column, column + extra, _lane_role(column)) for extra in range(parents)]
    shift = parents - 1
    moves += [
        _Move(position, position + shift, _lane_role(position))
        for position in range(column + 1, len(lanes))
    ]
    return _transition(moves, style)


def _transition(moves: Sequence[_Move], style: Style) -> list[str]:
    """Lines moving each lane one column per line until all have arrived."""
    lines = []
    while any(move.at != move.to for move in moves):
        cells: dict[int, _Cell] = {}
        for move in moves:
            if move.to < move.at:
                cells[2 * move.at - 1] = ("/", move.role)
                move.at -= 1
            elif move.to > move.at:
                cells[2 * move.at + 1] = ("\\", move.role)
                move.at += 1
            else:
                cells.setdefault(2 * move.at, ("|", move.role))
        row = [cells.get(position, (" ", "")) for position in range(max(cells) + 1)]
        lines.append(_draw(row, style, between=""))
    return lines


def _draw(cells: Sequence[_Cell], style: Style, *, between: str) -> str:
    return between.join(style(role, char) if role else char for char, role in cells)


def _lane_role(position: int) -> str:
    return LANE_ROLES[position % len(LANE_ROLES)]
