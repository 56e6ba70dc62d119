"""The ``timestamp/fallback`` rule: a source's table fallback, run on the local engine.

The fallback starts a window just after the table field's maximum when the log has no
watermark. This runs the generated ``<source>_window_from_table.sql`` against a table whose
field holds values in the shape the source's ``table_field_type`` says (the maximum with its
full precision, older values, NULL, an empty string and a value of another shape), and checks
that the start is the maximum plus one step, written in the source's format.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..findings import ERROR, Finding

RULE = "timestamp/fallback"
DB, TABLE = "tdgen_check", "fallback_probe"
MAXIMUM = datetime(2026, 3, 4, 5, 6, 7, 654321, tzinfo=UTC)


def shaped(kind: str, fmt, instant: datetime):
    """``instant`` as the table field holds it."""
    if kind == "format":
        return fmt.format(instant)
    if kind == "td_timestamp":
        return instant.strftime("%Y-%m-%d %H:%M:%S.") + f"{instant.microsecond // 1000:03d}"
    if kind == "iso8601":
        local = instant.astimezone(ZoneInfo("Asia/Tokyo"))  # an offset other than Z
        return local.isoformat(timespec="milliseconds")
    return int(instant.timestamp())


def _stored(kind: str, fmt) -> tuple[datetime, timedelta]:
    """The maximum as the field can hold it, and the field's step (its precision)."""
    step = {"format": fmt.precision, "td_timestamp": timedelta(milliseconds=1),
            "iso8601": timedelta(milliseconds=1), "unixtime": timedelta(seconds=1)}[kind]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + (MAXIMUM - epoch) // step * step, step


def check_fallback(root, src, source, engine) -> list[Finding]:
    from ..digdag.evaluate import render
    from ..render.env import sql_ident, sql_str

    path = root / "workflows" / "sql" / f"{src.name}_window_from_table.sql"
    if not path.is_file():
        return []
    kind, fmt = src.table_field_type, src.format
    top, step = _stored(kind, fmt)
    values = [shaped(kind, fmt, top), shaped(kind, fmt, top - timedelta(days=3)), None]
    if kind != "unixtime":
        values += ["", "not a time"]
    field = "probe_field"
    engine.drop_table(DB, TABLE)
    engine.append_rows(DB, TABLE, [{field: v, "time": int(MAXIMUM.timestamp())}
                                   for v in values])
    params = {"databases": {"src": DB}, "datasource": {
        "table_name": TABLE, "incremental_field": field,
        "incremental_field_sql": sql_ident(field), "incremental_field_literal": sql_str(field),
        "default_start_time": src.spec.default_start_time or fmt.format(MAXIMUM)}}
    expected = fmt.format(top + step)
    try:
        sql = render(path.read_text(encoding="utf-8"), params)
        start = engine.execute(sql, now=MAXIMUM + timedelta(days=1)).first_row_dict()
        start = start.get("start_time")
    except Exception as exc:  # noqa: BLE001 (any failure of the SQL is the finding)
        start = f"error: {str(exc).splitlines()[0]}"
    if start == expected or src.spec.lookback != "0s":
        return []
    where = ("table_field_type",) if "table_field_type" in source.located.data else ()
    line, col = source.located.where(where)
    return [Finding(source.path, line, col, RULE, ERROR,
                    f"{src.name}: the table fallback reads a {kind} field whose maximum is "
                    f"{values[0]!r} as start {start!r}, expected {expected!r} (one step "
                    f"after it); check table_field_type and the timestamp format")]
