"""Re-parenting a migration: rewrite its ``down_revision`` and nothing else.

After a rebase, the bottom migration of a branch must revise the other side's head. Only two
spans of the file change: the value of the last ``down_revision`` assignment and the text after
``Revises:`` in the module docstring. The reader (:func:`~revlib.script.reader.parse_header`)
and ``ast`` decide *what* to change; character offsets decide *how*: each node's (line, UTF-8
byte column) is mapped to an offset in the decoded text, then to a byte offset in the file's own
encoding, and only those bytes are replaced. Quotes, string prefixes, annotations, comments,
line endings, the coding cookie and the byte order mark stay exactly as they were.

When the new value holds as many ids as the old one (a string for a string, a tuple of two for
a tuple of two), only the contents of the string tokens change, so the layout of a multi-line
tuple survives. Otherwise the whole value is rendered again in the file's quote style, as
Alembic's template would write it: ``None``, ``'id'`` or ``('a', 'b')`` (a list if it was one).
"""

from __future__ import annotations

import ast
import difflib
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from revlib.script.reader import ReadError, parse_header

__all__ = ["ReparentError", "current_parents", "reparent_source", "unified_diff"]


class ReparentError(ReadError):
    """The file's ``down_revision`` is not a plain literal that can be rewritten in place, or
    the new parents cannot be written as one."""


_BOM: Final = b"\xef\xbb\xbf"
_NEWLINE: Final = re.compile(r"\r\n|\r|\n")
_HEADER_END: Final = re.compile(r"^(?:(?:async[ \t]+)?def\b|class\b|@)", re.MULTILINE)
_STRING: Final = re.compile(r"(?s)([rRuU]?)('''|\"\"\"|'|\")(.*)\2")
_REVISES: Final = re.compile(
    r"(?m)(?:^|(?<=\r))[ \t]*Revises:[ \t]*([^\r\n]*?)[ \t]*(?=[\r\n]|\Z)"
)
# Characters an id may not hold to be written inside any string token without escaping.
_UNSAFE_ID: Final = re.compile(r"[\\'\"\x00-\x1f\x7f]")
_NAME: Final = "down_revision"


def reparent_source(
    source: bytes, new_parent: str | tuple[str, ...], *, path: str = "<migration>"
) -> bytes:
    """``source`` with ``down_revision`` set to ``new_parent`` (``()`` means ``None``, a base).

    The ``Revises:`` line of the module docstring, when there is one, gets the new ids joined
    by ``", "``, as Alembic's template writes them. Every other byte is unchanged. Raises
    :class:`ReparentError` (or the reader's error for an unreadable file) when the assignment
    is not a plain literal string, tuple, list or ``None`` at module level.
    """
    parents = (new_parent,) if isinstance(new_parent, str) else tuple(new_parent)
    document = _Document.parse(source, path)
    statement = document.down_revision_statement()
    _check_parents(parents, path, statement.lineno)
    old = ", ".join(_ids(statement, path))
    edits = [*document.value_edits(statement, parents)]
    revises = document.revises_edit(old, ", ".join(parents))
    if revises is not None:
        edits.append(revises)
    return document.apply(edits)


def current_parents(source: bytes, *, path: str = "<migration>") -> tuple[str, ...]:
    """The ids ``down_revision`` holds (empty for ``None``), as :func:`reparent_source` reads
    them: a ReparentError when it could not rewrite them."""
    document = _Document.parse(source, path)
    return _ids(document.down_revision_statement(), path)


def unified_diff(old: bytes, new: bytes, path: str) -> str:
    """The change from ``old`` to ``new`` as a unified diff (``a/path``, ``b/path``)."""
    encoding = _encoding(old)
    before, after = (_lines(data, encoding) for data in (old, new))
    diff = difflib.unified_diff(before, after, f"a/{path}", f"b/{path}", lineterm="")
    return "".join(f"{line}\n" for line in diff)


# -- the document: decoded text, offsets and the syntax tree ------------------------------


@dataclass(frozen=True)
class _Edit:
    """Replace the characters ``start:end`` of the decoded text with ``text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Document:
    source: bytes
    path: str
    encoding: str
    bom: int
    text: str
    line_starts: tuple[int, ...]
    tree: ast.Module
    down_line: int

    @classmethod
    def parse(cls, source: bytes, path: str) -> _Document:
        """Read ``source`` as Python would; the reader's errors for files it cannot read."""
        line = parse_header(source, path).lines.get(_NAME)
        if line is None:
            raise ReparentError(path, None, "the file never assigns down_revision")
        bom = len(_BOM) if source.startswith(_BOM) else 0
        encoding = _encoding(source)
        text = source[bom:].decode(encoding, errors="surrogateescape")
        starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]
        tree = _parse_tree(re.sub("[\udc80-\udcff]", "\ufffd", text), path)
        return cls(source, path, encoding, bom, text, tuple(starts), tree, line)

    def offset(self, line: int, column: int) -> int:
        """The text offset of an ast position (1-based line, UTF-8 byte column)."""
        start = self.line_starts[line - 1]
        prefix = self.text[start : start + column].encode("utf-8", "surrogatepass")[:column]
        return start + len(prefix.decode("utf-8", "surrogatepass"))

    def span(self, node: ast.expr) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        start = self.offset(node.lineno, node.col_offset)
        return start, self.offset(node.end_lineno, node.end_col_offset)

    def down_revision_statement(self) -> ast.Assign | ast.AnnAssign:
        """The module-level statement that binds ``down_revision`` last (the reader's line)."""
        line = self.down_line
        found = [
            s
            for s in self.tree.body
            if isinstance(s, (ast.Assign, ast.AnnAssign)) and s.lineno == line and _binds(s)
        ]
        if not found:
            message = "down_revision is not bound by a plain assignment at module level"
            raise ReparentError(self.path, line, message, _PLAIN_HINT)
        statement = found[-1]
        if isinstance(statement, ast.Assign) and len(statement.targets) != 1:
            message = "down_revision is assigned together with other names"
            raise ReparentError(self.path, line, message, _PLAIN_HINT)
        assert statement.value is not None
        _string_nodes(statement.value, self.path)  # refuses anything but a plain literal
        return statement

    def value_edits(
        self, statement: ast.Assign | ast.AnnAssign, parents: tuple[str, ...]
    ) -> list[_Edit]:
        """Replace the string tokens' contents when the count matches, else the value."""
        value = statement.value
        assert value is not None
        strings = _string_nodes(value, self.path)
        if len(strings) == len(parents):
            return [
                self._content_edit(node, new) for node, new in zip(strings, parents, strict=True)
            ]
        start, end = self.span(value)
        rendered = _render(parents, self._quote(strings), isinstance(value, ast.List))
        return [_Edit(start, end, rendered)]

    def _content_edit(self, node: ast.Constant, new: str) -> _Edit:
        start, end = self.span(node)
        match = _STRING.fullmatch(self.text, start, end)
        if match is None or match.group(3) != node.value:
            message = "down_revision is a string with escapes or implicit concatenation"
            raise ReparentError(self.path, node.lineno, message, _PLAIN_HINT)
        return _Edit(match.start(3), match.end(3), new)

    def _quote(self, strings: Sequence[ast.Constant]) -> str:
        """The quote of the first string in the value, else of ``revision``, else ``'``."""
        candidates = [*strings, *self._revision_values()]
        for node in candidates:
            start, end = self.span(node)
            match = _STRING.fullmatch(self.text, start, end)
            if match is not None and len(match.group(2)) == 1:
                return match.group(2)
        return "'"

    def _revision_values(self) -> list[ast.Constant]:
        values = [
            statement.value
            for statement in self.tree.body
            if isinstance(statement, (ast.Assign, ast.AnnAssign))
            and _targets(statement) == ["revision"]
        ]
        return [v for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)]

    def revises_edit(self, old: str, rendered: str) -> _Edit | None:
        """Replace the text after ``Revises:`` in the module docstring, if it has that line
        (the first one that names ``old``, else the first one)."""
        docstring = self._docstring_node()
        if docstring is None:
            return None
        start, end = self.span(docstring)
        match = _STRING.fullmatch(self.text, start, end)
        if match is None:
            return None
        found = list(_REVISES.finditer(match.group(3)))
        if not found:
            return None
        revises = next((m for m in found if m.group(1) == old), found[0])
        base = match.start(3)
        return _Edit(base + revises.start(1), base + revises.end(1), rendered)

    def _docstring_node(self) -> ast.Constant | None:
        first = self.tree.body[0] if self.tree.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            return first.value if isinstance(first.value.value, str) else None
        return None

    def apply(self, edits: Sequence[_Edit]) -> bytes:
        """Splice the edits into the original bytes, last first, so offsets stay valid."""
        data = self.source
        for edit in sorted(edits, key=lambda e: e.start, reverse=True):
            start, end = self._byte(edit.start), self._byte(edit.end)
            try:
                replacement = edit.text.encode(self.encoding)
            except UnicodeEncodeError:
                message = f"{edit.text!r} cannot be written in the file's encoding"
                raise ReparentError(self.path, None, f"{message} ({self.encoding})") from None
            data = data[:start] + replacement + data[end:]
        return data

    def _byte(self, offset: int) -> int:
        return self.bom + len(self.text[:offset].encode(self.encoding, "surrogateescape"))


_PLAIN_HINT: Final = (
    'write it as one plain literal, e.g. down_revision = "1a2b3c4d5e6f", then run again'
)


def _parse_tree(text: str, path: str) -> ast.Module:
    """The whole module, or its header (before the first def/class) if only that parses."""
    try:
        return ast.parse(text)
    except SyntaxError:
        end = _HEADER_END.search(text)
        try:
            return ast.parse(text if end is None else text[: end.start()])
        except SyntaxError as error:
            raise ReparentError(path, error.lineno, f"syntax error: {error.msg}") from None


def _targets(statement: ast.Assign | ast.AnnAssign) -> list[str | None]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return [t.id if isinstance(t, ast.Name) else None for t in targets]


def _binds(statement: ast.Assign | ast.AnnAssign) -> bool:
    """Whether the statement binds ``down_revision`` (an annotation alone binds nothing)."""
    return statement.value is not None and _NAME in _targets(statement)


def _string_nodes(value: ast.expr, path: str) -> list[ast.Constant]:
    """The string constants of a plain ``down_revision`` value (none for ``None``)."""
    if isinstance(value, ast.Constant) and value.value is None:
        return []
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value]
    if isinstance(value, (ast.Tuple, ast.List)):
        elements = value.elts
        if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elements):
            return [e for e in elements if isinstance(e, ast.Constant)]
    message = "down_revision is not a plain string, tuple or list of strings, or None"
    raise ReparentError(path, value.lineno, message, _PLAIN_HINT)


def _ids(statement: ast.Assign | ast.AnnAssign, path: str) -> tuple[str, ...]:
    assert statement.value is not None
    return tuple(str(node.value) for node in _string_nodes(statement.value, path))


def _check_parents(parents: tuple[str, ...], path: str, line: int) -> None:
    for parent in parents:
        if not isinstance(parent, str) or not parent or _UNSAFE_ID.search(parent):
            message = f"cannot write {parent!r} as a revision id (empty, quote, or control)"
            raise ReparentError(path, line, message)
    if len(set(parents)) != len(parents):
        raise ReparentError(path, line, f"duplicate parents: {', '.join(parents)}")


def _render(parents: tuple[str, ...], quote: str, as_list: bool) -> str:
    """A new value in Alembic's shape: None, a string, or a tuple (a list if it was one)."""
    if not parents:
        return "None"
    strings = [f"{quote}{parent}{quote}" for parent in parents]
    if len(strings) == 1 and not as_list:
        return strings[0]
    if as_list:
        return f"[{', '.join(strings)}]"
    return f"({', '.join(strings)})"


def _encoding(source: bytes) -> str:
    """The encoding Python reads ``source`` with (a BOM means UTF-8)."""
    lines = iter(source.splitlines(keepends=True)[:2])
    try:
        encoding, _ = tokenize.detect_encoding(lambda: next(lines, b""))
    except SyntaxError:
        return "utf-8"
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _lines(data: bytes, encoding: str) -> list[str]:
    text = data.removeprefix(_BOM).decode(encoding, errors="replace")
    return _NEWLINE.split(text.removesuffix("\n").removesuffix("\r"))
