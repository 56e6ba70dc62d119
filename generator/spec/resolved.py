"""A source spec with every default applied: what the templates render from.

The spec says what differs; this module decides everything else once (table and field names of
the historical variant, output modes, parallelism, file names, month batches), so templates
hold no logic beyond layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .. import catalog
from ..timestamp_formats import TimestampFormat, month_batches
from .model import DataObject, SourceSpec


@dataclass(frozen=True)
class Load:
    """One load of one object: incremental, full, or historical."""

    name: str  # the connector's object
    table: str
    config_file: str  # relative to workflows/config/
    incremental: bool
    mode: str
    table_field: str | None = None
    connector_field: str | None = None
    connector_takes_field: bool = True
    params: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    description: str = ""
    historical: bool = False
    workflow: str = ""  # the object's own workflow (run by require> from the source's)


@dataclass(frozen=True)
class Batch:
    start: str
    end: str
    connector_start: str
    connector_end: str
    end_unixtime: int  # the tag the batch's rows carry in `time`
    days: int | None = None  # whole days of a format of days (the connector's fetch_days)


@dataclass
class ResolvedSource:
    spec: SourceSpec
    connector: catalog.Connector
    format: TimestampFormat | None
    loads: list[Load]  # incremental workflow, in spec order
    history: list[Load]  # historical workflow
    batches: list[Batch]
    parallel: bool | int
    history_parallel: bool | int
    secrets: dict[str, str]  # every secret key -> connector param, in order
    lag: str = "0s"
    table_field_type: str = "format"

    @property
    def schedule(self) -> dict | None:
        return skip_on_overtime(self.spec.schedule)

    @property
    def bounds(self) -> catalog.Bounds | None:
        return self.connector.bounds

    @property
    def name(self) -> str:
        return self.spec.source

    @property
    def inc_workflow(self) -> str:
        return f"{self.name}_ingest_inc"

    @property
    def hist_workflow(self) -> str:
        return f"{self.name}_ingest_hist"


def skip_on_overtime(schedule: dict | None) -> dict | None:
    """A generated schedule skips a session while an attempt of the workflow still runs (a run
    longer than the interval never overlaps the next), unless the spec says otherwise."""
    if not schedule:
        return schedule
    return {**schedule, "skip_on_overtime": schedule.get("skip_on_overtime", True)}


def _merged(*mappings: dict) -> dict:
    out: dict = {}
    for m in mappings:
        out.update(m)
    return out


def object_workflow(source: str, kind: str, obj: str) -> str:
    """The name of an object's own workflow: ``<source>_ingest_<inc|hist>_<object>`` (the
    object name's grammar, spec/names.py, keeps it a valid file and workflow name, and two
    objects never share one, as their load configs never do)."""
    return f"{source}_ingest_{kind}_{obj}"


def _inc_load(spec: SourceSpec, obj: DataObject) -> Load:
    inc = obj.incremental
    return Load(
        workflow=object_workflow(spec.source, "inc", obj.name),
        name=obj.name, table=obj.table, config_file=f"{spec.source}_{obj.name}_load.yml",
        incremental=inc is not None,
        mode=obj.mode or (spec.mode if inc else "replace"),
        table_field=inc.table_field if inc else None,
        connector_field=inc.connector_field if inc else None,
        connector_takes_field=inc.connector_takes_field if inc else False,
        params=_merged(spec.params, obj.params), secrets=_merged(spec.secrets, obj.secrets),
        description=obj.description,
    )


def _hist_load(spec: SourceSpec, obj: DataObject) -> Load | None:
    if obj.incremental is None or obj.history is False:
        return None
    inc, h = obj.incremental, obj.history
    over = h if not isinstance(h, bool) else None
    return Load(
        name=obj.name, table=(over and over.table) or f"{obj.table}_hist",
        config_file=f"{spec.source}_{obj.name}_hist_load.yml", incremental=True,
        mode=obj.mode or spec.mode,
        table_field=(over and over.table_field) or inc.table_field,
        connector_field=(over and over.connector_field) or inc.connector_field,
        connector_takes_field=inc.connector_takes_field if over is None
        or over.connector_takes_field is None else over.connector_takes_field,
        params=_merged(spec.params, obj.params, over.params if over else {}),
        secrets=_merged(spec.secrets, obj.secrets), description=obj.description,
        historical=True, workflow=object_workflow(spec.source, "hist", obj.name),
    )


def object_tables(spec: SourceSpec):
    """(spec path, table) of every table a spec loads, historical ones included."""
    for i, obj in enumerate(spec.objects):
        yield ("objects", i, "table"), obj.table
        if spec.history is not None:
            hist = _hist_load(spec, obj)
            if hist:
                over = obj.history if not isinstance(obj.history, bool) else None
                where = ("objects", i, "history", "table") if over and over.table else \
                    ("objects", i, "table")
                yield where, hist.table


def batch(fmt: TimestampFormat, lower, upper, bounds: catalog.Bounds | None) -> Batch:
    """A month batch ``[lower, upper)`` with the bounds its connector is given: one format
    step earlier for a start that is (or may be) exclusive and for an inclusive end."""
    if fmt.days:  # calendar days in the format's zone (a day may be 23 or 25 hours)
        first, last = fmt.parse(fmt.format(lower)), fmt.parse(fmt.format(upper))
        count = (date.fromisoformat(fmt.format(last)) - date.fromisoformat(fmt.format(first))).days
        start = fmt.parse(fmt.format(first - timedelta(microseconds=1))) \
            if bounds and bounds.start_step_back else first
        end = fmt.parse(fmt.format(last - timedelta(microseconds=1))) \
            if bounds and bounds.end_step_back else last
        return Batch(fmt.format(first), fmt.format(last), fmt.format(start), fmt.format(end),
                     int(last.timestamp()), count)
    step = fmt.precision
    start = lower - step if bounds and bounds.start_step_back else lower
    end = upper - step if bounds and bounds.end_step_back else upper
    return Batch(fmt.format(lower), fmt.format(upper), fmt.format(start), fmt.format(end),
                 int(upper.timestamp()))


def resolve(spec: SourceSpec, fmt: TimestampFormat | None) -> ResolvedSource:
    connector = catalog.get(spec.connector)
    parallel = connector.default_parallel if spec.parallel is None else spec.parallel
    history, batches = [], []
    if spec.history is not None and fmt is not None:
        history = [h for h in (_hist_load(spec, o) for o in spec.objects) if h]
        end = spec.history.end or spec.default_start_time
        for lower, upper in month_batches(fmt.parse(spec.history.start), fmt.parse(end),
                                          fmt.zone):
            batches.append(batch(fmt, lower, upper, connector.bounds))
    secrets: dict[str, str] = {}
    for param, key in spec.secrets.items():
        secrets.setdefault(key, param)
    for obj in spec.objects:
        for param, key in obj.secrets.items():
            secrets.setdefault(key, param)
    h_parallel = parallel
    if spec.history is not None and spec.history.parallel is not None:
        h_parallel = spec.history.parallel
    return ResolvedSource(spec, connector, fmt, [_inc_load(spec, o) for o in spec.objects],
                          history, batches, parallel, h_parallel, secrets,
                          lag=spec.lag or connector.lag.value,
                          table_field_type=spec.table_field_type
                          or connector.table_field_type.value)
