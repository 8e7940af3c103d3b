"""``post_write_hooks``: the commands Alembic 1.20 runs on a revision file it just wrote.

Three hook types, as in Alembic: ``console_scripts`` (an installed entry point, run with this
Python), ``module`` (``python -m <module>``) and ``exec`` (an executable on PATH). Options are
split like a shell would (``shlex``) but never run through one; ``REVISION_SCRIPT_FILENAME``
in them is replaced by the file's path, and the path is put first when the token is absent.
The hook's exit status is not checked, as in Alembic. Hook types that Alembic users register
in ``env.py`` with ``write_hooks.register`` are unknown here, since revlib never runs env.py.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence

from revlib.util.exc import CommandError

__all__ = ["REVISION_SCRIPT_TOKEN", "hook_command", "run_hooks"]

REVISION_SCRIPT_TOKEN = "REVISION_SCRIPT_FILENAME"

HookOptions = Mapping[str, str]


def run_hooks(path: str | os.PathLike[str], hooks: Sequence[HookOptions]) -> None:
    """Run every configured hook, in order, on the file at ``path``."""
    for hook in hooks:
        command, cwd = hook_command(os.fspath(path), hook)
        try:
            subprocess.run(command, cwd=cwd, check=False)
        except OSError as error:  # Alembic lets this escape as a traceback
            raise CommandError(
                f"post write hook {hook['_hook_name']!r} could not run {command[0]}"
                f"{'' if cwd is None else f' in {cwd}'}: {error.strerror or error}"
            ) from error


def hook_command(path: str, hook: HookOptions) -> tuple[list[str], str | None]:
    """The argument list and working directory of one hook (CommandError if misconfigured)."""
    name = hook["_hook_name"]
    try:
        type_ = hook["type"]
    except KeyError:
        raise CommandError(
            f"Key '{name}.type' (or 'type' in toml) is required for post write hook {name!r}"
        ) from None
    try:
        runner = _RUNNERS[type_]
    except KeyError:
        raise CommandError(f"No formatter with name '{type_}' registered") from None
    return [*runner(hook), *_options(hook.get("options", ""), path)], hook.get("cwd")


def _options(options: str, path: str) -> list[str]:
    if REVISION_SCRIPT_TOKEN not in options:
        options = f"{REVISION_SCRIPT_TOKEN} {options}"
    words = shlex.split(options, posix=os.name == "posix")
    return [word.replace(REVISION_SCRIPT_TOKEN, path) for word in words]


def _required(hook: HookOptions, key: str) -> str:
    try:
        return hook[key]
    except KeyError:
        name = hook["_hook_name"]
        raise CommandError(f"Key {name}.{key} is required for post write hook {name!r}") from None


def _console_scripts(hook: HookOptions) -> list[str]:
    from importlib.metadata import entry_points

    wanted = _required(hook, "entrypoint")
    for entry in entry_points().select(group="console_scripts"):
        if entry.name == wanted:
            return [sys.executable, "-c", f"import {entry.module}; {entry.module}.{entry.attr}()"]
    raise CommandError(f"Could not find entrypoint console_scripts.{wanted}")


def _module(hook: HookOptions) -> list[str]:
    module_name = _required(hook, "module")
    if importlib.util.find_spec(module_name) is None:
        raise CommandError(f"Could not find module {module_name}")
    return [sys.executable, "-m", module_name]


def _exec(hook: HookOptions) -> list[str]:
    return [_required(hook, "executable")]


_RUNNERS: dict[str, Callable[[HookOptions], list[str]]] = {
    "console_scripts": _console_scripts,
    "module": _module,
    "exec": _exec,
}
