"""Printing helpers shared by the subcommands: text lines and JSON documents."""

from __future__ import annotations

from typing import Any

import click

FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
NO_CACHE_OPTION = click.option(
    "--no-cache",
    is_flag=True,
    help="Read every version file afresh (as `revlib --no-cache`; also REVLIB_NO_CACHE=1).",
)


def echo_json(document: Any) -> None:
    """Print ``document`` as indented JSON with a trailing newline."""
    click.echo(json_text(document), nl=False)


def json_text(document: Any) -> str:
    """``document`` as indented JSON with a trailing newline."""
    import json  # only here: text output, the common case, does without it

    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def script_summary(script: Any) -> dict[str, Any]:
    """The JSON shape of one revision."""
    return {
        "revision": script.revision,
        "down_revision": list(script._versioned_down_revisions),
        "depends_on": list(script._resolved_dependencies),
        "path": script.path,
        "branch_labels": sorted(script.branch_labels),
        "doc": script.doc,
        "is_head": bool(script.is_head),
        "is_merge_point": bool(script.is_merge_point),
        "is_branch_point": bool(script.is_branch_point),
    }
