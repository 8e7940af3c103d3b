"""Options shared by every subcommand (held in Click's ``ctx.obj``), and how they become a
:class:`~revlib.config.Config` and a :class:`~revlib.script.ScriptDirectory`."""

from __future__ import annotations

import configparser
import os
from typing import TYPE_CHECKING, NamedTuple

from hooks.errors import config_error_message
from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from revlib.config import Config
    from revlib.script import ScriptDirectory


class Options(NamedTuple):
    """Where to find the Alembic setup: a config file, an ini section, or a bare directory.

    Immutable; ``options._replace(...)`` gives a changed copy. (A named tuple: every command
    makes one, and a dataclass would cost the read commands a millisecond of imports.)"""

    config_file: str | None = None
    ini_section: str = "alembic"
    directory: str | None = None
    import_fallback: bool = False
    use_cache: bool = True

    def load_config(self) -> Config:
        """The Config these options name (see ``revlib --help`` for the defaults)."""
        from revlib.config import Config, find_default_config

        if self.directory is not None:
            return _directory_config(self.directory, self.ini_section)
        config_file = self.config_file or os.environ.get("ALEMBIC_CONFIG")
        if config_file is None:
            from revlib._settings_files import any_settings

            if any_settings(os.getcwd()):
                from hooks.setups import pick_setup

                picked = pick_setup(self)  # a monorepo's [tool.revlib] setups
                if picked is not None:
                    return picked.load_config()
            ini_path, toml_path = find_default_config(os.getcwd())
            if ini_path is None and toml_path is None:
                raise CommandError(
                    "no alembic.ini, and no pyproject.toml with [tool.alembic], in "
                    f"{os.getcwd()}; pass -c FILE or -d DIRECTORY"
                )
            return Config(file_=ini_path, toml_file=toml_path, ini_section=self.ini_section)
        if not os.path.isfile(config_file):
            raise CommandError(f"config file {config_file} does not exist")
        if config_file.endswith(".toml"):
            return Config(toml_file=config_file, ini_section=self.ini_section)
        _, toml_path = find_default_config(os.path.dirname(os.path.abspath(config_file)))
        return Config(file_=config_file, toml_file=toml_path, ini_section=self.ini_section)

    def load_script_directory(self) -> ScriptDirectory:
        """The ScriptDirectory of the configured Alembic environment."""
        from revlib.script import ScriptDirectory

        config = self.load_config()
        try:
            _require_section(config)
            return ScriptDirectory.from_config(
                config, import_fallback=self.import_fallback, use_cache=self.use_cache
            )
        except (configparser.Error, UnicodeDecodeError) as error:
            message = config_error_message(error, _display(config.config_file_name))
            if message is None:
                raise
            raise CommandError(message) from None


def _directory_config(directory: str, ini_section: str) -> Config:
    """A script directory without config (Flask-Migrate keeps an alembic.ini inside it)."""
    from revlib.config import Config

    if not os.path.isdir(directory):
        raise CommandError(f"directory {directory} does not exist")
    inner_ini = os.path.join(directory, "alembic.ini")
    ini_file = inner_ini if os.path.isfile(inner_ini) else None
    config = Config(file_=ini_file, ini_section=ini_section)
    config.set_main_option("script_location", os.path.abspath(directory))
    return config


def _require_section(config: Config) -> None:
    """A clear error for an ini file without the requested section and no TOML fallback."""
    if config.config_file_name is None or config.toml_file_name is not None:
        return
    if not config.file_config.has_section(config.config_ini_section):
        raise CommandError(
            f"{config.config_file_name} has no [{config.config_ini_section}] section; "
            "add one with script_location, or choose another with -n SECTION"
        )


def _display(path: str | None) -> str | None:
    """``path`` relative to the current directory when it lies below it."""
    if path is None:
        return None
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    return os.path.relpath(absolute, cwd) if absolute.startswith(os.path.join(cwd, "")) else path
