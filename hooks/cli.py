"""The ``revlib`` command: a Click group whose subcommands are imported only when used.

Each subcommand lives in its own module under :mod:`hooks`; :data:`COMMANDS` maps the command
name to ``"module:attribute"`` so that ``revlib heads`` never imports Mako, GitPython or
SQLAlchemy. Errors from the library become messages and exit codes here, in :func:`main`.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import click

from revlib import __version__

#: Subcommand name -> "module:attribute" of its click.Command. Add one line per command.
COMMANDS: dict[str, str] = {
    "heads": "hooks.read:heads",
    "bases": "hooks.read:bases",
    "branches": "hooks.read:branches",
    "history": "hooks.read:history",
    "show": "hooks.read:show",
    "revision": "hooks.write:revision",
    "merge": "hooks.write:merge",
    "current": "hooks.database:current",
    "pending": "hooks.database:pending",
    "graph": "hooks.graph:graph",
    "ci": "hooks.ci:ci",
    "check": "hooks.check:check",
    "rebase": "hooks.rebase:rebase",
    "heads-file": "hooks.heads_file:heads_file",
}

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(super().list_commands(ctx)))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="revlib")
@click.option(
    "-c",
    "--config",
    "config_file",
    metavar="FILE",
    help="alembic.ini or pyproject.toml (default: alembic.ini, then pyproject.toml "
    "with [tool.alembic], in the current directory).",
)
@click.option(
    "-n",
    "--name",
    "ini_section",
    default="alembic",
    show_default=True,
    help="Section of the ini file to read.",
)
@click.option(
    "-d",
    "--directory",
    metavar="DIR",
    help="A script directory to read without any config file (Flask-Migrate layout).",
)
@click.option(
    "--import",
    "import_fallback",
    is_flag=True,
    help="Import version files that cannot be read statically, as Alembic does. "
    "This runs their code; off by default.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    envvar="REVLIB_NO_CACHE",
    help="Read every version file afresh (also REVLIB_NO_CACHE=1).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    config_file: str | None,
    ini_section: str,
    directory: str | None,
    import_fallback: bool,
    no_cache: bool,
) -> None:
    """Catch, explain and fix multiple Alembic heads, without running your code."""
    from hooks.context import Options

    ctx.obj = Options(
        config_file=config_file,
        ini_section=ini_section,
        directory=directory,
        import_fallback=import_fallback,
        use_cache=not no_cache,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code instead of exiting."""
    from hooks.errors import run_click

    return run_click(cli, argv, "revlib")


if __name__ == "__main__":
    raise SystemExit(main())
