"""The source spec and the project settings, as pydantic models.

The docstrings and ``Field`` descriptions here are the spec reference: they go into the JSON
Schema (``schema/source.schema.json``) that editors use for completion.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["append", "replace", "truncate"]
Parallel = bool | int

_IDENT = r"^[a-z][a-z0-9_]*$"
_TABLE = r"^[a-z0-9_]{3,128}$"
_DURATION = r"^(\d+[dhms])+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Incremental(_Strict):
    """How an object is loaded incrementally: the two field names are often different."""

    table_field: str = Field(min_length=1, description="field in the TD table (used in SQL)")
    connector_field: str = Field(
        min_length=1, description="field the connector filters on (used in the load config)")
    connector_takes_field: bool = Field(
        True, description="false when the connector takes only start and end (Klaviyo events)")


class ObjectHistory(_Strict):
    """What differs when this object is loaded historically."""

    table: str | None = Field(None, pattern=_TABLE, description="default: <table>_hist")
    table_field: str | None = Field(None, min_length=1)
    connector_field: str | None = Field(None, min_length=1)
    connector_takes_field: bool | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class DataObject(_Strict):
    """One object of the source, loaded into one TD table."""

    name: str = Field(min_length=1, description="the connector's object (data_source, target, "
                      "data_type, BigQuery table, ...)")
    table: str = Field(pattern=_TABLE, description="TD table name")
    description: str = ""
    incremental: Incremental | None = Field(
        None, description="omit for a full load (the table is replaced on every run)")
    mode: Mode | None = Field(None, description="default: append (incremental) or replace (full)")
    append_full_load: bool = Field(
        False, description="allow mode: append on a full load (re-appends everything each run)")
    history: bool | ObjectHistory = Field(
        True, description="false: no historical load; a mapping: what differs in history")
    params: dict[str, Any] = Field(default_factory=dict, description="extra connector params")
    secrets: dict[str, str] = Field(
        default_factory=dict, description="connector param -> secret key (${secret:KEY})")


class History(_Strict):
    """The historical backfill: month batches from ``start`` to ``end``."""

    start: str = Field(description="first instant to load, in the source's timestamp format")
    end: str | None = Field(
        None, description="end (exclusive); default: the source's default_start_time")
    batch: Literal["month"] = "month"
    parallel: Parallel | None = Field(None, description="objects at once; default: source's")
    batch_parallel: Parallel = Field(False, description="months at once within an object")
    months_per_run: int = Field(12, ge=1, le=120, description="pending months loaded per run")


class SourceSpec(_Strict):
    """One source: a TD connector, its objects and how they are loaded."""

    source: str = Field(pattern=_IDENT, max_length=60,
                        description="the source name; equals the file name, prefixes every file")
    connector: str = Field(description="TD connector type (in.type)")
    description: str = ""
    td_authentication_id: int | None = Field(
        None, description="id of the TD Authentication (kept in config/database.yml)")
    secrets: dict[str, str] = Field(
        default_factory=dict, description="connector param -> secret key (${secret:KEY})")
    params: dict[str, Any] = Field(default_factory=dict, description="extra connector params")
    timestamp_format: str | None = Field(
        None, description="a name in templates/timestamp_formats/; default: the connector's")
    parallel: Parallel | None = Field(
        None, description="objects loaded at once: true, false or a limit")
    mode: Mode = Field("append", description="output mode of incremental objects")
    schedule: dict[str, Any] | None = Field(
        None, description="Digdag schedule; a scheduled source is left out of the runner")
    default_start_time: str | None = Field(
        None, description="first window start when there is no watermark yet")
    lag: str | None = Field(None, pattern=_DURATION, description="window end = now - lag, so "
                            "rows that become visible late are still read; default: the "
                            "connector's (see docs/sources/<source>.md)")
    lookback: str = Field("0s", pattern=_DURATION,
                          description="re-read this margin before the watermark (late data)")
    watermark: Literal["log", "table"] = Field(
        "log", description="log: end of the last SUCCESS window; table: max of the table field")
    table_field_type: Literal["format", "td_timestamp", "iso8601", "unixtime"] | None = Field(
        None, description="what the table field holds in TD, for the table fallback: strings "
        "in the source's timestamp format, TD's timestamp strings (%Y-%m-%d %H:%M:%S.%3N), "
        "ISO 8601 strings with any offset, or unix seconds; default: the connector's")
    table_fallback_days: int = Field(
        90, ge=1, description="partitions the table fallback scans (TD_TIME_RANGE)")
    retry: int = Field(2, ge=0, le=10, description="retries of each load (on a group)")
    claim_timeout: str = Field(
        "6h", pattern=_DURATION, description="a window claimed by a load that logged nothing "
        "more for this long is taken as abandoned (its worker died) and loaded again; keep it "
        "above the longest load")
    log_scan_days: int = Field(
        35, ge=1, le=3660, description="days of ingestion_log read for the watermark first "
        "(TD_TIME_RANGE on the log's time); the whole log is read only when they hold none")
    legacy_log_before: str | None = Field(
        None, description="set by tdgen import: an ISO 8601 instant with an offset; every "
        "ingestion_log row logged (its time) before it was written by the legacy project and "
        "is ignored, so the first window of each table starts from the table fallback (just "
        "after the table field's maximum), never from a legacy end time")
    objects: list[DataObject] = Field(min_length=1)
    history: History | None = None

    @property
    def legacy_log_before_seconds(self) -> int | None:
        """``legacy_log_before`` in unix seconds (rounded up: a row at that second is new)."""
        if self.legacy_log_before is None:
            return None
        from datetime import datetime

        moment = datetime.fromisoformat(self.legacy_log_before)
        return -int(-moment.timestamp() // 1)


class Databases(_Strict):
    src: str = Field(pattern=r"^[a-z0-9_]{3,128}$")
    stg: str | None = Field(None, pattern=r"^[a-z0-9_]{3,128}$")
    gld: str | None = Field(None, pattern=r"^[a-z0-9_]{3,128}$")


class Runner(_Strict):
    schedule: dict[str, Any] | None = None


class CheckSettings(_Strict):
    """Which checks ``tdgen check`` runs (also read from ``.tdgen-check.yml`` in a project)."""

    select: list[str] = Field(default_factory=list, description="only these rules or checks")
    ignore: list[str] = Field(default_factory=list, description="never these rules or checks")
    style: bool = Field(True, description="run yamllint")
    strict: bool = Field(False, description="warnings fail the check too")


class Settings(_Strict):
    """Project settings (``tdgen.yml`` at the repository root)."""

    project: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", description="TD Workflow project")
    timezone: str = "UTC"
    databases: Databases
    log_table: str = Field("ingestion_log", pattern=_TABLE)
    console_url: str = "https://console.treasuredata.com"
    runner: Runner = Field(default_factory=Runner)
    check: CheckSettings = Field(default_factory=CheckSettings)
