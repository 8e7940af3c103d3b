"""Head policies: one head in all, per branch label (OpenStack's expand/contract), per version
location, an allow-list, and the loud per-commit bypass; what the messages say about each."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks.auto_merge import main as auto_merge
from hooks.check import main as revlib_check
from hooks.cli import main as revlib
from hooks.new_heads import main as new_heads
from revlib.findings import format_text
from revlib.lint import HeadPolicy, Sides, lint_sources
from revlib.sources import SourceFile
from tests.gitproject import CUSTOMERS, ORDERS, POINTS, Project, migration
from tests.test_lint import header


def v(path: str, rev: str, down: object, **kw: object) -> SourceFile:
    return SourceFile(path, header(rev, down, **kw).encode())  # type: ignore[arg-type]


ROOT = v("v/root.py", "root", None)
EXPAND = [v("v/expand/e1.py", "e1", "root", labels="expand"), v("v/expand/e2.py", "e2", "e1")]
CONTRACT = [v("v/contract/c1.py", "c1", "root", labels="contract")]
OPENSTACK = [ROOT, *CONTRACT, *EXPAND]
LOCATIONS = ("v/contract", "v/expand", "v")


def text(files: list[SourceFile], policy: HeadPolicy, sides: Sides | None = None) -> str:
    result = lint_sources(files, allowed_heads=policy, sides=sides)
    return "\n".join(format_text(f) for f in result.findings)


def hint(upgrade: str, rest: str) -> str:
    return f"  hint: `alembic upgrade {upgrade}` fails while there are several heads: run {rest}"


@pytest.mark.parametrize(
    ("files", "policy", "expected"),
    [
        pytest.param(
            OPENSTACK,
            HeadPolicy(),
            "v/contract/c1.py:6: multiple-heads c1 is one of 2 heads, where only 1 is allowed; "
            "the other is e2 (v/expand/e2.py); they fork from root (v/root.py)\n"
            + hint(
                "head",
                "`revlib rebase --onto e2` to move c1 on top of e2, or `revlib merge` "
                "to join them",
            )
            + "\nv/expand/e2.py:6: multiple-heads e2 is one of 2 heads, where only 1 is allowed; "
            "the other is c1 (v/contract/c1.py); they fork from root (v/root.py)\n"
            + hint(
                "head",
                "`revlib rebase --onto c1` to move e2 on top of c1, or `revlib merge` "
                "to join them",
            ),
            id="expand-contract-fails-by-default",
        ),
        pytest.param(
            OPENSTACK, HeadPolicy("per-branch-label"), "", id="expand-contract-per-branch-label"
        ),
        pytest.param(
            [*OPENSTACK, v("v/x.py", "x", "root")],
            HeadPolicy("per-branch-label"),
            "v/x.py:6: multiple-heads x is a head without a branch label beside the labelled "
            "heads c1 (v/contract/c1.py), e2 (v/expand/e2.py); with heads = per-branch-label "
            "every head must belong to a branch label\n"
            "  hint: point its down_revision at the head of the branch it belongs to, so that it "
            "inherits that branch's label, or give its first revision branch_labels",
            id="an-unlabelled-head-beside-labelled-ones",
        ),
        pytest.param(
            [*OPENSTACK, v("v/expand/e3.py", "e3", "e1")],
            HeadPolicy("per-branch-label"),
            "v/expand/e2.py:6: multiple-heads e2 is one of 2 heads of branch 'expand', where "
            "only 1 is allowed; the other is e3 (v/expand/e3.py); they fork from e1 "
            "(v/expand/e1.py)\n"
            + hint(
                "expand@head",
                "`revlib rebase --onto e3` to move e2 on top of e3, or "
                "`revlib merge e2 e3` to join them",
            )
            + "\nv/expand/e3.py:6: multiple-heads e3 is one of 2 heads of branch 'expand', "
            "where only 1 is allowed; the other is e2 (v/expand/e2.py); they fork from e1 "
            "(v/expand/e1.py)\n"
            + hint(
                "expand@head",
                "`revlib rebase --onto e2` to move e3 on top of e2, or "
                "`revlib merge e2 e3` to join them",
            ),
            id="two-heads-on-one-label",
        ),
        pytest.param(
            [v("v/a/a1.py", "a1", None), v("v/b/b1.py", "b1", None)],
            HeadPolicy("per-version-location", locations=("v/a", "v/b")),
            "",
            id="one-head-per-version-location",
        ),
        pytest.param(
            [v("v/a/a1.py", "a1", None), v("v/a/a2.py", "a2", "a1"), v("v/a/a3.py", "a3", "a1")],
            HeadPolicy("per-version-location", locations=("v/a", "v/b")),
            "v/a/a2.py:6: multiple-heads a2 is one of 2 heads in version location v/a, where "
            "only 1 is allowed; the other is a3 (v/a/a3.py); they fork from a1 (v/a/a1.py)\n"
            + hint(
                "head",
                "`revlib rebase --onto a3` to move a2 on top of a3, or "
                "`revlib merge` to join them",
            )
            + "\nv/a/a3.py:6: multiple-heads a3 is one of 2 heads in version location v/a, "
            "where only 1 is allowed; the other is a2 (v/a/a2.py); they fork from a1 "
            "(v/a/a1.py)\n"
            + hint(
                "head",
                "`revlib rebase --onto a2` to move a3 on top of a2, or "
                "`revlib merge` to join them",
            ),
            id="two-heads-in-one-version-location",
        ),
        pytest.param([*OPENSTACK], HeadPolicy(allow=frozenset({"c1"})), "", id="allow-a-revision"),
        pytest.param(
            [*OPENSTACK], HeadPolicy(allow=frozenset({"expand"})), "", id="allow-a-label"
        ),
        pytest.param(
            [ROOT, v("v/b1.py", "b1", "root", depends="c1"), v("v/c1.py", "c1", None)],
            HeadPolicy(),
            "v/b1.py:6: multiple-heads b1 is one of 2 heads, where only 1 is allowed; the other "
            "is c1 (v/c1.py); they share no ancestor (separate histories)\n"
            + hint("head", "`revlib merge` to join them")
            + "\nv/c1.py:6: multiple-heads c1 is one of 2 heads, where only 1 is allowed; the "
            "other is b1 (v/b1.py); they share no ancestor (separate histories); c1 is a head "
            "only through depends_on (b1 depends on it without revising it): `alembic upgrade "
            "heads` and `alembic heads --resolve-dependencies` leave it out, but `alembic "
            "upgrade head` counts it and fails\n" + hint("head", "`revlib merge` to join them"),
            id="a-head-consumed-only-through-depends-on",
        ),
        pytest.param(
            [ROOT, *(v(f"v/b{i}.py", f"b{i}", "root") for i in (1, 2, 3))],
            HeadPolicy(2, allow=frozenset({"b3"})),
            "",
            id="allowed-heads-do-not-count",
        ),
    ],
)
def test_policies(files: list[SourceFile], policy: HeadPolicy, expected: str) -> None:
    assert text(files, policy) == expected


def test_the_side_this_work_adds_is_named_and_moved() -> None:
    files = [ROOT, v("v/b1.py", "b1", "root"), v("v/b2.py", "b2", "root")]
    sides = Sides(frozenset({"v/b2.py"}), "the staged changes", "HEAD")
    assert text(files, HeadPolicy(), sides) == (
        "v/b1.py:6: multiple-heads b1 is one of 2 heads, where only 1 is allowed; the other is "
        "b2 (v/b2.py); they fork from root (v/root.py); b2 comes from the staged changes\n"
        + hint(
            "head",
            "`revlib rebase --onto b1` to move b2 on top of b1, or `revlib merge` to join them",
        )
        + "\nv/b2.py:6: multiple-heads b2 is one of 2 heads, where only 1 is allowed; the other "
        "is b1 (v/b1.py); they fork from root (v/root.py); b2 comes from the staged changes\n"
        + hint(
            "head",
            "`revlib rebase --onto b1` to move b2 on top of b1, or `revlib merge` to join them",
        )
    )


def test_alembic_agrees_a_depends_on_only_head_breaks_upgrade_head(tmp_path: Path) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    files = [ROOT, v("v/b1.py", "b1", "root", depends="c1"), v("v/c1.py", "c1", None)]
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    for source in files:
        (versions / Path(source.path).name).write_bytes(source.data)
    config = Config()
    config.set_main_option("script_location", str(tmp_path / "migrations"))
    script = ScriptDirectory.from_config(config)
    assert sorted(script.get_heads()) == ["b1", "c1"]  # `alembic heads`
    assert [r.revision for r in script.get_revisions("heads")] == ["b1"]  # `upgrade heads`
    with pytest.raises(CommandError, match="Multiple head revisions are present"):
        script.as_revision_number("head")  # `alembic upgrade head`


# -- a real OpenStack-style project ----------------------------------------------------------


OPENSTACK_INI = """\
[alembic]
script_location = %(here)s/migrations
recursive_version_locations = true
prepend_sys_path = .
path_separator = os
"""


@pytest.fixture
def openstack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Neutron's layout: a shared root, then an expand and a contract branch in their own
    directories, each labelled at its first revision; committed, the current directory."""
    project = Project.create(tmp_path / "repo")
    project.write("alembic.ini", OPENSTACK_INI)
    project.write("migrations/versions/root.py", migration("aaaa00000000", None, "initial"))
    project.write(
        "migrations/versions/expand/e1.py",
        migration("e1e1e1e1e1e1", "aaaa00000000", "expand 1", labels=("expand",)),
    )
    project.write("migrations/versions/expand/e2.py", migration("e2e2e2e2e2e2", "e1e1e1e1e1e1"))
    project.write(
        "migrations/versions/contract/c1.py",
        migration("c1c1c1c1c1c1", "aaaa00000000", "contract 1", labels=("contract",)),
    )
    project.commit("expand/contract")
    monkeypatch.chdir(project.root)
    return project


def test_expand_contract_passes_per_branch_label_and_fails_by_default(
    openstack: Project, capsys
) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    alembic_script = ScriptDirectory.from_config(Config("alembic.ini"))
    assert sorted(alembic_script.get_heads()) == ["c1c1c1c1c1c1", "e2e2e2e2e2e2"]
    assert alembic_script.get_revision("expand@head").revision == "e2e2e2e2e2e2"

    assert revlib(["check"]) == 1
    assert revlib_check([]) == 1
    out = capsys.readouterr().out
    assert out.count("multiple-heads") == 4
    assert "c1c1c1c1c1c1 is one of 2 heads, where only 1 is allowed" in out

    openstack.write("pyproject.toml", '[tool.revlib]\nheads = "per-branch-label"\n')
    assert revlib(["check"]) == 0
    assert revlib_check([]) == 0
    assert new_heads([]) == 0
    assert capsys.readouterr().out == ""


def test_expand_contract_unlabelled_extra_head_is_blamed(openstack: Project, capsys) -> None:
    openstack.write("pyproject.toml", '[tool.revlib]\nheads = "per-branch-label"\n')
    extra = "migrations/versions/oops.py"
    openstack.write(extra, migration("0000aaaabbbb", "aaaa00000000", "no label"))
    openstack.git("add", extra)
    assert new_heads([]) == 1
    assert capsys.readouterr().out == (
        f"{extra}:18: new-head 0000aaaabbbb ({extra}) would be a head without a branch label "
        "beside the labelled heads c1c1c1c1c1c1 (migrations/versions/contract/c1.py), "
        "e2e2e2e2e2e2 (migrations/versions/expand/e2.py); with heads = per-branch-label "
        "every head must belong to a branch label\n"
        "  hint: point the down_revision of 0000aaaabbbb at the head of the branch it belongs "
        "to (c1c1c1c1c1c1 or e2e2e2e2e2e2), so that it inherits its label\n"
        "Found 1 error.\n"
    )


def test_allow_heads_setting_and_option(openstack: Project, capsys) -> None:
    assert revlib(["check", "--allow-head", "contract"]) == 0
    openstack.write("pyproject.toml", '[tool.revlib]\nallow_heads = ["c1c1c1c1c1c1"]\n')
    assert revlib(["check"]) == 0
    assert revlib_check([]) == 0
    assert capsys.readouterr().out == ""


def test_per_version_location(tmp_path: Path, monkeypatch, capsys) -> None:
    project = Project.create(tmp_path / "repo")
    project.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\npath_separator = space\n"
        "version_locations = %(here)s/migrations/app %(here)s/migrations/audit\n",
    )
    project.write("migrations/app/a1.py", migration("a1a1a1a1a1a1", None, "app"))
    project.write("migrations/audit/b1.py", migration("b1b1b1b1b1b1", None, "audit"))
    project.commit("two locations")
    monkeypatch.chdir(project.root)
    assert revlib(["check"]) == 1
    assert revlib(["check", "--heads", "per-version-location"]) == 0
    capsys.readouterr()
    project.write("migrations/audit/b2.py", migration("b2b2b2b2b2b2", None, "audit 2"))
    assert revlib(["check", "--heads", "per-version-location"]) == 1
    out = capsys.readouterr().out
    assert (
        "migrations/audit/b1.py:17: multiple-heads b1b1b1b1b1b1 is one of 2 heads in version "
        "location migrations/audit, where only 1 is allowed; the other is b2b2b2b2b2b2 "
        "(migrations/audit/b2.py); they share no ancestor (separate histories)\n"
    ) in out


# -- the bypass --------------------------------------------------------------------------------


@pytest.fixture
def forked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """ORDERS committed on CUSTOMERS, POINTS staged on CUSTOMERS."""
    project = Project.create(tmp_path / "repo")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.commit("customers")
    project.commit("orders", project.add_migration(ORDERS, CUSTOMERS, "create_orders"))
    project.git("add", project.add_migration(POINTS, CUSTOMERS, "add_points"))
    monkeypatch.chdir(project.root)
    return project


@pytest.mark.parametrize(
    ("hook", "args", "environ", "by"),
    [
        pytest.param(revlib_check, ["--allow-heads"], {}, "--allow-heads", id="check-flag"),
        pytest.param(
            revlib_check, [], {"REVLIB_ALLOW_HEADS": "1"}, "REVLIB_ALLOW_HEADS=1", id="check-env"
        ),
        pytest.param(
            new_heads, [], {"REVLIB_ALLOW_HEADS": "1"}, "REVLIB_ALLOW_HEADS=1", id="new-heads-env"
        ),
    ],
)
def test_the_bypass_lets_heads_through_loudly(
    forked: Project, monkeypatch, capsys, hook, args: list[str], environ: dict[str, str], by: str
) -> None:
    assert hook([]) == 1
    capsys.readouterr()
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    assert hook(args) == 0
    captured = capsys.readouterr()
    count = 2 if hook is revlib_check else 1
    plural = "s" if count > 1 else ""
    assert captured.err == (
        f"revlib: warning: the head check was bypassed by {by} ({count} head problem{plural} "
        f"reported as warning{plural}); `alembic upgrade head` fails while there are several "
        "heads\n"
    )
    assert captured.out.endswith(f"Found {count} warning{plural}.\n")


def test_the_bypass_is_announced_even_with_nothing_to_let_through(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    project = Project.create(tmp_path / "repo")
    project.add_migration(CUSTOMERS, None, "create_customers")
    project.commit("customers")
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("REVLIB_ALLOW_HEADS", "yes")
    assert revlib_check([]) == 0
    assert capsys.readouterr().err == (
        "revlib: warning: the head check was bypassed by REVLIB_ALLOW_HEADS=yes (no head "
        "problems this time); `alembic upgrade head` fails while there are several heads\n"
    )


def test_auto_merge_writes_nothing_when_bypassed(forked: Project, monkeypatch, capsys) -> None:
    monkeypatch.setenv("REVLIB_ALLOW_HEADS", "1")
    before = sorted(p.name for p in forked.versions.iterdir())
    assert auto_merge([]) == 0
    assert sorted(p.name for p in forked.versions.iterdir()) == before
    assert "bypassed by REVLIB_ALLOW_HEADS=1" in capsys.readouterr().err
