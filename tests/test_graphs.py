"""revlib.util.graphs.acyclic: the linear cycle test the map and the lint ask first."""

from __future__ import annotations

import pytest

from revlib.util.graphs import acyclic


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        pytest.param({}, True, id="empty"),
        pytest.param({"a": [], "b": ["a"], "c": ["b"]}, True, id="chain"),
        pytest.param({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}, True, id="diamond"),
        pytest.param({"a": [], "b": ["a", "a"]}, True, id="an-edge-twice"),
        pytest.param({"a": ["missing"], "b": ["a"]}, True, id="unknown-names-ignored"),
        pytest.param({"a": ["a"]}, False, id="self-loop"),
        pytest.param({"a": ["b"], "b": ["a"], "c": []}, False, id="two-cycle"),
        pytest.param({"a": [], "b": ["a", "d"], "c": ["b"], "d": ["c"]}, False, id="cycle-below"),
    ],
)
def test_acyclic(edges: dict[str, list[str]], expected: bool) -> None:
    assert acyclic(edges) is expected
