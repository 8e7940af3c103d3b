"""The hook manifest: every hook documented, one name for hook id, console script and module."""

from __future__ import annotations

import configparser
import importlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
HOOK_IDS = [hook["id"] for hook in HOOKS]


OURS = ["revlib-check", "revlib-new-heads", "revlib-auto-merge"]


def console_scripts() -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    lines = parser["options.entry_points"]["console_scripts"].strip().splitlines()
    return dict(line.split(" = ") for line in lines)


def test_manifest_lists_the_hooks() -> None:
    assert HOOK_IDS[:3] == OURS
    assert len(set(HOOK_IDS)) == len(HOOK_IDS)


@pytest.mark.parametrize("hook_id", HOOK_IDS)
def test_readme_documents_every_hook(hook_id: str) -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"- id: {hook_id}\n" in readme or f"`{hook_id}`" in readme


@pytest.mark.parametrize("hook", HOOKS, ids=HOOK_IDS)
def test_every_hook_entry_is_a_console_script(hook: dict[str, object]) -> None:
    module_name, _, attribute = console_scripts()[str(hook["entry"])].partition(":")
    assert callable(getattr(importlib.import_module(module_name), attribute))
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False


@pytest.mark.parametrize("hook_id", OURS)
def test_hook_id_console_script_and_module_share_a_name(hook_id: str) -> None:
    (hook,) = [h for h in HOOKS if h["id"] == hook_id]
    module_name = hook_id.removeprefix("revlib-").replace("-", "_")
    assert hook["entry"] == hook_id
    assert console_scripts()[hook_id] == f"hooks.{module_name}:main"
