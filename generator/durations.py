"""The one reader of the durations and instants a user types (``--every 1d``, ``--since 30d``,
``--now 2026-11-22T01:00:00Z``) or a spec gives (``lag: 10m``).

Every command and the templates read them here, so ``1D`` means one day everywhere (three
parsers used to disagree). A bad option value is one kind of error everywhere: a
``UsageError`` naming the option (exit 2).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from .errors import UsageError

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)\s*([dhms])")


def parse_duration(text: str) -> timedelta:
    """``1d``, ``6h``, ``30m``, ``1h30m``, ``1D`` -> a timedelta; ``ValueError`` otherwise."""
    compact = text.strip().lower()
    parts = _PART.findall(compact)
    if not parts or _PART.sub("", compact).strip():
        raise ValueError(f"'{text}' is not a duration (like 1d, 6h, 30m or 1h30m)")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; a naive one is UTC; ``ValueError`` otherwise."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO 8601 instant (like 2026-11-22T01:00:00Z)") \
            from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def duration_option(text: str, option: str) -> timedelta:
    """The duration an option gives, or a ``UsageError`` naming the option."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def instant_option(text: str | None, option: str) -> datetime | None:
    """The instant an option gives (``None`` when not given), or a ``UsageError``."""
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def seconds(text: str) -> int:
    """``1h30m`` -> 5400 (a spec's durations, already valid)."""
    return int(parse_duration(text).total_seconds())
