"""revlib's own settings: ``[tool.revlib]`` in ``pyproject.toml`` or ``[revlib]`` in
``alembic.ini``, validated, and merged with the command line.

A team writes its policies down once (which setups to check, the base branch, how many heads,
which problems fail the build) and every hook, CI job and developer runs with them. Every key
is also a command-line option; :meth:`Settings.override` is the one place where the command
line wins over the file. A key revlib does not know is an error that names it: a misspelt
policy must never be silently ignored.

Nothing here touches git or the terminal; :func:`load_settings` reads the files.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Final, Literal, NamedTuple

from revlib import findings
from revlib._settings_files import may_hold_settings, search_directories
from revlib.findings import Finding
from revlib.util.exc import CommandError

__all__ = [
    "HEAD_POLICIES",
    "KEYS",
    "PER_BRANCH_LABEL",
    "PER_VERSION_LOCATION",
    "HeadLimit",
    "Settings",
    "SettingsError",
    "apply_severities",
    "load_settings",
    "parse_heads",
    "parse_settings",
]

PER_BRANCH_LABEL: Final = "per-branch-label"
"""One head per branch label; a head without a label must not be an extra one."""
PER_VERSION_LOCATION: Final = "per-version-location"
"""One head per version location."""
HEAD_POLICIES: Final = (PER_BRANCH_LABEL, PER_VERSION_LOCATION)

HeadLimit = int | Literal["per-branch-label", "per-version-location"]

_TOML_SECTION: Final = "[tool.revlib]"
_INI_SECTION: Final = "[revlib]"
_LIST_SPLIT: Final = re.compile(r"[\s,]+")
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})


class SettingsError(CommandError):
    """A settings file or option that revlib cannot use (exit 2)."""


class Settings(NamedTuple):
    """The policies of one project. Relative paths in ``configs``, ``directories`` and
    ``heads_file`` are relative to ``root``, the directory of the file they came from.

    Immutable; ``settings._replace(...)`` gives a changed copy. (A named tuple: every
    ``revlib check`` reads the settings, and a dataclass would cost it a millisecond.)"""

    configs: tuple[str, ...] = ()
    """Alembic config files (``alembic.ini`` or ``pyproject.toml``) to check."""
    directories: tuple[str, ...] = ()
    """Script directories to check without a config file."""
    discover: bool = False
    """Find every Alembic setup among the repository's tracked files."""
    base: str | None = None
    """The git ref this work lands on (e.g. ``origin/main``)."""
    heads: HeadLimit = 1
    """How many heads are allowed: a number, or a policy from :data:`HEAD_POLICIES`."""
    allow_heads: tuple[str, ...] = ()
    """Revision ids or branch labels that may stay heads beyond the limit."""
    heads_file: str | None = None
    """The committed heads file (default: ``heads.txt`` in the script directory)."""
    errors: tuple[str, ...] = ()
    """Problem codes reported as errors."""
    warnings: tuple[str, ...] = ()
    """Problem codes reported as warnings (an optional check listed here is turned on)."""
    ignore: tuple[str, ...] = ()
    """Problem codes not reported at all."""
    root: str = "."
    source: str | None = None
    """The file these settings came from (None: the defaults)."""

    def override(self, **options: object) -> Settings:
        """These settings with the command line's options on top: an option that was given
        (not None, not empty) replaces the setting, except the problem codes, which move one
        code at a time (``--ignore CODE`` takes CODE out of ``errors``, and so on)."""
        changes: dict[str, object] = {}
        codes = {name: list(getattr(self, name)) for name in _SEVERITY_KEYS}
        for name, value in options.items():
            if name not in KEYS:
                raise TypeError(f"unknown setting {name!r}")
            if value is None or value == () or value == []:
                continue
            if name in _SEVERITY_KEYS:
                for code in _strings(value):
                    for key in _SEVERITY_KEYS:
                        codes[key] = [c for c in codes[key] if c != code]
                    codes[name].append(code)
                continue
            changes[name] = tuple(_strings(value)) if name in _LIST_KEYS else value
        changes.update({name: tuple(dict.fromkeys(v)) for name, v in codes.items()})
        result = self._replace(**changes)  # type: ignore[arg-type]
        _check_codes(result, "the command line")
        return result

    def path(self, relative: str) -> str:
        """A path from the settings file, relative to the directory that holds it."""
        return relative if os.path.isabs(relative) else os.path.join(self.root, relative)

    @property
    def enabled(self) -> tuple[str, ...]:
        """The optional checks turned on (listed as a warning or an error)."""
        listed = (*self.warnings, *self.errors)
        return tuple(code for code in findings.OPTIONAL_CODES if code in listed)


KEYS: Final = tuple(sorted(name for name in Settings._fields if name not in ("root", "source")))
"""The keys a settings file may hold."""
_LIST_KEYS: Final = frozenset(
    {"configs", "directories", "allow_heads", "errors", "warnings", "ignore"}
)
_SEVERITY_KEYS: Final = ("errors", "warnings", "ignore")
_STRING_KEYS: Final = frozenset({"base", "heads_file"})


def _strings(value: object) -> list[str]:
    return [value] if isinstance(value, str) else [str(item) for item in value]  # type: ignore[attr-defined]


def parse_heads(value: object) -> HeadLimit:
    """``heads`` as a file or the command line gives it: a number of 1 or more, or a policy."""
    if isinstance(value, str) and value in HEAD_POLICIES:
        return value  # type: ignore[return-value]
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise ValueError(
        f"expected a number of heads (1 or more), '{PER_BRANCH_LABEL}' or '{PER_VERSION_LOCATION}'"
    )


def parse_settings(
    table: Mapping[str, object], source: str, *, section: str = _TOML_SECTION, root: str = "."
) -> Settings:
    """Validate a settings table (TOML values, or the strings of an ini section).

    Raises :class:`SettingsError` naming ``source``, the section and the key for an unknown
    key, a value of the wrong kind or an unknown problem code.
    """
    from_ini = section == _INI_SECTION
    values: dict[str, object] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise SettingsError(_unknown_key(source, section, key))
        where = f"{source}: {section} {key}"
        values[key] = _value(key, _from_ini(key, value) if from_ini else value, where)
    settings = Settings(**values, root=root, source=source)  # type: ignore[arg-type]
    _check_codes(settings, f"{source}: {section}")
    return settings


def _unknown_key(source: str, section: str, key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key.replace("-", "_"), KEYS, n=1)
    guess = f" (did you mean '{close[0]}'?)" if close else ""
    return f"{source}: unknown key '{key}' in {section}{guess}; valid keys: {', '.join(KEYS)}"


def _from_ini(key: str, text: object) -> object:
    """An ini value (always a string) as the TOML value it stands for."""
    assert isinstance(text, str)
    if key in _LIST_KEYS:
        return [item for item in _LIST_SPLIT.split(text) if item]
    if key == "discover":
        lowered = text.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    return text.strip()


def _value(key: str, value: object, where: str) -> object:
    if key in _LIST_KEYS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise SettingsError(f"{where} must be a list of strings, not {value!r}")
        return tuple(value)
    if key == "discover":
        if not isinstance(value, bool):
            raise SettingsError(f"{where} must be true or false, not {value!r}")
        return value
    if key == "heads":
        try:
            return parse_heads(value)
        except ValueError as error:
            raise SettingsError(f"{where}: {error}, not {value!r}") from None
    if not isinstance(value, str) or not value:
        raise SettingsError(f"{where} must be a non-empty string, not {value!r}")
    return value


def _check_codes(settings: Settings, where: str) -> None:
    seen: dict[str, str] = {}
    for key in _SEVERITY_KEYS:
        for code in getattr(settings, key):
            if code not in findings.CODES:
                raise SettingsError(
                    f"{where} {key} names unknown problem code '{code}'; valid codes: "
                    f"{', '.join(findings.CODES)}"
                )
            if code in seen and seen[code] != key:
                raise SettingsError(f"{where}: '{code}' is in both {seen[code]} and {key}")
            seen[code] = key


def apply_severities(problems: Iterable[Finding], settings: Settings) -> list[Finding]:
    """The findings with the settings' severities: ignored codes dropped, listed ones set."""
    result = []
    for finding in problems:
        if finding.code in settings.ignore:
            continue
        severity: findings.Severity | None = None
        if finding.code in settings.errors:
            severity = "error"
        elif finding.code in settings.warnings:
            severity = "warning"
        if severity is not None and severity != finding.severity:
            finding = finding._replace(severity=severity)
        result.append(finding)
    return result


# -- reading the files -----------------------------------------------------------------------


def load_settings(start: str) -> Settings:
    """The settings found in ``start`` or the nearest directory above it that has any,
    stopping at the top of the git work tree; the defaults when there are none.

    ``pyproject.toml`` is read for ``[tool.revlib]`` and ``alembic.ini`` for ``[revlib]``;
    settings in both files of one directory are an error (which one wins would be a guess).
    """
    for directory in search_directories(start):
        found = _settings_in(directory)
        if found is not None:
            return found
    return Settings()


def _settings_in(directory: str) -> Settings | None:
    toml_path = os.path.join(directory, "pyproject.toml")
    ini_path = os.path.join(directory, "alembic.ini")
    toml_table = _toml_table(toml_path) if may_hold_settings(toml_path) else None
    ini_table = _ini_table(ini_path) if may_hold_settings(ini_path) else None
    if toml_table is not None and ini_table is not None:
        raise SettingsError(
            f"revlib settings are in both {_shown(toml_path)} {_TOML_SECTION} and "
            f"{_shown(ini_path)} {_INI_SECTION}; keep one of them"
        )
    if toml_table is not None:
        return parse_settings(toml_table, _shown(toml_path), root=_shown(directory))
    if ini_table is not None:
        return parse_settings(
            ini_table, _shown(ini_path), section=_INI_SECTION, root=_shown(directory)
        )
    return None


def _toml_table(path: str) -> Mapping[str, object] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        with open(path, "rb") as file:
            document = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{_shown(path)}: invalid TOML: {error}") from None
    except OSError as error:
        raise SettingsError(f"{_shown(path)}: cannot read: {error.strerror}") from None
    tool = document.get("tool")
    table = tool.get("revlib") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise SettingsError(f"{_shown(path)}: {_TOML_SECTION} must be a table")
    return table


def _ini_table(path: str) -> Mapping[str, object] | None:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as file:
            parser.read_file(file)
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None  # not ours to report: reading the Alembic config says what is wrong
    if not parser.has_section("revlib"):
        return None
    return dict(parser.items("revlib"))


def _shown(path: str) -> str:
    """``path`` relative to the current directory when below it (as messages show paths)."""
    cwd = os.getcwd()
    absolute = os.path.abspath(path)
    if os.path.commonpath([absolute, cwd]) == cwd:
        return os.path.relpath(absolute, cwd)
    return absolute
