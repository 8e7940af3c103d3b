"""The one place where library errors become a printed message and an exit code."""

from __future__ import annotations

import click

from revlib.util.exc import CommandError

EXIT_FAILED = 1
EXIT_USAGE = 2


def report_error(error: Exception) -> int:
    """Print ``error`` as one line on stderr and return its exit code.

    Errors that describe the user's input (configuration, unreadable files, unknown revisions)
    exit 2. Anything else is a bug in revlib and is re-raised so that its traceback is seen.
    """
    from revlib.script.revision import RevisionError

    if isinstance(error, (CommandError, RevisionError)):
        click.echo(f"revlib: error: {error}", err=True)
        return EXIT_USAGE
    raise error
