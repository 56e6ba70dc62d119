"""Checks of meaning on the committed generated project (workflows/)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from generator.checks.digdag_rules import check_project
from generator.checks.sql import check_sql
from generator.digdag.evaluate import render
from generator.digdag.reader import load_dig, workflow_files
from tests.digdag_env import REPO, WORKFLOWS, datasources, params, sources

SQL_FILES = sorted(p.relative_to(WORKFLOWS).as_posix() for p in WORKFLOWS.glob("sql/*.sql"))
TD_MODES = {"append", "replace", "truncate"}
WINDOW = {"start_time": "2026-11-21T00:00:00.000Z", "end_time": "2026-11-22T00:00:00.000Z",
          "connector_start_time": "2026-11-20T23:59:59.999Z",
          "connector_end_time": "2026-11-22T00:00:00.000Z", "table_name": "t",
          "has_window": True, "end_unixtime": 1795305600}


def test_every_reference_source_is_generated():
    assert sources() == ["google_bigquery", "klaviyo", "onetrust", "pinterest", "shopify_v2"]
    names = set(workflow_files(WORKFLOWS))
    for source in sources():
        assert f"{source}_ingest_inc.dig" in names
    assert {"klaviyo_ingest_hist.dig", "onetrust_ingest_hist.dig", "shopify_v2_ingest_hist.dig",
            "google_bigquery_ingest_hist.dig", "ingestion_runner.dig"} <= names
    assert "pinterest_ingest_hist.dig" not in names  # full loads only: no history


def test_workflows_obey_digdag_rules():
    """Section H: top-level/group keys, names, !include, one operator, _do, files, database,
    table for td_load>, schedule keys."""
    assert check_project(WORKFLOWS) == []


def test_include_uses_the_key_form_inside_the_folder():
    for rel in workflow_files(WORKFLOWS):
        text = (WORKFLOWS / rel).read_text()
        for line in text.splitlines():
            if "!include" in line:
                assert re.fullmatch(r"\s*!include : config/[a-z0-9_]+\.yml", line), line
        assert load_dig(WORKFLOWS, rel).includes  # every workflow includes its config


def test_task_names_use_digdag_characters():
    rx = re.compile(r"^\s*(\+[^:]*):", re.MULTILINE)
    for rel in workflow_files(WORKFLOWS):
        for name in rx.findall((WORKFLOWS / rel).read_text()):
            assert re.fullmatch(r"\+[A-Za-z0-9_\-=\[\]{}%&@`,.]+", name), (rel, name)


@pytest.mark.parametrize("rel", SQL_FILES)
def test_sql_is_valid_trino_with_sample_values(rel):
    assert check_sql((WORKFLOWS / rel).read_text(), rel) == []


def _load_configs():
    for source in sources():
        for kind in ("inc", "hist"):
            for ds in datasources(source, kind):
                yield source, kind, ds


@pytest.mark.parametrize("source, kind, ds", list(_load_configs()),
                         ids=lambda v: v if isinstance(v, str) else v["config_file"])
def test_load_config_renders_to_a_valid_td_load_config(source, kind, ds):
    workflow = f"{source}_ingest_{kind}"
    extra = {"td": {"last_results": WINDOW}}
    tag = WINDOW["end_unixtime"]  # the window's end, which its rows carry in `time`
    if kind == "hist":
        tag = 1706745600  # 2024-02-01T00:00:00Z
        extra["batch"] = ["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z",
                          "2023-12-31T23:59:59.999Z", "2024-02-01T00:00:00.000Z", str(tag)]
    text = (WORKFLOWS / "config" / ds["config_file"]).read_text()
    config = yaml.safe_load(render(text, params(source, workflow, ds, **extra)))
    assert set(config) == {"in", "filters", "out"}
    assert config["out"]["mode"] in TD_MODES and config["out"]["mode"] == ds["mode"]
    assert config["filters"] == [{"type": "add_time", "to_column": {"name": "time",
                                  "type": "timestamp"}, "from_value": {
                                      "mode": "fixed_time", "value": tag,
                                      "unix_timestamp_unit": "sec"}}]
    spec = yaml.safe_load((REPO / "sources" / f"{source}.yml").read_text())
    connector = spec["connector"]
    assert config["in"]["type"] == connector
    if "td_authentication_id" in spec:
        assert config["in"]["td_authentication_id"] == spec["td_authentication_id"]
    flat = json.dumps(config)
    assert "${" not in flat.replace("${secret:", "")  # only secrets are left for TD


def test_datasource_fields_used_exist_in_every_entry():
    for source in sources():
        for kind in ("inc", "hist"):
            entries = datasources(source, kind)
            if not entries:
                continue
            texts = [(WORKFLOWS / f"{source}_ingest_{kind}.dig").read_text()]
            texts += [(WORKFLOWS / rel).read_text() for rel in SQL_FILES]
            used = set()
            for text in texts:
                used |= set(re.findall(r"datasource\.([a-z_]+)", text))
            for entry in entries:
                missing = used - set(entry) - {"default_start_time", "incremental_field",
                                               "incremental_field_sql",
                                               "incremental_field_literal"}
                assert not missing, (source, kind, entry["name"], missing)
                if entry["incremental"] and kind == "inc":
                    assert {"incremental_field", "default_start_time"} <= set(entry)


def test_every_secret_used_is_in_the_credentials_example_and_no_other():
    used = set()
    for path in WORKFLOWS.rglob("*"):
        if path.is_file():
            used |= set(re.findall(r"\$\{secret:([A-Za-z0-9_.-]+)\}", path.read_text()))
    example = json.loads((REPO / "credentials_ingestion.example.json").read_text())
    assert set(example) == used
    assert all(v.startswith("<") and v.endswith(">") for v in example.values())


def test_secrets_appear_only_where_digdag_substitutes_them():
    """${secret:} is substituted in td_load> configs, never in SQL or .dig params."""
    for path in WORKFLOWS.rglob("*"):
        if path.is_file() and "${secret:" in path.read_text():
            assert path.parent.name == "config" and path.name.endswith("_load.yml"), path


def test_database_is_supplied_to_every_td_operator():
    database = yaml.safe_load((WORKFLOWS / "config" / "database.yml").read_text())
    assert database["td"]["database"] == database["databases"]["src"]


def test_runner_calls_every_unscheduled_source_in_parallel():
    runner = load_dig(WORKFLOWS, "ingestion_runner.dig").data
    calls = {k: v["call>"] for k, v in runner["+run_sources"].items() if k.startswith("+")}
    assert runner["+run_sources"]["_parallel"] is True
    assert sorted(calls.values()) == sorted(f"{s}_ingest_inc.dig" for s in sources())
    # a run longer than the interval never overlaps the next session: it is skipped
    assert runner["schedule"] == {"daily>": "01:00:00", "skip_on_overtime": True}
    assert "_error" in runner
