"""Reading, forging and corrupting revlib's cache files, for the header and lint cache tests.

A cache file is a key line (format, versions, source digests, then a checksum of the rest) and
a marshal payload mapping each file to its entry. A forged file keeps a valid key and checksum,
so that only the entries' contents can tell it apart.
"""

from __future__ import annotations

import marshal
import os
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.gitproject import Project

Corruption = Callable[[Path], bytes]
"""New bytes for a cache file, made from the file as it is."""


def cache_file(project: Project, prefix: str) -> Path:
    """The project's one cache file whose name starts with ``prefix`` (``headers-``,
    ``lint-``)."""
    (found,) = (project.root / ".git" / "revlib").glob(f"{prefix}*.cache")
    return found


def with_checksum(key: bytes, payload: bytes) -> bytes:
    """A cache file's bytes: the key and the payload's checksum on the first line."""
    return key + b" %08x\n" % zlib.crc32(payload) + payload


def valid_key(path: Path) -> bytes:
    return path.read_bytes().partition(b"\n")[0].rpartition(b" ")[0]


def payload(path: Path) -> bytes:
    return path.read_bytes().partition(b"\n")[2]


def entries(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = marshal.loads(payload(path))
    return found


def forged(path: Path, new_entries: object) -> bytes:
    """The file's bytes with ``new_entries`` as its payload, key and checksum valid."""
    return with_checksum(valid_key(path), marshal.dumps(new_entries))


def with_records(path: Path, change: Callable[[Any], object]) -> bytes:
    """The file with every entry's record (its last field) replaced by ``change(record)``."""
    return forged(path, {k: (*e[:6], change(e[6])) for k, e in entries(path).items()})


def corruptions(format_name: bytes) -> dict[str, Corruption]:
    """What any cache file may suffer; ``format_name`` starts its key (e.g.
    ``b"revlib-header-cache 2"``)."""

    def flipped(path: Path) -> bytes:
        data = path.read_bytes()
        return data[:-9] + bytes([data[-9] ^ 0x40]) + data[-8:]

    return {
        "empty": lambda p: b"",
        "truncated": lambda p: p.read_bytes()[: len(p.read_bytes()) // 2],
        "garbage": lambda p: os.urandom(4096),
        "one-flipped-byte": flipped,
        "other-revlib-version": lambda p: with_checksum(
            valid_key(p).replace(format_name + b" ", format_name + b" 9.9.9-"), payload(p)
        ),
        "other-python": lambda p: with_checksum(
            valid_key(p).replace(b"cpython-", b"cpython-0"), payload(p)
        ),
        "not-a-dict": lambda p: forged(p, [1, 2]),
        "malformed-entries": lambda p: forged(p, {"x.py": "junk", 1: (), "y.py": (1, 2)}),
    }


def rewrite_keeping_stat(path: Path, old: bytes, new: bytes) -> None:
    """Replace ``old`` (found once) by ``new`` (same length) in place, then put the mtime
    back: same size, same mtime, same inode. Only the ctime tells the file changed."""
    assert len(old) == len(new)
    before = path.stat()
    time.sleep(0.05)  # let the ctime clock tick past the cached signature's
    data = path.read_bytes()
    assert data.count(old) == 1
    with open(path, "r+b") as stream:
        stream.write(data.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )


def linear_project(root: Path, revisions: Sequence[str]) -> Project:
    """A git work tree whose history is ``revisions`` in one line, committed on main."""
    project = Project.create(root)
    for index, rev in enumerate(revisions):
        project.add_migration(rev, revisions[index - 1] if index else None, f"step_{rev[:4]}")
    project.commit(f"{len(revisions)} migrations")
    return project
