"""Read a migration file's revision variables and docstring without importing it.

Alembic imports every version file and reads ``revision``, ``down_revision``, ``branch_labels``,
``depends_on`` and ``__doc__`` from the module. :func:`read_header` gives the same values from
the file's text: it decodes it as Python would (PEP 263 coding cookie, UTF-8 BOM, universal
newlines) and follows the module-level statements of the *header*, the part before the first
top-level ``def``, ``class`` or decorator. Bindings made after that point are not seen.

The header is read one of three ways, each giving exactly what the next would or passing the
file on to it. A header shaped like Alembic's templates, in plain UTF-8 (no BOM, cookie, CR), is
read with one regular expression (``_literals.template_header``, a few microseconds); other
common lines are read line by line (``_literals.fast_header``); anything else goes through
``ast`` on the header alone, then on the whole file only if the header does not parse on its
own. A value that needs running code to compute (a call, an f-string...) is a
:class:`DynamicValueError` naming the file and line, except for ``branch_labels``, which
becomes :data:`MISSING` with a :class:`ReadWarning`.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, BinaryIO, Final, NamedTuple

from revlib.script import _literals
from revlib.script._quick_read import BOM as _BOM
from revlib.script._quick_read import HEADER_END as _HEADER_END
from revlib.script._quick_read import read_small_file, template_text
from revlib.script._sentinel import MISSING
from revlib.util.exc import LocatedError
from revlib.util.files import UNREADABLE_HINT, open_regular

if TYPE_CHECKING:
    from revlib.script import _names

__all__ = [
    "MISSING",
    "ConflictMarkerError",
    "DynamicValueError",
    "EncodingError",
    "Header",
    "ReadError",
    "ReadWarning",
    "SourceSyntaxError",
    "parse_header",
    "read_header",
]


class ReadError(LocatedError):
    """A migration file whose header cannot be read; ``str()`` gives ``path:line: message``."""


class DynamicValueError(ReadError):
    """A value that only running the module could compute (a call, an f-string, a name that is
    not bound to a literal...)."""


class SourceSyntaxError(ReadError):
    """The header is not valid Python; ``line`` is the one Python reports."""


class ConflictMarkerError(ReadError):
    """The header contains git conflict markers; ``line`` is the first marker's."""


class EncodingError(ReadError):
    """Bytes that are not Python source text: bad coding cookie, undecodable or NUL bytes."""


@dataclass(frozen=True)
class ReadWarning:
    """Something read with a caveat; the header is still usable."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Header:
    """The four revision variables and the docstring of one migration file.

    Each value is exactly what the module binds (a str, a tuple, a list, a set, None, or any
    other literal), or :data:`MISSING` when the name is never assigned. ``lines`` maps each
    name that is assigned to the line of its last assignment.
    """

    path: str
    revision: object = MISSING
    down_revision: object = MISSING
    branch_labels: object = MISSING
    depends_on: object = MISSING
    docstring: str | None = None
    lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[ReadWarning, ...] = ()


def parse_header(source: bytes, path: str, *, search_path: Sequence[str] = ()) -> Header:
    """Read the header of a migration file whose bytes are ``source``.

    ``path`` is used in messages and to resolve relative imports; ``search_path`` lists the
    directories where modules named in ``from x import NAME`` are looked for.
    """
    source = bytes(source)
    return _read(source, path, search_path, complete=True, load_all=lambda: source)


def read_header(
    path: str | os.PathLike[str], *, search_path: Sequence[str] = (), size: int | None = None
) -> Header:
    """Read the header of the migration file at ``path``, reading no further than needed.

    ``size`` is the file's size when the caller has just taken its ``lstat`` (a regular
    file): it saves a system call per file."""
    name = os.fspath(path)
    small = read_small_file(name, size)
    if small is not None:
        return _read(small, name, search_path, complete=True, load_all=lambda: small)
    try:
        with open_regular(name) as stream:
            data, complete = _read_until_header_end(stream)
    except OSError as error:
        raise _unreadable(name, error) from None
    return _read(data, name, search_path, complete=complete, load_all=lambda: _read_all(name))


_CHUNK: Final = 8192
_MAX_CHUNK: Final = 1 << 20
# Patterns of the exact path, which few runs need: `re` compiles them on first use (and keeps
# them), rather than every run paying for them at import.
_CONFLICT: Final = (
    rb"(?m)(?:^|(?<=\r))(?:(<{7}|>{7}|\|{7})(?:[ \t][^\r\n]*)?|={7}[ \t]*)(?=[\r\n]|\Z)"
)
_COOKIE: Final = rb"[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)"
_ENCODING_HINT: Final = (
    "declare the file's encoding on its first line, e.g. '# -*- coding: latin-1 -*-', "
    "or re-save it as UTF-8"
)
_NOT_RUN: Final = "revlib reads migration files without running them"
_HINTS: Final = {
    "revision": 'write it as a string literal, e.g. revision = "1a2b3c4d5e6f"',
    "down_revision": (
        "write it as a literal string, tuple of strings or None, "
        'e.g. down_revision = "1a2b3c4d5e6f"'
    ),
    "depends_on": "write it as a literal string, tuple of strings or None, e.g. depends_on = None",
}


def _read_until_header_end(stream: BinaryIO) -> tuple[bytes, bool]:
    """Read chunks (growing) until a header end is seen: the bytes read, and whether that is
    the whole file."""
    data = bytearray()
    size = _CHUNK
    while True:
        chunk = stream.read(size)
        if not chunk:
            return bytes(data), True
        scan_from = max(0, len(data) - 64)  # an end may straddle two chunks
        data += chunk
        match = _HEADER_END.search(data, scan_from)
        if match is not None and match.end() < len(data):
            return bytes(data), False
        size = min(size * 2, _MAX_CHUNK)


def _read_all(path: str) -> bytes:
    try:
        with open_regular(path) as stream:
            return stream.read()
    except OSError as error:
        raise _unreadable(path, error) from None


def _read(
    data: bytes,
    path: str,
    search_path: Sequence[str],
    *,
    complete: bool,
    load_all: Callable[[], bytes],
    fast_path: bool = True,
) -> Header:
    """The header of ``data`` (the whole file when ``complete``, else a prefix that contains the
    header's end; ``load_all`` gives the rest if the header alone does not parse)."""
    if fast_path:
        header = _template_read(data, path)
        if header is not None:
            return header
    match = _HEADER_END.search(data)
    source = _source_text(data if match is None else data[: match.start()], data, path)
    if fast_path and not source.undecodable:
        fast = _literals.fast_header(source.text)
        if fast is not None:
            return _fast_result(path, fast)
    from revlib.script import _names  # the ast path only: importing it takes milliseconds

    try:
        tree = _names.parse_module(source.text, path)
    except SyntaxError as error:
        if match is None:
            raise _parse_error(path, error, source) from None
        data = data if complete else load_all()
        source = _source_text(data, data, path)
        try:
            tree = _names.parse_module(source.text, path)
        except SyntaxError as error:
            raise _parse_error(path, error, source) from None
    _check_undecodable_strings(path, tree, source)
    return _ast_result(path, tree, search_path)


def _template_read(data: bytes, path: str) -> Header | None:
    """The header read by ``_literals.template_header``, when the bytes need none of the care
    ``_source_text`` takes; ``None`` to leave the file to the exact path."""
    text = template_text(data)
    if text is None:
        return None
    fast = _literals.template_header(text)
    if fast is None:
        return None
    values, lines, docstring = fast
    return Header(
        path,
        revision=values.get("revision", MISSING),
        down_revision=values.get("down_revision", MISSING),
        branch_labels=values.get("branch_labels", MISSING),
        depends_on=values.get("depends_on", MISSING),
        docstring=None if docstring is None else _literals.compiled_docstring(docstring),
        lines=MappingProxyType(lines),
    )


class _Source(NamedTuple):
    """Decoded source with LF newlines. Bytes the encoding cannot decode are replaced by U+FFFD
    and listed as (line, UTF-8 column, byte): Python accepts them in comments only."""

    text: str
    encoding: str
    undecodable: tuple[tuple[int, int, int], ...] = ()


_ESCAPED_BYTE: Final = "[\udc80-\udcff]"


def _source_text(head: bytes, data: bytes, path: str) -> _Source:
    """Decode ``head`` (a prefix of ``data``) as Python would."""
    _check_conflict_markers(head, path)
    nul = head.find(b"\x00")
    if nul != -1:
        message = "the file contains NUL bytes: it looks binary, not like Python source"
        raise EncodingError(path, _line_at(head, nul), message)
    encoding = _detect_encoding(data, path)
    if encoding == "utf-8-sig":
        encoding, head = "utf-8", head.removeprefix(_BOM)
    try:
        text = head.decode(encoding, errors="surrogateescape")
    except UnicodeDecodeError as error:  # an undecodable ASCII byte: not source at all
        message = f"cannot decode byte 0x{head[error.start]:02x} as {encoding}"
        raise EncodingError(path, _line_at(head, error.start), message, _ENCODING_HINT) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    undecodable = []
    for escaped in re.finditer(_ESCAPED_BYTE, text):
        line_start = text.rfind("\n", 0, escaped.start()) + 1
        column = len(text[line_start : escaped.start()].encode("utf-8", "surrogatepass"))
        line = text.count("\n", 0, escaped.start()) + 1
        undecodable.append((line, column, ord(escaped.group()) - 0xDC00))
    if undecodable:
        text = re.sub(_ESCAPED_BYTE, "\ufffd", text)
    return _Source(text, encoding, tuple(undecodable))


def _parse_error(path: str, error: SyntaxError, source: _Source) -> ReadError:
    for line, _, byte in source.undecodable:
        if line == error.lineno:
            return _undecodable(path, line, byte, source.encoding)
    return SourceSyntaxError(path, error.lineno, f"syntax error: {error.msg}")


def _check_undecodable_strings(path: str, tree: ast.Module, source: _Source) -> None:
    """Python refuses undecodable bytes inside string literals (it skips them in comments)."""
    if not source.undecodable:
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.Constant, ast.JoinedStr)) and node.end_lineno is not None:
            start = (node.lineno, node.col_offset)
            end = (node.end_lineno, node.end_col_offset or 0)
            for line, column, byte in source.undecodable:
                if start <= (line, column) < end:
                    raise _undecodable(path, line, byte, source.encoding)


def _undecodable(path: str, line: int, byte: int, encoding: str) -> EncodingError:
    return EncodingError(
        path, line, f"cannot decode byte 0x{byte:02x} as {encoding}", _ENCODING_HINT
    )


def _check_conflict_markers(head: bytes, path: str) -> None:
    """Git writes ``<<<<<<<``, ``|||||||``, ``=======`` and ``>>>>>>>`` lines; a lone
    ``=======`` is also an reStructuredText underline, so it counts only beside the others."""
    if b"<<<<<<<" not in head and b">>>>>>>" not in head and b"|||||||" not in head:
        return  # the common case, without running the regex over every line
    first = None
    for marker in re.finditer(_CONFLICT, head):
        first = first or marker
        if marker.group(1) is not None:
            text = first.group()[:7].decode("ascii")
            message = f"unresolved merge conflict (marker {text!r})"
            hint = "resolve the conflict and remove the marker lines"
            raise ConflictMarkerError(path, _line_at(head, first.start()), message, hint)


def _detect_encoding(data: bytes, path: str) -> str:
    """The encoding ``tokenize.detect_encoding`` finds, except that, like Python's compiler,
    undecodable bytes on the first two lines are not an error by themselves."""
    stream = io.BytesIO(data)
    lines = [stream.readline(), stream.readline()]
    try:
        encoding, _ = tokenize.detect_encoding(iter(lines).__next__)
    except SyntaxError as error:
        if not str(error).startswith("invalid or missing encoding declaration"):
            raise _cookie_error(path, lines, str(error)) from None
        ascii_lines = [_ascii_only(line) for line in lines]
        try:
            encoding, _ = tokenize.detect_encoding(iter(ascii_lines).__next__)
        except SyntaxError as error:
            raise _cookie_error(path, lines, str(error)) from None
    if not _ascii_compatible(encoding):
        number = next((n for n, line in enumerate(lines, 1) if re.match(_COOKIE, line)), 1)
        message = f"unsupported encoding {encoding!r}: Python source must be ASCII-compatible"
        raise EncodingError(path, number, message, _ENCODING_HINT)
    return encoding


def _ascii_only(line: bytes) -> bytes:
    """``line`` with every non-ASCII byte after a BOM replaced by ``?``."""
    bom = _BOM if line.startswith(_BOM) else b""
    return bom + re.sub(rb"[\x80-\xff]", b"?", line[len(bom) :])


@cache
def _ascii_compatible(encoding: str) -> bool:
    probe = bytes(range(32, 127)) + b"\t\n\r\f"
    try:
        return probe.decode(encoding) == probe.decode("ascii")
    except (LookupError, UnicodeError):
        return False


def _cookie_error(path: str, lines: list[bytes], message: str) -> EncodingError:
    for number, line in enumerate(lines, 1):
        cookie = re.match(_COOKIE, line.removeprefix(_BOM))
        if cookie is None:
            continue
        name = cookie.group(1).decode("ascii")
        if message.startswith("unknown encoding"):
            text = f"unknown encoding {name!r} in the coding declaration"
            return EncodingError(path, number, text, "use an encoding Python knows, e.g. utf-8")
        text = f"the file starts with a UTF-8 byte order mark but declares encoding {name!r}"
        return EncodingError(path, number, text, "remove the byte order mark or the cookie")
    return EncodingError(path, 1, f"cannot detect the encoding ({message})", _ENCODING_HINT)


def _line_at(data: bytes, offset: int) -> int:
    """The 1-based line holding ``data[offset]``, counting ``\\r\\n``, ``\\r`` and ``\\n``."""
    crlf = data.count(b"\r\n", 0, offset)
    return data.count(b"\n", 0, offset) + data.count(b"\r", 0, offset) - crlf + 1


def _fast_result(path: str, fast: _literals.FastHeader) -> Header:
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for name in _literals.TRACKED_NAMES:
        values[name], line = fast.values.get(name, (MISSING, 0))
        if line:
            lines[name] = line
    docstring = None if fast.docstring is None else _literals.compiled_docstring(fast.docstring)
    return _header(path, values, docstring, lines, [])


def _header(
    path: str,
    values: Mapping[str, object],
    docstring: str | None,
    lines: dict[str, int],
    warnings: list[ReadWarning],
) -> Header:
    return Header(
        path,
        revision=values["revision"],
        down_revision=values["down_revision"],
        branch_labels=values["branch_labels"],
        depends_on=values["depends_on"],
        docstring=docstring,
        lines=MappingProxyType(lines),
        warnings=tuple(warnings),
    )


def _ast_result(path: str, tree: ast.Module, search_path: Sequence[str]) -> Header:
    from revlib.script import _names

    resolver = _names.Resolver(search_path)
    docstring = ast.get_docstring(tree, clean=False)
    if docstring is not None:
        docstring = _literals.compiled_docstring(docstring)
    namespace = _names.Namespace(resolver, os.path.dirname(os.path.abspath(path)), docstring)
    namespace.run(_names.header_statements(tree))
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    warnings: list[ReadWarning] = []
    unbound = []
    for name in _literals.TRACKED_NAMES:
        outcome = namespace.final(name)
        if outcome is None:
            values[name] = MISSING
            unbound.append(name)
            continue
        lines[name] = namespace.lines[name]
        if isinstance(outcome, _names.Known):
            values[name] = outcome.value
        elif name == "branch_labels":
            values[name] = MISSING
            message = f"branch_labels is not a literal value ({outcome.explain()}); ignored"
            warnings.append(ReadWarning(path, lines[name], message))
        else:
            message = f"{name} is not a literal value ({outcome.explain()}); {_NOT_RUN}"
            raise DynamicValueError(path, lines[name], message, outcome.hint or _HINTS[name])
    if namespace.star is not None and unbound:
        module, line = namespace.star
        message = f"`from {module} import *` might bind {', '.join(unbound)}; assumed not"
        warnings.append(ReadWarning(path, line, message))
    return _header(path, values, _docstring(path, namespace, warnings), lines, warnings)


def _docstring(path: str, namespace: _names.Namespace, warnings: list[ReadWarning]) -> str | None:
    """``__doc__``: the docstring, unless the module assigns something else to it."""
    from revlib.script import _names

    doc = namespace.final(_literals.DOC_NAME)
    if isinstance(doc, _names.Known) and (doc.value is None or isinstance(doc.value, str)):
        return doc.value
    explanation = doc.explain() if isinstance(doc, _names.Unknown) else "not a string"
    line = namespace.lines.get(_literals.DOC_NAME)
    warnings.append(ReadWarning(path, line, f"__doc__ is {explanation}; ignored"))
    return None


def _unreadable(path: str, error: OSError) -> ReadError:
    return ReadError(
        path, None, f"cannot read the file: {error.strerror or error}", UNREADABLE_HINT
    )
