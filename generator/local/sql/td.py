"""TD's time UDFs in the Trino -> DuckDB rewrite.

Literal arguments (zones, codes, durations, intervals: nearly every call in practice) are read
here and translated to small expressions over the macros of ``macros``; an argument known
only at run time goes to the macro that decides at run time, by the same rules. An argument
this emulation does not model is refused while translating, with its position.
"""

from __future__ import annotations

import re

from .macros import td_zone
from .patterns import PatternError, format_sql, joda_tokens, q
from .values import Unsupported

_DURATION = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_CODES = {"y": "year", "q": "quarter", "M": "month", "w": "week", "d": "day", "h": "hour",
          "m": "minute", "s": "second"}
_BANG = {"y!": ("year", "%Y"), "q!": ("quarter", "%Y-%m"), "M!": ("month", "%Y-%m"),
         "w!": ("week", "%Y-%m-%d"), "d!": ("day", "%Y-%m-%d"), "h!": ("hour", "%Y-%m-%d %H"),
         "m!": ("minute", "%Y-%m-%d %H:%M"), "s!": ("second", "%Y-%m-%d %H:%M:%S")}
_TRUNC_UNITS = ("second", "minute", "hour", "day", "week", "month", "quarter", "year")
_IV_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "M": "month",
             "q": "quarter", "y": "year"}
_IV_STEP = {"s": "to_seconds", "m": "to_minutes", "h": "to_hours", "d": "to_days",
            "w": "to_weeks", "M": "to_months", "y": "to_years"}
_BIGINT_FUNCTIONS = {"TD_TIME_ADD", "TD_TIME_PARSE", "TD_DATE_TRUNC", "TD_SCHEDULED_TIME"}


class TdRewrites:
    """``fn_td_*``: mixed into ``rewrite.Rewriter``."""

    def fn_td_scheduled_time(self, node, direct):
        self.args_of(node, "TD_SCHEDULED_TIME", 0, 0)
        return self.exp.Literal.number(self.scheduled), None

    # --- arguments -----------------------------------------------------------------------

    def td_zone_sql(self, args: list, index: int) -> str:
        """The zone argument at ``index`` as SQL of a normalised zone (UTC when absent)."""
        if len(args) <= index or isinstance(args[index], self.exp.Null):
            return "'UTC'"
        node = args[index]
        if isinstance(node, self.exp.Literal) and node.is_string:
            try:
                return q(td_zone(node.this))
            except ValueError as exc:
                raise Unsupported(str(exc), node) from None
        return f"_td_zone({self.sql(self.rw(node)[0])})"

    def td_time_sql(self, node, zone: str) -> str | None:
        """A time argument (unix seconds or a date string) as BIGINT SQL; None for NULL."""
        exp = self.exp
        if isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Literal):
            if not node.is_string or re.fullmatch(r"-?\d+", node.this):
                return node.this
            return f"_td_parse({q(node.this)}, {zone})"
        value = self.sql(self.rw(node)[0])
        if isinstance(node, exp.Anonymous) and node.name.upper() in _BIGINT_FUNCTIONS:
            return value
        if isinstance(node, exp.Column) and node.name.lower() == "time":
            return value
        if self.duck_type(node) in ("int", "double", "num", "null"):
            return f"TRY_CAST({value} AS BIGINT)"  # _td_time's branch for a non-VARCHAR
        return f"_td_time({value}, {zone})"

    def literal(self, node) -> str | None:
        return node.this if isinstance(node, self.exp.Literal) and node.is_string else None

    # --- functions -----------------------------------------------------------------------

    def fn_td_time_range(self, node, direct):
        args = self.args_of(node, "TD_TIME_RANGE", 2, 4)
        end = self.literal(args[2]) if len(args) == 3 else None
        if end is not None and not re.match(r"\s*-?\d", end):
            raise Unsupported(f"TD_TIME_RANGE: the third argument is the end bound, and "
                              f"'{end}' is not a time; pass the zone as the fourth "
                              f"argument or inside the start string ('2019-01-01 PDT')", args[2])
        zone = self.td_zone_sql(args, 3)
        t = self.sql(self.rw(args[0])[0])
        terms = []
        for i, op in ((1, ">="), (2, "<")):
            if i >= len(args):
                continue
            bound = self.td_time_sql(args[i], zone)
            if bound is None:
                continue
            if isinstance(args[i], self.exp.Literal):
                terms.append(f"{t} {op} {bound}")
            else:
                terms.append(f"({bound} IS NULL OR {t} {op} {bound})")
        return self.raw(" AND ".join(terms) or f"({t} = {t} OR {t} IS NULL)"), None

    def fn_td_time_parse(self, node, direct):
        args = self.args_of(node, "TD_TIME_PARSE", 1, 2)
        zone = self.td_zone_sql(args, 1)
        text = self.literal(args[0])
        value = q(text) if text is not None else self.sql(self.rw(args[0])[0])
        return self.raw(f"_td_parse({value}, {zone})"), None

    def fn_td_time_add(self, node, direct):
        args = self.args_of(node, "TD_TIME_ADD", 2, 3)
        zone = self.td_zone_sql(args, 2)
        t = self.td_time_sql(args[0], zone)
        if t is None or isinstance(args[1], self.exp.Null):
            return self.raw("CAST(NULL AS BIGINT)"), None
        duration = self.literal(args[1])
        if duration is None:
            return self.raw(f"({t} + _td_duration({self.sql(self.rw(args[1])[0])}))"), None
        m = re.fullmatch(r"(-?\d+)([smhdw])", duration)
        if not m:
            raise Unsupported(f"TD_TIME_ADD: duration '{duration}' is not modelled (an integer "
                              "and one of s m h d w, e.g. -1d; TD has no months or years)",
                              args[1])
        return self.raw(f"({t} + {int(m.group(1)) * _DURATION[m.group(2)]})"), None

    def fn_td_time_string(self, node, direct):
        args = self.args_of(node, "TD_TIME_STRING", 2, 3)
        zone = self.td_zone_sql(args, 2)
        local = f"_td_local({self.sql(self.rw(args[0])[0])}, {zone})"
        code = self.literal(args[1])
        if code is None:
            return self.raw(f"_td_tstr({local}, {self.sql(self.rw(args[1])[0])}, {zone})"), None
        if code in _BANG:
            unit, fmt = _BANG[code]
            return self.raw(f"strftime(date_trunc('{unit}', {local}), '{fmt}')"), None
        if code in _CODES:
            start = f"date_trunc('{_CODES[code]}', {local})"
            return self.raw(f"strftime({start}, '%Y-%m-%d %H:%M:%S') || "
                            f"_off_hhmm(_td_local_offset({start}, {zone}))"), None
        raise Unsupported(f"TD_TIME_STRING: format '{code}' is not one of y q M w d h m s "
                          "(with or without !)", args[1])

    def fn_td_date_trunc(self, node, direct):
        args = self.args_of(node, "TD_DATE_TRUNC", 2, 3)
        zone = self.td_zone_sql(args, 2)
        t = self.sql(self.rw(args[1])[0])
        unit = self.literal(args[0])
        if unit is None:
            return self.raw(f"_td_trunc({self.sql(self.rw(args[0])[0])}, {t}, {zone})"), None
        if unit.lower() not in _TRUNC_UNITS:
            raise Unsupported(f"TD_DATE_TRUNC: unit '{unit}' is not modelled", args[0])
        return self.raw(f"_td_epoch(date_trunc('{unit.lower()}', _td_local({t}, {zone})), "
                        f"{zone})"), None

    def fn_td_time_format(self, node, direct):
        args = self.args_of(node, "TD_TIME_FORMAT", 2, 3)
        pattern = self.literal_string(args[1], "the TD_TIME_FORMAT pattern")
        try:
            toks = joda_tokens(pattern, java=True)
        except PatternError as exc:
            raise Unsupported(str(exc), args[1]) from None
        t = self.sql(self.rw(args[0])[0])
        zone = self.td_zone_sql(args, 2)
        local = f"_td_local({t}, {zone})"
        offset = f"_zone_offset({zone}, to_timestamp({t}))"
        return self.raw(format_sql(toks, local, offset, "NULL")), None

    def fn_td_interval(self, node, direct):
        args = self.args_of(node, "TD_INTERVAL", 2, 4)
        t = self.sql(self.rw(args[0])[0])
        zone = self.td_zone_sql(args, 2)
        ref = self.sql(self.rw(args[3])[0]) if len(args) > 3 else str(self.scheduled)
        interval = self.literal(args[1])
        if interval is None:
            s = self.sql(self.rw(args[1])[0])
            return self.raw(f"_td_interval({t}, {s}, {zone}, {ref})"), None
        m = re.fullmatch(r"(-?\d+)([smhdwMqy])(?:/(.+))?", interval)
        if not m:
            raise Unsupported(f"TD_INTERVAL: interval '{interval}' is not modelled "
                              "(<n><unit>[/offset], unit one of s m h d w M q y)", args[1])
        n, unit, offset = int(m.group(1)), m.group(2), m.group(3) or ""
        local_ref = f"_td_local({ref}, {zone})"
        anchor = f"date_trunc('{_IV_UNITS[unit]}', {local_ref})"
        moved = re.fullmatch(r"(-?\d+)([smhdwMqy])", offset)
        if moved:
            anchor = f"({anchor} + {_step(moved.group(2), int(moved.group(1)))})"
        elif offset not in ("", "now"):
            anchor = (f"date_trunc('{_IV_UNITS[unit]}', _td_local(_td_parse({q(offset)}, "
                      f"{zone}), {zone}))")
        shifted = f"({anchor} + {_step(unit, n)})"
        low = shifted if n < 0 else anchor
        high = local_ref if offset == "now" else (anchor if n < 0 else shifted)
        return self.raw(f"{t} >= _td_epoch({low}, {zone}) AND "
                        f"{t} < _td_epoch({high}, {zone})"), None


def _step(unit: str, n: int) -> str:
    if unit == "q":
        return f"to_months({3 * n})"
    return f"{_IV_STEP[unit]}({n})"
