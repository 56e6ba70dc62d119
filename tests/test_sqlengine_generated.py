"""The SQL files `tdgen generate` writes run on the local SQL engine and mean what the workflows
need: rendered with Digdag values (`${...}` by a real JavaScript engine), executed in workflow
order against an ingestion_log, with the clock at chosen instants. Also: every timestamp format
renders and parses exactly as its Python pattern says."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import yaml

from generator.digdag.evaluate import render
from generator.formats import load_formats
from generator.local.sqlengine import (
    SqlEngine,
    SqlEngineError,
    parse_string_sql,
    render_instant_sql,
)
from generator.project import load_project
from generator.resolved import resolve
from tests.digdag_env import REPO, WORKFLOWS, datasources, params

SQL = WORKFLOWS / "sql"
NOW = datetime(2026, 3, 31, 23, 59, 59, 999000, tzinfo=UTC)   # last millisecond of a month
SCHEDULED = int(datetime(2026, 3, 31, 23, 55, tzinfo=UTC).timestamp())
PROJECT = load_project(REPO)
FORMATS = load_formats(REPO / "templates" / "timestamp_formats")


def resolved(source: str):
    spec = PROJECT.source(source).spec
    return resolve(spec, PROJECT.format_of(spec))


def incremental_sources() -> list[str]:
    return sorted(s.spec.source for s in PROJECT.sources
                  if any(d.get("incremental") for d in datasources(s.spec.source)))


def files(suffix: str) -> list[str]:
    return sorted(p.name[: -len(suffix)] for p in SQL.glob(f"*{suffix}"))


class Run:
    """One source's SQL, rendered as a task inside its for_each sees it, run on one engine."""

    def __init__(self, engine: SqlEngine, source: str, kind: str = "inc"):
        self.engine, self.source, self.kind = engine, source, kind
        self.workflow = f"{source}_ingest_{kind}"
        self.db = yaml.safe_load((WORKFLOWS / "config/database.yml").read_text())

    def sql(self, name: str, ds: dict | None = None, now: datetime = NOW, **extra):
        text = (SQL / name).read_text()
        rendered = render(text, params(self.source, self.workflow, ds or {}, **extra))
        return self.engine.execute(rendered, scheduled_time=SCHEDULED, now=now)

    def log(self) -> list[dict]:
        return self.engine.table_rows(self.db["databases"]["src"], self.db["log_table"])


@pytest.fixture
def engine():
    with SqlEngine() as eng:
        yield eng


def test_every_generated_sql_file_is_covered():
    """A new kind of generated SQL file needs a test here."""
    known = ("ingestion_log_ddl.sql", "log_", "_window_from_log.sql", "_window_from_table.sql",
             "_window_full.sql", "_window_default.sql", "_hist_pending.sql")
    for path in SQL.glob("*.sql"):
        assert any(k in path.name for k in known), path.name


def test_ddl_and_every_log_insert_run(engine):
    source = incremental_sources()[0]
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    run.sql("ingestion_log_ddl.sql")
    run.sql("ingestion_log_ddl.sql")          # IF NOT EXISTS: a second run is harmless
    window = {"table_name": ds["table_name"], "start_time": "2026-01-01", "end_time": "2026-02-01"}
    job = {"id": 987, "num_records": 42}
    err = {"message": "boom: it's 'quoted'"}
    batch = ["2024-01-01", "2024-02-01", "2024-02-01"]
    for name, extra in [
        ("log_ingestion_start.sql", {"td": {"last_results": window}}),
        ("log_ingestion_success.sql", {"td": {"last_results": window, "last_job": job}}),
        ("log_ingestion_skipped.sql", {"td": {"last_results": {**window, "start_time": ""}}}),
        ("log_ingestion_error.sql", {"td": {"last_results": window}, "error": err}),
        ("log_ingestion_error.sql", {"error": err}),            # before any window was stored
        ("log_batch_start.sql", {"batch": batch}),
        ("log_batch_success.sql", {"batch": batch, "td": {"last_job": job}}),
        ("log_batch_error.sql", {"batch": batch, "error": err}),
        ("log_history_done.sql", {}),
        ("log_workflow_error.sql", {"error": err}),
        ("log_runner_completion.sql", {}),
        ("log_runner_error.sql", {"error": err}),
    ]:
        run.sql(name, ds, **extra)
    log = run.log()
    assert [r["status"] for r in log] == ["STARTED", "SUCCESS", "SKIPPED", "ERROR", "ERROR",
                                          "STARTED", "SUCCESS", "ERROR", "SKIPPED", "ERROR",
                                          "SUCCESS", "ERROR"]
    now_seconds = round(NOW.timestamp())          # CAST(to_unixtime(...) AS bigint) rounds
    assert {r["time"] for r in log} == {now_seconds}
    success = log[1]
    assert success["log_id"] == f"41-7-{ds['table_name']}"
    assert (success["start_time"], success["end_time"]) == ("2026-01-01", "2026-02-01")
    assert success["records_processed"] == 42 and success["job_id"] == "987"
    assert success["job_url"].endswith("/app/jobs/987")
    assert log[2]["start_time"] is None                    # NULLIF('', '')
    assert log[3]["error_message"] == "boom: it's 'quoted'"
    assert (log[3]["start_time"], log[4]["start_time"], log[4]["end_time"]) == \
        ("2026-01-01", None, None)
    assert log[6]["log_id"] == f"41-7-{ds['table_name']}-2024-01-01"


@pytest.mark.parametrize("source", files("_window_from_log.sql"))
def test_window_from_log(engine, source):
    fmt = resolved(source).format
    run = Run(engine, source)
    incremental = [d for d in datasources(source) if d.get("incremental")]
    ds, other = incremental[0], (incremental[1:] or [None])[0]
    run.sql("ingestion_log_ddl.sql")
    end = fmt.format(NOW)
    connector_end = end
    empty = run.sql(f"{source}_window_from_log.sql", ds).first_row_dict()
    assert empty == {"table_name": ds["table_name"], "start_time": None, "end_time": end,
                     "connector_end_time": connector_end, "has_window": None}

    def log(status, start, stop, table=ds["table_name"], workflow=None):
        w = {"table_name": table, "start_time": start, "end_time": stop}
        extra = {"td": {"last_results": w, "last_job": {"id": 1, "num_records": 3}},
                 "error": {"message": "x"}}
        if workflow:
            extra["workflow_name"] = workflow
        name = {"SUCCESS": "log_ingestion_success.sql", "ERROR": "log_ingestion_error.sql",
                "STARTED": "log_ingestion_start.sql"}[status]
        run.sql(name, {**ds, "table_name": table}, **extra)

    t = [fmt.format(datetime(2026, 3, d, 12, tzinfo=UTC)) for d in (1, 2, 3, 4, 5)]
    log("STARTED", t[0], t[1])
    log("SUCCESS", t[0], t[1])
    log("SUCCESS", t[1], t[2])          # the watermark: latest SUCCESS end of this table
    log("STARTED", t[2], t[3])
    log("ERROR", t[2], t[3])            # a failure does not move the watermark
    log("SUCCESS", t[3], t[4], table="some_other_table")
    log("SUCCESS", t[3], t[4], workflow=f"{source}_ingest_hist")
    if other is not None:
        log("SUCCESS", t[3], t[4], table=other["table_name"])
    row = run.sql(f"{source}_window_from_log.sql", ds).first_row_dict()
    assert row == {"table_name": ds["table_name"], "start_time": t[2], "end_time": end,
                   "connector_end_time": connector_end, "has_window": True}
    # a run at the watermark itself has an empty window
    at_watermark = run.sql(f"{source}_window_from_log.sql", ds,
                           now=datetime(2026, 3, 3, 12, tzinfo=UTC)).first_row_dict()
    assert at_watermark["end_time"] == t[2] and at_watermark["has_window"] is False


def _field_value(source: str, instant: datetime):
    spec = PROJECT.source(source).spec
    kind = spec.table_field_type
    if kind == "iso8601":
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
    if kind == "format":
        return resolved(source).format.format(instant)
    if kind == "unixtime":
        return int(instant.timestamp())
    raise AssertionError(f"no test value for table_field_type {kind}: add one here")


@pytest.mark.parametrize("source", files("_window_from_table.sql"))
def test_window_from_table(engine, source):
    r = resolved(source)
    fmt, spec = r.format, r.spec
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    db = run.db["databases"]["src"]
    field = ds["incremental_field"]
    engine.create_table(db, ds["table_name"])            # what td_ddl> create_tables leaves
    engine.append_rows(db, ds["table_name"], [{field: _field_value(source, NOW), "time": 0}])
    # only a partition older than the fallback days: nothing in range, the default start
    row = run.sql(f"{source}_window_from_table.sql", ds).first_row_dict()
    assert row == {"table_name": ds["table_name"], "start_time": ds["default_start_time"],
                   "end_time": fmt.format(NOW), "connector_end_time": fmt.format(NOW),
                   "has_window": True}
    days = spec.table_fallback_days
    inside = SCHEDULED - days * 86400               # TD_TIME_RANGE includes its start
    newest = datetime(2026, 3, 30, 8, 7, 6, 543000, tzinfo=UTC)
    engine.append_rows(db, ds["table_name"], [
        {field: _field_value(source, datetime(2026, 1, 2, tzinfo=UTC)), "time": inside},
        {field: _field_value(source, newest), "time": SCHEDULED - 3600},
        {field: _field_value(source, datetime(2026, 3, 31, 23, tzinfo=UTC)),
         "time": inside - 1},                        # just outside the scanned partitions
    ])
    row = run.sql(f"{source}_window_from_table.sql", ds).first_row_dict()
    assert row["start_time"] == fmt.format(newest)
    assert row["has_window"] is True


@pytest.mark.parametrize("source", files("_window_default.sql"))
def test_window_default(engine, source):
    fmt = resolved(source).format
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    db = run.db["databases"]["src"]
    engine.create_table(db, ds["table_name"])
    row = run.sql(f"{source}_window_default.sql", ds).first_row_dict()
    assert row == {"table_name": ds["table_name"], "start_time": ds["default_start_time"],
                   "end_time": fmt.format(NOW), "connector_end_time": fmt.format(NOW),
                   "has_window": True, "field_exists": False}
    engine.append_rows(db, ds["table_name"], [{ds["incremental_field"]: "x", "time": 1}])
    assert run.sql(f"{source}_window_default.sql", ds).first_row_dict()["field_exists"] is True


@pytest.mark.parametrize("source", files("_window_full.sql"))
def test_window_full(engine, source):
    fmt = resolved(source).format
    run = Run(engine, source)
    full = [d for d in datasources(source) if not d.get("incremental")]
    ds = full[0] if full else datasources(source)[0]
    result = run.sql(f"{source}_window_full.sql", ds)
    expected_end = fmt.format(NOW) if fmt else None
    row = result.first_row_dict()
    assert row["table_name"] == ds["table_name"] and row["start_time"] is None
    assert row["has_window"] is True
    if expected_end:
        assert row["end_time"] == row["connector_end_time"] == expected_end
    else:   # connectors without a window still end at now, in some text form
        assert row["end_time"]


@pytest.mark.parametrize("source", files("_hist_pending.sql"))
def test_hist_pending(engine, source):
    r = resolved(source)
    expected = [[b.start, b.end, b.connector_end] for b in r.batches]
    per_run = r.spec.history.months_per_run
    run = Run(engine, source, "hist")
    ds = datasources(source, "hist")[0]
    run.sql("ingestion_log_ddl.sql")

    def pending():
        row = run.sql(f"{source}_hist_pending.sql", ds).first_row_dict()
        return row["pending_count"], json.loads(row["batches"]) if row["batches"] else None

    count, batches = pending()
    assert count == len(expected) and batches == expected[:per_run]
    assert all(a[1] == b[0] for a, b in pairwise(batches))   # contiguous, oldest first

    def log(name, batch, **extra):
        run.sql(name, ds, batch=batch, td={"last_job": {"id": 5, "num_records": 1}},
                error={"message": "x"}, **extra)

    log("log_batch_success.sql", expected[0])
    log("log_batch_success.sql", expected[2])
    log("log_batch_start.sql", expected[1])
    log("log_batch_error.sql", expected[1])                          # still pending
    log("log_batch_success.sql", expected[3], workflow_name="another_workflow")
    other = {**ds, "table_name": "another_table"}
    run.sql("log_batch_success.sql", other, batch=expected[4],
            td={"last_job": {"id": 5, "num_records": 1}})
    count, batches = pending()
    remaining = [b for i, b in enumerate(expected) if i not in (0, 2)]
    assert count == len(expected) - 2
    assert batches == remaining[:per_run]
    for batch in expected:
        log("log_batch_success.sql", batch)
    assert pending() == (0, None)
    run.sql("log_history_done.sql", ds)


def test_lag_and_lookback_expressions_of_the_templates(engine):
    """templates/sql/_window.j2 renders `fmt.sql_render(now - lag)` and
    `fmt.sql_render(fmt.sql_parse(watermark) - lookback)`: with the operand parenthesised the
    engine computes the lagged end and the re-read start."""
    for fmt in FORMATS.values():
        lagged = fmt.sql_render("(current_timestamp - INTERVAL '900' SECOND)")
        row = engine.execute(f"SELECT {lagged}", now=NOW).rows[0][0]
        assert row == fmt.format(NOW - timedelta(minutes=15))
        watermark = fmt.format(datetime(2026, 3, 1, tzinfo=UTC))
        back = fmt.sql_render(f"({fmt.sql_parse(repr(watermark))} - INTERVAL '3600' SECOND)")
        assert engine.execute(f"SELECT {back}").rows[0][0] == \
            fmt.format(datetime(2026, 2, 28, 23, tzinfo=UTC))
        step = fmt.sql_render("date_add('millisecond', -1, current_timestamp)")
        assert engine.execute(f"SELECT {step}", now=NOW).rows[0][0] == \
            fmt.format(NOW - timedelta(milliseconds=1))


def test_at_time_zone_binds_tighter_than_minus(engine):
    """Trino parses `ts - INTERVAL '900' SECOND AT TIME ZONE 'UTC'` as
    `ts - (INTERVAL ... AT TIME ZONE 'UTC')` and rejects it; so does the engine, clearly."""
    sql = ("SELECT format_datetime(current_timestamp - INTERVAL '900' SECOND "
           "AT TIME ZONE 'UTC', 'yyyy')")
    with pytest.raises(SqlEngineError, match="binds tighter than"):
        engine.execute(sql)


# --- timestamp formats ---------------------------------------------------------------------

INSTANTS = [
    datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC),    # leap day, last millisecond
    datetime(2024, 1, 31, 23, 59, 59, 999000, tzinfo=UTC),    # last millisecond of a month
    datetime(2023, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),   # last of a year
    datetime(2024, 1, 1, 0, 0, 0, 0, tzinfo=UTC),             # first of a year
    datetime(1999, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    datetime(2000, 1, 1, 0, 0, 0, 1000, tzinfo=UTC),
    datetime(2023, 9, 1, 7, 8, 9, 123000, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 8, 0, tzinfo=UTC),
]


@pytest.fixture(scope="module")
def shared():
    with SqlEngine() as eng:
        yield eng


@pytest.mark.parametrize("name", sorted(FORMATS))
@pytest.mark.parametrize("instant", INSTANTS, ids=lambda i: i.isoformat())
def test_format_renders_as_python_and_parses_back(shared, name, instant):
    fmt = FORMATS[name]
    text = render_instant_sql(fmt, instant, shared)
    assert text == fmt.format(instant)
    assert parse_string_sql(fmt, text, shared) == fmt.parse(text)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_format_micro_digits_print_from_milliseconds(shared, name):
    # Trino's format_datetime prints from millisecond precision: micros formats end in 000
    fmt = FORMATS[name]
    instant = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    text = render_instant_sql(fmt, instant, shared)
    assert text == fmt.format(instant.replace(microsecond=999000))
    if "%6f" in fmt.python:
        assert text.endswith("999000")
        # and parsing a string with real micros keeps milliseconds, as Joda does
        assert parse_string_sql(fmt, "2024-02-29T23:59:59.999999", shared) == \
            datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)


def test_format_helpers_work_without_an_engine():
    fmt = FORMATS["millis_z"]
    assert render_instant_sql(fmt, datetime(2024, 2, 29, 23, 59, 59, 999000)) == \
        "2024-02-29T23:59:59.999Z"
    assert parse_string_sql(fmt, "2024-02-29T23:59:59.999Z") == \
        datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)


def test_format_strings_sort_in_time_order_on_the_engine(shared):
    for fmt in FORMATS.values():
        texts = [render_instant_sql(fmt, i, shared) for i in sorted(INSTANTS)]
        assert texts == sorted(texts), fmt.name

