"""Session times and Digdag's built-in variables (``reference/digdag-semantics.md`` B.8)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """``1d``, ``6h``, ``30m``, ``1h30m`` -> a timedelta; ``ValueError`` otherwise."""
    parts = re.findall(r"(\d+)\s*([dhms])", text.strip().lower())
    if not parts or re.sub(r"\d+\s*[dhms]", "", text.strip().lower()).strip():
        raise ValueError(f"'{text}' is not a duration (like 1d, 6h, 30m or 1h30m)")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; a naive one is UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO 8601 instant (like 2026-11-22T01:00:00Z)") \
            from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))


def _variants(prefix: str, moment: datetime) -> dict:
    offset = moment.strftime("%z")
    return {
        f"{prefix}_time": moment.strftime("%Y-%m-%dT%H:%M:%S") + offset[:3] + ":" + offset[3:],
        f"{prefix}_date": moment.strftime("%Y-%m-%d"),
        f"{prefix}_date_compact": moment.strftime("%Y%m%d"),
        f"{prefix}_local_time": moment.strftime("%Y-%m-%d %H:%M:%S"),
        f"{prefix}_tz_offset": offset,
        f"{prefix}_unixtime": int(moment.timestamp()),
    }


def session_variables(session, timezone: str) -> dict:
    zone = ZoneInfo(timezone) if "/" in timezone or timezone == "UTC" else ZoneInfo("UTC")
    moment = session.time.astimezone(zone)
    values = {"timezone": timezone, "session_id": session.session_id,
              "session_uuid": f"00000000-0000-0000-0000-{session.session_id:012d}",
              "attempt_id": session.attempt_id, "project_id": 1,
              "last_executed_session_time": "", "last_executed_session_unixtime": ""}
    values.update(_variants("session", moment))
    if session.scheduled:
        for prefix, other in (("last_session", session.last_time),
                              ("next_session", session.next_time)):
            if other is not None:
                values.update(_variants(prefix, other.astimezone(zone)))
    return values
