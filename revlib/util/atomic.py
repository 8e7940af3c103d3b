"""Writing files so that a crash, a full disk or a race never leaves half a file behind.

Two helpers, for the two things revlib writes:

- :func:`write_new_file` creates a file that must not exist yet (a new revision). The bytes go
  to a temporary file in the same directory first; ``os.link`` then gives it its final name,
  which fails if that name exists, so an existing file is never replaced, not even by a
  concurrent writer. Where hard links are unsupported, ``O_EXCL`` creation is the fallback.
- :func:`replace_file` replaces a file's whole content (an edited revision). The bytes go to
  a temporary file in the same directory, which ``os.replace`` renames over the target: readers
  see the old bytes or the new ones, never a mix. The target's permission bits are kept.

Either way the temporary file is removed, whatever happens, and the final name holds either
nothing new or the complete data. Only a writer killed outright (SIGKILL, power loss) can leave
its temporary file behind: a hidden ``.<name>.<pid>-<hex>.tmp`` that Alembic never loads. Each
write first removes such files whose process is gone (:func:`remove_stale_temps`), so running
the command again leaves the directory clean.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

__all__ = ["remove_stale_temps", "replace_file", "replace_source_file", "write_new_file"]

_TEMP_NAME = re.compile(r"\..+\.(\d+)-[0-9a-f]{8}\.tmp")

# Errors meaning "this filesystem cannot hard-link", where O_EXCL creation is used instead.
_NO_LINK_ERRNOS = frozenset(
    {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}
)
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_NEW_FILE_MODE = 0o666  # minus the umask, as open(path, "wb") would create it


def write_new_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Create ``path`` holding exactly ``data``; FileExistsError if it already exists.

    The file appears under its name complete or not at all, and nothing else is left in the
    directory when an error (ENOSPC, EACCES, ...) is raised.
    """
    target = Path(path)
    remove_stale_temps(target.parent)
    temp = _write_temp(target, data)
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_LINK_ERRNOS:
            raise
        _write_exclusive(target, data)
    finally:
        _remove_quietly(temp)


def replace_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the content of ``path`` (or create it) with ``data``, atomically.

    The permission bits of an existing ``path`` are kept. A symlink is replaced by a regular
    file, as with any rename; pass the resolved path to write through a link.
    """
    target = Path(path)
    remove_stale_temps(target.parent)
    temp = _write_temp(target, data)
    try:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            pass
        else:
            os.chmod(temp, mode)
        os.replace(temp, target)
    finally:
        _remove_quietly(temp)


def replace_source_file(path: str | os.PathLike[str], data: bytes) -> None:
    """:func:`replace_file` for a Python source file, dropping its compiled forms.

    Python takes ``__pycache__/<name>.*.pyc`` for current when the source's size and mtime (in
    whole seconds) are the ones it records. A re-parent swaps one id for another of the same
    length within the second Alembic compiled the file: its ``.pyc`` would still say the old
    ``down_revision``. A compiled file is derived data; it is made again on the next import.
    """
    replace_file(path, data)
    source = Path(path)
    cache = source.parent / "__pycache__"
    try:
        names = os.listdir(cache)
    except OSError:
        return  # no cache directory (or none we can read): nothing stale to drop
    stem = source.stem + "."
    for name in names:
        if name.startswith(stem) and name.endswith(".pyc"):
            tag, _, optimization = name[len(stem) : -len(".pyc")].partition(".")
            if tag and (not optimization or optimization.startswith("opt-")):
                with contextlib.suppress(OSError):
                    os.unlink(cache / name)


def _write_temp(target: Path, data: bytes) -> Path:
    """A new hidden file beside ``target`` holding ``data``, flushed to disk."""
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temp, _NEW_FILE_FLAGS, _NEW_FILE_MODE)
        except FileExistsError:
            continue
        try:
            _write_all(fd, data)
        except BaseException:
            os.close(fd)
            _remove_quietly(temp)
            raise
        os.close(fd)
        return temp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target))


def remove_stale_temps(directory: str | os.PathLike[str]) -> list[str]:
    """Remove the temporary files that killed writers left in ``directory``; their names.

    A temporary file names its writer's process id; it is stale once that process is gone.
    (Windows is left alone: there, probing a process id can terminate it.)"""
    if os.name == "nt":
        return []
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(entry.name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, someone else's
        return True
    return True


def _write_exclusive(target: Path, data: bytes) -> None:
    """Create ``target`` with O_EXCL and write ``data``; remove it again if writing fails."""
    fd = os.open(target, _NEW_FILE_FLAGS, _NEW_FILE_MODE)
    try:
        _write_all(fd, data)
    except BaseException:
        os.close(fd)
        _remove_quietly(target)
        raise
    os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def _remove_quietly(path: Path) -> None:
    # Never let the clean-up hide the error being raised.
    with contextlib.suppress(OSError):
        os.unlink(path)
