"""Opening version files without hanging on what is not a file.

A version location may hold entries named like migrations that are not regular files: a named
pipe (``mkfifo x.py``) blocks ``open()`` until some other process writes to it, a device can
be read forever. :func:`open_regular` opens without blocking, checks what it opened, and
refuses anything but a regular file with an ``OSError`` whose ``strerror`` says what it is,
so callers' existing ``except OSError`` handling turns it into a message.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

__all__ = [
    "UNREADABLE_HINT",
    "NotRegularFileError",
    "open_regular",
    "opened_directory",
    "read_regular",
]

UNREADABLE_HINT = (
    "every .py entry of a version location is loaded as a migration: make it a readable "
    "file, or move it out of the version location"
)

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotRegularFileError(OSError):
    """The path names a pipe, socket, device or directory, not a file."""


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``open(path, "rb")``, except that a path that is not a regular file (after following
    symlinks) raises :class:`NotRegularFileError` at once instead of blocking.

    What the path is gets checked before opening (``open`` on a pipe would wait for a writer)
    and again on the opened file (it may have been replaced in between)."""
    _check_regular(os.stat(path).st_mode, path)
    stream = open(path, "rb")  # noqa: SIM115 (returned to the caller, who closes it)
    try:
        _check_regular(os.fstat(stream.fileno()).st_mode, path)
    except BaseException:
        stream.close()
        raise
    return stream


def _check_regular(mode: int, path: str | os.PathLike[str]) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise NotRegularFileError(errno.EINVAL, f"not a regular file: {kind}", os.fspath(path))


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the regular file at ``path`` (see :func:`open_regular`)."""
    with open_regular(path) as stream:
        return stream.read()


@contextmanager
def opened_directory(directory: str) -> Iterator[int | None]:
    """``directory`` opened for ``os.stat(name, dir_fd=...)`` where the system has it (else
    None): listing a version location then costs the kernel one name per file, not the whole
    path, which at ten thousand files is measurable."""
    fd = None
    if os.stat in os.supports_dir_fd and os.stat in os.supports_follow_symlinks:
        try:
            fd = os.open(directory or os.sep, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            fd = None
    try:
        yield fd
    finally:
        if fd is not None:
            os.close(fd)
