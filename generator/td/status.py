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
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from ..errors import UsageError
from ..timestamp_formats import TimestampFormat
from .config import TdConfig
from .ingestion_log import ERROR, STARTED, SUCCESS, LogRow, fetch_log, read_local_log
from .status_model import (  # noqa: F401  (the public names of status, re-exported)
    FAILING,
    FULL,
    HISTORY,
    HOLE,
    INCREMENTAL,
    INVALID,
    OK,
    OVERLAP,
    STALE,
    STATES,
    UNKNOWN,
    WORKFLOW,
    ExpectedTable,
    Gap,
    StatusReport,
    TableStatus,
    Unfinished,
    _at,
    _iso,
    _one_line,
    duration_text,
    parse_duration,
    parse_now,
)
from .status_text import report_text  # noqa: F401
from .unfinished import open_started


def analyse(rows: list[LogRow], expected: list[ExpectedTable], now: datetime,
            stale_after: timedelta, since: datetime | None = None,
            formats: dict[str, TimestampFormat | None] | None = None) -> StatusReport:
    """Judge every expected table, then any other table or workflow found in the log."""
    groups: dict[tuple, list[LogRow]] = {}
    for row in rows:
        key = (row.source_name, row.workflow_name, row.table_name)
        groups.setdefault(key, []).append(row)
    still_open = open_started(rows)
    known = {(e.source, e.workflow, e.table) for e in expected}
    tables = [table_status(e, groups.get((e.source, e.workflow, e.table), []), now,
                           stale_after, since, still_open) for e in expected]
    for key in sorted(groups, key=lambda k: tuple(str(p) for p in k)):
        if key in known:
            continue
        source, workflow, table = (str(p) if p is not None else None for p in key)
        if table is None:
            tables += _workflow_status(source or "", workflow or "", groups, key)
            continue
        other = ExpectedTable(source or "", workflow or "", table, UNKNOWN,
                              (formats or {}).get(source or ""), None)
        tables.append(table_status(other, groups[key], now, stale_after, since, still_open))
    tables.sort(key=TableStatus.sort_key)
    return StatusReport(now, stale_after, since, tables)


def table_status(exp: ExpectedTable, rows: list[LogRow], now: datetime,
                 stale_after: timedelta, since: datetime | None = None,
                 still_open: set[int] | None = None) -> TableStatus:
    """The status of one table from its own rows (any order).

    ``still_open``: ``id()`` of the STARTED rows no SUCCESS, ERROR or SKIPPED row of their
    ``log_id`` ended (``unfinished.open_started``; default: from ``rows``).
    """
    status = TableStatus(exp.source, exp.workflow, exp.table, exp.kind)
    ordered = sorted(rows, key=lambda r: (r.time or 0, r.status != STARTED))
    successes = [r for r in ordered if r.status == SUCCESS]
    if still_open is None:
        still_open = open_started(rows)
    _invalid_rows(status, rows)
    status.successes = len(successes)
    status.rows_period = sum(r.records_processed or 0 for r in successes)
    if not successes and exp.kind in (INCREMENTAL, FULL):
        status.stale = True
        status.problem(STALE, "stale: no SUCCESS in the log" + (
            f" since {_iso(since)}" if since else ""))
    windows = parsed_windows(exp, successes, status)
    _last_success(status, exp, windows, now, stale_after)
    errors = [r for r in ordered if r.status == ERROR]
    _errors(status, errors, _streak(exp, errors, successes))
    _unfinished(status, ordered, still_open, successes, now, stale_after)
    status.gaps = gaps(exp, windows)
    for g in status.gaps:
        status.problem(HOLE if g.kind == "hole" else OVERLAP,
                       f"{g.kind} of {duration_text(g.size)} between {g.end} and "
                       f"{g.next_start}")
    return status


def _invalid_rows(status: TableStatus, rows: list[LogRow]) -> None:
    """Rows logged with a NULL time, a time in milliseconds, a count as text: INVALID, counted
    and shown by one example (never dropped, never a traceback)."""
    bad = [r for r in rows if r.invalid]
    if bad:
        first = bad[0]
        status.problem(INVALID, f"{len(bad)} row(s) with invalid values, e.g. the "
                                f"{first.status} row {first.log_id or '(no log_id)'}: "
                                f"{'; '.join(first.invalid)}")


Window = tuple  # (start or None, end or None, the SUCCESS row): each time parsed once


def parsed_windows(exp: ExpectedTable, successes: list[LogRow],
                   status: TableStatus | None = None) -> list[Window]:
    """Each SUCCESS row with its start and end read in the source's format (None when absent
    or unreadable; an unreadable time is an INVALID problem of ``status``)."""
    fmt, found, read = exp.format, [], {None: None}  # a window's end is the next's start

    def instant(text, column):
        if text not in read:
            read[text] = _instant(fmt, text, column, status)
        return read[text]

    for row in successes:
        found.append((instant(row.start_time, "start_time"), instant(row.end_time, "end_time"),
                      row))
    return found


def gaps(exp: ExpectedTable, windows: list[Window]) -> list[Gap]:
    """Holes and unexpected overlaps between successive SUCCESS windows, sorted by start (a
    full load has no start: it has none)."""
    windows = [w for w in windows if w[0] is not None and w[1] is not None]
    windows.sort(key=lambda w: (w[0], w[1]))
    windows = [w for i, w in enumerate(windows)  # a SUCCESS logged twice is not an overlap
               if i == 0 or w[:2] != windows[i - 1][:2]]
    found = []
    for (_, end, row), (start, _, following) in pairwise(windows):
        if end < start:
            found.append(Gap("hole", row.end_time, following.start_time, start - end))
        elif end > start and exp.allowed_overlap is not None and \
                end - start > exp.allowed_overlap:
            found.append(Gap("overlap", row.end_time, following.start_time, end - start))
    return found


def _last_success(status: TableStatus, exp: ExpectedTable, windows: list[Window],
                  now: datetime, stale_after: timedelta) -> None:
    """The SUCCESS with the latest end (the table's watermark), its lag, and staleness."""
    best, best_end = None, None
    for _, end, row in windows:
        if row.end_time is None:  # no window logged: judge by when the row was logged
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
    if exp.kind == HISTORY:  # by month: the latest SUCCESS of each window start
        latest: dict[str | None, int] = {}
        for s in successes:
            latest[s.start_time] = max(latest.get(s.start_time, 0), s.time or 0)
        return [e for e in errors
                if e.start_time not in latest or latest[e.start_time] < (e.time or 0)]
    last = max((r.time or 0 for r in successes), default=None)
    # an ERROR of unknown time may follow the last SUCCESS: it stays in the streak
    return [r for r in errors if last is None or r.time is None or r.time > last]


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


def _unfinished(status: TableStatus, ordered: list[LogRow], still_open: set[int],
                successes: list[LogRow], now: datetime, stale_after: timedelta) -> None:
    """STARTED rows whose load never logged its end; stuck ones make the table failing."""
    latest = max((s.time or 0 for s in successes), default=None)
    limit = now.timestamp() - stale_after.total_seconds()
    for row in ordered:
        if row.status != STARTED or id(row) not in still_open:
            continue
        superseded = latest is not None and latest > (row.time or 0)
        stuck = not superseded and (row.time is None or row.time < limit)
        found = Unfinished(row.log_id, row.start_time, row.end_time, row.time, now, superseded,
                           stuck)
        status.unfinished.append(found)
        if stuck:
            status.problem(FAILING, f"{_never_finished(found)}: the load was killed or "
                                    "hangs, and no later SUCCESS replaced it")
        elif status.wants_note():
            status.note(f"{_never_finished(found)}; " + (
                "a later SUCCESS loaded the table" if superseded else
                f"still running? (not a problem before {duration_text(stale_after)})"))
    status.close_notes()


def _never_finished(row: Unfinished) -> str:
    age = row.age
    when = f"{duration_text(age)} ago" if age is not None else "at an unknown time"
    return (f"STARTED {when} and never finished (log_id {row.log_id}, window "
            f"[{row.start_time or '-'}, {row.end_time or '-'}))")


def _workflow_status(source: str, workflow: str, groups: dict, key: tuple) -> list[TableStatus]:
    """Workflow-level ERROR rows (no table) since the workflow's last clean run.

    The workflows log a workflow-level SUCCESS (no table) when a run ended with every object
    loaded: the ERRORs after the last of them are the streak (the objects log under their own
    sessions, so their rows say nothing of the run). Without such rows, a run is an attempt,
    the ``<session>-<attempt>-`` prefix of ``log_id``, and a clean one logged a SUCCESS and no
    workflow-level ERROR; rows whose ``log_id`` has no such prefix (a legacy log) fall back to
    time: the ERRORs logged after the workflow's last SUCCESS.
    """
    mine = [r for k, rows in groups.items() if k[:2] == key[:2] for r in rows]
    errors = sorted((r for r in groups[key] if r.status == ERROR), key=lambda r: r.time or 0)
    failed = {_attempt(r) for r in errors}
    clean = [r.time or 0 for r in groups[key] if r.status == SUCCESS]
    if not clean:
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
        if not isinstance(text, str):  # a column of another type in a hand-made log
            raise ValueError(text)
        if fmt is not None:
            return fmt.parse(text)
        value = datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    except ValueError:
        if status is not None:
            status.problem(INVALID, f"{column} '{text}' is not in format "
                                    f"{fmt.name if fmt else 'ISO 8601'}")
        return None


def expected_tables(project, sources: list[str] | None = None) -> list[ExpectedTable]:
    """Every table the project's workflows load (of ``sources`` only, if given), with its kind,
    format and allowed overlap."""
    from ..spec.resolved import resolve

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
    from ..spec.project import load_project

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
        from ..local.sql.engine import SqlEngine
        from .rows import local_counter

        return local_counter(SqlEngine(local), database)
    from .rows import count_tags

    return lambda table, lo, hi: count_tags(config, database, table, lo, hi, on_job)
