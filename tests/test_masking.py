"""The masking funnel (issue 10): no output carries the API key or a secret value, in any
form a server may echo it, with ``--debug`` or not, whatever the configuration mistake."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from generator.td import masking
from tests.fake_td import API_KEY
from tests.test_td_key_masking import repo, td_env  # noqa: F401  (the fixtures, shared)
from tests.test_td_push import credentials, tdgen

SECRET = "s3cr3t/value+with spaces=="
BIN = Path(sys.executable).parent


def _b64(text: str, prefix: str = "") -> str:
    return base64.b64encode((prefix + text).encode()).decode()


FORMS = {
    "as is": lambda s: f"got {s} here",
    "json escaped": lambda s: 'body {{"value": "{}"}}'.format(s.replace("\\", "\\\\")),
    "url encoded": lambda s: "url ?v=" + urllib.parse.quote(s, safe=""),
    "url encoded lower hex": lambda s: "url ?v=" + urllib.parse.quote(s, safe="").lower(),
    "form encoded": lambda s: "form v=" + urllib.parse.quote_plus(s),
    "base64": lambda s: "b64 " + _b64(s),
    "base64 basic auth": lambda s: "Authorization: Basic " + _b64(s, "user:"),
    "base64 offset 2": lambda s: "b64 " + _b64(s, "ab"),
    "urlsafe base64": lambda s: "b64 " + base64.urlsafe_b64encode(s.encode()).decode(),
}


@pytest.mark.parametrize("form", FORMS, ids=list(FORMS))
def test_every_form_of_a_registered_secret_is_masked(form):
    masking.register(SECRET)
    text = FORMS[form](SECRET)
    masked = masking.mask(text)
    assert "****" in masked
    lowered = masked.lower()
    for leak in (SECRET, urllib.parse.quote(SECRET, safe=""), _b64(SECRET)[2:-4]):
        assert leak.lower()[4:-4] not in lowered, masked


def test_mask_before_the_cut_leaves_no_part_of_the_key():
    masking.register(API_KEY)
    text = "x" * 490 + API_KEY + " and more"
    assert API_KEY[:8] not in masking.cut(text, 500)
    assert masking.cut(text, 500).endswith("****...") or "****" in masking.cut(text, 500)


def test_whitespace_around_the_key_is_stripped_and_both_forms_masked():
    from generator.td.config import api_key

    assert api_key(f"  {API_KEY}\n") == API_KEY
    assert masking.mask(f"[  {API_KEY}\n]") == "[****]"
    assert masking.mask(f"[{API_KEY}\n]") == "[****\n]"


def test_short_values_are_not_masked_everywhere():
    masking.register("yes")
    assert masking.mask("yes, the load ran") == "yes, the load ran"


def _no_leak(output: str, values=()) -> None:
    for secret in (API_KEY, *values):
        for part in (secret, secret[:-1], secret[1:], urllib.parse.quote(secret, safe=""),
                     _b64(secret)[:-4]):
            assert part not in output, f"{part!r} leaked in:\n{output}"


ECHOES = {  # a TD answer quoting the key, in the forms seen in the probes
    "near the cut": lambda k: "x" * 480 + k + "y" * 40,
    "url encoded": lambda k: "refused ?apikey=" + urllib.parse.quote(k, safe=""),
    "base64": lambda k: "refused Basic " + _b64(k, "TD1 "),
    "json": lambda k: f'refused {{"apikey": "{k}"}}',
}


@pytest.mark.parametrize("echo", ECHOES, ids=list(ECHOES))
@pytest.mark.parametrize("args", [("push", "--revision", "r1"), ("secrets",), ("status",)],
                         ids=" ".join)
def test_a_td_reply_never_shows_the_key(repo, td_env, args, echo):
    values = credentials(repo)
    message = ECHOES[echo](API_KEY)
    for call in ("PUT /api/projects", "GET /api/projects",
                 "POST /v3/job/issue/trino/src_ingestion"):
        td_env.fail[call] = (500, message)
    result = tdgen(repo, *args)
    assert result.exit_code != 0
    _no_leak(result.output, values.values())


@pytest.mark.parametrize("form", ["as is", "url encoded", "base64", "json escaped"])
def test_a_secret_value_echoed_by_td_is_masked(repo, td_env, form):
    values = credentials(repo)
    for key, value in values.items():
        td_env.fail[f"PUT /api/projects/11/secrets/{key}"] = (400, FORMS[form](value) + " x")
    result = tdgen(repo, "secrets")
    assert result.exit_code != 0
    _no_leak(result.output, values.values())


@pytest.mark.parametrize("raw", [f"{API_KEY}\n", f"  {API_KEY} ", f"\t{API_KEY}\r\n"],
                         ids=["newline", "spaces", "tab-crlf"])
def test_a_key_with_whitespace_around_it_works_and_is_never_shown(repo, td_env, monkeypatch,
                                                                  raw):
    monkeypatch.setenv("TD_API_KEY", raw)
    result = tdgen(repo, "secrets", "--dry-run")
    assert result.exit_code == 0, result.output
    _no_leak(result.output)


def test_a_key_from_a_yaml_block_in_the_config_file_is_stripped(repo, td_env, monkeypatch):
    monkeypatch.delenv("TD_API_KEY")
    (repo / ".tdgen" / "config.yml").write_text(f"max_retry_delay: -1\napi_key: |\n  {API_KEY}\n")
    result = tdgen(repo, "secrets", "--dry-run")
    assert result.exit_code == 0, result.output
    _no_leak(result.output)


def test_a_key_with_whitespace_inside_is_refused_without_showing_it(repo, td_env, monkeypatch):
    monkeypatch.setenv("TD_API_KEY", API_KEY.replace("-", " ", 1))
    result = tdgen(repo, "push", "--dry-run")
    assert result.exit_code == 2
    assert "whitespace or control characters" in result.output
    _no_leak(result.output, [API_KEY.replace("-", " ", 1)])


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
def test_the_installed_command_never_shows_a_newline_key(repo, td_env, debug):
    td_env.fail["PUT /api/projects"] = (500, ECHOES["near the cut"](API_KEY))
    env = {**os.environ, "TD_API_KEY": API_KEY + "\n", "TD_API_ENDPOINT": td_env.url,
           "TD_WORKFLOW_ENDPOINT": td_env.url}
    done = subprocess.run([str(BIN / "tdgen"), *debug, "push", "--revision", "r1", "--root",
                           str(repo)], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 1, done.stderr
    assert ("Traceback" in done.stderr) == bool(debug)
    _no_leak(done.stdout + done.stderr)


def test_an_unexpected_error_is_one_masked_line(monkeypatch, capsys):
    from generator import cli

    masking.register(API_KEY)

    def boom(*args, **kwargs):
        raise RuntimeError(f"header b'TD1 {API_KEY}\\n' is invalid")

    monkeypatch.setattr(cli, "cli", boom)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "unexpected RuntimeError" in err and "Traceback" not in err
    _no_leak(err)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_key_quoted_in_a_logged_error_message_is_masked_by_status(repo, td_env, fmt):
    from datetime import UTC, datetime

    from tests.test_td_status import healthy_log

    rows = healthy_log(repo, datetime.now(UTC))
    echo = {**rows[0], "status": "ERROR", "time": rows[0]["time"] + 1,
            "error_message": f"connector refused apikey={API_KEY}"}
    td_env.log_rows = [*rows, echo]
    result = tdgen(repo, "status", "--format", fmt)
    assert result.exit_code == 1  # the table is failing, and says why
    assert "connector refused apikey=****" in result.output
    _no_leak(result.output)
