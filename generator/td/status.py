"""``tdgen status``: the health of every table, read from ``ingestion_log``.

``analyse`` is the whole judgement and a pure function: log rows and the tables the project
expects in, a ``StatusReport`` out. Per source, workflow and table it reports the last SUCCESS
window and when it was logged, the lag (now less the end of that window, read in the source's
timestamp format), the ERRORs since the last SUCCESS (the error streak, with the last message),
and the holes and overlaps between successive SUCCESS windows sorted by start. A table has a
problem when it is stale (incremental and full loads only: a historical table ends where the
increments start), has an error streak, a hole or an unexpected overlap (an overlap up to the
source's ``lookback`` is by design; with ``watermark: table`` windows overlap by design).

The rows come from ``ingestion_log.fetch_log`` (a Trino query through td-client).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from ..errors import UsageError
from ..formats import TimestampFormat
from .config import TdConfig
from .ingestion_log import ERROR, SUCCESS, LogRow, fetch_log

INCREMENTAL, FULL, HISTORY, UNKNOWN, WORKFLOW = ("incremental", "full", "history", "unknown",
                                                 "workflow")
_DURATION = re.compile(r"^(?:\d+[dhms])+$")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


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
    error_streak: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    gaps: list[Gap] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {
            "source": self.source, "workflow": self.workflow, "table": self.table,
            "kind": self.kind, "last_start": self.last_start, "last_end": self.last_end,
            "last_success_at": _iso(self.last_success_at),
            "lag_seconds": self.lag.total_seconds() if self.lag is not None else None,
            "stale": self.stale, "error_streak": self.error_streak,
            "last_error": self.last_error, "last_error_at": _iso(self.last_error_at),
            "gaps": [g.to_dict() for g in self.gaps], "problems": self.problems,
            "healthy": self.healthy,
        }


@dataclass
class StatusReport:
    now: datetime
    stale_after: timedelta
    since: datetime | None
    tables: list[TableStatus]

    @property
    def healthy(self) -> bool:
        return all(t.healthy for t in self.tables)

    def to_dict(self) -> dict:
        return {"now": _iso(self.now), "stale_after_seconds": self.stale_after.total_seconds(),
                "since": _iso(self.since), "healthy": self.healthy,
                "tables": [t.to_dict() for t in self.tables]}


def parse_duration(text: str, option: str = "duration") -> timedelta:
    """``2d``, ``36h``, ``1d12h``, ``90m`` -> a timedelta."""
    compact = text.strip().replace(" ", "")
    if not _DURATION.match(compact):
        raise UsageError(f"{option}: '{text}' is not a duration (like 2d, 36h, 1d12h, 90m)")
    return timedelta(seconds=sum(int(n) * _UNITS[u]
                                 for n, u in re.findall(r"(\d+)([dhms])", compact)))


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


def analyse(rows: list[LogRow], expected: list[ExpectedTable], now: datetime,
            stale_after: timedelta, since: datetime | None = None,
            formats: dict[str, TimestampFormat | None] | None = None) -> StatusReport:
    """Judge every expected table, then any other table or workflow found in the log."""
    groups: dict[tuple, list[LogRow]] = {}
    for row in rows:
        key = (row.source_name, row.workflow_name, row.table_name)
        groups.setdefault(key, []).append(row)
    known = {(e.source, e.workflow, e.table) for e in expected}
    tables = [table_status(e, groups.get((e.source, e.workflow, e.table), []), now,
                           stale_after, since) for e in expected]
    for key in sorted(groups, key=lambda k: tuple(str(p) for p in k)):
        if key in known:
            continue
        source, workflow, table = (str(p) if p is not None else None for p in key)
        if table is None:
            tables += _workflow_status(source or "", workflow or "", groups, key)
            continue
        other = ExpectedTable(source or "", workflow or "", table, UNKNOWN,
                              (formats or {}).get(source or ""), None)
        tables.append(table_status(other, groups[key], now, stale_after, since))
    return StatusReport(now, stale_after, since, tables)


def table_status(exp: ExpectedTable, rows: list[LogRow], now: datetime,
                 stale_after: timedelta, since: datetime | None = None) -> TableStatus:
    """The status of one table from its own rows (any order)."""
    status = TableStatus(exp.source, exp.workflow, exp.table, exp.kind)
    ordered = sorted(rows, key=lambda r: (r.time or 0, r.status != "STARTED"))
    successes = [r for r in ordered if r.status == SUCCESS]
    if not successes and exp.kind in (INCREMENTAL, FULL):
        status.stale = True
        status.problems.append("stale: no SUCCESS in the log" + (
            f" since {_iso(since)}" if since else ""))
    _last_success(status, exp, successes, now, stale_after)
    last_time = max((r.time or 0 for r in successes), default=None)
    _error_streak(status, [r for r in ordered if r.status == ERROR
                           and (last_time is None or (r.time or 0) > last_time)])
    status.gaps = gaps(exp, successes, status.problems)
    for g in status.gaps:
        status.problems.append(f"{g.kind} of {duration_text(g.size)} between {g.end} and "
                               f"{g.next_start}")
    return status


def gaps(exp: ExpectedTable, successes: list[LogRow], problems: list[str]) -> list[Gap]:
    """Holes and unexpected overlaps between successive SUCCESS windows, sorted by start."""
    windows = []
    for row in successes:
        if row.start_time is None or row.end_time is None:
            continue  # a full load has no start
        start = _instant(exp.format, row.start_time, "start_time", problems)
        end = _instant(exp.format, row.end_time, "end_time", problems)
        if start is not None and end is not None:
            windows.append((start, end, row))
    windows.sort(key=lambda w: (w[0], w[1]))
    found = []
    for (_, end, row), (start, _, following) in pairwise(windows):
        if end < start:
            found.append(Gap("hole", row.end_time, following.start_time, start - end))
        elif end > start and exp.allowed_overlap is not None and \
                end - start > exp.allowed_overlap:
            found.append(Gap("overlap", row.end_time, following.start_time, end - start))
    return found


def _last_success(status: TableStatus, exp: ExpectedTable, successes: list[LogRow],
                  now: datetime, stale_after: timedelta) -> None:
    """The SUCCESS with the latest end (the table's watermark), its lag, and staleness."""
    best, best_end = None, None
    for row in successes:
        if row.end_time is not None:
            end = _instant(exp.format, row.end_time, "end_time", status.problems)
        else:  # no window logged: judge by when the row was logged
            end = _at(row.time)
        if end is not None and (best_end is None or end >= best_end):
            best, best_end = row, end
    if best is None:
        return
    status.last_start, status.last_end = best.start_time, best.end_time
    status.last_success_at = _at(best.time)
    status.lag = now - best_end
    if exp.kind in (INCREMENTAL, FULL) and status.lag > stale_after:
        status.stale = True
        status.problems.append(f"stale: the last window ended {duration_text(status.lag)} "
                               f"ago (over {duration_text(stale_after)})")


def _error_streak(status: TableStatus, errors: list[LogRow]) -> None:
    if not errors:
        return
    status.error_streak = len(errors)
    status.last_error = errors[-1].error_message
    status.last_error_at = _at(errors[-1].time)
    status.problems.append(f"{len(errors)} ERROR(s) since the last SUCCESS; last: "
                           f"{_one_line(status.last_error)}")


def _workflow_status(source: str, workflow: str, groups: dict, key: tuple) -> list[TableStatus]:
    """Workflow-level ERROR rows (no table) logged after the workflow's last SUCCESS."""
    last = max((r.time or 0 for k, rows in groups.items() if k[:2] == key[:2]
                for r in rows if r.status == SUCCESS), default=None)
    errors = sorted((r for r in groups[key] if r.status == ERROR
                     and (last is None or (r.time or 0) > last)), key=lambda r: r.time or 0)
    if not errors:
        return []
    status = TableStatus(source, workflow, None, WORKFLOW)
    _error_streak(status, errors)
    return [status]


def _instant(fmt: TimestampFormat | None, text: str, column: str,
             problems: list[str]) -> datetime | None:
    """``text`` read in ``fmt`` (ISO 8601 when the source has no format); None if unreadable."""
    try:
        if fmt is not None:
            return fmt.parse(text)
        value = datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    except ValueError:
        message = f"{column} '{text}' is not in format {fmt.name if fmt else 'ISO 8601'}"
        if message not in problems:
            problems.append(message)
        return None


def _at(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _one_line(text: str | None, limit: int = 200) -> str:
    flat = " ".join((text or "(no message)").split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def expected_tables(project) -> list[ExpectedTable]:
    """Every table the project's workflows load, with its kind, format and allowed overlap."""
    from ..resolved import resolve

    found = []
    for source in project.sources:
        spec, fmt = source.spec, project.format_of(source.spec)
        r = resolve(spec, fmt)
        overlap = None if spec.watermark == "table" else parse_duration(spec.lookback)
        for load in r.loads:
            found.append(ExpectedTable(r.name, r.inc_workflow, load.table,
                                       INCREMENTAL if load.incremental else FULL, fmt,
                                       overlap if load.incremental else timedelta(0)))
        for load in r.history:
            found.append(ExpectedTable(r.name, r.hist_workflow, load.table, HISTORY, fmt))
    return found


def status(root: Path, config: TdConfig, since: timedelta, stale_after: timedelta,
           now: datetime | None = None, on_job=None) -> StatusReport:
    """Read the project's log on TD and judge every table."""
    from ..project import load_project

    project = load_project(root)
    now = now or datetime.now(UTC)
    start = now - since
    rows = fetch_log(config, project.settings.databases.src, project.settings.log_table,
                     start, on_job)
    formats = {s.spec.source: project.format_of(s.spec) for s in project.sources}
    return analyse(rows, expected_tables(project), now, stale_after, start, formats)


def report_text(report: StatusReport) -> str:
    """One block per table: its last window, lag, errors and gaps."""
    lines = []
    for t in report.tables:
        mark = "ok  " if t.healthy else "FAIL"
        name = t.table or "(workflow)"
        lines.append(f"{mark} {t.source}.{name} [{t.kind}, {t.workflow}]")
        if t.last_end is not None:
            lag = duration_text(t.lag) if t.lag is not None else "?"
            lines.append(f"     last SUCCESS [{t.last_start or '-'}, {t.last_end}) logged "
                         f"{_iso(t.last_success_at) or '?'}; lag {lag}")
        elif t.kind != WORKFLOW and not t.problems:
            lines.append("     no SUCCESS in the rows read")
        for problem in t.problems:
            lines.append(f"     {problem}")
    bad = sum(not t.healthy for t in report.tables)
    lines.append(f"{len(report.tables)} table(s), {bad} with problems"
                 if bad else f"{len(report.tables)} table(s), all healthy")
    return "\n".join(lines)
