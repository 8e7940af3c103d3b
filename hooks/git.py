"""Everything revlib asks of git, in one module: the only one that imports GitPython.

Files are read from the object database, never checked out: listings come from one ``git
ls-files`` (the index) or ``git ls-tree`` (a commit), and contents from one ``git cat-file
--batch`` round trip for all the blobs wanted, so a hundred files cost one process, not a
hundred. Commands run through GitPython's :class:`git.Repo` (a list of arguments, no shell,
English messages), read as raw bytes and parsed here: a GitPython object per file would cost
more than the rest of a cached check. Paths are repository-relative POSIX strings, decoded as
git stores them (any unicode, any spaces). Every failure a user can cause (not a repository,
an unknown ref, a shallow clone) becomes a :class:`~revlib.util.exc.CommandError` that says
what to do.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from revlib.util.exc import CommandError

__all__ = [
    "INDEX",
    "GitRepo",
    "blob_id",
    "find_repo",
    "open_repo",
    "relative_locations",
    "run_git",
]

INDEX = ":index"
"""The snapshot name of the staging area (not a valid ref, so it cannot clash with one)."""

_SYMLINK_MODE = 0o120000
_UNSHALLOW_HINT = (
    "this is a shallow clone: fetch the full history with `git fetch --unshallow` "
    "(GitHub Actions: `fetch-depth: 0` on actions/checkout)"
)


def _gitpython() -> Any:
    try:
        import git
    except ImportError as error:  # GitPython raises ImportError when git is not installed
        raise CommandError(f"cannot use git: {error}") from None
    return git


def open_repo(start: str | os.PathLike[str]) -> GitRepo:
    """The work tree holding ``start`` (a CommandError outside one)."""
    repo = find_repo(start)
    if repo is None:
        raise CommandError(
            f"{os.path.abspath(start)} is not inside a git repository; run in a clone, "
            "or drop --staged/--base to read the files on disk"
        )
    if repo.bare:
        repo.close()
        raise CommandError(f"{repo.git_dir} is a bare repository: it has no index or work tree")
    return repo


def find_repo(start: str | os.PathLike[str]) -> GitRepo | None:
    """The repository holding ``start`` (perhaps a bare one), or None outside any."""
    git = _gitpython()
    try:
        return GitRepo(git.Repo(os.path.abspath(start), search_parent_directories=True))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def blob_id(data: bytes, hex_length: int = 40) -> str:
    """The id git gives a blob holding ``data`` (SHA-1, or SHA-256 in such repositories)."""
    import hashlib

    algorithm = "sha256" if hex_length == 64 else "sha1"
    return hashlib.new(algorithm, b"blob %d\0" % len(data) + data).hexdigest()


class GitRepo:
    """A work tree and its object database; use as a context manager to stop git's helpers."""

    def __init__(self, repo: Any) -> None:
        self._repo = repo
        self.bare: bool = repo.bare or repo.working_tree_dir is None
        self.git_dir = Path(repo.git_dir)
        self.root = Path(repo.git_dir if self.bare else repo.working_tree_dir)

    def __enter__(self) -> GitRepo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper processes GitPython may keep (``cat-file`` for its object database)."""
        self._repo.close()

    # -- commits -------------------------------------------------------------------------

    def head(self) -> str | None:
        """The commit HEAD points at, or None while HEAD is unborn (no commit yet)."""
        status, out, _ = self._run("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        return out.decode("ascii").strip() if status == 0 else None

    def resolve(self, ref: str) -> str | None:
        """The commit ``ref`` names; None for ``HEAD`` while it is unborn."""
        if ref == "HEAD" and self.head() is None:
            return None
        status, out, _ = self._run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"
        )
        if status != 0:
            raise CommandError(self._unknown_ref_message(ref))
        return out.decode("ascii").strip()

    def _unknown_ref_message(self, ref: str) -> str:
        message = f"unknown revision {ref!r}: git knows no commit by that name"
        if self.is_shallow():
            return f"{message}; {_UNSHALLOW_HINT}, and fetch {ref} too"
        if "/" in ref:
            remote = ref.split("/", 1)[0]
            return f"{message}; fetch it first (e.g. `git fetch {remote}`)"
        return message

    def merge_base(self, base: str, head: str | None) -> str | None:
        """The best common ancestor of two commits (None when ``head`` is unborn)."""
        if head is None:
            return None
        status, out, _ = self._run("merge-base", base, head)
        if status == 0:
            return out.decode("ascii").strip()
        if self.is_shallow():
            raise CommandError(
                f"cannot find where HEAD forked from {base[:12]}: the history that joins "
                f"them is missing; {_UNSHALLOW_HINT}"
            )
        raise CommandError(
            f"HEAD and {base[:12]} have no common ancestor (unrelated histories); "
            "choose another --base"
        )

    def is_shallow(self) -> bool:
        """True in a shallow clone (``git clone --depth N``), whose history is cut short."""
        status, out, _ = self._run("rev-parse", "--is-shallow-repository")
        return status == 0 and out.strip() == b"true"

    # -- listings ------------------------------------------------------------------------

    def commit_files(self, commit: str | None, directories: Sequence[str]) -> dict[str, str]:
        """``{path: blob id}`` of every file under ``directories`` (repo-relative) in
        ``commit``; empty for None (an unborn HEAD). Symlinks and submodules are left out."""
        if commit is None:
            return {}
        whole = any(directory in ("", ".") for directory in directories)
        status, out, err = self._run(
            "--literal-pathspecs",
            "ls-tree",
            "-r",
            "-z",
            "--full-tree",
            commit,
            "--",
            *([] if whole else directories),
        )
        if status != 0:
            raise CommandError(f"git ls-tree failed: {err.decode(errors='replace').strip()}")
        listed: dict[str, str] = {}
        for record in out.split(b"\0"):
            info, _, raw_path = record.partition(b"\t")
            mode, kind, sha = info.split(b" ") if info else (b"", b"", b"")
            if kind == b"blob" and int(mode, 8) != _SYMLINK_MODE:
                listed[os.fsdecode(raw_path)] = sha.decode("ascii")
        found: dict[str, str] = {}
        for directory in directories:  # in the order asked, as the listing once was
            prefix = "" if directory in ("", ".") else directory.rstrip("/") + "/"
            found.update((p, b) for p, b in listed.items() if p.startswith(prefix))
        return found

    def index_files(self, directories: Sequence[str]) -> tuple[dict[str, str], list[str]]:
        """``{path: blob id}`` of the staged files under ``directories``, and the paths that
        are unmerged (a conflict in progress; their index entries are not a file)."""
        status, out, err = self._run(
            "--literal-pathspecs", "ls-files", "--stage", "-z", "--", *directories
        )
        if status != 0:
            raise CommandError(f"git ls-files failed: {err.decode(errors='replace').strip()}")
        staged: dict[str, str] = {}
        unmerged: list[str] = []
        for record in out.split(b"\0"):
            if not record:
                continue
            info, _, raw_path = record.partition(b"\t")
            mode, sha, stage = info.split(b" ")
            path = os.fsdecode(raw_path)
            if stage != b"0":
                unmerged.append(path)
            elif int(mode, 8) != _SYMLINK_MODE and mode != b"160000":
                staged[path] = sha.decode("ascii")
        return staged, list(dict.fromkeys(unmerged))

    # -- contents ------------------------------------------------------------------------

    def read_blobs(self, ids: Iterable[str]) -> dict[str, bytes]:
        """The contents of blobs, all through one ``git cat-file --batch`` round trip."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        request = "".join(f"{sha}\n" for sha in wanted).encode("ascii")
        status, out, err = self._run("cat-file", "--batch", stdin=request)
        if status != 0:
            raise CommandError(f"git cat-file failed: {err.decode(errors='replace').strip()}")
        blobs: dict[str, bytes] = {}
        offset = 0
        for sha in wanted:
            end = out.index(b"\n", offset)
            fields = out[offset:end].split(b" ")
            if len(fields) != 3:
                raise CommandError(f"git cannot read object {sha}: {out[offset:end]!r}")
            size = int(fields[2])
            blobs[sha] = out[end + 1 : end + 1 + size]
            offset = end + 1 + size + 1  # the content, then a newline
        return blobs

    def hex_length(self) -> int:
        """40 for SHA-1 repositories, 64 for SHA-256 ones."""
        head = self.head()
        return 40 if head is None else len(head)

    def tracked_files(self, names: Sequence[str]) -> list[str]:
        """Tracked files (in the index) named one of ``names``, anywhere in the work tree."""
        pathspecs = [f":(glob)**/{name}" for name in names]
        status, out, err = self._run("ls-files", "-z", "--", *pathspecs)
        if status != 0:
            raise CommandError(f"git ls-files failed: {err.decode(errors='replace').strip()}")
        return [os.fsdecode(p) for p in out.split(b"\0") if p]

    def changed_paths(self) -> list[str]:
        """Paths that differ from HEAD: staged, unstaged, untracked or in conflict."""
        status, out, err = self._run(
            "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"
        )
        if status != 0:
            raise CommandError(f"git status failed: {err.decode(errors='replace').strip()}")
        return [os.fsdecode(record[3:]) for record in out.split(b"\0") if len(record) > 3]

    # -- remotes -------------------------------------------------------------------------

    def remote_default_branch(self, remote: str) -> str | None:
        """The branch the remote's HEAD points at (its default branch), if it says."""
        status, out, _ = self._run("ls-remote", "--symref", "--", remote, "HEAD")
        for line in out.decode(errors="replace").splitlines() if status == 0 else ():
            if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
                return line[len("ref: refs/heads/") : -len("\tHEAD")]
        return None

    def fetch(self, remote: str, branch: str) -> str | None:
        """Fetch ``branch`` from ``remote`` into FETCH_HEAD (no local branch is touched) and
        return the commit it is at; None when the remote has no such branch (yet)."""
        status, _, err = self._run(
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-recurse-submodules",
            "--",
            remote,
            f"refs/heads/{branch}",
        )
        if status != 0:
            lines = err.decode(errors="replace").strip().splitlines()
            if any("couldn't find remote ref" in line for line in lines):
                return None
            fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
            detail = (fatal or lines or ["git fetch failed"])[0]
            raise CommandError(
                f"cannot fetch {branch} from {remote} to compare with its newest commit: {detail}"
            )
        status, out, _ = self._run("rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}")
        if status != 0:
            raise CommandError(f"git fetch {remote} {branch} left no FETCH_HEAD")
        return out.decode("ascii").strip()

    def is_remote_ref(self, ref: str) -> bool:
        """True when ``ref`` names a remote-tracking branch (``origin/main``)."""
        status, _, _ = self._run("show-ref", "--verify", "--quiet", f"refs/remotes/{ref}")
        return status == 0

    def fetched_at(self, ref: str) -> float | None:
        """When the remote-tracking ``ref`` was last updated (seconds since the epoch): its
        newest reflog entry, else its file's time; None when git keeps neither."""
        full = ref if ref.startswith("refs/") else f"refs/remotes/{ref}"
        status, out, _ = self._run("reflog", "show", "-1", "--date=unix", "--format=%gd", full)
        text = out.decode(errors="replace").strip()
        if status == 0 and text.endswith("}") and "@{" in text:
            stamp = text.rsplit("@{", 1)[1][:-1]
            if stamp.isdigit():
                return float(stamp)
        status, out, _ = self._run("rev-parse", "--git-path", full)
        path = Path(self.root, out.decode(errors="replace").strip())
        return path.stat().st_mtime if status == 0 and path.is_file() else None

    def add(self, paths: Sequence[str]) -> None:
        """``git add`` these paths (absolute, or relative to the current directory)."""
        status, _, err = self._run(
            "--literal-pathspecs", "add", "--", *[os.path.abspath(p) for p in paths]
        )
        if status != 0:
            named = " ".join(paths)
            raise CommandError(f"git add {named} failed: {err.decode(errors='replace').strip()}")

    def _run(self, *args: str, stdin: bytes | None = None) -> tuple[int, bytes, bytes]:
        return _execute(self._repo.git, args, stdin)


def run_git(
    cwd: str | os.PathLike[str], *args: str, stdin: bytes | None = None
) -> tuple[int, bytes, bytes]:
    """Run ``git args`` in ``cwd`` (no repository needed): exit status, output, errors."""
    return _execute(_gitpython().Git(os.fspath(cwd)), args, stdin)


def _execute(runner: Any, args: Sequence[str], stdin: bytes | None) -> tuple[int, bytes, bytes]:
    """``git args`` through GitPython's ``runner`` (a ``git.Git``), output as raw bytes."""
    try:
        if stdin is None:
            return _call(runner, args, None)
        with tempfile.TemporaryFile() as stream:  # git reads it as its standard input
            stream.write(stdin)
            stream.seek(0)
            return _call(runner, args, stream)
    except OSError as error:  # no git on PATH, or it cannot run
        raise CommandError(f"cannot use git: {error}") from None


def _call(runner: Any, args: Sequence[str], stream: BinaryIO | None) -> tuple[int, bytes, bytes]:
    status, out, err = runner.execute(
        ["git", *args],
        istream=stream,
        with_extended_output=True,
        with_exceptions=False,
        stdout_as_string=False,
        strip_newline_in_stdout=False,
    )
    return status, out, os.fsencode(err)


def relative_locations(root: Path, locations: Sequence[str]) -> list[str]:
    """Version locations as repo-relative POSIX paths (a CommandError for one outside)."""
    real_root = os.path.realpath(root)
    relative: list[str] = []
    for location in locations:
        rel = os.path.relpath(os.path.realpath(location), real_root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            raise CommandError(
                f"version location {location} is outside the git repository {root}; "
                "read it from disk instead (without --staged/--base)"
            )
        relative.append("" if rel == os.curdir else Path(rel).as_posix())
    return relative
