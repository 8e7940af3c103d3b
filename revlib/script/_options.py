"""What ``ScriptDirectory.from_config`` (Alembic 1.20) derives from a ``Config``.

Alembic imports the package named by a ``package:resource`` location and prepends
``prepend_sys_path`` to ``sys.path`` for good. Here the package is only *found* (its
``__init__`` never runs) and ``sys.path`` is left alone: the prepended entries are searched
first, which resolves the same directory without the side effects.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from importlib.machinery import ModuleSpec, PathFinder
from pathlib import Path
from typing import Any, cast

from revlib.config import Config
from revlib.util.exc import CommandError

__all__ = [
    "DEFAULT_FILE_TEMPLATE",
    "check_script_location",
    "coerce_resource_to_filename",
    "resolve_version_locations",
    "script_directory_kwargs",
]

DEFAULT_FILE_TEMPLATE = "%(rev)s_%(slug)s"


def script_directory_kwargs(config: Config) -> dict[str, object]:
    """The keyword arguments Alembic's ``from_config(config)`` passes to ``ScriptDirectory``.

    Options are read in Alembic's order, so the first failure and the warnings are the same.
    ``dir`` is a ``Path``; ``truncate_slug_length`` is an int or None (the constructor turns
    None into 40); ``version_locations`` is the configured list or None.
    """
    script_location: Any = config.get_alembic_option("script_location")
    if script_location is None:
        raise CommandError("No 'script_location' key found in configuration.")
    slug_length: Any = config.get_alembic_option("truncate_slug_length")
    truncate_slug_length = None if slug_length is None else int(slug_length)
    # Alembic puts these on sys.path before resolving ``package:resource`` locations.
    prepend_sys_path = _sys_path_entries(config.get_prepend_sys_paths_list())
    recursive = config.get_alembic_boolean_option("recursive_version_locations")
    return {
        "dir": coerce_resource_to_filename(script_location, prepend_sys_path),
        "file_template": config.get_alembic_option("file_template", DEFAULT_FILE_TEMPLATE),
        "truncate_slug_length": truncate_slug_length,
        "sourceless": config.get_alembic_boolean_option("sourceless"),
        "output_encoding": config.get_alembic_option("output_encoding", "utf-8"),
        "version_locations": config.get_version_locations_list(),
        "timezone": config.get_alembic_option("timezone"),
        "hooks": config.get_hooks_list(),
        "recursive_version_locations": recursive,
        "messaging_opts": config.messaging_opts,
    }


def _sys_path_entries(value: object) -> list[str]:
    """``value`` as Alembic's ``sys.path[:0] = value`` would insert it (a string is iterated)."""
    if not value:
        return []
    try:
        return list(cast("Iterable[str]", value))
    except TypeError:
        raise TypeError("can only assign an iterable") from None


def check_script_location(dir: str | os.PathLike[str]) -> None:
    """Raise Alembic's CommandError when the script directory does not exist."""
    if not os.access(dir, os.F_OK):
        raise CommandError(
            f"Path doesn't exist: {dir}.  Please use "
            "the 'init' command to create a new scripts folder."
        )


def resolve_version_locations(
    dir: str | os.PathLike[str],
    version_locations: Sequence[str] | None,
    *,
    sys_path_prepend: Sequence[str] = (),
) -> list[str]:
    """The directories ScriptDirectory reads revisions from, as absolute paths.

    Configured locations are used exactly (``<dir>/versions`` is not added); without any,
    ``<dir>/versions``. Relative paths are made absolute against the *current directory*,
    not the config file's, and are not normalised (``..`` and symlinks stay). A location
    with a colon is a ``package:resource`` spec; pass the config's ``prepend_sys_path`` as
    ``sys_path_prepend`` so it resolves where Alembic (which has put them on sys.path) would.
    """
    if version_locations:
        return [
            str(coerce_resource_to_filename(location, sys_path_prepend).absolute())
            for location in version_locations
        ]
    return [str(Path(dir, "versions").absolute())]


def coerce_resource_to_filename(location: str, sys_path_prepend: Sequence[str] = ()) -> Path:
    """A filesystem path, or a ``package:sub:dir`` resource spec resolved to its directory.

    A relative path containing a colon is a resource spec: the package's directory joined
    with the remaining colon-separated parts. The package is located without importing it;
    errors for a missing package or a plain module match what the import machinery raises.
    """
    if os.path.isabs(location) or ":" not in location:
        return Path(location)
    package, *parts = location.split(":")
    root = _package_root(package, sys_path_prepend)
    if isinstance(root, list):
        path = _namespace_child(root, parts[0])
        parts = parts[1:]
    else:
        path = root
    for part in parts:
        path = path / part
    return path


def _package_root(name: str, sys_path_prepend: Sequence[str]) -> Path | list[Path]:
    """The directory ``importlib.resources.files(name)`` stands for; a list for namespaces."""
    spec = _find_module_spec(name, [os.path.abspath(entry) for entry in sys_path_prepend])
    if spec.submodule_search_locations is None and sys.version_info < (3, 12):
        raise TypeError(f"{name!r} is not a package")
    if spec.origin is not None and spec.has_location:
        root = Path(spec.origin).parent
        if root.is_dir():
            return root
    elif spec.submodule_search_locations is not None:
        return [Path(entry) for entry in dict.fromkeys(spec.submodule_search_locations)]
    raise CommandError(f"Package {name!r} is not a directory on disk; cannot resolve resources")


def _namespace_child(roots: list[Path], child: str) -> Path:
    # A namespace package spans several directories: the first one holding ``child`` wins.
    for root in roots:
        if child in os.listdir(root):
            return root / child
    return roots[0] / child


def _find_module_spec(name: str, sys_path_prepend: Sequence[str]) -> ModuleSpec:
    """Locate module ``name`` (parents included) without executing any module."""
    if not name:
        raise ValueError("Empty module name")
    if name.startswith("."):
        raise TypeError(
            f"the 'package' argument is required to perform a relative import for {name!r}"
        )
    search_path: list[str] | None = None
    spec: ModuleSpec | None = None
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        fullname = ".".join(parts[:depth])
        if spec is not None:
            if spec.submodule_search_locations is None:
                parent = ".".join(parts[: depth - 1])
                message = f"No module named {fullname!r}; {parent!r} is not a package"
                raise ModuleNotFoundError(message, name=fullname)
            search_path = list(spec.submodule_search_locations)
        spec = _find_spec(fullname, search_path, sys_path_prepend)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
    assert spec is not None
    return spec


def _find_spec(
    fullname: str, search_path: list[str] | None, sys_path_prepend: Sequence[str]
) -> ModuleSpec | None:
    """``importlib.util.find_spec`` without importing parents, with extra top-level paths."""
    module = sys.modules.get(fullname)
    if module is not None and module.__spec__ is not None:
        return module.__spec__
    for finder in sys.meta_path:
        if finder is PathFinder and search_path is None:
            spec = PathFinder.find_spec(fullname, [*sys_path_prepend, *sys.path])
        else:
            find_spec = getattr(finder, "find_spec", None)
            spec = None if find_spec is None else find_spec(fullname, search_path)
        if spec is not None:
            return spec
    return None
