"""Session times and Digdag's built-in variables (``reference/digdag-semantics.md`` B.8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..durations import parse_duration, parse_instant

__all__ = ["Session", "parse_duration", "parse_instant", "session_variables"]


@dataclass
class Session:
    """One attempt of a session: its time, ids and the clock its queries read."""

    time: datetime  # the session time, in the workflow's zone
    session_id: int
    attempt_id: int
    scheduled: bool = True
    last_time: datetime | None = None
    next_time: datetime | None = None
    run: int = 1  # the simulated run this session belongs to (failure injection)
    clock: datetime | None = None  # the wall clock of its queries (default: its time)


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
    """Digdag's built-in variables of ``session`` in ``timezone``: a new dict each time
    (callers add to it), made from one computed per distinct session and zone (every task
    of an attempt asks again, and the strftime calls were 3 % of a run-local)."""
    return dict(_variables(_utc(session.time), session.session_id, session.attempt_id,
                           session.scheduled, _utc(session.last_time), _utc(session.next_time),
                           timezone))


def _utc(moment: datetime | None) -> datetime | None:
    """The key of an instant: aware times of one zone compare by wall clock, ignoring
    ``fold``, so the two instants of a repeated hour would share a cache entry."""
    return None if moment is None else moment.astimezone(UTC)


@lru_cache(maxsize=256)
def _variables(time, session_id, attempt_id, scheduled, last_time, next_time,
               timezone: str) -> dict:
    zone = ZoneInfo(timezone) if "/" in timezone or timezone == "UTC" else ZoneInfo("UTC")
    moment = time.astimezone(zone)
    values = {"timezone": timezone, "session_id": session_id,
              "session_uuid": f"00000000-0000-0000-0000-{session_id:012d}",
              "attempt_id": attempt_id, "project_id": 1,
              "last_executed_session_time": "", "last_executed_session_unixtime": ""}
    values.update(_variants("session", moment))
    if scheduled:
        for prefix, other in (("last_session", last_time), ("next_session", next_time)):
            if other is not None:
                values.update(_variants(prefix, other.astimezone(zone)))
    return values
