"""revlib.config and revlib.script._options against Alembic 1.20 as the oracle.

Each case writes real files, loads them with ``alembic.config.Config`` and
``revlib.config.Config``, and compares every getter and what ``ScriptDirectory.from_config``
derives: results, exception class and message, and warnings (category and text).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import alembic.config
import alembic.util
import pytest
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import revlib.config
from revlib.config import find_default_config
from revlib.script._options import (
    check_script_location,
    resolve_version_locations,
    script_directory_kwargs,
)
from revlib.util.exc import CommandError

OPTION_KEYS = (
    "script_location",
    "version_locations",
    "prepend_sys_path",
    "path_separator",
    "version_path_separator",
    "file_template",
    "truncate_slug_length",
    "timezone",
    "output_encoding",
    "post_write_hooks",
    "here",
    "sqlalchemy.url",
)
BOOLEAN_KEYS = ("sourceless", "recursive_version_locations", "revision_environment")

HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# --- running both implementations ------------------------------------------------------------


def outcome(fn: Callable[[], Any]) -> tuple[Any, ...]:
    """What calling ``fn`` looks like from outside: its result or exception, and warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: tuple[Any, ...] = ("returned", fn())
        except Exception as exc:
            # Alembic's CommandError and ours are the same observable error.
            kind = CommandError if isinstance(exc, alembic.util.CommandError) else type(exc)
            result = ("raised", kind, str(exc))
    return (*result, [(w.category, str(w.message)) for w in caught])


def observe_config(cfg: Any) -> dict[str, Any]:
    """Every read-side getter, called in a fixed order (memoised state included)."""
    seen: dict[str, Any] = {}
    for key in OPTION_KEYS:
        seen[f"get_alembic_option({key})"] = outcome(partial(cfg.get_alembic_option, key))
        seen[f"get_main_option({key})"] = outcome(partial(cfg.get_main_option, key, "dflt"))
    for key in BOOLEAN_KEYS:
        seen[f"boolean({key})"] = outcome(partial(cfg.get_alembic_boolean_option, key))
    seen["version_locations"] = outcome(cfg.get_version_locations_list)
    seen["prepend_sys_path"] = outcome(cfg.get_prepend_sys_paths_list)
    seen["hooks"] = outcome(cfg.get_hooks_list)
    seen["sections"] = outcome(lambda: cfg.file_config.sections())
    seen["get_section(main)"] = outcome(lambda: cfg.get_section(cfg.config_ini_section))
    seen["get_section(hooks)"] = outcome(lambda: cfg.get_section("post_write_hooks", {}))
    seen["toml"] = outcome(lambda: dict(cfg.toml_alembic_config))
    seen["get_section_option"] = outcome(lambda: cfg.get_section_option("other", "x"))
    seen["names"] = (cfg.config_file_name, cfg.toml_file_name, cfg.config_ini_section)
    seen["args"] = (dict(cfg.config_args), dict(cfg.toml_args))
    return seen


@contextlib.contextmanager
def captured_script_directory_kwargs() -> Iterator[list[dict[str, Any]]]:
    """Record the arguments Alembic's ``from_config`` passes to ``ScriptDirectory``."""
    calls: list[dict[str, Any]] = []
    original = ScriptDirectory.__init__

    def spy(self: ScriptDirectory, dir: Any, **kwargs: Any) -> None:
        calls.append({"dir": dir, **kwargs})
        original(self, dir, **kwargs)

    ScriptDirectory.__init__ = spy  # type: ignore[method-assign, assignment]
    try:
        yield calls
    finally:
        ScriptDirectory.__init__ = original  # type: ignore[method-assign]


def alembic_script_options(cfg: alembic.config.Config) -> dict[str, Any]:
    with captured_script_directory_kwargs() as calls:
        script = ScriptDirectory.from_config(cfg)
    (kwargs,) = calls
    return {
        "kwargs": kwargs,
        "version_locations": [str(p) for p in script._version_locations],
        "attributes": {
            "dir": script.dir,
            "version_locations": script.version_locations,
            "truncate_slug_length": script.truncate_slug_length,
        },
    }


def revlib_script_options(cfg: revlib.config.Config) -> dict[str, Any]:
    kwargs: Mapping[str, Any] = script_directory_kwargs(cfg)
    check_script_location(kwargs["dir"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # already recorded once, by script_directory_kwargs
        prepend = cfg.get_prepend_sys_paths_list() or ()
    locations = kwargs["version_locations"]
    return {
        "kwargs": kwargs,
        "version_locations": resolve_version_locations(
            kwargs["dir"], locations, sys_path_prepend=prepend
        ),
        "attributes": {
            "dir": str(kwargs["dir"]),
            "version_locations": list(locations or ()),
            "truncate_slug_length": kwargs["truncate_slug_length"] or 40,
        },
    }


def assert_same_behaviour(**config_kwargs: Any) -> None:
    """Both Configs built from the same arguments agree on every getter and on from_config."""
    ours = revlib.config.Config(**config_kwargs)
    theirs = alembic.config.Config(**config_kwargs)
    # revlib first, so Alembic's import of a package cannot help our static lookup.
    our_script = outcome(lambda: revlib_script_options(ours))
    their_script = outcome(lambda: alembic_script_options(theirs))
    assert our_script == their_script
    fresh_ours = revlib.config.Config(**config_kwargs)
    fresh_theirs = alembic.config.Config(**config_kwargs)
    assert observe_config(fresh_ours) == observe_config(fresh_theirs)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated_process_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Alembic's from_config prepends to sys.path and imports packages: undo both."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir(tmp_path)
    yield
    for name, module in list(sys.modules.items()):
        locations = [getattr(module, "__file__", None), *getattr(module, "__path__", ())]
        if any(loc and str(loc).startswith(str(tmp_path)) for loc in locations):
            del sys.modules[name]


def write_files(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def make_layout(root: Path) -> None:
    """Script directories and importable packages the cases point at."""
    for directory in (
        "migrations/versions",
        "other",
        "conf/mig",
        "rlpkg/migrations",
        "rlpkg/sub/mig",
        "rlns/migrations",
        "second/rlns/extra",
    ):
        (root / directory).mkdir(parents=True, exist_ok=True)
    write_files(
        root,
        {
            "rlpkg/__init__.py": "",
            "rlpkg/sub/__init__.py": "",
            "rlmod.py": "",
        },
    )
    importlib.invalidate_caches()


# --- table-driven differential cases --------------------------------------------------------

INI_BASIC = "[alembic]\nscript_location = migrations\npath_separator = os\n"
TOML_BASIC = '[tool.alembic]\nscript_location = "migrations"\n'


def case(case_id: str, files: Mapping[str, str], **config: Any) -> Any:
    config.setdefault("file_", "alembic.ini")
    config.setdefault("toml_file", "pyproject.toml")
    return pytest.param(files, config, id=case_id)


INI_CASES = [
    case("ini_minimal_relative_script_location", {"alembic.ini": INI_BASIC}),
    case("ini_missing_file_reports_no_script_location", {}),
    case("ini_without_config_file_name_uses_empty_section", {}, file_=None),
    case("ini_missing_script_location", {"alembic.ini": "[alembic]\nsourceless = true\n"}),
    case(
        "ini_script_location_does_not_exist",
        {"alembic.ini": "[alembic]\nscript_location = nope\n"},
    ),
    case(
        "ini_here_is_the_ini_directory",
        {
            "conf/alembic.ini": "[alembic]\nscript_location = %(here)s/mig\n"
            "version_locations = %(here)s/a %(here)s/b\n",
        },
        file_="conf/alembic.ini",
    ),
    case(
        "ini_here_with_absolute_file_name",
        {"conf/alembic.ini": "[alembic]\nscript_location = %(here)s/mig\n"},
        file_="ABS:conf/alembic.ini",
    ),
    case(
        "ini_percent_escape_in_file_template",
        {"alembic.ini": INI_BASIC + "file_template = %%(year)d_%%(rev)s_%%(slug)s\n"},
    ),
    case(
        "ini_bare_percent_is_interpolation_syntax_error",
        {"alembic.ini": INI_BASIC + "file_template = 100%\n"},
    ),
    case(
        "ini_unknown_interpolation_key",
        {"alembic.ini": INI_BASIC + "timezone = %(nope)s\n"},
    ),
    case(
        "ini_config_args_are_interpolated",
        {"alembic.ini": INI_BASIC + "timezone = %(tz)s\n"},
        config_args={"tz": "UTC", "n": 5},
    ),
    case(
        "ini_default_section_values_reach_main_section",
        {"alembic.ini": "[DEFAULT]\nbase = migrations\n[alembic]\nscript_location = %(base)s\n"},
    ),
    case(
        "ini_named_section",
        {"alembic.ini": "[alembic]\nscript_location = nope\n[other]\nscript_location = other\n"},
        ini_section="other",
    ),
    case("ini_named_section_missing", {"alembic.ini": INI_BASIC}, ini_section="missing"),
    case("ini_empty_section_name_means_defaults", {"alembic.ini": INI_BASIC}, ini_section=""),
    case("ini_default_section_name", {"alembic.ini": INI_BASIC}, ini_section="DEFAULT"),
    case(
        "ini_default_section_name_reads_defaults",
        {"alembic.ini": "[DEFAULT]\nscript_location = migrations\n"},
        ini_section="DEFAULT",
    ),
    case(
        "ini_empty_section_name_finds_defaults_but_cannot_get_them",
        {"alembic.ini": "[DEFAULT]\nscript_location = migrations\n"},
        ini_section="",
    ),
    case(
        "ini_booleans_only_exact_true",
        {
            "alembic.ini": INI_BASIC + "sourceless = True\nrecursive_version_locations = true\n"
            "revision_environment = yes\n"
        },
    ),
    case(
        "ini_truncate_slug_length_int", {"alembic.ini": INI_BASIC + "truncate_slug_length = 12\n"}
    ),
    case(
        "ini_truncate_slug_length_not_a_number",
        {"alembic.ini": INI_BASIC + "truncate_slug_length = twelve\n"},
    ),
    case(
        "ini_truncate_slug_length_zero_becomes_40",
        {"alembic.ini": INI_BASIC + "truncate_slug_length = 0\n"},
    ),
    case(
        "ini_version_locations_os_separator",
        {
            "alembic.ini": INI_BASIC
            + f"version_locations = a{os.pathsep} b {os.pathsep}{os.pathsep}c\n"
        },
    ),
    case(
        "ini_version_locations_newline_separator",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\npath_separator = newline\n"
            "version_locations =\n    %(here)s/a\n    b c\n"
        },
    ),
    case(
        "ini_version_locations_space_separator",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\npath_separator = space\n"
            "version_locations = a  b,c\n"
        },
    ),
    case(
        "ini_invalid_path_separator",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\npath_separator = comma\n"
            "version_locations = a,b\n"
        },
    ),
    case(
        "ini_deprecated_version_path_separator_warns",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\nversion_path_separator = ;\n"
            "version_locations = a;b\n"
        },
    ),
    case(
        "ini_invalid_version_path_separator_names_that_key",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\nversion_path_separator = |\n"
            "version_locations = a|b\n"
        },
    ),
    case(
        "ini_path_separator_wins_over_version_path_separator",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\npath_separator = :\n"
            "version_path_separator = ;\nversion_locations = a:b;c\n"
        },
    ),
    case(
        "ini_legacy_split_warns_and_keeps_empty_parts",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\n"
            "version_locations = a , b,c  d\nprepend_sys_path = .:x y\n"
        },
    ),
    case(
        "ini_empty_version_locations_falls_back_to_toml",
        {
            "alembic.ini": INI_BASIC + "version_locations =\n",
            "pyproject.toml": '[tool.alembic]\nversion_locations = ["%(here)s/t"]\n',
        },
    ),
    case(
        "ini_post_write_hooks_section",
        {
            "alembic.ini": INI_BASIC + "[post_write_hooks]\nhooks = black,  ruff x\n"
            "black.type = console_scripts\nblack.entrypoint = black\n"
            "black.options = -l 79 REVISION_SCRIPT_FILENAME\nruff.type = exec\n"
            "ruff.executable = %(here)s/.venv/bin/ruff\n",
        },
    ),
    case(
        "ini_malformed_file",
        {"alembic.ini": "script_location = migrations\n"},
    ),
]

TOML_CASES = [
    case("toml_only_script_location", {"pyproject.toml": TOML_BASIC}),
    case(
        "toml_lists_and_here",
        {
            "conf/pyproject.toml": '[tool.alembic]\nscript_location = "%(here)s/mig"\n'
            'version_locations = ["%(here)s/v1", "rel/v2"]\n'
            'prepend_sys_path = [".", "%(here)s"]\n'
            'file_template = "%%(rev)s_%%(slug)s"\n'
        },
        file_=None,
        toml_file="conf/pyproject.toml",
    ),
    case(
        "toml_typed_values",
        {
            "pyproject.toml": TOML_BASIC + "truncate_slug_length = 8\nsourceless = true\n"
            'recursive_version_locations = false\ntimezone = "UTC"\noutput_encoding = "latin-1"\n'
        },
    ),
    case(
        "toml_truncate_slug_length_as_string",
        {"pyproject.toml": TOML_BASIC + 'truncate_slug_length = "30"\n'},
    ),
    case(
        "toml_boolean_as_string_is_an_error",
        {"pyproject.toml": TOML_BASIC + 'recursive_version_locations = "true"\n'},
    ),
    case(
        "toml_boolean_as_int_is_an_error",
        {"pyproject.toml": TOML_BASIC + "sourceless = 1\n"},
    ),
    case(
        "toml_float_is_unsupported",
        {"pyproject.toml": TOML_BASIC + "truncate_slug_length = 8.5\n"},
    ),
    case(
        "toml_bare_percent_is_a_format_error",
        {"pyproject.toml": TOML_BASIC + 'file_template = "100%"\n'},
    ),
    case(
        "toml_unknown_interpolation_key",
        {"pyproject.toml": TOML_BASIC + 'timezone = "%(nope)s"\n'},
    ),
    case(
        "toml_config_args_are_interpolated",
        {"pyproject.toml": TOML_BASIC + 'timezone = "%(tz)s"\n'},
        config_args={"tz": "UTC"},
    ),
    case(
        "toml_post_write_hooks_array_of_tables",
        {
            "pyproject.toml": TOML_BASIC + "[[tool.alembic.post_write_hooks]]\n"
            'name = "black"\ntype = "console_scripts"\nentrypoint = "black"\n'
            'options = "-l 79 REVISION_SCRIPT_FILENAME"\n'
            "[[tool.alembic.post_write_hooks]]\n"
            'name = "ruff"\ntype = "exec"\nexecutable = "%(here)s/.venv/bin/ruff"\n'
        },
    ),
    case(
        "toml_post_write_hook_without_name",
        {"pyproject.toml": TOML_BASIC + '[[tool.alembic.post_write_hooks]]\ntype = "exec"\n'},
    ),
    case(
        "toml_table_value_is_interpolated",
        {"pyproject.toml": TOML_BASIC + '[tool.alembic.extra]\nkey = "%(here)s/x"\n'},
    ),
    case("toml_alembic_not_a_table", {"pyproject.toml": "[tool]\nalembic = 5\n"}),
    case("toml_without_alembic_table", {"pyproject.toml": "[tool.black]\nline-length = 99\n"}),
    case("toml_malformed", {"pyproject.toml": "[tool.alembic\nscript_location = 1\n"}),
    case(
        "toml_version_location_with_colon_is_a_package_resource",
        {"pyproject.toml": TOML_BASIC + 'path_separator = "bogus"\nversion_locations = ["a:b"]\n'},
    ),
    case(
        "toml_path_separator_is_ignored_for_toml_lists",
        {"pyproject.toml": TOML_BASIC + 'path_separator = "bogus"\nversion_locations = ["a;b"]\n'},
    ),
    case(
        "toml_empty_version_locations_list",
        {"pyproject.toml": TOML_BASIC + "version_locations = []\n"},
    ),
]

BOTH_CASES = [
    case(
        "both_ini_wins_toml_fills_gaps",
        {
            "alembic.ini": INI_BASIC + "timezone = Europe/Paris\n",
            "pyproject.toml": '[tool.alembic]\nscript_location = "other"\ntimezone = "UTC"\n'
            "truncate_slug_length = 20\nsourceless = true\n",
        },
    ),
    case(
        "both_toml_here_differs_from_ini_here",
        {
            "conf/alembic.ini": "[alembic]\nscript_location = %(here)s/mig\n",
            "pyproject.toml": '[tool.alembic]\nversion_locations = ["%(here)s/v"]\n',
        },
        file_="conf/alembic.ini",
    ),
    case(
        "both_ini_separator_does_not_apply_to_toml",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\npath_separator = bogus\n",
            "pyproject.toml": '[tool.alembic]\nversion_locations = ["a", "b"]\n',
        },
    ),
    case(
        "both_toml_separator_does_not_apply_to_ini",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\nversion_locations = a;b\n",
            "pyproject.toml": '[tool.alembic]\npath_separator = ";"\n',
        },
    ),
    case(
        "both_ini_hooks_section_hides_toml_hooks",
        {
            "alembic.ini": INI_BASIC + "[post_write_hooks]\n",
            "pyproject.toml": '[[tool.alembic.post_write_hooks]]\nname = "b"\ntype = "exec"\n',
        },
    ),
    case(
        "both_named_section_still_uses_tool_alembic",
        {
            "alembic.ini": "[other]\nsqlalchemy.url = sqlite://\n",
            "pyproject.toml": TOML_BASIC,
        },
        ini_section="other",
    ),
    case(
        "both_ini_boolean_text_shadows_toml_boolean",
        {
            "alembic.ini": INI_BASIC + "sourceless = yes\n",
            "pyproject.toml": "[tool.alembic]\nsourceless = true\n",
        },
    ),
    case(
        "both_toml_missing_file_is_empty",
        {"alembic.ini": INI_BASIC},
        toml_file="missing/pyproject.toml",
    ),
]

RESOURCE_CASES = [
    case(
        "resource_package_on_prepended_path",
        {
            "alembic.ini": "[alembic]\nscript_location = rlpkg:migrations\nprepend_sys_path = .\n"
            "path_separator = os\n"
        },
    ),
    case(
        "resource_subpackage_and_version_location_resource",
        {
            "alembic.ini": "[alembic]\nscript_location = rlpkg.sub:mig\n"
            "prepend_sys_path = %(here)s\npath_separator = space\n"
            "version_locations = rlpkg:migrations %(here)s/other\n"
        },
    ),
    case(
        "resource_namespace_package_first_match_wins",
        {
            "pyproject.toml": '[tool.alembic]\nscript_location = "rlns:extra"\n'
            'prepend_sys_path = ["%(here)s", "%(here)s/second"]\n'
        },
    ),
    case(
        "resource_namespace_package_missing_child_uses_first_path",
        {
            "pyproject.toml": '[tool.alembic]\nscript_location = "rlns:missing"\n'
            'prepend_sys_path = ["%(here)s", "%(here)s/second"]\n'
        },
    ),
    case(
        "resource_several_colons_join_parts",
        {
            "pyproject.toml": '[tool.alembic]\nscript_location = "rlpkg:sub:mig"\n'
            'prepend_sys_path = ["."]\n'
        },
    ),
    case(
        "resource_unknown_package",
        {"pyproject.toml": '[tool.alembic]\nscript_location = "rl_no_such_pkg:mig"\n'},
    ),
    case(
        "resource_unknown_subpackage",
        {
            "pyproject.toml": '[tool.alembic]\nscript_location = "rlpkg.nope:mig"\n'
            'prepend_sys_path = ["."]\n'
        },
    ),
    case(
        "resource_plain_module",
        {
            "pyproject.toml": '[tool.alembic]\nscript_location = "rlmod:mig"\n'
            'prepend_sys_path = ["."]\n'
        },
    ),
    case(
        "resource_empty_package_name",
        {"pyproject.toml": '[tool.alembic]\nscript_location = ":mig"\n'},
    ),
    case(
        "resource_installed_package",
        {"pyproject.toml": '[tool.alembic]\nscript_location = "alembic:templates:generic"\n'},
    ),
]


@pytest.mark.parametrize(
    ("files", "config"), [*INI_CASES, *TOML_CASES, *BOTH_CASES, *RESOURCE_CASES]
)
def test_config_matches_alembic(
    tmp_path: Path, files: dict[str, str], config: dict[str, Any]
) -> None:
    make_layout(tmp_path)
    write_files(tmp_path, files)
    if config["file_"] and config["file_"].startswith("ABS:"):
        config["file_"] = str(tmp_path / config["file_"][4:])
    assert_same_behaviour(**config)


def test_path_like_file_names_are_kept_like_alembic(tmp_path: Path) -> None:
    make_layout(tmp_path)
    write_files(tmp_path, {"conf/alembic.ini": INI_BASIC, "pyproject.toml": TOML_BASIC})
    assert_same_behaviour(file_=Path("conf/alembic.ini"), toml_file=tmp_path / "pyproject.toml")


def test_package_init_is_never_executed(tmp_path: Path) -> None:
    make_layout(tmp_path)
    write_files(tmp_path, {"rlboom/__init__.py": "raise RuntimeError('imported')\n"})
    (tmp_path / "rlboom/migrations").mkdir()
    cfg = revlib.config.Config()
    cfg.set_main_option("script_location", "rlboom:migrations")
    cfg.set_main_option("prepend_sys_path", str(tmp_path))
    cfg.set_main_option("path_separator", "os")
    kwargs = script_directory_kwargs(cfg)
    assert kwargs["dir"] == tmp_path / "rlboom" / "migrations"
    assert "rlboom" not in sys.modules
    assert str(tmp_path) not in sys.path


# --- programmatic configuration -------------------------------------------------------------


def programmatic_steps(cfg: Any) -> list[tuple[Any, ...]]:
    return [
        outcome(lambda: cfg.set_main_option("script_location", "%(here)s/migrations")),
        outcome(lambda: cfg.get_main_option("script_location")),
        outcome(lambda: cfg.set_section_option("post_write_hooks", "hooks", "a")),
        outcome(lambda: cfg.set_section_option("post_write_hooks", "a.type", "exec")),
        outcome(cfg.get_hooks_list),
        outcome(lambda: cfg.remove_main_option("script_location")),
        outcome(lambda: cfg.get_alembic_option("script_location", "x")),
        outcome(lambda: cfg.set_main_option("file_template", "50%")),
        outcome(lambda: cfg.get_main_option("file_template")),
        outcome(lambda: cfg.get_section_option("nope", "x")),
        outcome(lambda: cfg.get_section("nope", {"d": "1"})),
        outcome(lambda: dict(cfg.messaging_opts)),
    ]


def test_programmatic_options_match_alembic() -> None:
    assert programmatic_steps(revlib.config.Config()) == programmatic_steps(
        alembic.config.Config()
    )


@pytest.mark.parametrize(
    ("quiet", "args", "expected"),
    [
        pytest.param(False, (), "50% done\n", id="text_is_verbatim_without_args"),
        pytest.param(False, ("x", 3), "x: 3\n", id="text_is_formatted_with_args"),
        pytest.param(True, (), "", id="quiet_prints_nothing"),
    ],
)
def test_print_stdout_matches_alembic(quiet: bool, args: tuple[Any, ...], expected: str) -> None:
    import argparse
    import io

    outputs = []
    for module in (revlib.config, alembic.config):
        stream = io.StringIO()
        cfg = module.Config(stdout=stream, cmd_opts=argparse.Namespace(quiet=quiet))
        cfg.print_stdout("%s: %s" if args else "50% done", *args)
        outputs.append(stream.getvalue())
    assert outputs == [expected, expected]


def test_attributes_are_copied() -> None:
    given_attributes = {"connection": object()}
    cfg = revlib.config.Config(attributes=given_attributes)
    assert cfg.attributes == given_attributes
    assert cfg.attributes is not given_attributes
    assert revlib.config.Config().attributes == {}


def test_template_directory_is_not_available() -> None:
    with pytest.raises(CommandError, match="not available in revlib"):
        revlib.config.Config().get_template_directory()


# --- helpers of _options --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locations", "expected"),
    [
        pytest.param(None, ["{cwd}/scripts/versions"], id="default_is_dir_versions"),
        pytest.param([], ["{cwd}/scripts/versions"], id="empty_list_is_default"),
        pytest.param(["a", "/abs/b"], ["{cwd}/a", "/abs/b"], id="relative_to_cwd_not_dir"),
        pytest.param(["../x/./y"], ["{cwd}/../x/y"], id="not_normalised"),
    ],
)
def test_resolve_version_locations(
    tmp_path: Path, locations: list[str] | None, expected: list[str]
) -> None:
    cwd = os.getcwd()
    got = resolve_version_locations("scripts", locations)
    assert got == [e.format(cwd=cwd) for e in expected]
    script = ScriptDirectory.__new__(ScriptDirectory)
    script.dir, script.version_locations = "scripts", list(locations or [])
    assert got == [str(p) for p in script._version_locations]


def test_check_script_location_message(tmp_path: Path) -> None:
    check_script_location(tmp_path)
    with pytest.raises(CommandError) as ours:
        check_script_location(tmp_path / "nope")
    with pytest.raises(alembic.util.CommandError) as theirs:
        ScriptDirectory(tmp_path / "nope")
    assert (
        str(ours.value)
        == str(theirs.value)
        == (
            f"Path doesn't exist: {tmp_path / 'nope'}.  Please use the 'init' command "
            "to create a new scripts folder."
        )
    )


# --- find_default_config --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({}, (None, None), id="nothing"),
        pytest.param({"alembic.ini": ""}, ("alembic.ini", None), id="ini_only"),
        pytest.param(
            {"pyproject.toml": "[tool.black]\n"}, (None, None), id="pyproject_without_alembic"
        ),
        pytest.param(
            {"alembic.ini": "", "pyproject.toml": TOML_BASIC},
            ("alembic.ini", "pyproject.toml"),
            id="both",
        ),
        pytest.param(
            {"pyproject.toml": "[tool]\nalembic = 1\n"},
            (None, "pyproject.toml"),
            id="alembic_key_of_wrong_type_is_kept_for_alembics_error",
        ),
        pytest.param({"pyproject.toml": "tool = 1\n"}, (None, None), id="tool_not_a_table"),
        pytest.param({"alembic.ini/x": ""}, (None, None), id="ini_directory_is_not_a_file"),
    ],
)
def test_find_default_config(
    tmp_path: Path, files: dict[str, str], expected: tuple[str | None, str | None]
) -> None:
    write_files(tmp_path, files)
    found = find_default_config(str(tmp_path))
    assert found == tuple(None if e is None else str(tmp_path / e) for e in expected)


def test_find_default_config_malformed_pyproject_names_file_and_position(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": "[tool.alembic]\nscript_location = \n"})
    with pytest.raises(CommandError) as excinfo:
        find_default_config(str(tmp_path))
    assert str(excinfo.value) == (
        f"{tmp_path / 'pyproject.toml'}: invalid TOML: Invalid value (at line 2, column 19)"
    )


def test_config_module_imports_no_heavy_dependencies() -> None:
    code = (
        "import sys, revlib.config\n"
        "heavy = {'sqlalchemy', 'mako', 'git', 'click', 'alembic'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")


# --- generated cases ------------------------------------------------------------------------

path_words = st.text(alphabet="ab/._-", min_size=1, max_size=6)
separator_values = st.sampled_from(["os", ":", ";", "space", "newline", "comma", "OS", ""])


@contextlib.contextmanager
def scratch_directory() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        previous = os.getcwd()
        root = Path(name).resolve()
        os.chdir(root)
        try:
            (root / "migrations").mkdir()
            yield root
        finally:
            os.chdir(previous)


def ini_value(text: str) -> str:
    """Write ``text`` as an ini value, continuation lines indented."""
    return text.replace("\n", "\n    ")


@HYPOTHESIS
@given(
    words=st.lists(path_words, max_size=5),
    joiners=st.lists(
        st.sampled_from([" ", ",", ", ", ":", ";", "\n", " : ", os.pathsep]),
        min_size=4,
        max_size=4,
    ),
    path_separator=st.none() | separator_values,
    version_path_separator=st.none() | separator_values,
    with_here=st.booleans(),
)
def test_generated_path_lists_split_like_alembic(
    words: list[str],
    joiners: list[str],
    path_separator: str | None,
    version_path_separator: str | None,
    with_here: bool,
) -> None:
    if with_here:
        words = [f"%(here)s/{w}" for w in words]
    value = "".join(w + joiners[i % len(joiners)] for i, w in enumerate(words)).strip()
    lines = ["[alembic]", "script_location = migrations"]
    lines += [f"version_locations = {ini_value(value)}", f"prepend_sys_path = {ini_value(value)}"]
    if path_separator is not None:
        lines.append(f"path_separator = {path_separator}")
    if version_path_separator is not None:
        lines.append(f"version_path_separator = {version_path_separator}")
    with scratch_directory() as root:
        (root / "alembic.ini").write_text("\n".join(lines) + "\n", encoding="utf-8")
        assert_same_behaviour(file_="alembic.ini")


toml_scalars = (
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8)
    | st.sampled_from(["%(here)s/v", "%%(rev)s", "%(nope)s", "50%", "true"])
    | st.integers(-3, 50)
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False, width=16)
)
toml_values = (
    toml_scalars
    | st.lists(st.sampled_from(["a", "%(here)s/b", "c d"]), max_size=3)
    | st.lists(st.integers(0, 3), min_size=1, max_size=2)
)
hook_tables = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["exec", "console_scripts"])},
        optional={"name": st.sampled_from(["black", "ruff"]), "cwd": st.just("%(here)s")},
    ),
    max_size=2,
)
toml_keys = st.sampled_from(
    [
        "version_locations",
        "prepend_sys_path",
        "file_template",
        "truncate_slug_length",
        "sourceless",
        "recursive_version_locations",
        "timezone",
        "output_encoding",
        "path_separator",
    ]
)


def toml_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def toml_document(options: dict[str, Any], hooks: list[dict[str, str]]) -> str:
    lines = ["[tool.alembic]", 'script_location = "migrations"']
    lines += [f"{key} = {toml_literal(value)}" for key, value in options.items()]
    for hook in hooks:
        lines.append("[[tool.alembic.post_write_hooks]]")
        lines += [f"{key} = {toml_literal(value)}" for key, value in hook.items()]
    return "\n".join(lines) + "\n"


@HYPOTHESIS
@given(
    options=st.dictionaries(toml_keys, toml_values, max_size=4),
    hooks=hook_tables,
    ini_keys=st.lists(toml_keys, max_size=2, unique=True),
    section=st.sampled_from(["alembic", "other"]),
)
def test_generated_pyproject_reads_like_alembic(
    options: dict[str, Any], hooks: list[dict[str, str]], ini_keys: list[str], section: str
) -> None:
    ini = [f"[{section}]", "path_separator = os"]
    ini += [f"{key} = {ini_value(str(options.get(key, 'x')))}" for key in ini_keys]
    with scratch_directory() as root:
        (root / "conf").mkdir()
        (root / "conf" / "pyproject.toml").write_text(toml_document(options, hooks), "utf-8")
        (root / "alembic.ini").write_text("\n".join(ini) + "\n", encoding="utf-8")
        assert_same_behaviour(
            file_="alembic.ini", toml_file="conf/pyproject.toml", ini_section=section
        )


section_names = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"], exclude_characters="[]"),
    min_size=1,
    max_size=10,
).filter(lambda s: s.strip() == s)


@HYPOTHESIS
@given(written=section_names, requested=section_names | st.sampled_from(["alembic", "DEFAULT"]))
def test_generated_section_names_match_alembic(written: str, requested: str) -> None:
    ini = f"[{written}]\nscript_location = migrations\nsqlalchemy.url = sqlite://\n"
    with scratch_directory() as root:
        (root / "alembic.ini").write_text(ini, encoding="utf-8")
        assert_same_behaviour(file_="alembic.ini", toml_file=None, ini_section=requested)
