"""Module-level names as executing the module would bind them, worked out without running it.

A :class:`Namespace` steps through a module's top-level statements and keeps, for every name,
either the exact value Python would bind (:class:`Known`) or the reason it cannot know it
(:class:`Unknown`). Literal expressions are evaluated eagerly with Python's own object identity,
so aliasing behaves as at run time; a statement that might change a list or set in place (a call,
``+=``...) marks those objects as changed. Names imported from other modules are looked up by the
:class:`Resolver`, which finds the module's file under the search path and reads it the same way.

Not followed, by design: a call that rebinds module names behind the statements' back
(``globals()``, ``exec``, ``setattr`` on the module), and in-place changes to a value imported
from another module.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeAlias

from revlib.script._literals import (
    DOC_NAME,
    build_set,
    describe,
    is_constant,
    operator_symbol,
)


@dataclass(frozen=True)
class Known:
    """A value computed exactly as Python would compute it."""

    value: object


@dataclass(frozen=True)
class ModuleRef:
    """A module found on disk: its dotted name as written, its source file and package directory.

    ``file`` is ``None`` for a namespace package; ``package_dir`` is ``None`` for a plain module.
    """

    name: str
    file: str | None
    package_dir: str | None


@dataclass(frozen=True)
class ModuleValue:
    """A module object, as ``import x`` binds it: never a literal, but has attributes."""

    module: ModuleRef


@dataclass(frozen=True)
class Imported:
    """``from module import name`` (or ``import module`` when ``name`` is None), looked up lazily
    so that the usual ``import sqlalchemy as sa`` costs nothing."""

    module: str
    level: int
    name: str | None


@dataclass(frozen=True)
class Unknown:
    """Why a value cannot be known statically; ``chain`` lists the names that led to it."""

    reason: str
    chain: tuple[str, ...] = ()
    hint: str | None = None

    def via(self, step: str) -> Unknown:
        return Unknown(self.reason, (step, *self.chain), self.hint)

    def explain(self) -> str:
        return f"{' -> '.join(self.chain)}: {self.reason}" if self.chain else self.reason


Outcome: TypeAlias = "Known | ModuleValue | Imported | Unknown"
Resolved: TypeAlias = "Known | ModuleValue | Unknown"

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_MUTABLE = (list, set, dict, bytearray)
_CONTAINERS = (tuple, list, set, frozenset)
_STATEMENT_KINDS: dict[type[ast.stmt], str] = {
    ast.If: "an if statement",
    ast.For: "a for loop",
    ast.AsyncFor: "a for loop",
    ast.While: "a while loop",
    ast.With: "a with statement",
    ast.AsyncWith: "a with statement",
    ast.Try: "a try statement",
    ast.Match: "a match statement",
}
_MAX_NESTING = 64

LOOKUPS: ContextVar[list[str] | None] = ContextVar("revlib_reader_lookups", default=None)
"""Set it to a list to collect the modules a read looked for on disk: a read that looked
for none depends on the file's bytes alone (a cache can key it by content)."""
_WARNINGS_LOCK = threading.Lock()


def parse_module(text: str, filename: str) -> ast.Module:
    """``ast.parse`` plus the checks of ``compile`` (``return`` outside a function, misplaced
    ``from __future__``...), without the warnings either may print. Raises ``SyntaxError``."""
    try:
        # catch_warnings swaps process-wide state: the lock keeps concurrent reads from
        # restoring each other's filters in the wrong order.
        with _WARNINGS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename)
            compile(tree, filename, "exec", dont_inherit=True)
    except (MemoryError, RecursionError):
        raise SyntaxError("too deeply nested to parse") from None
    return tree


def header_statements(tree: ast.Module) -> list[ast.stmt]:
    """The top-level statements before the first ``def`` or ``class``: what the header binds."""
    for index, statement in enumerate(tree.body):
        if isinstance(statement, _DEFINITIONS):
            return tree.body[:index]
    return tree.body


class Namespace:
    """The names of one module, as its top-level statements bind them."""

    def __init__(self, resolver: Resolver, origin_dir: str, docstring: str | None) -> None:
        self.resolver = resolver
        self.origin_dir = origin_dir
        self.values: dict[str, Outcome] = {DOC_NAME: Known(docstring)}
        self.lines: dict[str, int] = {}
        self.star: tuple[str, int] | None = None  # the last `from m import *`: (m, line)

    def run(self, body: Sequence[ast.stmt]) -> None:
        for statement in body:
            if isinstance(statement, _DEFINITIONS):
                kind = "a class" if isinstance(statement, ast.ClassDef) else "a function"
                self._bind(statement.name, Unknown(kind), statement.lineno)
            else:
                self._execute(statement)

    def final(self, name: str) -> Known | Unknown | None:
        """The value ``name`` ends up with: ``None`` when never bound."""
        outcome = self.values.get(name)
        if outcome is None:
            return None
        resolved = self._resolve(outcome)
        if isinstance(resolved, ModuleValue):
            return Unknown(f"the module {resolved.module.name}")
        if isinstance(resolved, Known):
            line = self.resolver.changed_line(resolved.value)
            if line is not None:
                return Unknown(f"possibly changed in place by the statement on line {line}")
        return resolved

    # statements

    def _execute(self, statement: ast.stmt) -> None:
        if isinstance(statement, ast.Assign):
            self._assign_all(statement.targets, statement.value)
        elif isinstance(statement, ast.AnnAssign):
            if statement.value is not None:
                self._assign_all([statement.target], statement.value)
            self.evaluate(statement.annotation)
        elif isinstance(statement, ast.AugAssign):
            self._augment(statement)
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                self._store(target, Unknown("deleted by del"))
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            self._import(statement)
        elif isinstance(statement, ast.Expr):
            self.evaluate(statement.value)
        elif not isinstance(statement, (ast.Pass, ast.Global, ast.Nonlocal)):
            self._opaque(statement)

    def _assign_all(self, targets: Sequence[ast.expr], value: ast.expr) -> None:
        if isinstance(value, (ast.Tuple, ast.List)) and not _has_starred(value.elts):
            items = [self.evaluate(element) for element in value.elts]
            whole = self._container(value, items)
        else:
            items, whole = None, self.evaluate(value)
        for target in targets:
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else None
            if items is None or elements is None or not _pairs_with(elements, items):
                self._store(target, whole)
            else:  # a, b = x, y: each name gets its own item, even if another is unknown
                for element, item in zip(elements, items):  # noqa: B905 (3.10 compatible)
                    self._store(element, item)

    def _store(self, target: ast.expr, value: Outcome) -> None:
        if isinstance(target, ast.Name):
            self._bind(target.id, value, target.lineno)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value)
        elif isinstance(target, ast.Starred):
            self._store(target.value, value)
        else:  # x[0] = ..., x.y = ..., del x[0]: the object under x changes
            self._touch(target)

    def _unpack(self, target: ast.Tuple | ast.List, value: Outcome) -> None:
        literal = self._literal(value)
        if isinstance(literal, Known):  # unpacking copies items out: they must be current
            line = self.resolver.changed_line(literal.value)
            if line is not None:
                literal = Unknown(f"possibly changed in place by the statement on line {line}")
        items = _unpacked(literal, target.elts)
        for element, item in zip(target.elts, items):  # noqa: B905 (3.10 compatible)
            self._store(element, item)

    def _augment(self, statement: ast.AugAssign) -> None:
        self.evaluate(statement.value)
        self._touch(statement)
        if isinstance(statement.target, ast.Name):
            reason = f"changed by augmented assignment ({operator_symbol(statement.op)}=)"
            self._bind(statement.target.id, Unknown(reason), statement.target.lineno)

    def _import(self, statement: ast.Import | ast.ImportFrom) -> None:
        for alias in statement.names:
            if isinstance(statement, ast.Import):
                module = alias.name if alias.asname else alias.name.split(".")[0]
                self._bind(alias.asname or module, Imported(module, 0, None), statement.lineno)
            elif alias.name == "*":
                module = "." * statement.level + (statement.module or "")
                self._star_import(module, statement.lineno)
            else:
                imported = Imported(statement.module or "", statement.level, alias.name)
                self._bind(alias.asname or alias.name, imported, statement.lineno)

    def _star_import(self, module: str, line: int) -> None:
        """Any public name may be rebound: forget their values. (Private names could be too,
        through the module's ``__all__``, but revlib does not expect that.)"""
        reason = f"possibly rebound by `from {module} import *` (line {line})"
        for name in [name for name in self.values if not name.startswith("_")]:
            self._bind(name, Unknown(reason), line)
        self.star = (module, line)

    def _opaque(self, statement: ast.stmt) -> None:
        """A statement revlib does not follow (if, try, for...): whatever it binds is unknown."""
        self._touch(statement)
        kind = _STATEMENT_KINDS.get(type(statement), f"a {type(statement).__name__} statement")
        reason = f"assigned inside {kind} (line {statement.lineno})"
        for name, line in _bound_names(statement):
            if name == "*":
                self._star_import("a module", line)
            else:
                self._bind(name, Unknown(reason), line)

    def _bind(self, name: str, value: Outcome, line: int) -> None:
        self.values[name] = value
        self.lines[name] = line

    def _touch(self, node: ast.AST) -> None:
        """Running ``node`` may change lists, sets and dicts in place where it calls something
        or stores into an item or attribute; reading them (``x[0]``, ``for``...) cannot."""
        for child in ast.walk(node):
            if isinstance(child, ast.Call):
                self._mark(child, getattr(node, "lineno", child.lineno))
            elif isinstance(child, (ast.Subscript, ast.Attribute)):
                if not isinstance(child.ctx, ast.Load):
                    self._mark(child.value, child.lineno)
            elif isinstance(child, ast.AugAssign):
                self._mark(child.target, child.lineno)

    def _mark(self, node: ast.AST, line: int) -> None:
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                value = self.values.get(child.id)
                if isinstance(value, Known):
                    self.resolver.mark_changed(value.value, line)

    # expressions

    def evaluate(self, node: ast.expr, depth: int = 0) -> Outcome:
        """The value of ``node`` if it is a literal or names of literals, else ``Unknown``."""
        if depth > _MAX_NESTING:
            return Unknown("an expression nested too deeply")
        if isinstance(node, ast.Constant):
            return Known(node.value)
        if isinstance(node, ast.Name):
            return self._lookup(node.id, node.lineno)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and not _has_starred(node.elts):
            return self._container(node, [self.evaluate(e, depth + 1) for e in node.elts])
        if isinstance(node, ast.Dict) and None not in node.keys:
            pairs = [  # evaluated key, value, key, value... like Python
                (self.evaluate(key, depth + 1), self.evaluate(value, depth + 1))
                for key, value in zip(node.keys, node.values)  # noqa: B905 (3.10 compatible)
                if key is not None
            ]
            return self._dict(pairs)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            return self._attribute(self.evaluate(node.value, depth + 1), node)
        if isinstance(node, ast.NamedExpr):
            value = self.evaluate(node.value, depth + 1)
            self._bind(node.target.id, value, node.target.lineno)
            return value
        if _is_signed_number(node):
            assert isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)
            number = node.operand.value
            assert isinstance(number, (int, float, complex))
            return Known(-number if isinstance(node.op, ast.USub) else +number)
        return self._not_literal(node)

    def _not_literal(self, node: ast.expr) -> Unknown:
        self._touch(node)
        for child in ast.walk(node):
            if isinstance(child, ast.NamedExpr):
                reason = f"assigned by := inside {describe(node)}"
                self._bind(child.target.id, Unknown(reason), child.lineno)
        return Unknown(describe(node))

    def _lookup(self, name: str, line: int) -> Outcome:
        value = self.values.get(name)
        if value is None:
            if self.star is not None:
                module, star_line = self.star
                reason = f"not defined (unless `from {module} import *` on line {star_line} is)"
            elif name in vars(builtins) or (name.startswith("__") and name.endswith("__")):
                reason = "a name Python provides, not a literal"
            else:
                reason = f"not defined before line {line}"
            return Unknown(reason, (name,))
        resolved = self._resolve(value)
        if isinstance(resolved, Unknown):
            return resolved.via(f"{name} (line {self.lines.get(name, 0)})")
        return resolved

    def _container(self, node: ast.Tuple | ast.List | ast.Set, items: list[Outcome]) -> Outcome:
        values = []
        for item in items:
            literal = self._literal(item)
            if isinstance(literal, Unknown):
                return literal
            values.append(literal.value)
        if isinstance(node, ast.Tuple):
            return Known(tuple(values))
        if isinstance(node, ast.List):
            return Known(values)
        try:
            return Known(build_set(values, all_constant=all(map(is_constant, node.elts))))
        except TypeError:
            return Unknown("a set with an unhashable item (a TypeError when run)")

    def _dict(self, pairs: list[tuple[Outcome, Outcome]]) -> Outcome:
        result: dict[object, object] = {}
        for key, value in pairs:
            literal_key, literal_value = self._literal(key), self._literal(value)
            for literal in (literal_key, literal_value):
                if isinstance(literal, Unknown):
                    return literal
            assert isinstance(literal_key, Known) and isinstance(literal_value, Known)
            try:
                result[literal_key.value] = literal_value.value
            except TypeError:
                return Unknown("a dict with an unhashable key (a TypeError when run)")
        return Known(result)

    def _attribute(self, base: Outcome, node: ast.Attribute) -> Outcome:
        resolved = self._resolve(base)
        if isinstance(resolved, Unknown):
            return resolved
        if isinstance(resolved, Known):
            return self._not_literal(node)
        return self.resolver.attribute(resolved.module, node.attr)

    def _resolve(self, value: Outcome) -> Resolved:
        if isinstance(value, Imported):
            return self.resolver.resolve(value, self.origin_dir)
        return value

    def _literal(self, value: Outcome) -> Known | Unknown:
        resolved = self._resolve(value)
        if isinstance(resolved, ModuleValue):
            return Unknown(f"the module {resolved.module.name}")
        return resolved


class Resolver:
    """Finds imported modules under the search path and reads their names; shared by all the
    namespaces of one read, with caches, a cycle guard and a depth limit."""

    max_depth = 8

    def __init__(self, search_path: Sequence[str]) -> None:
        self.search_path = tuple(os.fspath(entry) for entry in search_path)
        self._namespaces: dict[str, Namespace | Unknown] = {}
        self._attributes: dict[tuple[str, str], Resolved] = {}
        self._found: dict[tuple[str, int, str], ModuleRef | Unknown] = {}
        self._busy: set[tuple[str, str]] = set()
        self._loading: set[str] = set()
        self._changed: dict[int, tuple[object, int]] = {}
        self._depth = 0

    def resolve(self, imported: Imported, origin_dir: str) -> Resolved:
        module = self.find(imported.module, imported.level, origin_dir)
        if isinstance(module, Unknown) or imported.name is None:
            return module if isinstance(module, Unknown) else ModuleValue(module)
        return self.attribute(module, imported.name)

    def find(self, module: str, level: int, origin_dir: str) -> ModuleRef | Unknown:
        """The module ``module`` (relative to ``origin_dir`` when ``level`` > 0), as Python's
        path finder would pick it: a package, else a ``.py`` file, else a namespace package."""
        key = (module, level, origin_dir if level else "")
        if key not in self._found:
            self._found[key] = self._find(module, level, origin_dir)
        return self._found[key]

    def _find(self, module: str, level: int, origin_dir: str) -> ModuleRef | Unknown:
        parts = module.split(".") if module else []
        display = "." * level + module
        lookups = LOOKUPS.get()
        if lookups is not None:
            lookups.append(display)
        if level:
            base = origin_dir
            for _ in range(level - 1):
                base = os.path.dirname(base)
            roots: tuple[str, ...] = (base,)
        else:
            roots = self.search_path
        namespace = None
        for root in roots:
            found = _locate(root, parts, display)
            if found is not None and found.file is not None:
                return found
            namespace = namespace or found
        return namespace or _not_found(display, parts, roots, relative=bool(level))

    def attribute(self, module: ModuleRef, name: str) -> Resolved:
        """``module.name``: a module-level binding of the module, else its submodule ``name``."""
        key = (module.file or module.package_dir or module.name, name)
        if key in self._attributes:
            return self._attributes[key]
        if key in self._busy:
            return Unknown(f"a circular import of {module.name}.{name}")
        if self._depth >= self.max_depth:
            return Unknown(f"imports nested more than {self.max_depth} modules deep")
        self._busy.add(key)
        self._depth += 1
        try:
            result = self._attribute(module, name)
        finally:
            self._busy.discard(key)
            self._depth -= 1
        self._attributes[key] = result
        return result

    def _attribute(self, module: ModuleRef, name: str) -> Resolved:
        if module.file is not None:
            namespace = self._namespace(module.file)
            if isinstance(namespace, Unknown):
                return namespace
            found = namespace.final(name)
            if isinstance(found, Unknown):
                line = namespace.lines.get(name)
                return found.via(f"{module.name}.{name} ({module.file}, line {line})")
            if found is not None:
                return found
            if namespace.star is not None:
                return Unknown(f"{module.name} has `from {namespace.star[0]} import *`")
        if module.package_dir is not None:
            separator = "" if module.name.endswith(".") else "."
            submodule = _locate(module.package_dir, [name], f"{module.name}{separator}{name}")
            if submodule is not None:
                return ModuleValue(submodule)
        where = module.file or module.package_dir
        return Unknown(f"{module.name} ({where}) has no module-level assignment of {name}")

    def _namespace(self, file: str) -> Namespace | Unknown:
        if file in self._namespaces:
            return self._namespaces[file]
        if file in self._loading:
            return Unknown(f"a circular import of {file}")
        self._loading.add(file)
        try:
            result = self._load(file)
        finally:
            self._loading.discard(file)
        self._namespaces[file] = result
        return result

    def _load(self, file: str) -> Namespace | Unknown:
        try:
            with open(file, "rb") as stream:
                text = importlib.util.decode_source(stream.read())
            tree = parse_module(text, file)
        except OSError as exc:
            return Unknown(f"cannot read {file}: {exc.strerror or exc}")
        except (SyntaxError, ValueError, LookupError) as exc:
            return Unknown(f"cannot parse {file}: {exc}")
        namespace = Namespace(self, os.path.dirname(file), ast.get_docstring(tree, clean=False))
        namespace.run(tree.body)
        return namespace

    def mark_changed(self, value: object, line: int) -> None:
        """Every list, set or dict inside ``value`` may be changed in place from ``line`` on."""
        for item in _mutable_parts(value):
            self._changed.setdefault(id(item), (item, line))

    def changed_line(self, value: object) -> int | None:
        for item in _mutable_parts(value):
            if id(item) in self._changed:
                return self._changed[id(item)][1]
        return None


def _locate(root: str, parts: list[str], display: str) -> ModuleRef | None:
    path = os.path.join(root, *parts)
    init = os.path.join(path, "__init__.py")
    if os.path.isfile(init):
        return ModuleRef(display, init, path)
    if parts and os.path.isfile(path + ".py"):
        return ModuleRef(display, path + ".py", None)
    if os.path.isdir(path):
        return ModuleRef(display, None, path)
    return None


def _not_found(display: str, parts: list[str], roots: Sequence[str], *, relative: bool) -> Unknown:
    relative_path = "/".join(parts)
    looked_for = f"{relative_path}.py or {relative_path}/__init__.py" if parts else "__init__.py"
    where = f"in {', '.join(roots)}" if roots else "but the search path is empty"
    hint = None
    if not relative:
        hint = f"add the directory that contains the '{parts[0]}' package to the search path"
    return Unknown(f"module {display} not found (looked for {looked_for} {where})", hint=hint)


def _unpacked(value: Known | Unknown, targets: list[ast.expr]) -> list[Outcome]:
    """What each of ``targets`` gets from ``a, *b, c = value``."""
    if isinstance(value, Unknown):
        return [value] * len(targets)
    if isinstance(value.value, (set, frozenset)) and len(value.value) > 1:
        # CPython's set order depends on string interning and .pyc caching, not only the source
        return [Unknown("unpacking a set, whose order Python does not fix")] * len(targets)
    try:
        items = list(value.value)  # type: ignore[call-overload]
    except TypeError:
        reason = f"unpacking a {type(value.value).__name__} (a TypeError when run)"
        return [Unknown(reason)] * len(targets)
    starred = [i for i, target in enumerate(targets) if isinstance(target, ast.Starred)]
    after = len(targets) - 1 - starred[0] if starred else 0
    if len(items) != len(targets) if not starred else len(items) < len(targets) - 1:
        reason = f"unpacking {len(items)} values into {len(targets)} names (a ValueError when run)"
        return [Unknown(reason)] * len(targets)
    if not starred:
        return [Known(item) for item in items]
    first = starred[0]
    middle = Known(items[first : len(items) - after])
    tail = [Known(item) for item in items[len(items) - after :]]
    return [*(Known(item) for item in items[:first]), middle, *tail]


def _bound_names(statement: ast.stmt) -> Iterator[tuple[str, int]]:
    """Every name a compound statement may bind at module level ("*" for a star import)."""
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, _DEFINITIONS):
            yield node.name, node.lineno
            continue  # its body binds names in its own scope
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node.id, node.lineno
        elif isinstance(node, ast.alias):
            bound = node.asname or node.name.split(".")[0]
            yield bound, getattr(node, "lineno", statement.lineno)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            yield node.name, node.lineno
        elif isinstance(node, ast.MatchMapping) and node.rest:
            yield node.rest, node.lineno
        stack.extend(ast.iter_child_nodes(node))


def _mutable_parts(value: object) -> Iterator[object]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _MUTABLE):
            yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            stack.extend(item)


def _pairs_with(targets: list[ast.expr], items: list[Outcome]) -> bool:
    return len(targets) == len(items) and not _has_starred(targets)


def _has_starred(elements: list[ast.expr]) -> bool:
    return any(isinstance(element, ast.Starred) for element in elements)


def _is_signed_number(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float, complex))
        and not isinstance(node.operand.value, bool)
    )


__all__ = [
    "LOOKUPS",
    "Known",
    "Namespace",
    "Resolver",
    "Unknown",
    "header_statements",
    "parse_module",
]
