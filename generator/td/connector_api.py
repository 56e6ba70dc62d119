"""TD's connector API through td-client: preview a load config, guess a file's parser.

A load config is the one ``tdgen generate`` writes, rendered with a concrete window instead of
Digdag's ``${...}`` and with the values of ``credentials_ingestion.json`` in place of its
secrets. Every failure is one line with the fix, the API key and every secret value masked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..errors import ConfigError
from .config import RemoteError, TdConfig, redact

_SECRET = re.compile(r"\$\{secret:([^}]+)\}")
_AUTH_ID = re.compile(r"\$\{td_authentication_ids\.[^}]+\}")


class Refused(RemoteError):
    """TD's connector refused a config (an unknown parameter, a wrong value): that object
    fails, the others are still tried."""


@dataclass(frozen=True)
class Preview:
    columns: list[tuple[str, str]]  # (name, type)
    rows: list[list]


def fill(text: str, auth_id: int | None, credentials: dict[str, str]) -> dict:
    """The load config ``text`` as TD would run it: secrets and the authentication id filled
    in; a secret with no value is an error naming its key."""
    import yaml

    def secret(match: re.Match) -> str:
        key = match.group(1)
        if key not in credentials:
            raise ConfigError(f"secret '{key}' has no value in credentials_ingestion.json; "
                              "add it (the preview sends the config as TD would run it)")
        return json.dumps(str(credentials[key]))[1:-1]

    text = _AUTH_ID.sub(str(auth_id), _SECRET.sub(secret, text))
    left = re.search(r"\$\{[^}]*\}", text)
    if left:
        raise ConfigError(f"the load config still holds {left.group(0)} once filled in")
    return yaml.safe_load(text)


def preview(config: TdConfig, job: dict) -> Preview:
    answer = _call(config, "connector_preview", job)
    columns = [(str(c.get("name")), str(c.get("type"))) for c in answer.get("schema") or []]
    return Preview(columns, [list(r) for r in answer.get("records") or []])


def guess(config: TdConfig, job: dict) -> dict:
    """The ``in:`` block TD's guess fills in (its ``parser`` among it)."""
    answer = _call(config, "connector_guess", job)
    return ((answer.get("config") or {}).get("in")) or {}


def _call(config: TdConfig, method: str, job: dict) -> dict:
    import tdclient
    from tdclient import errors as td_errors

    from .ingestion_log import _network_cause, _redacted_logging

    key = config.require_key()
    with _redacted_logging(key), tdclient.Client(
            apikey=key, endpoint=config.api_endpoint,
            max_cumul_retry_delay=config.max_retry_delay) as client:
        try:
            payload = job if method == "connector_guess" else {"config": job}
            return getattr(client.api, method)(payload)
        except (td_errors.AuthError, td_errors.ForbiddenError):
            raise ConfigError(redact("TD refused the API key; check TD_API_KEY and TD_SITE (or "
                                     "TD_API_ENDPOINT)", key)) from None
        except (td_errors.APIError, OSError, RuntimeError) as exc:
            unreachable = _network_cause(exc)
            if unreachable:
                raise RemoteError(redact(f"cannot reach TD at {config.api_endpoint} "
                                         f"({unreachable}); check the network, TD_SITE or "
                                         "TD_API_ENDPOINT", key)) from None
            raise Refused(redact(_message(str(exc)), key)) from None


def _message(text: str) -> str:
    """TD's own message out of td-client's ``CODE: what failed: {json body}``."""
    start = text.find("{")
    try:
        body = json.loads(text[start:]) if start >= 0 else {}
    except ValueError:
        body = {}
    found = body.get("message") or body.get("error") if isinstance(body, dict) else None
    return " ".join(str(found or text).split())
