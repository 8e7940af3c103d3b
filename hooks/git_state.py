"""What git is in the middle of: a rebase or a merge, and which side is which.

Git's "ours" and "theirs" swap meaning between the two. In ``git merge``, HEAD (index stage 2,
``git checkout --ours``, the ``<<<<<<<`` side of a conflict) is the branch you are on, and
MERGE_HEAD (stage 3, ``--theirs``, ``>>>>>>>``) is the branch coming in. In ``git rebase``, HEAD
is the upstream being rebased onto, with the commits already replayed on top, and the commit
being replayed (REBASE_HEAD) is stage 3, ``--theirs``, ``>>>>>>>``: *your* work.

:class:`Operation` names the sides by role instead: ``moving`` is the commit whose migrations
are re-parented (your work), ``target`` the one they move onto. Every call runs ``git`` with an
argument list, never through a shell.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from revlib.util.exc import CommandError

__all__ = [
    "Operation",
    "after_merge",
    "after_rebase",
    "in_progress",
    "merge_base",
    "read_stages",
    "repository_root",
    "shared_branch",
    "unmerged_paths",
]

CURRENT_STAGE = 2
"""Index stage of HEAD's version of a conflicted file (``git checkout --ours``)."""
INCOMING_STAGE = 3
"""Index stage of the incoming version (``git checkout --theirs``)."""


@dataclass(frozen=True)
class Operation:
    """A rebase or merge, in progress or just finished, with its sides named by role."""

    kind: Literal["rebase", "merge"]
    moving: str
    """The commit whose migrations move: REBASE_HEAD in a rebase, HEAD in a merge."""
    target: str | None
    """The commit they move onto: HEAD in a rebase, MERGE_HEAD in a merge (None when a
    finished rebase no longer says which; the common ancestor then tells the sides apart)."""
    moving_name: str
    target_name: str
    in_progress: bool = True

    @property
    def moving_is_incoming(self) -> bool:
        """Whether the moving side is git's "theirs" (stage 3, ``>>>>>>>``): in a rebase."""
        return self.kind == "rebase"

    @property
    def moving_stage(self) -> int:
        return INCOMING_STAGE if self.moving_is_incoming else CURRENT_STAGE

    @property
    def target_stage(self) -> int:
        return CURRENT_STAGE if self.moving_is_incoming else INCOMING_STAGE

    def next_steps(self, paths: Sequence[str]) -> list[str]:
        """The commands that finish the job once ``paths`` are re-parented."""
        add = ["git add -- " + " ".join(_quote(p) for p in paths)] if paths else []
        if not self.in_progress:
            return [*add, "git commit --amend --no-edit"] if paths else []
        finish = "git rebase --continue" if self.kind == "rebase" else "git merge --continue"
        return [*add, finish]


def repository_root(start: str | os.PathLike[str] = ".") -> Path | None:
    """The top of the work tree holding ``start``, or None outside one."""
    status, out = _git(Path(start), "rev-parse", "--show-toplevel")
    return Path(out.strip()) if status == 0 and out.strip() else None


def in_progress(root: Path) -> Operation | None:
    """The rebase or merge stopped in ``root`` (on a conflict, or to edit), or None."""
    if _rebasing(root):
        moving = _commit(root, "REBASE_HEAD")
        if moving is None:
            raise CommandError(
                "a rebase is in progress but no commit is being replayed (REBASE_HEAD is "
                "missing): run `revlib rebase` when the rebase stops on a conflict"
            )
        head = _commit(root, "HEAD")
        assert head is not None
        onto = _rebase_onto(root)
        return Operation(
            kind="rebase",
            moving=moving,
            target=head,
            moving_name=f"the commit being replayed ({_describe(root, moving)})",
            target_name=f"the branch being rebased onto ({onto or _describe(root, head)})",
        )
    merge_heads = _merge_heads(root)
    if not merge_heads:
        return None
    if len(merge_heads) > 1:
        raise CommandError(
            f"an octopus merge of {len(merge_heads)} branches is in progress; re-parenting "
            "needs exactly two sides: merge them one at a time"
        )
    head = _commit(root, "HEAD")
    assert head is not None
    return Operation(
        kind="merge",
        moving=head,
        target=merge_heads[0],
        moving_name=f"HEAD ({_describe(root, head)})",
        target_name=f"the branch being merged ({_describe(root, merge_heads[0])})",
    )


def after_merge(root: Path) -> Operation | None:
    """The merge that just made HEAD (for a post-merge hook): HEAD^1 moves onto HEAD^2.
    None when HEAD is not a merge commit (a fast-forward adds no fork)."""
    status, out = _git(root, "rev-list", "--parents", "-n", "1", "HEAD")
    parents = out.split()[1:] if status == 0 else []
    if len(parents) != 2:
        return None
    ours, theirs = parents
    return Operation(
        kind="merge",
        moving=ours,
        target=theirs,
        moving_name=f"HEAD^1 ({_describe(root, ours)})",
        target_name=f"HEAD^2 ({_describe(root, theirs)})",
        in_progress=False,
    )


def after_rebase(root: Path) -> Operation | None:
    """The rebase that just finished (for a post-rewrite hook): ORIG_HEAD is the branch
    before it; its migrations since the common ancestor move. None without ORIG_HEAD."""
    before = _commit(root, "ORIG_HEAD")
    if before is None:
        return None
    return Operation(
        kind="rebase",
        moving=before,
        target=None,
        moving_name=f"the rebased branch (was {_describe(root, before)})",
        target_name="the branch it was rebased onto",
        in_progress=False,
    )


def merge_base(root: Path, *commits: str) -> str | None:
    """The best common ancestor of ``commits``, or None for unrelated histories."""
    status, out = _git(root, "merge-base", *commits)
    return out.strip() if status == 0 else None


def shared_branch(root: Path) -> str | None:
    """The remote branch that work here lands on, as git records it: ``origin``'s default
    branch (``refs/remotes/origin/HEAD``, set by ``git clone`` and ``git remote set-head``),
    else the default branch of the remote the current branch tracks; named like
    ``origin/main``. None when git records neither (no remote, a remote whose HEAD was never
    recorded, or one that points at a branch no longer fetched)."""
    found = _remote_default(root, "origin")
    if found is not None:
        return found
    tracked = _tracked_remote(root)  # asked only now: one git call in the common case
    return _remote_default(root, tracked) if tracked not in (None, "origin") else None


def _remote_default(root: Path, remote: str | None) -> str | None:
    """``<remote>/<branch>`` that ``refs/remotes/<remote>/HEAD`` points at, if it resolves."""
    status, out = _git(
        root, "rev-parse", "--abbrev-ref", "--verify", "--quiet", f"refs/remotes/{remote}/HEAD"
    )
    name = out.strip()
    return name if status == 0 and name and name != f"{remote}/HEAD" else None


def _tracked_remote(root: Path) -> str | None:
    """The remote the current branch pulls from (``branch.<name>.remote``), if any."""
    status, out = _git(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    if status != 0:
        return None  # detached HEAD
    status, out = _git(root, "config", "--get", f"branch.{out.strip()}.remote")
    remote = out.strip()
    return remote if status == 0 and remote and remote != "." else None


def read_stages(root: Path, path: str) -> dict[int, bytes]:
    """The unmerged index versions of ``path`` (repo-relative): {stage: bytes}, empty when it
    is not in conflict. Stage 1 is the common ancestor's, 2 HEAD's, 3 the incoming one's."""
    status, out = _git_bytes(root, "ls-files", "--unmerged", "-z", "--", path)
    stages: dict[int, bytes] = {}
    if status != 0:
        return stages
    for record in out.split(b"\0"):
        if not record:
            continue
        info, _, _ = record.partition(b"\t")
        _, sha, stage = info.split(b" ")
        stages[int(stage)] = _blob(root, sha.decode("ascii"))
    return stages


def unmerged_paths(root: Path) -> list[str]:
    """Repo-relative paths still in conflict in the index."""
    status, out = _git_bytes(root, "diff", "--name-only", "-z", "--diff-filter=U")
    if status != 0:
        return []
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def resolve(root: Path, ref: str) -> str:
    """The commit ``ref`` names (a CommandError naming the ref when git knows none)."""
    commit = _commit(root, ref)
    if commit is None:
        message = f"unknown revision {ref!r}: git knows no commit by that name"
        if "/" in ref:
            raise CommandError(f"{message}; fetch it first (e.g. `git fetch {ref.split('/')[0]}`)")
        raise CommandError(
            f"{message}; name a branch, tag or commit that exists (`git branch -a` lists them)"
        )
    return commit


# -- plumbing ------------------------------------------------------------------------------


def _rebasing(root: Path) -> bool:
    if _git_path(root, "rebase-merge").is_dir():
        return True
    apply = _git_path(root, "rebase-apply")
    return apply.is_dir() and (apply / "rebasing").exists()  # not a `git am`


def _rebase_onto(root: Path) -> str | None:
    for directory in ("rebase-merge", "rebase-apply"):
        onto = _git_path(root, directory) / "onto"
        if onto.is_file():
            return _describe(root, onto.read_text().strip())
    return None


def _merge_heads(root: Path) -> list[str]:
    merge_head = _git_path(root, "MERGE_HEAD")
    if not merge_head.is_file():
        return []
    return merge_head.read_text().split()


def _git_path(root: Path, name: str) -> Path:
    """Where git keeps ``name`` for this work tree (linked work trees have their own)."""
    status, out = _git(root, "rev-parse", "--git-path", name)
    if status != 0:
        raise CommandError(f"{root} is not inside a git repository")
    return root / out.strip()


def _commit(root: Path, ref: str) -> str | None:
    status, out = _git(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
    )
    return out.strip() if status == 0 else None


def _describe(root: Path, commit: str) -> str:
    """``abc1234 subject`` for messages."""
    status, out = _git(root, "log", "-1", "--format=%h %s", commit)
    return out.strip() if status == 0 else commit[:12]


def _blob(root: Path, sha: str) -> bytes:
    status, out = _git_bytes(root, "cat-file", "blob", sha)
    if status != 0:
        raise CommandError(f"git cat-file blob {sha} failed")
    return out


def _git(root: Path, *args: str) -> tuple[int, str]:
    status, out = _git_bytes(root, *args)
    return status, out.decode("utf-8", "replace")


def _git_bytes(root: Path, *args: str) -> tuple[int, bytes]:
    from hooks.git import run_git

    status, out, _ = run_git(root, *args)
    return status, out


def _quote(path: str) -> str:
    import shlex

    return shlex.quote(path)
