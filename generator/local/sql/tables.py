"""How the local engine stores Python values in TD tables: column types and cells."""

from __future__ import annotations

import json

from .statements import SqlEngineError


def value_kind(value) -> str | None:
    """The DuckDB type a Python value is stored as (``None``: any)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, (str, list, dict)):
        return "VARCHAR"
    raise SqlEngineError(f"cannot store a {type(value).__name__} ({value!r}) in a TD table: "
                         "use str, int, float, bool, list, dict or None")


def column_type(values: list, name: str) -> str:
    """The type of a new column holding ``values``."""
    kinds = {k for k in (value_kind(v) for v in values) if k is not None}
    if not kinds:
        return "VARCHAR"
    if kinds == {"BIGINT", "DOUBLE"}:
        return "DOUBLE"
    if len(kinds) > 1:
        raise SqlEngineError(f"column {name!r} mixes value types {sorted(kinds)}")
    return kinds.pop()


def cell(value, typ: str, name: str, row: int):
    """``value`` as stored in a column of type ``typ`` (an error when it does not fit)."""
    if value is None:
        return None
    kind = value_kind(value)
    t = typ.upper()
    ok = (kind == t or (kind == "BIGINT" and t in ("DOUBLE", "FLOAT", "INTEGER", "HUGEINT"))
          or (t == "BIGINT" and kind == "BIGINT"))
    if not ok:
        raise SqlEngineError(f"row {row}: column {name!r} is {t}, the value {value!r} is "
                             f"{kind}")
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value
