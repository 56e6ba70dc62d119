"""Trino SQL (as TD runs it) to DuckDB SQL: sqlglot parses, this pass rewrites, DuckDB runs.

sqlglot's own Trino -> DuckDB transpile is kept wherever it is right. This pass takes over
where it silently drops or changes meaning (each case is pinned by a test in
``tests/test_sqlengine_rewrite.py``):

- ``current_timestamp`` / ``now()`` / ``localtimestamp`` / ``current_date`` become literals of
  the simulated clock (sqlglot also drops the precision of ``current_timestamp(6)``);
- ``format_datetime`` (left unchanged by sqlglot) and ``parse_datetime`` (given DuckDB a Joda
  pattern) are rebuilt from their Joda patterns; ``date_format``/``date_parse`` from their
  MySQL patterns (sqlglot maps ``%f`` to microseconds, Trino prints milliseconds);
- ``from_unixtime(x, zone)`` (sqlglot drops the zone), ``to_iso8601`` (missing in DuckDB),
  ``from_iso8601_timestamp`` (DuckDB's cast accepts what Trino rejects), ``slice`` (sqlglot
  passes length as an end index), ``format`` (DuckDB ``format`` uses ``{}``),
  ``CAST(x AS JSON)`` of a varchar (DuckDB parses it, Trino makes a JSON string),
  ``CAST(ts AS varchar)`` (DuckDB prints ``+00``, Trino `` UTC``), ``CAST(double AS bigint)``
  (DuckDB rounds half to even, Trino half up);
- a ``timestamp with time zone`` is a DuckDB TIMESTAMPTZ (an instant); its zone is tracked
  statically (``Ts``) into the functions that print or read fields. Where a zone other than
  UTC would be lost, the statement is refused (or guarded at run time), never answered in UTC.
"""

from __future__ import annotations

import re
from datetime import datetime

from .casts import CastRewrites
from .functions import FunctionRewrites
from .macros import trino_zone
from .patterns import q
from .td import TdRewrites
from .values import Ts, Unsupported, ts_text

_ANONYMOUS = ("DATE_FORMAT", "DATE_PARSE", "PARSE_DATETIME", "FORMAT_DATETIME", "FROM_UNIXTIME",
              "FROM_ISO8601_TIMESTAMP", "TO_ISO8601", "SLICE", "FORMAT")
_dialect = None

# A mark of the clock in translated SQL: \x01 cannot be in the text of a statement given
# marks (``statements.translate`` checks), so filling never touches anything else.
CLOCK_MARK = "\x01"
_CLOCK_MARKS = re.compile("\x01(\\d|D)\x01")


def clock_mark(precision: int | None) -> str:
    return f"{CLOCK_MARK}{'D' if precision is None else min(precision, 9)}{CLOCK_MARK}"


def clock_value(now: datetime, precision: int | None) -> str:
    """``now`` as the rewrite writes it: a date, or a time with ``precision`` digits."""
    return f"{now:%Y-%m-%d}" if precision is None else ts_text(now, precision)


def fill_clock(sql: str, now: datetime) -> str:
    """``sql`` with every clock mark replaced by ``now``'s text."""
    return _CLOCK_MARKS.sub(
        lambda m: clock_value(now, None if m.group(1) == "D" else int(m.group(1))), sql)

__all__ = ["Rewriter", "Ts", "Unsupported", "dialect"]


def dialect():
    """sqlglot's Trino, with the functions this module emulates parsed as plain calls."""
    global _dialect
    if _dialect is None:
        from sqlglot import exp
        from sqlglot.dialects.trino import Trino

        def plain(name):
            return lambda args: exp.Anonymous(this=name, expressions=args)

        class TdTrino(Trino):
            class Parser(Trino.Parser):
                FUNCTIONS = {**Trino.Parser.FUNCTIONS,  # noqa: RUF012 (sqlglot's API)
                             **{n: plain(n) for n in _ANONYMOUS}}

        _dialect = TdTrino()
    return _dialect


class Rewriter(CastRewrites, FunctionRewrites, TdRewrites):
    """One statement's rewrite; ``now`` is UTC, ``scheduled`` unix seconds."""

    def __init__(self, now: datetime, scheduled: int, database: str | None,
                 clock_marks: bool = False):
        from sqlglot import exp

        self.exp = exp
        self._now = now
        self._scheduled = scheduled
        self.read_clock = False  # whether the DuckDB SQL depends on now or scheduled
        self.clock_marks = clock_marks  # now as marks (CLOCK_MARK) rather than its value
        self.marked_clock = False  # whether the SQL holds such marks
        self.database = database
        self.schemas: set[str] = set()
        self.ctes: set[str] = set()
        self.sensitive = False
        e = exp
        self.by_class = {
            e.CurrentTimestamp: self.current_timestamp, e.Localtimestamp: self.localtimestamp,
            e.CurrentDate: self.current_date, e.CurrentTime: self.unsupported_clock,
            e.Anonymous: self.anonymous, e.AtTimeZone: self.at_time_zone, e.Cast: self.cast,
            e.TryCast: self.try_cast, e.JSONFormat: self.json_format, e.Paren: self.through,
            e.Add: self.interval_math, e.Sub: self.interval_math, e.DateAdd: self.through,
            e.DateSub: self.through, e.TimestampTrunc: self.field, e.DateTrunc: self.field,
            e.Extract: self.field, e.Table: self.table, e.Select: self.select,
            e.TimeToUnix: self.insensitive, e.DateDiff: self.insensitive,
        }
        for name in ("Hour", "Minute", "Second", "Day", "Month", "Year", "Quarter", "DayOfWeek",
                     "DayOfWeekIso", "DayOfMonth", "DayOfYear", "WeekOfYear", "Week"):
            if hasattr(e, name):
                self.by_class[getattr(e, name)] = self.field

    @property
    def now(self) -> datetime:
        self.read_clock = True
        return self._now

    @property
    def scheduled(self) -> int:
        self.read_clock = True
        return self._scheduled

    # --- driver --------------------------------------------------------------------------

    def statement(self, tree) -> tuple[str, bool]:
        """DuckDB SQL of one parsed statement, and whether it returns rows."""
        exp = self.exp
        self.ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        is_query = isinstance(tree, (exp.Query, exp.Values))
        if is_query and isinstance(tree, exp.Select):
            new = self.outer_select(tree)
        else:
            new, _ = self.rw(tree)
        return new.sql(dialect="duckdb"), is_query

    def rw(self, node, direct: bool = False):
        """(DuckDB node, Ts | None). ``direct``: the caller reads the value's zone."""
        handler = self.by_class.get(type(node))
        if handler is not None:
            return handler(node, direct)
        if isinstance(node, self.exp.Predicate):
            return self.insensitive(node, direct)
        return self.rebuild(node), None

    def rebuild(self, node, **replace):
        args = {}
        for key, value in node.args.items():
            if key in replace:
                args[key] = replace[key]
            elif isinstance(value, self.exp.Expression):
                args[key] = self.rw(value)[0]
            elif isinstance(value, list):
                args[key] = [self.rw(v)[0] if isinstance(v, self.exp.Expression) else v
                             for v in value]
            else:
                args[key] = value
        return node.__class__(**args)

    def sql(self, node) -> str:
        return node.sql(dialect="duckdb")

    def raw(self, text: str):
        return self.exp.Var(this=f"({text})")

    def rw_sensitive(self, node):
        saved, self.sensitive = self.sensitive, True
        try:
            return self.rw(node)[0]
        finally:
            self.sensitive = saved

    def insensitive(self, node, direct):
        saved, self.sensitive = self.sensitive, False
        try:
            return self.rebuild(node), None
        finally:
            self.sensitive = saved

    def zone_sql(self, info: Ts | None) -> str:
        """SQL of the normalised zone (and the zone id Trino prints) of a value."""
        if info is None or info.kind != "tz":
            return "'UTC'"
        if info.static_zone is not None:
            return q(trino_zone(info.static_zone))
        return f"_tr_zone({info.zone})"

    def literal_string(self, node, what: str) -> str:
        if isinstance(node, self.exp.Literal) and node.is_string:
            return node.this
        raise Unsupported(f"{what} must be a string literal to be translated", node)

    def args_of(self, node, name: str, low: int, high: int) -> list:
        args = node.expressions
        if not low <= len(args) <= high:
            raise Unsupported(f"{name} takes {low}..{high} arguments, got {len(args)}", node)
        return args

    # --- projections ---------------------------------------------------------------------

    def outer_select(self, sel):
        """The statement's result: Trino column names, timestamps printed as Trino does."""
        exp = self.exp
        projections = []
        for i, item in enumerate(sel.expressions):
            if isinstance(item, exp.Alias):
                inner, alias = item.this, item.args["alias"]
            elif isinstance(item, (exp.Column, exp.Star)):
                inner, alias = item, None
            else:
                inner, alias = item, exp.to_identifier(f"_col{i}")
            node, info = self.rw(inner, direct=True)
            if info is not None:
                node = self.raw(self.varchar_of(node, info))
            projections.append(exp.Alias(this=node, alias=alias) if alias is not None else node)
        return self.rebuild(sel, expressions=projections)

    def select(self, sel, direct):
        """A subquery: a timestamp leaving it in a zone other than UTC would lose its zone."""
        exp = self.exp
        projections = []
        for item in sel.expressions:
            inner = item.this if isinstance(item, exp.Alias) else item
            node, info = self.rw(inner, direct=True)
            if info is not None and not info.utc:
                if info.static_zone is not None:
                    raise Unsupported(f"a timestamp in zone '{info.static_zone}' leaves a "
                                      "subquery; its zone would be lost (only UTC is modelled "
                                      "there): format it inside the subquery", inner)
                node = self.rw_sensitive(inner)
            projections.append(exp.Alias(this=node, alias=item.args["alias"])
                               if isinstance(item, exp.Alias) else node)
        return self.rebuild(sel, expressions=projections), None

    def table(self, node, direct):
        exp = self.exp
        new = self.rebuild(node)
        if (not new.args.get("db") and self.database
                and node.name.lower() not in self.ctes):
            new.set("db", exp.to_identifier(self.database))
        if new.args.get("db") and not new.args.get("catalog"):
            db = new.text("db")
            if db.lower() != "information_schema":
                self.schemas.add(db)
        return new, None

    # --- clock ---------------------------------------------------------------------------

    def _precision(self, node) -> int:
        this = node.args.get("this")
        return int(this.name) if this is not None else 3

    def _clock_text(self, precision: int | None) -> str:
        """The text of ``now`` (``precision`` digits, ``None``: the date). With
        ``clock_marks`` it is a mark the engine fills at run time (``fill_clock``), so one
        translation serves every clock; the text around it never depends on the clock."""
        if self.clock_marks and (precision is None or precision >= 0):
            self.marked_clock = True
            return clock_mark(precision)
        return clock_value(self.now, precision)

    def current_timestamp(self, node, direct):
        p = self._precision(node)
        text = self._clock_text(p)
        return self.raw(f"CAST('{text}+00' AS TIMESTAMPTZ)"), Ts("tz", p)

    def localtimestamp(self, node, direct):
        p = self._precision(node)
        return self.raw(f"CAST('{self._clock_text(p)}' AS TIMESTAMP)"), Ts("naive", p)

    def current_date(self, node, direct):
        return self.raw(f"CAST('{self._clock_text(None)}' AS DATE)"), Ts("date")

    def unsupported_clock(self, node, direct):
        raise Unsupported("current_time / localtime are not modelled", node)

    # --- zones, casts --------------------------------------------------------------------

    def at_time_zone(self, node, direct):
        if isinstance(node.this, self.exp.Interval):
            # Trino's grammar: AT TIME ZONE binds tighter than + and -, so
            # `ts - INTERVAL '1' SECOND AT TIME ZONE 'UTC'` applies it to the interval
            raise Unsupported("AT TIME ZONE applies to the INTERVAL here, which Trino rejects: "
                              "it binds tighter than + and -; write "
                              "(ts - INTERVAL ...) AT TIME ZONE ...", node)
        saved, self.sensitive = self.sensitive, False
        try:
            x, xinfo = self.rw(node.this)
            zone = self.sql(self.rw(node.args["zone"])[0])
        finally:
            self.sensitive = saved
        zone_node = node.args["zone"]
        static = zone_node.this if isinstance(zone_node, self.exp.Literal) else None
        info = Ts("tz", xinfo.precision if xinfo else 3, zone, static)
        if self.sensitive and not direct and not info.utc:
            raise Unsupported(f"AT TIME ZONE '{static or zone}' is used where its zone would "
                              "be lost (only UTC is modelled there); format the value directly",
                              node)
        return self.raw(f"CAST({self.sql(x)} AS TIMESTAMPTZ)"), info

    def through(self, node, direct):
        """Paren, date_add: the result keeps the timestamp's type and zone."""
        x, info = self.rw(node.this, direct=direct)
        return self.rebuild(node, this=x), info

    def interval_math(self, node, direct):
        exp = self.exp
        if isinstance(node.expression, exp.Interval):
            x, info = self.rw(node.this, direct=direct)
            return self.rebuild(node, this=x), info
        if isinstance(node.this, exp.Interval) and isinstance(node, exp.Add):
            x, info = self.rw(node.expression, direct=direct)
            return self.rebuild(node, expression=x), info
        return self.rebuild(node), None

    def field(self, node, direct):
        """date_trunc, extract, hour(), ...: read fields, so the zone must be UTC or known."""
        key = "expression" if isinstance(node, self.exp.Extract) else "this"
        arg = node.args[key]
        x, info = self.rw(arg, direct=True)
        if info is None or not info.utc:
            if info is not None and info.static_zone is not None:
                raise Unsupported(f"{node.key} of a timestamp in zone '{info.static_zone}' is "
                                  "not modelled (its fields would be read in UTC)", node)
            x, info = self.rw_sensitive(arg), None
        keeps_type = isinstance(node, (self.exp.TimestampTrunc, self.exp.DateTrunc))
        return self.rebuild(node, **{key: x}), info if keeps_type else None

    def json_format(self, node, direct):
        return self.raw(f"CAST({self.sql(self.rw(node.this)[0])} AS VARCHAR)"), None
