"""A console script's process, which revlib owns from its first line to its exit.

Only the console scripts (``main()`` called without arguments) take the process over; called
with arguments (tests, embedding), revlib leaves the interpreter as it found it.
"""

from __future__ import annotations

import sys


def take_over() -> None:
    """Switch off cyclic garbage collection.

    The process is revlib's alone, short-lived, and keeps most of what it builds (scripts,
    revisions, cache records) until it exits: collections would only scan those objects again
    and again, about ten milliseconds at ten thousand revisions, to free next to nothing. In
    case the process exits the usual way after all (see :func:`exit_now`), everything is
    frozen then, so that the interpreter's last collection skips it too.
    """
    import atexit
    import gc

    gc.disable()
    atexit.register(gc.freeze)


def exit_now(code: int) -> int:
    """End the process with ``code`` without tearing the interpreter down; return ``code``
    only when that is not safe, for the usual exit to take over.

    Everything revlib writes is closed and renamed by the time a command returns. What the
    usual exit would still do is free every module and object one by one (and make a last
    collection), a few milliseconds on every commit, for a process that is about to vanish;
    mypy ends its runs the same way. Exit handlers run and the standard streams are flushed
    first. The usual exit takes over when a thread is still running (it would be waited for),
    or when a stream cannot be flushed (a closed pipe: Python reports that, exit status 120).
    """
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return code
    if not _flushed():
        return code
    import atexit
    import os

    atexit._run_exitfuncs()
    if not _flushed():  # what the exit handlers printed
        return code
    os._exit(code)


def _flushed() -> bool:
    """Flush the standard streams; whether that worked."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return False
    return True
