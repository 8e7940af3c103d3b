"""The one place where library errors become a printed message and an exit code."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

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
    from revlib.util.ini_errors import describe_ini_error

    message = describe_ini_error(error, None)
    if message is not None:
        click.echo(f"revlib: error: {message}", err=True)
        return EXIT_USAGE
    raise error


def config_error_message(error: BaseException, path: str | None) -> str | None:
    """See :func:`revlib.util.ini_errors.describe_ini_error`."""
    from revlib.util.ini_errors import describe_ini_error

    return describe_ini_error(error, path)


@contextlib.contextmanager
def brief_warnings() -> Iterator[None]:
    """Print each Python warning raised meanwhile (a revision present twice, a file loaded
    twice...) as one ``revlib: warning:`` line, without the revlib source line that Python
    would show."""

    def show(message: Any, *_args: Any, **_kwargs: Any) -> None:
        click.echo(f"revlib: warning: {message}", err=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
