"""Literal values in migration headers: the template path, the line path and shared helpers.

The template path (:func:`template_header`) matches the whole header against one regular
expression of the shape Alembic's templates write: comments, a docstring, imports, the four
assignments in order, comments. The line path (:func:`fast_header`) recognises the few line
shapes those templates use (a docstring, plain imports, ``name = <literal>`` with an optional
simple annotation) and returns ``None`` as soon as a line looks any different, so that the
caller falls back to ``ast``. Everything either path accepts is complete, valid Python whose
values they compute exactly as Python would.
"""

from __future__ import annotations
import __future__

import ast
import keyword
import re
import sys
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Final, NamedTuple

TRACKED_NAMES: Final = ("revision", "down_revision", "branch_labels", "depends_on")
DOC_NAME: Final = "__doc__"

# Names the fast path leaves to the ast path: a binding of them is never a plain assignment.
_SPECIAL_NAMES: Final = frozenset({DOC_NAME, "__debug__"})
# barry_as_FLUFL changes the grammar; every other feature leaves these statements alone.
_SAFE_FUTURES: Final = frozenset(__future__.all_feature_names) - {"barry_as_FLUFL"}

_WS = r"[ \t]*"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_NAME}(?:\.{_NAME})*"
# Quotes, backslashes and newlines are excluded so the token ends where the regex says it does.
_STR = r"""(?:'[^'\\\n]*'|"[^"\\\n]*")"""
_END = r"[ \t]*(?:#.*)?"


def _annotation_pattern(depth: int) -> str:
    """Dotted names, subscripted up to ``depth`` levels, joined by ``|`` (``Union[str, None]``)."""
    pattern = _DOTTED
    for _ in range(depth):
        union = rf"{pattern}(?:{_WS}\|{_WS}{pattern})*"
        pattern = rf"{_DOTTED}(?:{_WS}\[{_WS}{union}(?:{_WS},{_WS}{union})*{_WS}\])?"
    return rf"{pattern}(?:{_WS}\|{_WS}{pattern})*"


_ITEMS = rf"{_STR}(?:{_WS},{_WS}{_STR})*"
_VALUE = "|".join(
    (
        "None|True|False",
        _STR,
        rf"\({_WS}\)",
        rf"\[{_WS}\]",
        rf"\({_WS}{_STR}{_WS}(?:,{_WS})?\)",
        rf"\({_WS}{_STR}(?:{_WS},{_WS}{_STR})+{_WS}(?:,{_WS})?\)",
        rf"\[{_WS}{_ITEMS}{_WS}(?:,{_WS})?\]",
        rf"\{{{_WS}{_ITEMS}{_WS}(?:,{_WS})?\}}",
    )
)


@lru_cache(maxsize=1)
def _assignment_pattern() -> re.Pattern[str]:
    """Compiled on first use: it takes milliseconds, and the template path rarely needs it."""
    # Two levels of subscripts (``Union[str, Sequence[str], None]``) cover Alembic's templates;
    # a third would make this pattern four times longer. Deeper annotations take the ast path,
    # to the same result.
    return re.compile(
        rf"({_NAME})(?:{_WS}:{_WS}({_annotation_pattern(2)}))?{_WS}={_WS}({_VALUE}){_END}"
    )


_STRING_TOKEN = re.compile(_STR)
_BLANK = re.compile(_END)
_IMPORT = re.compile(rf"import[ \t]+([^#]*?){_END}")
_FROM_IMPORT = re.compile(rf"from[ \t]+(\.*)({_DOTTED})?[ \t]+import[ \t]+([^#]*?){_END}")
_IMPORT_ITEM = re.compile(rf"{_WS}({_DOTTED})(?:[ \t]+as[ \t]+({_NAME}))?{_WS}")
# (compiled by `re` on first use, as few runs need them)
_STRING_STATEMENT = rf"[rRuU]?{_STR}{_END}"
_TRIPLE_QUOTE = r"[rRuU]?('''|\"\"\")"
_MAX_LINE = 2000  # longer lines go to the ast path, which bounds any regex backtracking


class FastHeader:
    """What the fast path read: each tracked name's value and line, and the docstring."""

    __slots__ = ("docstring", "values")  # (not a dataclass: making one takes 0.3 ms at import)

    def __init__(self) -> None:
        self.values: dict[str, tuple[object, int]] = {}
        self.docstring: str | None = None


# The template path: one regular expression over the whole header, for the headers Alembic's
# templates write. Everything it accepts is valid Python that binds exactly the values it reads.
_LINE_END = r"[ \t]*(?:#[^\n]*)?\n"  # the rest of a line: spaces, an optional comment
_QUOTED = r"""'[^'\\\n]*'|"[^"\\\n]*\""""  # a string on one line, without escapes
_DOCSTRING = (  # no backslashes; a triple-quoted body never holds three quotes in a row
    r'"""[^"\\]*(?:""?(?!")[^"\\]*)*"""'
    r"|'''[^'\\]*(?:''?(?!')[^'\\]*)*'''"
    rf"|{_QUOTED}"
)
# None, a string, or a tuple or list up to a comment, checked by _container_value. (Four copies
# of the exact container pattern, one per name, would double the time _TEMPLATE takes to
# compile, a millisecond in every run.)
_TEMPLATE_VALUE = rf"None|{_QUOTED}|[(\[][^#\n]*"


def _template_assignment(name: str) -> str:
    """``name = value`` or ``name: annotation = value``; groups: annotation, value."""
    # (The annotation keeps its trailing spaces: a lazy repeat would cost a test per character.)
    return rf"{name}(?:{_WS}:{_WS}([^=\n#]+)|{_WS})={_WS}({_TEMPLATE_VALUE}){_LINE_END}"


_TEMPLATE: Final = re.compile(
    # Comment lines and the docstring; import and comment lines; the four assignments in the
    # templates' order (the last two optional, as in old templates); comment lines.
    rf"(?:(?:{_LINE_END})*({_DOCSTRING}){_LINE_END})?"
    rf"((?:(?:import|from)[ \t][^\n]*\n|{_LINE_END})*)"
    + _template_assignment("revision")
    + _template_assignment("down_revision")
    + rf"(?:{_template_assignment('branch_labels')})?"
    + rf"(?:{_template_assignment('depends_on')})?"
    + rf"(?:{_LINE_END})*"
)
_TRIPLE_QUOTES: Final = ('"""', "'''")
_QUOTES: Final = ("'", '"')


class TemplateHeader(NamedTuple):  # a tuple: cheaper to build than a dataclass
    """What the template path read: the value and line of each name assigned, and the
    docstring as written (before :func:`compiled_docstring`)."""

    values: dict[str, object]
    lines: dict[str, int]
    docstring: str | None


def template_header(text: str) -> TemplateHeader | None:
    """Read a header shaped like Alembic's templates with one regular expression, or return
    ``None`` when it is shaped any other way (the caller then tries :func:`fast_header`).

    ``text`` is the decoded header, with ``\\n`` newlines only, ending with one."""
    matched = _template_match(text)
    if matched is None:
        return None
    match, groups = matched
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    line = text.count("\n", 0, match.start(4)) + 1  # the assignments are on consecutive lines
    for name, value in zip(TRACKED_NAMES, groups[3::2], strict=True):
        if value is None:
            continue
        try:
            values[name] = _template_literal(value)
        except ValueError:
            return None
        lines[name] = line
        line += 1
    docstring = groups[0]
    return TemplateHeader(values, lines, None if docstring is None else _docstring_body(docstring))


PlainValues = tuple[str, Any, Any, Any, "str | None"]
"""``(revision, down_revision, branch_labels, depends_on, docstring)``, as a Script takes them:
an unassigned ``branch_labels`` or ``depends_on`` is None."""


def template_values(text: str) -> PlainValues | None:
    """What :func:`template_header` reads, as the values a Script takes, when ``revision`` is a
    string; ``None`` for any other header. The docstring is as the compiler stores it.

    No lines, no dictionaries: the reader's shortcut for the common file when nothing asks
    where a value was written."""
    matched = _template_match(text)
    if matched is None:
        return None
    docstring, _, _, revision, _, down_revision, _, branch_labels, _, depends_on = matched[1]
    if revision[0] not in _QUOTES:
        return None  # None or a container: a read error the full path reports
    try:
        return (
            revision[1:-1],
            _template_literal(down_revision),
            None if branch_labels is None else _template_literal(branch_labels),
            None if depends_on is None else _template_literal(depends_on),
            None if docstring is None else compiled_docstring(_docstring_body(docstring)),
        )
    except ValueError:
        return None


def _template_match(text: str) -> tuple[re.Match[str], tuple[Any, ...]] | None:
    """``_TEMPLATE``'s match of the whole header and its groups, when its imports and
    annotations are plain."""
    match = _TEMPLATE.fullmatch(text)
    if match is None:
        return None
    groups = match.groups()
    if not (_plain_imports(groups[1]) and _plain_annotations(groups[2::2])):
        return None
    return match, groups


def _template_literal(value: str) -> object:
    """The value of a template assignment's right side; ValueError for a container that is
    not a plain one of strings."""
    if value == "None":
        return None
    if value[0] in _QUOTES:
        return value[1:-1]
    container = _container_value(value.rstrip(" \t"))
    if container is None:
        raise ValueError(value)
    return container


def _docstring_body(docstring: str) -> str:
    """A docstring literal without its quotes (it holds no backslashes)."""
    return docstring[3:-3] if docstring[:3] in _TRIPLE_QUOTES else docstring[1:-1]


def _container_value(text: str) -> tuple[str, ...] | list[str] | str | None:
    """The value of a tuple or list of strings (without escapes, on one line), or of a string
    in parentheses; ``None`` for anything else."""
    if _container_pattern().fullmatch(text) is None:
        return None
    value = _literal_value(text)
    assert isinstance(value, (tuple, list, str))
    return value


@lru_cache(maxsize=1)
def _container_pattern() -> re.Pattern[str]:
    items = rf"(?:(?:{_QUOTED}){_WS}(?:,{_WS}(?:{_QUOTED}){_WS})*(?:,{_WS})?)?"
    return re.compile(rf"\({_WS}{items}\)|\[{_WS}{items}\]")


@lru_cache(maxsize=256)  # a project's headers share the same few import blocks
def _plain_imports(block: str) -> bool:
    """Whether the lines between the docstring and the assignments are only comments and
    imports that bind no name the reader follows, ``from __future__`` ones first."""
    futures_allowed = True
    for line in block.split("\n")[:-1]:
        if _BLANK.fullmatch(line):
            continue
        future = _import_statement(line)
        if future is None or (future and not futures_allowed):
            return False
        futures_allowed = future
    return True


_ANNOTATION_CHARS: Final = re.compile(r"[A-Za-z0-9_.,|\[\] \t]+")
_ANNOTATION_NODES: Final = (
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Tuple,
    ast.Constant,
    ast.BinOp,
    ast.BitOr,
    ast.Load,
)


@lru_cache(maxsize=256)  # and the same few annotations
def _plain_annotations(annotations: tuple[str | None, ...]) -> bool:
    return all(annotation is None or _plain_annotation(annotation) for annotation in annotations)


def _plain_annotation(annotation: str) -> bool:
    """Whether ``annotation`` is made of names, attributes, subscripts and ``|`` only: valid
    in ``name: annotation = value``, binding nothing, calling nothing."""
    if not _ANNOTATION_CHARS.fullmatch(annotation):
        return False
    try:
        tree = ast.parse(f"x: {annotation}")
    except SyntaxError:
        return False
    (statement,) = tree.body
    assert isinstance(statement, ast.AnnAssign)
    return all(isinstance(node, _ANNOTATION_NODES) for node in ast.walk(statement.annotation))


def build_set(items: Sequence[object], *, all_constant: bool) -> set[object]:
    """Build a set display's value with CPython's own steps, so its iteration order matches.

    CPython adds the items of a display one by one in source order, except for a display of
    more than two constants: the compiler folds those into a frozenset, rebuilds it from its own
    iteration order when merging constants, and the code copies it into an empty set. (The
    order can still change when a ``.pyc`` is loaded or strings get interned differently, so
    CPython itself does not promise one; only the contents are certain.) Raises ``TypeError``
    for an unhashable item, as Python does.
    """
    result: set[object] = set()
    if all_constant and len(items) > 2:
        result.update(frozenset(tuple(frozenset(items))))
    else:
        for item in items:
            result.add(item)
    return result


def compiled_docstring(raw: str) -> str:
    """The docstring as this Python's compiler stores it in ``__doc__``.

    Since 3.13 CPython removes indentation like ``inspect.cleandoc``: tabs expanded, leading
    spaces of the first line dropped, the common indent of the other non-blank lines removed;
    unlike ``cleandoc`` it keeps leading and trailing blank lines.
    """
    if sys.version_info < (3, 13):
        return raw
    first, *rest = raw.expandtabs().split("\n")
    indents = [len(line) - len(line.lstrip(" ")) for line in rest if line.strip(" ")]
    margin = min(indents, default=0)
    dedented = [line[min(margin, len(line) - len(line.lstrip(" "))) :] for line in rest]
    return "\n".join([first.lstrip(" "), *dedented])


def is_constant(node: ast.expr) -> bool:
    """Whether CPython's compiler folds ``node`` into a constant (the rule ``build_set`` needs)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.Tuple):
        return all(is_constant(element) for element in node.elts)
    return False


def fast_header(text: str) -> FastHeader | None:
    """Read a header made only of common line shapes, or return ``None`` to ask for ``ast``."""
    result = FastHeader()
    statements = 0
    futures_allowed = True  # `from __future__` may follow only the docstring and other futures
    position, number = 0, 1
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end == -1 else end
        line = text[position:end]
        lines_used = 1
        if len(line) > _MAX_LINE:
            return None
        if not _BLANK.fullmatch(line):
            if line.startswith(_STRING_STARTS):
                string = _string_statement(text, position, end)
                if string is None:
                    return None
                value, end, lines_used = string
                if statements == 0:
                    result.docstring = value
                futures_allowed = futures_allowed and statements == 0
            elif line.startswith(_IMPORT_STARTS):
                future = _import_statement(line)
                if future is None or (future and not futures_allowed):
                    return None
                futures_allowed = futures_allowed and future
            elif _assignment(line, number, result):
                futures_allowed = False
            else:
                return None
            statements += 1
        position, number = end + 1, number + lines_used
    return result


_STRING_STARTS: Final = ("'", '"', *(f"{p}{q}" for p in "rRuU" for q in "'\""))
_IMPORT_STARTS: Final = ("import ", "import\t", "from ", "from\t")


def _string_statement(text: str, start: int, line_end: int) -> tuple[str, int, int] | None:
    """A string-literal statement at ``start``: its value, where its last line ends, its lines."""
    triple = re.compile(_TRIPLE_QUOTE).match(text, start)
    if triple is None:
        match = re.compile(_STRING_STATEMENT).fullmatch(text, start, line_end)
        if match is None:
            return None
        token = _STRING_TOKEN.search(text, start, line_end)
        assert token is not None
        return token.group()[1:-1], line_end, 1
    quote = triple.group(1)
    closing = text.find(quote, triple.end())
    if closing == -1:
        return None
    value = text[triple.end() : closing]
    last_end = text.find("\n", closing)
    last_end = len(text) if last_end == -1 else last_end
    if "\\" in value or not _BLANK.fullmatch(text, closing + 3, last_end):
        return None
    return value, last_end, value.count("\n") + 1


@lru_cache(maxsize=1024)  # the same few import lines appear in every file
def _import_statement(line: str) -> bool | None:
    """Check an import line: ``None`` if the fast path can't take it, else whether it is
    a ``from __future__`` import."""
    match = _IMPORT.fullmatch(line)
    if match is not None:
        items = _import_items(match.group(1), parenthesised=False)
        if items is None:
            return None
        bound = [alias or name.split(".")[0] for name, alias in items]
        return False if _binds_only_ordinary_names(bound, items) else None
    match = _FROM_IMPORT.fullmatch(line)
    if match is None:
        return None
    dots, module, names = match.groups()
    if not (dots or module) or (module and not _ordinary_identifiers(module.split("."))):
        return None
    items = _import_items(names, parenthesised=True)
    if items is None or any("." in name for name, _ in items):
        return None
    bound = [alias or name for name, alias in items]
    if not _binds_only_ordinary_names(bound, items):
        return None
    if module == "__future__" and not dots:
        if any(alias or name not in _SAFE_FUTURES for name, alias in items):
            return None
        return True
    return False


def _import_items(text: str, *, parenthesised: bool) -> list[tuple[str, str | None]] | None:
    """Split ``a.b as c, d`` into ``[("a.b", "c"), ("d", None)]``; ``None`` if unusual."""
    text = text.strip(" \t")
    if parenthesised and text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip(" \t")
        if text.endswith(","):
            text = text[:-1]
    items = []
    for part in text.split(","):
        match = _IMPORT_ITEM.fullmatch(part)
        if match is None:
            return None
        items.append((match.group(1), match.group(2)))
    return items


def _binds_only_ordinary_names(bound: list[str], items: list[tuple[str, str | None]]) -> bool:
    names = [part for name, _ in items for part in name.split(".")]
    names += [alias for _, alias in items if alias is not None]
    if not _ordinary_identifiers(names):
        return False
    return not any(name in TRACKED_NAMES for name in bound)


def _ordinary_identifiers(names: list[str]) -> bool:
    return not any(keyword.iskeyword(name) or name in _SPECIAL_NAMES for name in names)


def _assignment(line: str, line_number: int, result: FastHeader) -> bool:
    match = _assignment_pattern().fullmatch(line)
    if match is None:
        return False
    name, annotation, value = match.groups()
    if keyword.iskeyword(name) or name in _SPECIAL_NAMES:
        return False
    if annotation is not None and not _valid_annotation(annotation):
        return False
    if name in TRACKED_NAMES:
        result.values[name] = (_literal_value(value), line_number)
    return True


@lru_cache(maxsize=1024)
def _valid_annotation(annotation: str) -> bool:
    for dotted in re.findall(_DOTTED, annotation):
        if dotted != "None" and any(keyword.iskeyword(part) for part in dotted.split(".")):
            return False
    return True


def _literal_value(text: str) -> object:
    """The value of a ``_VALUE`` match: ``None``, a bool, a string, or a container of strings."""
    constants: dict[str, object] = {"None": None, "True": True, "False": False}
    if text in constants:
        return constants[text]
    tokens = list(_STRING_TOKEN.finditer(text))
    strings = [token.group()[1:-1] for token in tokens]
    opener = text[0]
    if opener in "'\"":
        return strings[0]
    if opener == "[":
        return strings
    if opener == "{":
        return build_set(strings, all_constant=True)
    if len(strings) == 1 and "," not in text[tokens[0].end() :]:
        return strings[0]  # ("abc") is just a parenthesised string
    return tuple(strings)


_OPERATORS: Final[dict[type[ast.AST], str]] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.MatMult: "@",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
}

_KINDS: Final[dict[type[ast.AST], str]] = {
    ast.JoinedStr: "an f-string",
    ast.IfExp: "a conditional expression",
    ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Starred: "a starred expression",
    ast.Lambda: "a lambda",
    ast.Compare: "a comparison",
    ast.UnaryOp: "a unary operation",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.Await: "an await expression",
    ast.Yield: "a yield expression",
    ast.YieldFrom: "a yield expression",
    ast.Tuple: "a tuple with a starred item",
    ast.List: "a list with a starred item",
    ast.Set: "a set with a starred item",
    ast.Dict: "a dict with ** unpacking",
}


def describe(node: ast.expr) -> str:
    """A short noun phrase for an expression that is not a literal ("a call to f()")."""
    if isinstance(node, ast.Call):
        name = dotted_name(node.func)
        return f"a call to {name}()" if name else "a function call"
    if isinstance(node, ast.Subscript):
        name = dotted_name(node.value)
        return f"a subscription ({name}[...])" if name else "a subscription"
    if isinstance(node, ast.BinOp):
        symbol = operator_symbol(node.op)
        if any(_is_string(side) for side in (node.left, node.right)):
            return f"string arithmetic ({symbol})"
        return f"an arithmetic expression ({symbol})"
    if isinstance(node, ast.BoolOp):
        return f"a boolean expression ({'and' if isinstance(node.op, ast.And) else 'or'})"
    if isinstance(node, ast.Attribute):
        name = dotted_name(node)
        return f"an attribute ({name})" if name else "an attribute"
    return _KINDS.get(type(node), f"an expression of type {type(node).__name__}")


def operator_symbol(operator: ast.operator) -> str:
    return _OPERATORS.get(type(operator), "?")


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else ``None``."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
