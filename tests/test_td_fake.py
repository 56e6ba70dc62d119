"""A local TD for the tests: the v3 job API td-client uses and the Workflow API tdgen uses.

Only the server is fake: tests reach it with the real td-client and tdgen's own HTTP client,
on 127.0.0.1. It records every request (method, path, query, headers, body), keeps projects
and secrets in memory, and answers a query of ``ingestion_log`` with ``log_rows`` filtered as
the query asks (``time >= N`` and ``status IN (...)``), so a test can check both what was sent
and what tdgen made of the answer. The tests at the bottom pin the fake to td-client's protocol.
"""

from __future__ import annotations

import email
import json
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import msgpack
import pytest

API_KEY = "1/td-test-key-5f2c9a0e7b1d"  # what the fake accepts
LOG_COLUMNS = ["source_name", "workflow_name", "table_name", "status", "start_time",
               "end_time", "error_message", "time"]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Job:
    id: str
    database: str
    query: str
    rows: list[list]
    statuses: list[str]  # answered by /v3/job/status, the last one repeated
    stderr: str = ""


@dataclass
class FakeTd:
    api_key: str = API_KEY
    requests: list[Recorded] = field(default_factory=list)
    projects: dict[str, dict] = field(default_factory=dict)  # name -> {id, name, revision}
    archives: dict[str, bytes] = field(default_factory=dict)  # revision -> tar.gz
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)  # project id -> values
    log_rows: list[dict] = field(default_factory=list)
    job_statuses: list[str] = field(default_factory=lambda: ["running", "success"])
    job_stderr: str = ""
    jobs: dict[str, Job] = field(default_factory=dict)
    fail: dict[str, tuple[int, str]] = field(default_factory=dict)  # "METHOD path" -> answer

    def start(self) -> FakeTd:
        fake = self

        class Handler(_Handler):
            td = fake

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method)
                and (path is None or r.path == path)]

    def add_project(self, name: str, secrets: dict[str, str] | None = None) -> str:
        pid = str(len(self.projects) + 11)
        self.projects[name] = {"id": pid, "name": name, "revision": "r0"}
        self.secrets[pid] = dict(secrets or {})
        return pid

    # --- answers -------------------------------------------------------------------------

    def answer(self, r: Recorded) -> tuple[int, str, bytes]:
        if r.headers.get("authorization") != f"TD1 {self.api_key}":
            echo = r.headers.get("authorization", "")
            return 401, "application/json", _json({"message": f"bad credentials: {echo}"})
        failure = self.fail.get(f"{r.method} {r.path}")
        if failure:
            return failure[0], "application/json", _json({"message": failure[1]})
        if r.path.startswith("/v3/"):
            return self.answer_v3(r)
        return self.answer_workflow(r)

    def answer_workflow(self, r: Recorded) -> tuple[int, str, bytes]:
        if r.path == "/api/projects" and r.method == "GET":
            found = [p for p in self.projects.values() if p["name"] == r.query.get("name")]
            return 200, "application/json", _json({"projects": found})
        if r.path == "/api/projects" and r.method == "PUT":
            name, revision = r.query["project"], r.query["revision"]
            if name not in self.projects:
                self.add_project(name)
            self.projects[name]["revision"] = revision
            self.archives[revision] = r.body
            return 200, "application/json", _json(self.projects[name])
        match = re.fullmatch(r"/api/projects/([^/]+)/secrets(?:/([^/]+))?", r.path)
        if not match or match.group(1) not in self.secrets:
            return 404, "application/json", _json({"message": f"not found: {r.path}"})
        values = self.secrets[match.group(1)]
        if r.method == "GET" and match.group(2) is None:
            return 200, "application/json", _json({"secrets": [{"key": k} for k in values]})
        if r.method == "PUT" and match.group(2):
            values[unquote(match.group(2))] = json.loads(r.body)["value"]
            return 204, "application/json", b""
        return 405, "application/json", _json({"message": "method not allowed"})

    def answer_v3(self, r: Recorded) -> tuple[int, str, bytes]:
        issue = re.fullmatch(r"/v3/job/issue/(\w+)/(\w+)", r.path)
        if issue and r.method == "POST":
            fields = _multipart(r.headers.get("content-type", ""), r.body)
            job = Job(str(4242 + len(self.jobs)), issue.group(2), fields["query"],
                      self.query_rows(fields["query"]), list(self.job_statuses),
                      self.job_stderr)
            self.jobs[job.id] = job
            return 200, "application/json", _json({"job_id": job.id})
        match = re.fullmatch(r"/v3/job/(status|show|result)/(\d+)", r.path)
        job = self.jobs.get(match.group(2)) if match else None
        if job is None:
            return 404, "application/json", _json({"message": "no such job"})
        status = job.statuses.pop(0) if len(job.statuses) > 1 else job.statuses[0]
        if match.group(1) == "status":
            return 200, "application/json", _json({"job_id": job.id, "status": status})
        if match.group(1) == "show":
            return 200, "application/json", _json({
                "job_id": job.id, "status": job.statuses[-1], "type": "trino",
                "database": job.database, "query": job.query, "num_records": len(job.rows),
                "hive_result_schema": json.dumps([[c, "varchar"] for c in LOG_COLUMNS]),
                "debug": {"stderr": job.stderr, "cmdout": ""}})
        return 200, "application/x-msgpack", b"".join(msgpack.packb(row) for row in job.rows)

    def query_rows(self, query: str) -> list[list]:
        """``log_rows`` as the query asks: rows with ``time >= N`` and a listed status."""
        since = re.search(r"\btime\s*>=\s*(\d+)", query)
        statuses = re.search(r"\bstatus\s+IN\s*\(([^)]*)\)", query, re.IGNORECASE)
        wanted = set(re.findall(r"'([^']*)'", statuses.group(1))) if statuses else None
        rows = [row for row in self.log_rows
                if (since is None or (row.get("time") or 0) >= int(since.group(1)))
                and (wanted is None or row.get("status") in wanted)]
        rows.sort(key=lambda row: row.get("time") or 0)
        return [[row.get(c) for c in LOG_COLUMNS] for row in rows]


class _Handler(BaseHTTPRequestHandler):
    td: FakeTd

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        recorded = Recorded(self.command, parts.path,
                            {k: v[-1] for k, v in parse_qs(parts.query).items()},
                            {k.lower(): v for k, v in self.headers.items()}, body)
        self.td.requests.append(recorded)
        code, content_type, payload = self.td.answer(recorded)
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def log_message(self, format, *args) -> None:  # keep the test output quiet
        pass


def _json(value) -> bytes:
    return json.dumps(value).encode()


def _multipart(content_type: str, body: bytes) -> dict[str, str]:
    message = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return {part.get_param("name", header="content-disposition"):
            part.get_payload(decode=True).decode() for part in message.get_payload()}


@contextmanager
def running_fake():
    """A started ``FakeTd``, stopped on exit."""
    td = FakeTd().start()
    try:
        yield td
    finally:
        td.stop()


def point_env_at(monkeypatch, td: FakeTd) -> FakeTd:
    """The environment of a user whose TD is ``td``: the key and both endpoints set."""
    for name in ("TD_SITE", "TD_API_SERVER", "http_proxy", "https_proxy", "HTTP_PROXY",
                 "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TD_API_KEY", td.api_key)
    monkeypatch.setenv("TD_API_ENDPOINT", td.url)
    monkeypatch.setenv("TD_WORKFLOW_ENDPOINT", td.url)
    return td


@pytest.fixture
def fake_td():
    with running_fake() as td:
        yield td


def write_fast_settings(root) -> None:
    """``.tdgen/config.yml`` for CLI tests: no td-client retries, a short poll."""
    (root / ".tdgen").mkdir(exist_ok=True)
    (root / ".tdgen" / "config.yml").write_text("max_retry_delay: -1\nquery_wait_interval: "
                                                "0.01\n")


# --- the fake speaks td-client's protocol ----------------------------------------------------

def test_td_client_runs_a_trino_query_against_the_fake(fake_td):
    import tdclient

    fake_td.log_rows = [{"source_name": "s", "status": "SUCCESS", "time": 10},
                        {"source_name": "s", "status": "STARTED", "time": 20}]
    with tdclient.Client(apikey=API_KEY, endpoint=fake_td.url, max_cumul_retry_delay=-1) as c:
        job = c.query("src_db", "SELECT * FROM log WHERE time >= 5 AND status IN ('SUCCESS')",
                      type="trino")
        job.wait(wait_interval=0.01)
        assert job.success()
        rows = list(job.result())
    assert rows == [["s", None, None, "SUCCESS", None, None, None, 10]]
    assert [r.path for r in fake_td.requests][:2] == ["/v3/job/issue/trino/src_db",
                                                      "/v3/job/status/4242"]


def test_the_fake_refuses_a_wrong_key_and_echoes_it(fake_td):
    import tdclient
    from tdclient.errors import AuthError

    with tdclient.Client(apikey="wrong", endpoint=fake_td.url, max_cumul_retry_delay=-1) as c, \
            pytest.raises(AuthError, match="TD1 wrong"):
        c.query("db", "SELECT 1", type="trino")
