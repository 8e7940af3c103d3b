"""revlib writes the same revision file as Alembic: same bytes, same place, same errors.

Each example builds a project (Alembic's stock ``generic``, ``multidb`` or ``pyproject``
template, copied at test time from the installed package, or a custom template with extra
variables), fixes "now" in both libraries to one instant, and asks both for the same revision:
same id, message, parents, labels, dependencies, file template and time zone. Alembic then
loads what revlib wrote and must report the heads revlib reports.
"""

from __future__ import annotations

import datetime
import re
import shutil
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import alembic
import alembic.script.base as alembic_script_base
import pytest
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory as AlembicScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revlib.config import Config
from revlib.script import ScriptDirectory, _filenames

ALEMBIC_TEMPLATES = Path(alembic.__file__).parent / "templates"
STOCK_TEMPLATES = ("generic", "multidb", "pyproject")

AUTHOR_TEMPLATE = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
Author: ${author}
"""
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}
created = ${repr(create_date.isoformat())}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

CONTEXT_TEMPLATE = '''\
<%!
import textwrap
%>## a Mako comment: not in the output
# -*- coding: utf-8 -*-
"""${textwrap.shorten(message, 60) if message else ""} — café

Revises: ${down_revision | comma,n}; depends on: ${depends_on | comma,n}
Ticket: ${context.get("ticket", "none")}
"""
from alembic import op
${imports if imports else ""}
revision: str = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}
% for n in range(2):
step_${n} = ${n}
% endfor


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''

CUSTOM_TEMPLATES = {"author": AUTHOR_TEMPLATE, "context": CONTEXT_TEMPLATE}

# The existing history: a base, then two heads; dddd... is labelled "side".
EXISTING = {
    "aaaa11110001": (None, None, None),
    "bbbb22220002": ("aaaa11110001", None, None),
    "cccc33330003": ("bbbb22220002", None, None),
    "dddd44440004": ("bbbb22220002", ("side",), None),
}

COUNTS = {"examples": 0, "identical": 0, "same_error": 0, "unloadable_file": 0}
ERRORS: dict[str, int] = {}


def version_file(rev: str, down: str | None, labels: Any, deps: Any) -> str:
    return (
        f'"""existing {rev}"""\n'
        f"revision = {rev!r}\ndown_revision = {down!r}\n"
        f"branch_labels = {labels!r}\ndepends_on = {deps!r}\n\n\n"
        "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )


@dataclass
class Project:
    template: str
    file_template: str | None = None
    timezone: str | None = None
    truncate_slug_length: int | None = None
    output_encoding: str | None = None
    recursive: bool = True
    two_locations: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def write(self, root: Path) -> Path:
        migrations = root / "migrations"
        (migrations / "versions").mkdir(parents=True)
        if self.template in STOCK_TEMPLATES:
            shutil.copy(ALEMBIC_TEMPLATES / self.template / "script.py.mako", migrations)
        else:
            (migrations / "script.py.mako").write_text(
                CUSTOM_TEMPLATES[self.template], encoding="utf-8"
            )
        other = migrations / "other"
        for rev, (down, labels, deps) in EXISTING.items():
            folder = other if self.two_locations and labels else migrations / "versions"
            folder.mkdir(exist_ok=True)
            (folder / f"{rev}_existing.py").write_text(version_file(rev, down, labels, deps))
        lines = ["[alembic]", "script_location = %(here)s/migrations", "path_separator = os"]
        lines.append("databases = engine1, engine2")
        if self.two_locations:
            lines.append(
                "version_locations = %(here)s/migrations/versions:%(here)s/migrations/other"
            )
        options = {
            "file_template": self.file_template,
            "timezone": self.timezone,
            "truncate_slug_length": self.truncate_slug_length,
            "output_encoding": self.output_encoding,
        }
        lines += [f"{key} = {value}" for key, value in options.items() if value is not None]
        if self.recursive:
            lines.append("recursive_version_locations = true")
        ini = root / "alembic.ini"
        ini.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return ini


@dataclass(frozen=True)
class Request:
    rev_id: str
    message: str | None
    head: Any = "head"
    splice: bool = False
    branch_labels: Any = None
    version_path: str | None = None
    depends_on: Any = None
    template_args: tuple[tuple[str, Any], ...] = ()

    def kwargs(self, root: Path) -> dict[str, Any]:
        version_path = None if self.version_path is None else str(root / self.version_path)
        return {
            "refresh": True,
            "head": self.head,
            "splice": self.splice,
            "branch_labels": self.branch_labels,
            "version_path": version_path,
            "depends_on": self.depends_on,
            **dict(self.template_args),
        }


# -- fixing "now" in both libraries -----------------------------------------------------------


def alembic_datetime_module(instant: datetime.datetime) -> types.SimpleNamespace:
    """A stand-in for the ``datetime`` module that alembic.script.base uses, frozen at
    ``instant`` (an aware UTC datetime)."""

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def now(cls, tz: datetime.tzinfo | None = None) -> datetime.datetime:  # type: ignore[override]
            if tz is None:
                return instant.astimezone().replace(tzinfo=None)
            return instant.astimezone(tz)

    return types.SimpleNamespace(datetime=FrozenDatetime, timezone=datetime.timezone)


@contextmanager
def frozen_now(instant: datetime.datetime) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(alembic_script_base, "datetime", alembic_datetime_module(instant))
        patch.setattr(_filenames, "utc_now", lambda: instant)
        yield


# -- running both ------------------------------------------------------------------------------


@dataclass
class Outcome:
    error: tuple[str, str] | None
    files: dict[str, bytes]
    heads: list[str] | None = None


def snapshot(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def normalise(message: str) -> str:
    """The message without the random name of a rendering report (which is removed)."""
    report = re.search(r"see (\S+\.txt) for", message)
    if report:
        Path(report.group(1)).unlink(missing_ok=True)
    return re.sub(r"see \S+\.txt for", "see <file>.txt for", message)


def run(root: Path, generate: Callable[[], Any]) -> Outcome:
    """Call ``generate``; return what it raised and the files it created (then removed)."""
    before = snapshot(root)
    error = None
    try:
        generate()
    except Exception as raised:  # the outcome under comparison may be any error
        error = (type(raised).__name__, normalise(str(raised)))
    created = sorted(snapshot(root) - before)
    files = {str(p.relative_to(root)): p.read_bytes() for p in created}
    return Outcome(error, files)


def alembic_generate(root: Path, ini: Path, request: Request) -> Callable[[], Any]:
    def generate() -> Any:
        config = AlembicConfig(str(ini), stdout=sys.stderr)
        script_dir = AlembicScriptDirectory.from_config(config)
        kwargs = request.kwargs(root)
        return script_dir.generate_revision(
            request.rev_id, request.message, config=config, **kwargs
        )

    return generate


def revlib_generate(root: Path, ini: Path, request: Request, seen: Outcome) -> Callable[[], Any]:
    def generate() -> Any:
        config = Config(str(ini))
        script_dir = ScriptDirectory.from_config(config)
        script = script_dir.generate_revision(
            request.rev_id, request.message, config=config, **request.kwargs(root)
        )
        seen.heads = list(script_dir.get_heads())
        return script

    return generate


def alembic_heads(ini: Path) -> list[str]:
    config = AlembicConfig(str(ini), stdout=sys.stderr)
    return list(AlembicScriptDirectory.from_config(config).get_heads())


def revlib_heads(ini: Path) -> list[str]:
    return list(ScriptDirectory.from_config(Config(str(ini))).get_heads())


def remove(root: Path, files: dict[str, bytes]) -> None:
    for name in files:
        (root / name).unlink()


def compare(project: Project, request: Request, instant: datetime.datetime) -> None:
    with tempfile.TemporaryDirectory() as tmp, frozen_now(instant):
        root = Path(tmp)
        ini = project.write(root)
        ours = Outcome(None, {})
        got = run(root, revlib_generate(root, ini, request, ours))
        ours.error, ours.files = got.error, got.files
        if ours.error is None:
            # The map revlib updated in memory has the heads Alembic finds on disk; a fresh
            # read by revlib lists them in Alembic's order too.
            assert alembic_heads(ini) == revlib_heads(ini)
            in_subdirectory = any(len(Path(name).parts) > 3 for name in ours.files)
            if project.recursive or not in_subdirectory:  # else nobody reads it back
                assert sorted(alembic_heads(ini)) == sorted(ours.heads or ())
        remove(root, ours.files)
        theirs = run(root, alembic_generate(root, ini, request))
    COUNTS["examples"] += 1
    assert ours.files == theirs.files
    if theirs.error is None or ours.error is None:
        assert ours.error == theirs.error
        COUNTS["identical"] += 1
    elif theirs.error[0] in ("CommandError", "RevisionError") or theirs.error[0].endswith(
        ("Heads", "Detected")
    ):
        assert ours.error == theirs.error
        COUNTS["same_error"] += 1
        key = re.sub(r"/tmp/\S+", "<path>", theirs.error[1])[:60]
        ERRORS[key] = ERRORS.get(key, 0) + 1
    else:  # Alembic failed importing the file it wrote (e.g. a message that breaks the
        # docstring); revlib's static reader must refuse the same file with a CommandError.
        assert ours.files, (ours.error, theirs.error)
        assert ours.error[0] in ("SourceSyntaxError", "EncodingError", "ReadError"), ours.error
        COUNTS["unloadable_file"] += 1


# -- strategies --------------------------------------------------------------------------------

TOKENS = [
    "%(slug)s",
    "%(epoch)s",
    "%(year)d",
    "%(month).2d",
    "%(day).2d",
    "%(hour).2d",
    "%(minute).2d",
    "%(second).2d",
    "%(year)04d-%(month)02d",
]
TIMEZONES = [
    None,
    None,
    None,
    "UTC",
    "utc",  # found upper-cased
    "Europe/Paris",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "est5edt",  # found upper-cased
]
MESSAGES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            "add orders table",
            "Add 'email' to customers; drop (old) index!",
            "unicode: café ünïcødé — ✓ 日本語のテキスト",
            "x" * 300,
            "word " * 80,
            "___ leading underscores and CamelCase Words",
            'a "quoted" word',
            "ends with a backslash \\",
            'ends with a quote "',
            'three quotes """ inside',
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=120),
)
GOOD_HEADS = [
    "heads",
    "cccc33330003",
    "dddd",
    "side@head",
    ["cccc33330003", "dddd44440004"],
    ("dddd44440004", "cccc33330003"),
    "base",
]
BAD_HEADS = ["head", "bbbb22220002", ["cccc33330003", "cccc"], "nope", "aaaa@head", "-1"]
DEPENDS = [
    None,
    "aaaa11110001",
    "aaaa",
    "side",
    ["bbbb22220002", "side"],
    ("aaaa",),
]


def rarely(usual: st.SearchStrategy[Any], unusual: list[Any]) -> st.SearchStrategy[Any]:
    """``usual`` seven times in eight, else one of ``unusual`` (mostly error cases)."""
    choice = st.sampled_from([*[False] * 7, True])
    return choice.flatmap(lambda odd: st.sampled_from(unusual) if odd else usual)


@st.composite
def file_templates(draw: st.DrawFn) -> str | None:
    """None (the default), or up to two directory levels and a file name made of tokens.

    The file name always holds ``%(rev)s`` and a directory never starts with an empty slug:
    Alembic would write to the root of the file system, or a file named ``.py`` that it
    cannot load; revlib refuses both (tested in test_write.py).
    """
    if draw(st.booleans()):
        return None
    directories = draw(st.lists(st.sampled_from(TOKENS), max_size=2))
    name_parts = draw(
        st.permutations([*draw(st.lists(st.sampled_from(TOKENS), max_size=3)), "%(rev)s"])
    )
    seps = draw(
        st.lists(
            st.sampled_from(["_", "-", ".", ""]),
            min_size=len(name_parts),
            max_size=len(name_parts),
        )
    )
    name = "".join(sep + part for sep, part in zip(seps, name_parts, strict=True))[len(seps[0]) :]
    folders = ["d" + part if part == "%(slug)s" else part for part in directories]
    return "/".join([*folders, name]).replace("%", "%%")


@st.composite
def projects(draw: st.DrawFn) -> Project:
    return Project(
        template=draw(st.sampled_from([*STOCK_TEMPLATES, *CUSTOM_TEMPLATES])),
        file_template=draw(file_templates()),
        timezone=draw(rarely(st.sampled_from(TIMEZONES), ["europe/paris", "Not/AZone"])),
        truncate_slug_length=draw(st.one_of(st.none(), st.integers(1, 60))),
        output_encoding=draw(st.sampled_from([None, "utf-8", "latin-1"])),
        recursive=draw(st.booleans()),
        two_locations=draw(st.integers(0, 3)) == 0,
    )


@st.composite
def requests(draw: st.DrawFn, project: Project) -> Request:
    template_args: dict[str, Any] = {}
    if project.template == "author":
        template_args["author"] = draw(st.sampled_from(["Zoë Ångström", "ci-bot", ""]))
    if draw(st.booleans()):
        template_args["upgrades"] = "op.execute('select 1')"
        template_args["imports"] = "import json"
    if project.template == "context" and draw(st.booleans()):
        template_args["ticket"] = "JIRA-42"
    return Request(
        rev_id=draw(
            rarely(
                st.text("0123456789abcdef", min_size=12, max_size=12),
                ["rev@1", "a-b", "0185", "Z9_x"],
            )
        ),
        message=draw(MESSAGES),
        head=draw(rarely(st.sampled_from(GOOD_HEADS), BAD_HEADS)),
        splice=draw(st.booleans()),
        branch_labels=draw(st.sampled_from([None, "feature", ("one", "two")])),
        version_path=draw(
            rarely(
                st.sampled_from(
                    [None, "migrations/versions", "migrations/other"]
                    if project.two_locations
                    else [None, None, "migrations/versions"]
                ),
                ["elsewhere", "migrations/other"],
            )
        ),
        depends_on=draw(rarely(st.sampled_from(DEPENDS), ["nope", ["aaaa", "nope"]])),
        template_args=tuple(template_args.items()),
    )


INSTANTS = st.datetimes(
    min_value=datetime.datetime(1971, 1, 2), max_value=datetime.datetime(2099, 12, 30)
).map(lambda naive: naive.replace(tzinfo=datetime.timezone.utc))


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), instant=INSTANTS)
def test_revlib_writes_the_bytes_alembic_writes(data: st.DataObject, instant: datetime.datetime):
    project = data.draw(projects())
    request = data.draw(requests(project))
    compare(project, request, instant)


@pytest.mark.parametrize(
    ("project", "request_"),
    [
        pytest.param(
            Project("generic"),
            Request("0123456789ab", "merge heads", head="heads"),
            id="merge-of-heads",
        ),
        pytest.param(
            Project("multidb", file_template="%%(year)d/%%(month).2d/%%(rev)s_%%(slug)s"),
            Request("0123456789ab", "dated subdirectories", head="cccc33330003"),
            id="multidb-dated-subdirectories",
        ),
        pytest.param(
            Project("pyproject", timezone="est5edt", truncate_slug_length=10),
            Request("0123456789ab", "a long message cut short", head="side@head"),
            id="timezone-upper-cased-and-short-slug",
        ),
        pytest.param(
            Project("author"),
            Request(
                "0123456789ab",
                "with author",
                head="dddd",
                depends_on=["aaaa", "side"],
                template_args=(("author", "Zoë"),),
            ),
            id="custom-template-extra-variable",
        ),
        pytest.param(
            Project("generic", two_locations=True),
            Request("0123456789ab", "new base", head="base"),
            id="several-locations-need-a-version-path",
        ),
        pytest.param(
            Project("generic", two_locations=True),
            Request("0123456789ab", "in other", head="base", version_path="migrations/other"),
            id="new-base-in-a-chosen-location",
        ),
        pytest.param(
            Project("generic", two_locations=True),
            Request("0123456789ab", "follows side", head="side@head"),
            id="location-of-the-first-parent",
        ),
        pytest.param(
            Project("generic", timezone="Not/AZone"),
            Request("0123456789ab", "x", head="heads"),
            id="unknown-timezone",
        ),
    ],
)
def test_known_cases_match_alembic(project: Project, request_: Request):
    instant = datetime.datetime(2026, 3, 29, 1, 30, 5, 123456, tzinfo=datetime.timezone.utc)
    compare(project, request_, instant)


def test_differential_counts_are_reported(capsys: pytest.CaptureFixture[str]):
    """Not a check: prints how many examples ran in this session (see the report)."""
    with capsys.disabled():
        print(f"\nwrite differential: {COUNTS}")
        for k, v in sorted(ERRORS.items(), key=lambda kv: -kv[1]):
            print(v, k)
