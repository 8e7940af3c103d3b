"""The hook manifest: every hook documented, one name for hook id, console script and module."""

from __future__ import annotations

import configparser
import importlib
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
HOOK_IDS = [hook["id"] for hook in HOOKS]


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def test_manifest_lists_the_three_hooks() -> None:
    assert HOOK_IDS == ["revlib-check", "revlib-new-heads", "revlib-auto-merge"]


@pytest.mark.parametrize("hook_id", HOOK_IDS)
def test_readme_documents_every_hook(hook_id: str) -> None:
    section = readme_section("Hooks")
    assert f"- id: {hook_id}" in section
    assert f"| `{hook_id}` |" in section


@pytest.mark.parametrize("hook", HOOKS, ids=HOOK_IDS)
def test_hook_entry_is_its_console_script_and_module(hook: dict[str, object]) -> None:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    scripts = dict(
        line.split(" = ")
        for line in parser["options.entry_points"]["console_scripts"].strip().splitlines()
    )
    module_name = str(hook["id"]).removeprefix("revlib-").replace("-", "_")
    assert hook["entry"] == hook["id"]
    assert scripts[str(hook["id"])] == f"hooks.{module_name}:main"
    assert callable(importlib.import_module(f"hooks.{module_name}").main)
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
