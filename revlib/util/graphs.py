"""Graph algorithms shared by the revision map and the lint, on plain ids."""

from __future__ import annotations

from collections.abc import Collection, Mapping

__all__ = ["acyclic"]


def acyclic(edges: Mapping[str, Collection[str]]) -> bool:
    """Whether no node reaches itself along ``edges`` (each node to the nodes it names; a
    name that is not a node is ignored), in linear time.

    Kahn's algorithm: nodes that name no remaining node are removed, over and over; every node
    goes exactly when there is no cycle. Both the map and the lint ask this first, because a
    sound history (the usual one) is told this way several times faster than by their
    searches for the cycle itself, which then run only when there is one to name.
    """
    waiting: dict[str, int] = {}  # node -> how many of the nodes it names remain
    named_by: dict[str, list[str]] = {}
    for node, targets in edges.items():
        count = 0
        for target in targets:
            if target in edges:
                count += 1
                named_by.setdefault(target, []).append(node)
        waiting[node] = count
    ready = [node for node, count in waiting.items() if not count]
    removed = 0
    while ready:
        removed += 1
        for other in named_by.get(ready.pop(), ()):
            waiting[other] -= 1
            if not waiting[other]:
                ready.append(other)
    return removed == len(edges)
