"""One readable line for an ini file that Python's ``configparser`` refuses.

``configparser``'s own messages span several lines and show ``PosixPath(...)`` reprs; these
name the file and line, what is wrong, and how to fix it. Used where the Alembic config is
loaded (``hooks.context``), at the CLI edge (``hooks.errors``), and by anything else that reads
an ini file.
"""

from __future__ import annotations

import configparser
from typing import Any

__all__ = ["describe_ini_error"]


def describe_ini_error(error: BaseException, path: str | None) -> str | None:
    """One line for an ini file that Python's ``configparser`` refuses (None for any other
    error): the file and line, what is wrong, how to fix it. ``path`` is the ini file, when
    the caller knows it (interpolation errors do not carry it)."""
    if isinstance(error, UnicodeDecodeError) and path is not None:
        return _undecodable_message(error, path)
    if not isinstance(error, configparser.Error):
        return None
    source = path or getattr(error, "source", None) or "the config file"
    if isinstance(error, configparser.MissingSectionHeaderError):
        return (
            f"{source}:{error.lineno}: {error.line.strip()!r} comes before any "
            "[section] header; put a header such as [alembic] above it"
        )
    if isinstance(error, configparser.ParsingError):
        import ast

        lineno, line = error.errors[0]
        return (
            f"{source}:{lineno}: cannot parse {ast.literal_eval(line).strip()!r}; ini lines "
            "are `key = value`, `[section]` or comments starting with #"
        )
    if isinstance(error, configparser.DuplicateOptionError):
        return (
            f"{source}:{error.lineno}: option {error.option!r} appears twice in "
            f"[{error.section}]; keep one of them"
        )
    if isinstance(error, configparser.DuplicateSectionError):
        return (
            f"{source}:{error.lineno}: section [{error.section}] appears twice; "
            "merge the two into one"
        )
    if isinstance(error, configparser.InterpolationError):
        return _interpolation_message(error, path)
    return f"{path or 'the config file'}: {error.message}"


def _undecodable_message(error: UnicodeDecodeError, path: str) -> str:
    """The ini file's first undecodable byte, by line (the error holds only a buffer)."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
        data.decode(error.encoding)
    except (OSError, LookupError):
        return f"{path}: cannot decode it as {error.encoding}; save the config file as UTF-8"
    except UnicodeDecodeError as full:
        line = data.count(b"\n", 0, full.start) + 1
        return (
            f"{path}:{line}: cannot decode byte 0x{data[full.start]:02x} as "
            f"{error.encoding}; save the config file as UTF-8"
        )
    return f"{path}: cannot decode it as {error.encoding}; save the config file as UTF-8"


def _interpolation_message(error: Any, path: str | None) -> str:
    where = path or "the config file"
    line = _option_line(path, error.section, error.option) if path else None
    if line is not None:
        where = f"{where}:{line}"
    setting = f"{error.option} in [{error.section}]"
    if isinstance(error, configparser.InterpolationMissingOptionError):
        return (
            f"{where}: {setting} refers to %({error.reference})s, which is not defined; "
            f"define {error.reference} in [{error.section}] or [DEFAULT], or write a literal "
            "% as %%"
        )
    if isinstance(error, configparser.InterpolationDepthError):
        return f"{where}: {setting} refers to itself through %(...)s; break the loop"
    return f"{where}: {setting} has a % that is not part of %(name)s; write a literal % as %%"


def _option_line(path: str, section: str, option: str) -> int | None:
    """The line where ``option`` is set in ``[section]`` of the ini file at ``path``."""
    import re

    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            lines = stream.read().splitlines()
    except OSError:
        return None
    current = None
    setting = re.compile(rf"\s*{re.escape(option)}\s*[=:]", re.IGNORECASE)
    for number, text in enumerate(lines, 1):
        header = re.match(r"\[([^]]*)\]", text)
        if header is not None:
            current = header.group(1)
        elif current == section and setting.match(text):
            return number
    return None
