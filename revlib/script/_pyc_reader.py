"""Reading the header of a compiled-only (``sourceless``) version file without running it.

The code object is unmarshalled (which runs nothing) and its module-level instructions are
scanned for constant assignments: ``LOAD_CONST value; STORE_NAME name``, and lists built from
a constant tuple. Anything else bound to one of the four names is reported as not readable.
"""

from __future__ import annotations

import dis
import importlib.util
import marshal
from pathlib import Path
from types import CodeType
from typing import Any

_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
_UNKNOWN = object()


def read_compiled_header(path: Path) -> Any:
    """A reader ``Header`` for a ``.pyc`` / ``.pyo`` file."""
    from revlib.script.reader import MISSING, DynamicValueError, Header, ReadError

    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReadError(str(path), None, f"cannot read this file ({error.strerror})") from error
    if data[:4] != importlib.util.MAGIC_NUMBER:
        raise ReadError(
            str(path),
            None,
            "compiled by another Python version; revlib reads compiled files of its own",
            "keep the .py source beside it, or run revlib with the Python that compiled it",
        )
    try:
        code = marshal.loads(data[16:])
    except (ValueError, EOFError, TypeError) as error:
        raise ReadError(str(path), None, f"not a valid compiled Python file ({error})") from error
    values: dict[str, Any] = dict.fromkeys(_NAMES, MISSING)
    values["__doc__"] = None
    stack: list[Any] = []
    for instruction in dis.get_instructions(code):
        opname = instruction.opname
        if opname == "LOAD_CONST":
            stack.append(instruction.argval)
        elif opname == "BUILD_LIST" and instruction.arg == 0:
            stack.append([])
        elif opname == "LIST_EXTEND" and len(stack) >= 2 and isinstance(stack[-2], list):
            stack[-2].extend(stack.pop())
        elif opname == "STORE_NAME":
            value = stack.pop() if stack else _UNKNOWN
            target = instruction.argval
            if target in values:
                if value is _UNKNOWN or isinstance(value, CodeType):
                    raise DynamicValueError(
                        str(path), None, f"{target} is not a constant in this compiled file"
                    )
                values[target] = value
        elif opname not in ("RESUME", "NOP", "CACHE"):
            stack = [_UNKNOWN]  # anything else: what is stored next is not a plain constant
    return Header(
        path=str(path),
        revision=values["revision"],
        down_revision=values["down_revision"],
        branch_labels=values["branch_labels"],
        depends_on=values["depends_on"],
        docstring=values["__doc__"],
        lines={},
        warnings=(),
    )
