"""The SQL files `tdgen generate` writes run on the local SQL engine and mean what the workflows
need: rendered with Digdag values (`${...}` by a real JavaScript engine), executed in workflow
order against an ingestion_log, with the clock at chosen instants. Also: every timestamp format
renders and parses exactly as its Python pattern says.

The exactly-once design these files implement: a window ends on a whole second less the
source's lag and is tagged with that end in unix seconds (`end_unixtime`, the `time` of its
rows); a load is claimed (a STARTED row) before it runs and the claim is read back before every
attempt (`<source>_claim.sql`, `<source>_batch_claim.sql`); a claim whose rows are in the table
but whose SUCCESS was never logged is reconciled (`<source>_reconcile.sql`)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import yaml

from generator.digdag.evaluate import render
from generator.timestamp_formats import load_formats
from generator.local.sql.engine import (
    SqlEngine,
    SqlEngineError,
    parse_string_sql,
    render_instant_sql,
)
from generator.spec.project import load_project
from generator.render.env import duration_seconds
from generator.render.plan import Renderer
from generator.render.writer import split_header
from generator.spec.resolved import resolve
from tests.digdag_env import REPO, WORKFLOWS, datasources, params

SQL = WORKFLOWS / "sql"
NOW = datetime(2026, 3, 31, 23, 59, 59, 999000, tzinfo=UTC)   # last millisecond of a month
SCHEDULED = int(datetime(2026, 3, 31, 23, 55, tzinfo=UTC).timestamp())
LOGGED = datetime(2026, 3, 31, 12, tzinfo=UTC)                  # when test rows are logged
PROJECT = load_project(REPO)
FORMATS = load_formats(REPO / "templates" / "timestamp_formats")
TABLE_FIELD_TYPES = ("format", "td_timestamp", "iso8601", "unixtime")


def resolved(source: str):
    spec = PROJECT.source(source).spec
    return resolve(spec, PROJECT.format_of(spec))


def fmt_of(source: str):
    """The format the generator renders a source's SQL with (millis_z when it has none)."""
    return resolved(source).format or FORMATS["millis_z"]


def unix(instant: datetime) -> int:
    return int(instant.timestamp())


def window_end(source: str, now: datetime = NOW) -> datetime:
    """Now on a whole second, less the source's lag."""
    return now.replace(microsecond=0) - timedelta(seconds=duration_seconds(resolved(source).lag))


def incremental_sources() -> list[str]:
    return sorted(s.spec.source for s in PROJECT.sources
                  if any(d.get("incremental") for d in datasources(s.spec.source)))


def files(suffix: str) -> list[str]:
    """The sources with a generated ``<source><suffix>`` (``_claim.sql`` is not
    ``_batch_claim.sql``)."""
    sources = {s.spec.source for s in PROJECT.sources}
    return sorted(p.name[: -len(suffix)] for p in SQL.glob(f"*{suffix}")
                  if p.name[: -len(suffix)] in sources)


class Run:
    """One source's SQL, rendered as a task inside its object workflow sees it, run on one
    engine."""

    def __init__(self, engine: SqlEngine, source: str, kind: str = "inc"):
        self.engine, self.source, self.kind = engine, source, kind
        self.workflow = f"{source}_ingest_{kind}"
        self.db = yaml.safe_load((WORKFLOWS / "config/database.yml").read_text())
        self.src = self.db["databases"]["src"]

    def text(self, name: str, ds: dict | None = None, **extra) -> str:
        return render((SQL / name).read_text(),
                      params(self.source, self.workflow, ds or {}, **extra))

    def sql(self, name: str, ds: dict | None = None, now: datetime = NOW, **extra):
        return self.query(self.text(name, ds, **extra), now)

    def query(self, rendered: str, now: datetime = NOW):
        return self.engine.execute(rendered, scheduled_time=SCHEDULED, now=now)

    def log(self) -> list[dict]:
        return self.engine.table_rows(self.src, self.db["log_table"])

    def write(self, status: str, ds: dict, session: int, start: str | None = None,
              end: str | None = None, batch: list | None = None, now: datetime = LOGGED,
              committed: int = 0, **extra) -> None:
        """One ingestion_log row, written by the generated statement of that event."""
        ids = {"session_id": session, "attempt_id": session}
        results = {"table_name": ds["table_name"], "start_time": start or "",
                   "end_time": end or "", "committed_rows": committed}
        common = {"td": {"last_results": results, "last_job": {"id": 900 + session,
                                                               "num_records": 5}},
                  "error": {"message": f"failed in session {session}"},
                  "skip_reason": f"skipped in session {session}", **ids, **extra}
        if batch is not None:
            name = {"STARTED": "log_batch_start", "SUCCESS": "log_batch_success",
                    "ERROR": "log_batch_error", "SKIPPED": "log_batch_skipped"}[status]
            common["batch"] = batch
        else:
            name = {"STARTED": "log_ingestion_start", "SUCCESS": "log_ingestion_success",
                    "ERROR": "log_ingestion_error", "SKIPPED": "log_ingestion_skipped"}[status]
        self.sql(f"{name}.sql", ds, now=now, **common)

    def tag_rows(self, ds: dict, tag: int, count: int) -> None:
        """Rows a load of the window tagged ``tag`` committed (add_time from_value)."""
        self.engine.append_rows(self.src, ds["table_name"],
                                [{"id": f"{tag}-{i}", "time": tag} for i in range(count)])


@pytest.fixture
def engine():
    with SqlEngine() as eng:
        yield eng


# --- every file -------------------------------------------------------------------------------

LOG_FILES = ("log_ingestion_start.sql", "log_ingestion_success.sql",
             "log_ingestion_skipped.sql", "log_ingestion_error.sql", "log_batch_start.sql",
             "log_batch_success.sql", "log_batch_skipped.sql", "log_batch_error.sql",
             "log_history_done.sql", "log_workflow_error.sql", "log_workflow_success.sql",
             "log_runner_completion.sql", "log_runner_error.sql")
SHARED = ("ingestion_log_ddl.sql", "session_failures.sql", *LOG_FILES)
PER_SOURCE = ("_window_from_log.sql", "_window_from_table.sql", "_window_full.sql",
              "_window_default.sql", "_hist_pending.sql", "_batch_claim.sql", "_claim.sql",
              "_reconcile.sql")


def test_every_generated_sql_file_is_covered():
    """A new kind of generated SQL file needs a test here: every shared file is run by name,
    every per-source file by a test parametrized over its suffix."""
    names = {p.name for p in SQL.glob("*.sql")}
    assert set(SHARED) <= names, sorted(set(SHARED) - names)
    sources = {s.spec.source for s in PROJECT.sources}
    for name in names - set(SHARED):
        assert any(name.startswith(source) and name[len(source):] in PER_SOURCE
                   for source in sources), name
    # every source with incremental objects has the statements of its workflow
    for source in incremental_sources():
        for suffix in ("_window_from_log.sql", "_window_from_table.sql",
                       "_window_default.sql", "_claim.sql", "_reconcile.sql"):
            assert f"{source}{suffix}" in names


def test_ddl_and_every_log_insert_run(engine):
    source = incremental_sources()[0]
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    table = ds["table_name"]
    run.sql("ingestion_log_ddl.sql")
    run.sql("ingestion_log_ddl.sql")          # IF NOT EXISTS: a second run is harmless
    window = {"table_name": table, "start_time": "2026-01-01", "end_time": "2026-02-01",
              "end_unixtime": 1769904000}
    job = {"id": 987, "num_records": 42}
    err = {"message": "boom: it's 'quoted'"}
    batch = ["2024-01-01", "2024-02-01", "2023-12-31", "2024-02-01", "1706745600"]
    claim = {**window, "claimed": True, "reason": "", "committed_rows": 0}
    committed = {**claim, "committed_rows": 17}
    lost = {**claim, "claimed": False, "reason": "window claimed first by 40-40-x"}
    plan = [
        ("log_ingestion_start.sql", {"td": {"last_results": window}}),
        ("log_ingestion_success.sql", {"td": {"last_results": claim, "last_job": job}}),
        ("log_ingestion_success.sql", {"td": {"last_results": committed, "last_job": job}}),
        ("log_ingestion_skipped.sql", {"td": {"last_results": {**window, "start_time": ""}},
                                       "skip_reason": "empty window: it's empty"}),
        ("log_ingestion_skipped.sql", {"td": {"last_results": lost},
                                       "skip_reason": lost["reason"]}),
        ("log_ingestion_error.sql", {"td": {"last_results": window}, "error": err}),
        ("log_ingestion_error.sql", {"error": err}),            # before any window was stored
        ("log_ingestion_error.sql", {"td": {"last_results": {**window, "table_name": "other"}},
                                     "error": err}),            # another object's results
        ("log_batch_start.sql", {"batch": batch}),
        ("log_batch_success.sql", {"batch": batch, "td": {"last_results": claim,
                                                          "last_job": job}}),
        ("log_batch_success.sql", {"batch": batch, "td": {"last_results": committed,
                                                          "last_job": job}}),
        ("log_batch_skipped.sql", {"batch": batch, "skip_reason": "window already loaded"}),
        ("log_batch_error.sql", {"batch": batch, "error": err}),
        ("log_history_done.sql", {}),
        ("log_workflow_error.sql", {"error": err}),
        ("log_workflow_success.sql", {}),
        ("log_runner_completion.sql", {}),
        ("log_runner_error.sql", {"error": err}),
    ]
    assert {name for name, _ in plan} == set(LOG_FILES)
    for name, extra in plan:
        run.sql(name, ds, **extra)
    log = run.log()
    assert [r["status"] for r in log] == [
        "STARTED", "SUCCESS", "SUCCESS", "SKIPPED", "SKIPPED", "ERROR", "ERROR", "ERROR",
        "STARTED", "SUCCESS", "SUCCESS", "SKIPPED", "ERROR", "SKIPPED", "ERROR", "SUCCESS",
        "SUCCESS", "ERROR"]
    now_seconds = round(NOW.timestamp())          # CAST(to_unixtime(...) AS bigint) rounds
    assert {r["time"] for r in log} == {now_seconds}
    assert {r["source_name"] for r in log} == {source}
    assert {r["workflow_name"] for r in log} == {f"{source}_ingest_inc"}
    inc_id, batch_id = f"41-7-{table}", f"41-7-{table}-1706745600"
    assert [r["log_id"] for r in log] == [inc_id] * 8 + [batch_id] * 5 + [
        inc_id, f"41-7-{source}_ingest_inc", f"41-7-{source}_ingest_inc",
        "41-7-ingestion_runner", "41-7-ingestion_runner"]
    assert all(" " not in r["log_id"] for r in log)
    started, success, recovered = log[0], log[1], log[2]
    assert (started["start_time"], started["end_time"]) == ("2026-01-01", "2026-02-01")
    assert started["records_processed"] is None and started["job_id"] is None
    # the load ran: records and job from td_load>
    assert (success["start_time"], success["end_time"]) == ("2026-01-01", "2026-02-01")
    assert success["records_processed"] == 42 and success["job_id"] == "987"
    assert success["job_url"] == "https://console.treasuredata.com/app/jobs/987"
    assert success["error_message"] is None
    # an earlier attempt had committed: the rows the table holds, no job of this attempt
    assert recovered["records_processed"] == 17
    assert recovered["job_id"] is None and recovered["job_url"] is None
    assert recovered["error_message"] == "committed by an earlier attempt of this session"
    assert log[3]["start_time"] is None                    # NULLIF('', '')
    assert log[3]["error_message"] == "empty window: it's empty"
    assert log[4]["error_message"] == "window claimed first by 40-40-x"
    assert log[5]["error_message"] == "boom: it's 'quoted'"
    assert (log[5]["start_time"], log[5]["end_time"]) == ("2026-01-01", "2026-02-01")
    assert (log[6]["start_time"], log[6]["end_time"]) == (None, None)
    assert (log[7]["start_time"], log[7]["end_time"]) == (None, None)
    batch_rows = log[8:13]
    assert {(r["start_time"], r["end_time"]) for r in batch_rows} == {("2024-01-01",
                                                                       "2024-02-01")}
    assert (batch_rows[1]["records_processed"], batch_rows[1]["job_id"]) == (42, "987")
    assert (batch_rows[2]["records_processed"], batch_rows[2]["job_id"]) == (17, None)
    assert batch_rows[3]["error_message"] == "window already loaded"
    assert log[13]["error_message"] == "every historical month is already loaded"
    assert log[14]["table_name"] is None and log[15]["table_name"] is None


@pytest.mark.parametrize("name", ["log_ingestion_error.sql", "log_batch_error.sql",
                                  "log_workflow_error.sql", "log_runner_error.sql"])
@pytest.mark.parametrize("message", [
    "'" * 5000,                       # only quotes: every cut point splits a pair if escaped first
    "x" + "'" * 4999,                 # the 4000th character is a quote
    "it's " * 1000,
    "a\\'b\n" * 1000,                 # backslashes and newlines stay as they are
], ids=["quotes", "odd", "words", "backslash"])
def test_an_error_message_is_cut_then_escaped(engine, name, message):
    """5000 characters full of quotes: cut to 4000 first, then quotes doubled, so the statement
    is valid SQL and the log keeps exactly the first 4000 characters."""
    source = incremental_sources()[0]
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    run.sql("ingestion_log_ddl.sql")
    batch = ["2024-01-01", "2024-02-01", "2023-12-31", "2024-02-01", "1706745600"]
    run.sql(name, ds, error={"message": message}, batch=batch)
    [row] = run.log()
    assert row["error_message"] == message[:4000]


def test_a_skip_reason_is_cut_to_1000_then_escaped(engine):
    source = incremental_sources()[0]
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    run.sql("ingestion_log_ddl.sql")
    reason = "'" * 1500
    run.sql("log_ingestion_skipped.sql", ds, skip_reason=reason,
            td={"last_results": {"start_time": "a", "end_time": "b"}})
    run.sql("log_batch_skipped.sql", ds, skip_reason=reason,
            batch=["a", "b", "a", "b", "1706745600"])
    assert [r["error_message"] for r in run.log()] == [reason[:1000]] * 2


# --- windows ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", files("_window_from_log.sql"))
def test_window_from_log(engine, source):
    r = resolved(source)
    fmt = r.format
    run = Run(engine, source)
    incremental = [d for d in datasources(source) if d.get("incremental")]
    ds, other = incremental[0], (incremental[1:] or [None])[0]
    run.sql("ingestion_log_ddl.sql")
    end_at = window_end(source)
    end, end_unixtime = fmt.format(end_at), unix(end_at)
    assert end_at.microsecond == 0 and end_at < NOW

    def window(since=0, now=NOW):
        row = run.sql(f"{source}_window_from_log.sql", ds, now=now,
                      log_since=since).first_row_dict()
        assert row.pop("log_since") == since  # handed on to the reconcile step
        return row

    empty = window()
    assert empty == {"table_name": ds["table_name"], "start_time": None, "end_time": end,
                     "end_unixtime": end_unixtime, "has_window": None, "open_claims": 0,
                     "claims_from": None, "claims_to": None}
    assert unix(fmt.parse(end)) == end_unixtime     # the tag is the end, in unix seconds

    days = [datetime(2026, 3, d, 12, tzinfo=UTC) for d in (1, 2, 3, 4, 5, 6)]
    t = [fmt.format(d) for d in days]
    w = run.write
    w("STARTED", ds, 1, t[0], t[1])
    w("SUCCESS", ds, 1, t[0], t[1])
    w("STARTED", ds, 2, t[1], t[2])
    w("SUCCESS", ds, 2, t[1], t[2])     # the watermark: latest SUCCESS end of this table
    w("STARTED", ds, 3, t[2], t[3])
    w("ERROR", ds, 3, t[2], t[3])       # a failure does not move the watermark; its load may
    #                                     have committed: an open claim
    w("STARTED", ds, 4, t[2], t[4])     # killed: nothing after its claim; an open claim
    w("STARTED", ds, 5, t[2], t[5])
    w("SKIPPED", ds, 5, t[2], t[5])     # lost its claim: never loaded, not open
    w("STARTED", ds, 6, t[0], t[1])     # before the watermark: not open
    w("SUCCESS", {**ds, "table_name": "some_other_table"}, 7, t[3], t[5])
    w("SUCCESS", ds, 8, t[3], t[5], workflow_name=f"{source}_ingest_hist")
    if other is not None:
        w("SUCCESS", other, 9, t[3], t[5])
    lookback = duration_seconds(r.spec.lookback)
    watermark = fmt.format(days[2] - timedelta(seconds=lookback))
    row = window()
    assert row == {"table_name": ds["table_name"], "start_time": watermark, "end_time": end,
                   "end_unixtime": end_unixtime, "has_window": True, "open_claims": 2,
                   "claims_from": unix(days[3]), "claims_to": unix(days[4])}
    # log_since bounds the log's partitions read: rows logged before it are not seen
    assert window(since=unix(LOGGED)) == row                # TD_TIME_RANGE includes its start
    assert window(since=unix(LOGGED) + 1) == empty
    # a run at the watermark itself (plus the lag) has an empty window
    at_watermark = days[2] + timedelta(seconds=duration_seconds(r.lag))
    row = window(now=at_watermark + timedelta(milliseconds=999))   # whole seconds
    assert (row["end_time"], row["end_unixtime"]) == (t[2], unix(days[2]))
    assert row["has_window"] is (lookback > 0)


def _field_value(kind: str, fmt, instant: datetime):
    """How a table field of ``kind`` holds ``instant``."""
    if kind == "format":
        return fmt.format(instant)
    if kind == "td_timestamp":
        return instant.strftime("%Y-%m-%d %H:%M:%S.") + f"{instant.microsecond // 1000:03d}"
    if kind == "iso8601":
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
    if kind == "unixtime":
        return unix(instant)
    raise AssertionError(f"no test value for table_field_type {kind}: add one here")


def _other_shapes(kind: str, fmt, instant: datetime) -> list:
    """Values of another shape than ``kind`` (later than every valid one), NULL and empty:
    the fallback leaves them out."""
    if kind == "unixtime":      # a bigint column holds no other shape
        return [None]
    others = [f.format(instant) for f in FORMATS.values()] + [
        instant.strftime("%Y-%m-%d %H:%M:%S"), instant.strftime("%Y/%m/%d"), "9999", "later"]
    valid = {"format": fmt.is_valid,
             "td_timestamp": lambda v: len(v) == 23 and v[10] == " " and v[19] == ".",
             "iso8601": lambda v: "T" in v and v[:4].isdigit() and v.count(":") >= 1}[kind]
    return [v for v in others if not valid(v)] + ["", None]


def _step(kind: str, fmt) -> timedelta:
    return {"format": fmt.precision, "td_timestamp": timedelta(milliseconds=1),
            "iso8601": timedelta(milliseconds=1), "unixtime": timedelta(seconds=1)}[kind]


def _truncated(instant: datetime, step: timedelta) -> datetime:
    micros = step // timedelta(microseconds=1)
    return instant.replace(microsecond=instant.microsecond // micros * micros if micros < 10**6
                           else 0)


def window_from_table_sql(source: str, kind: str) -> str:
    """The generated file for the source's own table_field_type; the template rendered for
    the source with another one (no spec in the project uses iso8601 or unixtime yet)."""
    r = resolved(source)
    body = Renderer(PROJECT).render("sql/window_from_table.sql.j2", source,
                                    s=replace(r, table_field_type=kind), fmt=fmt_of(source))
    if kind == r.table_field_type:
        path = SQL / f"{source}_window_from_table.sql"
        assert split_header(path.name, path.read_text())[1] == body
        return path.read_text()
    return body


def test_table_field_types_default_from_the_connector():
    expected = {"google_bigquery": "td_timestamp", "klaviyo": "format", "onetrust": "format",
                "shopify_v2": "format"}
    assert {s: resolved(s).table_field_type for s in files("_window_from_table.sql")} == \
        expected


@pytest.mark.parametrize("kind", TABLE_FIELD_TYPES)
@pytest.mark.parametrize("source", files("_window_from_table.sql"))
def test_window_from_table(engine, source, kind):
    """No watermark in the log: the window starts one step after the table field's maximum
    (exclusive of it: rows at the maximum were loaded), among recent partitions only."""
    r = resolved(source)
    fmt = fmt_of(source)
    text = window_from_table_sql(source, kind)
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    field, table = ds["incremental_field"], ds["table_name"]
    end_at = window_end(source)

    def window():
        return run.query(render(text, params(source, run.workflow, ds))).first_row_dict()

    def value(instant):
        return _field_value(kind, fmt, instant)

    engine.create_table(run.src, table)            # what td_ddl> create_tables leaves
    engine.append_rows(run.src, table, [{field: value(NOW), "time": 0}])
    # only a partition older than the fallback days: nothing in range, the default start
    assert window() == {"table_name": table, "start_time": ds["default_start_time"],
                        "end_time": fmt.format(end_at), "end_unixtime": unix(end_at),
                        "has_window": True}
    inside = SCHEDULED - r.spec.table_fallback_days * 86400  # TD_TIME_RANGE includes its start
    step = _step(kind, fmt)
    newest = datetime(2026, 3, 30, 8, 7, 6, 543210, tzinfo=UTC)
    later = datetime(2026, 3, 31, 23, tzinfo=UTC)
    engine.append_rows(run.src, table, [
        {field: value(datetime(2026, 1, 2, tzinfo=UTC)), "time": inside},
        {field: value(newest), "time": SCHEDULED - 3600},
        {field: value(later), "time": inside - 1},   # just outside the scanned partitions
    ] + [{field: v, "time": SCHEDULED - 60} for v in _other_shapes(kind, fmt, later)])
    row = window()
    start = _truncated(newest, step) + step
    assert row["start_time"] == fmt.format(start)
    assert row["start_time"] > fmt.format(newest)          # exclusive of the maximum
    assert row["has_window"] is True and row["end_unixtime"] == unix(end_at)
    if kind == "format" and fmt.name == "micros_no_zone":
        assert row["start_time"] == "2026-03-30T08:07:06.543211"
    if kind == "td_timestamp" and fmt.name == "sql_server":
        assert row["start_time"] == "2026-03-30 08:07:06.544"
    # a maximum on the last instant of a second: the step carries into the next second
    carry = datetime(2026, 3, 30, 9, 59, 59, 999999, tzinfo=UTC)
    engine.append_rows(run.src, table, [{field: value(carry), "time": SCHEDULED - 60}])
    assert window()["start_time"] == fmt.format(datetime(2026, 3, 30, 10, tzinfo=UTC))


@pytest.mark.parametrize("source", files("_window_from_table.sql"))
def test_window_from_table_reads_iso8601_with_any_offset(engine, source):
    fmt = fmt_of(source)
    text = window_from_table_sql(source, "iso8601")
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    engine.append_rows(run.src, ds["table_name"], [
        {ds["incremental_field"]: "2026-03-30T17:07:06.543+09:00", "time": SCHEDULED - 60},
        {ds["incremental_field"]: "2026-03-30T05:00:00Z", "time": SCHEDULED - 60}])
    row = run.query(render(text, params(source, run.workflow, ds))).first_row_dict()
    assert row["start_time"] == fmt.format(datetime(2026, 3, 30, 8, 7, 6, 544000, tzinfo=UTC))


@pytest.mark.parametrize("source", files("_window_default.sql"))
def test_window_default(engine, source):
    fmt = resolved(source).format
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    end_at = window_end(source)
    engine.create_table(run.src, ds["table_name"])
    row = run.sql(f"{source}_window_default.sql", ds).first_row_dict()
    assert row == {"table_name": ds["table_name"], "start_time": ds["default_start_time"],
                   "end_time": fmt.format(end_at), "end_unixtime": unix(end_at),
                   "has_window": True, "field_exists": False}
    engine.append_rows(run.src, ds["table_name"], [{ds["incremental_field"]: "x", "time": 1}])
    assert run.sql(f"{source}_window_default.sql", ds).first_row_dict()["field_exists"] is True


@pytest.mark.parametrize("source", files("_window_full.sql"))
def test_window_full(engine, source):
    fmt = fmt_of(source)
    run = Run(engine, source)
    full = [d for d in datasources(source) if not d.get("incremental")]
    ds = full[0] if full else datasources(source)[0]
    end_at = window_end(source)
    row = run.sql(f"{source}_window_full.sql", ds).first_row_dict()
    assert row == {"table_name": ds["table_name"], "start_time": None,
                   "end_time": fmt.format(end_at), "end_unixtime": unix(end_at),
                   "has_window": True}


# --- history ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", files("_hist_pending.sql"))
def test_hist_pending(engine, source):
    r = resolved(source)
    fmt = r.format
    expected = [[b.start, b.end, b.connector_start, b.connector_end, str(b.end_unixtime)]
                for b in r.batches]
    per_run = r.spec.history.months_per_run
    run = Run(engine, source, "hist")
    ds = datasources(source, "hist")[0]
    run.sql("ingestion_log_ddl.sql")
    # each batch: [start, end), what the connector is given, and its tag (the end)
    bounds, step = r.bounds, fmt.precision
    for start, end, c_start, c_end, tag in expected:
        assert int(tag) == unix(fmt.parse(end))
        assert c_start == (fmt.format(fmt.parse(start) - step)
                           if bounds and bounds.start_step_back else start)
        assert c_end == (fmt.format(fmt.parse(end) - step)
                         if bounds and bounds.end_step_back else end)

    def pending(since=0):
        row = run.sql(f"{source}_hist_pending.sql", ds, log_since=since).first_row_dict()
        batches = json.loads(row["batches"]) if row["batches"] else None
        return (row["pending_count"], batches,
                (row["open_claims"], row["claims_from"], row["claims_to"]))

    count, batches, claims = pending()
    assert count == len(expected) and batches == expected[:per_run]
    assert claims == (0, None, None)
    assert all(a[1] == b[0] for a, b in pairwise(batches))   # contiguous, oldest first

    w = run.write
    e = expected
    w("STARTED", ds, 1, batch=e[0])
    w("SUCCESS", ds, 1, batch=e[0])
    w("STARTED", ds, 2, batch=e[2])
    w("SUCCESS", ds, 2, batch=e[2])
    w("STARTED", ds, 3, batch=e[1])
    w("ERROR", ds, 3, batch=e[1])                   # still pending; its claim is open
    w("STARTED", ds, 4, batch=e[4])                 # killed after its claim: open
    w("STARTED", ds, 5, batch=e[5])
    w("SKIPPED", ds, 5, batch=e[5])                 # lost its claim: not open
    w("SUCCESS", ds, 6, batch=e[3], workflow_name="another_workflow")
    w("SUCCESS", {**ds, "table_name": "another_table"}, 7, batch=e[6])
    count, batches, claims = pending()
    remaining = [b for i, b in enumerate(expected) if i not in (0, 2)]
    assert count == len(expected) - 2
    assert batches == remaining[:per_run]
    assert claims == (2, int(e[1][4]), int(e[4][4]))
    # rows logged before log_since are not read
    assert pending(since=unix(LOGGED) + 1) == (len(expected), expected[:per_run],
                                               (0, None, None))
    for i, batch in enumerate(expected):
        w("SUCCESS", ds, 100 + i, batch=batch)
    assert pending()[:2] == (0, None)
    run.sql("log_history_done.sql", ds)


def _claim_expected(r, fmt, start: str | None, end: str) -> tuple[str | None, str]:
    b = r.bounds
    c_start = start
    if start is not None and b and b.start_step_back:
        c_start = fmt.format(fmt.parse(start) - fmt.precision)
    c_end = fmt.format(fmt.parse(end) - fmt.precision) if b and b.end_step_back else end
    return c_start, c_end


@pytest.mark.parametrize("source", files("_batch_claim.sql"))
def test_batch_claim(engine, source):
    r = resolved(source)
    run = Run(engine, source, "hist")
    ds = datasources(source, "hist")[0]
    table = ds["table_name"]
    run.sql("ingestion_log_ddl.sql")
    engine.create_table(run.src, table)
    b = r.batches[1]
    batch = [b.start, b.end, b.connector_start, b.connector_end, str(b.end_unixtime)]
    tag = int(batch[4])

    def state(session, now=LOGGED + timedelta(minutes=5)):
        return run.sql(f"{source}_batch_claim.sql", ds, now=now, batch=batch, log_since=0,
                       session_id=session, attempt_id=session).first_row_dict()

    def log_id(session):
        return f"{session}-{session}-{table}-{tag}"

    run.write("STARTED", ds, 40, batch=batch, now=LOGGED - timedelta(minutes=1))
    run.write("STARTED", ds, 41, batch=batch)
    mine = state(41)
    assert mine == {"table_name": table, "start_time": batch[0], "end_time": batch[1],
                    "end_unixtime": tag, "claimed": False,
                    "reason": f"window claimed first by {log_id(40)}", "committed_rows": 0}
    assert state(40) == {**mine, "claimed": True, "reason": ""}
    # another month's claim is no rival
    other = r.batches[2]
    run.write("STARTED", ds, 39, batch=[other.start, other.end, other.connector_start,
                                        other.connector_end, str(other.end_unixtime)],
              now=LOGGED - timedelta(minutes=2))
    assert state(40)["claimed"] is True
    # the rows of session 40's load committed: counted by their tag, other tags are not
    run.tag_rows(ds, tag, 3)
    run.tag_rows(ds, tag - 1, 1)
    run.tag_rows(ds, tag + 1, 1)
    assert state(40)["committed_rows"] == 3
    run.write("SUCCESS", ds, 40, batch=batch, committed=3)
    assert state(41)["reason"] == f"window already loaded by {log_id(40)}"
    run.write("STARTED", ds, 42, batch=batch)
    assert (state(42)["claimed"], state(42)["reason"]) == (
        False, f"window already loaded by {log_id(40)}")
    assert state(43)["reason"] == f"the claim {log_id(43)} is not in the log"
    assert state(43)["claimed"] is False


def table_with_log(engine, source):
    """A Run, the source's first incremental datasource (else its first) and its table, with
    the log and the table created."""
    run = Run(engine, source)
    incremental = [d for d in datasources(source) if d.get("incremental")]
    ds = incremental[0] if incremental else datasources(source)[0]
    run.sql("ingestion_log_ddl.sql")
    engine.create_table(run.src, ds["table_name"])
    return run, ds, ds["table_name"]


@pytest.mark.parametrize("source", files("_claim.sql"))
def test_claim(engine, source):
    """The claim read back before each load attempt: claimed only by the first live claim of a
    window start with no SUCCESS of that window; committed_rows counts the tagged rows."""
    r = resolved(source)
    fmt = fmt_of(source)
    run, ds, table = table_with_log(engine, source)
    incremental = ds.get("incremental")
    end_at = window_end(source, LOGGED)
    start = fmt.format(end_at - timedelta(hours=6)) if incremental else None
    end, tag = fmt.format(end_at), unix(end_at)
    timeout = duration_seconds(r.spec.claim_timeout)
    when = LOGGED + timedelta(minutes=1)

    def state(session, now=when, results=None):
        results = results or {"table_name": table, "start_time": start or "",
                              "end_time": end, "end_unixtime": tag}
        return run.sql(f"{source}_claim.sql", ds, now=now, log_since=0, session_id=session,
                       attempt_id=session, td={"last_results": results}).first_row_dict()

    def claim(session, now=LOGGED):
        run.write("STARTED", ds, session, start, end, now=now)

    def log_id(session):
        return f"{session}-{session}-{table}"

    claim(39, LOGGED - timedelta(seconds=timeout + 1))   # abandoned: older than the timeout
    claim(40, LOGGED - timedelta(seconds=30))            # a rival's earlier live claim
    claim(41)
    c_start, c_end = _claim_expected(r, fmt, start, end)
    mine = state(41)
    assert mine == {"table_name": table, "start_time": start, "end_time": end,
                    "connector_start_time": c_start, "connector_end_time": c_end,
                    "end_unixtime": tag, "claimed": False,
                    "reason": f"window claimed first by {log_id(40)}", "committed_rows": 0}
    first = state(40)
    assert (first["claimed"], first["reason"]) == (True, "")
    assert state(40, results=first) == first      # a retried attempt reads the same state
    # the rival ended (ERROR): this claim is now the first live one
    run.write("ERROR", ds, 40, start, end)
    assert (state(41)["claimed"], state(41)["reason"]) == (True, "")
    # an earlier attempt's load committed: its tagged rows are counted, no others
    run.tag_rows(ds, tag, 3)
    run.tag_rows(ds, tag - 1, 2)
    run.tag_rows(ds, tag + 1, 2)
    assert state(41)["committed_rows"] == 3
    run.write("SUCCESS", ds, 41, start, end, committed=3)
    success = [x for x in run.log() if x["status"] == "SUCCESS"]
    assert [(x["log_id"], x["records_processed"]) for x in success] == [(log_id(41), 3)]
    # a later claim of the same window start
    claim(42, when)
    later = state(42, now=when + timedelta(seconds=5))
    if incremental:    # already loaded: a second load would duplicate rows
        assert (later["claimed"], later["reason"]) == (
            False, f"window already loaded by {log_id(41)}")
    else:              # a full load has no window start: every run reloads the table
        assert (later["claimed"], later["reason"]) == (True, "")
    # a claim that was never logged
    assert (state(43)["claimed"], state(43)["reason"]) == (
        False, f"the claim {log_id(43)} is not in the log")


def test_a_claim_older_than_the_timeout_is_never_a_silent_skip(engine):
    source = incremental_sources()[0]
    r = resolved(source)
    fmt = fmt_of(source)
    run = Run(engine, source)
    ds = next(d for d in datasources(source) if d.get("incremental"))
    run.sql("ingestion_log_ddl.sql")
    engine.create_table(run.src, ds["table_name"])
    end_at = window_end(source, LOGGED)
    start, end = fmt.format(end_at - timedelta(hours=6)), fmt.format(end_at)
    run.write("STARTED", ds, 41, start, end)
    run.tag_rows(ds, unix(end_at), 2)               # its first attempt's load committed
    later = LOGGED + timedelta(seconds=duration_seconds(r.spec.claim_timeout) + 5)
    state = run.sql(f"{source}_claim.sql", ds, now=later, log_since=0, session_id=41,
                    attempt_id=41, td={"last_results": {"end_unixtime": unix(end_at)}}
                    ).first_row_dict()
    assert state["committed_rows"] == 2
    assert state["claimed"] is True  # its own claim, however long its retries took


@pytest.mark.parametrize("source", files("_reconcile.sql"))
def test_reconcile(engine, source):
    """A claim whose tagged rows are in the table gets its SUCCESS; one without rows, a
    skipped one and one already SUCCESS get none."""
    fmt = fmt_of(source)
    run, ds, table = table_with_log(engine, source)
    incremental = ds.get("incremental")
    days = [datetime(2026, 3, d, 12, 30, 15, tzinfo=UTC) for d in (1, 2, 3, 4)]
    t = [fmt.format(d) for d in days]
    start = (lambda i: t[i]) if incremental else (lambda i: None)
    run.write("STARTED", ds, 10, start(0), t[1])
    run.write("SUCCESS", ds, 10, start(0), t[1])      # loaded and logged
    run.tag_rows(ds, unix(days[1]), 4)
    run.write("STARTED", ds, 11, start(1), t[2])      # committed; its SUCCESS was lost
    run.tag_rows(ds, unix(days[2]), 2)
    run.write("STARTED", ds, 12, start(1), t[3])
    run.write("ERROR", ds, 12, start(1), t[3])        # failed before its load committed
    run.write("STARTED", ds, 13, start(1), t[2])
    run.write("SKIPPED", ds, 13, start(1), t[2])      # lost its claim (same tag as 11)
    if incremental:
        opened = run.sql(f"{source}_window_from_log.sql", ds, log_since=0).first_row_dict()
        assert (opened["open_claims"], opened["claims_from"], opened["claims_to"]) == (
            2, unix(days[2]), unix(days[3]))
    else:
        opened = {"claims_from": unix(days[2]), "claims_to": unix(days[3])}
    before = run.log()

    def reconcile():
        run.sql(f"{source}_reconcile.sql", ds, log_since=0, td={"last_results": opened})

    reconcile()
    added = run.log()[len(before):]
    assert [(x["log_id"], x["status"], x["table_name"], x["start_time"], x["end_time"],
             x["records_processed"], x["job_id"]) for x in added] == [
        (f"11-11-{table}", "SUCCESS", table, start(1), t[2], 2, None)]
    assert added[0]["error_message"].startswith("reconciled: ")
    assert (added[0]["source_name"], added[0]["workflow_name"]) == (source, run.workflow)
    assert added[0]["time"] == round(NOW.timestamp())
    reconcile()                                       # nothing more: 11 has its SUCCESS now
    assert len(run.log()) == len(before) + 1
    if incremental:   # the watermark moved past the reconciled window (and 12's start)
        row = run.sql(f"{source}_window_from_log.sql", ds, log_since=0).first_row_dict()
        assert (row["start_time"], row["open_claims"], row["has_window"]) == (t[2], 0, True)


@pytest.mark.parametrize("source", files("_hist_pending.sql"))
def test_reconcile_of_a_history_batch(engine, source):
    r = resolved(source)
    run = Run(engine, source, "hist")
    ds = datasources(source, "hist")[0]
    run.sql("ingestion_log_ddl.sql")
    engine.create_table(run.src, ds["table_name"])
    batches = [[b.start, b.end, b.connector_start, b.connector_end, str(b.end_unixtime)]
               for b in r.batches[:3]]
    for session, batch in zip((20, 21, 22), batches):
        run.write("STARTED", ds, session, batch=batch)
    run.tag_rows(ds, int(batches[1][4]), 5)           # only batch 1's load committed

    def pending():
        return run.sql(f"{source}_hist_pending.sql", ds, log_since=0).first_row_dict()

    state = pending()
    assert state["open_claims"] == 3
    run.sql(f"{source}_reconcile.sql", ds, log_since=0, td={"last_results": state})
    [added] = [x for x in run.log() if x["status"] == "SUCCESS"]
    assert added["log_id"] == f"21-21-{ds['table_name']}-{batches[1][4]}"
    assert (added["start_time"], added["end_time"], added["records_processed"]) == (
        batches[1][0], batches[1][1], 5)
    state = pending()
    assert state["pending_count"] == len(r.batches) - 1 and state["open_claims"] == 2
    assert batches[1] not in json.loads(state["batches"])


# --- the source workflow ----------------------------------------------------------------------

def test_session_failures(engine):
    """The objects of this session that failed: their latest ERROR not followed by a SUCCESS
    or SKIPPED, among the rows of the objects' own (later) sessions."""
    source = incremental_sources()[0]
    run = Run(engine, source)
    inc = [d for d in datasources(source) if d.get("incremental")]
    a, b, c = inc[0], inc[1], inc[2]
    run.sql("ingestion_log_ddl.sql")
    session, started = 50, LOGGED

    def failures():
        return run.sql("session_failures.sql", session_id=session, attempt_id=session,
                       session_unixtime=unix(started)).first_row_dict()

    assert failures() == {"failed": 0, "tables": None}
    run.write("ERROR", a, 40, now=started - timedelta(hours=1))    # an earlier session's
    run.write("ERROR", b, 49, now=started)                          # a session before this
    run.write("ERROR", c, 51, now=started, workflow_name="another_workflow")
    run.sql("log_workflow_error.sql", session_id=52, attempt_id=52, now=started,
            error={"message": "x"})                                 # no table
    assert failures() == {"failed": 0, "tables": None}
    run.write("STARTED", a, 51, "s", "e", now=started)
    run.write("ERROR", a, 51, "s", "e", now=started)
    run.write("STARTED", b, 52, "s", "e", now=started)
    run.write("SUCCESS", b, 52, "s", "e", now=started)
    run.write("STARTED", c, 53, "s", "e", now=started)
    run.write("SKIPPED", c, 53, "s", "e", now=started)
    assert failures() == {"failed": 1, "tables": a["table_name"]}
    run.write("ERROR", c, 53, "s", "e", now=started + timedelta(seconds=5))
    assert failures() == {"failed": 2,
                          "tables": ", ".join(sorted([a["table_name"], c["table_name"]]))}
    # a rerun of the object's session (a new attempt) that succeeds ends its failure
    run.write("STARTED", a, 51, "s", "e", now=started + timedelta(minutes=1), attempt_id=2)
    run.write("SUCCESS", a, 51, "s", "e", now=started + timedelta(minutes=1), attempt_id=2)
    assert failures() == {"failed": 1, "tables": c["table_name"]}


# --- format arithmetic ------------------------------------------------------------------------

def test_lag_and_lookback_expressions_of_the_formats(engine):
    """A format's sql_render of `now - lag` and of `sql_parse(watermark) - lookback`: with the
    operand parenthesised the engine computes the lagged end and the re-read start."""
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


MICRO_INSTANTS = [
    datetime(2026, 3, 30, 8, 7, 6, 543210, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2023, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
    datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    datetime(1970, 1, 1, 0, 0, 1, 0, tzinfo=UTC),   # one step back stays after the epoch
]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_micros_arithmetic_of_the_formats_is_exact(engine, name):
    """The window statements compute in bigint microseconds: to_micros and from_micros round
    trip at the format's precision, and one step forward or back is one precision step."""
    fmt = FORMATS[name]
    step = fmt.step_micros
    for instant in MICRO_INSTANTS:
        text = fmt.format(instant)
        micros = engine.execute(f"SELECT {fmt.sql_to_micros(repr(text))}").rows[0][0]
        assert micros == round(fmt.parse(text).timestamp() * 10**6)
        for delta in (0, step, -step):
            back = engine.execute(
                f"SELECT {fmt.sql_from_micros(f'{fmt.sql_to_micros(repr(text))} + {delta}')}"
            ).rows[0][0]
            assert back == fmt.format(fmt.parse(text) + timedelta(microseconds=delta))


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
