"""`tdgen preview` and `tdgen guess` against the fake TD, through td-client."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from tests.fake_td import API_KEY, fake_td, point_env_at, write_fast_settings  # noqa: F401

EVENTS = [("datetime", "string"), ("id", "string"), ("metric_id", "string")]
PARSER = {"type": "csv", "delimiter": ";", "skip_header_lines": 1,
          "columns": [{"name": "date", "type": "timestamp", "format": "%Y-%m-%d"},
                      {"name": "clicks", "type": "long"}]}
SECRET_VALUE = "sftp-password-7f3a9c"


@pytest.fixture
def td(fake_td, monkeypatch, project):  # noqa: F811
    point_env_at(monkeypatch, fake_td)
    write_fast_settings(project)
    credentials = {k: f"value-of-{k}" for k in json.loads(
        (project / "credentials_ingestion.example.json").read_text())}
    credentials["pinterest_sftp_password"] = SECRET_VALUE
    (project / "credentials_ingestion.json").write_text(json.dumps(credentials))
    return fake_td


def run(project, *args):
    return CliRunner().invoke(cli, [*args, "--root", str(project)], catch_exceptions=False)


def sent(td) -> dict:
    return json.loads(td.calls("POST")[-1].body)["config"]


def test_preview_sends_the_load_config_and_shows_columns_and_rows(td, project):
    td.preview_columns, td.preview_records = EVENTS, [["2026-11-30T23:10:00", "e1", "m"]]
    result = run(project, "preview", "klaviyo", "events", "--window",
                 "2026-11-30T23:00:00Z/2026-12-01T00:00:00Z")
    assert result.exit_code == 0, result.output + result.stderr
    assert "klaviyo / events: [2026-11-30T23:00:00+00:00" in result.output
    assert "columns: datetime (string), id (string)" in result.output and "'e1'" in result.output
    config = sent(td)["in"]
    assert config["type"] == "klaviyo" and config["data_source"] == "events"
    assert config["td_authentication_id"] == 360030 and "${" not in json.dumps(config)
    assert config["end_time"] == "2026-12-01T00:00:00.000000"
    assert td.calls("POST")[-1].path == "/v3/bulk_loads/preview"


def test_preview_fills_in_secrets_and_never_prints_them(td, project):
    td.preview_columns = [("date", "string")]
    td.unknown_params = {"timeout"}
    result = run(project, "preview", "pinterest", "campaigns")
    assert result.exit_code == 1
    assert sent(td)["in"]["password"] == SECRET_VALUE
    assert SECRET_VALUE not in result.output + result.stderr


def test_a_refused_parameter_is_one_line_naming_object_and_parameter(td, project):
    td.preview_columns = EVENTS + [("updated", "string")]
    td.unknown_params = {"skip_related_objects"}
    result = run(project, "preview", "klaviyo", "events", "templates")
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert errors == ["error: klaviyo / events: TD's connector refused the config: Unknown "
                      "parameter 'skip_related_objects' for input type klaviyo"]
    assert "klaviyo / templates:" in result.output  # the other object was still previewed


def test_a_missing_table_field_fails_the_object(td, project):
    td.preview_columns = [("updated_at", "string")]
    result = run(project, "preview", "klaviyo", "templates")
    assert result.exit_code == 1
    assert "klaviyo / templates: the table field 'updated' is not among the connector's " \
           "columns (updated_at)" in result.stderr


def test_a_bad_key_is_one_line_and_never_printed(td, project, monkeypatch):
    monkeypatch.setenv("TD_API_KEY", "1/wrong-key-0123456789")
    result = run(project, "preview", "klaviyo", "events")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: TD refused the API key; check TD_API_KEY and TD_SITE (or TD_API_ENDPOINT)"]
    assert "wrong-key" not in result.output + result.stderr


@pytest.mark.parametrize("args, message", [
    (["klaviyo", "event"], "did you mean 'events'"),
    (["klavio"], "did you mean 'klaviyo'"),
    (["klaviyo", "--window", "2026-12-01/2026-11-01"], "START before END"),
])
def test_preview_usage_errors(td, project, args, message):
    result = run(project, "preview", *args)
    assert result.exit_code == 2 and message in result.stderr and not td.calls("POST")


def test_guess_writes_the_parser_into_the_spec_keeping_the_rest(td, project):
    td.guessed_parser = PARSER
    spec = project / "sources" / "pinterest.yml"
    before = spec.read_text()
    result = run(project, "guess", "pinterest", "ad_groups")
    assert result.exit_code == 0, result.stderr
    after = spec.read_text()
    assert after.splitlines()[:2] == before.splitlines()[:2]  # the comments are kept
    data, old = yaml.safe_load(after), yaml.safe_load(before)
    assert data["objects"][1]["params"]["parser"] == PARSER
    old["objects"][1]["params"]["parser"] = PARSER
    assert data == old
    assert "parser" not in sent_guess(td)
    assert run(project, "generate").exit_code == 0


def sent_guess(td) -> dict:
    return json.loads(td.calls("POST", "/v3/bulk_loads/guess")[-1].body)["config"]["in"]


def test_guess_dry_run_prints_the_parser_and_writes_nothing(td, project):
    td.guessed_parser = PARSER
    before = (project / "sources" / "pinterest.yml").read_text()
    result = run(project, "guess", "pinterest", "campaigns", "--dry-run")
    assert result.exit_code == 0
    assert yaml.safe_load(result.output) == {"parser": PARSER}
    assert (project / "sources" / "pinterest.yml").read_text() == before


def test_guess_refuses_an_inline_params_mapping(td, project):
    td.guessed_parser = PARSER
    spec = project / "sources" / "pinterest.yml"
    text = spec.read_text()
    start, end = text.index("    params:\n"), text.index("  - name: ad_groups")
    inline = "    params: {parser: {type: csv, columns: [{name: d, type: string}]}}\n"
    text = text[:start] + inline + text[end:]
    spec.write_text(text)
    result = run(project, "guess", "pinterest", "campaigns")
    assert result.exit_code == 2 and "written inline" in result.stderr
    assert spec.read_text() == text


def test_guess_is_for_file_connectors(td, project):
    result = run(project, "guess", "klaviyo", "events")
    assert result.exit_code == 2 and "reads no files" in result.stderr


def test_guess_adds_the_parser_to_a_scaffolded_object_and_the_project_renders(td, project):
    td.guessed_parser = PARSER
    made = run(project, "generate-source", "files", "--connector", "s3_v2", "--auth-id",
               "360360", "--object", "orders", "--param", "bucket=exports", "--column", "id:long")
    assert made.exit_code == 0, made.stderr
    spec = project / "sources" / "files.yml"
    before = spec.read_text()
    result = run(project, "guess", "files", "orders")
    assert result.exit_code == 0, result.stderr
    assert sent_guess(td)["bucket"] == "exports" and sent_guess(td)["path_prefix"] == "orders/"
    data = yaml.safe_load(spec.read_text())
    assert data["objects"][0]["params"] == {"path_prefix": "orders/", "parser": PARSER}
    assert spec.read_text().startswith(before.split("objects:")[0])
    assert run(project, "generate").exit_code == 0
    load = yaml.safe_load((project / "workflows" / "config" / "files_orders_load.yml").read_text())
    assert load["in"]["parser"] == PARSER


def test_preview_without_a_credentials_file_names_it(td, project):
    (project / "credentials_ingestion.json").unlink()
    result = run(project, "preview", "pinterest")
    assert result.exit_code == 2
    assert "credentials_ingestion.json not found" in result.stderr and not td.calls("POST")
