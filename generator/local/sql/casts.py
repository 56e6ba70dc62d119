"""Casts of the Trino -> DuckDB rewrite: ``CAST``/``TRY_CAST`` with Trino's meaning (a double
to bigint rounds half up, a timestamp prints as Trino prints it, a temporal literal keeps its
zone), and the static type classes that let a plain cast stand where the emulation macro's
branch is known; mixed into ``rewrite.Rewriter``."""

from __future__ import annotations

import re

from .macros import trino_zone
from .patterns import q
from .values import Ts, Unsupported

_LITERAL_TS = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)"
                         r"\s*(.*?)\s*$")


class CastRewrites:
    """Casts and the static type classes behind them."""

    def duck_type(self, node) -> str | None:
        """The type class of ``node``'s DuckDB translation when it is known from the
        statement alone: "int" (an integer type), "double", "num" (int or double), "varchar",
        "null"; None when only the run time knows. The ``typeof`` macros (``_tr_bigint``,
        ``_tr_varchar``, ``_td_time``...) copy their argument into every branch, which makes
        DuckDB bind it many times over; where the class decides the branch, the branch is
        emitted instead (``tests/test_sqlengine_types.py`` checks every rule on DuckDB)."""
        exp = self.exp
        if isinstance(node, exp.Null):
            return "null"
        if isinstance(node, exp.Literal):
            if node.is_string:
                return "varchar"
            return "int" if node.this.isdigit() else None  # 1.5 is a DECIMAL, 1e3 a DOUBLE
        if isinstance(node, exp.Paren):
            return self.duck_type(node.this)
        if isinstance(node, exp.Neg):
            return "int" if self.duck_type(node.this) == "int" else None
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Mod)):
            both = (self.duck_type(node.this), self.duck_type(node.expression))
            return "int" if both == ("int", "int") else None
        if isinstance(node, exp.Div):  # DuckDB's / or //: a DOUBLE or an integer
            both = {self.duck_type(node.this), self.duck_type(node.expression)}
            return "num" if both <= {"int", "double", "num"} else None
        if isinstance(node, (exp.Floor, exp.Ceil)) and not node.args.get("decimals") \
                and not node.args.get("to"):
            return "double" if self.duck_type(node.this) in ("int", "double", "num") else None
        if isinstance(node, exp.TimeToUnix):  # EPOCH(...)
            return "double"
        if isinstance(node, exp.DateDiff):  # DATE_DIFF(...): BIGINT
            return "int"
        if isinstance(node, exp.Substring):
            return "varchar"
        if isinstance(node, (exp.Cast, exp.TryCast)):
            D = exp.DataType.Type
            to = node.args["to"]
            if to.this in (D.BIGINT, D.INT, D.SMALLINT, D.TINYINT):
                return "int"
            if to.this in (D.VARCHAR, D.TEXT) and not to.expressions:
                return "varchar"
        return None

    def bigint_sql(self, value: str, kind: str | None, try_: bool = False) -> str:
        """``_tr_bigint(value)`` (``_tr_try_bigint``), or its branch when ``kind`` decides it."""
        cast = "TRY_CAST" if try_ else "CAST"
        if kind in ("int", "varchar", "null"):
            return f"{cast}({value} AS BIGINT)"
        if kind == "double":
            return f"{cast}(round({value}) AS BIGINT)"
        return f"_tr_try_bigint({value})" if try_ else f"_tr_bigint({value})"

    def varchar_sql(self, value: str, kind: str | None) -> str:
        """``_tr_varchar(value)``, or its branch when ``kind`` decides it."""
        if kind in ("int", "varchar", "null"):
            return f"CAST({value} AS VARCHAR)"
        return f"_tr_varchar({value})"

    def cast(self, node, direct):
        exp = self.exp
        to = node.args["to"]
        t = to.this
        D = exp.DataType.Type
        if t == D.JSON:
            return self.raw(f"to_json({self.sql(self.rw(node.this)[0])})"), None
        if t in (D.VARCHAR, D.TEXT, D.CHAR, D.NVARCHAR, D.NCHAR):
            return self.to_varchar(node), None
        if t in (D.BIGINT, D.INT, D.SMALLINT, D.TINYINT):
            value = self.bigint_sql(self.sql(self.rw(node.this)[0]), self.duck_type(node.this))
            return self.raw(value if t == D.BIGINT else f"CAST({value} AS {to.sql('duckdb')})"), None
        if t in (D.TIMESTAMPTZ, D.TIMESTAMP, D.DATE):
            return self.cast_temporal(node, t)
        return self.rebuild(node), None

    def try_cast(self, node, direct):
        D = self.exp.DataType.Type
        t = node.args["to"].this
        if t in (D.BIGINT, D.INT, D.SMALLINT, D.TINYINT):
            value = self.bigint_sql(self.sql(self.rw(node.this)[0]), self.duck_type(node.this),
                                    try_=True)
            to = node.args["to"].sql("duckdb")
            return self.raw(value if t == D.BIGINT else f"TRY_CAST({value} AS {to})"), None
        return self.rebuild(node), None

    def to_varchar(self, node):
        exp = self.exp
        if isinstance(node.this, (exp.Literal, exp.Null)):
            return self.rebuild(node)
        x, info = self.rw(node.this, direct=True)
        if info is None:
            return self.raw(self.varchar_sql(self.sql(self.rw_sensitive(node.this)),
                                             self.duck_type(node.this)))
        return self.raw(self.varchar_of(x, info))

    def varchar_of(self, x, info: Ts) -> str:
        """How Trino prints a timestamp/date value: CAST(... AS varchar) and query results."""
        v = self.sql(x)
        if info.kind == "date":
            return f"CAST({v} AS VARCHAR)"
        if info.kind == "naive":
            return f"strftime({v}, '%Y-%m-%d %H:%M:%S') || _tr_frac({v}, {info.precision})"
        zone = self.zone_sql(info)
        local = f"_local({zone}, {v})"
        return (f"strftime({local}, '%Y-%m-%d %H:%M:%S') || _tr_frac({local}, {info.precision})"
                f" || ' ' || {zone}")

    def cast_temporal(self, node, t):
        exp = self.exp
        D = exp.DataType.Type
        params = node.args["to"].expressions
        p = int(params[0].this.name) if params else 3
        if isinstance(node.this, exp.Literal) and node.this.is_string:
            return self.temporal_literal(node.this, t, p)
        x, info = self.rw(node.this, direct=True)
        v = self.sql(x)
        if t == D.TIMESTAMPTZ:
            zone, static = ((info.zone, info.static_zone) if info is not None and info.kind == "tz"
                            else ("'UTC'", "UTC"))
            value = f"CAST({v} AS TIMESTAMPTZ)"
            if p < 6 and (info is None or info.precision > p):
                value = f"_tr_round_tz({value}, {p})"
            return self.raw(value), Ts("tz", p, zone, static)
        # to timestamp / date: the wall clock in the value's own zone
        if info is not None and info.kind == "tz" and not info.utc:
            v = f"_local({self.zone_sql(info)}, {v})"
        elif info is None:
            v = self.sql(self.rw_sensitive(node.this))
        if t == D.DATE:
            return self.raw(f"CAST({v} AS DATE)"), Ts("date")
        value = f"CAST({v} AS TIMESTAMP)"
        if p < 6 and (info is None or info.precision > p):
            value = f"_tr_round_naive({value}, {p})"
        return self.raw(value), Ts("naive", p)

    def temporal_literal(self, lit, t, p: int):
        D = self.exp.DataType.Type
        m = _LITERAL_TS.match(lit.this)
        if not m:
            raise Unsupported(f"'{lit.this}' is not a timestamp literal this engine reads", lit)
        local, zone = m.group(1), m.group(2)
        if t == D.DATE:
            return self.raw(f"CAST({q(local)} AS DATE)"), Ts("date")
        if t == D.TIMESTAMP:
            if zone:
                raise Unsupported(f"TIMESTAMP literal '{lit.this}' has a zone", lit)
            return self.raw(f"CAST({q(local)} AS TIMESTAMP)"), Ts("naive", p)
        zone = zone or "UTC"
        return (self.raw(f"_instant({q(trino_zone(zone))}, CAST({q(local)} AS TIMESTAMP))"),
                Ts("tz", p, q(zone), zone))
