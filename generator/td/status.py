"""``tdgen status``: the health of every table, read from ``ingestion_log``.

``analyse`` is the whole judgement and a pure function: log rows and the tables the project
expects in, a ``StatusReport`` out, its tables sorted worst first. Per source, workflow and
table it reports the last SUCCESS window and when it was logged, the lag (now less the end of
that window, read in the source's timestamp format), the rows loaded (by the last SUCCESS and
in the whole period read), the last ERROR and the ERRORs since the last SUCCESS (the error
streak), the STARTED rows that never finished (no SUCCESS, ERROR or SKIPPED row with their
``log_id``), and the holes and overlaps between successive SUCCESS windows sorted by start.

A table's state is the worst of what it has, in this order:

- ``failing``: an error streak, or a STARTED row older than ``stale_after`` that never finished
  and that no later SUCCESS of the table superseded (the load was killed or hangs);
- ``hole``: a gap between successive SUCCESS windows (rows never loaded);
- ``overlap``: successive windows overlap by more than the source's ``lookback`` (rows loaded
  twice; with ``watermark: table`` windows overlap by design);
- ``invalid``: a logged time that is not in the source's format;
- ``stale``: an incremental or full load whose last window ended more than ``stale_after`` ago,
  or with no SUCCESS in the period (a historical table ends where the increments start: never
  stale);
- ``ok``.

The rows come from ``ingestion_log.fetch_log`` (a Trino query through td-client) or, with
``local``, from the local engine's DuckDB file by the same query.
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
from .ingestion_log import ERROR, FINISHED, STARTED, SUCCESS, LogRow, fetch_log, read_local_log

INCREMENTAL, FULL, HISTORY, UNKNOWN, WORKFLOW = ("incremental", "full", "history", "unknown",
                                                 "workflow")
FAILING, HOLE, OVERLAP, INVALID, STALE, OK = ("failing", "hole", "overlap", "invalid", "stale",
                                              "ok")
STATES = (FAILING, HOLE, OVERLAP, INVALID, STALE, OK)  # worst first
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


@dataclass(frozen=True)
class Unfinished:
    """A STARTED row with no SUCCESS, ERROR or SKIPPED row of the same ``log_id``."""

    log_id: str
    start_time: str | None
    end_time: str | None
    started_at: datetime | None
    age: timedelta | None
    superseded: bool  # a later SUCCESS of the same table exists
    stuck: bool  # not superseded and older than stale_after: the table is failing

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

    def problem(self, category: str, message: str) -> None:
        self.categories.add(category)
        if message not in self.problems:
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
    """``2d``, ``36h``, ``1d12h``, ``90m`` -> a timedelta."""
    compact = text.strip().replace(" ", "")
    if not _DURATION.match(compact):
        raise UsageError(f"{option}: '{text}' is not a duration (like 2d, 36h, 1d12h, 90m)")
    return timedelta(seconds=sum(int(n) * _UNITS[u]
                                 for n, u in re.findall(r"(\d+)([dhms])", compact)))


def parse_now(text: str, option: str = "--now") -> datetime:
    """An ISO 8601 instant (``2026-11-03T01:00:00Z``); a naive one is UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option}: '{text}' is not an ISO 8601 instant (like "
                         "2026-11-03T01:00:00Z)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
    finished = {r.log_id for r in rows if r.status in FINISHED and r.log_id is not None}
    known = {(e.source, e.workflow, e.table) for e in expected}
    tables = [table_status(e, groups.get((e.source, e.workflow, e.table), []), now,
                           stale_after, since, finished) for e in expected]
    for key in sorted(groups, key=lambda k: tuple(str(p) for p in k)):
        if key in known:
            continue
        source, workflow, table = (str(p) if p is not None else None for p in key)
        if table is None:
            tables += _workflow_status(source or "", workflow or "", groups, key)
            continue
        other = ExpectedTable(source or "", workflow or "", table, UNKNOWN,
                              (formats or {}).get(source or ""), None)
        tables.append(table_status(other, groups[key], now, stale_after, since, finished))
    tables.sort(key=TableStatus.sort_key)
    return StatusReport(now, stale_after, since, tables)


def table_status(exp: ExpectedTable, rows: list[LogRow], now: datetime,
                 stale_after: timedelta, since: datetime | None = None,
                 finished: set[str] | None = None) -> TableStatus:
    """The status of one table from its own rows (any order).

    ``finished``: the log ids that have a SUCCESS, ERROR or SKIPPED row (default: from
    ``rows``).
    """
    status = TableStatus(exp.source, exp.workflow, exp.table, exp.kind)
    ordered = sorted(rows, key=lambda r: (r.time or 0, r.status != STARTED))
    successes = [r for r in ordered if r.status == SUCCESS]
    if finished is None:
        finished = {r.log_id for r in rows if r.status in FINISHED and r.log_id is not None}
    status.successes = len(successes)
    status.rows_period = sum(r.records_processed or 0 for r in successes)
    if not successes and exp.kind in (INCREMENTAL, FULL):
        status.stale = True
        status.problem(STALE, "stale: no SUCCESS in the log" + (
            f" since {_iso(since)}" if since else ""))
    _last_success(status, exp, successes, now, stale_after)
    errors = [r for r in ordered if r.status == ERROR]
    _errors(status, errors, _streak(exp, errors, successes))
    _unfinished(status, ordered, finished, successes, now, stale_after)
    status.gaps = gaps(exp, successes, status)
    for g in status.gaps:
        status.problem(HOLE if g.kind == "hole" else OVERLAP,
                       f"{g.kind} of {duration_text(g.size)} between {g.end} and "
                       f"{g.next_start}")
    return status


def gaps(exp: ExpectedTable, successes: list[LogRow],
         status: TableStatus | None = None) -> list[Gap]:
    """Holes and unexpected overlaps between successive SUCCESS windows, sorted by start."""
    windows = []
    for row in successes:
        if row.start_time is None or row.end_time is None:
            continue  # a full load has no start
        start = _instant(exp.format, row.start_time, "start_time", status)
        end = _instant(exp.format, row.end_time, "end_time", status)
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
            end = _instant(exp.format, row.end_time, "end_time", status)
        else:  # no window logged: judge by when the row was logged
            end = _at(row.time)
        if end is not None and (best_end is None or end >= best_end):
            best, best_end = row, end
    if best is None:
        return
    status.last_start, status.last_end = best.start_time, best.end_time
    status.last_success_at = _at(best.time)
    status.rows_last = best.records_processed
    status.lag = now - best_end
    if exp.kind in (INCREMENTAL, FULL) and status.lag > stale_after:
        status.stale = True
        status.problem(STALE, f"stale: the last window ended {duration_text(status.lag)} "
                              f"ago (over {duration_text(stale_after)})")


def _streak(exp: ExpectedTable, errors: list[LogRow], successes: list[LogRow]) -> list[LogRow]:
    """The ERRORs not followed by a SUCCESS: logged after the table's last SUCCESS or, for a
    history table (months load in any order), of a month that no later SUCCESS loaded."""
    if exp.kind == HISTORY:
        return [e for e in errors if not any(
            s.start_time == e.start_time and (s.time or 0) >= (e.time or 0) for s in successes)]
    last = max((r.time or 0 for r in successes), default=None)
    return [r for r in errors if last is None or (r.time or 0) > last]


def _errors(status: TableStatus, errors: list[LogRow], streak: list[LogRow],
            since: str = "the last SUCCESS") -> None:
    """The last ERROR of the period, and the streak of those no SUCCESS followed."""
    if not errors:
        return
    status.last_error = errors[-1].error_message
    status.last_error_at = _at(errors[-1].time)
    status.error_streak = len(streak)
    if streak:
        status.problem(FAILING, f"{len(streak)} ERROR(s) since {since}; last: "
                                f"{_one_line(streak[-1].error_message)}")
    else:
        status.notes.append(f"last ERROR {_iso(status.last_error_at)}, recovered since: "
                            f"{_one_line(status.last_error)}")


def _unfinished(status: TableStatus, ordered: list[LogRow], finished: set[str],
                successes: list[LogRow], now: datetime, stale_after: timedelta) -> None:
    """STARTED rows whose load never logged its end; stuck ones make the table failing."""
    for row in ordered:
        if row.status != STARTED or row.log_id is None or row.log_id in finished:
            continue
        started = _at(row.time)
        age = now - started if started is not None else None
        superseded = any((s.time or 0) > (row.time or 0) for s in successes)
        stuck = not superseded and (age is None or age > stale_after)
        status.unfinished.append(Unfinished(row.log_id, row.start_time, row.end_time, started,
                                            age, superseded, stuck))
        when = f"{duration_text(age)} ago" if age is not None else "at an unknown time"
        what = (f"STARTED {when} and never finished (log_id {row.log_id}, window "
                f"[{row.start_time or '-'}, {row.end_time or '-'}))")
        if stuck:
            status.problem(FAILING, f"{what}: the load was killed or hangs, and no later "
                                    "SUCCESS replaced it")
        elif superseded:
            status.notes.append(f"{what}; a later SUCCESS loaded the table")
        else:
            status.notes.append(f"{what}; still running? (not a problem before "
                                f"{duration_text(stale_after)})")


def _workflow_status(source: str, workflow: str, groups: dict, key: tuple) -> list[TableStatus]:
    """Workflow-level ERROR rows (no table) since the workflow's last clean run.

    A run is an attempt, the ``<session>-<attempt>-`` prefix of ``log_id``; a clean one logged
    a SUCCESS and no workflow-level ERROR. Rows whose ``log_id`` has no such prefix (a legacy
    log) fall back to time: the ERRORs logged after the workflow's last SUCCESS.
    """
    mine = [r for k, rows in groups.items() if k[:2] == key[:2] for r in rows]
    errors = sorted((r for r in groups[key] if r.status == ERROR), key=lambda r: r.time or 0)
    failed = {_attempt(r) for r in errors}
    clean = [r.time or 0 for r in mine if r.status == SUCCESS
             and (_attempt(r) is None or _attempt(r) not in failed)]
    if None in failed:
        clean = [r.time or 0 for r in mine if r.status == SUCCESS]
    last = max(clean, default=None)
    streak = [r for r in errors if last is None or (r.time or 0) > last]
    if not streak:
        return []
    status = TableStatus(source, workflow, None, WORKFLOW)
    _errors(status, errors, streak, "the last run without a workflow ERROR")
    return [status]


_ATTEMPT = re.compile(r"^(\d+-\d+)-")


def _attempt(row: LogRow) -> str | None:
    """``<session>-<attempt>`` of a log id the generated workflows wrote, else None."""
    match = _ATTEMPT.match(row.log_id or "")
    return match.group(1) if match else None


def _instant(fmt: TimestampFormat | None, text: str, column: str,
             status: TableStatus | None) -> datetime | None:
    """``text`` read in ``fmt`` (ISO 8601 when the source has no format); None if unreadable."""
    try:
        if fmt is not None:
            return fmt.parse(text)
        value = datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    except ValueError:
        if status is not None:
            status.problem(INVALID, f"{column} '{text}' is not in format "
                                    f"{fmt.name if fmt else 'ISO 8601'}")
        return None


def _at(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _one_line(text: str | None, limit: int = 200) -> str:
    flat = " ".join((text or "(no message)").split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def expected_tables(project, sources: list[str] | None = None) -> list[ExpectedTable]:
    """Every table the project's workflows load (of ``sources`` only, if given), with its kind,
    format and allowed overlap."""
    from ..resolved import resolve

    found = []
    for source in project.sources:
        spec, fmt = source.spec, project.format_of(source.spec)
        if sources and spec.source not in sources:
            continue
        r = resolve(spec, fmt)
        overlap = None if spec.watermark == "table" else parse_duration(spec.lookback)
        for load in r.loads:
            found.append(ExpectedTable(r.name, r.inc_workflow, load.table,
                                       INCREMENTAL if load.incremental else FULL, fmt,
                                       overlap if load.incremental else timedelta(0)))
        for load in r.history:
            found.append(ExpectedTable(r.name, r.hist_workflow, load.table, HISTORY, fmt))
    return found


def status(root: Path, config: TdConfig | None, since: timedelta, stale_after: timedelta,
           now: datetime | None = None, on_job=None, sources: list[str] | None = None,
           local: Path | None = None, rows_check: bool = False) -> StatusReport:
    """Read the project's log (on TD, or in the local engine's file ``local``) and judge it."""
    from ..project import load_project

    project = load_project(root)
    known = sorted(s.spec.source for s in project.sources)
    project.require(sources or [], "--source")
    db, table = project.settings.databases.src, project.settings.log_table
    only = sorted(set(sources)) if sources else None
    if local is not None:
        # the local engine's file holds simulated runs: judge them as of the last one, and
        # only the sources that ran there (unless --source names others)
        rows = read_local_log(local, db, table, datetime(1970, 1, 1, tzinfo=UTC), only)
        now = now or _last_logged(rows) or datetime.now(UTC)
        rows = [r for r in rows if r.time is None or r.time >= (now - since).timestamp()]
        only = only or sorted({r.source_name for r in rows if r.source_name in known})
    else:
        if config is None:
            raise UsageError("status: no TD settings (use --local to read the local engine)")
        now = now or datetime.now(UTC)
        rows = fetch_log(config, db, table, now - since, on_job, only)
    start = now - since
    formats = {s.spec.source: project.format_of(s.spec) for s in project.sources}
    expected = expected_tables(project, only)
    report = analyse(rows, expected, now, stale_after, start, formats)
    if rows_check:
        from .rows import check_rows

        check_rows(report, expected, rows, _row_counter(local, config, db, on_job))
    report.sources = only
    report.origin = str(local) if local is not None else f"TD ({db}.{table})"
    return report


def _last_logged(rows) -> datetime | None:
    times = [r.time for r in rows if isinstance(r.time, int)]
    return datetime.fromtimestamp(max(times), UTC) if times else None


def _row_counter(local: Path | None, config, database: str, on_job):
    """How ``--rows`` counts a table's rows per tag: on the local engine's file, or on TD."""
    if local is not None:
        from ..local.sqlengine import SqlEngine
        from .rows import local_counter

        return local_counter(SqlEngine(local), database)
    from .ingestion_log import count_tags

    return lambda table, lo, hi: count_tags(config, database, table, lo, hi, on_job)


_COLUMNS = ("state", "source", "table", "kind", "last window end", "lag", "rows last",
            "rows period", "errors", "unfinished")


def report_text(report: StatusReport) -> str:
    """A table of every table, worst first, then what is wrong (and worth knowing) per table."""
    rows = [list(_COLUMNS)]
    for t in report.tables:
        rows.append([t.state.upper() if t.state != OK else OK, t.source,
                     t.table or "(workflow)", t.kind, t.last_end or "-",
                     duration_text(t.lag) if t.lag is not None else "-",
                     str(t.rows_last) if t.rows_last is not None else "-",
                     str(t.rows_period) if t.successes else "-",
                     str(t.error_streak), str(len(t.unfinished))])
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    details = [t for t in report.tables if t.problems or t.notes]
    if details:
        lines.append("")
    for t in details:
        lines.append(f"{t.source}.{t.table or '(workflow)'} [{t.kind}, {t.workflow}]:")
        lines += [f"  {p}" for p in t.problems]
        lines += [f"  note: {n}" for n in t.notes]
    lines.append("")
    lines.append(f"read {report.origin} since {_iso(report.since) or '-'}; now "
                 f"{_iso(report.now)}; stale after {duration_text(report.stale_after)}")
    bad = sum(not t.healthy for t in report.tables)
    counts = report.counts()
    if bad:
        parts = ", ".join(f"{counts[s]} {s}" for s in STATES if s != OK and counts[s])
        lines.append(f"{len(report.tables)} table(s), {bad} with problems ({parts})")
    else:
        lines.append(f"{len(report.tables)} table(s), all healthy")
    return "\n".join(lines)
