"""``revlib ci``: every check in one go, reported the way the CI system reads it.

It lints the checked-out history (as ``revlib check``), compares it with the base branch (as
``revlib check --base``: ``--base``, else ``origin/$GITHUB_BASE_REF`` in a pull request, else
``origin/HEAD``, named by the branch it points at), and checks the heads file when the project
keeps one. Under GitHub Actions (``GITHUB_ACTIONS=true``) it also prints one workflow command
per problem, appends a Markdown job summary to ``$GITHUB_STEP_SUMMARY`` and writes the
``heads`` and ``ok`` outputs to ``$GITHUB_OUTPUT``. Exit 1 when anything is an error.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from hooks.check import policy_options, resolve_run
from revlib.findings import MULTIPLE_HEADS, NEW_HEAD, Finding
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from hooks.setups import Run

EXIT_OK = 0
EXIT_FAILED = 1


@click.command()
@policy_options
@click.option(
    "--heads-file",
    "heads_file",
    metavar="PATH",
    help="The heads file to check (default: heads_file of [tool.revlib], else heads.txt in "
    "the script directory, if there).",
)
@click.option(
    "--base",
    metavar="REF",
    help="The branch this work will land on (default: origin/$GITHUB_BASE_REF in a pull "
    "request, else the base of [tool.revlib], else origin/HEAD).",
)
@click.pass_context
def ci(ctx: click.Context, /, **cli: Any) -> int:
    """Run every check and report it for CI (GitHub Actions annotations and job summary)."""
    from revlib.ci_report import text_report

    environ = os.environ
    run = resolve_run(ctx, cli)
    found = collect(run, *default_base(cli["base"], environ, run.settings.base), cli["heads_file"])
    run.announce(found.report.findings)
    click.echo(text_report(found.report), nl=False)
    if environ.get("GITHUB_ACTIONS") == "true":
        report_to_github(found, environ)
    return EXIT_OK if found.report.ok else EXIT_FAILED


def default_base(
    base: str | None, environ: Mapping[str, str], configured: str | None = None
) -> tuple[str, bool]:
    """The ref to compare with, and whether it must exist (False: skip the comparison if not).

    ``--base`` first, then the pull request's target branch, then the project's ``base``
    setting. ``origin/HEAD`` is only a guess (a push build may have no such ref): when it is
    missing the comparison is skipped with a note. A named base that is missing is an error.
    """
    if base:
        return base, True
    if environ.get("GITHUB_BASE_REF"):
        return f"origin/{environ['GITHUB_BASE_REF']}", True
    if configured:
        return configured, True
    return "origin/HEAD", False


@dataclass
class Found:
    """The report, plus what only the GitHub output needs."""

    report: Any  # revlib.ci_report.CiReport
    repo_root: str | None = None
    paths: dict[str, str] = field(default_factory=dict)


def collect(run: Run, base: str, required: bool, heads_file: str | None = None) -> Found:
    """Lint, new heads and history edits against ``base``, and the heads file (``heads_file``,
    else each setup's own), for each setup."""
    from hooks.ci_heads_file import named_heads_files
    from hooks.git import open_repo

    heads_files = named_heads_files(run.setups, heads_file)
    with open_repo(".") as repo:
        if not required:
            base = _guessed(repo, base)
        if required or _exists(repo, base):
            from hooks.new_heads import _commits

            commits = _commits(repo, base)
            found = _compare(repo, run, base, commits, heads_files)
            compared = compared_line(repo, base, commits[0])
            found.report = dataclasses.replace(found.report, compared=compared)
        else:
            note = (
                f"no {base} to compare with (pass --base REF, e.g. --base origin/main); "
                "only the checked-out history was checked"
            )
            found = _lint_only(run, note, heads_files)
        found.repo_root = str(repo.root)
    return found


def _guessed(repo: Any, base: str) -> str:
    """``origin/HEAD`` by the branch it stands for (``origin/main``, as the commit hook names
    it: :func:`hooks.git_state.shared_branch`), so that messages name a real branch."""
    from hooks.git_state import shared_branch

    if base != "origin/HEAD":
        return base
    return shared_branch(repo.root) or base


def compared_line(repo: Any, base: str, commit: str | None) -> str:
    """Which commit the branch was compared with, and how fresh it is: in a pull request the
    base branch as fetched, not the merge commit GitHub made when the pull request changed."""
    sha = (commit or "")[:12] or "an empty history"
    text = f"compared with {base} at {sha}"
    if repo.is_remote_ref(base):
        when = repo.fetched_at(base)
        text += f" (fetched {_when(when)})"
    if os.environ.get("GITHUB_BASE_REF") or os.environ.get("GITHUB_EVENT_NAME", "").startswith(
        "pull_request"
    ):
        text += ", not the pull-request merge commit"
    return text


def _when(stamp: float | None) -> str:
    import time

    if stamp is None:
        return "at an unknown time"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(stamp))


def _exists(repo: Any, ref: str) -> bool:
    try:
        repo.resolve(ref)
    except CommandError:
        return False
    return True


def _compare(
    repo: Any, run: Run, base: str, commits: Any, heads_files: Sequence[str | None]
) -> Found:
    from hooks.ci_heads_file import heads_file_findings
    from hooks.new_heads import WORKTREE, compare_setup
    from revlib.ci_report import CiReport

    problems: list[Finding] = []
    heads: list[str] = []
    parts: list[tuple[Any, set[str]]] = []
    for setup, heads_file in zip(run.setups, heads_files, strict=True):
        compared = compare_setup(repo, run, setup, base, commits, WORKTREE, True)
        final = compared.final
        problems += combine(compared.findings, run.finish(setup, final.findings))
        found = heads_file_findings(setup.environment(), final, heads_file)
        problems += run.finish(setup, found)
        heads += compared.heads
        parts.append((final, set(compared.changed)))
    view, docs = _picture(parts, heads)
    return Found(CiReport(tuple(problems), tuple(heads), base=base, docs=docs, view=view))


def _lint_only(run: Run, note: str, heads_files: Sequence[str | None]) -> Found:
    from hooks import snapshots
    from hooks.ci_heads_file import heads_file_findings
    from revlib.ci_report import CiReport
    from revlib.lint import lint_sources

    problems: list[Finding] = []
    heads: list[str] = []
    parts: list[tuple[Any, set[str]]] = []
    for setup, heads_file in zip(run.setups, heads_files, strict=True):
        env = setup.environment()
        result = lint_sources(
            snapshots.worktree_sources(env),
            allowed_heads=run.policy(env),
            enable=run.settings.enabled,
            file_template=env.file_template,
            search_path=env.search_path,
        )
        problems += run.finish(setup, result.findings)
        problems += run.finish(setup, heads_file_findings(env, result, heads_file))
        heads += result.heads
        parts.append((result, set()))
    view, docs = _picture(parts, heads)
    report = CiReport(tuple(problems), tuple(heads), docs=docs, view=view, notes=(note,))
    return Found(report)


def combine(new: Sequence[Finding], lint: Sequence[Finding]) -> list[Finding]:
    """The new-heads findings, then the lint findings they do not already tell.

    A ``multiple-heads`` finding about heads that a ``new-head`` finding blames on a file is
    left out: the blame says more. Duplicates (same code, place and message) appear once.
    """
    blamed = {rev for f in new if f.code == NEW_HEAD for rev in f.revisions}
    seen = set()
    result = []
    for finding in (*new, *lint):
        key = (finding.code, finding.path, finding.line, finding.message)
        if key in seen:
            continue
        if finding.code == MULTIPLE_HEADS and blamed.intersection(finding.revisions):
            continue
        seen.add(key)
        result.append(finding)
    return result


def _picture(parts: Sequence[tuple[Any, set[str]]], heads: Sequence[str]) -> tuple[Any, Any]:
    """The summary's diagram: what the branch changed, its parents and the heads."""
    from revlib.render.view import GraphView, neighbourhood_view
    from revlib.script.revision import RevisionError

    nodes: list[Any] = []
    docs: dict[str, str] = {}
    total = 0
    for lint, changed in parts:
        try:
            history = list(
                lint.revision_map.iterate_revisions(
                    "heads", "base", inclusive=True, assert_relative_length=False
                )
            )
        except RevisionError:  # a graph too broken to walk gets no picture
            continue
        added = {s.revision for s in lint.scripts if s.path in changed}
        docs.update({s.revision: s.doc for s in lint.scripts})
        view = neighbourhood_view(history, added | set(heads), added=added)
        known = {node.revision for node in nodes}
        nodes += [node for node in view.nodes if node.revision not in known]
        total += view.total
    return GraphView(tuple(nodes), total), docs


def report_to_github(found: Found, environ: Mapping[str, str]) -> None:
    """Workflow commands on stdout, the job summary and the step outputs in their files."""
    from revlib.ci_report import annotation, outputs, summary_markdown

    report = found.report
    paths = {f.path: _repo_path(f.path, found.repo_root) for f in report.findings if f.path}
    for finding in report.findings:
        click.echo(annotation(finding, paths.get(finding.path or "")))
    summary_file = environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        _append(summary_file, summary_markdown(report, paths))
    output_file = environ.get("GITHUB_OUTPUT")
    if output_file:
        values = {"heads": "\n".join(report.heads), "ok": "true" if report.ok else "false"}
        _append(output_file, outputs(values, f"ghadelimiter_{uuid.uuid4()}"))


def _repo_path(path: str, root: str | None) -> str:
    """``path`` relative to the repository root, with ``/`` (how GitHub places annotations)."""
    absolute = os.path.abspath(path)
    if root is None or os.path.commonpath([absolute, root]) != root:
        return path
    return os.path.relpath(absolute, root).replace(os.sep, "/")


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8", newline="") as file:
        file.write(text)


__all__ = ["ci", "collect", "combine", "default_base"]
