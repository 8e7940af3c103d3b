"""``Script``: a revision read from a version file, as ``alembic.script.Script``.

revlib builds a Script from the file's statically read header; the Python module behind it
is imported only if someone asks for :attr:`Script.module` (the one place user code may run).
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from revlib.script._rev_node import Revision, as_tuple, set_plain_fields


def format_as_comma(value: str | Iterable[str] | None) -> str:
    """Alembic's ``format_as_comma``: None -> "", a string as is, else comma-joined."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return ", ".join(value)


def import_module_file(path: str | os.PathLike[str]) -> ModuleType:
    """Import a version file the way Alembic does (this runs the file's code)."""
    path = Path(path)
    module_id = re.sub(r"\W", "_", path.name)
    spec = importlib.util.spec_from_file_location(module_id, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Script(Revision):
    """One migration script: a :class:`Revision` plus its path and docstring."""

    _db_current_indicator: bool | None = None

    def __init__(self, module: Any, rev_id: str, path: str | os.PathLike[str]) -> None:
        """Alembic's constructor: read the four names from an imported module."""
        self._module = module
        self._docstring: str | None = getattr(module, "__doc__", None)
        self.path = os.fspath(path)
        super().__init__(
            rev_id,
            module.down_revision,
            branch_labels=as_tuple(getattr(module, "branch_labels", None)),
            dependencies=as_tuple(getattr(module, "depends_on", None)),
        )

    @classmethod
    def from_values(
        cls,
        rev_id: str,
        path: str | os.PathLike[str],
        down_revision: Any,
        branch_labels: Any = None,
        depends_on: Any = None,
        docstring: str | None = None,
    ) -> Script:
        """A Script from statically read values; the module stays unimported."""
        script = cls.__new__(cls)
        script._module = None
        script._docstring = docstring
        script.path = path if type(path) is str else os.fspath(path)
        plain = branch_labels is None and depends_on is None
        if plain and set_plain_fields(script, rev_id, down_revision):
            return script
        Revision.__init__(
            script,
            rev_id,
            down_revision,
            branch_labels=as_tuple(branch_labels),
            dependencies=as_tuple(depends_on),
        )
        return script

    @property
    def module(self) -> ModuleType:
        """The imported module. Importing runs the file's code, so it happens only on request."""
        if self._module is None:
            self._module = import_module_file(self.path)
        module: ModuleType = self._module
        return module

    @property
    def _script_path(self) -> Path:
        return Path(self.path)

    def get_path(self) -> str:
        """The file's path (the reference page's method form of :attr:`path`)."""
        return self.path

    @property
    def longdoc(self) -> str:
        """The whole module docstring, stripped."""
        return self._docstring.strip() if self._docstring else ""

    @property
    def doc(self) -> str:
        """The first paragraph of the docstring (the revision message)."""
        return re.split("\n\n", self.longdoc)[0]

    @property
    def log_entry(self) -> str:
        """The multi-line entry ``alembic history --verbose`` prints."""
        markers = self._markers(head=bool(self.is_head), current=True)
        entry = f"Rev: {self.revision}{markers}\n"
        parent_word = "Merges" if self.is_merge_point else "Parent"
        entry += f"{parent_word}: {self._format_down_revision()}\n"
        if self.dependencies:
            entry += f"Also depends on: {format_as_comma(self.dependencies)}\n"
        if self.is_branch_point:
            entry += f"Branches into: {format_as_comma(self.nextrev)}\n"
        if self.branch_labels:
            entry += f"Branch names: {format_as_comma(self.branch_labels)}\n"
        entry += f"Path: {self.path}\n"
        body = "\n".join(f"    {para}" for para in self.longdoc.splitlines())
        return entry + f"\n{body}\n"

    def _markers(self, head: bool, current: bool) -> str:
        return "".join(
            (
                " (head)" if head else "",
                " (branchpoint)" if self.is_branch_point else "",
                " (mergepoint)" if self.is_merge_point else "",
                " (current)" if current and self._db_current_indicator else "",
            )
        )

    def __str__(self) -> str:
        markers = self._markers(head=bool(self.is_head), current=False)
        return f"{self._format_down_revision()} -> {self.revision}{markers}, {self.doc}"

    def _head_only(
        self,
        include_branches: bool = False,
        include_doc: bool = False,
        include_parents: bool = False,
        tree_indicators: bool = True,
        head_indicators: bool = True,
    ) -> str:
        text = self.revision
        if include_parents:
            if self.dependencies:
                deps = format_as_comma(self.dependencies)
                text = f"{self._format_down_revision()} ({deps}) -> {text}"
            else:
                text = f"{self._format_down_revision()} -> {text}"
        if include_branches and self.branch_labels:
            text += f" ({format_as_comma(self.branch_labels)})"
        if head_indicators or tree_indicators:
            text += " (head)" if self._is_real_head else ""
            text += " (effective head)" if self.is_head and not self._is_real_head else ""
            text += " (current)" if self._db_current_indicator else ""
        if tree_indicators:
            text += " (branchpoint)" if self.is_branch_point else ""
            text += " (mergepoint)" if self.is_merge_point else ""
        if include_doc:
            text += f", {self.doc}"
        return text

    def cmd_format(
        self,
        verbose: bool,
        include_branches: bool = False,
        include_doc: bool = False,
        include_parents: bool = False,
        tree_indicators: bool = True,
    ) -> str:
        """One revision as Alembic's ``heads`` / ``history`` commands print it."""
        if verbose:
            return self.log_entry
        return self._head_only(include_branches, include_doc, include_parents, tree_indicators)

    def _format_down_revision(self) -> str:
        if not self.down_revision:
            return "<base>"
        return format_as_comma(self._versioned_down_revisions)
