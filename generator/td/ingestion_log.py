"""``ingestion_log`` on TD: the rows ``tdgen status`` judges, read through td-client.

A Trino job on the source database (``databases.src``) selects the SUCCESS and ERROR rows
logged since a given instant; td-client issues it, polls it and reads the result. The key is
masked in every error and in td-client's own log records (its debug log prints the request
headers).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from ..errors import ConfigError
from .config import RemoteError, TdConfig, redact

SUCCESS, ERROR = "SUCCESS", "ERROR"
LOG_COLUMNS = ("source_name", "workflow_name", "table_name", "status", "start_time",
               "end_time", "error_message", "time")
QUERY_TIMEOUT_SECONDS = 1800
_TDCLIENT_LOGGERS = ("tdclient", "tdclient.api", "tdclient.job_api", "tdclient.util")


@dataclass(frozen=True)
class LogRow:
    """One row of ``ingestion_log`` (the columns status needs)."""

    source_name: str | None
    workflow_name: str | None
    table_name: str | None
    status: str | None
    start_time: str | None = None
    end_time: str | None = None
    error_message: str | None = None
    time: int | None = None  # unix seconds when the row was logged

    @classmethod
    def from_mapping(cls, data: dict) -> LogRow:
        values = {c: data.get(c) for c in LOG_COLUMNS}
        values["time"] = int(values["time"]) if values["time"] is not None else None
        return cls(**values)


def log_query(table: str, since: datetime) -> str:
    """The Trino query of the SUCCESS and ERROR rows logged since ``since``."""
    return (f"SELECT {', '.join(LOG_COLUMNS)}\nFROM {table}\n"
            f"WHERE time >= {int(since.timestamp())}\n"
            f"  AND status IN ('{SUCCESS}', '{ERROR}')\nORDER BY time")


def fetch_log(config: TdConfig, database: str, table: str, since: datetime,
              on_job=None) -> list[LogRow]:
    """The log rows since ``since``, through td-client (a Trino job on ``database``)."""
    import tdclient
    from tdclient import errors as td_errors

    key = config.require_key()
    with _redacted_logging(key), tdclient.Client(
            apikey=key, endpoint=config.api_endpoint,
            max_cumul_retry_delay=config.max_retry_delay) as client:
        try:
            job = client.query(database, log_query(table, since), type="trino")
            if on_job:
                on_job(job.job_id)
            job.wait(timeout=QUERY_TIMEOUT_SECONDS, wait_interval=config.query_wait_interval)
            if not job.success():
                raise RemoteError(redact(_job_failure(job, database), key))
            columns = [c[0] for c in job.result_schema or []] or list(LOG_COLUMNS)
            return [LogRow.from_mapping(dict(zip(columns, row))) for row in job.result()]
        except (td_errors.AuthError, td_errors.ForbiddenError) as exc:
            raise ConfigError(redact(f"TD refused the API key ({exc}); check TD_API_KEY and "
                                     "TD_SITE (or TD_API_ENDPOINT)", key)) from None
        except (td_errors.APIError, OSError, RuntimeError) as exc:
            raise RemoteError(redact(f"reading {database}.{table} through "
                                     f"{config.api_endpoint} failed: {exc}", key)) from None


def _job_failure(job, database: str) -> str:
    debug = job.debug or {}
    detail = (debug.get("stderr") or debug.get("cmdout") or "").strip().splitlines()
    return (f"query job {job.job_id} on {database} ended {job.status()}"
            + (f": {detail[-1]}" if detail else ""))


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
