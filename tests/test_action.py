"""The composite action (``action.yml``): its shape, and its steps' scripts run as a runner runs
them (``bash --noprofile --norc -eo pipefail``), on a real pull-request checkout."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gitproject import EMAIL, ORDERS, POINTS
from tests.test_ci import pull_request, read_outputs, runner_env

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def test_action_metadata_has_what_github_requires() -> None:
    assert {"name", "description", "runs"} <= set(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) >= {"config", "directory", "base", "args"}
    for name, spec in ACTION["inputs"].items():
        assert spec["description"], name
        assert spec["required"] is False, name
    assert set(ACTION["outputs"]) == {"heads", "ok"}
    for spec in ACTION["outputs"].values():
        assert re.fullmatch(r"\$\{\{ steps\.ci\.outputs\.\w+ \}\}", spec["value"])


def test_every_step_names_its_shell_and_no_script_pastes_an_input() -> None:
    steps = ACTION["runs"]["steps"]
    assert steps
    for step in steps:
        assert step["shell"] == "bash", step["name"]
        # Inputs reach the scripts as environment variables only (no shell injection).
        assert "inputs." not in step["run"], step["name"]
    assert '"${{ github.action_path }}"' in steps[0]["run"]
    assert [step.get("id") for step in steps] == [None, "ci"]


def _step_env(step: dict[str, Any], inputs: dict[str, str]) -> dict[str, str]:
    """The step's ``env`` with ``${{ inputs.NAME }}`` evaluated (defaults from action.yml)."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update(inputs)
    return {
        key: re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: values[m[1]], value)
        for key, value in step.get("env", {}).items()
    }


def run_ci_step(tmp_path: Path, inputs: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    work = pull_request(tmp_path, points_parent=EMAIL)
    step = ACTION["runs"]["steps"][1]
    env = runner_env(tmp_path, work)
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=work.root,
        capture_output=True,
        text=True,
        check=False,
        env={**clean, **env, **_step_env(step, inputs)},
    )
    return result.returncode, result.stdout, read_outputs(Path(env["GITHUB_OUTPUT"]))


@pytest.mark.parametrize(
    ("inputs", "code", "ok"),
    [
        pytest.param({}, 1, "false", id="defaults-new-head"),
        pytest.param({"config": "alembic.ini", "base": "origin/main"}, 1, "false", id="named"),
        pytest.param({"args": "--heads 2"}, 0, "true", id="args-split"),
        pytest.param({"directory": "migrations"}, 1, "false", id="directory"),
    ],
)
def test_ci_step_runs_revlib_ci_with_the_inputs(
    tmp_path: Path, inputs: dict[str, str], code: int, ok: str
) -> None:
    returncode, stdout, outputs = run_ci_step(tmp_path, inputs)
    assert returncode == code, stdout
    assert outputs == {"heads": f"{ORDERS}\n{POINTS}", "ok": ok}


def test_ci_step_input_with_shell_syntax_is_not_run(tmp_path: Path) -> None:
    returncode, _, _ = run_ci_step(tmp_path, {"base": "$(touch pwned)"})
    assert returncode == 2
    assert not (tmp_path / "work" / "pwned").exists()
