"""`tdgen push`: pre-flight failures, and what the (fake) TD Workflow server receives."""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.td.push import default_revision
from tests.fake_td import API_KEY, point_env_at, running_fake, write_fast_settings


@pytest.fixture
def td_env(monkeypatch):
    """A running fake TD, and the environment of a user whose TD it is."""
    with running_fake() as td:
        yield point_env_at(monkeypatch, td)


EXAMPLE_KEYS = ["google_bigquery_project_id", "onetrust_access_token", "onetrust_base_url",
                "pinterest_ad_groups_path_prefix", "pinterest_campaigns_path_prefix",
                "pinterest_sftp_host", "pinterest_sftp_password", "pinterest_sftp_user"]


def credentials(project: Path, keys=EXAMPLE_KEYS) -> dict[str, str]:
    values = {k: f"value-of-{k}" for k in keys}
    (project / "credentials_ingestion.json").write_text(json.dumps(values))
    return values


def tdgen(project: Path, *args: str):
    return CliRunner().invoke(cli, [args[0], "--root", str(project), *args[1:]])


def workflow_files(project: Path) -> list[str]:
    folder = project / "workflows"
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not any(s.startswith(".")
                                             for s in p.relative_to(folder).parts))


def tar_names(body: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(body)), mode="r:") as tar:
        return sorted(m.name for m in tar.getmembers())


@pytest.fixture
def ready(project, td_env):
    """A project with every secret filled in and a TD that answers."""
    credentials(project)
    write_fast_settings(project)
    return project


def test_push_uploads_the_workflows_folder_as_a_new_revision(ready, td_env):
    expected = workflow_files(ready)
    result = tdgen(ready, "push", "--revision", "rev-1")
    assert result.exit_code == 0, result.output
    [put] = td_env.calls("PUT", "/api/projects")
    assert put.query == {"project": "ingestion", "revision": "rev-1"}
    assert put.headers["content-type"] == "application/gzip"
    assert put.headers["authorization"] == f"TD1 {API_KEY}"
    assert tar_names(put.body) == expected
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(put.body)), mode="r:") as tar:
        for member in tar.getmembers():  # the bytes and the permission bits of each file
            source = ready / "workflows" / member.name
            assert tar.extractfile(member).read() == source.read_bytes(), member.name
            assert member.mode == source.stat().st_mode & 0o7777, member.name
    assert "credentials_ingestion.json" not in str(tar_names(put.body))
    assert "pushed project ingestion (id 11), revision rev-1" in result.stdout
    assert td_env.projects["ingestion"]["revision"] == "rev-1"
    assert "with the TD CLI: cd workflows && td wf push ingestion --revision rev-1" \
        in result.stdout


def test_dot_files_and_digdagignore_matches_are_not_uploaded(ready, td_env):
    workflows = ready / "workflows"
    (workflows / ".digdagignore").write_text("scratch/\n*.tmp\n")
    (workflows / "scratch").mkdir()
    (workflows / "scratch" / "notes.txt").write_text("draft")
    (workflows / "config" / "old.tmp").write_text("x")
    (workflows / ".env").write_text("X=1")
    expected = [n for n in workflow_files(ready)
                if not n.startswith("scratch/") and not n.endswith(".tmp")]
    result = tdgen(ready, "push", "--revision", "rev-2")
    assert result.exit_code == 0, result.output
    body = td_env.calls("PUT", "/api/projects")[0].body
    assert tar_names(body) == expected
    assert ".env" not in expected and ".digdagignore" not in expected


def test_a_dry_run_lists_the_files_and_their_size_and_uploads_nothing(ready, td_env):
    result = tdgen(ready, "push", "--dry-run")
    assert result.exit_code == 0, result.output
    assert td_env.requests == []  # every secret is local: TD is not even asked
    for name in workflow_files(ready):
        assert re.search(rf"^\s+\d+  {re.escape(name)}$", result.stdout, re.MULTILINE), name
    total = sum((ready / "workflows" / n).stat().st_size for n in workflow_files(ready))
    assert f"{len(workflow_files(ready))} files, {total} bytes" in result.stdout
    assert "dry run: nothing was uploaded" in result.stdout
    assert "pre-flight: passed (tdgen check: no error; 8 secret key(s) used, each with a " \
           "value; size within the limit)" in result.stdout
    assert "cd workflows && td wf push ingestion" in result.stdout


def test_a_dry_run_that_fails_the_pre_flight_still_lists_the_files(project, td_env):
    write_fast_settings(project)
    credentials(project, [k for k in EXAMPLE_KEYS if k != "pinterest_sftp_password"])
    result = tdgen(project, "push", "--dry-run")
    assert result.exit_code == 1
    for name in workflow_files(project):
        assert re.search(rf"^\s+\d+  {re.escape(name)}$", result.stdout, re.MULTILINE), name
    assert "pre-flight: failed, 1 problem (listed on stderr)" in result.stdout
    assert "secret: ${secret:pinterest_sftp_password} (used in " in result.stderr
    assert td_env.calls("PUT") == []


def test_the_default_revision_is_a_utc_timestamp_and_the_git_commit(tmp_path):
    now = datetime(2024, 5, 1, 12, 30, 5, tzinfo=UTC)
    assert default_revision(tmp_path, now) == "20240501T123005Z"
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "a.dig").write_text("+a:\n  echo>: a\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.test"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "x"]):
        subprocess.run(git + args, cwd=tmp_path, check=True)
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tmp_path, text=True,
                         capture_output=True, check=True).stdout.strip()
    assert default_revision(tmp_path, now) == f"20240501T123005Z-{sha}"
    (tmp_path / "workflows" / "a.dig").write_text("+a:\n  echo>: b\n")
    assert default_revision(tmp_path, now) == f"20240501T123005Z-{sha}-dirty"


def test_push_without_revision_uses_the_default(ready, td_env):
    result = tdgen(ready, "push")
    assert result.exit_code == 0, result.output
    revision = td_env.calls("PUT", "/api/projects")[0].query["revision"]
    assert re.fullmatch(r"\d{8}T\d{6}Z", revision)  # the copy is not in git
    assert "with the TD CLI: cd workflows && td wf push ingestion\n" in result.stdout


# --- pre-flight ------------------------------------------------------------------------------

def test_a_check_error_stops_the_push(ready, td_env):
    (ready / "workflows" / "broken.dig").write_text("+a:\n  echo>: one\n  sh>: two\n")
    result = tdgen(ready, "push")
    assert result.exit_code == 1
    assert "pre-flight failed" in result.stderr and "nothing was uploaded" in result.stderr
    assert re.search(r"check: workflows/broken\.dig:\d+:\d+: error:", result.stderr)
    assert td_env.calls("PUT") == []


def test_a_secret_without_a_value_stops_the_push(project, td_env):
    write_fast_settings(project)
    credentials(project, [k for k in EXAMPLE_KEYS if k != "onetrust_access_token"])
    result = tdgen(project, "push")
    assert result.exit_code == 1
    assert ("secret: ${secret:onetrust_access_token} (used in "
            "config/onetrust_collection_point_hist_load.yml, ") in result.stderr
    assert "has no value in credentials_ingestion.json and is not set on TD" in result.stderr
    assert td_env.calls("PUT") == []


def test_a_secret_already_set_on_td_needs_no_local_value(project, td_env):
    write_fast_settings(project)
    credentials(project, EXAMPLE_KEYS[1:])
    td_env.add_project("ingestion", {EXAMPLE_KEYS[0]: "remote"})
    result = tdgen(project, "push", "--revision", "r")
    assert result.exit_code == 0, result.output
    assert td_env.calls("GET", "/api/projects/11/secrets")


def test_placeholders_are_not_values_and_every_problem_is_reported_at_once(project, td_env):
    write_fast_settings(project)
    with open(project / ".tdgen" / "config.yml", "a") as config:
        config.write("max_archive_size: 1KiB\n")
    (project / "credentials_ingestion.json").write_bytes(
        (project / "credentials_ingestion.example.json").read_bytes())
    result = tdgen(project, "push")
    assert result.exit_code == 1
    assert f"pre-flight failed ({len(EXAMPLE_KEYS) + 2} problems)" in result.stderr
    assert "size: the archive is" in result.stderr and "over the limit of 1024 bytes" \
        in result.stderr
    assert "size: the files total" in result.stderr
    for key in EXAMPLE_KEYS:
        assert f"secret: ${{secret:{key}}}" in result.stderr
    assert td_env.calls("PUT") == []


def test_without_an_api_key_only_a_dry_run_works(project, monkeypatch, tmp_path):
    for name in ("TD_API_KEY", "TD_SITE", "TD_API_ENDPOINT", "TD_WORKFLOW_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    credentials(project)
    result = tdgen(project, "push")
    assert result.exit_code == 2 and "no TD API key: set TD_API_KEY" in result.stderr
    assert tdgen(project, "push", "--dry-run").exit_code == 0


def test_a_dry_run_without_a_key_says_td_was_not_asked(project, monkeypatch):
    monkeypatch.delenv("TD_API_KEY", raising=False)
    result = tdgen(project, "push", "--dry-run")
    assert result.exit_code == 1
    assert "(TD was not asked: no API key configured)" in result.stderr


def test_a_link_out_of_the_project_is_a_configuration_error(ready, td_env, tmp_path):
    (tmp_path / "elsewhere.yml").write_text("x: 1\n")
    (ready / "workflows" / "config" / "linked.yml").symlink_to(tmp_path / "elsewhere.yml")
    result = tdgen(ready, "push")
    assert result.exit_code == 2
    assert "config/linked.yml: the symbolic link points outside the project" in result.stderr
    assert td_env.calls("PUT") == []


def test_an_empty_revision_is_a_usage_error(ready):
    result = tdgen(ready, "push", "--revision", " ")
    assert result.exit_code == 2 and "revision name cannot be empty" in result.stderr


def test_a_server_failure_is_reported_with_its_message(ready, td_env):
    td_env.fail["PUT /api/projects"] = (500, "archive store unavailable")
    result = tdgen(ready, "push", "--revision", "r")
    assert result.exit_code == 1
    assert "PUT /api/projects: HTTP 500: archive store unavailable" in result.stderr
    assert "Traceback" not in result.output


def test_the_notes_say_when_local_secrets_are_not_on_td_yet(ready, td_env):
    td_env.add_project("ingestion", {})
    result = tdgen(ready, "push", "--revision", "r")
    assert result.exit_code == 0
    assert "note: 8 secret(s) have a value in credentials_ingestion.json but are not set on " \
           "TD yet" in result.stderr and "run `tdgen secrets`" in result.stderr


@pytest.mark.parametrize("command", [("push", "--revision", "r"), ("secrets",)])
def test_an_unreachable_workflow_endpoint_is_one_message_with_the_fix(ready, monkeypatch,
                                                                     command):
    import socket

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("TD_WORKFLOW_ENDPOINT", f"http://127.0.0.1:{port}")
    result = tdgen(ready, *command)
    assert result.exit_code == 1
    assert f"error: cannot reach TD Workflow at http://127.0.0.1:{port} (" in result.stderr
    assert "check the network (a proxy: HTTPS_PROXY), TD_SITE or TD_WORKFLOW_ENDPOINT" \
        in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_wrong_key_stops_the_push_with_the_fix_and_without_the_key(ready, monkeypatch):
    monkeypatch.setenv("TD_API_KEY", "1/a-key-of-another-account")
    result = tdgen(ready, "push", "--revision", "r")
    assert result.exit_code == 2
    assert "TD Workflow refused the API key" in result.stderr
    assert "check TD_API_KEY and TD_SITE (or the endpoints)" in result.stderr
    assert "1/a-key-of-another-account" not in result.output
