from __future__ import annotations

import subprocess
import sys

from hooks.cli import main
from revlib import __version__


def test_version_flag_prints_version_and_exits_zero(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"revlib, version {__version__}\n"


def test_console_script_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "hooks.cli", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err
