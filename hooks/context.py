"""Options shared by every subcommand, held in Click's ``ctx.obj``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """Where to find the Alembic setup: a config file, an ini section, or a bare directory."""

    config_file: str | None = None
    ini_section: str = "alembic"
    directory: str | None = None
