"""Push never uploads credentials, and never a tree that is not what its specs render
(issue 10): each is a pre-flight error, nothing is uploaded, no value is shown."""

from __future__ import annotations

import shutil

import pytest

from tests.fake_td import point_env_at, running_fake, write_fast_settings
from tests.test_td_push import credentials, tdgen


@pytest.fixture
def ready(project, monkeypatch):
    with running_fake() as td:
        point_env_at(monkeypatch, td)
        credentials(project)
        write_fast_settings(project)
        yield project, td


@pytest.mark.parametrize("name", ["credentials_ingestion.json", "config/credentials_prod.json"])
def test_a_credentials_file_under_workflows_is_a_pre_flight_error(ready, name):
    project, td = ready
    target = project / "workflows" / name
    shutil.copy(project / "credentials_ingestion.json", target)
    for args in (("push", "--dry-run"), ("push", "--revision", "r1")):
        result = tdgen(project, *args)
        assert result.exit_code == 1, result.output
        assert f"credentials: workflows/{name} would be uploaded" in result.output
    assert td.calls("PUT", "/api/projects") == []


def test_a_file_holding_a_secret_value_is_a_pre_flight_error_naming_the_key(ready):
    project, td = ready
    values = credentials(project)
    key, value = sorted(values.items())[0]
    (project / "workflows" / "notes.txt").write_text(f"password was {value}\n")
    result = tdgen(project, "push", "--revision", "r1")
    assert result.exit_code == 1
    assert f"workflows/notes.txt holds the value of secret {key}" in result.output
    assert value not in result.output
    assert td.calls("PUT", "/api/projects") == []


def test_a_tree_out_of_sync_with_its_specs_fails_check_and_push(ready):
    project, td = ready
    spec = project / "sources" / "shopify_v2.yml"
    spec.write_text(spec.read_text().replace("parallel: 3", "parallel: 2"))
    check = tdgen(project, "check", "--no-style")
    assert check.exit_code == 1
    assert "workflows/shopify_v2_ingest_inc.dig:1:1: error: differs from what its spec " \
           "renders" in check.output
    result = tdgen(project, "push", "--revision", "r1")
    assert result.exit_code == 1 and "[spec-drift]" in result.output
    assert td.calls("PUT", "/api/projects") == []


def test_a_stale_generated_file_is_drift_too(ready):
    project, _ = ready
    (project / "sources" / "pinterest.yml").unlink()
    result = tdgen(project, "check", "--no-style", "--select", "spec-drift")
    assert result.exit_code == 1
    assert "no spec renders it any more" in result.output
