"""The one place where library errors become a printed message and an exit code."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import click

from hooks import process
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


def run_click(
    command: click.Command,
    argv: Sequence[str] | None,
    prog_name: str,
    *,
    obj: object = None,
    default_map: Mapping[str, object] | None = None,
) -> int:
    """Run a Click command as a console script and return its exit code.

    The one place where Click's own exceptions and revlib's errors become exit codes (0 ok,
    1 failed, 2 usage or input), shared by ``revlib`` and every hook entry point.
    """
    if argv is None:
        process.take_over()
        return process.exit_now(_run_click(command, sys.argv[1:], prog_name, obj, default_map))
    return _run_click(command, argv, prog_name, obj, default_map)


def _run_click(
    command: click.Command,
    args: Sequence[str],
    prog_name: str,
    obj: object,
    default_map: Mapping[str, object] | None,
) -> int:
    try:
        with brief_warnings():
            result = command.main(
                args=list(args),
                prog_name=prog_name,
                standalone_mode=False,
                obj=obj,
                default_map=None if default_map is None else dict(default_map),
            )
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_FAILED
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE
    except Exception as error:  # a user's mistake becomes one message; a bug re-raises
        return report_error(error)
    return result if isinstance(result, int) else 0
