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
from typing import BinaryIO

__all__ = ["UNREADABLE_HINT", "NotRegularFileError", "open_regular", "read_regular"]

UNREADABLE_HINT = (
    "every .py entry of a version location is loaded as a migration: make it a readable "
    "file, or move it out of the version location"
)

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
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
    symlinks) raises :class:`NotRegularFileError` at once instead of blocking."""
    fd = os.open(path, _FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise NotRegularFileError(errno.EINVAL, f"not a regular file: {kind}", os.fspath(path))
        if _FLAGS & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the regular file at ``path`` (see :func:`open_regular`)."""
    with open_regular(path) as stream:
        return stream.read()
