"""One writer at a time per script directory.

Two hooks started together on the same repository (``revlib merge --if-needed`` from two
terminals, pre-commit run twice) would each see several heads and each write a merge, leaving
two merges and still two heads. :func:`write_lock` serialises them: the second waits, then
reads the graph the first one left, and finds nothing left to do.

The lock is an ``flock`` on a file in ``<git dir>/revlib/`` (else beside the cache, see
:func:`revlib.script._cache.cache_directory`): the kernel releases it when its holder exits,
however it exits, so a killed writer never leaves a stale lock behind. The file is removed when
the lock is released; a waiter that then finds its file unlinked retries on the new one.
Re-entering the lock in the same process (a hook calling ``revlib merge``) is free.
"""

from __future__ import annotations

import contextlib
import os
import time
import zlib
from collections.abc import Iterator

from revlib.util.exc import CommandError

__all__ = ["LockTimeout", "lock_path", "write_lock"]

TIMEOUT_SECONDS = 60.0
"""How long a writer waits for another to finish (``REVLIB_LOCK_TIMEOUT`` overrides)."""

_held: dict[str, int] = {}  # lock path -> depth, in this process


class LockTimeout(CommandError):
    """Another revlib process kept the lock for longer than the timeout."""


def lock_path(script_directory: str | os.PathLike[str]) -> str:
    """The lock file of a script directory (one per directory, outside the work tree when in
    git)."""
    from revlib.script._cache import cache_directory

    real = os.path.realpath(script_directory)
    directory = cache_directory(real) or real
    name = f"write-{zlib.crc32(os.fsencode(real)):08x}.lock"
    return os.path.join(directory, name)


@contextlib.contextmanager
def write_lock(script_directory: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the script directory's write lock meanwhile (waiting for another holder)."""
    path = lock_path(script_directory)
    if path in _held:
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    fd = _acquire(path, _timeout())
    _held[path] = 1
    try:
        yield
    finally:
        del _held[path]
        _release(path, fd)


def _timeout() -> float:
    try:
        return float(os.environ.get("REVLIB_LOCK_TIMEOUT", TIMEOUT_SECONDS))
    except ValueError:
        return TIMEOUT_SECONDS


def _acquire(path: str, timeout: float) -> int:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        if _try_lock(fd) and _still_linked(fd, path):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)
        if time.monotonic() >= deadline:
            raise LockTimeout(
                f"another revlib process has been writing in this script directory for over "
                f"{timeout:g}s (lock {path}, held by pid {_holder(path)}); wait for it to "
                "finish, or stop it, and run again"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _still_linked(fd: int, path: str) -> bool:
    """False when the holder we waited for removed the file meanwhile (then lock the new one)."""
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    if (on_disk.st_ino, on_disk.st_dev) == (mine.st_ino, mine.st_dev):
        return True
    _unlock(fd)
    return False


def _release(path: str, fd: int) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)  # while still locked: a waiter on this inode will see it unlinked
    _unlock(fd)
    os.close(fd)


def _holder(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as stream:
            return stream.read().strip() or "unknown"
    except OSError:
        return "unknown"


try:
    import fcntl
except ImportError:  # Windows: lock the first byte instead
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]

else:

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
