"""tdgen import on malformed legacy projects: one error with file:line:column, exit 2, nothing
written; existing specs never overwritten without --force; the command's options."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from generator.cli import cli
from tests.conftest import snapshot
from tests.import_helpers import LEGACY, empty_repository


@pytest.fixture
def repo(tmp_path):
    return empty_repository(tmp_path / "repo")


@pytest.fixture
def legacy(tmp_path):
    return shutil.copytree(LEGACY / "reference", tmp_path / "legacy")


def tdgen_import(repo, *args):
    return CliRunner().invoke(cli, ["import", *map(str, args), "--root", str(repo)])


def _fails_at(result, where: str, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert re.search(rf"{re.escape(where)}: error: .*{message}", result.output), result.output
    assert "nothing was written" in result.output


def test_broken_yaml_in_a_datasource_list(repo, legacy):
    path = legacy / "config/shopify_v2_datasources.yml"
    path.write_text(path.read_text().replace("  - name: products\n", "  - name: [products\n", 1))
    before = snapshot(repo)
    _fails_at(tdgen_import(repo, legacy), "config/shopify_v2_datasources.yml:3:15", "YAML syntax")
    assert snapshot(repo) == before


def test_a_missing_include(repo, legacy):
    (legacy / "config/pinterest_datasources.yml").unlink()
    before = snapshot(repo)
    _fails_at(tdgen_import(repo, legacy), "pinterest_ingest.dig:5:14",
              "file config/pinterest_datasources.yml does not exist")
    assert snapshot(repo) == before


def test_a_datasource_list_that_is_not_a_list(repo, legacy):
    (legacy / "config/onetrust_datasources.yml").write_text(
        "hist_datasources: []\ninc_datasources:\n  name: collection_point\n")
    before = snapshot(repo)
    _fails_at(tdgen_import(repo, legacy), "config/onetrust_datasources.yml:3:3",
              "inc_datasources must be a list")
    assert snapshot(repo) == before


def test_a_missing_load_config(repo, legacy):
    (legacy / "config/klaviyo_events_load.yml").unlink()
    _fails_at(tdgen_import(repo, legacy), "config/klaviyo_datasources.yml:46:18",
              "config/klaviyo_events_load.yml does not exist")
    assert not list((repo / "sources").glob("*.yml"))


def test_broken_yaml_in_a_load_config(repo, legacy):
    (legacy / "config/shopify_v2_products_load.yml").write_text("in:\n  type: [shopify_v2\n")
    _fails_at(tdgen_import(repo, legacy), "config/shopify_v2_products_load.yml:3:1", "YAML")
    assert not list((repo / "sources").glob("*.yml"))


def test_an_existing_spec_is_kept_without_force(repo):
    (repo / "sources/pinterest.yml").write_text("# mine\n")
    before = snapshot(repo)
    result = tdgen_import(repo, LEGACY / "reference")
    assert result.exit_code == 2 and "sources/pinterest.yml already exist" in result.output
    assert snapshot(repo) == before  # no other source written either
    result = tdgen_import(repo, LEGACY / "reference", "--force")
    assert result.exit_code == 0, result.output
    assert "source: pinterest" in (repo / "sources/pinterest.yml").read_text()


def test_dry_run_writes_nothing_and_reports(repo):
    before = snapshot(repo)
    result = tdgen_import(repo, LEGACY / "reference", "--dry-run", "--source", "klaviyo")
    assert result.exit_code == 0, result.output
    assert snapshot(repo) == before
    assert "would import 1 source(s)" in result.output
    assert "metrics: a full load the legacy appended: it now replaces its table" in result.output


def test_an_unknown_source_is_named_with_a_suggestion(repo):
    result = tdgen_import(repo, LEGACY / "reference", "--source", "klavyio")
    assert result.exit_code == 2 and "did you mean 'klaviyo'" in result.output


def test_a_malformed_auth_id_is_a_usage_error(repo):
    result = tdgen_import(repo, LEGACY / "drift", "--auth-id", "shop2:360360")
    assert result.exit_code == 2 and "SOURCE=ID" in result.output


def test_json_report(repo):
    result = tdgen_import(repo, LEGACY / "others", "--format", "json")
    assert result.exit_code == 0, result.output
    report = {s["source"]: s for s in json.loads(result.output)["sources"]}
    assert report["salesforce"]["imported"] is False
    assert "not in the catalog" in report["salesforce"]["skipped"]
    assert report["zendesk"]["objects"] == ["tickets", "users"]
    assert "legacy_log_before" in report["zendesk"]["seam"]
    assert "5" in report["zendesk"]["defects_fixed"]


def test_diff_shows_legacy_beside_generated_key_by_key(repo):
    result = tdgen_import(repo, LEGACY / "reference", "--source", "google_bigquery",
                          "--dry-run", "--diff")
    assert result.exit_code == 0, result.output
    block = result.output[result.output.index("google_bigquery / shopify_order:"):]
    assert "= td_authentication_id: 360071" in block
    assert "= dataset: shopify" in block
    assert re.search(r"~ query: SELECT \* FROM `shopify.shopify_order` WHERE incremental_date >"
                     r" '\$\{td.last_results.start_time\}'  ->  .*>= '", block)


def test_imported_sources_are_listed_like_any_other(repo):
    assert tdgen_import(repo, LEGACY / "others").exit_code == 0
    result = CliRunner().invoke(cli, ["sources", "--root", str(repo)])
    assert result.exit_code == 0
    assert all(name in result.output for name in ("zendesk", "crm_db", "files"))


def test_a_project_without_workflows(repo, tmp_path):
    (tmp_path / "empty").mkdir()
    result = tdgen_import(repo, tmp_path / "empty")
    assert result.exit_code == 2 and "no <source>_ingest" in result.output


def test_a_table_another_source_loads_leaves_nothing_behind(repo):
    (repo / "sources/mine.yml").write_text(
        "source: mine\nconnector: sftp_v2\nsecrets: {host: h, user: u, password: p}\n"
        "objects:\n  - name: x\n    table: files_invoices\n    secrets: {path_prefix: pp}\n"
        "    params: {parser: {type: csv, columns: [{name: a, type: string}]}}\n")
    before = snapshot(repo)
    result = tdgen_import(repo, LEGACY / "others")
    assert result.exit_code == 2 and "files_invoices" in result.output
    assert snapshot(repo) == before


def test_diff_shows_that_an_appended_full_load_now_replaces(repo):
    result = tdgen_import(repo, LEGACY / "reference", "--source", "klaviyo", "--dry-run",
                          "--diff")
    block = result.output[result.output.index("klaviyo / metrics:"):]
    assert "~ out.mode: append  ->  replace" in block


def test_month_ranges_that_are_not_a_list(repo, legacy):
    (legacy / "config/hist_date_ranges.yml").write_text("hist_date_ranges: 2024-01\n")
    _fails_at(tdgen_import(repo, legacy), "config/hist_date_ranges.yml:1:19",
              "hist_date_ranges must be a list")
    assert not list((repo / "sources").glob("*.yml"))


def test_json_report_with_diff_stays_json(repo):
    result = tdgen_import(repo, LEGACY / "reference", "--source", "pinterest", "--dry-run",
                          "--diff", "--format", "json")
    (source,) = json.loads(result.output)["sources"]
    assert "  ~ out.mode: append  ->  replace" in source["diff"]
