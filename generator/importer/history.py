"""Where the history of an imported source starts: after the months the legacy loaded.

Legacy month batches are logged with ``source_name = '<source>_<month>'``; their ranges come
from ``config/hist_date_ranges.yml``. Given an export of the legacy log, the history starts on
the first instant after the last month it loaded; without one it must be reviewed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from .notes import HISTORY


def parse_instant(text) -> datetime | None:
    """A legacy time (ISO 8601; naive is UTC), or None when it is none."""
    from ..durations import parse_instant as instant

    try:
        return instant(str(text))
    except ValueError:
        return None

_MONTH = re.compile(r"(\d{4})[-_]?(\d{1,2})$")


def history_block(project, src, connector, fmt, spec: dict, log_rows: list[dict], out):
    if not src.hist or fmt is None or "default_start_time" not in spec:
        return None
    _defects(project, src, connector, out)
    start, out.history_proposal = _start(src, fmt, spec, log_rows)
    out.note(HISTORY, out.history_proposal)
    return _block(fmt.format(start), src, spec) if start else None


def _start(src, fmt, spec: dict, log_rows: list[dict]) -> tuple[datetime | None, str]:
    """Where history starts (None: no history), and why."""
    loaded = _loaded_months(src.name, src.month_ranges, log_rows, parse_instant)
    if loaded:
        start = _next_month(max(loaded))
        if start >= fmt.parse(spec["default_start_time"]):
            return None, (f"the legacy history loaded every month up to "
                          f"{spec['default_start_time']}: none is left, no history")
        return start, (f"history.start {fmt.format(start)}: the month after the last one the "
                       f"legacy log has a SUCCESS for ({len(loaded)} months)")
    first = _legacy_start(src, parse_instant)
    if first is None:
        return None, "no legacy month range was found: history must be reviewed"
    start = _month_start(first + timedelta(seconds=1))  # a legacy 23:59:59 start
    return start, (
        f"history.start {fmt.format(start)} is the legacy's first month: review it before "
        "running the historical workflow. Months the legacy already loaded are in its log "
        f"(SUCCESS rows with source_name '{src.name}_<month>'); set history.start to the "
        "first instant after the last of them, or rerun tdgen import with --log EXPORT")


def _block(start: str, src, spec: dict) -> dict:
    block: dict = {"start": start}
    parallel = _limit(src.parallel.get("hist"))
    if parallel is not None and parallel != spec.get("parallel"):
        block["parallel"] = parallel
    months = _limit(src.parallel.get("months"))
    if months:
        block["batch_parallel"] = months
    return block


def _limit(parallel):
    if isinstance(parallel, dict) and isinstance(parallel.get("limit"), int):
        return parallel["limit"]
    return parallel


def _defects(project, src, connector, out) -> None:
    if src.month_ranges:
        out.fixed.add(1)
    tables = [e for e in src.hist if e.config and e.config["in"].get("import_type") == "table"]
    if connector.type == "bigquery_v2" and tables:
        out.fixed.add(2)


def _legacy_start(src, parse) -> datetime | None:
    starts = [parse(r.get("start_time")) for r in src.month_ranges]
    starts += [parse(e.data.get("default_start_time")) for e in src.hist]
    starts = [s for s in starts if s]
    return min(starts) if starts else None


def _loaded_months(source: str, ranges: list[dict], rows: list[dict], parse) -> list[datetime]:
    by_name = {str(r.get("month_name")): parse(r.get("start_time")) for r in ranges}
    months = []
    for row in rows:
        name = str(row.get("source_name") or "")
        if row.get("status") != "SUCCESS" or not name.startswith(source + "_"):
            continue
        month = name[len(source) + 1:]
        start = by_name.get(month) or _parse_month(month)
        if start:
            months.append(_month_start(start))
    return months


def _parse_month(text: str) -> datetime | None:
    match = _MONTH.search(text)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)


def _month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=1)
