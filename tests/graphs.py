"""Hypothesis strategies for random revision graphs, shared by the differential tests.

A graph is a list of :class:`RevSpec` in load order. Parents and dependencies point at earlier
revisions, so the graph is a DAG unless a test asks for trouble (missing parents, cycles).
Ids come from a small pool with shared prefixes so that partial-id resolution is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

ID_POOL = [
    "ae1027a6acf",
    "ae10ff",
    "ae1",
    "1975ea83b712",
    "1975",
    "27c6a30d7c24",
    "27c6",
    "3f2a",
    "3f2b9c",
    "0185",
    "g6h7i8j9k0l1",
    "abc",
    "abcd",
    "abcdef12",
    "ff00ff00",
    "4a5b",
    "4a5b6c7d",
    "b1",
    "c2c2c2",
    "dd",
    "e5e5e5e5e5e5",
    "f7",
]
LABEL_POOL = ["expand", "contract", "net", "networking", "feat", "ab", "abcx"]


@dataclass(frozen=True)
class RevSpec:
    revision: str
    down_revision: Any = None
    depends_on: Any = None
    branch_labels: Any = None


def _shape(values: list[str], as_list: bool) -> Any:
    """None, a scalar, a tuple or a list, as version files write them."""
    if not values:
        return None
    if len(values) == 1 and not as_list:
        return values[0]
    return list(values) if as_list else tuple(values)


@st.composite
def graphs(draw: st.DrawFn, max_size: int = 12, trouble: bool = False) -> list[RevSpec]:
    """A random revision graph (see module docstring); ``trouble`` allows broken ones."""
    size = draw(st.integers(1, max_size))
    ids = draw(st.lists(st.sampled_from(ID_POOL), min_size=size, max_size=size, unique=True))
    if trouble and draw(st.booleans()) and len(ids) > 1:
        ids[-1] = ids[draw(st.integers(0, len(ids) - 2))]  # a duplicate id
    labels_left = list(draw(st.permutations(LABEL_POOL)))
    specs: list[RevSpec] = []
    for index, rev_id in enumerate(ids):
        earlier = ids[:index]
        parents: list[str] = []
        if earlier and draw(st.integers(0, 9)) > 0:
            count = draw(st.sampled_from([1, 1, 1, 1, 2, 2, 3]))
            parents = draw(
                st.lists(st.sampled_from(earlier), min_size=1, max_size=count, unique=True)
            )
        deps: list[str] = []
        if earlier and draw(st.integers(0, 5)) == 0:
            deps = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True))
            deps = [d for d in deps if d not in parents] or deps
        labels: list[str] = []
        if labels_left and draw(st.integers(0, 5)) == 0:
            labels = [labels_left.pop()]
            if labels_left and draw(st.integers(0, 4)) == 0:
                labels.append(labels_left.pop())
        if trouble:
            parents, deps, labels = _make_trouble(draw, ids, index, parents, deps, labels)
        specs.append(
            RevSpec(
                revision=rev_id,
                down_revision=_shape(parents, draw(st.booleans()) and len(parents) > 1),
                depends_on=_shape(deps, draw(st.booleans())),
                branch_labels=_shape(labels, draw(st.booleans())),
            )
        )
    return specs


def _make_trouble(
    draw: st.DrawFn,
    ids: list[str],
    index: int,
    parents: list[str],
    deps: list[str],
    labels: list[str],
) -> tuple[list[str], list[str], list[str]]:
    kind = draw(st.integers(0, 12))
    if kind == 0:
        parents = [*parents, "0000dead"]  # missing parent
    elif kind == 1 and index + 1 < len(ids):
        parents = [*parents, ids[draw(st.integers(index + 1, len(ids) - 1))]]  # maybe a cycle
    elif kind == 2:
        deps = [*deps, "nosuchrev"]  # missing dependency
    elif kind == 3:
        labels = [*labels, draw(st.sampled_from(ids))]  # label equal to an id
    elif kind == 4:
        labels = [*labels, "shared"]  # possibly used twice
    elif kind == 5 and index + 1 < len(ids):
        deps = [*deps, ids[draw(st.integers(index + 1, len(ids) - 1))]]  # dependency cycle
    return parents, deps, labels


def identifiers(specs: list[RevSpec]) -> list[Any]:
    """Identifiers worth asking about for this graph: ids, prefixes, labels, symbols."""
    ids = [s.revision for s in specs]
    labels = sorted({label for s in specs for label in _labels(s)})
    out: list[Any] = [
        "head",
        "heads",
        "base",
        None,
        "-1",
        "-2",
        "+1",
        "head-1",
        "nope",
        "",
        "heads+1",
        "base+1",
        "base+2",
        "head-2",
        "ae",
        "ae10",
        "abc",
        "1975e",
    ]
    for rev_id in ids:
        out += [
            rev_id,
            rev_id[:1],
            rev_id[:3],
            rev_id[:4],
            rev_id[:5],
            f"{rev_id}@head",
            f"{rev_id}@heads",
            f"{rev_id}@base",
            f"{rev_id}+1",
            f"{rev_id}-1",
        ]
    for label in labels:
        out += [
            label,
            f"{label}@head",
            f"{label}@heads",
            f"{label}@base",
            f"{label}@-1",
            f"{label}@+1",
            f"{label}@{ids[0]}",
            f"{label}@{ids[-1][:4]}",
        ]
    return out


def _labels(spec: RevSpec) -> tuple[str, ...]:
    value = spec.branch_labels
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)
