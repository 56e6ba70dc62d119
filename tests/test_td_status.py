"""`tdgen status`: the analysis of ingestion_log rows, then the whole way through td-client."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.errors import UsageError
from generator.formats import load_formats
from generator.td.ingestion_log import ERROR, SUCCESS, LogRow, log_query
from generator.td.status import (
    FULL,
    HISTORY,
    INCREMENTAL,
    ExpectedTable,
    analyse,
    duration_text,
    parse_duration,
)
from tests.test_td_fake import point_env_at, running_fake, write_fast_settings
from tests.test_td_push import tdgen


@pytest.fixture
def td_env(monkeypatch):
    """A running fake TD, and the environment of a user whose TD it is."""
    with running_fake() as td:
        yield point_env_at(monkeypatch, td)


REPO = Path(__file__).resolve().parent.parent
FORMATS = load_formats(REPO / "templates" / "timestamp_formats", REPO)
MILLIS = FORMATS["millis_z"]
NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
TWO_DAYS = timedelta(days=2)


def ts(hours_before_now: float, fmt=MILLIS) -> str:
    return fmt.format(NOW - timedelta(hours=hours_before_now))


def at(hours_before_now: float) -> int:
    return int((NOW - timedelta(hours=hours_before_now)).timestamp())


def row(status, start, end, logged, table="orders", message=None, workflow="shop_ingest_inc",
        source="shop") -> LogRow:
    return LogRow(source, workflow, table, status, start, end, message, logged)


def window(start_h, end_h, table="orders", **kw) -> LogRow:
    """A SUCCESS window [now - start_h, now - end_h), logged at its end."""
    return row(SUCCESS, ts(start_h), ts(end_h), at(end_h), table, **kw)


def orders(kind=INCREMENTAL, overlap=timedelta(0), fmt=MILLIS, table="orders",
           workflow="shop_ingest_inc") -> ExpectedTable:
    return ExpectedTable("shop", workflow, table, kind, fmt, overlap)


def one(rows, expected=None, stale_after=TWO_DAYS):
    report = analyse(rows, [expected or orders()], NOW, stale_after)
    return report, report.tables[0]


def test_fresh_contiguous_windows_are_healthy():
    report, t = one([window(30, 20), window(20, 10), window(10, 1)])
    assert report.healthy and t.problems == []
    assert (t.last_start, t.last_end) == (ts(10), ts(1))
    assert t.lag == timedelta(hours=1) and t.last_success_at == NOW - timedelta(hours=1)
    assert t.error_streak == 0 and t.gaps == []


def test_a_table_whose_last_window_ended_too_long_ago_is_stale():
    report, t = one([window(100, 80)])
    assert not report.healthy and t.stale
    assert t.lag == timedelta(hours=80)
    assert t.problems == ["stale: the last window ended 3d 8h ago (over 2d)"]
    _, relaxed = one([window(100, 80)], stale_after=timedelta(days=4))
    assert relaxed.healthy


def test_a_table_with_no_success_at_all_is_stale():
    report, t = one([])
    assert not report.healthy and t.stale and t.last_end is None
    assert t.problems == ["stale: no SUCCESS in the log"]


def test_errors_since_the_last_success_are_a_streak_with_the_last_message():
    rows = [window(30, 20), row(ERROR, ts(20), None, at(15), message="timeout"),
            row(ERROR, ts(20), None, at(10), message="HTTP 429\nrate limited")]
    report, t = one(rows)
    assert not report.healthy and not t.stale
    assert t.error_streak == 2 and t.last_error == "HTTP 429\nrate limited"
    assert t.last_error_at == NOW - timedelta(hours=10)
    assert t.problems == ["2 ERROR(s) since the last SUCCESS; last: HTTP 429 rate limited"]


def test_a_success_after_errors_ends_the_streak():
    rows = [row(ERROR, ts(30), None, at(25), message="boom"), window(30, 2)]
    report, t = one(rows)
    assert report.healthy and t.error_streak == 0 and t.last_error is None


def test_a_hole_between_successive_windows():
    report, t = one([window(30, 20), window(18, 10), window(10, 1)])
    assert not report.healthy
    [gap] = t.gaps
    assert (gap.kind, gap.end, gap.next_start, gap.size) == ("hole", ts(20), ts(18),
                                                             timedelta(hours=2))
    assert t.problems == [f"hole of 2h between {ts(20)} and {ts(18)}"]


def test_an_overlap_between_successive_windows():
    _, t = one([window(30, 20), window(25, 10)])
    [gap] = t.gaps
    assert gap.kind == "overlap" and gap.size == timedelta(hours=5)
    assert t.problems == [f"overlap of 5h between {ts(20)} and {ts(25)}"]


def test_windows_are_compared_in_order_of_start_not_of_logging():
    rows = [window(10, 1), window(30, 20), window(20, 10)]  # a backfill logged last
    rows[1] = row(SUCCESS, ts(30), ts(20), at(0.5))
    assert one(rows)[0].healthy


def test_an_overlap_up_to_the_lookback_is_by_design():
    rows = [window(30, 20), window(21, 10)]  # re-reads one hour before the watermark
    assert one(rows, orders(overlap=timedelta(hours=1)))[0].healthy
    assert not one(rows, orders(overlap=timedelta(minutes=30)))[0].healthy
    assert one(rows, orders(overlap=None))[0].healthy  # watermark: table


def test_a_history_table_is_never_stale_but_its_months_must_be_contiguous():
    fmt = FORMATS["sql_server"]
    months = [row(SUCCESS, "2023-01-01 00:00:00.000", "2023-02-01 00:00:00.000", at(5000),
                  "orders_hist", workflow="shop_ingest_hist"),
              row(SUCCESS, "2023-02-01 00:00:00.000", "2023-03-01 00:00:00.000", at(4990),
                  "orders_hist", workflow="shop_ingest_hist")]
    hist = orders(HISTORY, fmt=fmt, table="orders_hist", workflow="shop_ingest_hist")
    report, t = one(months, hist)
    assert report.healthy and t.lag > TWO_DAYS and not t.stale
    months.append(row(SUCCESS, "2023-04-01 00:00:00.000", "2023-05-01 00:00:00.000",
                      at(4980), "orders_hist", workflow="shop_ingest_hist"))
    _, t = one(months, hist)
    assert [g.kind for g in t.gaps] == ["hole"] and t.gaps[0].size == timedelta(days=31)


def test_a_full_load_has_no_start_and_is_judged_by_its_end():
    rows = [row(SUCCESS, None, ts(60), at(60)), row(SUCCESS, None, ts(5), at(5))]
    report, t = one(rows, orders(FULL))
    assert report.healthy and t.gaps == [] and t.lag == timedelta(hours=5)


def test_times_are_read_in_the_source_format():
    micros = FORMATS["micros_no_zone"]
    rows = [row(SUCCESS, ts(10, micros), ts(3, micros), at(3))]
    _, t = one(rows, orders(fmt=micros))
    assert t.lag == timedelta(hours=3) and t.last_end == ts(3, micros)
    _, wrong = one([row(SUCCESS, "2024-05-01", "yesterday", at(3))])
    assert "end_time 'yesterday' is not in format millis_z" in wrong.problems


def test_tables_of_no_spec_and_workflow_errors_are_reported_too():
    rows = [window(5, 1),
            row(SUCCESS, ts(900), ts(800), at(800), table="legacy_orders"),
            row(ERROR, None, None, at(0.5), table=None, message="config/x.yml not found")]
    report = analyse(rows, [orders()], NOW, TWO_DAYS)
    legacy = next(t for t in report.tables if t.table == "legacy_orders")
    assert legacy.kind == "unknown" and legacy.healthy  # not expected: never stale
    [workflow] = [t for t in report.tables if t.table is None]
    assert workflow.kind == "workflow" and workflow.error_streak == 1
    assert not report.healthy


def test_durations():
    assert parse_duration("2d") == TWO_DAYS
    assert parse_duration("1d12h") == timedelta(hours=36)
    with pytest.raises(UsageError, match="--since: '2 days' is not a duration"):
        parse_duration("2 days", "--since")
    assert duration_text(timedelta(days=3, hours=8, minutes=5)) == "3d 8h"
    assert duration_text(timedelta(0)) == "0s"


def test_the_log_query_is_valid_trino():
    import trino_sql_validator as tsv

    query = log_query("ingestion_log", NOW - timedelta(days=30))
    assert tsv.validate(query).valid
    assert f"WHERE time >= {int((NOW - timedelta(days=30)).timestamp())}" in query


# --- end to end: td-client against the fake server ------------------------------------------

def log(source, workflow, table, status, start, end, logged: datetime, message=None) -> dict:
    return {"source_name": source, "workflow_name": workflow, "table_name": table,
            "status": status, "start_time": start, "end_time": end, "error_message": message,
            "time": int(logged.timestamp())}


def healthy_log(project: Path, now: datetime) -> list[dict]:
    """A SUCCESS window ending an hour ago for every incremental and full table."""
    from generator.project import load_project
    from generator.td.status import expected_tables

    rows = []
    for t in expected_tables(load_project(project)):
        if t.kind == HISTORY:
            continue
        fmt = t.format
        end = now - timedelta(hours=1)
        start = end - timedelta(hours=6)
        text = fmt.format if fmt else (lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        rows.append(log(t.source, t.workflow, t.table, "STARTED",
                        text(start) if t.kind == INCREMENTAL else None, text(end), end))
        rows.append(log(t.source, t.workflow, t.table, SUCCESS,
                        text(start) if t.kind == INCREMENTAL else None, text(end), end))
    return rows


def test_status_reads_the_log_through_td_client(project, td_env):
    write_fast_settings(project)
    now = datetime.now(UTC)
    td_env.log_rows = healthy_log(project, now)
    td_env.log_rows.append(log("klaviyo", "klaviyo_ingest_inc", "klaviyo_events", ERROR,
                               None, None, now - timedelta(minutes=5), "429 Too Many Requests"))
    td_env.log_rows.append(log("klaviyo", "klaviyo_ingest_inc", "klaviyo_retired", ERROR,
                               None, None, now - timedelta(days=40), "older than --since"))
    result = tdgen(project, "status", "--format", "json", "--since", "7d")
    assert result.exit_code == 1, result.output
    [issue] = td_env.calls("POST")
    assert issue.path == "/v3/job/issue/trino/src_ingestion"
    assert "FROM ingestion_log" in issue.body.decode()
    assert td_env.calls("GET", "/v3/job/result/4242")
    report = json.loads(result.stdout)
    unhealthy = [t for t in report["tables"] if not t["healthy"]]
    assert [(t["table"], t["error_streak"], t["last_error"]) for t in unhealthy] == [
        ("klaviyo_events", 1, "429 Too Many Requests")]
    assert "klaviyo_retired" not in result.stdout  # logged before --since: not read
    assert all(t["lag_seconds"] == pytest.approx(3600, abs=120)
               for t in report["tables"] if t["kind"] in (INCREMENTAL, FULL))
    assert "query job 4242 is running" in result.stderr


def test_status_exits_0_when_every_table_is_healthy(project, td_env):
    write_fast_settings(project)
    td_env.log_rows = healthy_log(project, datetime.now(UTC))
    result = tdgen(project, "status")
    assert result.exit_code == 0, result.output
    assert "all healthy" in result.stdout
    assert "ok   klaviyo.klaviyo_events [incremental, klaviyo_ingest_inc]" in result.stdout


def test_a_failed_query_job_is_a_failure_with_its_reason(project, td_env):
    write_fast_settings(project)
    td_env.job_statuses = ["running", "error"]
    td_env.job_stderr = "Query failed: Table src_ingestion.ingestion_log does not exist"
    result = tdgen(project, "status")
    assert result.exit_code == 1
    assert "query job 4242 on src_ingestion ended error: Query failed: Table " \
           "src_ingestion.ingestion_log does not exist" in result.stderr


def test_a_bad_duration_is_a_usage_error(project):
    result = tdgen(project, "status", "--stale-after", "soon")
    assert result.exit_code == 2 and "--stale-after: 'soon' is not a duration" in result.stderr
