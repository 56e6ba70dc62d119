"""Fixture data for the local engine: per object, the rows the fixture connector serves.

Incremental objects hold rows with one instant per field the connector filters on (written in
the source's timestamp format); generated rows cover the whole simulated period with a seed and
always include the hard cases: every window boundary of the simulated runs, one step before
it, the first instant and the last second of every month. Full-load objects return a snapshot
that depends on the load time, so a test can tell the latest snapshot from an older one.
Fixture files (``--fixtures DIR``) are ``DIR/<source>/<object>.jsonl``, one JSON row per line.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import ConfigError
from ..timestamp_formats import TimestampFormat, month_batches
from ..spec.resolved import ResolvedSource
from .clock import parse_duration


class FixtureError(ConfigError):
    """Bad fixture data: a usage error (exit 2) naming the file and the row."""


@dataclass
class FixtureObject:
    source: str
    name: str
    connector_type: str
    selector: str  # what the load config names: object, BigQuery table or path prefix
    format: TimestampFormat | None
    columns: dict[str, str] = field(default_factory=dict)  # connector field -> row column
    default_column: str | None = None
    static_rows: list[dict] | None = None  # incremental rows (fixed)

    def column_for(self, connector_field: str | None) -> str:
        if connector_field is None:
            if self.default_column is None:
                raise FixtureError(f"{self.source}/{self.name}: no field to filter on")
            return self.default_column
        if connector_field in self.columns:
            return self.columns[connector_field]
        if connector_field in self.columns.values():
            return connector_field
        raise FixtureError(f"the connector cannot filter {self.name} by {connector_field} "
                           f"(fields: {', '.join(sorted(self.columns)) or 'none'})")

    origin: str = ""  # the fixture file, or "generated"

    def instant(self, value, row: dict) -> datetime:
        """The instant a field value stands for, in any shape real tables hold: the source's
        format, TD's timestamp strings, ISO 8601 with an offset, unix seconds."""
        try:
            return parse_value(value, self.format)
        except ValueError:
            where = row.get(LINE_KEY) or row.get("id") or "?"
            raise FixtureError(f"{self.origin or self.name}: row {where}: {value!r} is not an "
                               f"instant ({self.format.name if self.format else 'no format'}, "
                               "TD timestamp, ISO 8601 or unix seconds)") from None

    def rows(self, now: datetime) -> list[dict]:
        if self.static_rows is not None:
            return [dict(r) for r in self.static_rows]
        return snapshot(self.name, now)


LINE_KEY = "_fixture_line"


def parse_value(value, fmt: TimestampFormat | None) -> datetime:
    """An instant from a fixture value; ``ValueError`` when it is none of the known shapes."""
    from datetime import UTC

    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    text = str(value).strip()
    if fmt is not None and fmt.is_valid(text):
        return fmt.parse(text)
    if text.isascii() and text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))  # ISO 8601, TD's strings
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def snapshot(name: str, now: datetime) -> list[dict]:
    """A full-load snapshot as of ``now``: its size and values change with the load time."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    count = 3 + now.toordinal() % 4
    return [{"id": f"{name}-{i}", "snapshot_at": stamp, "value": f"{name}:{i}:{stamp}"}
            for i in range(count)]


@dataclass
class FixtureSet:
    objects: list[FixtureObject]

    def find(self, connector_type: str, selector: str) -> FixtureObject:
        for obj in self.objects:
            if obj.connector_type == connector_type and obj.selector == selector:
                return obj
        raise FixtureError(f"no fixture for {connector_type} object {selector!r}")

    def of(self, name: str) -> FixtureObject:
        return next(o for o in self.objects if o.name == name)


def interesting_instants(fmt: TimestampFormat, boundaries: list[datetime],
                         start: datetime, end: datetime) -> list[datetime]:
    """Window boundaries, a step before each, month starts and their last seconds."""
    step = fmt.precision
    out = []
    for b in boundaries:
        out += [b, b - step]
        if fmt.days:  # the last second of the day before a boundary, and its first hour
            out += [b - timedelta(seconds=1), b + timedelta(hours=1)]
    for lower, _upper in month_batches(start, end):
        first = lower.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        out += [first, first - timedelta(seconds=1), first - step]
    return [t for t in out if start <= t < end]


def build(sources: list[ResolvedSource], period: tuple[datetime, datetime],
          boundaries: list[datetime], seed: int = 7, per_object: int = 120,
          folder: Path | None = None) -> FixtureSet:
    """Fixtures for every object of ``sources``: from ``folder`` when it has a file, else
    generated with ``seed``."""
    rng = random.Random(seed)
    objects = []
    for s in sources:
        secrets = local_secrets(s)
        for load in s.loads:
            selector = _selector(s, load, secrets)
            obj = FixtureObject(s.name, load.name, s.connector.type, selector, s.format)
            if load.incremental:
                obj.columns = {load.connector_field: load.table_field}
                obj.default_column = load.table_field
                for hist in s.history:
                    if hist.name == load.name:
                        obj.columns.setdefault(hist.connector_field, hist.table_field)
                file = folder / s.name / f"{load.name}.jsonl" if folder else None
                if file and file.is_file():
                    obj.static_rows, obj.origin = _read(file), str(file)
                else:
                    obj.static_rows = _generate(rng, obj, period, boundaries, per_object,
                                                parse_duration(s.lag), _shape(s))
                    obj.origin = "generated"
            objects.append(obj)
    return FixtureSet(objects)


def days_selector(connector) -> str:
    """The fixture object of a day connector that names no object in its config."""
    return connector.objects[0] if connector.objects else connector.type


def _selector(s: ResolvedSource, load, secrets: dict) -> str:
    if s.connector.window.style == "days" and not s.connector.object_param:
        return days_selector(s.connector)
    if s.connector.window.style == "none":
        key = load.secrets.get("path_prefix")
        return secrets.get(key, load.params.get("path_prefix", load.name)) if key else \
            str(load.params.get("path_prefix", load.name))
    return load.name


def local_secrets(s: ResolvedSource) -> dict[str, str]:
    """Values for the source's secrets in the local engine (path prefixes name the object)."""
    values = {}
    for load in s.loads:
        for param, key in load.secrets.items():
            values[key] = load.name if param == "path_prefix" else f"local-{key}"
    return values


def _read(file: Path) -> list[dict]:
    rows = []
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(f"{file}: cannot read: {exc}") from None
    for n, row in json_lines(text, file, FixtureError):
        if not isinstance(row, dict):
            raise FixtureError(f"{file}:{n}: a row must be a JSON object")
        rows.append({**row, LINE_KEY: n})
    return rows


def json_lines(text: str, where, error: type[Exception]):
    """(line number, value) of each non-blank line of JSON lines; a line that is not JSON is
    ``error`` naming ``where:line:column``."""
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield n, json.loads(line)
            except ValueError as exc:
                raise error(f"{where}:{n}:{exc.colno}: not a JSON row: {exc.msg}") from None



def _shape(s: ResolvedSource) -> str:
    """How generated rows write their field: a connector of whole days still returns rows
    stamped with instants (Mixpanel's unix seconds, Marketo's ISO 8601), in the table field's
    shape; other connectors' fields hold the source's format."""
    return s.table_field_type if s.format and s.format.days else "format"


def _value(fmt: TimestampFormat, instant: datetime, shape: str):
    if shape == "unixtime":
        return int(instant.timestamp())
    if shape in ("iso8601", "td_timestamp"):
        text = instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        return text if shape == "td_timestamp" else text.replace(" ", "T") + "Z"
    return fmt.format(instant)


def _generate(rng, obj: FixtureObject, period, boundaries, count, lag=timedelta(0),
              shape: str = "format") -> list[dict]:
    """Rows at the hard instants and at random ones; every fifth random row arrives late
    (visible only some time after its timestamp, within the source's lag); two rows hold a
    NULL and an empty field, as real tables do."""
    start, end = period
    fmt = obj.format
    span = (end - start).total_seconds()
    instants = interesting_instants(fmt, boundaries, start, end)
    instants += [start + timedelta(seconds=rng.random() * span) for _ in range(count)]
    rows = []
    columns = sorted(set(obj.columns.values()))
    for i, instant in enumerate(sorted(instants)):
        row = {"id": f"{obj.name}-{i}"}
        for column in columns:
            row[column] = _value(fmt, instant, shape)
        if lag and i % 5 == 3:
            delay = timedelta(seconds=int(rng.random() * lag.total_seconds()))
            row[VISIBLE_AT] = (instant + delay).isoformat()
        rows.append(row)
    rows += [{"id": f"{obj.name}-null", **{c: None for c in columns}},
             {"id": f"{obj.name}-empty", **{c: "" for c in columns}}]
    return rows


VISIBLE_AT = "_visible_at"
