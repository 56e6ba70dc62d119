"""tdgen import on legacy-style fixtures: import -> generate -> check -> run-local, and what
each source carried over (objects, tables, fields, formats, authentication, secrets, params)."""

from __future__ import annotations

import pytest

from generator.importer.migrate import import_legacy
from generator.local.simulate import run_local
from tests.import_helpers import (FIRST_RUN, IMPORTED_AT, LEGACY, empty_repository,
                                  generate_and_check, load_spec)


def _imported(factory, project: str, **options):
    root = empty_repository(factory.mktemp(project) / "repo")
    migration = import_legacy(root, LEGACY / project, now=IMPORTED_AT, **options)
    assert generate_and_check(root) == []
    return root, migration


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return _imported(tmp_path_factory, "reference")


@pytest.fixture(scope="module")
def others(tmp_path_factory):
    return _imported(tmp_path_factory, "others")


@pytest.fixture(scope="module")
def drift(tmp_path_factory):
    return _imported(tmp_path_factory, "drift", auth_ids={"shop2": 360360})


def _runs_clean(root, source, tmp_path):
    sim = run_local(root, source, runs=2, start=FIRST_RUN, db_path=tmp_path / f"{source}.db",
                    fresh=True)
    assert all(r.success for r in sim.runs), source
    statuses = [r["status"] for r in sim.log()]
    assert "SUCCESS" in statuses and "SKIPPED" not in statuses
    return sim


@pytest.mark.parametrize("source", ["klaviyo", "onetrust", "shopify_v2", "google_bigquery",
                                    "pinterest"])
def test_each_reference_source_runs_on_the_local_engine(reference, source, tmp_path):
    root, migration = reference
    assert f"sources/{source}.yml" in migration.written
    _runs_clean(root, source, tmp_path)


@pytest.mark.parametrize("source", ["zendesk", "crm_db", "files"])
def test_each_other_source_runs_on_the_local_engine(others, source, tmp_path):
    _runs_clean(others[0], source, tmp_path)


@pytest.mark.parametrize("source", ["klav2", "ot2", "shop2"])
def test_each_drifted_source_runs_on_the_local_engine(drift, source, tmp_path):
    _runs_clean(drift[0], source, tmp_path)


def _objects(spec):
    return {o.name: o for o in spec.objects}


def test_klaviyo_dual_fields_events_and_metrics(reference):
    spec = load_spec(reference[0], "klaviyo")
    objects = _objects(spec)
    assert list(objects) == ["events", "templates", "lists", "profiles", "campaigns", "metrics"]
    assert spec.td_authentication_id == 360030 and spec.timestamp_format == "micros_no_zone"
    assert spec.parallel == 3 and spec.schedule == {"daily>": "02:00:00"}
    events, campaigns, metrics = objects["events"], objects["campaigns"], objects["metrics"]
    assert events.incremental.connector_takes_field is False
    assert events.params == {"skip_related_objects": True}
    assert (campaigns.incremental.table_field, campaigns.incremental.connector_field) == \
        ("updated_at", "updated")
    assert (campaigns.history.table_field, campaigns.history.connector_field) == \
        ("created_at", "created")
    assert metrics.table == "klaviyo_metric_data" and metrics.incremental is None
    assert spec.default_start_time == "2025-09-01T00:00:00.000000"
    assert spec.history.start == "2023-09-01T00:00:00.000000"
    assert spec.legacy_log_before == "2026-11-01T00:00:00Z"


def test_onetrust_secrets_params_and_monthly_batches(reference):
    spec = load_spec(reference[0], "onetrust")
    assert spec.td_authentication_id is None
    assert spec.secrets == {"base_url": "onetrust_base_url",
                            "access_token": "onetrust_access_token"}
    assert spec.params == {"auth_method": "oauth", "thread_count": 5}
    assert spec.default_start_time == "2025-01-30T00:49:04.000Z"  # legacy: not in .000Z
    assert spec.history.start == "2024-01-01T00:00:00.000Z"
    assert (spec.history.parallel, spec.history.batch_parallel) == (True, 3)
    assert [o.table for o in spec.objects] == ["onetrust_data_subject_profile",
                                               "onetrust_collection_point"]


def test_shopify_from_to_dates_and_include_image(reference):
    root = reference[0]
    spec = load_spec(root, "shopify_v2")
    assert spec.td_authentication_id == 360360 and spec.params == {"include_image": True}
    assert _objects(spec)["products"].history.table_field == "created_at"
    config = (root / "workflows/config/shopify_v2_products_load.yml").read_text()
    assert "from_date:" in config and "to_date:" in config and "target: \"products\"" in config


def test_bigquery_query_and_table_imports(reference):
    root = reference[0]
    spec = load_spec(root, "google_bigquery")
    objects = _objects(spec)
    assert spec.td_authentication_id == 360071 and spec.timestamp_format == "sql_server"
    assert objects["shopify_order"].incremental.table_field == "incremental_date"
    assert objects["shopify_order"].params == {"dataset": "shopify"}
    assert objects["gold_user_profile"].incremental is None
    assert objects["gold_user_profile"].params == {"dataset": "gold"}
    assert spec.params["max_connection_retry"] == 10
    assert spec.default_start_time == "2025-09-01 00:00:00.000"  # legacy strict '>' 23:59:59
    config = (root / "workflows/config/google_bigquery_shopify_order_load.yml").read_text()
    assert "`incremental_date` >=" in config and "`incremental_date` <" in config


def test_pinterest_sftp_files_replace(reference):
    spec = load_spec(reference[0], "pinterest")
    assert set(spec.secrets) == {"host", "user", "password"}
    assert spec.params["port"] == 22 and spec.params["timeout"] == 600
    for o in spec.objects:
        assert o.incremental is None and o.mode is None  # full loads: replace by default
        assert o.secrets == {"path_prefix": f"pinterest_{o.name}_path_prefix"}
        assert o.params["parser"]["skip_header_lines"] == 1
    pinterest = next(r for r in reference[1].results if r.name == "pinterest")
    assert 12 in pinterest.fixed


def test_sources_outside_the_reference_ones(others):
    root, migration = others
    zendesk, crm, files = (load_spec(root, n) for n in ("zendesk", "crm_db", "files"))
    assert zendesk.secrets == {"username": "zendesk_username", "token": "zendesk_token"}
    assert zendesk.schedule == {"cron>": "0 */6 * * *"} and zendesk.parallel == 2
    assert all(o.incremental.connector_takes_field is False for o in zendesk.objects)
    assert zendesk.default_start_time == "2025-06-01T00:00:00Z"
    assert crm.connector == "postgresql" and crm.secrets == {"password": "crm_db_password"}
    assert crm.params["schema"] == "public" and crm.parallel is True
    assert [o.incremental is not None for o in crm.objects] == [True, False]
    assert files.td_authentication_id == 360500
    assert files.objects[0].params == {"path_prefix": "invoices/"}
    skipped = next(r for r in migration.results if r.name == "salesforce")
    assert skipped.spec is None and "not in the catalog" in skipped.skipped


def test_drift_is_reported_not_fatal(drift):
    root, migration = drift
    by_name = {r.name: r for r in migration.results}
    klav2 = " | ".join(n.message for n in by_name["klav2"].notes)
    for expected in ("incremental_field_connector missing", "hard-codes incremental_field",
                     "placeholder td_authentication_id 123", "run_mode: inc",
                     "only in hist_datasources", "page_size", "default_start_time differs"):
        assert expected in klav2
    assert {6, 11, 12} <= by_name["klav2"].fixed
    spec = load_spec(root, "klav2")
    assert spec.td_authentication_id == 360030 and spec.parallel is False
    assert [o.name for o in spec.objects] == ["events", "lists", "campaigns", "metrics"]
    ot2 = load_spec(root, "ot2")
    assert ot2.secrets == {"base_url": "ot2_base_url", "access_token": "ot2_access_token"}
    assert "marketo" in by_name and by_name["marketo"].spec is None
    assert load_spec(root, "shop2").td_authentication_id == 360360


def test_a_placeholder_only_source_is_skipped_without_auth_id(tmp_path):
    root = empty_repository(tmp_path / "repo")
    migration = import_legacy(root, LEGACY / "drift", ["shop2"], now=IMPORTED_AT)
    (result,) = migration.results
    assert result.spec is None and "--auth-id shop2=ID" in result.skipped
    assert not (root / "sources/shop2.yml").exists()
