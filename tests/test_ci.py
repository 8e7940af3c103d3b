"""``revlib ci`` under a simulated GitHub Actions runner, on real git repositories.

Each test makes an ``origin`` repository (the GitHub side: ``main`` and a pull request's merge
ref ``refs/pull/7/merge``), then a runner work tree that fetches it as ``actions/checkout``
does with ``fetch-depth: 0`` and checks out the merge ref, detached. ``revlib ci`` runs as the
installed console script with the variables and files a runner provides.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from revlib.ci_report import (
    CiReport,
    annotation,
    escape_data,
    escape_property,
    outputs,
    summary_markdown,
)
from revlib.findings import Finding
from tests.gitproject import CUSTOMERS, EMAIL, ORDERS, POINTS, Project

ORDERS_FILE = f"migrations/versions/{ORDERS}_create_orders.py"
POINTS_FILE = f"migrations/versions/{POINTS}_add_points.py"
HEADS_FILE = "migrations/heads.txt"


def pull_request(
    tmp_path: Path,
    points_parent: str,
    main_heads: str | None = None,
    branch_heads: str | None = None,
) -> Project:
    """origin: main = CUSTOMERS, EMAIL, then ORDERS on EMAIL; the pull request's branch forked
    at EMAIL and adds POINTS on ``points_parent``. Returns the runner's checkout of the PR's
    merge ref."""
    origin = Project.create(tmp_path / "origin")
    origin.commit("alembic init")
    origin.commit("customers", origin.add_migration(CUSTOMERS, None, "create_customers"))
    origin.commit("email", origin.add_migration(EMAIL, CUSTOMERS, "add_email"))
    origin.git("checkout", "-q", "-b", "points")
    origin.commit("points", origin.add_migration(POINTS, points_parent, "add_points"))
    if branch_heads is not None:
        origin.write(HEADS_FILE, branch_heads)
        origin.commit("heads file", HEADS_FILE)
    origin.git("checkout", "-q", "main")
    origin.commit("orders", origin.add_migration(ORDERS, EMAIL, "create_orders"))
    if main_heads is not None:
        origin.write(HEADS_FILE, main_heads)
        origin.commit("heads file", HEADS_FILE)
    # GitHub's merge ref: the pull request merged into the current main.
    origin.git("checkout", "-q", "--detach", "main")
    origin.git("merge", "-q", "--no-ff", "-m", "Merge pull request #7", "points")
    origin.git("update-ref", "refs/pull/7/merge", "HEAD")
    origin.git("checkout", "-q", "main")
    return checkout(tmp_path, "refs/pull/7/merge")


def checkout(tmp_path: Path, ref: str) -> Project:
    """What actions/checkout does with fetch-depth: 0: init, add origin, fetch, detach."""
    work = Project(tmp_path / "work")
    work.root.mkdir()
    work.git("init", "-q")
    work.git("remote", "add", "origin", str(tmp_path / "origin"))
    work.git("fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*", f"+{ref}:{ref}")
    work.git("checkout", "-q", "--detach", ref)
    return work


def runner_env(tmp_path: Path, work: Project, **extra: str) -> dict[str, str]:
    """The variables a runner sets for a pull_request job, and its empty command files."""
    files = tmp_path / "runner"
    files.mkdir(exist_ok=True)
    for name in ("summary.md", "output"):
        (files / name).write_text("")
    env = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REF": "refs/pull/7/merge",
        "GITHUB_BASE_REF": "main",
        "GITHUB_HEAD_REF": "points",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_WORKSPACE": str(work.root),
        "GITHUB_STEP_SUMMARY": str(files / "summary.md"),
        "GITHUB_OUTPUT": str(files / "output"),
        "RUNNER_TEMP": str(files),
    }
    env.update(extra)
    return env


def revlib_ci(work: Project, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "NO_COLOR"))}
    return subprocess.run(
        ["revlib", "ci", *args],
        cwd=work.root,
        capture_output=True,
        text=True,
        check=False,
        env={**clean, **env},
    )


def read_outputs(path: Path) -> dict[str, str]:
    """Parse ``$GITHUB_OUTPUT`` as the runner does, checking the heredoc delimiters."""
    text = path.read_text()
    values = {}
    pattern = re.compile(
        r"(\w+)<<(ghadelimiter_[0-9a-f-]{36})\n(.*?)\n\2\n|(\w+)=([^\n]*)\n", re.S
    )
    position = 0
    while position < len(text):
        match = pattern.match(text, position)
        assert match is not None, f"unparsable output at {text[position:]!r}"
        if match[1]:
            values[match[1]] = match[3]
        else:
            values[match[4]] = match[5]
        position = match.end()
    return values


EMAIL_FILE = f"migrations/versions/{EMAIL}_add_email.py"
NEW_HEAD_MESSAGE = (
    f"{POINTS} revises {EMAIL} ({EMAIL_FILE}), which origin/main already extends with {ORDERS} "
    f"({ORDERS_FILE}); the heads would be {POINTS} from this branch and {ORDERS} from "
    "origin/main"
)
NEW_HEAD_HINT = (
    f"run `revlib rebase --onto {ORDERS}` to move {POINTS} on top of {ORDERS}, or "
    "`revlib merge` to join them"
)


def when_fetched(text: str) -> str:
    """``text`` with the time the base was fetched (which no test can know) as WHEN."""
    return re.sub(r"\(fetched [^)]*\)", "(fetched WHEN)", text)


def compared(work: Project, base: str = "origin/main", pull_request: bool = True) -> str:
    """The line revlib ci prints first: which commit of the base it compared with."""
    sha = work.git("rev-parse", base).strip()[:12]
    merge = ", not the pull-request merge commit" if pull_request else ""
    return f"compared with {base} at {sha} (fetched WHEN){merge}"


def test_pull_request_adding_a_second_head_fails_with_annotation_summary_and_outputs(
    tmp_path: Path,
) -> None:
    work = pull_request(tmp_path, points_parent=EMAIL)
    env = runner_env(tmp_path, work)
    result = revlib_ci(work, env)
    assert (result.returncode, result.stderr) == (1, "")
    assert when_fetched(result.stdout) == (
        f"{compared(work)}\n"
        f"{POINTS_FILE}:18: new-head {NEW_HEAD_MESSAGE}\n"
        f"  hint: {NEW_HEAD_HINT}\n"
        f"revlib ci: 1 error; heads: {ORDERS}, {POINTS}\n"
        f"::error file={POINTS_FILE},line=18,title=revlib new-head::{NEW_HEAD_MESSAGE}"
        f"%0AFix: {NEW_HEAD_HINT}\n"
    )
    assert (
        when_fetched(Path(env["GITHUB_STEP_SUMMARY"]).read_text())
        == f"""\
## ❌ revlib: 1 error

C{compared(work)[1:]}.

**Heads (2):** `{ORDERS}` create orders, `{POINTS}` add points

| | Where | Problem | How to fix |
| --- | --- | --- | --- |
| error | `{POINTS_FILE}:18` | `new-head` {NEW_HEAD_MESSAGE} | {NEW_HEAD_HINT} |

Reproduce locally with `revlib ci --base origin/main`.

<details open><summary>Revision graph: what this branch adds (highlighted), its parents and \
the heads</summary>

```mermaid
flowchart BT
  r_{ORDERS}["{ORDERS} (head)<br/>create orders"]
  r_{POINTS}["{POINTS} (head, new)<br/>add points"]
  r_{EMAIL}["{EMAIL} (branchpoint, boundary)<br/>add email"]
  r_{EMAIL} --> r_{ORDERS}
  r_{EMAIL} --> r_{POINTS}
  classDef head fill:#d3f9d8,stroke:#2b8a3e
  class r_{ORDERS} head
  classDef added fill:#fff3bf,stroke:#e67700,stroke-width:2px
  class r_{POINTS} added
  classDef boundary fill:#f1f3f5,stroke:#868e96,stroke-dasharray:4 3,color:#495057
  class r_{EMAIL} boundary
```

</details>
"""
    )
    assert read_outputs(Path(env["GITHUB_OUTPUT"])) == {
        "heads": f"{ORDERS}\n{POINTS}",
        "ok": "false",
    }


def test_pull_request_on_the_current_head_passes(tmp_path: Path) -> None:
    work = pull_request(tmp_path, points_parent=ORDERS)
    env = runner_env(tmp_path, work)
    result = revlib_ci(work, env)
    assert (result.returncode, when_fetched(result.stdout), result.stderr) == (
        0,
        f"{compared(work)}\nrevlib ci: no problems; heads: {POINTS}\n",
        "",
    )
    assert (
        when_fetched(Path(env["GITHUB_STEP_SUMMARY"]).read_text())
        == f"""\
## ✅ revlib: no problems

C{compared(work)[1:]}.

**Head:** `{POINTS}` add points

<details open><summary>Revision graph: what this branch adds (highlighted), its parents and \
the heads</summary>

```mermaid
flowchart BT
  r_{POINTS}["{POINTS} (head, new)<br/>add points"]
  r_{ORDERS}["{ORDERS} (boundary)<br/>create orders"]
  r_{ORDERS} --> r_{POINTS}
  classDef added fill:#fff3bf,stroke:#e67700,stroke-width:2px
  class r_{POINTS} added
  classDef boundary fill:#f1f3f5,stroke:#868e96,stroke-dasharray:4 3,color:#495057
  class r_{ORDERS} boundary
```

</details>
"""
    )
    # Appended, never truncated: the runner may have put other steps' lines there.
    assert Path(env["GITHUB_OUTPUT"]).read_text() == f"heads={POINTS}\nok=true\n"


def test_summary_and_outputs_are_appended_to_what_is_there(tmp_path: Path) -> None:
    work = pull_request(tmp_path, points_parent=ORDERS)
    env = runner_env(tmp_path, work)
    Path(env["GITHUB_STEP_SUMMARY"]).write_text("# Earlier step\n")
    Path(env["GITHUB_OUTPUT"]).write_text("earlier=1\n")
    assert revlib_ci(work, env).returncode == 0
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text().startswith("# Earlier step\n## ✅")
    assert Path(env["GITHUB_OUTPUT"]).read_text() == f"earlier=1\nheads={POINTS}\nok=true\n"


def test_outside_github_actions_the_same_findings_are_plain_text(tmp_path: Path) -> None:
    work = pull_request(tmp_path, points_parent=EMAIL)
    env = runner_env(tmp_path, work)
    del env["GITHUB_ACTIONS"]
    result = revlib_ci(work, env, "--base", "origin/main")
    assert (result.returncode, result.stderr) == (1, "")
    assert when_fetched(result.stdout) == (
        f"{compared(work)}\n"
        f"{POINTS_FILE}:18: new-head {NEW_HEAD_MESSAGE}\n"
        f"  hint: {NEW_HEAD_HINT}\n"
        f"revlib ci: 1 error; heads: {ORDERS}, {POINTS}\n"
    )
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text() == ""
    assert Path(env["GITHUB_OUTPUT"]).read_text() == ""


def test_push_build_without_a_base_lints_and_says_the_comparison_was_skipped(
    tmp_path: Path,
) -> None:
    # A push to main: no GITHUB_BASE_REF, and a fetch that made no origin/HEAD.
    work = pull_request(tmp_path, points_parent=EMAIL)
    env = runner_env(tmp_path, work, GITHUB_EVENT_NAME="push", GITHUB_REF="refs/heads/main")
    del env["GITHUB_BASE_REF"]
    result = revlib_ci(work, env)
    assert result.returncode == 1
    note = (
        "no origin/HEAD to compare with (pass --base REF, e.g. --base origin/main); "
        "only the checked-out history was checked"
    )
    assert result.stdout.splitlines()[0] == f"note: {note}"
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotations == [
        f"::error file={path},line=17,title=revlib multiple-heads::{rev} is one of 2 heads, "
        f"where only 1 is allowed; the other is {other} ({other_path}); they fork from {EMAIL} "
        f"({EMAIL_FILE})"
        "%0AFix: `alembic upgrade head` fails while there are several heads: run "
        f"`revlib rebase --onto {other}` to move {rev} on top of {other}, or `revlib merge` to "
        "join them"
        for path, rev, other, other_path in (
            (ORDERS_FILE, ORDERS, POINTS, POINTS_FILE),
            (POINTS_FILE, POINTS, ORDERS, ORDERS_FILE),
        )
    ]
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith(f"## ❌ revlib: 2 errors\n\n> {note}\n\n**Heads (2):**")


def test_push_build_with_origin_head_compares_with_it(tmp_path: Path) -> None:
    work = pull_request(tmp_path, points_parent=EMAIL)
    work.git("remote", "set-head", "origin", "main")
    env = runner_env(tmp_path, work, GITHUB_EVENT_NAME="push")
    del env["GITHUB_BASE_REF"]
    result = revlib_ci(work, env)
    assert result.returncode == 1
    # named by the branch origin/HEAD stands for, as the commit hook names it
    assert f"new-head {POINTS} revises {EMAIL} ({EMAIL_FILE}), which origin/main already" in (
        result.stdout
    )
    assert when_fetched(result.stdout).startswith(compared(work, "origin/main", False) + "\n")
    summary = when_fetched(Path(env["GITHUB_STEP_SUMMARY"]).read_text())
    assert f"\n\nC{compared(work, 'origin/main', False)[1:]}.\n\n" in summary


@pytest.mark.parametrize(
    ("args", "extra_env", "message"),
    [
        pytest.param(
            ["--base", "origin/nope"],
            {},
            "revlib: error: unknown revision 'origin/nope': git knows no commit by that name; "
            "fetch it first (e.g. `git fetch origin`)\n",
            id="explicit-base",
        ),
        pytest.param(
            [],
            {"GITHUB_BASE_REF": "release"},
            "revlib: error: unknown revision 'origin/release': git knows no commit by that "
            "name; fetch it first (e.g. `git fetch origin`)\n",
            id="pull-request-base",
        ),
    ],
)
def test_a_named_base_that_is_missing_is_an_error(
    tmp_path: Path, args: list[str], extra_env: dict[str, str], message: str
) -> None:
    work = pull_request(tmp_path, points_parent=ORDERS)
    env = runner_env(tmp_path, work, **extra_env)
    result = revlib_ci(work, env, *args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)
    assert Path(env["GITHUB_OUTPUT"]).read_text() == ""


def test_shallow_checkout_is_told_to_fetch_the_whole_history(tmp_path: Path) -> None:
    pull_request(tmp_path, points_parent=EMAIL)
    shallow = Project(tmp_path / "shallow")
    shallow.root.mkdir()
    shallow.git("init", "-q")
    shallow.git("remote", "add", "origin", (tmp_path / "origin").as_uri())
    ref = "refs/pull/7/merge"
    shallow.git(
        "fetch", "-q", "--depth=1", "origin", f"+{ref}:{ref}", "+main:refs/remotes/origin/main"
    )
    shallow.git("checkout", "-q", "--detach", ref)
    result = revlib_ci(shallow, runner_env(tmp_path, shallow))
    assert result.returncode == 2
    assert "fetch-depth: 0" in result.stderr or "unshallow" in result.stderr


# -- the pure parts: escaping, annotations, outputs, Markdown --------------------------------


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        pytest.param("plain", "plain", "plain", id="plain"),
        pytest.param("100%", "100%25", "100%25", id="percent"),
        pytest.param("a\r\nb", "a%0D%0Ab", "a%0D%0Ab", id="crlf"),
        pytest.param("a:b,c", "a:b,c", "a%3Ab%2Cc", id="colon-comma"),
        pytest.param("%0A", "%250A", "%250A", id="already-encoded-looking"),
        pytest.param("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax", id="command-injection"),
    ],
)
def test_workflow_command_escaping(text: str, data: str, prop: str) -> None:
    assert (escape_data(text), escape_property(text)) == (data, prop)


@pytest.mark.parametrize(
    ("finding", "path", "expected"),
    [
        pytest.param(
            Finding("cycle", "error", "v/a,b:c.py", 3, "a -> a", None),
            "v/a,b:c.py",
            "::error file=v/a%2Cb%3Ac.py,line=3,title=revlib cycle::a -> a",
            id="path-escaped",
        ),
        pytest.param(
            Finding("docstring-mismatch", "warning", "v/a.py", None, "50% off\nnext", "fix it"),
            "v/a.py",
            "::warning file=v/a.py,title=revlib docstring-mismatch::"
            "50%25 off%0Anext%0AFix: fix it",
            id="warning-no-line",
        ),
        pytest.param(
            Finding("multiple-heads", "error", None, None, "two heads", None),
            None,
            "::error title=revlib multiple-heads::two heads",
            id="no-file",
        ),
    ],
)
def test_annotation(finding: Finding, path: str | None, expected: str) -> None:
    assert annotation(finding, path) == expected


def test_outputs_use_heredoc_only_for_multiline_values() -> None:
    text = outputs({"heads": "a\nb", "ok": "true", "one": "x"}, "ghadelimiter_D")
    assert text == "heads<<ghadelimiter_D\na\nb\nghadelimiter_D\nok=true\none=x\n"


def test_outputs_refuse_a_value_holding_the_delimiter() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        outputs({"heads": "a\nghadelimiter_D\nok=true"}, "ghadelimiter_D")


def test_summary_escapes_table_cells_and_shows_notes() -> None:
    report = CiReport(
        findings=(Finding("cycle", "warning", "/abs/a.py", 2, "x | y\nz", "run `a | b`"),),
        heads=(),
        notes=("careful | here",),
    )
    assert summary_markdown(report, {"/abs/a.py": "a.py"}) == (
        "## ✅ revlib: 1 warning\n\n"
        "> careful \\| here\n\n"
        "**Heads (0):** none\n\n"
        "| | Where | Problem | How to fix |\n"
        "| --- | --- | --- | --- |\n"
        "| warning | `a.py:2` | `cycle` x \\| y<br>z | run `a \\| b` |\n\n"
        "Reproduce locally with `revlib ci`.\n"
    )


def test_summary_mermaid_passes_the_parsers(tmp_path: Path) -> None:
    from tests import mermaid_syntax
    from tests.test_graph_render import _mermaid_parse

    work = pull_request(tmp_path, points_parent=EMAIL)
    env = runner_env(tmp_path, work)
    revlib_ci(work, env)
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    diagram = summary.split("```mermaid\n")[1].split("```")[0]
    chart = mermaid_syntax.check(diagram)
    assert chart.classes == {
        "head": [f"r_{ORDERS}"],
        "added": [f"r_{POINTS}"],
        "boundary": [f"r_{EMAIL}"],
    }
    assert _mermaid_parse([diagram]) == [None]


# -- the heads file ----------------------------------------------------------------------------


def heads_text(*revisions: str) -> str:
    from revlib.heads_file import HeadEntry, render

    return render([HeadEntry.of(rev) for rev in revisions])


def test_stale_heads_file_is_an_error_with_its_fix(tmp_path: Path) -> None:
    # The branch extends the head properly but forgot `revlib heads-file update`.
    work = pull_request(tmp_path, points_parent=ORDERS, main_heads=heads_text(ORDERS))
    env = runner_env(tmp_path, work)
    result = revlib_ci(work, env)
    message = f"the heads file records {ORDERS}, but the heads are {POINTS}"
    hint = "run `revlib heads-file update` and commit it"
    assert (result.returncode, result.stderr) == (1, "")
    assert when_fetched(result.stdout) == (
        f"{compared(work)}\n"
        f"{HEADS_FILE}: stale-heads-file {message}\n"
        f"  hint: {hint}\n"
        f"revlib ci: 1 error; heads: {POINTS}\n"
        f"::error file={HEADS_FILE},title=revlib stale-heads-file::{message}%0AFix: {hint}\n"
    )
    assert read_outputs(Path(env["GITHUB_OUTPUT"])) == {"heads": POINTS, "ok": "false"}


def test_fresh_heads_file_passes(tmp_path: Path) -> None:
    # (Had main a heads file too, git would stop this merge with a conflict on it.)
    work = pull_request(tmp_path, points_parent=ORDERS, branch_heads=heads_text(POINTS))
    result = revlib_ci(work, runner_env(tmp_path, work))
    assert (result.returncode, when_fetched(result.stdout)) == (
        0,
        f"{compared(work)}\nrevlib ci: no problems; heads: {POINTS}\n",
    )


def test_named_heads_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    work = pull_request(tmp_path, points_parent=ORDERS)
    result = revlib_ci(work, runner_env(tmp_path, work), "--heads-file", "heads.txt")
    assert result.returncode == 1
    assert when_fetched(result.stdout).startswith(
        f"{compared(work)}\n"
        "heads.txt: stale-heads-file the heads file does not exist\n"
        "  hint: run `revlib heads-file update` and commit it\n"
    )


def test_pull_request_is_compared_with_the_base_as_fetched_not_the_stale_merge_commit(
    tmp_path: Path,
) -> None:
    # GitHub made the merge ref when main ended at ORDERS; main has moved on since.
    later = "aaaa00000004"
    origin = Project(tmp_path / "origin")
    work = pull_request(tmp_path, points_parent=ORDERS)
    shutil.rmtree(work.root)
    origin.commit("later", origin.add_migration(later, ORDERS, "later"))
    work = checkout(tmp_path, "refs/pull/7/merge")
    merged_onto = work.git("rev-parse", "HEAD^1").strip()
    assert work.git("rev-parse", "origin/main").strip() != merged_onto
    result = revlib_ci(work, runner_env(tmp_path, work))
    assert result.returncode == 1
    lines = when_fetched(result.stdout).splitlines()
    assert lines[0] == compared(work)
    assert lines[1].startswith(
        f"{POINTS_FILE}:18: new-head {POINTS} revises {ORDERS} ({ORDERS_FILE}), which "
        f"origin/main already extends with {later}"
    )


@pytest.mark.parametrize(
    ("given", "environ", "configured", "expected"),
    [
        pytest.param(
            "origin/x", {"GITHUB_BASE_REF": "main"}, "origin/y", ("origin/x", True), id="option"
        ),
        pytest.param(
            None, {"GITHUB_BASE_REF": "main"}, "origin/y", ("origin/main", True), id="pr"
        ),
        pytest.param(None, {}, "origin/y", ("origin/y", True), id="setting"),
        pytest.param(None, {}, None, ("origin/HEAD", False), id="guess"),
    ],
)
def test_which_base_ci_compares_with(
    given: str | None, environ: dict[str, str], configured: str | None, expected: object
) -> None:
    from hooks.ci import default_base

    assert default_base(given, environ, configured) == expected
