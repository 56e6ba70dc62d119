"""A local TD for the tests: the v3 job API td-client uses and the Workflow API tdgen uses.

Only the server is fake: tests reach it with the real td-client and tdgen's own HTTP client,
on 127.0.0.1. It records every request (method, path, query, headers, body) and keeps projects
and secrets in memory. A query job runs the submitted Trino SQL on DuckDB through the local
engine's translation (``SqlEngine.execute``), with the job's database as the default one, as TD
does: on ``db_path`` (a DuckDB file such as the one ``run_local`` writes) or, without one, on an
in-memory database whose ``<database>.ingestion_log`` holds ``log_rows``. A database the fake
does not have is a 404, as on TD; a query that fails ends its job in ``error`` with the reason
in the job's stderr. Results are served as msgpack or JSON lines, as td-client asks.
``tests/test_td_fake.py`` pins the fake to td-client's protocol.
"""

from __future__ import annotations

import email
import json
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import msgpack
import pytest

API_KEY = "1/td-test-key-5f2c9a0e7b1d"  # what the fake accepts
LOG_DATABASE, LOG_TABLE = "src_ingestion", "ingestion_log"
LOG_DDL = f"""CREATE TABLE IF NOT EXISTS {LOG_DATABASE}.{LOG_TABLE} (
  log_id varchar, source_name varchar, workflow_name varchar, table_name varchar,
  status varchar, start_time varchar, end_time varchar, records_processed bigint,
  error_message varchar, job_id varchar, job_url varchar, time bigint)"""


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
    columns: list[str]
    types: list[str]
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
    log_rows: list[dict] | None = field(default_factory=list)  # None: no ingestion_log
    db_path: Path | None = None  # a DuckDB file to query instead of log_rows
    databases: set[str] = field(default_factory=lambda: {LOG_DATABASE})  # without db_path
    job_statuses: list[str] = field(default_factory=lambda: ["running", "success"])
    jobs: dict[str, Job] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fail: dict[str, tuple[int, str]] = field(default_factory=dict)  # "METHOD path" -> answer
    # the connector API (/v3/bulk_loads/preview and /guess): parameters a connector refuses,
    # the columns and rows a preview answers, the parser a guess fills in
    unknown_params: set[str] = field(default_factory=set)
    preview_columns: list[tuple[str, str]] = field(default_factory=list)
    preview_records: list[list] = field(default_factory=list)
    guessed_parser: dict = field(default_factory=dict)

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
        if r.path in ("/v3/bulk_loads/preview", "/v3/bulk_loads/guess") and r.method == "POST":
            return self.answer_connector(r.path.rsplit("/", 1)[1], json.loads(r.body))
        issue = re.fullmatch(r"/v3/job/issue/(\w+)/(\w+)", r.path)
        if issue and r.method == "POST":
            database = issue.group(2)
            if database not in self.database_names():
                message = f"Database '{database}' does not exist"
                return 404, "application/json", _json({"error": message, "text": message,
                                                       "severity": "error"})
            fields = _multipart(r.headers.get("content-type", ""), r.body)
            job = self.run_query(str(4242 + len(self.jobs)), database, fields["query"])
            self.jobs[job.id] = job
            return 200, "application/json", _json({"job_id": job.id, "database": database})
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
                "hive_result_schema": json.dumps([list(c) for c in zip(job.columns,
                                                                        job.types)]),
                "debug": {"stderr": job.stderr, "cmdout": ""}})
        if job.statuses[-1] != "success":
            return 422, "application/json", _json({"message": "the job has no result"})
        if r.query.get("format") == "json":
            lines = "".join(json.dumps(row) + "\n" for row in job.rows)
            return 200, "application/json", lines.encode()
        return 200, "application/x-msgpack", b"".join(msgpack.packb(row) for row in job.rows)

    def answer_connector(self, action: str, body: dict) -> tuple[int, str, bytes]:
        """TD's connector preview and guess, as td-client posts them ({"config": {...}})."""
        source = (body.get("config") or {}).get("in") or {}
        refused = sorted(set(source) & self.unknown_params)
        if refused:
            message = f"Unknown parameter '{refused[0]}' for input type {source.get('type')}"
            return 400, "application/json", _json({"message": message})
        if action == "guess":
            guessed = {**source, "parser": self.guessed_parser}
            return 200, "application/json", _json({"config": {"in": guessed, "out": {}}})
        schema = [{"index": i, "name": n, "type": t}
                  for i, (n, t) in enumerate(self.preview_columns)]
        return 200, "application/json", _json({"schema": schema,
                                               "records": self.preview_records})

    def database_names(self) -> set[str]:
        if self.db_path is None:
            return set(self.databases)
        import duckdb

        with self.lock, duckdb.connect(str(self.db_path), read_only=True) as con:
            return {name for (name,) in con.execute(
                "SELECT schema_name FROM information_schema.schemata").fetchall()}

    def run_query(self, job_id: str, database: str, query: str) -> Job:
        """Run ``query`` on DuckDB through the local engine, as TD runs it on Trino."""
        from generator.local.sql.engine import SqlEngine, SqlEngineError

        statuses = list(self.job_statuses)
        with self.lock, SqlEngine(self.db_path) as engine:
            if self.db_path is None and self.log_rows is not None:
                engine.execute(LOG_DDL)
                if self.log_rows:
                    engine.append_rows(LOG_DATABASE, LOG_TABLE, self.log_rows)
            try:
                result = engine.execute(query, database=database)
            except SqlEngineError as exc:
                first = str(exc).strip().splitlines()[0]
                return Job(job_id, database, query, [], [], [], statuses[:-1] + ["error"],
                           f"Query {job_id} failed:\n{first}")
        rows = [list(row) for row in result.rows]
        types = [_column_type([row[i] for row in rows]) for i in range(len(result.columns))]
        return Job(job_id, database, query, list(result.columns), types, rows, statuses)


def _column_type(values: list) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) for v in present):
        return "bigint"
    if present and all(isinstance(v, (int, float)) for v in present):
        return "double"
    return "varchar"


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
