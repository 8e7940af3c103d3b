"""Names and dates of new revision files, as Alembic 1.20 makes them.

``create_date`` is "now" in the configured ``timezone`` (or local, naive, without one); the
file name is ``file_template % tokens`` plus ``.py``, where the slug is the message's words.
The current instant comes from :func:`utc_now` alone, so tests can fix it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from revlib.util.exc import CommandError

__all__ = ["FILE_TEMPLATE_TOKENS", "create_date", "file_name", "slugify", "utc_now"]

FILE_TEMPLATE_TOKENS = ("rev", "slug", "epoch", "year", "month", "day", "hour", "minute", "second")
_SLUG_WORD = re.compile(r"\w+")


def utc_now() -> datetime.datetime:
    """The current instant, timezone-aware (the only clock revlib reads when writing)."""
    return datetime.datetime.now(tz=datetime.timezone.utc)


def create_date(timezone: str | None) -> datetime.datetime:
    """Now, in ``timezone`` (a ZoneInfo key, tried as given and then upper-cased).

    Without a timezone the result is the local time, naive, as Alembic writes it. An unknown
    zone is Alembic's CommandError "Can't locate timezone: <name>".
    """
    if timezone is None:
        return utc_now().astimezone().replace(tzinfo=None)
    return utc_now().astimezone(_zone(timezone))


def _zone(name: str) -> datetime.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for key in (name, name.upper()):
        try:
            return ZoneInfo(key)
        except ZoneInfoNotFoundError:
            continue
        except ValueError:  # "" or a path-like key; Alembic lets this escape as a traceback
            break
    raise CommandError(f"Can't locate timezone: {name}")


def slugify(message: str | None, truncate_slug_length: int) -> str:
    """The message's words, lower-cased and joined by ``_``; a long slug is cut after the
    last whole word within ``truncate_slug_length`` and ends with ``_``."""
    slug = "_".join(_SLUG_WORD.findall(message or "")).lower()
    if len(slug) > truncate_slug_length:
        slug = slug[:truncate_slug_length].rsplit("_", 1)[0] + "_"
    return slug


def file_tokens(
    rev_id: str, message: str | None, when: datetime.datetime, truncate_slug_length: int
) -> dict[str, str | int]:
    """The values ``file_template`` may use."""
    return {
        "rev": rev_id,
        "slug": slugify(message, truncate_slug_length),
        "epoch": int(when.timestamp()),
        "year": when.year,
        "month": when.month,
        "day": when.day,
        "hour": when.hour,
        "minute": when.minute,
        "second": when.second,
    }


def file_name(
    file_template: str,
    rev_id: str,
    message: str | None,
    when: datetime.datetime,
    truncate_slug_length: int,
) -> str:
    """``file_template`` filled in, plus ``.py``; may contain ``/`` (subdirectories)."""
    tokens = file_tokens(rev_id, message, when, truncate_slug_length)
    return f"{_fill(file_template, tokens)}.py"


def _fill(file_template: str, tokens: Mapping[str, str | int]) -> str:
    try:
        return file_template % tokens
    except (KeyError, ValueError, TypeError) as error:
        detail = f"unknown token {error}" if isinstance(error, KeyError) else str(error)
        known = ", ".join(f"%({name})s" for name in FILE_TEMPLATE_TOKENS)
        raise CommandError(
            f"file_template {file_template!r} cannot be filled in ({detail}); "
            f"it may use {known} (doubled as %%(rev)s in an ini file)"
        ) from None
