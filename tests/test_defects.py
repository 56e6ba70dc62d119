"""Each legacy defect (reference/legacy-patterns.md) is absent from the generated output."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import trino_sql_validator as tsv
import yaml

from generator.catalog import get as get_connector
from generator.digdag.evaluate import render
from generator.digdag.reader import load_dig, workflow_files
from generator.timestamp_formats import load_formats
from generator.spec.project import load_project
from generator.render.env import duration_seconds
from generator.render.plan import resolved_sources
from tests.digdag_env import REPO, WORKFLOWS, datasources, params, sources

FORMATS = load_formats(REPO / "templates" / "timestamp_formats")
HISTORY = ["google_bigquery", "klaviyo", "onetrust", "shopify_v2"]


def resolved_source(source):
    return next(s for s in resolved_sources(load_project(REPO)) if s.name == source)


def spec(source):
    return yaml.safe_load((REPO / "sources" / f"{source}.yml").read_text())


def batches(source):
    text = (WORKFLOWS / "sql" / f"{source}_hist_pending.sql").read_text()
    return re.findall(r"\('([^']+)', '([^']+)', '([^']+)', '([^']+)', '([^']+)'\)", text)


def valid_trino(sql: str) -> bool:
    result = tsv.validate(sql)
    assert result.valid, (result.error.message, sql)
    return True


@pytest.mark.parametrize("source", HISTORY)
def test_1_month_batches_are_contiguous_in_the_sources_own_format(source):
    fmt = FORMATS[spec(source)["timestamp_format"]]
    rows = batches(source)
    assert len(rows) >= 12
    bounds = get_connector(spec(source)["connector"]).bounds
    for (start, end, c_start, c_end, tag), nxt in zip(rows, rows[1:] + [None]):
        lower, upper = fmt.parse(start), fmt.parse(end)  # raises unless in the source's format
        assert upper > lower and int(tag) == int(upper.timestamp())  # rows carry the end
        step = fmt.precision
        assert fmt.parse(c_start) == lower - (step if bounds.start_step_back else 0 * step)
        assert fmt.parse(c_end) == upper - (step if bounds.end_step_back else 0 * step)
        if nxt:
            assert end == nxt[0]  # the next month starts where this one ends
    assert rows[0][0] == spec(source)["history"]["start"]
    assert rows[-1][1] == spec(source)["default_start_time"]  # history meets the increments


def test_1_the_last_second_of_every_month_is_inside_a_batch():
    fmt = FORMATS["micros_no_zone"]
    rows = [(fmt.parse(a), fmt.parse(b)) for a, b, *_ in batches("klaviyo")]
    for _lower, upper in rows[:-1]:
        last_second = upper - timedelta(microseconds=500_000)
        assert sum(lo <= last_second < hi for lo, hi in rows) == 1


def test_2_bigquery_history_filters_each_batch_by_its_range():
    for ds in datasources("google_bigquery", "hist"):
        text = (WORKFLOWS / "config" / ds["config_file"]).read_text()
        config = yaml.safe_load(render(text, params(
            "google_bigquery", "google_bigquery_ingest_hist", ds,
            batch=["2024-01-01 00:00:00.000", "2024-02-01 00:00:00.000",
                   "2024-01-01 00:00:00.000", "2024-02-01 00:00:00.000", "1706745600"])))
        assert config["in"]["import_type"] == "query"
        assert config["in"]["query"].endswith(
            "WHERE `incremental_date` >= '2024-01-01 00:00:00.000' "
            "AND `incremental_date` < '2024-02-01 00:00:00.000'")


def test_3_the_window_reads_the_log_first_and_prunes_the_table_fallback():
    for source in ["google_bigquery", "klaviyo", "onetrust", "shopify_v2"]:
        log_sql = (WORKFLOWS / "sql" / f"{source}_window_from_log.sql").read_text()
        assert "FROM ${databases.src}.${log_table}" in log_sql
        assert "${datasource.table_name}" not in log_sql.split("FROM")[1].split("WHERE")[0]
        table_sql = (WORKFLOWS / "sql" / f"{source}_window_from_table.sql").read_text()
        assert "WHERE TD_TIME_RANGE(time, TD_TIME_ADD(TD_SCHEDULED_TIME(), '-90d'), NULL)" \
            in table_sql
        for ds in datasources(source):
            if ds["incremental"]:
                dig = load_dig(WORKFLOWS, f"{ds['object_workflow']}.dig").data
                assert dig["+from_table"]["if>"] == "${td.last_results.start_time == null}"


@pytest.mark.parametrize("source", ["google_bigquery", "klaviyo", "onetrust", "shopify_v2"])
def test_4_start_and_end_are_the_same_format_and_the_start_is_the_last_end(source):
    fmt = FORMATS[spec(source)["timestamp_format"]]
    sql = (WORKFLOWS / "sql" / f"{source}_window_from_log.sql").read_text()
    # the end is now in whole seconds (less the lag), written in the source's format
    end = re.search(r"\n    (.*) AS end_time,", sql).group(1)
    lag = duration_seconds(resolved_source(source).lag) * 1000000
    now = "CAST(floor(to_unixtime(current_timestamp)) AS bigint) * 1000000"
    assert end == fmt.sql_from_micros(f"{now} - {lag}" if lag else now)
    # the watermark is the previous end itself: no truncation, no +1 unit, no re-formatting
    assert "SELECT max(end_time) AS start_time" in sql
    assert "m.start_time < e.end_time AS has_window" in sql


def test_4_bigquery_increments_are_half_open_with_an_upper_bound():
    for ds in datasources("google_bigquery"):
        if not ds["incremental"]:
            continue
        text = (WORKFLOWS / "config" / ds["config_file"]).read_text()
        query = yaml.safe_load(text.replace("${", "$"))["in"]["query"]
        assert ">= '$td.last_results.start_time}'" in query
        assert "< '$td.last_results.end_time}'" in query


def test_5_errors_are_logged_per_object_with_window_and_escaped_message():
    for source in sources():
        for ds in datasources(source):
            dig = load_dig(WORKFLOWS, f"{ds['object_workflow']}.dig").data
            assert dig["_error"]["+log_error"]["td>"] == "sql/log_ingestion_error.sql"
    sql = (WORKFLOWS / "sql" / "log_ingestion_error.sql").read_text()
    message = "Job failed: can't parse 'updated' -- line 1; DROP TABLE x; }"
    ds = datasources("klaviyo")[1]
    window = {"table_name": ds["table_name"], "start_time": "2026-11-21T00:00:00.000000",
              "end_time": "2026-11-22T00:00:00.000000"}
    rendered = render(sql, params("klaviyo", "klaviyo_ingest_inc", ds,
                                  error={"message": message}, td={"last_results": window}))
    assert valid_trino(rendered)
    assert "'Job failed: can''t parse ''updated'' -- line 1; DROP TABLE x; }'" in rendered
    assert f"'{ds['table_name']}'" in rendered
    assert "'2026-11-21T00:00:00.000000'" in rendered and "'2026-11-22T00:00:00.000000'" \
        in rendered
    # cut to 4000 characters first, then quotes doubled: a cut never splits a doubled quote
    long = render(sql, params("klaviyo", "klaviyo_ingest_inc", ds,
                              error={"message": "x" * 3999 + "'" * 50},
                              td={"last_results": window}))
    assert valid_trino(long)
    assert "'" + "x" * 3999 + "''" + "'," in long


def test_5_a_window_left_by_another_object_is_not_logged_as_this_ones():
    sql = (WORKFLOWS / "sql" / "log_ingestion_error.sql").read_text()
    ds = datasources("klaviyo")[1]
    other = {"table_name": "klaviyo_events", "start_time": "2026-01-01T00:00:00.000000",
             "end_time": "2026-01-02T00:00:00.000000"}
    rendered = render(sql, params("klaviyo", "klaviyo_ingest_inc", ds,
                                  error={"message": "boom"}, td={"last_results": other}))
    assert valid_trino(rendered)
    assert "2026-01-01" not in rendered and rendered.count("NULL,") >= 2


def test_6_no_mode_switch_in_export_and_separate_workflows():
    for rel in workflow_files(WORKFLOWS):
        text = (WORKFLOWS / rel).read_text()
        assert "run_mode" not in text
    for source in HISTORY:
        inc = load_dig(WORKFLOWS, f"{source}_ingest_inc.dig").data
        hist = load_dig(WORKFLOWS, f"{source}_ingest_hist.dig").data
        assert inc["+load_objects"]["for_each>"] == {"datasource": "${inc_datasources}"}
        assert hist["+load_objects"]["for_each>"] == {"datasource": "${hist_datasources}"}


def test_7_no_null_checks_incremental_is_a_boolean():
    for path in WORKFLOWS.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert 'incremental_field != ""' not in text and "!= null" not in text, path
    for source in sources():
        for ds in datasources(source) + datasources(source, "hist"):
            assert isinstance(ds["incremental"], bool)


def test_8_log_ids_name_session_attempt_table_and_batch():
    sql = WORKFLOWS / "sql"
    for name in ("log_ingestion_start", "log_ingestion_success", "log_ingestion_error"):
        assert "'${session_id}-${attempt_id}-${datasource.table_name}'," in \
            (sql / f"{name}.sql").read_text()
    for name in ("log_batch_start", "log_batch_success", "log_batch_error"):
        # the batch's tag (its end in unix seconds): no spaces, whatever the format
        assert "'${session_id}-${attempt_id}-${datasource.table_name}-${batch[4]}'," in \
            (sql / f"{name}.sql").read_text()
    assert "CURRENT_TIMESTAMP)" not in " ".join(p.read_text() for p in sql.glob("log_*.sql"))


def _tasks(config, path=()):
    if isinstance(config, dict):
        yield path, config
        for key, value in config.items():
            if isinstance(key, str) and (key.startswith("+") or key in ("_do", "_else_do",
                                                                         "_error")):
                yield from _tasks(value, path + (key,))


def test_9_retries_sit_on_groups_around_the_load():
    for rel in workflow_files(WORKFLOWS):
        for path, task in _tasks(load_dig(WORKFLOWS, rel).data):
            operators = [k for k in task if isinstance(k, str) and k.endswith(">")]
            if "_retry" in task:
                assert not operators, (rel, path)  # never on an operator task
                assert "td_load>" in json.dumps(task), (rel, path)
            if "td_load>" in task:
                assert "+load_with_retry" in path, (rel, path)


def test_10_one_failing_object_holds_no_other_back():
    """Each object runs as its own attempt, with ignore_failure, so a failure inside
    `_parallel: {limit: N}` no longer stops the later chunks; the workflow then fails."""
    for source in sources():
        for kind in ("inc", "hist"):
            if not datasources(source, kind):
                continue
            dig = load_dig(WORKFLOWS, f"{source}_ingest_{kind}.dig").data
            load = dig["+load_objects"]["_do"]["+load_object"]
            assert load == {"require>": "${datasource.object_workflow}",
                            "ignore_failure": True, "rerun_on": "failed"}
            assert "fail>" in json.dumps(dig["+fail_if_an_object_failed"])


def test_11_no_placeholder_configuration_ships():
    database = yaml.safe_load((WORKFLOWS / "config" / "database.yml").read_text())
    ids = [v["default"] for v in database["td_authentication_ids"].values()]
    assert ids and all(i >= 1000 and i not in (1234, 12345) for i in ids)
    bigquery = (WORKFLOWS / "config" / "google_bigquery_shopify_order_load.yml").read_text()
    assert 'project_id: "${secret:google_bigquery_project_id}"' in bigquery


def test_12_full_loads_replace_their_table():
    full = [(s, ds) for s in sources() for ds in datasources(s) if not ds["incremental"]]
    assert {ds["name"] for _, ds in full} >= {"metrics", "campaigns", "ad_groups",
                                              "gold_user_profile"}
    for source, ds in full:
        assert ds["mode"] == "replace", (source, ds["name"])
        text = (WORKFLOWS / "config" / ds["config_file"]).read_text()
        assert "out:\n  mode: replace\n" in text
