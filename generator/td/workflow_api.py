"""TD Workflow's HTTP API (Digdag's REST API behind ``api-workflow.<site>``), the calls we use.

::

    GET  /api/projects?name=<name>                      -> {"projects": [{"id", "name", ...}]}
    PUT  /api/projects?project=<name>&revision=<rev>    body: the tar.gz (application/gzip)
    GET  /api/projects/{id}/secrets                     -> {"secrets": [{"key": ...}]}
    PUT  /api/projects/{id}/secrets/{key}               body: {"value": ...}

Every request carries ``Authorization: TD1 <key>``. An answer of 401 or 403 is a configuration
error (exit 2); any other failure is a ``RemoteError`` (exit 1). Messages never quote the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from . import masking
from .config import RemoteError, redact

USER_AGENT = "tdgen"
TIMEOUT_SECONDS = 60
DETAIL_LIMIT = 500  # characters of an error answer quoted in a message


@dataclass(frozen=True)
class RemoteProject:
    id: str
    name: str
    revision: str | None = None


class WorkflowApi:
    """A small client of the Workflow API at ``endpoint`` (a URL such as https://api-workflow...)."""

    def __init__(self, endpoint: str, api_key: str, timeout: float = TIMEOUT_SECONDS):
        self.endpoint = endpoint.rstrip("/")
        self._key = api_key
        masking.register(api_key)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"WorkflowApi({self.endpoint!r})"

    def project(self, name: str) -> RemoteProject | None:
        """The project called ``name``, or ``None`` when TD has none."""
        found = self._json("GET", "/api/projects", {"name": name}).get("projects") or []
        match = next((p for p in found if p.get("name") == name), None)
        return _project(match) if match else None

    def push_project(self, name: str, revision: str, archive: bytes) -> RemoteProject:
        """Upload ``archive`` as a new revision of ``name`` (creating the project if needed)."""
        answer = self._json("PUT", "/api/projects", {"project": name, "revision": revision},
                            archive, "application/gzip")
        return _project(answer)

    def secret_keys(self, project_id: str) -> list[str]:
        """The keys of the project's secrets (TD never returns their values)."""
        answer = self._json("GET", f"/api/projects/{_segment(project_id)}/secrets")
        return sorted(s["key"] for s in answer.get("secrets") or [] if "key" in s)

    def set_secret(self, project_id: str, key: str, value: str) -> None:
        """Set one secret; an error never quotes the value (a server may echo the body)."""
        masking.register(value)
        body = json.dumps({"value": value}).encode("utf-8")
        self._json("PUT", f"/api/projects/{_segment(project_id)}/secrets/{_segment(key)}",
                   None, body, "application/json")

    def _json(self, method: str, path: str, query: dict | None = None, body: bytes | None = None,
              content_type: str | None = None) -> Any:
        raw = self._request(method, path, query, body, content_type)
        try:
            return json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise RemoteError(f"{method} {path}: the answer is not JSON") from None

    def _request(self, method: str, path: str, query: dict | None, body: bytes | None,
                 content_type: str | None) -> bytes:
        import urllib.error
        import urllib.parse
        import urllib.request

        url = self.endpoint + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Authorization": f"TD1 {self._key}", "Accept": "application/json",
                   "User-Agent": USER_AGENT}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        opener = urllib.request.build_opener(_no_redirect_handler())
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(method, path, exc.code, exc.read()) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteError(redact(f"cannot reach TD Workflow at {self.endpoint} ({reason}); "
                                     "check the network (a proxy: HTTPS_PROXY), TD_SITE or "
                                     "TD_WORKFLOW_ENDPOINT", self._key)) from None

    def _http_error(self, method: str, path: str, code: int, body: bytes) -> Exception:
        detail = masking.cut(_message(body), DETAIL_LIMIT)  # masked before it is cut
        if code in (401, 403):
            return ConfigError(f"TD Workflow refused the API key ({method} {path}: HTTP {code}"
                               f"{': ' + detail if detail else ''}); check TD_API_KEY and "
                               "TD_SITE (or the endpoints)")
        return RemoteError(f"{method} {path}: HTTP {code}{': ' + detail if detail else ''}")


def _no_redirect_handler():
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        """A redirect becomes an error: following it would send the key to another URL."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            return None

    return NoRedirect


def _project(data: dict) -> RemoteProject:
    if not isinstance(data, dict) or "id" not in data:
        raise RemoteError("TD Workflow answered without a project id")
    return RemoteProject(str(data["id"]), str(data.get("name", "")), data.get("revision"))


def _segment(text: str) -> str:
    import urllib.parse

    return urllib.parse.quote(str(text), safe="")


def _message(body: bytes) -> str:
    """The ``message`` of a Digdag error answer, or the start of the body."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        text = data["message"]
    return text
