"""``revlib graph``: the revision graph as a terminal drawing, Mermaid, Graphviz DOT or JSON.

Without ``-r`` or ``--all`` only the newest revisions are drawn (with their parents as boundary
nodes), so a long history stays readable; a note says how to see the rest.
"""

from __future__ import annotations

import os
import sys

import click

from hooks.context import Options
from hooks.read import _split_range

#: role of a piece of the drawing -> click.style arguments (git's lane colours, in its order)
STYLES: dict[str, dict[str, object]] = {
    "lane0": {"fg": "red"},
    "lane1": {"fg": "green"},
    "lane2": {"fg": "yellow"},
    "lane3": {"fg": "blue"},
    "lane4": {"fg": "magenta"},
    "lane5": {"fg": "cyan"},
    "node": {"bold": True},
    "boundary": {"dim": True},
    "revision": {"fg": "yellow"},
    "head": {"fg": "green", "bold": True},
    "label": {"fg": "cyan", "bold": True},
    "marker": {"fg": "magenta"},
    "note": {"dim": True},
}
SEE_ALL = "See all with `revlib graph --all` (or a range: `-r base:heads`)."


@click.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["ascii", "mermaid", "dot", "json"]),
    default="ascii",
    show_default=True,
    help="A terminal drawing, a Mermaid flowchart, Graphviz DOT, or JSON nodes and edges.",
)
@click.option("-r", "--rev-range", metavar="RANGE", help="Range of revisions, [start]:[end].")
@click.option("--all", "show_all", is_flag=True, help="Draw the whole history.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the drawing: auto = on a terminal unless NO_COLOR is set.",
)
@click.pass_obj
def graph(
    options: Options, output_format: str, rev_range: str | None, show_all: bool, color: str
) -> int:
    """Draw the revision graph (newest first; the newest 40 revisions unless -r or --all)."""
    from revlib.render import render
    from revlib.render.view import DEFAULT_LIMIT, newest_view

    base, head = _split_range(rev_range)
    script_dir = options.load_script_directory()
    everything = list(script_dir.walk_revisions())
    history = everything
    if rev_range is not None:
        history = list(script_dir.walk_revisions(base=base or "base", head=head or "heads"))
    limit = None if rev_range is not None or show_all else DEFAULT_LIMIT
    view = newest_view(history, limit=limit, hint=SEE_ALL, everything=everything)
    colored = output_format == "ascii" and _use_color(color)
    click.echo(render(view, output_format, _style if colored else _plain), nl=False, color=colored)
    return 0


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _style(role: str, text: str) -> str:
    return click.style(text, **STYLES[role]) if role in STYLES else text  # type: ignore[arg-type]


def _plain(_role: str, text: str) -> str:
    return text
