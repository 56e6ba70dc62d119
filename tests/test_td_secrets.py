"""`tdgen secrets`: every key set on the project, names and counts printed, values never."""

from __future__ import annotations

import json
import stat

import pytest

from generator.td.secrets import STATE_FILE, secret_references
from tests.fake_td import API_KEY, point_env_at, running_fake
from tests.test_td_push import EXAMPLE_KEYS, credentials, tdgen


@pytest.fixture
def td_env(monkeypatch):
    """A running fake TD, and the environment of a user whose TD it is."""
    with running_fake() as td:
        yield point_env_at(monkeypatch, td)


@pytest.fixture
def pushed(project, td_env):
    """The project exists on TD (pushed earlier) with no secrets yet."""
    td_env.add_project("ingestion")
    return project


def never_shows_a_value(result, values: dict[str, str]) -> None:
    for value in values.values():
        assert value not in result.output, "a secret value was printed"


def test_every_key_is_set_as_a_project_secret(pushed, td_env):
    values = credentials(pushed)
    result = tdgen(pushed, "secrets")
    assert result.exit_code == 0, result.output
    puts = td_env.calls("PUT")
    assert sorted(r.path for r in puts) == [f"/api/projects/11/secrets/{k}"
                                            for k in EXAMPLE_KEYS]
    assert all(r.headers["content-type"] == "application/json" for r in puts)
    assert {r.path.rsplit("/", 1)[1]: json.loads(r.body) for r in puts} == \
        {k: {"value": v} for k, v in values.items()}
    assert td_env.secrets["11"] == values
    assert "8 set, 0 unchanged (project ingestion, id 11)" in result.stdout
    for key in EXAMPLE_KEYS:
        assert f"set  {key}" in result.stdout
    never_shows_a_value(result, values)


def test_a_second_run_sets_only_what_changed(pushed, td_env):
    values = credentials(pushed)
    assert tdgen(pushed, "secrets").exit_code == 0
    td_env.requests.clear()
    again = tdgen(pushed, "secrets")
    assert "0 set, 8 unchanged" in again.stdout and td_env.calls("PUT") == []
    values["onetrust_base_url"] = "https://changed.example.test"
    (pushed / "credentials_ingestion.json").write_text(json.dumps(values))
    changed = tdgen(pushed, "secrets")
    assert "1 set, 7 unchanged" in changed.stdout
    assert [r.path for r in td_env.calls("PUT")] == [
        "/api/projects/11/secrets/onetrust_base_url"]
    never_shows_a_value(changed, values)


def test_a_key_removed_on_td_is_set_again_and_force_sets_all(pushed, td_env):
    credentials(pushed)
    tdgen(pushed, "secrets")
    del td_env.secrets["11"]["pinterest_sftp_user"]
    assert "1 set, 7 unchanged" in tdgen(pushed, "secrets").stdout
    assert "8 set, 0 unchanged" in tdgen(pushed, "secrets", "--force").stdout


def test_the_record_of_uploads_holds_no_value_and_only_its_owner_reads_it(pushed, td_env):
    values = credentials(pushed)
    tdgen(pushed, "secrets")
    state = pushed / STATE_FILE
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    text = state.read_text()
    assert all(v not in text for v in values.values())
    assert all(k in text for k in values)


def test_a_dry_run_sets_nothing(pushed, td_env):
    values = credentials(pushed)
    result = tdgen(pushed, "secrets", "--dry-run")
    assert result.exit_code == 0
    assert td_env.calls("PUT") == [] and td_env.secrets["11"] == {}
    assert "8 would set, 0 unchanged" in result.stdout and "dry run" in result.stdout
    never_shows_a_value(result, values)


def test_a_missing_credentials_file_points_to_the_example(pushed):
    result = tdgen(pushed, "secrets")
    assert result.exit_code == 2
    assert "credentials_ingestion.json not found" in result.stderr
    assert "copy credentials_ingestion.example.json" in result.stderr


def test_keys_nothing_references_are_reported_and_uploaded_only_with_all(pushed, td_env):
    values = credentials(pushed, [*EXAMPLE_KEYS, "old_api_token"])
    values["old_api_token"] = "0ld-t0ken-value"
    (pushed / "credentials_ingestion.json").write_text(json.dumps(values))
    default = tdgen(pushed, "secrets")
    assert default.exit_code == 0, default.output
    assert "unused  old_api_token: no ${secret:...} in workflows/ references it (not " \
           "uploaded; --all uploads it)" in default.stdout
    assert "8 set, 0 unchanged, 1 unused (project ingestion, id 11)" in default.stdout
    assert "/api/projects/11/secrets/old_api_token" not in [r.path for r in td_env.calls("PUT")]
    assert "old_api_token" not in td_env.secrets["11"]
    allowed = tdgen(pushed, "secrets", "--all")
    assert allowed.exit_code == 0 and "1 set, 8 unchanged, 1 unused" in allowed.stdout
    assert "(uploaded anyway (--all))" in allowed.stdout
    assert td_env.secrets["11"]["old_api_token"] == "0ld-t0ken-value"
    never_shows_a_value(default, values)
    never_shows_a_value(allowed, values)


def test_keys_the_workflows_use_but_the_file_lacks_are_reported(pushed, td_env):
    td_env.secrets["11"]["pinterest_sftp_user"] = "set-earlier"
    values = credentials(pushed, [k for k in EXAMPLE_KEYS
                                  if k not in ("pinterest_sftp_user", "onetrust_access_token")])
    result = tdgen(pushed, "secrets")
    assert result.exit_code == 1  # onetrust_access_token has a value nowhere
    assert "missing  onetrust_access_token: used in " \
           "config/onetrust_collection_point_hist_load.yml, " in result.stdout
    assert "no value in credentials_ingestion.json (and not set on TD: the workflows that " \
           "use it will fail)" in result.stdout
    assert "missing  pinterest_sftp_user: used in config/pinterest_ad_groups_load.yml" \
        in result.stdout and "(already set on TD, kept)" in result.stdout
    assert "6 set, 0 unchanged, 2 missing (1 not on TD)" in result.stdout
    assert "error: 1 secret(s) used by the workflows have no value (onetrust_access_token)" \
        in result.stderr
    assert len(td_env.calls("PUT")) == 6  # what has a value is uploaded all the same
    assert td_env.secrets["11"]["pinterest_sftp_user"] == "set-earlier"  # kept
    dry = tdgen(pushed, "secrets", "--dry-run")
    assert dry.exit_code == 1 and "2 missing (1 not on TD)" in dry.stdout
    never_shows_a_value(result, values)


def test_placeholders_are_refused(pushed, td_env):
    (pushed / "credentials_ingestion.json").write_bytes(
        (pushed / "credentials_ingestion.example.json").read_bytes())
    result = tdgen(pushed, "secrets")
    assert result.exit_code == 2 and "still a placeholder or empty: " in result.stderr
    assert td_env.calls("PUT") == []


def test_a_bad_file_is_reported_without_its_content(pushed):
    (pushed / "credentials_ingestion.json").write_text('{\n  "a": "hunter2"\n  "b": 1\n}')
    result = tdgen(pushed, "secrets")
    assert result.exit_code == 2
    assert "credentials_ingestion.json:3:3: not valid JSON" in result.stderr
    assert "hunter2" not in result.output
    (pushed / "credentials_ingestion.json").write_text('{"onetrust_base_url": 42}')
    result = tdgen(pushed, "secrets")
    assert "onetrust_base_url: the value must be a string" in result.stderr


def test_a_project_not_pushed_yet_is_a_usage_error(project, td_env):
    credentials(project)
    result = tdgen(project, "secrets")
    assert result.exit_code == 2
    assert "TD Workflow has no project 'ingestion'" in result.stderr
    assert "run `tdgen push` first" in result.stderr


def test_the_references_are_read_from_the_files_that_are_uploaded(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "a.yml").write_text("x: ${secret:a.key}\ny: ${secret:b}\n")
    (tmp_path / "config" / ".draft.yml").write_text("z: ${secret:hidden}\n")
    (tmp_path / ".digdagignore").write_text("ignored.yml\n")
    (tmp_path / "ignored.yml").write_text("z: ${secret:ignored}\n")
    assert secret_references(tmp_path) == {"a.key": ["config/a.yml"], "b": ["config/a.yml"]}


def test_wrong_key_is_a_configuration_error_that_does_not_show_it(pushed, td_env,
                                                                 monkeypatch):
    credentials(pushed)
    monkeypatch.setenv("TD_API_KEY", "1/not-the-right-key-0042")
    result = tdgen(pushed, "secrets")
    assert result.exit_code == 2
    assert "TD Workflow refused the API key" in result.stderr
    assert "bad credentials: TD1 ****" in result.stderr  # the fake echoed it; we masked it
    assert "1/not-the-right-key-0042" not in result.output and API_KEY not in result.output
