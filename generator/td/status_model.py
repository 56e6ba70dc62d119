"""The values of ``tdgen status``: the tables expected, what was found per table, the report;
and the durations and instants its options and messages use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from ..timestamp_formats import TimestampFormat

INCREMENTAL, FULL, HISTORY, UNKNOWN, WORKFLOW = ("incremental", "full", "history", "unknown",
                                                 "workflow")
FAILING, HOLE, OVERLAP, INVALID, STALE, OK = ("failing", "hole", "overlap", "invalid", "stale",
                                              "ok")
STATES = (FAILING, HOLE, OVERLAP, INVALID, STALE, OK)  # worst first
MAX_PROBLEMS = 20  # per table: a log of a million bad rows is not a million lines


@dataclass(frozen=True)
class ExpectedTable:
    """A table the project loads, and how to read and judge its windows."""

    source: str
    workflow: str
    table: str | None
    kind: str  # incremental, full, history (or unknown, workflow for rows of no such table)
    format: TimestampFormat | None = None
    allowed_overlap: timedelta | None = timedelta(0)  # None: overlaps are expected


@dataclass(frozen=True)
class Gap:
    kind: str  # hole or overlap
    end: str  # end of the earlier window
    next_start: str  # start of the next one
    size: timedelta

    def to_dict(self) -> dict:
        return {"kind": self.kind, "end": self.end, "next_start": self.next_start,
                "seconds": self.size.total_seconds()}


class Unfinished(NamedTuple):
    """A STARTED row with no SUCCESS, ERROR or SKIPPED row of the same ``log_id`` (a named
    tuple whose times are computed when read: a log may hold a million of them)."""

    log_id: str
    start_time: str | None
    end_time: str | None
    logged: int | None  # unix seconds of the STARTED row
    now: datetime
    superseded: bool  # a later SUCCESS of the same table exists
    stuck: bool  # not superseded and older than stale_after: the table is failing

    @property
    def started_at(self) -> datetime | None:
        return _at(self.logged)

    @property
    def age(self) -> timedelta | None:
        return self.now - _at(self.logged) if self.logged is not None else None

    def to_dict(self) -> dict:
        return {"log_id": self.log_id, "start_time": self.start_time,
                "end_time": self.end_time, "started_at": _iso(self.started_at),
                "age_seconds": self.age.total_seconds() if self.age is not None else None,
                "superseded": self.superseded, "stuck": self.stuck}


@dataclass
class TableStatus:
    source: str
    workflow: str
    table: str | None
    kind: str
    last_start: str | None = None
    last_end: str | None = None
    last_success_at: datetime | None = None
    lag: timedelta | None = None
    stale: bool = False
    successes: int = 0  # SUCCESS rows in the period read
    rows_last: int | None = None  # records_processed of the last SUCCESS
    rows_period: int = 0  # records_processed over every SUCCESS in the period
    error_streak: int = 0
    last_error: str | None = None  # the last ERROR in the period, before or after a SUCCESS
    last_error_at: datetime | None = None
    unfinished: list[Unfinished] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth saying, not a problem
    categories: set[str] = field(default_factory=set)
    more_notes: int = 0

    def wants_note(self) -> bool:
        """False once ``MAX_PROBLEMS`` notes are kept (the others are only counted)."""
        if len(self.notes) < MAX_PROBLEMS:
            return True
        self.more_notes += 1
        return False

    def note(self, message: str) -> None:
        if self.wants_note():
            self.notes.append(message)

    def close_notes(self) -> None:
        if self.more_notes:
            self.notes.append(f"... and {self.more_notes} more like these")
            self.more_notes = 0

    def problem(self, category: str, message: str) -> None:
        self.categories.add(category)
        if len(self.problems) < MAX_PROBLEMS and message not in self.problems:
            self.problems.append(message)

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def state(self) -> str:
        """The worst category of problem the table has (``ok`` when none)."""
        if not self.problems:
            return OK
        return next((s for s in STATES if s in self.categories), INVALID)

    def sort_key(self) -> tuple:
        """Worst first: by state, then (among problems) the longer error streak and the
        larger lag (no SUCCESS at all first); then by name."""
        rank = STATES.index(self.state)
        lag = self.lag.total_seconds() if self.lag is not None else float("inf")
        severity = (-self.error_streak, -lag) if self.state != OK else (0, 0.0)
        return (rank, *severity, self.source, self.workflow, self.table or "")

    def to_dict(self) -> dict:
        return {
            "state": self.state, "source": self.source, "workflow": self.workflow,
            "table": self.table, "kind": self.kind, "last_start": self.last_start,
            "last_end": self.last_end, "last_success_at": _iso(self.last_success_at),
            "lag_seconds": self.lag.total_seconds() if self.lag is not None else None,
            "stale": self.stale, "successes": self.successes, "rows_last": self.rows_last,
            "rows_period": self.rows_period, "error_streak": self.error_streak,
            "last_error": self.last_error, "last_error_at": _iso(self.last_error_at),
            "unfinished": [u.to_dict() for u in self.unfinished],
            "gaps": [g.to_dict() for g in self.gaps], "problems": self.problems,
            "notes": self.notes, "healthy": self.healthy,
        }


@dataclass
class StatusReport:
    now: datetime
    stale_after: timedelta
    since: datetime | None
    tables: list[TableStatus]  # worst first
    sources: list[str] | None = None  # the --source filter, if any
    origin: str = "TD"  # where the log was read: TD, or the local engine's file

    @property
    def healthy(self) -> bool:
        return all(t.healthy for t in self.tables)

    def counts(self) -> dict[str, int]:
        return {s: sum(t.state == s for t in self.tables) for s in STATES}

    def to_dict(self) -> dict:
        return {"now": _iso(self.now), "stale_after_seconds": self.stale_after.total_seconds(),
                "since": _iso(self.since), "sources": self.sources, "origin": self.origin,
                "healthy": self.healthy, "counts": self.counts(),
                "tables": [t.to_dict() for t in self.tables]}


def parse_duration(text: str, option: str = "duration") -> timedelta:
    """``2d``, ``36h``, ``1d12h``, ``90m`` -> a timedelta (``UsageError`` naming ``option``)."""
    from ..durations import duration_option

    return duration_option(text, option)


def parse_now(text: str, option: str = "--now") -> datetime:
    """An ISO 8601 instant (``2026-11-03T01:00:00Z``); a naive one is UTC."""
    from ..durations import instant_option

    return instant_option(text, option)


def duration_text(delta: timedelta) -> str:
    """A short human form: ``2d 3h``, ``45m``, ``-5m`` (ahead of now)."""
    seconds = int(delta.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and len(parts) < 2:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return sign + (" ".join(parts) or "0s")


def _at(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _one_line(text: str | None, limit: int = 200) -> str:
    flat = " ".join((text or "(no message)").split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"
