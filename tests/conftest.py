"""Shared fixtures: the bundled example project, and a git identity for real repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A private copy of examples/shop (an Alembic project whose history has two heads)."""
    target = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits made by tests never depend on the machine's git configuration."""
    for key, value in {
        "GIT_AUTHOR_NAME": "revlib tests",
        "GIT_AUTHOR_EMAIL": "tests@revlib.invalid",
        "GIT_COMMITTER_NAME": "revlib tests",
        "GIT_COMMITTER_EMAIL": "tests@revlib.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(autouse=True)
def _private_cache_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """revlib's header cache lives in $XDG_CACHE_HOME outside git work trees: keep the tests'
    out of the user's home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def trusted_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """For the cache tests: files written by a test are milliseconds old, so trust their
    signatures anyway (the racy-file rule has its own test); a cache directory of the test's
    own; the cache switched on whatever the environment says."""
    from revlib.script import _cache

    monkeypatch.setattr(_cache, "RACY_NS", 0)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("REVLIB_NO_CACHE", raising=False)


@pytest.fixture
def per_file_caches_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests of the header and lint caches themselves: no kept whole answers
    (revlib._result_cache), which would answer an unchanged directory before those caches
    are asked."""
    from revlib import _result_cache

    monkeypatch.setattr(_result_cache, "fingerprint", lambda *_args: None)
