"""``ingestion_log``: the rows ``tdgen status`` judges, read from TD or from a local DuckDB file.

One Trino query (``log_query``) selects the STARTED, SUCCESS, ERROR and SKIPPED rows logged
since a given instant, optionally of some sources only. On TD it runs as a Trino job on the
source database (``databases.src``) through td-client (``fetch_log``); locally the same query
runs on the local engine's DuckDB file (``read_local_log``), which ``tdgen run-local`` fills.

Errors become one message with the fix: a refused key, a missing database or log table, an
unreachable endpoint. The key is masked in every error and in td-client's own log records (its
debug log prints the request headers).
"""

from __future__ import annotations

import operator
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from ..errors import ConfigError
from .config import RemoteError, TdConfig, redact

STARTED, SUCCESS, ERROR, SKIPPED = "STARTED", "SUCCESS", "ERROR", "SKIPPED"
STATUSES = (STARTED, SUCCESS, ERROR, SKIPPED)
FINISHED = (SUCCESS, ERROR, SKIPPED)  # a row of these ends the STARTED row of its log_id
LOG_COLUMNS = ("log_id", "source_name", "workflow_name", "table_name", "status", "start_time",
               "end_time", "records_processed", "error_message", "time")
QUERY_TIMEOUT_SECONDS = 1800
LOCAL_DB = ".tdgen/local.duckdb"  # where `tdgen run-local` keeps its database
_TDCLIENT_LOGGERS = ("tdclient", "tdclient.api", "tdclient.job_api", "tdclient.util")


@dataclass(frozen=True)
class LogRow:
    """One row of ``ingestion_log`` (the columns status needs).

    ``invalid`` says what is wrong with the row as logged (status reports it as INVALID); it
    is not a column, so ``dataclasses.asdict`` gives the log's columns only."""

    source_name: str | None
    workflow_name: str | None
    table_name: str | None
    status: str | None
    start_time: str | None = None
    end_time: str | None = None
    error_message: str | None = None
    time: int | None = None  # unix seconds when the row was logged
    log_id: str | None = None  # shared by a load's STARTED row and the row that ends it
    records_processed: int | None = None  # rows loaded (SUCCESS rows)
    invalid: ClassVar[tuple[str, ...]] = ()  # set on the rows that have a problem

    @classmethod
    def from_mapping(cls, data: dict) -> LogRow:
        """A row as the query returned it; a NULL time, a time that is not unix seconds or a
        count that is not a whole number is kept as ``None`` and said in ``invalid``."""
        values = {c: data.get(c) for c in LOG_COLUMNS}
        problems = []
        for column in _NUMBERS:
            values[column], problem = whole_number(column, values[column])
            problems += [problem] if problem else []
        for column in _TEXTS:
            if values[column] is not None and not isinstance(values[column], str):
                values[column] = str(values[column])
        if values["time"] is None and not problems:
            problems.append("time is NULL")
        row = cls(**values)
        if problems:
            object.__setattr__(row, "invalid", tuple(problems))
        return row


_NUMBERS = ("time", "records_processed")
_TEXTS = tuple(c for c in LOG_COLUMNS if c not in _NUMBERS)
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")
MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z: a larger time is not unix seconds


_FIELDS = ("source_name", "workflow_name", "table_name", "status", "start_time", "end_time",
           "error_message", "time", "log_id", "records_processed")  # LogRow's order


def log_rows(columns: list[str], rows) -> list[LogRow]:
    """``LogRow``s of a query's rows. Each is built as it comes (a million in about a second);
    those whose ``time`` or ``records_processed`` is not what the workflows write are built
    again through ``from_mapping``, which says what is wrong."""
    picks = [columns.index(f) if f in columns else None for f in _FIELDS]
    if None in picks:
        return [LogRow.from_mapping(dict(zip(columns, row))) for row in rows]
    pick = operator.itemgetter(*picks)
    out = [LogRow(*pick(row)) for row in rows]
    for i, row in enumerate(out):
        t, n = row.time, row.records_processed
        if type(t) is not int or not 0 <= t <= MAX_TIME or (n is not None and type(n) is not int):
            out[i] = LogRow.from_mapping(dict(zip(_FIELDS, pick(rows[i]))))
    return out


def whole_number(column: str, value: object) -> tuple[int | None, str | None]:
    """(the value as an int, None) or (None, what is wrong): ASCII digits only, and a ``time``
    in unix seconds (milliseconds are a common mistake)."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _ASCII_INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    if value is None:
        return None, None
    if number is None:
        return None, f"{column} {str(value)[:40]!r} is not a whole number"
    if column == "time" and not 0 <= number <= MAX_TIME:
        hint = " (milliseconds?)" if 0 <= number // 1000 <= MAX_TIME else ""
        return None, f"time {number} is not unix seconds{hint}"
    return number, None


def log_query(table: str, since: datetime, sources: list[str] | None = None) -> str:
    """The Trino query of the log rows logged since ``since`` (of ``sources`` only, if given)."""
    listed = ", ".join(f"'{s}'" for s in STATUSES)
    # a row with a NULL time is read too (and reported as INVALID), never silently dropped
    where = [f"(time >= {int(since.timestamp())} OR time IS NULL)", f"status IN ({listed})"]
    if sources:
        names = ", ".join("'" + s.replace("'", "''") + "'" for s in sources)
        where.append(f"source_name IN ({names})")
    return (f"SELECT {', '.join(LOG_COLUMNS)}\nFROM {table}\nWHERE "
            + "\n  AND ".join(where) + "\nORDER BY time")


def fetch_log(config: TdConfig, database: str, table: str, since: datetime,
              on_job=None, sources: list[str] | None = None) -> list[LogRow]:
    """The log rows since ``since``, through td-client (a Trino job on ``database``)."""
    columns, rows = run_query(config, database, table, log_query(table, since, sources),
                              on_job)
    return log_rows(columns or list(LOG_COLUMNS), rows)


def run_query(config: TdConfig, database: str, table: str, sql: str, on_job=None):
    """(column names, rows) of a Trino job on ``database`` through td-client; every failure is
    one message with the fix, the key masked."""
    import tdclient
    from tdclient import errors as td_errors

    key = config.require_key()
    where = f"{database}.{table} on TD at {config.api_endpoint}"
    with _redacted_logging(key), tdclient.Client(
            apikey=key, endpoint=config.api_endpoint,
            max_cumul_retry_delay=config.max_retry_delay) as client:
        try:
            job = client.query(database, sql, type="trino")
            if on_job:
                on_job(job.job_id)
            job.wait(timeout=QUERY_TIMEOUT_SECONDS, wait_interval=config.query_wait_interval)
            if not job.success():
                raise RemoteError(redact(_job_failure(job, database, table), key))
            return [c[0] for c in job.result_schema or []], list(job.result())
        except (td_errors.AuthError, td_errors.ForbiddenError) as exc:
            raise ConfigError(redact(f"TD refused the API key ({exc}); check TD_API_KEY and "
                                     "TD_SITE (or TD_API_ENDPOINT)", key)) from None
        except td_errors.NotFoundError as exc:
            raise ConfigError(redact(
                f"TD has no database {database} at {config.api_endpoint} ({exc}); check "
                "databases.src in tdgen.yml, and TD_SITE (or TD_API_ENDPOINT): the key may "
                "belong to another site", key)) from None
        except (td_errors.APIError, OSError, RuntimeError) as exc:
            unreachable = _network_cause(exc)
            if unreachable:
                raise RemoteError(redact(
                    f"cannot reach TD at {config.api_endpoint} ({unreachable}); check the "
                    "network (a proxy: HTTPS_PROXY), TD_SITE or TD_API_ENDPOINT", key)) from None
            raise RemoteError(redact(f"reading {where} failed: {exc}", key)) from None


def read_local_log(path: Path, database: str, table: str, since: datetime,
                   sources: list[str] | None = None) -> list[LogRow]:
    """The same rows from the local engine's DuckDB file, by the same query (``--local``)."""
    import duckdb

    from ..local.sql.engine import SqlEngine, SqlEngineError

    if not path.is_file():
        raise ConfigError(f"{path}: no local engine database; run `tdgen run-local SOURCE` "
                          "first (it writes .tdgen/local.duckdb), or pass --local FILE")
    try:
        engine = SqlEngine(path)
    except duckdb.Error as exc:  # a file that is not a DuckDB database, or locked
        raise ConfigError(f"{path}: cannot open it as the local engine's DuckDB database "
                          f"({_first_line(str(exc))}); is `tdgen run-local` still writing "
                          "it?") from None
    with engine:
        if not engine.table_exists(database, table):
            raise ConfigError(f"{path} has no table {database}.{table}: run `tdgen run-local "
                              "SOURCE` with this database first")
        try:  # the same query, as the engine runs it; rows fetched as they are stored
            [sql] = engine.translate(log_query(table, since, sources), database=database)
        except SqlEngineError as exc:
            raise ConfigError(f"{path}: reading {database}.{table} failed: "
                              f"{_first_line(str(exc))}") from None
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        columns = [d[0].lower() for d in cursor.description]
        return log_rows(columns, cursor.fetchall())


def _job_failure(job, database: str, table: str) -> str:
    debug = job.debug or {}
    detail = (debug.get("stderr") or debug.get("cmdout") or "").strip().splitlines()
    text = (f"query job {job.job_id} on {database} ended {job.status()}"
            + (f": {detail[-1]}" if detail else ""))
    lowered = " ".join(detail).lower()
    if table.lower() in lowered and ("does not exist" in lowered or "not found" in lowered):
        text += (f"; the workflows create {database}.{table} on their first run: push them "
                 "and run one, or check log_table and databases.src in tdgen.yml")
    return text


def _network_cause(exc: BaseException) -> str | None:
    """The innermost reason when ``exc`` comes from a connection that failed, else None."""
    import urllib3

    seen, current, reason = set(), exc, None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (OSError, urllib3.exceptions.NewConnectionError,
                                urllib3.exceptions.MaxRetryError,
                                urllib3.exceptions.ProtocolError)):
            reason = _first_line(str(current))
        current = current.__cause__ or current.__context__
    return reason


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


@contextmanager
def _redacted_logging(key: str):
    """Mask the key in td-client's log records (its debug log prints the request headers)."""
    import logging

    class Redact(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.msg, record.args = redact(record.getMessage(), key), ()
            return True

    redactor = Redact()
    loggers = [logging.getLogger(name) for name in _TDCLIENT_LOGGERS]
    for logger in loggers:
        logger.addFilter(redactor)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redactor)
