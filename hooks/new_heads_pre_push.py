"""The ``revlib-new-heads-pre-push`` hook: before a push, compare what is pushed with the
newest commit of the base branch on the remote, not the one the branch was cut from.

A branch checked at commit time against its local ``main`` can still collide with a migration
that someone else pushed since. pre-commit's ``pre-push`` stage says what is pushed
(``PRE_COMMIT_TO_REF``, ``PRE_COMMIT_FROM_REF``) and where (``PRE_COMMIT_REMOTE_NAME``,
``PRE_COMMIT_REMOTE_BRANCH``); the hook fetches the base branch from that remote into
``FETCH_HEAD`` (no local branch moves), lays the pushed commit's migrations on it, and reports
new heads, new problems and edits of migrations the base already has, as ``revlib check
--base`` does. The base branch is ``--base`` (or ``base`` in ``[tool.revlib]``, its remote
prefix dropped), else the remote's default branch, else the branch being pushed to.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from hooks.check import Report, policy_options, print_report, resolve_run, run_hook
from hooks.output import FORMAT_OPTION
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from hooks.git import GitRepo

EXIT_OK = 0
_NULL_SHA = frozenset({"0" * 40, "0" * 64})


@click.command()
@policy_options
@click.option(
    "--base",
    metavar="BRANCH",
    help="The remote's branch this work lands on (default: the base of [tool.revlib], else "
    "the remote's default branch).",
)
@click.option("--remote", metavar="NAME", help="The remote (default: the one pushed to).")
@FORMAT_OPTION
@click.pass_context
def new_heads_pre_push(
    ctx: click.Context, /, remote: str | None, output_format: str, **cli: Any
) -> int:
    """Check a push against the newest commit of its base branch on the remote."""
    from hooks.git import open_repo
    from hooks.new_heads import _commits, compare_setup

    run = resolve_run(ctx, cli)
    push = Push.from_environment(os.environ, remote)
    if push.to_ref is None:
        return EXIT_OK  # a branch deletion, or nothing new: nothing to check
    problems = []
    heads: list[str] = []
    with open_repo(".") as repo:
        branch = base_branch(repo, push, run.settings.base)
        fetched = repo.fetch(push.remote, branch)
        base_name = f"{push.remote_label}/{branch}"
        if fetched is None:
            if output_format == "text":
                click.echo(f"{push.remote} has no branch {branch} yet: nothing to compare with")
            return EXIT_OK
        commits = _commits(repo, fetched, push.to_ref)
        for setup in run.setups:
            compared = compare_setup(repo, run, setup, base_name, commits, push.to_ref, True)
            problems += compared.findings
            heads += compared.heads
    if output_format == "text":
        click.echo(f"compared {push.shown} with {base_name} at {fetched[:12]} (fetched just now)")
    return print_report(Report(tuple(problems), tuple(heads)), output_format, run)


class Push:
    """What pre-commit says is being pushed, and where."""

    def __init__(self, remote: str, to_ref: str | None, remote_branch: str | None) -> None:
        self.remote = remote
        self.to_ref = to_ref
        self.remote_branch = remote_branch

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], remote: str | None) -> Push:
        """From pre-commit's variables; outside pre-commit, HEAD pushed to ``--remote``
        (default ``origin``)."""
        to_ref = environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_LOCAL_BRANCH")
        if to_ref in _NULL_SHA:
            to_ref = None
        elif to_ref and to_ref == environ.get("PRE_COMMIT_FROM_REF"):
            to_ref = None  # the remote already has this commit
        elif not to_ref:
            to_ref = "HEAD"
        name = remote or environ.get("PRE_COMMIT_REMOTE_NAME") or "origin"
        branch = environ.get("PRE_COMMIT_REMOTE_BRANCH")
        return cls(name, to_ref, branch.removeprefix("refs/heads/") if branch else None)

    @property
    def remote_label(self) -> str:
        """How messages name the remote: its name, or ``remote`` for a URL."""
        return self.remote if "/" not in self.remote and ":" not in self.remote else "remote"

    @property
    def shown(self) -> str:
        return self.to_ref[:12] if self.to_ref and len(self.to_ref) >= 40 else str(self.to_ref)


def base_branch(repo: GitRepo, push: Push, configured: str | None) -> str:
    """The branch to fetch: the configured base (``origin/main`` -> ``main``), else the
    remote's default branch, else the branch being pushed to."""
    if configured:
        for prefix in (f"refs/remotes/{push.remote}/", f"{push.remote}/", "refs/heads/"):
            configured = configured.removeprefix(prefix)
        return configured
    branch = repo.remote_default_branch(push.remote) or push.remote_branch
    if branch is None:
        raise CommandError(
            f"cannot tell which branch of {push.remote} this push lands on; pass "
            "--base BRANCH (or set base in [tool.revlib])"
        )
    return branch


def main(argv: Sequence[str] | None = None) -> int:
    """The ``revlib-new-heads-pre-push`` hook (stage ``pre-push``)."""
    return run_hook(new_heads_pre_push, argv, "revlib-new-heads-pre-push", {})


if __name__ == "__main__":
    raise SystemExit(main())
