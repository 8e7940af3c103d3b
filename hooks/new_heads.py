"""The ``revlib-new-heads`` hook (and ``revlib check --base REF``): the heads this work adds.

The history that will exist once this work lands is formed without checking anything out:
the version files of the base (``HEAD`` by default, ``--base origin/main`` in CI), with on top
every version file this branch added, changed, renamed or deleted since the merge base of the
base and ``HEAD``, and what is staged (or, with ``--worktree``, what is on disk). Every head
beyond the base's own is blamed on the file that made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hooks.check import Report, check, run_hook
from hooks.context import Options

if TYPE_CHECKING:
    from hooks.git import GitRepo
    from hooks.snapshots import Environment
    from revlib.findings import Finding
    from revlib.lint import AllowedHeads
    from revlib.new_heads import Change
    from revlib.sources import SourceFile

Commits = tuple[str | None, str | None, str | None]
"""(base commit, HEAD commit, merge base); None stands for an unborn HEAD."""


def new_heads_report(
    options: Options,
    base: str,
    *,
    config_files: Sequence[str],
    directories: Sequence[str],
    staged: bool,
    allowed_heads: AllowedHeads,
    enable: Sequence[str],
) -> Report:
    """New heads and new problems of each environment, relative to ``base``."""
    from hooks import snapshots
    from hooks.git import open_repo, relative_locations
    from revlib.new_heads import find_new_heads

    envs = snapshots.environments(options, config_files, directories)
    problems: list[Finding] = []
    heads: list[str] = []
    with open_repo(".") as repo:
        commits = _commits(repo, base)
        for env in envs:
            locations = relative_locations(repo.root, env.locations)
            base_files, final_files, change = _landing(repo, env, locations, base, commits, staged)
            result = find_new_heads(
                base_files,
                final_files,
                change,
                allowed_heads=allowed_heads,
                enable=enable,
                file_template=env.file_template,
                search_path=env.search_path,
            )
            problems += result.findings
            heads += result.heads
    return Report(tuple(problems), tuple(heads))


def _commits(repo: GitRepo, base: str) -> Commits:
    """``(base commit, HEAD commit, merge base)``; None stands for an unborn HEAD (an empty
    history)."""
    base_commit = repo.resolve(base)
    head = repo.head()
    if base_commit is None or head is None:
        return base_commit, head, None
    return base_commit, head, repo.merge_base(base_commit, head)


def _landing(
    repo: GitRepo,
    env: Environment,
    locations: list[str],
    base: str,
    commits: Commits,
    staged: bool,
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
    if staged:
        ours = snapshots.index_snapshot(repo, locations)
    else:
        ours = snapshots.worktree_snapshot(repo, env, locations)
    landing = snapshots.land(base_snapshot, fork_snapshot, ours)
    change = Change(
        changed={display_path(repo.root / p) for p in landing.changed},
        deleted={display_path(repo.root / p) for p in landing.deleted},
        base_name=base,
        ours_name=_ours_name(head, fork, staged),
    )
    return (
        snapshots.to_sources(repo, base_snapshot, locations, env.recursive),
        snapshots.to_sources(repo, landing.final, locations, env.recursive),
        change,
    )


def _ours_name(head: str | None, fork: str | None, staged: bool) -> str:
    """How messages name the changes: the branch's commits, or only what is not committed."""
    if head is not None and fork != head:
        return "this branch"
    return "the staged changes" if staged else "the working tree"


def main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-new-heads`` hook: ``revlib check --staged --base HEAD``."""
    return run_hook(check, argv, "revlib-new-heads", {"staged": True, "base": "HEAD"})


if __name__ == "__main__":
    raise SystemExit(main())
