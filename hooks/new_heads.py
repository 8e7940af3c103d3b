"""The ``revlib-new-heads`` hook (and ``revlib check --base REF``): the heads this work adds.

The history that will exist once this work lands is formed without checking anything out:
the version files of the base (``HEAD`` by default, the ``base`` of ``[tool.revlib]`` when
set, ``--base origin/main`` in CI), with on top every version file this branch added, changed,
renamed or deleted since the merge base of the base and ``HEAD``, and what is staged (or, with
``--worktree``, what is on disk; the pre-push hook uses the pushed commit). Every head beyond
the base's own is blamed on the file that made it.

The migrations of a shared branch must not change (:mod:`revlib.history`): against a base that
is given or configured, those of the base; with the hook's implicit ``HEAD``, which is not
shared, those of the remote's default branch (``origin/HEAD``, see
:func:`hooks.git_state.shared_branch`) when git records one, and none otherwise. The branch's
own commits are not shared yet: amending a migration made on it is no finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hooks.check import Report, check, run_hook

if TYPE_CHECKING:
    from hooks.git import GitRepo
    from hooks.setups import Run, Setup
    from hooks.snapshots import Environment
    from revlib.findings import Finding
    from revlib.lint import LintResult
    from revlib.new_heads import Change
    from revlib.sources import SourceFile

Commits = tuple[str | None, str | None, str | None]
"""(base commit, HEAD commit, merge base); None stands for an unborn HEAD."""


def new_heads_report(run: Run, base: str, *, staged: bool, history: bool) -> Report:
    """New heads and new problems of each setup relative to ``base``, and the edits of
    migrations a shared branch already has: ``base``'s when ``history`` (a base given or
    configured), else (the hook's implicit ``HEAD``) the remote's default branch's, if any."""
    from hooks.git import open_repo

    problems: list[Finding] = []
    heads: list[str] = []
    with open_repo(".") as repo:
        commits = _commits(repo, base)
        ours = INDEX if staged else WORKTREE
        shared = None if history else shared_base(repo)
        for setup in run.setups:
            compared = compare_setup(repo, run, setup, base, commits, ours, history)
            found = list(compared.findings)
            if shared is not None:
                found += run.finish(setup, history_against(repo, setup, *shared, ours))
                found.sort(key=lambda f: (f.path or "", f.line or 0))
            problems += found
            heads += compared.heads
    return Report(tuple(problems), tuple(heads))


def shared_base(repo: GitRepo) -> tuple[str, Commits] | None:
    """The remote's default branch (named as in messages, e.g. ``origin/main``) and its
    commits, as the branch whose migrations are protected when no base is given or configured;
    None when git records none, or cannot tell where HEAD forked from it (a shallow clone,
    unrelated histories): an implicit base is a courtesy, never an error."""
    from hooks.git_state import shared_branch
    from revlib.util.exc import CommandError

    name = shared_branch(repo.root)
    if name is None:
        return None
    try:
        return name, _commits(repo, name)
    except CommandError:
        return None


def history_against(
    repo: GitRepo, setup: Setup, name: str, commits: Commits, ours: str
) -> list[Finding]:
    """Edits of the migrations that the shared branch ``name`` has, once ``ours`` lands on
    it: the branch's own, which it does not have, may change freely."""
    from hooks.git import relative_locations
    from revlib.history import history_findings

    env = setup.environment()
    locations = relative_locations(repo.root, env.locations)
    base_files, final_files, change = _landing(repo, env, locations, name, commits, ours)
    if not change.changed and not change.deleted:
        return []
    return history_findings(base_files, final_files, base_name=name, search_path=env.search_path)


INDEX = ":index"
WORKTREE = ":worktree"


@dataclass(frozen=True)
class Compared:
    """One setup compared with the base: its findings (as the project wants them), heads,
    the lint of the history once the work lands, and the paths the work changed."""

    findings: list[Finding]
    heads: tuple[str, ...]
    final: LintResult
    changed: frozenset[str]


def compare_setup(
    repo: GitRepo,
    run: Run,
    setup: Setup,
    base: str,
    commits: Commits,
    ours: str,
    history: bool,
) -> Compared:
    """One setup's new heads and new problems (and history edits) against ``base``;
    ``ours`` is :data:`INDEX`, :data:`WORKTREE` or a commit."""
    from hooks.git import relative_locations
    from revlib.history import history_findings
    from revlib.new_heads import find_new_heads

    env = setup.environment()
    locations = relative_locations(repo.root, env.locations)
    base_files, final_files, change = _landing(repo, env, locations, base, commits, ours)
    result = find_new_heads(
        base_files,
        final_files,
        change,
        allowed_heads=run.policy(env),
        enable=run.settings.enabled,
        file_template=env.file_template,
        search_path=env.search_path,
    )
    problems = list(result.findings)
    if history:
        problems += history_findings(
            base_files, final_files, base_name=base, search_path=env.search_path
        )
    problems.sort(key=lambda f: (f.path or "", f.line or 0))
    return Compared(
        run.finish(setup, problems), result.heads, result.final, frozenset(change.changed)
    )


def _commits(repo: GitRepo, base: str, head_ref: str = "HEAD") -> Commits:
    """``(base commit, HEAD commit, merge base)``; None stands for an unborn HEAD (an empty
    history). ``head_ref`` names another commit instead of HEAD (a pushed one)."""
    base_commit = repo.resolve(base)
    head = repo.head() if head_ref == "HEAD" else repo.resolve(head_ref)
    if base_commit is None or head is None:
        return base_commit, head, None
    return base_commit, head, repo.merge_base(base_commit, head)


def _landing(
    repo: GitRepo,
    env: Environment,
    locations: list[str],
    base: str,
    commits: Commits,
    ours: str | bool,
) -> tuple[list[SourceFile], list[SourceFile], Change]:
    """The base's version files, the final ones, and the Change between them."""
    from hooks import snapshots
    from hooks.snapshots import display_path
    from revlib.new_heads import Change

    base_commit, head, fork = commits
    base_snapshot = snapshots.commit_snapshot(repo, base_commit, locations)
    fork_snapshot = (
        base_snapshot if fork == base_commit else snapshots.commit_snapshot(repo, fork, locations)
    )
    if ours is True or ours == INDEX:
        ours_snapshot = snapshots.index_snapshot(repo, locations)
    elif ours is False or ours == WORKTREE:
        ours_snapshot = snapshots.worktree_snapshot(repo, env, locations)
    else:
        ours_snapshot = snapshots.commit_snapshot(repo, head, locations)
    landing = snapshots.land(base_snapshot, fork_snapshot, ours_snapshot)
    change = Change(
        changed={display_path(repo.root / p) for p in landing.changed},
        deleted={display_path(repo.root / p) for p in landing.deleted},
        base_name=base,
        ours_name=_ours_name(head, fork, ours),
    )
    return (
        snapshots.to_sources(repo, base_snapshot, locations, env.recursive),
        snapshots.to_sources(repo, landing.final, locations, env.recursive),
        change,
    )


def _ours_name(head: str | None, fork: str | None, ours: str | bool) -> str:
    """How messages name the changes: the branch's commits, or only what is not committed."""
    if head is not None and fork != head:
        return "this branch"
    if ours not in (INDEX, WORKTREE, True, False):
        return "the pushed commit"
    return "the staged changes" if ours in (INDEX, True) else "the working tree"


def main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-new-heads`` hook: ``revlib check --staged --base HEAD`` (or the ``base``
    of ``[tool.revlib]``)."""
    return run_hook(check, argv, "revlib-new-heads", {"staged": True, "compare": True})


if __name__ == "__main__":
    raise SystemExit(main())
