"""The TD API key never appears in any output of any command, nor in a log record."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_td import API_KEY, point_env_at, running_fake, write_fast_settings
from tests.test_td_push import credentials, tdgen
from tests.test_td_status import healthy_log


@pytest.fixture
def td_env(monkeypatch):
    """A running fake TD, and the environment of a user whose TD it is."""
    with running_fake() as td:
        yield point_env_at(monkeypatch, td)


BIN = Path(sys.executable).parent


@pytest.fixture
def repo(project, td_env):
    credentials(project)
    write_fast_settings(project)
    td_env.add_project("ingestion")
    return project


COMMANDS = [
    ("push", "--dry-run"), ("push", "--revision", "r1"), ("secrets", "--dry-run"),
    ("secrets",), ("secrets", "--force"), ("status",), ("status", "--format", "json"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_output_contains_the_key(repo, td_env, args):
    from datetime import UTC, datetime

    td_env.log_rows = healthy_log(repo, datetime.now(UTC))
    result = tdgen(repo, *args)
    assert result.exit_code == 0, result.output
    assert API_KEY not in result.stdout and API_KEY not in result.stderr


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_error_contains_the_key_even_when_the_server_echoes_it(repo, td_env, args):
    echo = f"request with Authorization: TD1 {API_KEY} failed"
    for call in ("GET /api/projects", "PUT /api/projects", "GET /api/projects/11/secrets",
                 "POST /v3/job/issue/trino/src_ingestion"):
        td_env.fail[call] = (422, echo)
    td_env.projects.clear()  # so that `push --dry-run` asks TD about a secret
    credentials(repo, ["onetrust_base_url"])
    result = tdgen(repo, *args)
    assert result.exit_code != 0
    assert "****" in result.stderr or "pre-flight failed" in result.stderr
    assert API_KEY not in result.stdout and API_KEY not in result.stderr


def test_a_wrong_key_echoed_back_is_masked_for_every_command(repo, td_env, monkeypatch):
    wrong = "1/wrong-key-from-the-environment"
    monkeypatch.setenv("TD_API_KEY", wrong)
    for args in COMMANDS:
        result = tdgen(repo, *args)
        assert wrong not in result.output, args


def test_the_installed_command_with_debug_does_not_show_the_key(repo, td_env):
    td_env.fail["POST /v3/job/issue/trino/src_ingestion"] = (422, f"TD1 {API_KEY}")
    env = {**os.environ, "TD_API_KEY": API_KEY, "TD_API_ENDPOINT": td_env.url,
           "TD_WORKFLOW_ENDPOINT": td_env.url}
    done = subprocess.run([str(BIN / "tdgen"), "--debug", "status", "--root", str(repo)],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0 and "Traceback" in done.stderr
    assert API_KEY not in done.stdout + done.stderr


def test_td_client_debug_logs_are_masked(repo, td_env, caplog):
    from datetime import UTC, datetime, timedelta

    from generator.td.config import load_config
    from generator.td.ingestion_log import fetch_log

    config = load_config(repo)
    with caplog.at_level(logging.DEBUG):
        fetch_log(config, "src_ingestion", "ingestion_log", datetime.now(UTC) - timedelta(1))
    assert "REST GET call" in caplog.text  # td-client logged its requests, headers included
    assert API_KEY not in caplog.text


DEBUG_COMMANDS = [("push", "--revision", "r1"), ("push", "--dry-run"), ("secrets",),
                  ("secrets", "--dry-run"), ("status",)]


def _installed(repo: Path, td_env, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TD_API_KEY": API_KEY, "TD_API_ENDPOINT": td_env.url,
           "TD_WORKFLOW_ENDPOINT": td_env.url}
    return subprocess.run([str(BIN / "tdgen"), "--debug", *args, "--root", str(repo)],
                          env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("args", DEBUG_COMMANDS, ids=" ".join)
def test_debug_shows_neither_the_key_nor_a_secret_value_when_td_echoes_them(repo, td_env,
                                                                            args):
    values = credentials(repo)
    echo = f"request refused: Authorization: TD1 {API_KEY}"
    for call in ("PUT /api/projects", "POST /v3/job/issue/trino/src_ingestion"):
        td_env.fail[call] = (500, echo)
    for key, value in values.items():  # a server that quotes the body it refuses
        td_env.fail[f"PUT /api/projects/11/secrets/{key}"] = (400, f"{echo}; bad {value!r}")
    if args[0] == "push":  # push asks TD for the project's secret keys first
        td_env.fail["GET /api/projects"] = (500, echo)
    if args == ("secrets", "--dry-run"):  # a dry run only reads
        td_env.fail["GET /api/projects/11/secrets"] = (500, echo)
    if args == ("push", "--dry-run"):  # a key with no local value: the dry run asks TD
        credentials(repo, [k for k in values if k != "onetrust_base_url"])
    done = _installed(repo, td_env, *args)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" in done.stderr  # --debug: the error is raised, not summarised
    output = done.stdout + done.stderr
    assert API_KEY not in output
    assert all(value not in output for value in values.values()), "a secret value was shown"
    if args == ("secrets",):
        assert "bad '****'" in output  # the server's message is kept, masked


@pytest.mark.parametrize("args", DEBUG_COMMANDS, ids=" ".join)
def test_debug_shows_neither_the_key_nor_a_secret_value_when_all_goes_well(repo, td_env,
                                                                          args):
    from datetime import UTC, datetime

    values = credentials(repo)
    td_env.log_rows = healthy_log(repo, datetime.now(UTC))
    done = _installed(repo, td_env, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert API_KEY not in output
    assert all(value not in output for value in values.values())
