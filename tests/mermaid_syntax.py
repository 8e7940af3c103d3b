"""A strict checker for the subset of Mermaid's flowchart syntax that revlib writes.

Mermaid's own parser runs in the tests when ``tests/mermaid/node_modules`` is installed; this
checker always runs. It accepts only the line shapes revlib emits, each matched whole, so
anything else (a stray quote in a label, an undeclared node, a bad id) is an error. It also
decodes each label's entity codes so a test can compare the text a reader will see.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_ID = r"r_[A-Za-z0-9_]+"
# Inside a quoted label Mermaid ends the string at '"'; '#...;' is an entity code, and revlib
# writes no raw '<', '>', '&', '#' or '`' except the one line break tag <br/>.
_LABEL = r'(?:[^"#<>&`\n]|#(?:quot|amp|lt|gt|\d+);|<br/>)*'
_NODE = re.compile(rf'  (?P<id>{_ID})\["(?P<label>{_LABEL})"\]')
_EDGE = re.compile(rf"  (?P<parent>{_ID}) (?P<arrow>-->|-\.->\|depends on\|) (?P<child>{_ID})")
_CLASSDEF = re.compile(r"  classDef (?P<name>[a-z]+) (?P<style>[a-z-]+:[^;\s,]+(?:[, ][^;\n]*)?)")
_CLASS = re.compile(rf"  class (?P<ids>{_ID}(?:,{_ID})*) (?P<name>[a-z]+)")
_COMMENT = re.compile(r"  %% [^\n]*")


@dataclass
class Flowchart:
    """What a checked flowchart declares."""

    labels: dict[str, str] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    classes: dict[str, list[str]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


class MermaidSyntaxError(AssertionError):
    pass


def decode(label: str) -> str:
    """The text Mermaid shows for a label: entity codes decoded, ``<br/>`` as a newline."""
    return "\n".join(re.sub(r"#(\w+);", _entity, part) for part in label.split("<br/>"))


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    return chr(int(name)) if name.isdigit() else html.unescape(f"&{name};")


def check(text: str) -> Flowchart:
    """Parse ``text`` or raise :class:`MermaidSyntaxError` naming the first bad line."""
    if not text.endswith("\n"):
        raise MermaidSyntaxError("no final newline")
    lines = text[:-1].split("\n")
    if lines[0] != "flowchart BT":
        raise MermaidSyntaxError(f"first line {lines[0]!r} is not 'flowchart BT'")
    chart = Flowchart()
    defined_classes: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        _check_line(chart, defined_classes, number, line)
    return chart


def _check_line(chart: Flowchart, defined: set[str], number: int, line: str) -> None:
    def fail(why: str) -> MermaidSyntaxError:
        return MermaidSyntaxError(f"line {number}: {why}: {line!r}")

    if match := _NODE.fullmatch(line):
        if match["id"] in chart.labels:
            raise fail("node declared twice")
        if chart.edges or chart.classes:
            raise fail("node declared after edges")
        chart.labels[match["id"]] = decode(match["label"])
    elif match := _EDGE.fullmatch(line):
        for end in (match["parent"], match["child"]):
            if end not in chart.labels:
                raise fail(f"edge to undeclared node {end}")
        kind = "down_revision" if match["arrow"] == "-->" else "depends_on"
        chart.edges.append((match["parent"], match["child"], kind))
    elif match := _CLASSDEF.fullmatch(line):
        defined.add(match["name"])
    elif match := _CLASS.fullmatch(line):
        if match["name"] not in defined:
            raise fail("class used before classDef")
        ids = match["ids"].split(",")
        if any(node not in chart.labels for node in ids):
            raise fail("class of an undeclared node")
        chart.classes[match["name"]] = ids
    elif _COMMENT.fullmatch(line) and not chart.labels:
        chart.comments.append(line[5:])
    else:
        raise fail("not a line revlib writes")
