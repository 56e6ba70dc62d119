"""Exactly-once under the faults reality has (issue: a load commits with its window).

Every scenario runs the generated workflows on the local engine through the CLI, then judges
the result with `tdgen status --local --rows` (each SUCCESS window against the rows tagged with
its end) and with the fixture rows themselves (tests/local_invariants.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.local import fixtures as fx
from generator.local.simulate import _period
from generator.spec.project import load_project
from generator.render.plan import resolved_sources
from tests.local_invariants import assert_full, assert_incremental

NOW = "2026-11-20T00:00:00Z"


def tdgen(root, *args):
    result = CliRunner().invoke(cli, [*args, "--root", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.output
    return result


def run_local(root, source, *args):
    return tdgen(root, "run-local", source, "--now", NOW, "--db", str(root / "local.duckdb"),
                 *args)


def rows_status(root):
    result = tdgen(root, "status", "--local", str(root / "local.duckdb"), "--rows",
                   "--format", "json")
    return result.exit_code, json.loads(result.output)


def judge(root, source, runs, every=timedelta(days=1)):
    """Every fixture row of the loaded range once; SUCCESS windows tile; tags match."""
    src = next(s for s in resolved_sources(load_project(root)) if s.name == source)
    start = datetime.fromisoformat(NOW.replace("Z", "+00:00"))
    times = [start + every * k for k in range(runs)]
    fixtures = fx.build([src], _period(src, times), times)

    class Sim:
        engine = __import__("generator.local.sql.engine", fromlist=["SqlEngine"]).SqlEngine(
            root / "local.duckdb")
        database, log_table = "src_ingestion", "ingestion_log"

        def log(self):
            return self.engine.table_rows(self.database, self.log_table)

    sim = Sim()
    try:
        for load in src.loads:
            if load.incremental:
                assert_incremental(sim, src, load, fixtures)
            else:
                assert_full(sim, src, load, times)
    finally:
        sim.engine.close()


@pytest.mark.parametrize("fault", ["--fail=events:log_success@2", "--kill=events:td_load@2"])
def test_a_committed_load_whose_success_is_not_logged_is_never_loaded_again(project, fault):
    result = run_local(project, "klaviyo", "--runs", "4", "--every", "1d", fault, "--fresh")
    assert result.exit_code == 0, result.output
    code, report = rows_status(project)
    assert code == 0, report
    assert report["healthy"] and all(t["state"] == "ok" for t in report["tables"])
    judge(project, "klaviyo", 4)
    log = duckdb.connect(str(project / "local.duckdb")).sql(
        "SELECT error_message FROM src_ingestion.ingestion_log WHERE status = 'SUCCESS' "
        "AND table_name = 'klaviyo_events'").fetchall()
    assert any((m or "").startswith("reconciled:") for (m,) in log)


def test_status_rows_reports_rows_loaded_twice(project):
    run_local(project, "klaviyo", "--runs", "2", "--fresh")
    con = duckdb.connect(str(project / "local.duckdb"))
    con.execute("INSERT INTO src_ingestion.klaviyo_events SELECT * FROM "
                "src_ingestion.klaviyo_events LIMIT 3")
    con.execute("DELETE FROM src_ingestion.ingestion_log WHERE status = 'SUCCESS' AND "
                "table_name = 'klaviyo_lists' AND start_time = '2025-09-01T00:00:00.000000'")
    con.close()
    code, report = rows_status(project)
    assert code == 1
    problems = {t["table"]: " ".join(t["problems"]) for t in report["tables"]}
    assert "3 loaded twice" in problems["klaviyo_events"]
    assert "belong to no SUCCESS window" in problems["klaviyo_lists"]


def test_one_object_failing_on_every_attempt_holds_no_other_back(project):
    result = run_local(project, "klaviyo", "--runs", "3", "--fail", "events@2", "--fresh")
    assert result.exit_code == 0, result.output  # the failure was asked for
    assert "run 2 at 2026-11-21T00:00:00+00:00: FAILED: 1 object(s) failed: klaviyo_events" \
        in result.output
    con = duckdb.connect(str(project / "local.duckdb"))
    rows = con.sql("SELECT table_name, status, start_time, end_time, time FROM "
                   "src_ingestion.ingestion_log WHERE table_name IS NOT NULL").fetchall()
    con.close()
    run2 = int(datetime(2026, 11, 21, tzinfo=UTC).timestamp())
    done = {t for t, s, _, _, time in rows if s == "SUCCESS" and time == run2}
    assert done == {"klaviyo_templates", "klaviyo_lists", "klaviyo_profiles",
                    "klaviyo_campaigns", "klaviyo_metric_data"}
    error = next(r for r in rows if r[0] == "klaviyo_events" and r[1] == "ERROR")
    run3 = [r for r in rows if r[0] == "klaviyo_events" and r[1] == "SUCCESS"
            and r[4] == run2 + 86400]
    assert run3 and run3[0][2] == error[2]  # run 3 loads run 2's window (and on)
    judge(project, "klaviyo", 3)


def test_overlapping_sessions_load_each_window_once(project):
    result = run_local(project, "klaviyo", "--runs", "3", "--overlap", "1", "--fresh")
    assert result.exit_code == 0, result.output
    code, report = rows_status(project)
    assert code == 0, report
    con = duckdb.connect(str(project / "local.duckdb"))
    skipped = con.sql("SELECT table_name, error_message FROM src_ingestion.ingestion_log "
                      "WHERE status = 'SKIPPED'").fetchall()
    con.close()
    assert {t for t, _ in skipped} == {"klaviyo_events", "klaviyo_templates", "klaviyo_lists",
                                       "klaviyo_profiles", "klaviyo_campaigns",
                                       "klaviyo_metric_data"}
    assert all(m.startswith("window claimed first by ") for _, m in skipped)
    judge(project, "klaviyo", 3)


@pytest.mark.parametrize("source,table,field", [
    ("google_bigquery", "google_bigquery_shopify_order", "incremental_date"),
    ("klaviyo", "klaviyo_events", "datetime"),      # micro-second format
])
def test_lost_log_rows_restart_just_after_the_table_maximum(project, source, table, field):
    run_local(project, source, "--runs", "2", "--fresh")
    con = duckdb.connect(str(project / "local.duckdb"))
    top = con.sql(f'SELECT max("{field}") FROM src_ingestion.{table} '
                  f"WHERE \"{field}\" <> ''").fetchall()[0][0]
    con.execute(f"DELETE FROM src_ingestion.ingestion_log WHERE source_name = '{source}'")
    con.close()
    result = tdgen(project, "run-local", source, "--runs", "1", "--now",
                   "2026-11-22T00:00:00Z", "--db", str(project / "local.duckdb"))
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(project / "local.duckdb"))
    start = con.sql("SELECT start_time FROM src_ingestion.ingestion_log WHERE status = "
                    f"'SUCCESS' AND table_name = '{table}'").fetchall()[0][0]
    ids = Counter(r[0] for r in con.sql(f"SELECT id FROM src_ingestion.{table}").fetchall())
    con.close()
    fmt = next(s for s in resolved_sources(load_project(project)) if s.name == source).format
    assert fmt.parse(start) - fmt.parse(top) == fmt.precision  # just after the maximum
    assert max(ids.values()) == 1


def test_retry_on_the_td_load_task_itself_re_polls_the_failed_job(project):
    """Digdag's _retry on an operator task re-polls the job that failed; the templates put
    it on a group. Moved onto td_load>, a transient failure is no longer recovered."""
    result = run_local(project, "klaviyo", "--runs", "2", "--fail", "lists@2#1", "--fresh")
    assert result.exit_code == 0 and "FAILED" not in result.output, result.output
    dig = project / "workflows" / "klaviyo_ingest_inc_lists.dig"
    text = dig.read_text()
    moved = text.replace("      _retry: 2\n", "").replace(
        "            td_load>: config/", "            _retry: 2\n            td_load>: config/")
    assert moved != text
    dig.write_text(moved)
    result = run_local(project, "klaviyo", "--runs", "2", "--fail", "lists@2#1", "--fresh")
    assert "FAILED: 1 object(s) failed: klaviyo_lists" in result.output
    assert "re-polls the failed job" in result.output


@pytest.mark.parametrize("args,message", [
    (["--fail", "nosuch@2"], "no object or table 'nosuch'"),
    (["--fail", "events:nosuch_task@2"], "no task 'nosuch_task'"),
    (["--fail", "events@9"], "run 9 is not one of the 3 runs"),
    (["--kill", "events@2"], "expected OBJECT:TASK@RUN"),
    (["--overlap", "3"], "--overlap 3: expected a run from 1 to 2"),
    (["--fixtures", "/nonexistent"], "no such folder"),
])
def test_run_local_refuses_what_it_cannot_do(project, args, message):
    result = run_local(project, "klaviyo", "--runs", "3", *args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_fixture_value_that_is_no_instant_names_its_file_and_row(project):
    folder = project / "fx" / "klaviyo"
    folder.mkdir(parents=True)
    (folder / "events.jsonl").write_text(
        '{"id": "a", "datetime": "2026-11-01T00:00:00.000000"}\n'
        '{"id": "b", "datetime": "2026-11-02 00:00:00.000"}\n'          # TD timestamp
        '{"id": "c", "datetime": "2026-11-03T00:00:00+09:00"}\n'        # ISO with offset
        '{"id": "d", "datetime": 1793750400}\n'                          # unix seconds
        '{"id": "e", "datetime": null}\n{"id": "f", "datetime": ""}\n'
        '{"id": "g", "datetime": "yesterday"}\n')
    result = run_local(project, "klaviyo", "--runs", "1", "--fixtures", str(project / "fx"),
                       "--fresh")
    assert "events.jsonl: row 7: 'yesterday' is not an instant" in result.output
    assert "Traceback" not in result.output


def test_a_window_in_the_wrong_format_is_rejected_by_the_fixture_connector(project):
    path = project / "workflows" / "config" / "klaviyo_events_load.yml"
    text = path.read_text().replace('"${td.last_results.connector_start_time}"',
                                    '"2026-01-01"')
    path.write_text(text)
    result = run_local(project, "klaviyo", "--runs", "1", "--fresh")
    assert "the connector rejects the window" in result.output


def test_run_local_subprocess_exit_codes(project):
    tdgen_bin = str(Path(sys.executable).parent / "tdgen")
    ok = subprocess.run([tdgen_bin, "run-local", "klaviyo",
                         "--runs", "1", "--now", NOW, "--fresh", "--root", str(project)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([tdgen_bin, "run-local", "klaviyo",
                          "--fail", "events@5", "--root", str(project)],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_status_rows_through_td_client_against_the_fake_td(project, monkeypatch):
    """`status --rows` on TD: one Trino query per table through td-client (the fake TD runs
    them on the local engine's file)."""
    from tests.fake_td import point_env_at, running_fake, write_fast_settings

    run_local(project, "klaviyo", "--runs", "3", "--fail", "events:log_success@2", "--fresh")
    write_fast_settings(project)
    with running_fake() as td:
        td.db_path = project / "local.duckdb"
        point_env_at(monkeypatch, td)
        ok = tdgen(project, "status", "--source", "klaviyo", "--rows", "--now",
                   "2026-11-22T01:00:00Z", "--format", "json")
        con = duckdb.connect(str(project / "local.duckdb"))
        con.execute("INSERT INTO src_ingestion.klaviyo_lists SELECT * FROM "
                    "src_ingestion.klaviyo_lists LIMIT 2")
        con.close()
        bad = tdgen(project, "status", "--source", "klaviyo", "--rows", "--now",
                    "2026-11-22T01:00:00Z")
        queries = [r.body.decode() for r in td.requests if "/job/issue" in r.path]
    assert ok.exit_code == 0, ok.output
    assert any("GROUP BY time" in q and "klaviyo_events" in q for q in queries)
    assert bad.exit_code == 1 and "2 loaded twice" in bad.output


def test_a_row_late_within_the_lag_is_loaded_and_one_later_is_not(project):
    """klaviyo's lag is 10 minutes: its windows end 10 minutes before each run."""
    run1 = datetime(2026, 11, 20, tzinfo=UTC)
    rows = [
        {"id": "late-ok", "datetime": "2026-11-19T23:48:00.000000",       # 2 min before the end
         "_visible_at": "2026-11-19T23:57:00+00:00"},                      # 9 min late
        {"id": "too-late", "datetime": "2026-11-19T23:48:30.000000",
         "_visible_at": "2026-11-20T00:00:30+00:00"},                      # after run 1
        {"id": "on-time", "datetime": "2026-11-20T12:00:00.000000"},
    ]
    folder = project / "fx" / "klaviyo"
    folder.mkdir(parents=True)
    (folder / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run_local(project, "klaviyo", "--runs", "2", "--fixtures", str(project / "fx"),
                       "--fresh")
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(project / "local.duckdb"))
    loaded = {r[0] for r in con.sql("SELECT id FROM src_ingestion.klaviyo_events").fetchall()}
    con.close()
    assert loaded == {"late-ok", "on-time"}  # "too-late" came after its window was read
    assert run1.isoformat() in result.output
