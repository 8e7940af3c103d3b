"""A console script's exit: at once, without the interpreter's teardown, and only when that
loses nothing (``hooks.process.exit_now``)."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hooks import process

EXITING_SCRIPT = """
import atexit, sys
from hooks import process
atexit.register(lambda: open(sys.argv[1], "w").write("exit handler ran"))
atexit.register(lambda: print("printed by an exit handler", end=""))
sys.stdout.write("x" * 300_000)  # more than any buffer holds: flushed before the exit
sys.stderr.write("no newline on stderr")
process.exit_now(int(sys.argv[2]))
raise SystemExit("exit_now returned")
"""


@pytest.mark.parametrize("code", [0, 1, 2])
def test_exit_now_keeps_the_exit_code_the_output_and_the_exit_handlers(
    tmp_path: Path, code: int
) -> None:
    marker = tmp_path / "marker"
    result = subprocess.run(
        [sys.executable, "-c", EXITING_SCRIPT, str(marker), str(code)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == code
    assert result.stdout == "x" * 300_000 + "printed by an exit handler"
    assert result.stderr == "no newline on stderr"
    assert marker.read_text() == "exit handler ran"


def test_exit_now_leaves_the_exit_to_python_while_a_thread_runs() -> None:
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert process.exit_now(3) == 3  # (had it exited, this test would not report)
    finally:
        release.set()
        worker.join()


class _UnflushableStream(io.StringIO):
    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_exit_now_leaves_the_exit_to_python_when_stdout_cannot_be_flushed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdout", _UnflushableStream())
    assert process.exit_now(1) == 1
