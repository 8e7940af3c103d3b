"""``ScriptDirectory``: a drop-in for ``alembic.script.ScriptDirectory`` that reads statically.

Version files are found exactly as Alembic finds them and read with
:mod:`revlib.script.reader`, never imported (unless ``import_fallback`` is asked for).
Revision errors become ``CommandError`` with Alembic's messages in
:meth:`ScriptDirectory._catch_revision_errors`, the one place that translation happens.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from revlib.script import revision
from revlib.script._options import (
    DEFAULT_FILE_TEMPLATE,
    check_script_location,
    resolve_version_locations,
    script_directory_kwargs,
)
from revlib.script._script import Script, format_as_comma
from revlib.util.exc import CommandError, LocatedError

if TYPE_CHECKING:
    from revlib.config import Config
    from revlib.script._rev_build import MapState
    from revlib.script.reader import Header


class ScriptDirectory:
    """The migration scripts of one Alembic environment, and their revision graph.

    Accepts Alembic 1.20's constructor arguments, plus the reference page's ``hook`` and
    ``env_py_location``, plus revlib's own: ``source_paths`` (where names imported by version
    files are looked up statically) and ``import_fallback`` (import a file the way Alembic
    does when its header cannot be read statically; off by default because it runs the file).
    """

    def __init__(
        self,
        dir: str | os.PathLike[str],
        file_template: str = DEFAULT_FILE_TEMPLATE,
        truncate_slug_length: int | None = 40,
        version_locations: Sequence[str | os.PathLike[str]] | None = None,
        sourceless: bool = False,
        output_encoding: str = "utf-8",
        timezone: str | None = None,
        hooks: Sequence[Mapping[str, str]] = (),
        recursive_version_locations: bool = False,
        messaging_opts: Mapping[str, Any] | None = None,
        *,
        hook: Any = None,
        env_py_location: str | os.PathLike[str] | None = None,
        source_paths: Sequence[str] = (),
        import_fallback: bool = False,
        use_cache: bool = True,
    ) -> None:
        self.dir = os.fspath(dir)
        self.version_locations = [os.fspath(p) for p in version_locations or ()]
        self.file_template = file_template
        self.truncate_slug_length = truncate_slug_length or 40
        self.sourceless = sourceless
        self.output_encoding = output_encoding
        self.timezone = timezone
        self.hooks = list(hooks)
        self.hook = hook
        self.recursive_version_locations = recursive_version_locations
        self.messaging_opts = dict(messaging_opts or {})
        self.source_paths = list(source_paths)
        self.import_fallback = import_fallback
        self.use_cache = use_cache
        self._env_py_location = None if env_py_location is None else os.fspath(env_py_location)
        self.read_warnings: list[str] = []
        self.headers_kept = False
        """True once the scripts are loaded when every header came from, or went into, the
        header cache: then they depend on their files' bytes alone."""
        self.revision_map: revision.RevisionMap = _ScriptRevisionMap(self._load_revisions)
        check_script_location(dir)

    @classmethod
    def from_config(cls, config: Config, **revlib_options: Any) -> ScriptDirectory:
        """A ScriptDirectory for ``config``'s ``script_location``, as Alembic builds it.

        Names that version files import are looked up under ``prepend_sys_path`` (relative to
        the config file), the config file's directory, and the repository root.
        """
        kwargs: dict[str, Any] = script_directory_kwargs(config)
        revlib_options.setdefault("source_paths", default_source_paths(config))
        return cls(**kwargs, **revlib_options)

    # -- locations -----------------------------------------------------------------------

    @property
    def _version_locations(self) -> list[Path]:
        located = resolve_version_locations(
            self.dir, self.version_locations or None, sys_path_prepend=self.source_paths
        )
        return [Path(p) for p in located]

    @property
    def _singular_version_location(self) -> Path:
        locations = self._version_locations
        if len(locations) > 1:
            raise CommandError("Multiple version_locations present")
        return locations[0]

    @property
    def versions(self) -> str:
        """The one version location; an error when several are configured."""
        return str(self._singular_version_location)

    @property
    def env_py_location(self) -> str:
        """Where ``env.py`` is (``<dir>/env.py`` unless given)."""
        return self._env_py_location or str(Path(self.dir, "env.py"))

    def run_env(self) -> None:
        """Run ``env.py`` through Alembic, which must be installed (this runs user code)."""
        try:
            from alembic.util import load_python_file
        except ImportError:
            raise CommandError(
                "run_env() runs env.py through Alembic, which is not installed here; "
                "install it with `pip install alembic`"
            ) from None
        env_py = Path(self.env_py_location)
        load_python_file(str(env_py.parent), env_py.name)

    # -- loading -------------------------------------------------------------------------

    def _load_revisions(self) -> Iterator[Script]:
        from revlib.script._loader import load_scripts

        return load_scripts(self)

    # -- queries -------------------------------------------------------------------------

    @contextmanager
    def _catch_revision_errors(
        self,
        ancestor: str | None = None,
        multiple_heads: str | None = None,
        start: str | None = None,
        end: str | None = None,
        resolution: str | None = None,
    ) -> Iterator[None]:
        """Turn revision errors into CommandError with Alembic's wording."""
        try:
            yield
        except revision.RangeNotAncestorError as error:
            template = ancestor or (
                "Requested range %(start)s:%(end)s does not refer to "
                "ancestor/descendant revisions along the same branch"
            )
            values = {
                "start": error.lower if start is None else start,
                "end": error.upper if end is None else end,
            }
            raise CommandError(template % values) from error
        except revision.MultipleHeads as error:
            template = multiple_heads or (
                "Multiple head revisions are present for given argument '%(head_arg)s'; "
                "please specify a specific target revision, '<branchname>@%(head_arg)s' to "
                "narrow to a specific head, or 'heads' for all heads"
            )
            values = {"head_arg": end or error.argument, "heads": format_as_comma(error.heads)}
            raise CommandError(template % values) from error
        except revision.ResolutionError as error:
            message = resolution or f"Can't locate revision identified by '{error.argument}'"
            raise CommandError(message) from error
        except revision.RevisionError as error:
            raise CommandError(error.args[0]) from error

    def walk_revisions(self, base: str = "base", head: str = "heads") -> Iterator[Script]:
        """Every revision from ``head`` down to ``base``, newest first."""
        with self._catch_revision_errors(start=base, end=head):
            for rev in self.revision_map.iterate_revisions(
                head, base, inclusive=True, assert_relative_length=False
            ):
                yield cast(Script, rev)

    def get_revisions(self, id_: Any) -> tuple[Script, ...]:
        """The scripts an identifier, symbol or sequence of identifiers names."""
        with self._catch_revision_errors():
            return cast("tuple[Script, ...]", self.revision_map.get_revisions(id_))

    def get_all_current(self, id_: tuple[str, ...]) -> set[Script]:
        """The branch heads among ``id_`` and their ancestors (what a database is "at")."""
        with self._catch_revision_errors():
            return cast("set[Script]", self.revision_map._get_all_current(id_))

    def get_revision(self, id_: str) -> Script:
        """The script an identifier names."""
        with self._catch_revision_errors():
            return cast(Script, self.revision_map.get_revision(id_))

    def as_revision_number(self, id_: str | None) -> str | tuple[str, ...] | None:
        """A symbol such as ``head`` or ``base`` as a revision id (None for base)."""
        with self._catch_revision_errors():
            rev, _ = self.revision_map._resolve_revision_number(id_)
        if not rev:
            return None
        if id_ == "heads":
            return rev
        return rev[0]

    def iterate_revisions(self, upper: Any, lower: Any, **kw: Any) -> Iterator[Script]:
        """See :meth:`RevisionMap.iterate_revisions`."""
        return cast("Iterator[Script]", self.revision_map.iterate_revisions(upper, lower, **kw))

    def get_current_head(self) -> str | None:
        """The single head; an error telling how to proceed when there are several."""
        with self._catch_revision_errors(
            multiple_heads=(
                "The script directory has multiple heads (due to branching)."
                "Please use get_heads(), or merge the branches using "
                "alembic merge."
            )
        ):
            return self.revision_map.get_current_head()

    def get_heads(self, consider_depends_on: bool = False) -> list[str]:
        """Head revision ids (without those consumed by ``depends_on`` when asked)."""
        if consider_depends_on:
            return list(self.revision_map._real_heads)
        return list(self.revision_map.heads)

    def get_base(self) -> str | None:
        """The single base revision id; an error when there are several."""
        bases = self.get_bases()
        if len(bases) > 1:
            raise CommandError("The script directory has multiple bases. Please use get_bases().")
        return bases[0] if bases else None

    def get_bases(self) -> list[str]:
        """Ids of every revision whose ``down_revision`` is None."""
        return list(self.revision_map.bases)

    def generate_revision(
        self, revid: str | None, message: str | None, refresh: bool = False, **kw: Any
    ) -> Script | None:
        """Write a new revision file from ``script.py.mako`` (see :mod:`revlib.script.write`)."""
        from revlib.script.write import generate_revision

        script: Script | None = generate_revision(self, revid, message, refresh=refresh, **kw)
        return script


def default_source_paths(config: Config) -> list[str]:
    """Where names imported by version files are looked up: ``prepend_sys_path`` entries
    (relative to the config file), the config file's directory, and the repository root."""
    config_file = config.config_file_name or config.toml_file_name
    anchor = Path(config_file).resolve().parent if config_file else Path.cwd()
    found: list[str] = []
    for entry in config.get_prepend_sys_paths_list() or ():
        found.append(str((anchor / entry).resolve()))
    found.append(str(anchor))
    root = repository_root(anchor)
    if root is not None:
        found.append(str(root))
    return list(dict.fromkeys(found))


def repository_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` holding ``.git`` (None outside a repo)."""
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


class MissingRevisionError(LocatedError, KeyError):
    """A ``down_revision`` or ``depends_on`` naming a revision that no file declares.

    Alembic lets a bare ``KeyError`` escape while it builds the graph; this is still a
    ``KeyError`` (so callers that catch one keep working), and it names the file and line.
    """

    def __init__(self, missing: str, path: str, name: str, line: int | None) -> None:
        what = "revision" if name == "down_revision" else "revision or branch label"
        super().__init__(
            path,
            line,
            f"{name} names {missing}, but no version file declares that {what}",
            "restore the file that declares it (deleted, or moved out of the version "
            f"locations?), or point {name} at one that exists",
        )
        self.missing = missing
        self.name = name


class _ScriptRevisionMap(revision.RevisionMap):
    """The graph of a ScriptDirectory: a missing parent is a :class:`MissingRevisionError`."""

    def __init__(self, load: Callable[[], Iterator[Script]]) -> None:
        self._load = load
        self._loaded: list[Script] = []
        super().__init__(self._remember)

    def _remember(self) -> Iterator[Script]:
        self._loaded = []
        for script in self._load():
            self._loaded.append(script)
            yield script

    @property
    def _built(self) -> MapState:
        try:
            return super()._built
        except KeyError as error:
            found = _missing_reference(self._loaded, error.args[0] if error.args else None)
            if found is None:
                raise
            raise found from None


def _missing_reference(scripts: Sequence[Script], missing: object) -> MissingRevisionError | None:
    """The error naming the first script (in load order) that refers to ``missing``."""
    from revlib.script._rev_node import to_tuple

    declared = {script.revision for script in scripts}
    if not isinstance(missing, str) or missing in declared:
        return None
    for name, attribute in (("down_revision", "down_revision"), ("depends_on", "dependencies")):
        for script in scripts:
            if missing in (to_tuple(getattr(script, attribute), default=()) or ()):
                return MissingRevisionError(missing, script.path, name, _line_of(script, name))
    return None


def _line_of(script: Script, name: str) -> int | None:
    """The line of the last top-level ``name = ...`` in the file: found by a plain scan, as
    reading the header again would count as a parse (and the error is about the graph)."""
    import re

    from revlib.util.files import read_regular

    try:
        lines = read_regular(script.path).splitlines()
    except OSError:
        return None
    assignment = re.compile(rb"%s[ \t]*(?::[^=]*)?=(?!=)" % re.escape(name.encode()))
    found = [number for number, line in enumerate(lines, 1) if assignment.match(line)]
    return found[-1] if found else None


def warn_read(script_dir: ScriptDirectory, message: str) -> None:
    """Record a reader warning on the directory and emit it as a UserWarning."""
    script_dir.read_warnings.append(message)
    warnings.warn(message, UserWarning, stacklevel=4)


__all__ = ["Header", "MissingRevisionError", "Script", "ScriptDirectory"]
