"""revlib's ScriptDirectory answers like Alembic's on the same directory on disk.

Hypothesis writes random version directories (plain and annotated headers, tuples and lists,
docstrings in several shapes, several version locations, branch labels, depends_on); Alembic
imports the files, revlib reads them statically, and every query is compared.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory as AlembicScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revlib.script import ScriptDirectory
from tests.graphs import RevSpec, graphs, identifiers
from tests.oracle import outcome, same

COUNTS = {"directories": 0, "files": 0, "queries": 0}

DOCSTRINGS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "add orders table",
            "add orders\n\nRevision ID: x\nRevises: y\nCreate Date: 2026-01-01",
            "  leading and trailing spaces  \n",
            "unicode: café ünïcødé — ✓",
            "first paragraph\nsecond line\n\nsecond paragraph",
            "",
        ]
    ),
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'), max_size=40
    ),
)


@st.composite
def header_styles(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "annotated": draw(st.booleans()),
        "quote": draw(st.sampled_from(['"', "'"])),
        "docstring": draw(DOCSTRINGS),
        "comment": draw(st.booleans()),
        "crlf": draw(st.integers(0, 7)) == 0,
        "imports_first": draw(st.booleans()),
    }


def _literal(value: Any, quote: str) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return f"{quote}{value}{quote}"
    inner = ", ".join(_literal(v, quote) for v in value)
    if isinstance(value, list):
        return f"[{inner}]"
    return f"({inner},)" if len(value) == 1 else f"({inner})"


def render_version_file(spec: RevSpec, style: dict[str, Any]) -> bytes:
    quote = style["quote"]
    lines: list[str] = []
    if style["docstring"] is not None:
        lines.append(f'"""{style["docstring"]}"""')
    lines += ["from typing import Sequence, Union", "", "from alembic import op", ""]
    annotation = ": Union[str, Sequence[str], None]" if style["annotated"] else ""
    rev_annotation = ": str" if style["annotated"] else ""
    comment = "  # set by alembic" if style["comment"] else ""
    lines.append(f"revision{rev_annotation} = {_literal(spec.revision, quote)}{comment}")
    for name in ("down_revision", "branch_labels", "depends_on"):
        value = getattr(spec, name)
        lines.append(f"{name}{annotation} = {_literal(value, quote)}")
    lines += ["", "", "def upgrade() -> None:", "    op.execute('SELECT 1')", ""]
    lines += ["", "def downgrade() -> None:", "    pass", ""]
    newline = "\r\n" if style["crlf"] else "\n"
    return newline.join(lines).encode("utf-8")


@st.composite
def directories(draw: st.DrawFn) -> dict[str, Any]:
    specs = draw(graphs(max_size=10))
    locations = draw(st.integers(1, 3))
    files = []
    for index, spec in enumerate(specs):
        name = draw(
            st.sampled_from(
                [
                    f"{spec.revision}_step_{index}.py",
                    f"{index:03d}_{spec.revision}.py",
                    f"m{index}.py",
                ]
            )
        )
        files.append((draw(st.integers(0, locations - 1)), name, spec, draw(header_styles())))
    extras = draw(st.lists(st.sampled_from(["README", "__init__.py", ".#lock.py", "notes.txt"])))
    links = draw(st.lists(st.sampled_from(FILESYSTEM_EXTRAS), unique=True))
    return {
        "specs": specs,
        "locations": locations,
        "files": files,
        "extras": extras,
        "links": links,
    }


FILESYSTEM_EXTRAS = ("subdir", "dir_link", "file_link", "txt_link", "repeat_location")
"""What a version location may hold besides files, and how locations may be listed: a
subdirectory with a migration (not loaded without ``recursive_version_locations``), a link to a
directory named like a migration, links (``.py`` or not) to a migration loaded under its real
path and warned about when reached again, the first location listed twice."""


def _write(root: Path, layout: dict[str, Any]) -> list[str]:
    locations = [root / f"loc{i}" for i in range(layout["locations"])]
    for location in locations:
        location.mkdir(parents=True)
    for location_index, name, spec, style in layout["files"]:
        path = locations[location_index] / name
        if path.exists():  # two specs drew the same name: keep them apart
            path = locations[location_index] / f"dup_{spec.revision}_{name}"
        path.write_bytes(render_version_file(spec, style))
    for extra in layout["extras"]:
        target = locations[0] / extra
        if extra == "__init__.py":
            target.write_text("raise RuntimeError('never imported')\n")
        else:
            target.write_text("not a migration\n")
    return _write_links(root, locations, layout["links"])


def _write_links(root: Path, locations: list[Path], links: list[str]) -> list[str]:
    """The filesystem extras of :data:`FILESYSTEM_EXTRAS`; the locations as listed."""
    migrations = sorted(p for p in locations[-1].iterdir() if p.suffix == ".py")
    if "subdir" in links and migrations:
        (locations[0] / "sub").mkdir()
        (locations[0] / "sub" / "copy.py").write_bytes(migrations[0].read_bytes())
    if "dir_link" in links:
        (root / "elsewhere").mkdir()
        os.symlink(root / "elsewhere", locations[0] / "zz_directory.py")
    if "file_link" in links and migrations:
        os.symlink(migrations[0], locations[0] / "zz_alias.py")
    if "txt_link" in links and migrations:
        os.symlink(migrations[-1], locations[0] / "aa_link.txt")
    listed = [str(p) for p in locations]
    return listed + listed[:1] if "repeat_location" in links else listed


def _canonical(text: str, script: Any) -> str:
    """Put set-ordered listings (labels, children) in sorted order: Alembic fills those sets
    in object-hash order, which differs from run to run."""
    for values in (script.branch_labels, script.nextrev):
        if values:
            text = text.replace(", ".join(values), ", ".join(sorted(values)))
    return text


def _script_facts(script: Any) -> tuple[Any, ...]:
    formats = [
        script.log_entry,
        str(script),
        script.cmd_format(False, include_branches=True, tree_indicators=False),
        script.cmd_format(False, include_branches=True, include_doc=True, include_parents=True),
    ]
    return (
        script.revision,
        script.down_revision,
        script.dependencies,
        sorted(script.branch_labels),
        script.path,
        script.doc,
        script.longdoc,
        *(_canonical(text, script) for text in formats),
        bool(script.is_head),
        bool(script.is_base),
        bool(script.is_branch_point),
        bool(script.is_merge_point),
        sorted(script.nextrev),
    )


def _questions(specs: list[RevSpec]) -> list[tuple[str, Callable[[Any], Any]]]:
    questions: list[tuple[str, Callable[[Any], Any]]] = [
        ("get_heads", lambda d: d.get_heads()),
        ("get_heads(consider_depends_on)", lambda d: d.get_heads(consider_depends_on=True)),
        ("get_bases", lambda d: d.get_bases()),
        ("get_base", lambda d: d.get_base()),
        ("get_current_head", lambda d: d.get_current_head()),
        ("walk_revisions", lambda d: [_script_facts(s) for s in d.walk_revisions()]),
        ("versions", lambda d: d.versions),
        ("get_all_current(heads)", lambda d: d.get_all_current(tuple(d.get_heads()))),
    ]
    for ident in identifiers(specs):
        questions.append((f"get_revision({ident!r})", lambda d, i=ident: d.get_revision(i)))
        questions.append((f"get_revisions({ident!r})", lambda d, i=ident: d.get_revisions(i)))
        questions.append(
            (f"as_revision_number({ident!r})", lambda d, i=ident: d.as_revision_number(i))
        )
    for base, head in itertools.islice(
        itertools.product(["base", "-1", *[s.revision for s in specs[:2]]], ["heads", "head"]), 6
    ):
        questions.append(
            (
                f"walk({base}, {head})",
                lambda d, b=base, h=head: [s.revision for s in d.walk_revisions(b, h)],
            )
        )
    return questions


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(layout=directories(), use_cache=st.booleans())
def test_random_directories_answer_like_alembic(layout: dict[str, Any], use_cache: bool) -> None:
    """Through either listing: with the header cache (an ``lstat`` per file, for its
    signatures) and without (entry types only)."""
    root = Path(tempfile.mkdtemp(prefix="revlib-diff-"))
    try:
        locations = _write(root, layout)
        COUNTS["directories"] += 1
        COUNTS["files"] += len(layout["files"])
        theirs = AlembicScriptDirectory(str(root), version_locations=locations)
        ours = ScriptDirectory(str(root), version_locations=locations, use_cache=use_cache)
        for name, question in _questions(layout["specs"]):
            expected = outcome(lambda q=question: q(theirs))
            actual = outcome(lambda q=question: q(ours))
            COUNTS["queries"] += 1
            assert same(expected, actual), f"{name}\nalembic={expected}\nrevlib={actual}"
    finally:
        shutil.rmtree(root)


def test_report_counts() -> None:
    """Not a check: how much the differential test covered (pytest -s shows it)."""
    print(
        f"differential ScriptDirectory: {COUNTS['directories']} directories, "
        f"{COUNTS['files']} files, {COUNTS['queries']} queries"
    )
