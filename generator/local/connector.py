"""The fixture connector behind the local ``td_load>``.

It reads the rendered load config as the real connector would: the connector type, the object
(its object parameter, the table in a BigQuery query, or the file path prefix), the window
(start and end parameters, a first day and a number of days, or the ``WHERE`` of the query)
and the field the connector filters on; it returns the fixture rows of that object inside the
window, adds ``time`` as the ``add_time`` filter does (upload time), and writes them with
``out.mode`` (append, replace, truncate). A window bound that is not in the object's timestamp
format fails the load, as a connector rejects it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .. import catalog
from .fixtures import LINE_KEY, VISIBLE_AT, days_selector  # fixture columns, never loaded

_Q = "[`\"]?"  # a name, quoted with backticks (BigQuery, MySQL) or double quotes, or bare
_QUERY_RX = re.compile(
    rf"FROM\s+{_Q}(?:[\w-]+\.)?(?P<table>[\w-]+){_Q}\s+WHERE\s+{_Q}(?P<field>\w+){_Q}\s*>=\s*"
    rf"'(?P<start>[^']*)'\s+AND\s+{_Q}(?P=field){_Q}\s*<\s*'(?P<end>[^']*)'", re.IGNORECASE)
# SOQL's where: FIELD >= 2024-01-01T00:00:00Z AND FIELD < ... (datetime literals are unquoted)
_WHERE_RX = re.compile(r"(?P<field>[\w.]+)\s*>=\s*(?P<start>\S+)\s+AND\s+(?P=field)\s*<\s*"
                       r"(?P<end>\S+)", re.IGNORECASE)
_TABLE_RX = re.compile(rf"FROM\s+{_Q}(?:[\w-]+\.)?(?P<table>[\w-]+){_Q}", re.IGNORECASE)


class ConnectorError(Exception):
    pass


@dataclass
class Request:
    selector: str
    field: str | None = None
    start: str | None = None
    end: str | None = None
    start_inclusive: bool = True
    end_inclusive: bool = False
    zone: str | None = None  # whole days: the zone the connector's days are days in


def _inclusive(fact, unknown_means: bool) -> bool:
    """The catalog's bound as the fixture connector applies it; an unknown bound is modelled
    as the common API semantics (inclusive start, exclusive end), which the generator's
    translation for unknown bounds (start less one step, end as is) turns into duplicates at
    the boundary, never into a loss."""
    if fact is None or fact.value == catalog.UNKNOWN:
        return unknown_means
    return fact.value == catalog.INCLUSIVE


def read_request(config: dict) -> tuple[catalog.Connector, Request]:
    """What a load config asks the connector for."""
    source = config.get("in") or {}
    connector = catalog.get(str(source.get("type")))
    if connector is None:
        raise ConnectorError(f"connector type {source.get('type')!r} is not in the catalog; "
                             "the local engine has no fixture connector for it")
    reader = _READERS.get(connector.window.style, _read_files)
    return connector, reader(connector, source)


def _read_params(connector, source: dict) -> Request:
    window = connector.window
    request = Request(str(source.get(connector.object_param)))
    if window.start in source or window.end in source:
        request.start, request.end = source.get(window.start), source.get(window.end)
        request.field = source.get(window.field) if window.field else None
        bounds = connector.bounds
        request.start_inclusive = _inclusive(bounds and bounds.start, True)
        request.end_inclusive = _inclusive(bounds and bounds.end, False)
    return request


def _read_days(connector, source: dict) -> Request:
    """Whole days: ``from_date`` (a date) and ``fetch_days`` (a positive number of days), read
    as days in the connector's zone: its zone parameter (Mixpanel's ``timezone``: the plugin
    exports the Mixpanel project's days) or the catalog's fixed zone (Marketo: UTC, assumed,
    as the plugin reads an ISO 8601 date that carries no offset). A connector without an
    object parameter exports one stream: its first catalog object names it."""
    window = connector.window
    selector = source.get(connector.object_param) if connector.object_param else \
        days_selector(connector)
    request = Request(str(selector))
    if window.start not in source and window.days not in source:
        return request
    first, count = source.get(window.start), source.get(window.days)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConnectorError(f"the connector rejects {window.days}: {count!r} is not a number "
                             "of days greater than 0")
    try:
        day = date.fromisoformat(str(first))
    except ValueError:
        raise ConnectorError(f"the connector rejects {window.start}: {first!r} is not a date "
                             "(yyyy-MM-dd)") from None
    request.start, request.end = day.isoformat(), (day + timedelta(days=count)).isoformat()
    request.zone = str(source.get(window.zone_param) if window.zone_param else
                       window.day_zone or "UTC")
    bounds = connector.bounds
    request.start_inclusive = _inclusive(bounds and bounds.start, True)
    request.end_inclusive = _inclusive(bounds and bounds.end, False)
    return request


def _read_query(connector, source: dict) -> Request:
    query = str(source.get("query") or "")
    match = _QUERY_RX.search(query)
    if match:
        return Request(match["table"], match["field"], match["start"], match["end"])
    table = source.get("table") or (_TABLE_RX.search(query) or {"table": None})["table"]
    return Request(str(table))


def _read_where(connector, source: dict) -> Request:
    """Salesforce: the object is the target, the window a SOQL condition in ``where``."""
    request = Request(str(source.get(connector.object_param)))
    match = _WHERE_RX.search(str(source.get("where") or ""))
    if match:
        request.field, request.start, request.end = match["field"], match["start"], match["end"]
    return request


def _read_files(connector, source: dict) -> Request:
    """No window: the object is its object parameter (a worksheet, a file id) or its path."""
    if connector.object_param:
        return Request(str(source.get(connector.object_param)))
    return Request(str(source.get("path_prefix") or source.get("path")))


_READERS = {"params": _read_params, "query": _read_query, "where": _read_where,
            "days": _read_days}


class FixtureConnector:
    def __init__(self, engine, fixtures):
        self.engine = engine
        self.fixtures = fixtures

    def load(self, config: dict, database: str, table: str, now: datetime) -> int:
        connector, request = read_request(config)
        obj = self.fixtures.find(connector.type, request.selector)
        rows = [r for r in obj.rows(now) if _visible(r, now)]
        if request.start is not None:
            rows = self._window(obj, request, rows)
        rows = [self._add_time(config, _public(row), now) for row in rows]
        mode = str((config.get("out") or {}).get("mode", "append"))
        if mode == "append":
            self.engine.append_rows(database, table, rows)
        elif mode in ("replace", "truncate"):
            self.engine.replace_rows(database, table, rows)
        else:
            raise ConnectorError(f"out.mode {mode!r} is not a TD output mode")
        return len(rows)

    @staticmethod
    def _window(obj, request: Request, rows: list[dict]) -> list[dict]:
        fmt = obj.format
        try:
            days = fmt.in_zone(request.zone) if request.zone else fmt
            if request.zone and not days.days:
                raise ValueError(f"the window is whole days, the format {fmt.name} is not")
            start, end = days.parse(request.start), days.parse(request.end)
        except ValueError as exc:
            raise ConnectorError(f"the connector rejects the window: {exc}") from None
        column = obj.column_for(request.field)
        kept = []
        for row in rows:
            value = row.get(column)
            if value is None or value == "":
                continue
            instant = obj.instant(value, row)
            after_start = start <= instant if request.start_inclusive else start < instant
            before_end = instant <= end if request.end_inclusive else instant < end
            if after_start and before_end:
                kept.append(row)
        return kept

    @staticmethod
    def _add_time(config: dict, row: dict, now: datetime) -> dict:
        """embulk-filter-add_time: ``upload_time``, or a ``fixed_time`` value (a number is
        unix time in ``unix_timestamp_unit``); an existing column of that name becomes
        ``<name>_``."""
        for f in config.get("filters") or []:
            if f.get("type") == "add_time":
                name = (f.get("to_column") or {}).get("name", "time")
                if name in row:
                    row[name + "_"] = row.pop(name)
                row[name] = _add_time_value(f.get("from_value") or {}, now)
        row.setdefault("time", int(now.timestamp()))
        return row


_UNITS = {"sec": 1, "milli": 1000, "micro": 1000000, "nano": 1000000000}


def _add_time_value(spec: dict, now: datetime) -> int:
    mode = spec.get("mode", "fixed_time")
    if mode == "upload_time":
        return int(now.timestamp())
    value = spec.get("value")
    if mode != "fixed_time" or value is None:
        raise ConnectorError(f"add_time from_value {spec!r} is not modelled (fixed_time with a "
                             "value, or upload_time)")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConnectorError(f"add_time fixed_time value {value!r}: the local engine models "
                             "unix time numbers")
    unit = _UNITS.get(str(spec.get("unix_timestamp_unit", "sec")))
    if unit is None:
        raise ConnectorError(f"add_time unix_timestamp_unit {spec['unix_timestamp_unit']!r}: "
                             "expected sec, milli, micro or nano")
    return int(value // unit)




def _visible(row: dict, now: datetime) -> bool:
    stamp = row.get(VISIBLE_AT)
    return stamp is None or datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) <= now


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in (VISIBLE_AT, LINE_KEY)}
