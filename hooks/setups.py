"""Which Alembic setups a run checks, under which policies: the command line laid over the
project's settings (``[tool.revlib]``, see :mod:`revlib.settings`).

A monorepo lists its setups (``configs``, ``directories``) or asks for them to be found among
the tracked files (``discover``); every finding then names the setup it belongs to. Commands
that act on one setup (``revlib merge``, ``revlib rebase``) take the one whose version files
changed, and refuse to guess between several (:func:`pick_setup`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final, NamedTuple

import click

from hooks.context import Options
from revlib.findings import MULTIPLE_HEADS, NEW_HEAD, Finding
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from hooks.snapshots import Environment
    from revlib.lint import HeadPolicy
    from revlib.settings import Settings

__all__ = [
    "BYPASS_VARIABLE",
    "Run",
    "Setup",
    "discover_configs",
    "heads_file_of",
    "one_setup",
    "pick_setup",
    "resolve",
]

BYPASS_VARIABLE: Final = "REVLIB_ALLOW_HEADS"
"""Set to 1 for one commit or push to let extra heads through (reported as warnings)."""
_SKIPPED_DIRECTORIES: Final = frozenset(
    {"node_modules", "site-packages", "dist-packages", "__pypackages__", ".tox", ".nox"}
)
_TRUTHY: Final = frozenset({"1", "true", "yes", "on"})


class Setup(NamedTuple):
    """One Alembic setup: how messages name it, and its options."""

    name: str
    options: Options

    def environment(self) -> Environment:
        from hooks import snapshots

        (env,) = snapshots.environments(self.options, (), ())
        return env


class Run(NamedTuple):
    """The settings of one run (file and command line merged) and the setups it checks."""

    settings: Settings
    setups: tuple[Setup, ...]
    bypass: str | None = None
    """What bypassed the head check (``--allow-heads`` or ``REVLIB_ALLOW_HEADS=1``), if so."""

    def policy(self, env: Environment) -> HeadPolicy:
        """The head policy, with ``env``'s version locations for per-version-location."""
        from hooks.snapshots import display_path
        from revlib._lint_heads import HeadPolicy

        locations = tuple(display_path(location) for location in env.locations)
        return HeadPolicy(self.settings.heads, frozenset(self.settings.allow_heads), locations)

    def finish(self, setup: Setup, problems: Iterable[Finding]) -> list[Finding]:
        """Findings as the project wants them: its severities, the bypass, the setup named
        when there are several."""
        from revlib.settings import apply_severities

        result = apply_severities(problems, self.settings)
        if self.bypass is not None:
            result = [_bypassed(f) for f in result]
        if len(self.setups) > 1:
            result = [f._replace(setup=setup.name) for f in result]
        return result

    def announce(self, problems: Sequence[Finding]) -> None:
        """Say loudly on stderr that the head check was bypassed, and what it let through."""
        if self.bypass is None:
            return
        let_through = sum(f.code in (MULTIPLE_HEADS, NEW_HEAD) for f in problems)
        what = (
            f"{let_through} head problem{'' if let_through == 1 else 's'} reported as "
            f"warning{'' if let_through == 1 else 's'}"
            if let_through
            else "no head problems this time"
        )
        click.echo(
            f"revlib: warning: the head check was bypassed by {self.bypass} ({what}); "
            "`alembic upgrade head` fails while there are several heads",
            err=True,
        )


def _bypassed(finding: Finding) -> Finding:
    if finding.code in (MULTIPLE_HEADS, NEW_HEAD) and finding.severity == "error":
        return finding._replace(severity="warning")
    return finding


def resolve(options: Options, *, allow_heads_flag: bool = False, **cli: object) -> Run:
    """The run's settings: the project's file, its paths made relative to here, then the
    command line's options on top (the one place where they meet), and its setups."""
    from revlib.settings import load_settings

    file_settings = load_settings(os.getcwd())
    settings = file_settings._replace(
        configs=tuple(file_settings.path(c) for c in file_settings.configs),
        directories=tuple(file_settings.path(d) for d in file_settings.directories),
        heads_file=(
            file_settings.path(file_settings.heads_file) if file_settings.heads_file else None
        ),
        root=".",
    ).override(**cli)
    bypass = None
    if allow_heads_flag:
        bypass = "--allow-heads"
    elif os.environ.get(BYPASS_VARIABLE, "").strip().lower() in _TRUTHY:
        bypass = f"{BYPASS_VARIABLE}={os.environ[BYPASS_VARIABLE]}"
    return Run(settings, tuple(_setups(options, settings)), bypass)


def _setups(options: Options, settings: Settings) -> list[Setup]:
    """The group's ``-c``/``-d`` when given; else the settings' configs, directories and
    discovered setups; else the setup found as Alembic finds it."""
    from hooks.snapshots import display_path

    if options.config_file is not None or options.directory is not None:
        return [Setup(_name(options), options)]
    configs = list(settings.configs)
    if settings.discover:
        configs += discover_configs()
    chosen = [
        Setup(display_path(c), options._replace(config_file=c, directory=None))
        for c in dict.fromkeys(display_path(c) for c in configs)
    ]
    chosen += [
        Setup(display_path(d), options._replace(config_file=None, directory=d))
        for d in dict.fromkeys(display_path(d) for d in settings.directories)
    ]
    if settings.discover and not chosen:
        raise CommandError(
            "--discover found no alembic.ini, and no pyproject.toml with [tool.alembic], "
            "among the files git tracks here"
        )
    return chosen or [Setup(_name(options), options)]


def _name(options: Options) -> str:
    from hooks.snapshots import display_path

    named = options.config_file or options.directory
    return display_path(named) if named else "."


def discover_configs() -> list[str]:
    """Every tracked ``alembic.ini``, and ``pyproject.toml`` with ``[tool.alembic]``, below
    the current directory (virtual environments, site-packages and node_modules skipped),
    as paths relative to it."""
    from hooks.git import open_repo
    from hooks.snapshots import display_path
    from revlib.config import find_default_config

    with open_repo(".") as repo:
        root = repo.root
        tracked = repo.tracked_files(["alembic.ini", "pyproject.toml"])
    cwd = os.path.realpath(os.getcwd())
    found = []
    for relative in sorted(tracked, key=lambda p: (PurePosixPath(p).parent.parts, p)):
        path = os.path.join(root, relative)
        below = os.path.realpath(path).startswith(os.path.join(cwd, ""))
        if not below or _skipped(root, relative):
            continue
        ini_path, toml_path = find_default_config(os.path.dirname(path))
        if path in (ini_path, toml_path):
            found.append(display_path(path))
    return found


def _skipped(root: Path, relative: str) -> bool:
    """Inside a virtual environment (a directory with a ``pyvenv.cfg``, or named like one) or
    a package tree that is not the project's own."""
    parts = PurePosixPath(relative).parts[:-1]
    if any(part in _SKIPPED_DIRECTORIES or part.startswith(".venv") for part in parts):
        return True
    return any(
        (root.joinpath(*parts[:i]) / "pyvenv.cfg").is_file() for i in range(1, len(parts) + 1)
    )


# -- one setup for the commands that act on one ----------------------------------------------


def pick_setup(options: Options) -> Options | None:
    """The setup a one-setup command (``merge``, ``rebase``...) acts on, when the project's
    settings list several: the only one, or the only one whose version files changed.
    None when the settings name no setups (Alembic's own lookup applies)."""
    from revlib.settings import load_settings

    settings = load_settings(os.getcwd())
    if not (settings.configs or settings.directories or settings.discover):
        return None
    setups = resolve(options).setups
    if len(setups) == 1:
        return setups[0].options
    changed = _with_changes(setups)
    if len(changed) == 1:
        return changed[0].options
    raise CommandError(_ambiguous(setups, changed))


def one_setup(options: Options) -> Options:
    """``options`` naming the one setup a one-setup command acts on (:func:`pick_setup` in a
    monorepo), so that it is picked once and its own settings can be found."""
    if options.config_file or options.directory or os.environ.get("ALEMBIC_CONFIG"):
        return options
    return pick_setup(options) or options


def heads_file_of(options: Options, explicit: str | None = None) -> str | None:
    """The heads file of the setup ``options`` name: ``--heads-file`` when given, else the
    ``heads_file`` of the settings nearest that setup (its own ``[revlib]`` section or
    ``[tool.revlib]``, else the nearest above), relative to the file it came from; None for
    the default (``heads.txt`` in the script directory).

    Each setup of a monorepo keeps its own heads file: ``heads_file`` in settings that list
    several setups would be one file for all of them, which each would overwrite.
    """
    from revlib.settings import SettingsError, load_settings

    if explicit is not None:
        return explicit
    settings = load_settings(_home(options))
    if settings.heads_file is None:
        return None
    if len(settings.configs) + len(settings.directories) > 1 or settings.discover:
        raise SettingsError(
            f"{settings.source}: heads_file names one heads file, but these settings list "
            "several Alembic setups; set heads_file in each setup's own settings ([revlib] "
            "in its alembic.ini, or [tool.revlib] in the pyproject.toml beside it)"
        )
    return settings.path(settings.heads_file)


def _home(options: Options) -> str:
    """Where the settings of the setup ``options`` name are looked up from: its script
    directory (``-d``), its config file's directory, else the current directory (where
    Alembic looks for the config)."""
    if options.directory is not None:
        return options.directory
    config = options.config_file or os.environ.get("ALEMBIC_CONFIG")
    return os.path.dirname(os.path.abspath(config)) if config else os.getcwd()


def _with_changes(setups: Sequence[Setup]) -> list[Setup]:
    """The setups whose version locations hold a file that differs from HEAD."""
    from hooks.git import open_repo

    try:
        repo = open_repo(".")
    except CommandError:
        return []
    with repo:
        changed = [os.path.realpath(repo.root / p) for p in repo.changed_paths()]
    result = []
    for setup in setups:
        locations = [os.path.join(os.path.realpath(loc), "") for loc in _locations(setup)]
        if any(path.startswith(loc) for path in changed for loc in locations):
            result.append(setup)
    return result


def _locations(setup: Setup) -> Sequence[str]:
    return setup.environment().locations


def _ambiguous(setups: Sequence[Setup], changed: Sequence[Setup]) -> str:
    among = changed or setups
    names = ", ".join(s.name for s in among)
    why = (
        f"the version files of {len(changed)} of them changed ({names})"
        if changed
        else f"none has changed version files to tell which one is meant ({names})"
    )
    option = f"-d {among[0].name}" if among[0].options.directory else f"-c {among[0].name}"
    return (
        f"this project has {len(setups)} Alembic setups and {why}; pick one with "
        f"{_example(option)}"
    )


def _example(option: str) -> str:
    """The command being run, with ``option`` where the ``revlib`` group takes it."""
    context = click.get_current_context(silent=True)
    if context is None:
        return f"`revlib {option} ...`"
    words = context.command_path.split()
    if words and words[0] == "revlib":
        return f"`revlib {option} {' '.join(words[1:])}`".replace("  ", " ")
    variable = option.replace("-c ", "ALEMBIC_CONFIG=") if option.startswith("-c") else option
    return f"`{variable} {' '.join(words)}`"
