"""tdgen plan: the windows the next runs load, for each reference source."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.local.plan import plan
from generator.local.simulate import run_local
from generator.local.sql.engine import SqlEngine
from generator.render.env import duration_seconds
from tests.conftest import REPO
from tests.test_local_runs import SOURCES

NOW = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_plan_with_an_empty_log_starts_at_the_default(source):
    src = SOURCES[source]
    plans = plan(REPO, source, NOW, runs=3, every=timedelta(hours=6))
    assert [p.name for p in plans] == [load.name for load in src.loads]
    for p, load in zip(plans, src.loads):
        windows = p.windows
        assert [w.run for w in windows] == [1, 2, 3]
        if load.incremental:
            fmt = src.format
            assert windows[0].origin == "default_start_time"
            assert windows[0].start == src.spec.default_start_time
            lag = timedelta(seconds=duration_seconds(src.lag))  # the connector's lag
            assert [w.end for w in windows] == [fmt.format(NOW + timedelta(hours=6 * k) - lag)
                                                for k in range(3)]
            assert windows[1].start == windows[0].end and windows[2].start == windows[1].end
            assert windows[0].end_instant == NOW - lag
        else:
            assert {w.origin for w in windows} == {"full load"} and windows[0].start is None
    for load in src.history:
        p = next(p for p in plans if p.name == load.name)
        assert p.pending_batches == len(src.batches)
        assert p.next_batches[0][0] == src.spec.history.start
        assert len(p.next_batches) == min(len(src.batches), src.spec.history.months_per_run)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_plan_reads_the_watermark_from_the_log(source, tmp_path):
    src = SOURCES[source]
    db = tmp_path / "local.duckdb"
    start = datetime(2026, 11, 20, tzinfo=UTC)
    sim = run_local(REPO, source, runs=2, every=timedelta(days=1), start=start, db_path=db,
                    fresh=True)
    log = sim.log()
    sim.engine.close()
    engine = SqlEngine(str(db))
    plans = plan(REPO, source, NOW, engine=engine)
    export = tmp_path / "log.jsonl"
    export.write_text("".join(json.dumps(r, default=str) + "\n" for r in log))
    from generator.local.plan import load_log_file

    rows, _ = load_log_file(export)
    from_export = plan(REPO, source, NOW, log_rows=rows)
    for p, q, load in zip(plans, from_export, src.loads):
        if load.incremental:
            lag = timedelta(seconds=duration_seconds(src.lag))
            last_end = src.format.format(start + timedelta(days=1) - lag)
            assert (p.windows[0].start, p.windows[0].origin) == (last_end, "ingestion_log")
            assert p.windows[0].end == src.format.format(NOW - lag)
            assert (q.windows[0].start, q.windows[0].origin) == (last_end, "ingestion_log")


def test_plan_command_prints_windows_and_history():
    result = CliRunner().invoke(cli, ["plan", "klaviyo", "--now", "2026-11-22T06:30:00Z",
                                      "--runs", "2", "--every", "12h", "--root", str(REPO)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "plan of klaviyo for a run at 2026-11-22T06:30:00+00:00:" in out
    assert "  campaigns -> klaviyo_campaigns (incremental, lag 10m)" in out
    # windows end at now less klaviyo's lag of 10 minutes
    assert ("run 1 at 2026-11-22T06:30:00+00:00: [2025-09-01T00:00:00.000000, "
            "2026-11-22T06:20:00.000000)  from default_start_time") in out
    assert ("run 2 at 2026-11-22T18:30:00+00:00: [2026-11-22T06:20:00.000000, "
            "2026-11-22T18:20:00.000000)  from previous window") in out
    assert "lag 10m" in out
    assert "history: 24 month batches pending; next: [2023-09-01T00:00:00.000000, " in out
    assert "  metrics -> klaviyo_metric_data (full load)" in out


def test_plan_json():
    result = CliRunner().invoke(cli, ["plan", "shopify_v2", "--now", "2026-11-22T00:00:00Z",
                                      "--format", "json", "--root", str(REPO)])
    data = json.loads(result.output)
    assert data[0]["object"] == "products" and data[0]["windows"][0]["end"] == \
        "2026-11-21T23:55:00.000Z"  # less shopify_v2's lag of 5 minutes
    assert data[0]["windows"][0]["end_instant"] == "2026-11-21T23:55:00+00:00"
    assert data[0]["lag"] == "5m"


def test_plan_reads_the_log_from_td_through_td_client(project, monkeypatch):
    from tests.fake_td import point_env_at, running_fake, write_fast_settings

    row = {"source_name": "shopify_v2", "workflow_name": "shopify_v2_ingest_inc",
           "table_name": "shopify_v2_products", "status": "SUCCESS",
           "start_time": "2026-11-20T00:00:00.000Z", "end_time": "2026-11-21T06:00:00.000Z",
           "error_message": None, "time": 1795240800}
    write_fast_settings(project)
    with running_fake() as td:
        point_env_at(monkeypatch, td)
        td.log_rows = [row]
        result = CliRunner().invoke(cli, ["plan", "shopify_v2", "--td", "--now",
                                          "2026-11-22T00:00:00Z", "--root", str(project)])
        queries = [r for r in td.requests if "/job/issue" in r.path]
    assert result.exit_code == 0, result.output + result.stderr
    assert ("[2026-11-21T06:00:00.000Z, 2026-11-21T23:55:00.000Z)  from ingestion_log"
            in result.output)
    assert "[2025-01-01T00:00:00.000Z, 2026-11-21T23:55:00.000Z)  from default_start_time" \
        in result.output  # product_variants has no watermark yet
    assert queries and "ingestion_log" in queries[0].body.decode()


@pytest.mark.parametrize("content,suffix,message", [
    ('{"a": 1}\nnot json\n', ".jsonl", "bad.jsonl:2:1: not a JSON row"),
    ("x,y\n1,2\n", ".csv", "row 1 is not an ingestion_log row"),
    ("[1, 2]", ".json", "row 1 is not an ingestion_log row"),
    ("{", ".json", "bad.json:1:2: not JSON"),
    ('[{"source_name": "klaviyo", "workflow_name": "w", "table_name": "t", "status": '
     '"SUCCESS", "start_time": "a", "end_time": 5}]', ".json",
     "the log rows do not fit ingestion_log's columns"),
    ("not a database", ".duckdb", "not a DuckDB database"),
])
def test_a_log_file_of_another_shape_is_one_message(tmp_path, content, suffix, message):
    path = tmp_path / f"bad{suffix}"
    path.write_text(content)
    result = CliRunner().invoke(cli, ["plan", "klaviyo", "--log", str(path), "--root",
                                      str(REPO)])
    assert result.exit_code == 2 and message in result.output + result.stderr, result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
