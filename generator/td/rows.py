"""``tdgen status --rows``: every SUCCESS window against the rows its table holds for it.

The rows of one load carry the window's end in ``time`` (the load config's ``add_time`` sets a
fixed value), so for each table one query counts the rows per tag over the tags of its logged
windows (``TD_TIME_RANGE`` on exactly that span). Then, per table:

- a SUCCESS window whose tag holds more rows than it logged (``records_processed``): rows loaded
  twice (a window loaded again, or overlapping windows);
- one whose tag holds fewer: rows lost (deleted, or a load that did not commit what it said);
- rows under a tag no SUCCESS window has: a load whose SUCCESS was never logged (the next run
  reconciles it) or that an overlapping session loaded again;
- for a full load only the latest snapshot is compared, and any other tag is an older snapshot
  still in the table.

A table loaded before its rows were tagged (legacy rows carry their upload time) shows its old
rows as untagged; only windows logged since ``--since`` are compared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .config import TdConfig
from .ingestion_log import SUCCESS, LogRow, run_query
from .status_model import FULL, HISTORY, HOLE, INCREMENTAL, OVERLAP


@dataclass(frozen=True)
class Window:
    start: str | None
    end: str
    logged: int
    tag: int


def windows_of(exp, rows: list[LogRow]) -> list[Window]:
    """The distinct SUCCESS windows of one table with their tags (unparseable ends skipped:
    status reports those as invalid)."""
    seen: dict[tuple, Window] = {}
    for row in rows:
        if row.status != SUCCESS or row.end_time is None or exp.format is None:
            continue
        try:
            tag = int(exp.format.parse(row.end_time).timestamp())
        except ValueError:
            continue
        seen.setdefault((row.start_time, row.end_time),
                        Window(row.start_time, row.end_time, row.records_processed or 0, tag))
    return sorted(seen.values(), key=lambda w: w.tag)


def count_tags(config: TdConfig, database: str, table: str, lo: int, hi: int,
               on_job=None) -> dict[int, int] | None:
    """Rows per tag (``time``) of one table between ``lo`` and ``hi`` (``status --rows``)."""
    _columns, rows = run_query(config, database, table, tag_query(database, table, lo, hi),
                               on_job)
    return {int(tag): int(n) for tag, n in rows if tag is not None}


def tag_query(database: str, table: str, lo: int, hi: int) -> str:
    return (f'SELECT time AS tag, count(*) AS n FROM {database}."{table}"\n'
            f"WHERE TD_TIME_RANGE(time, {lo}, {hi + 1})\nGROUP BY time")


def problems(kind: str, windows: list[Window], counts: dict[int, int]) -> list[tuple[str, str]]:
    """(category, message) for every mismatch; category ``overlap`` for rows loaded twice,
    ``hole`` for rows lost."""
    if kind == FULL and windows:
        windows = windows[-1:]
        counts = {t: n for t, n in counts.items() if t <= windows[-1].tag}
    found = []
    tags = {w.tag for w in windows}
    for w in windows:
        held = counts.get(w.tag, 0)
        span = f"[{w.start or '-'}, {w.end})"
        if held > w.logged:
            found.append((OVERLAP, f"rows: window {span} logged {w.logged} rows, the table "
                          f"holds {held} with its tag: {held - w.logged} loaded twice"))
        elif held < w.logged:
            found.append((HOLE, f"rows: window {span} logged {w.logged} rows, the table "
                          f"holds {held} with its tag: {w.logged - held} missing"))
    for tag, held in sorted(counts.items()):
        if tag not in tags:
            what = ("rows of an older snapshot" if kind == FULL else
                    "rows of a load that logged no SUCCESS (the next run reconciles it) "
                    "or that was loaded again")
            found.append((OVERLAP, f"rows: {held} rows tagged {tag} belong to no SUCCESS "
                          f"window: {what}"))
    return found


def check_rows(report, expected, rows: list[LogRow], count) -> None:
    """Add the row problems of every incremental, history and full table to ``report``;
    ``count(table, lo, hi)`` returns ``{tag: rows}`` (None when the table does not exist)."""
    by_table: dict[tuple, list[LogRow]] = {}
    for row in rows:
        by_table.setdefault((row.source_name, row.workflow_name, row.table_name), []).append(row)
    statuses = {(t.source, t.workflow, t.table): t for t in report.tables}
    for exp in expected:
        if exp.kind not in (INCREMENTAL, HISTORY, FULL) or exp.table is None:
            continue
        windows = windows_of(exp, by_table.get((exp.source, exp.workflow, exp.table), []))
        status = statuses.get((exp.source, exp.workflow, exp.table))
        if not windows or status is None:
            continue
        lo = windows[0].tag
        if report.since is not None and exp.kind != HISTORY:
            lo = min(lo, int(report.since.timestamp()))
        counts = count(exp.table, lo, max(windows[-1].tag, int(report.now.timestamp())))
        for category, message in problems(exp.kind, windows, Counter(counts or {})):
            status.problem(category, message)
    report.tables.sort(key=lambda t: t.sort_key())


def local_counter(engine, database: str):
    def count(table: str, lo: int, hi: int) -> dict[int, int] | None:
        if not engine.table_exists(database, table):
            return None
        result = engine.execute(tag_query(database, table, lo, hi))
        return {int(tag): int(n) for tag, n in result.rows if tag is not None}
    return count
