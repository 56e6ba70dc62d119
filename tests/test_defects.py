"""Each legacy defect (reference/legacy-patterns.md) is absent from the generated output."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import trino_sql_validator as tsv
import yaml

from generator.digdag.evaluate import render
from generator.digdag.reader import load_dig, workflow_files
from generator.formats import load_formats
from tests.digdag_env import REPO, WORKFLOWS, datasources, params, sources

FORMATS = load_formats(REPO / "templates" / "timestamp_formats")
HISTORY = ["google_bigquery", "klaviyo", "onetrust", "shopify_v2"]


def spec(source):
    return yaml.safe_load((REPO / "sources" / f"{source}.yml").read_text())


def batches(source):
    text = (WORKFLOWS / "sql" / f"{source}_hist_pending.sql").read_text()
    return re.findall(r"\('([^']+)', '([^']+)', '([^']+)'\)", text)


def valid_trino(sql: str) -> bool:
    result = tsv.validate(sql)
    assert result.valid, (result.error.message, sql)
    return True


@pytest.mark.parametrize("source", HISTORY)
def test_1_month_batches_are_contiguous_in_the_sources_own_format(source):
    fmt = FORMATS[spec(source)["timestamp_format"]]
    rows = batches(source)
    assert len(rows) >= 12
    for (start, end, connector_end), nxt in zip(rows, rows[1:] + [None]):
        lower, upper = fmt.parse(start), fmt.parse(end)  # raises unless in the source's format
        assert upper > lower and connector_end == end
        if nxt:
            assert end == nxt[0]  # the next month starts where this one ends
    assert rows[0][0] == spec(source)["history"]["start"]
    assert rows[-1][1] == spec(source)["default_start_time"]  # history meets the increments


def test_1_the_last_second_of_every_month_is_inside_a_batch():
    fmt = FORMATS["micros_no_zone"]
    rows = [(fmt.parse(a), fmt.parse(b)) for a, b, _ in batches("klaviyo")]
    for lower, upper in rows[:-1]:
        last_second = upper - timedelta(microseconds=500_000)
        assert sum(lo <= last_second < hi for lo, hi in rows) == 1


def test_2_bigquery_history_filters_each_batch_by_its_range():
    for ds in datasources("google_bigquery", "hist"):
        text = (WORKFLOWS / "config" / ds["config_file"]).read_text()
        config = yaml.safe_load(render(text, params(
            "google_bigquery", "google_bigquery_ingest_hist", ds,
            batch=["2024-01-01 00:00:00.000", "2024-02-01 00:00:00.000",
                   "2024-02-01 00:00:00.000"])))
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
        dig = load_dig(WORKFLOWS, f"{source}_ingest_inc.dig").data
        window = dig["+load_incremental_data"]["_do"]["+window"]
        steps = window.get("_do", window)
        assert steps["+from_table"]["if>"] == "${td.last_results.start_time == null}"


@pytest.mark.parametrize("source", ["google_bigquery", "klaviyo", "onetrust", "shopify_v2"])
def test_4_start_and_end_are_the_same_format_and_the_start_is_the_last_end(source):
    fmt = spec(source)["timestamp_format"]
    render_sql = FORMATS[fmt].sql_render("current_timestamp")
    sql = (WORKFLOWS / "sql" / f"{source}_window_from_log.sql").read_text()
    assert f"{render_sql} AS end_time" in sql
    # the watermark is the previous end itself: no truncation, no +1 unit, no re-formatting
    assert "SELECT max(end_time) AS start_time" in sql
    assert "has_window" in sql


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
        dig = load_dig(WORKFLOWS, f"{source}_ingest_inc.dig").data
        do = dig["+load_incremental_data"]["_do"]
        assert do["_error"]["+log_error"]["td>"] == "sql/log_ingestion_error.sql"
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
        assert "+load_incremental_data" in inc and "+load_historical_data" not in inc
        assert "+load_historical_data" in hist and "+load_incremental_data" not in hist


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
        assert "'${session_id}-${attempt_id}-${datasource.table_name}-${batch[0]}'," in \
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
                assert any("td_load>" in child for child in task.values()
                           if isinstance(child, dict)), (rel, path)
            if "td_load>" in task:
                assert path[-2] == "+load_with_retry", (rel, path)


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
