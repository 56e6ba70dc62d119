"""`tdgen status`: the analysis of ingestion_log rows, then the whole way through td-client."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.errors import UsageError
from generator.timestamp_formats import load_formats
from generator.td.ingestion_log import ERROR, STARTED, SUCCESS, LogRow, log_query
from generator.td.status import (
    FULL,
    HISTORY,
    INCREMENTAL,
    ExpectedTable,
    analyse,
    duration_text,
    parse_duration,
)
from tests.fake_td import point_env_at, running_fake, write_fast_settings
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
        source="shop", log_id=None, records=None) -> LogRow:
    return LogRow(source, workflow, table, status, start, end, message, logged, log_id,
                  records)


def window(start_h, end_h, table="orders", **kw) -> LogRow:
    """A SUCCESS window [now - start_h, now - end_h), logged at its end."""
    return row(SUCCESS, ts(start_h), ts(end_h), at(end_h), table, **kw)


def started(start_h, end_h, log_id, table="orders") -> LogRow:
    """The STARTED row of the window [now - start_h, now - end_h), logged at its end."""
    return row(STARTED, ts(start_h), ts(end_h), at(end_h), table, log_id=log_id)


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


def test_a_success_after_errors_ends_the_streak_and_the_last_error_is_kept():
    rows = [row(ERROR, ts(30), None, at(25), message="boom"), window(30, 2)]
    report, t = one(rows)
    assert report.healthy and t.error_streak == 0 and t.state == "ok"
    assert (t.last_error, t.last_error_at) == ("boom", NOW - timedelta(hours=25))
    assert t.notes == [(f"last ERROR {(NOW - timedelta(hours=25)).isoformat()[:19]}Z, "
                        "recovered since: boom")]


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


def test_rows_loaded_by_the_last_success_and_over_the_period():
    rows = [window(30, 20, records=100), window(20, 10, records=7),
            window(10, 1, records=0), row(ERROR, ts(1), None, at(0.5), message="x")]
    _, t = one(rows)
    assert (t.successes, t.rows_last, t.rows_period) == (3, 0, 107)


def test_a_started_row_that_never_finished_is_failing_once_older_than_stale_after():
    rows = [started(30, 20, "1-1-orders"), window(30, 20, log_id="1-1-orders"),
            started(20, 10, "2-1-orders")]  # run 2 never logged SUCCESS or ERROR
    report, t = one(rows, stale_after=timedelta(hours=5))
    [u] = t.unfinished
    assert (u.log_id, u.start_time, u.end_time) == ("2-1-orders", ts(20), ts(10))
    assert u.age == timedelta(hours=10) and u.stuck and not u.superseded
    assert not report.healthy and t.state == "failing"
    assert t.problems[-1] == (f"STARTED 10h ago and never finished (log_id 2-1-orders, window "
                              f"[{ts(20)}, {ts(10)})): the load was killed or hangs, and no "
                              "later SUCCESS replaced it")


def test_a_recent_started_row_is_running_and_a_superseded_one_is_only_a_note():
    running = [window(30, 20, log_id="1-1-orders"), started(20, 1, "2-1-orders")]
    report, t = one(running)  # one hour old, stale after two days
    assert report.healthy and t.unfinished[0].stuck is False
    assert "still running?" in t.notes[0]
    killed = [started(30, 20, "1-1-orders"), started(30, 5, "2-1-orders"),
              window(30, 5, log_id="2-1-orders")]
    report, t = one(killed, stale_after=timedelta(hours=6))
    assert report.healthy and [u.log_id for u in t.unfinished] == ["1-1-orders"]
    assert t.unfinished[0].superseded and "a later SUCCESS loaded the table" in t.notes[0]


def test_an_error_ends_its_started_row_and_rows_without_log_id_are_not_judged():
    rows = [window(30, 20), started(20, 10, "2-1-orders"),
            row(ERROR, ts(20), ts(10), at(10), message="boom", log_id="2-1-orders"),
            row(STARTED, ts(20), ts(5), at(5))]  # a legacy row: no log_id
    _, t = one(rows)
    assert t.unfinished == [] and t.error_streak == 1


def test_tables_are_sorted_worst_first():
    expected = [orders(table=name) for name in ("a_ok", "b_stale", "c_hole", "d_failing",
                                                "e_ok")]
    rows = [window(10, 1, "a_ok"), window(10, 1, "e_ok"), window(100, 80, "b_stale"),
            window(30, 20, "c_hole"), window(18, 1, "c_hole"),
            window(30, 20, "d_failing"), row(ERROR, ts(20), None, at(1), "d_failing")]
    report = analyse(rows, expected, NOW, TWO_DAYS)
    assert [(t.table, t.state) for t in report.tables] == [
        ("d_failing", "failing"), ("c_hole", "hole"), ("b_stale", "stale"), ("a_ok", "ok"),
        ("e_ok", "ok")]
    assert report.counts() == {"failing": 1, "hole": 1, "overlap": 0, "invalid": 0,
                               "stale": 1, "ok": 2}


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
    since = int((NOW - timedelta(days=30)).timestamp())
    assert f"WHERE (time >= {since} OR time IS NULL)" in query  # NULL times are never dropped
    assert "status IN ('STARTED', 'SUCCESS', 'ERROR', 'SKIPPED')" in query
    only = log_query("ingestion_log", NOW, ["shop", "o'brien"])
    assert tsv.validate(only).valid and "source_name IN ('shop', 'o''brien')" in only


# --- end to end: td-client against the fake server ------------------------------------------

def log(source, workflow, table, status, start, end, logged: datetime, message=None,
        log_id=None, records=None) -> dict:
    return {"log_id": log_id, "source_name": source, "workflow_name": workflow,
            "table_name": table, "status": status, "start_time": start, "end_time": end,
            "records_processed": records, "error_message": message,
            "time": int(logged.timestamp())}


def healthy_log(project: Path, now: datetime) -> list[dict]:
    """A SUCCESS window ending an hour ago for every incremental and full table."""
    from generator.spec.project import load_project
    from generator.td.status import expected_tables

    rows = []
    for t in expected_tables(load_project(project)):
        if t.kind == HISTORY:
            continue
        fmt = t.format
        end = now - timedelta(hours=1)
        start = end - timedelta(hours=6)
        text = fmt.format if fmt else (lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        window = (text(start) if t.kind == INCREMENTAL else None, text(end))
        rows.append(log(t.source, t.workflow, t.table, "STARTED", *window, end,
                        log_id=f"7-1-{t.table}"))
        rows.append(log(t.source, t.workflow, t.table, SUCCESS, *window, end,
                        log_id=f"7-1-{t.table}", records=10))
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
    assert report["tables"][0]["table"] == "klaviyo_events"  # worst first
    assert "klaviyo_retired" not in result.stdout  # logged before --since: not read
    assert all(t["lag_seconds"] == pytest.approx(3600, abs=120) and t["rows_last"] == 10
               for t in report["tables"] if t["kind"] in (INCREMENTAL, FULL))
    assert "query job 4242 is running" in result.stderr


def test_status_exits_0_when_every_table_is_healthy(project, td_env):
    import re

    write_fast_settings(project)
    td_env.log_rows = healthy_log(project, datetime.now(UTC))
    result = tdgen(project, "status")
    assert result.exit_code == 0, result.output
    assert "all healthy" in result.stdout
    assert re.search(r"^ok +klaviyo +klaviyo_events +incremental +\S+ +1h +10 +10 +0 +0$",
                     result.stdout, re.MULTILINE), result.stdout


def test_a_missing_log_table_is_a_failure_that_says_how_to_create_it(project, td_env):
    write_fast_settings(project)
    td_env.log_rows = None  # the database exists; no workflow has run yet
    result = tdgen(project, "status")
    assert result.exit_code == 1
    assert "query job 4242 on src_ingestion ended error: " in result.stderr
    assert "ingestion_log does not exist" in result.stderr
    assert "the workflows create src_ingestion.ingestion_log on their first run" \
        in result.stderr


def test_a_missing_database_is_a_configuration_error_with_the_fix(project, td_env):
    write_fast_settings(project)
    settings = project / "tdgen.yml"
    settings.write_text(settings.read_text().replace("src: src_ingestion", "src: src_ingest"))
    result = tdgen(project, "status")
    assert result.exit_code == 2
    assert "TD has no database src_ingest at http://127.0.0.1:" in result.stderr
    assert "check databases.src in tdgen.yml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_an_unreachable_td_is_one_message_with_the_fix(project, td_env, monkeypatch):
    import socket

    write_fast_settings(project)
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("TD_API_ENDPOINT", f"http://127.0.0.1:{port}")
    result = tdgen(project, "status")
    assert result.exit_code == 1
    assert f"cannot reach TD at http://127.0.0.1:{port} (" in result.stderr
    assert "check the network" in result.stderr and "TD_API_ENDPOINT" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_duration_or_instant_or_source_is_a_usage_error(project):
    result = tdgen(project, "status", "--stale-after", "soon")
    assert result.exit_code == 2 and "--stale-after: 'soon' is not a duration" in result.stderr
    result = tdgen(project, "status", "--now", "yesterday")
    assert result.exit_code == 2 and "--now: 'yesterday' is not an ISO 8601" in result.stderr
    result = tdgen(project, "status", "--source", "shopify", "--local")
    assert result.exit_code == 2
    assert "--source: no source named 'shopify' in sources/; did you mean 'shopify_v2'? " \
           "(known: google_bigquery, klaviyo, onetrust, pinterest, shopify_v2)" in result.stderr


# --- end to end: simulated runs on the local engine, then status through td-client ---------

SIM_START = datetime(2026, 11, 1, tzinfo=UTC)
SIM_EVERY = timedelta(hours=12)
SIM_RUNS = 5
AFTER_LAST_RUN = SIM_START + SIM_EVERY * (SIM_RUNS - 1) + timedelta(hours=1)
PRODUCTS, VARIANTS = "shopify_v2_products", "shopify_v2_product_variants"


def _sim_lag() -> timedelta:
    from generator.spec.project import load_project
    from generator.render.env import duration_seconds
    from generator.spec.resolved import resolve

    spec = load_project(REPO).source("shopify_v2").spec
    return timedelta(seconds=duration_seconds(resolve(spec, MILLIS).lag))


SIM_LAG = _sim_lag()   # windows end on the run's time less the source's lag


def run_end(run: int) -> str:
    """The end of the window run ``run`` (1-based) loaded."""
    return MILLIS.format(SIM_START + SIM_EVERY * (run - 1) - SIM_LAG)


def log_id_of(runs: list[list[dict]], run: int, table: str | None = PRODUCTS) -> str:
    """The log_id under which run ``run`` logged ``table`` (None: the workflow itself)."""
    [log_id] = {r["log_id"] for r in runs[run - 1] if r["table_name"] == table}
    return log_id


@pytest.fixture(scope="module")
def simulations(tmp_path_factory):
    """Five runs of shopify_v2 twelve hours apart, written to DuckDB files by the local engine:
    ``recovered`` (products fails in run 3 and is reloaded in run 4) and ``failing`` (products
    fails in runs 4 and 5, the last ones). Each object runs as its own session (require>), so
    a run logs each table under its own ``<session>-<attempt>-<table>`` log_id."""
    import re

    from generator.local.faults import Fault
    from generator.local.simulate import run_local

    made = {}
    for name, failures in (("recovered", ["products@3"]),
                           ("failing", ["products@4", "products@5"])):
        path = tmp_path_factory.mktemp("sim") / f"{name}.duckdb"
        sim = run_local(REPO, "shopify_v2", runs=SIM_RUNS, every=SIM_EVERY, start=SIM_START,
                        failures=[Fault.parse(f) for f in failures], db_path=path,
                        fresh=True)
        assert [r.success for r in sim.runs] == [
            not any(f.endswith(f"@{r.number}") for f in failures) for r in sim.runs]
        runs = [r.log for r in sim.runs]
        sessions = []
        for k in range(1, len(runs) + 1):
            for table in (PRODUCTS, VARIANTS):
                log_id = log_id_of(runs, k, table)
                assert re.fullmatch(rf"(\d+)-(\d+)-{table}", log_id), log_id
                sessions.append(int(log_id.split("-")[0]))
        assert len(set(sessions)) == len(sessions)      # a new session per object and run
        made[name] = (path, sim.log(), runs)
        sim.engine.close()
    return made


@pytest.fixture
def served(simulations, project, td_env, tmp_path):
    """Serve a copy of one simulation's DuckDB file from the fake TD; returns its path."""
    import shutil

    write_fast_settings(project)

    def serve(name: str) -> tuple[Path, list[dict], list[list[dict]]]:
        path, rows, runs = simulations[name]
        copy = tmp_path / path.name
        shutil.copyfile(path, copy)
        td_env.db_path = copy
        return copy, rows, runs
    return serve


def execute(path: Path, sql: str) -> None:
    from generator.local.sql.engine import SqlEngine

    with SqlEngine(path) as engine:
        engine.execute(sql)


def status_json(project: Path, *args: str, now: datetime = AFTER_LAST_RUN):
    result = tdgen(project, "status", "--source", "shopify_v2", "--now",
                   now.isoformat(), "--format", "json", *args)
    return result, json.loads(result.stdout)


def by_table(report: dict) -> dict:
    return {t["table"]: t for t in report["tables"]}


def test_simulated_runs_that_recovered_are_healthy(served, project, td_env):
    _, rows, _ = served("recovered")
    result, report = status_json(project)
    assert result.exit_code == 0, result.output
    [issue] = td_env.calls("POST")
    assert "source_name IN ('shopify_v2')" in issue.body.decode()
    tables = by_table(report)
    assert set(tables) == {PRODUCTS, VARIANTS, f"{PRODUCTS}_hist", f"{VARIANTS}_hist"}
    products = tables[PRODUCTS]
    assert products["state"] == "ok" and products["error_streak"] == 0
    assert products["last_end"] == run_end(5) == "2026-11-02T23:55:00.000Z"
    # --now is an hour after the last run, whose window ended the lag before it
    assert products["lag_seconds"] == 3600 + SIM_LAG.total_seconds()
    successes = [r for r in rows if r["table_name"] == PRODUCTS and r["status"] == "SUCCESS"]
    assert products["rows_period"] == sum(r["records_processed"] for r in successes)
    assert products["rows_last"] == successes[-1]["records_processed"]
    assert "injected failure of products:td_load in run 3" in products["last_error"]
    assert products["unfinished"] == [] and products["gaps"] == []
    text = tdgen(project, "status", "--source", "shopify_v2", "--now", "2026-11-03T01:00:00Z")
    assert text.exit_code == 0 and "4 table(s), all healthy" in text.stdout
    assert "recovered since: TD job failed: injected failure of products:td_load in run 3" \
        in text.stdout


def test_the_last_runs_failing_is_an_error_streak_and_exit_1(served, project):
    served("failing")
    result, report = status_json(project)
    assert result.exit_code == 1
    # worst first: the failing workflow (no table), then its failing table
    assert [t["table"] for t in report["tables"][:2]] == [None, PRODUCTS]
    products = by_table(report)[PRODUCTS]
    assert (products["state"], products["error_streak"]) == ("failing", 2)
    assert "injected failure of products:td_load in run 5" in products["last_error"]
    assert products["last_error_at"] == "2026-11-03T00:00:00Z"
    assert products["last_end"] == run_end(3) == "2026-11-01T23:55:00.000Z"  # run 3's window
    assert products["lag_seconds"] == 25 * 3600 + SIM_LAG.total_seconds()
    assert products["unfinished"] == []      # each failed load logged its ERROR
    assert by_table(report)[VARIANTS]["state"] == "ok"
    assert by_table(report)[VARIANTS]["last_end"] == run_end(5)
    assert [t["table"] for t in report["tables"] if t["state"] == "failing" and t["table"]] \
        == [PRODUCTS]
    assert report["healthy"] is False
    text = tdgen(project, "status", "--source", "shopify_v2", "--now", "2026-11-03T01:00:00Z")
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["state", "source", "table", "kind", "last", "window", "end",
                                "lag", "rows", "last", "rows", "period", "errors",
                                "unfinished"]
    assert lines[2].split()[:3] == ["FAILING", "shopify_v2", PRODUCTS]
    assert "2 ERROR(s) since the last SUCCESS; last: TD job failed: injected failure of " \
           "products:td_load in run 5" in text.stdout


def test_the_workflow_of_the_last_failing_runs_is_failing_too(served, project):
    _, rows, runs = served("failing")
    workflow_errors = [r for r in rows if r["table_name"] is None and r["status"] == "ERROR"]
    assert [r["log_id"] for r in workflow_errors] == [
        log_id_of(runs, 4, None), log_id_of(runs, 5, None)]
    assert all("1 object(s) failed: shopify_v2_products" in r["error_message"]
               for r in workflow_errors)
    result, report = status_json(project)
    first_two = report["tables"][:2]
    assert {(t["table"], t["state"], t["error_streak"]) for t in first_two} == {
        (PRODUCTS, "failing", 2), (None, "failing", 2)}  # the table and its workflow
    assert report["counts"]["failing"] == 2
    text = tdgen(project, "status", "--source", "shopify_v2", "--now", "2026-11-03T01:00:00Z")
    assert "5 table(s), 2 with problems (2 failing)" in text.stdout


def test_a_success_row_missing_from_the_log_is_a_hole(served, project):
    path, _, runs = served("recovered")
    run2 = log_id_of(runs, 2)
    execute(path, "DELETE FROM src_ingestion.ingestion_log WHERE log_id = "
                  f"'{run2}' AND status = 'SUCCESS'")
    result, report = status_json(project)
    assert result.exit_code == 1
    products = report["tables"][0]
    assert (products["table"], products["state"]) == (PRODUCTS, "hole")
    assert products["gaps"] == [{"kind": "hole", "end": run_end(1), "next_start": run_end(2),
                                 "seconds": 12 * 3600.0}]
    assert (run_end(1), run_end(2)) == ("2026-10-31T23:55:00.000Z", "2026-11-01T11:55:00.000Z")
    # its STARTED row is left without an end; run 4 reloaded the table since: only a note
    [unfinished] = products["unfinished"]
    assert unfinished["log_id"] == run2 and unfinished["superseded"]
    assert products["problems"] == [f"hole of 12h between {run_end(1)} and {run_end(2)}"]


def test_a_load_that_never_ended_fails_once_older_than_stale_after(served, project):
    path, _, runs = served("failing")
    run5 = sorted({r["log_id"] for r in runs[4] if r["status"] == ERROR})
    assert log_id_of(runs, 5) in run5 and log_id_of(runs, 5, VARIANTS) not in run5
    ids = ", ".join(f"'{i}'" for i in run5)
    execute(path, f"DELETE FROM src_ingestion.ingestion_log WHERE log_id IN ({ids}) "
                  "AND status = 'ERROR'")  # run 5 was killed: no ERROR row, no _error task
    result, report = status_json(project)
    products = by_table(report)[PRODUCTS]
    assert products["unfinished"][0]["log_id"] == log_id_of(runs, 5)
    assert not products["unfinished"][0]["stuck"]  # an hour old: maybe still running
    assert products["error_streak"] == 1 and result.exit_code == 1  # run 4 failed
    later = AFTER_LAST_RUN + timedelta(hours=2)
    result, report = status_json(project, "--stale-after", "2h", now=later)
    products = by_table(report)[PRODUCTS]
    assert products["unfinished"][0]["stuck"] and products["state"] == "failing"
    assert any(p.startswith(f"STARTED 3h ago and never finished (log_id {log_id_of(runs, 5)}")
               for p in products["problems"])


def test_stale_tables_after_the_runs_stop(served, project):
    served("recovered")
    result, report = status_json(project, now=AFTER_LAST_RUN + timedelta(days=3))
    assert result.exit_code == 1
    tables = by_table(report)
    assert tables[PRODUCTS]["state"] == tables[VARIANTS]["state"] == "stale"
    assert tables[f"{PRODUCTS}_hist"]["state"] == "ok"  # history is never stale
    assert [t["state"] for t in report["tables"]] == ["stale", "stale", "ok", "ok"]


def test_local_reads_the_same_file_and_reports_the_same(served, project, td_env):
    import shutil

    path, _, _ = served("failing")
    _, remote = status_json(project)
    _, local = status_json(project, "--local", str(path))
    assert len(td_env.calls("POST")) == 1  # --local did not ask TD
    assert local["origin"] == str(path) and remote["origin"].startswith("TD")
    del local["origin"], remote["origin"]
    assert local == remote
    (project / ".tdgen").mkdir(exist_ok=True)
    shutil.copyfile(path, project / ".tdgen" / "local.duckdb")
    _, default = status_json(project, "--local")  # default FILE: .tdgen/local.duckdb
    del default["origin"]
    assert default == remote


def test_local_without_a_database_says_to_run_locally_first(project):
    result = tdgen(project, "status", "--local")
    assert result.exit_code == 2
    assert "no local engine database; run `tdgen run-local SOURCE` first" in result.stderr


def test_local_with_a_file_that_is_not_a_database_says_so(project, tmp_path):
    bogus = tmp_path / "log.duckdb"
    bogus.write_text("not a database")
    result = tdgen(project, "status", "--local", str(bogus))
    assert result.exit_code == 2
    assert f"{bogus}: cannot open it as the local engine's DuckDB database (" in result.stderr
