"""Session times and Digdag's built-in variables (``reference/digdag-semantics.md`` B.8)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..durations import parse_duration, parse_instant

__all__ = ["parse_duration", "parse_instant", "session_variables"]

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
