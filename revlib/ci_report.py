"""What ``revlib ci`` tells a CI system: GitHub workflow commands, a Markdown job summary, step
outputs, and plain text for every other CI.

Everything here is pure: findings and heads in, text out. Writing to ``$GITHUB_STEP_SUMMARY``
and ``$GITHUB_OUTPUT`` is :mod:`hooks.ci`'s job. The escaping follows GitHub's own toolkit
(``@actions/core``): in a command's message ``%``, CR and LF are percent-encoded; in its
properties ``:`` and ``,`` too, since they separate the properties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from revlib.findings import Finding, format_text
from revlib.render.mermaid import render_mermaid
from revlib.render.view import GraphView

__all__ = [
    "CiReport",
    "annotation",
    "escape_data",
    "escape_property",
    "outputs",
    "summary_markdown",
    "text_report",
]


@dataclass(frozen=True)
class CiReport:
    """Everything one ``revlib ci`` run found, ready to print."""

    findings: tuple[Finding, ...]
    heads: tuple[str, ...]
    base: str | None = None
    """The ref the branch was compared with; None when there was none to compare with."""
    docs: Mapping[str, str] = field(default_factory=dict)
    """Revision -> its message, for naming the heads."""
    view: GraphView | None = None
    """The part of the graph worth drawing in the summary."""
    notes: tuple[str, ...] = ()
    """Things the reader should know that are not problems (a check that could not run)."""
    compared: str | None = None
    """Which commit of the base was compared, and how fresh it was (one line)."""

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def counts(self) -> str:
        """``1 error and 2 warnings``, or ``no problems``."""
        errors = sum(f.severity == "error" for f in self.findings)
        warnings = len(self.findings) - errors
        parts = [
            f"{n} {word}{'' if n == 1 else 's'}"
            for n, word in ((errors, "error"), (warnings, "warning"))
            if n
        ]
        return " and ".join(parts) or "no problems"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, path: str | None) -> str:
    """``::error file=…,line=…,title=…::message`` (``::warning`` for warnings).

    ``path`` is the finding's file relative to the repository root (GitHub places the
    annotation by it), or None for a finding about no file. The hint follows the message on
    a second line.
    """
    properties = []
    if path is not None:
        properties.append(f"file={escape_property(path)}")
        if finding.line is not None:
            properties.append(f"line={finding.line}")
    properties.append(f"title={escape_property(f'revlib {finding.code}')}")
    message = finding.message + (f"\nFix: {finding.hint}" if finding.hint else "")
    return f"::{finding.severity} {','.join(properties)}::{escape_data(message)}"


def outputs(values: Mapping[str, str], delimiter: str) -> str:
    """``$GITHUB_OUTPUT`` lines: ``name=value``, or the heredoc form for multi-line values.

    ``delimiter`` must be unguessable (the caller makes it from a random UUID, as GitHub's
    toolkit does): a value that contained it could set other outputs.
    """
    lines = []
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            if delimiter in value or delimiter in name:
                raise ValueError("an output value contains the heredoc delimiter")
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    return "".join(lines)


def text_report(report: CiReport) -> str:
    """The findings as ``revlib check`` prints them, then one line with the counts."""
    lines = [report.compared] if report.compared else []
    lines += [f"note: {note}" for note in report.notes]
    lines += [format_text(finding) for finding in report.findings]
    lines.append(f"revlib ci: {report.counts}; heads: {', '.join(report.heads) or 'none'}")
    return "\n".join(lines) + "\n"


def summary_markdown(report: CiReport, paths: Mapping[str, str] | None = None) -> str:
    """The job summary: verdict, heads, problems with their fixes, and a Mermaid diagram.

    ``paths`` maps a finding's path to the one to show (relative to the repository root).
    """
    paths = paths or {}
    mark = "✅" if report.ok else "❌"
    lines = [f"## {mark} revlib: {report.counts}", ""]
    if report.compared:
        lines += [f"{report.compared[0].upper()}{report.compared[1:]}.", ""]
    elif report.base:
        lines += [f"Compared with `{report.base}`.", ""]
    lines += [f"> {_cell(note)}" for note in report.notes]
    if report.notes:
        lines.append("")
    lines += _heads_section(report)
    if report.findings:
        lines += _problems_table(report.findings, paths)
        again = f"revlib ci --base {report.base}" if report.base else "revlib ci"
        lines += [f"Reproduce locally with `{again}`.", ""]
    if report.view is not None and report.view.nodes:
        lines += _diagram(report.view)
    while not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _heads_section(report: CiReport) -> list[str]:
    count = len(report.heads)
    title = f"**Heads ({count}):**" if count != 1 else "**Head:**"
    named = [
        f"`{head}` {_cell(report.docs[head])}" if report.docs.get(head) else f"`{head}`"
        for head in report.heads
    ]
    return [f"{title} {', '.join(named) or 'none'}", ""]


def _problems_table(problems: Sequence[Finding], paths: Mapping[str, str]) -> list[str]:
    lines = ["| | Where | Problem | How to fix |", "| --- | --- | --- | --- |"]
    for finding in problems:
        where = ""
        if finding.path is not None:
            where = paths.get(finding.path, finding.path)
            where = f"`{where}:{finding.line}`" if finding.line is not None else f"`{where}`"
        cells = [
            finding.severity,
            where,
            f"`{finding.code}` {_cell(finding.message)}",
            _cell(finding.hint or ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _diagram(view: GraphView) -> list[str]:
    return [
        "<details open><summary>Revision graph: what this branch adds (highlighted), its "
        "parents and the heads</summary>",
        "",
        "```mermaid",
        render_mermaid(view).rstrip("\n"),
        "```",
        "",
        "</details>",
    ]


def _cell(text: str) -> str:
    """``text`` inside a Markdown table cell: pipes escaped, line breaks as ``<br>``."""
    return "<br>".join(text.replace("|", "\\|").splitlines())
