"""``tdgen plan``: the windows the next runs load, computed by the generated SQL itself.

The log (from the local engine's DuckDB file, a JSON-lines or CSV export of ingestion_log, or
TD) is put in a local DuckDB, and each object's window SQL from ``workflows/sql/`` runs there
with the parameters the workflow would give it. So the plan is what the workflow computes,
not a second implementation of it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ..digdag.evaluate import render
from ..errors import ConfigError
from ..yamlpos import safe_load
from .clock import Session, parse_duration, session_variables


@dataclass
class Window:
    run: int
    session_time: datetime
    start: str | None
    end: str
    origin: str  # ingestion_log | table max | default_start_time | full load
    start_instant: datetime | None = None
    end_instant: datetime | None = None


@dataclass
class ObjectPlan:
    name: str
    table: str
    incremental: bool
    lag: str = "0s"  # windows end this long before the run
    windows: list[Window] = field(default_factory=list)
    pending_batches: int | None = None
    next_batches: list[list[str]] = field(default_factory=list)


LOG_FIELDS = ("source_name", "workflow_name", "table_name", "status", "start_time", "end_time")


def load_log_file(path: Path) -> tuple[list[dict], object | None]:
    """Rows of an ingestion_log export (.jsonl, .json, .csv) or a run-local DuckDB file; a
    file that is none of them is one message naming the file and the line."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such log file")
    if path.suffix in (".duckdb", ".db"):
        import duckdb

        from .sql.engine import SqlEngine

        try:
            return [], SqlEngine(str(path))
        except duckdb.Error as exc:
            raise ConfigError(f"{path}: not a DuckDB database ({str(exc).splitlines()[0]})"
                              ) from None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it as text ({exc})") from None
    rows = _parse_log(path, text)
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not set(LOG_FIELDS) <= set(row):
            raise ConfigError(f"{path}: row {n} is not an ingestion_log row (it needs "
                              f"{', '.join(LOG_FIELDS)})")
    return rows, None


def _parse_log(path: Path, text: str) -> list:
    if path.suffix == ".csv":
        return list(csv.DictReader(text.splitlines()))
    if path.suffix == ".json":
        try:
            rows = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
        if not isinstance(rows, list):
            raise ConfigError(f"{path}:1:1: expected a JSON list of ingestion_log rows")
        return rows
    from .fixtures import json_lines

    return [row for _, row in json_lines(text, path, ConfigError)]


def fetch_log_rows(root: Path) -> list[dict]:
    """Every SUCCESS row of ingestion_log in TD, through td-client (``tdgen plan --td``)."""
    from dataclasses import asdict
    from datetime import UTC

    from ..spec.project import load_settings
    from ..td.config import load_config
    from ..td.ingestion_log import fetch_log

    settings = load_settings(root)
    rows = fetch_log(load_config(root), settings.databases.src, settings.log_table,
                     datetime(1970, 1, 1, tzinfo=UTC))
    return [asdict(r) for r in rows if r.status == "SUCCESS"]


def plan(root: Path, source: str, now: datetime, runs: int = 1,
         every: timedelta = timedelta(days=1), log_rows: list[dict] | None = None,
         engine=None, project=None) -> list[ObjectPlan]:
    from ..cache import CACHE
    from ..render.plan import resolved_sources
    from ..spec.project import load_project
    from .sql.engine import SqlEngine

    project = project or load_project(root)
    project.require([source], "SOURCE")
    src = next(s for s in resolved_sources(project) if s.name == source)
    settings = project.settings
    db, log_table = settings.databases.src, settings.log_table
    fresh = engine is None
    if fresh:
        engine = SqlEngine(":memory:")
    engine.use_cache(root / CACHE)
    if fresh:
        _install_log(root, engine, db, log_table, log_rows or [])
    workflows = root / "workflows"
    base = _base_params(workflows, src)
    plans = []
    try:
        for load in src.loads:
            plans.append(_object(workflows, engine, src, load, base, now, runs, every, db))
        for load in src.history:
            hist = next(p for p in plans if p.name == load.name)
            _history(workflows, engine, src, load, base, now, hist)
    finally:
        engine.save_cache()
    return plans


def _install_log(root, engine, db, log_table, rows) -> None:
    ddl = render((root / "workflows/sql/ingestion_log_ddl.sql").read_text(encoding="utf-8"),
                 {"databases": {"src": db}, "log_table": log_table})
    engine.execute(ddl)
    if rows:
        from .sql.engine import SqlEngineError

        try:
            engine.append_rows(db, log_table, rows)
        except SqlEngineError as exc:
            raise ConfigError(f"the log rows do not fit ingestion_log's columns: {exc}"
                              ) from None


def _base_params(workflows: Path, src) -> dict:
    params = safe_load((workflows / "config/database.yml").read_text(encoding="utf-8"))
    params.update(safe_load(
        (workflows / f"config/{src.name}_datasources.yml").read_text(encoding="utf-8")))
    params["source_name"] = src.name
    return params


def _params(base: dict, workflow: str, datasource: dict, now: datetime) -> dict:
    params = dict(base)
    params.update(session_variables(Session(now, 0, 0, scheduled=False), "UTC"))
    # the whole log: the workflow reads recent partitions first, with the same answer
    params.update({"workflow_name": workflow, "datasource": datasource, "log_since": 0})
    return params


def _query(workflows, engine, rel: str, params: dict, now: datetime) -> dict:
    """The first row of a generated query, run on the log; a query that fails (a log of
    another shape, a column of the wrong type) is one message naming the file."""
    from .sql.engine import SqlEngineError

    sql = render((workflows / rel).read_text(encoding="utf-8"), params)
    try:
        return engine.execute(sql, scheduled_time=int(now.timestamp()), now=now
                              ).first_row_dict()
    except SqlEngineError as exc:
        raise ConfigError(f"workflows/{rel} failed on this log: "
                          f"{str(exc).splitlines()[0]}") from None


def _object(workflows, engine, src, load, base, now, runs, every, db) -> ObjectPlan:
    entry = next(e for e in base["inc_datasources"] if e["name"] == load.name)
    out = ObjectPlan(load.name, load.table, load.incremental, src.lag)
    params = _params(base, src.inc_workflow, entry, now)
    name = src.name
    if not load.incremental:
        row = _query(workflows, engine, f"sql/{name}_window_full.sql", params, now)
        out.windows.append(Window(1, now, None, row["end_time"], "full load"))
    else:
        row, origin = {}, "ingestion_log"
        if src.spec.watermark == "log":
            row = _query(workflows, engine, f"sql/{name}_window_from_log.sql", params, now)
        if not row.get("start_time"):
            table_known = engine.table_exists(db, load.table)
            origin = "table max" if table_known else "default_start_time"
            if table_known:
                row = _query(workflows, engine, f"sql/{name}_window_from_table.sql", params,
                             now)
            else:
                row = {"start_time": entry["default_start_time"],
                       "end_time": _query(workflows, engine, f"sql/{name}_window_from_log.sql",
                                          params, now)["end_time"]}
            if table_known and row.get("start_time") == entry["default_start_time"]:
                origin = "default_start_time"
        out.windows.append(Window(1, now, row["start_time"], row["end_time"], origin))
    fmt = src.format
    lag, lookback = parse_duration(src.lag), parse_duration(src.spec.lookback)
    for k in range(2, runs + 1):
        moment = (now + every * (k - 1)).replace(microsecond=0)  # windows end on a second
        previous = out.windows[-1]
        end = fmt.format(moment - lag) if fmt else moment.isoformat()
        start = None
        if load.incremental:  # the previous end, less the lookback, as the workflow does
            start = fmt.format(fmt.parse(previous.end) - lookback) if lookback else previous.end
        out.windows.append(Window(k, moment, start, end,
                                  "previous window" if load.incremental else "full load"))
    for w in out.windows:
        if fmt:
            w.start_instant = fmt.parse(w.start) if w.start else None
            w.end_instant = fmt.parse(w.end)
    return out




def _history(workflows, engine, src, load, base, now, out: ObjectPlan) -> None:
    entry = next(e for e in base["hist_datasources"] if e["name"] == load.name)
    params = _params(base, src.hist_workflow, entry, now)
    row = _query(workflows, engine, f"sql/{src.name}_hist_pending.sql", params, now)
    out.pending_batches = int(row.get("pending_count") or 0)
    out.next_batches = json.loads(row["batches"]) if row.get("batches") else []


@dataclass
class SourcePlan:
    """``tdgen plan``'s answer: the plan of each object, and when the source was imported
    (``legacy_log_before``), for the note that its first windows ignore the legacy log."""

    objects: list[ObjectPlan]
    legacy_log_before: datetime | None


def plan_source(root: Path, source: str, now: datetime, runs: int, every: timedelta,
                log: Path | None = None, td: bool = False) -> SourcePlan:
    """``tdgen plan``: the windows of SOURCE's next runs over the log of an export or a
    run-local database (``log``), of TD (``td``), or none."""
    from ..spec.project import load_project

    rows, engine = [], None
    if log:
        rows, engine = load_log_file(log)
    elif td:
        rows = fetch_log_rows(root)
    project = load_project(root)
    objects = plan(root, source, now, runs, every, rows, engine, project)
    return SourcePlan(objects, project.source(source).spec.legacy_log_before)
