"""The reader's quick path: a small file's bytes in three system calls, and the values of a
header shaped like Alembic's templates from one regular expression.

Loading a directory without a cache reads every file this way, and needs the exact reader
(:mod:`revlib.script.reader`, with its ``Header`` and its errors) only for a file the template
path declines.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from revlib.script import _literals

if TYPE_CHECKING:
    from revlib.script._literals import PlainValues
    from revlib.script.reader import Header

BOM: Final = b"\xef\xbb\xbf"
# A line starting a top-level def, class or decorator: where the header ends. Inside a string or
# brackets this is a false end, but then the header does not parse and the whole file is read.
HEADER_END: Final = re.compile(
    rb"(?:^|(?<=\r))(?:(?:(?:async[ \t]+)?def|class)(?![A-Za-z0-9_\x80-\xff])|@)", re.MULTILINE
)


SMALL_FILE: Final = 1 << 16
# Non-blocking, so that opening a named pipe does not wait for a writer; binary on Windows.
_OPEN_FLAGS: Final = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def read_small_file(path: str, size: int | None = None) -> bytes | None:
    """The whole file, in one ``read`` if it is a regular file of at most 64 KiB; ``None``
    for anything else (an error, a pipe, a large file), which the exact reader then reads.

    Most version files are a few KiB: four system calls, in half the time ``open_regular``
    and a buffered read take (and a third of the time the template path takes in all). With
    the ``size`` an ``lstat`` just gave, three: a read of exactly that many bytes is the whole
    file (``read`` stops short only at its end)."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        if size and size <= SMALL_FILE:  # (an empty pipe reads as an empty file would)
            data = os.read(descriptor, size + 1)
            # Any other count: the file changed since; the exact path reads it from the start.
            return data if len(data) == size else None
        st = os.fstat(descriptor)
        if not stat.S_ISREG(st.st_mode) or st.st_size > SMALL_FILE:
            return None
        data = os.read(descriptor, st.st_size + 1)
        if len(data) == st.st_size:
            return data
        parts = [data]  # the file changed size since fstat: read on to its end
        while parts[-1]:
            parts.append(os.read(descriptor, SMALL_FILE))
        return b"".join(parts)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def read_header_values(
    path: str, *, search_path: Sequence[str] = (), size: int | None = None
) -> PlainValues | Header:
    """The values a Script takes when the file's header is one Alembic's templates write (a
    string ``revision``, nothing to warn about); for any other file, the Header the exact
    reader gives, or its error (see :func:`revlib.script.reader.read_header`, whose ``size``
    this takes too).

    Loading a directory without a cache needs nothing else from most files: no Header, no
    lines, not even the exact reader's module."""
    small = read_small_file(path, size)
    if small is not None:
        text = template_text(small)
        if text is not None:
            values = _literals.template_values(text)
            if values is not None:
                return values
    from revlib.script import reader

    if small is None:
        return reader.read_header(path, search_path=search_path)
    return reader.parse_header(small, path, search_path=search_path)


def template_text(data: bytes) -> str | None:
    """The header of ``data`` decoded, for the template path: when it is UTF-8 without a BOM
    or coding cookie, and holds no CR, NUL or conflict marker. ``None`` otherwise."""
    if data[:1] in b"dca@" and HEADER_END.match(data):
        return None  # an empty header
    match = _HEADER_END_AFTER_LF.search(data)
    # An earlier end after a "\r" is missed, but then the header holds a "\r": declined below.
    head = data if match is None else data[: match.start() + 1]
    if (
        b"\r" in head
        or b"\x00" in head
        or b"<<<<<<<" in head
        or b">>>>>>>" in head
        or b"|||||||" in head
        or (data[:1] not in _QUOTE_BYTES and _maybe_bom_or_cookie(data))
    ):
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.endswith("\n") else text + "\n"  # as Python's tokenizer ends a file


_QUOTE_BYTES: Final = (b'"', b"'")


def _maybe_bom_or_cookie(data: bytes) -> bool:
    """Whether ``data`` starts with a BOM or may hold a coding cookie (on line 1 or 2, which
    a file starting with its docstring's quote cannot: line 2 counts after a comment only)."""
    cookie_lines_end = data.find(b"\n", data.find(b"\n") + 1)
    if cookie_lines_end == -1:
        cookie_lines_end = len(data)
    return data.startswith(BOM) or data.find(b"coding", 0, cookie_lines_end) != -1


# HEADER_END after a "\n" only: the literal "\n" first makes the search skip from line to line.
_HEADER_END_AFTER_LF: Final = re.compile(
    rb"\n(?:(?:(?:async[ \t]+)?def|class)(?![A-Za-z0-9_\x80-\xff])|@)"
)
