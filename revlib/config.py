"""Read-side re-implementation of ``alembic.config.Config`` (Alembic 1.20).

Values come from the ini file's main section first (``[alembic]``, or the ``-n`` name) and,
for keys absent there, from ``[tool.alembic]`` in ``pyproject.toml``. Results, exceptions and
warnings match Alembic's, including its quirks; the surprising ones are noted where they happen.

This module sits on every commit's path, so it imports only the standard library.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Mapping
from configparser import ConfigParser
from functools import cached_property
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias, TypedDict, cast, overload

from revlib.util.exc import CommandError

if TYPE_CHECKING:
    from argparse import Namespace

__all__ = [
    "Config",
    "MessagingOptions",
    "PostWriteHookConfig",
    "find_default_config",
]

PostWriteHookConfig = Mapping[str, str]
"""One post-write hook: its options, plus ``_hook_name``."""

TomlValue: TypeAlias = str | list[str] | dict[str, str] | list[dict[str, str]] | int | None


class MessagingOptions(TypedDict, total=False):
    quiet: bool


_NO_ARGS: Mapping[str, Any] = MappingProxyType({})

# The values ``path_separator`` / ``version_path_separator`` may take.
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
# Legacy splitting when no separator is configured (Alembic < 1.16 behaviour).
_SPACE_COMMA = re.compile(r", *|(?: +)")
_SPACE_COMMA_COLON = re.compile(r", *|(?: +)|\:")


def _path_as_str(path: str | os.PathLike[str]) -> str:
    # A str is kept verbatim (no normalisation), as Alembic does.
    if isinstance(path, str):
        return path
    if isinstance(path, PurePath):
        return str(path)
    return str(Path(path))


class Config:
    """Configuration of one Alembic environment: an ini file, a pyproject.toml, or both.

    Same constructor and read-side API as ``alembic.config.Config``; both files are read
    lazily, on first use, so a missing or malformed file only fails when a value is needed.
    """

    def __init__(
        self,
        file_: str | os.PathLike[str] | None = None,
        toml_file: str | os.PathLike[str] | None = None,
        ini_section: str = "alembic",
        output_buffer: TextIO | None = None,
        stdout: TextIO = sys.stdout,
        cmd_opts: Namespace | None = None,
        config_args: Mapping[str, Any] = _NO_ARGS,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        self.config_file_name: str | None = _path_as_str(file_) if file_ else None
        self.toml_file_name: str | None = _path_as_str(toml_file) if toml_file else None
        self.config_ini_section = ini_section
        self.output_buffer = output_buffer
        self.stdout = stdout
        self.cmd_opts = cmd_opts
        # Two independent copies: each file gets its own ``here``.
        self.config_args: dict[str, Any] = dict(config_args)
        self.toml_args: dict[str, Any] = dict(config_args)
        self.attributes: dict[str, Any] = dict(attributes) if attributes else {}

    @property
    def _config_file_path(self) -> Path | None:
        return None if self.config_file_name is None else Path(self.config_file_name)

    @property
    def _toml_file_path(self) -> Path | None:
        return None if self.toml_file_name is None else Path(self.toml_file_name)

    @cached_property
    def messaging_opts(self) -> MessagingOptions:
        return cast(
            MessagingOptions, MappingProxyType({"quiet": getattr(self.cmd_opts, "quiet", False)})
        )

    def print_stdout(self, text: str, *arg: Any) -> None:
        """Write ``text`` (``%``-formatted with ``arg`` if given) and a newline to stdout.

        Characters the stream cannot encode are replaced; nothing is written when quiet.
        """
        if self.messaging_opts.get("quiet", False):
            return
        output = str(text) % arg if arg else str(text)
        encoding = getattr(self.stdout, "encoding", "ascii") or "ascii"
        for chunk in (output, "\n"):
            try:
                self.stdout.write(chunk.encode(encoding, "replace").decode(encoding))
            except OSError:  # a closed pipe (``| head``) is not an error
                break

    @cached_property
    def file_config(self) -> ConfigParser:
        """The ``ConfigParser`` holding the ini file, with ``here`` = the ini's directory.

        A missing ini file reads as empty (no sections). Without an ini file name, an empty
        main section is created, so getters return defaults instead of raising.
        """
        path = self._config_file_path
        here = path.absolute().parent if path else Path()
        self.config_args["here"] = here.as_posix()
        parser = ConfigParser(self.config_args)
        if path:
            parser.read([path], encoding="locale")
        else:
            parser.add_section(self.config_ini_section)
        return parser

    @cached_property
    def toml_alembic_config(self) -> Mapping[str, Any]:
        """The raw ``[tool.alembic]`` table; empty when there is no pyproject.toml.

        Parse errors propagate as the TOML library's ``TOMLDecodeError``, as in Alembic.
        """
        path = self._toml_file_path
        if not (path and path.exists()):
            return {}
        self.toml_args["here"] = path.absolute().parent.as_posix()
        with open(path, "rb") as f:
            document = _tomllib().load(f)
        # Same lookups as Alembic, so a non-table ``tool`` fails the same way.
        data = document.get("tool", {}).get("alembic", {})
        if not isinstance(data, dict):
            raise CommandError("Incorrect TOML format")
        return data

    def get_template_directory(self) -> str:
        """Alembic's ``init`` templates are not part of revlib."""
        raise CommandError(
            "Setup templates are not available in revlib; use Alembic's 'init' command"
        )

    @overload
    def get_section(self, name: str, default: None = ...) -> dict[str, str] | None: ...

    @overload
    def get_section(self, name: str, default: dict[str, str]) -> dict[str, str]: ...

    @overload
    def get_section(
        self, name: str, default: Mapping[str, str]
    ) -> dict[str, str] | Mapping[str, str]: ...

    def get_section(
        self, name: str, default: Mapping[str, str] | None = None
    ) -> Mapping[str, str] | None:
        """All options of an ini section (``DEFAULT`` values included), or ``default``."""
        if not self.file_config.has_section(name):
            return default
        return dict(self.file_config.items(name))

    def set_main_option(self, name: str, value: str) -> None:
        """Set an ini option in the main section (``%`` interpolation applies on read)."""
        self.set_section_option(self.config_ini_section, name, value)

    def remove_main_option(self, name: str) -> None:
        self.file_config.remove_option(self.config_ini_section, name)

    def set_section_option(self, section: str, name: str, value: str) -> None:
        """Set an ini option, creating the section if needed. pyproject.toml is untouched."""
        if not self.file_config.has_section(section):
            self.file_config.add_section(section)
        self.file_config.set(section, name, value)

    def get_section_option(
        self, section: str, name: str, default: str | None = None
    ) -> str | None:
        """An option of an ini section; a missing section is a CommandError."""
        if not self.file_config.has_section(section):
            raise CommandError(
                f"No config file {self.config_file_name!r} found, "
                f"or file has no '[{section}]' section"
            )
        if self.file_config.has_option(section, name):
            return self.file_config.get(section, name)
        return default

    @overload
    def get_main_option(self, name: str, default: str) -> str: ...

    @overload
    def get_main_option(self, name: str, default: str | None = None) -> str | None: ...

    def get_main_option(self, name: str, default: str | None = None) -> str | None:
        """An option of the ini main section only (pyproject.toml is not consulted)."""
        return self.get_section_option(self.config_ini_section, name, default)

    @overload
    def get_alembic_option(self, name: str, default: str) -> str: ...

    @overload
    def get_alembic_option(self, name: str, default: str | None = None) -> str | None: ...

    def get_alembic_option(self, name: str, default: str | None = None) -> TomlValue:
        """An option of the ini main section, else of ``[tool.alembic]``, else ``default``.

        Unlike ``get_main_option``, a missing ini section is not an error. TOML strings
        (also inside lists and tables) are ``%``-interpolated with ``here`` = the toml's
        directory; TOML integers and booleans come back as they are.
        """
        if self.file_config.has_option(self.config_ini_section, name):
            return self.file_config.get(self.config_ini_section, name)
        return self._get_toml_config_value(name, default=default)

    def get_alembic_boolean_option(self, name: str) -> bool:
        """True only for the exact ini text ``true``; in TOML, a boolean is required."""
        if self.file_config.has_option(self.config_ini_section, name):
            return self.file_config.get(self.config_ini_section, name) == "true"
        value = self.toml_alembic_config.get(name, False)
        if not isinstance(value, bool):
            raise CommandError(f"boolean value expected for TOML parameter {name!r}")
        return value

    def _get_toml_config_value(self, name: str, default: Any | None = None) -> TomlValue:
        table = self.toml_alembic_config
        if name not in table:
            return default
        value = table[name]
        args = self.toml_args
        if value is None or isinstance(value, str):
            return value if value is None else value % args
        if isinstance(value, list):
            # Only the first element decides: a list of tables, or a list of strings.
            if value and isinstance(value[0], dict):
                return [{k: v % args for k, v in item.items()} for item in value]
            return [v % args for v in value]
        if isinstance(value, dict):
            return {k: v % args for k, v in value.items()}
        if isinstance(value, int):  # bool included
            return value
        raise CommandError(f"unsupported TOML value type for key: {name!r}")

    def _get_file_separator_char(self, *names: str) -> str | None:
        """The separator configured under the first of ``names`` present in the ini."""
        for name in names:
            separator = self.get_main_option(name)
            if separator is not None:
                break
        else:
            return None
        if separator not in _SEPARATORS:
            raise ValueError(
                f"'{separator}' is not a valid value for {name}; "
                "expected 'space', 'newline', 'os', ':', ';'"
            )
        if name == "version_path_separator":
            warnings.warn(
                "The version_path_separator configuration parameter "
                "is deprecated; please use path_separator",
                DeprecationWarning,
                stacklevel=1,
            )
        return _SEPARATORS[separator]

    def get_version_locations_list(self) -> list[str] | None:
        """``version_locations`` split into paths; None when not configured.

        An empty ini value counts as absent and falls through to pyproject.toml.
        """
        value = self.file_config.get(self.config_ini_section, "version_locations", fallback=None)
        if not value:
            return cast("list[str] | None", self._get_toml_config_value("version_locations"))
        separator = self._get_file_separator_char("path_separator", "version_path_separator")
        if separator is None:
            warnings.warn(
                "No path_separator found in configuration; "
                "falling back to legacy splitting on spaces/commas "
                "for version_locations.  Consider adding "
                "path_separator=os to Alembic config.",
                DeprecationWarning,
                stacklevel=1,
            )
            return _SPACE_COMMA.split(value)
        return _split_paths(value, separator)

    def get_prepend_sys_paths_list(self) -> list[str] | None:
        """``prepend_sys_path`` split into paths; None when not configured.

        Only ``path_separator`` applies here; the legacy split also splits on colons.
        """
        value = self.file_config.get(self.config_ini_section, "prepend_sys_path", fallback=None)
        if not value:
            return cast("list[str] | None", self._get_toml_config_value("prepend_sys_path"))
        separator = self._get_file_separator_char("path_separator")
        if separator is None:
            warnings.warn(
                "No path_separator found in configuration; "
                "falling back to legacy splitting on spaces, commas, "
                "and colons for prepend_sys_path.  Consider adding "
                "path_separator=os to Alembic config.",
                DeprecationWarning,
                stacklevel=1,
            )
            return _SPACE_COMMA_COLON.split(value)
        return _split_paths(value, separator)

    def get_hooks_list(self) -> list[PostWriteHookConfig]:
        """The post-write hooks, each as its options plus ``_hook_name``.

        An ini ``[post_write_hooks]`` section wins entirely over pyproject.toml.
        """
        if not self.file_config.has_section("post_write_hooks"):
            tables = cast(
                "list[dict[str, str]]", self._get_toml_config_value("post_write_hooks", [])
            )
            hooks: list[PostWriteHookConfig] = []
            for table in tables:
                options = dict(table)
                options["_hook_name"] = options.pop("name")
                hooks.append(options)
            return hooks
        section = self.get_section("post_write_hooks", {})
        return [
            _ini_hook_options(section, name)
            for name in _SPACE_COMMA.split(section.get("hooks", ""))
            if name
        ]


def _split_paths(value: str, separator: str) -> list[str]:
    # Emptiness is tested before stripping, so "a: :b" keeps an empty entry.
    return [part.strip() for part in value.split(separator) if part]


def _ini_hook_options(section: Mapping[str, str], name: str) -> dict[str, str]:
    prefix = name + "."
    options = {key[len(prefix) :]: section[key] for key in section if key.startswith(prefix)}
    options["_hook_name"] = name
    return options


def find_default_config(directory: str) -> tuple[str | None, str | None]:
    """The ``(alembic.ini, pyproject.toml)`` paths the CLI uses by default in ``directory``.

    Each is None when absent; pyproject.toml counts only if it has a ``tool.alembic`` key
    (of any type, so that a malformed table fails later with Alembic's own message).
    A pyproject.toml that is not valid TOML is a CommandError naming the file.
    """
    ini_path = os.path.join(directory, "alembic.ini")
    toml_path = os.path.join(directory, "pyproject.toml")
    return (
        ini_path if os.path.isfile(ini_path) else None,
        toml_path if os.path.isfile(toml_path) and _has_alembic_table(toml_path) else None,
    )


def _tomllib() -> Any:
    """The TOML parser, imported on first use: most projects configure Alembic in an ini
    file, and every hook run would pay for the import."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib


def _has_alembic_table(toml_path: str) -> bool:
    tomllib = _tomllib()
    try:
        with open(toml_path, "rb") as f:
            document = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise CommandError(f"{toml_path}: invalid TOML: {exc}") from exc
    tool = document.get("tool")
    return isinstance(tool, dict) and "alembic" in tool
