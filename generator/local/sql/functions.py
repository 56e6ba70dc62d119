"""Function calls of the Trino -> DuckDB rewrite: the Trino functions sqlglot mistranslates or
DuckDB lacks (TD's UDFs are in ``td``)."""

from __future__ import annotations

import re

from .patterns import PatternError, format_sql, joda_tokens, mysql_tokens, parse_sql, q
from .values import Ts, Unsupported

_JAVA_SPEC = re.compile(r"%(\d+\$)?([-#+ 0,(]*)(\d+)?(\.\d+)?([a-zA-Z%])")


class FunctionRewrites:
    """``fn_<name>`` handles a call of ``name``; mixed into ``rewrite.Rewriter``."""

    def anonymous(self, node, direct):
        name = node.name.upper()
        handler = getattr(self, "fn_" + name.lower(), None)
        if handler is None:
            return self.rebuild(node), None
        return handler(node, direct)

    def fn_current_timezone(self, node, direct):
        return self.exp.Literal.string("UTC"), None

    def tokens(self, tokenizer, node, what: str, **kw):
        pattern = self.literal_string(node, what)
        try:
            return tokenizer(pattern, **kw)
        except PatternError as exc:
            raise Unsupported(str(exc), node) from None

    def fn_format_datetime(self, node, direct):
        args = self.args_of(node, "format_datetime", 2, 2)
        return self.format_ts(args[0], self.tokens(joda_tokens, args[1], "the Joda pattern")), None

    def fn_date_format(self, node, direct):
        args = self.args_of(node, "date_format", 2, 2)
        return self.format_ts(args[0], self.tokens(mysql_tokens, args[1], "the pattern")), None

    def format_ts(self, arg, toks):
        x, info = self.timestamp_arg(arg)
        zone = self.zone_sql(info)
        instant = f"_tr_round_ms(CAST({self.sql(x)} AS TIMESTAMPTZ))"
        local = f"_local({zone}, {instant})"
        offset = f"_zone_offset({zone}, {instant})"
        return self.raw(format_sql(toks, local, offset, zone))

    def timestamp_arg(self, arg):
        """The argument of a function that prints fields, and where its zone comes from."""
        x, info = self.rw(arg, direct=True)
        if info is None:          # type known only at run time: UTC, and guard what's inside
            return self.rw_sensitive(arg), Ts("tz")
        return x, info

    def fn_parse_datetime(self, node, direct):
        args = self.args_of(node, "parse_datetime", 2, 2)
        toks = self.tokens(joda_tokens, args[1], "the Joda pattern")
        return self.parse_ts(args[0], toks, args[1].this, direct, mysql=False)

    def fn_date_parse(self, node, direct):
        args = self.args_of(node, "date_parse", 2, 2)
        toks = self.tokens(mysql_tokens, args[1], "the pattern")
        return self.parse_ts(args[0], toks, args[1].this, direct, mysql=True)

    def parse_ts(self, arg, toks, pattern: str, direct: bool, mysql: bool):
        v = self.sql(self.rw(arg)[0])
        try:
            parser = parse_sql(toks, v, mysql=mysql)
        except PatternError as exc:
            raise Unsupported(str(exc), arg) from None
        fail = f"error('Invalid format: \"' || {v} || '\" does not match ' || {q(pattern)})"
        if mysql:
            value, info = parser.naive, Ts("naive")
        else:
            zone = parser.zone or "'UTC'"
            value = f"_instant(_tr_zone({zone}), {parser.naive})"
            info = Ts("tz", 3, zone, None if parser.zone else "UTC")
            if parser.zone and self.sensitive and not direct:
                value = (f"CASE WHEN _tr_zone({zone}) <> 'UTC' THEN {self.lost_zone(zone)} "
                         f"ELSE {value} END")
        sql = (f"CASE WHEN {v} IS NULL THEN NULL WHEN NOT regexp_full_match({v}, "
               f"{q(parser.regex)}) THEN {fail} ELSE {value} END")
        return self.raw(sql), info

    def lost_zone(self, zone_sql: str) -> str:
        return (f"error('a timestamp in zone ' || {zone_sql} || ' is used where only UTC is "
                f"modelled (its zone would be lost); apply AT TIME ZONE or format it directly')")

    def fn_from_iso8601_timestamp(self, node, direct):
        (arg,) = self.args_of(node, "from_iso8601_timestamp", 1, 1)
        s = self.sql(self.rw(arg)[0])
        zone = f"_tr_iso8601_zone({s})"
        value = f"_tr_from_iso8601({s})"
        if self.sensitive and not direct:
            value = (f"CASE WHEN _tr_zone({zone}) <> 'UTC' THEN {self.lost_zone(zone)} "
                     f"ELSE {value} END")
        return self.raw(value), Ts("tz", 3, zone, None)

    def fn_from_unixtime(self, node, direct):
        args = self.args_of(node, "from_unixtime", 1, 3)
        x = self.sql(self.rw(args[0])[0])
        value = self.raw(f"_tr_from_unixtime({x})")
        if len(args) == 1:
            return value, Ts("tz")
        if len(args) == 2:
            zone_node = self.rw(args[1])[0]
            static = args[1].this if isinstance(args[1], self.exp.Literal) else None
            info = Ts("tz", 3, self.sql(zone_node), static)
        else:
            h, m = (self.sql(self.rw(a)[0]) for a in args[1:])
            info = Ts("tz", 3, f"_tr_hm_zone({h}, {m})", None)
        if self.sensitive and not direct and not info.utc:
            if info.static_zone is not None:
                raise Unsupported(f"from_unixtime(..., '{info.static_zone}') is used where its "
                                  "zone would be lost (only UTC is modelled there)", node)
            value = self.raw(f"CASE WHEN _tr_zone({info.zone}) <> 'UTC' THEN "
                             f"{self.lost_zone(info.zone)} ELSE {self.sql(value)} END")
        return value, info

    def fn_to_iso8601(self, node, direct):
        (arg,) = self.args_of(node, "to_iso8601", 1, 1)
        x, info = self.rw(arg, direct=True)
        if info is None:
            return self.raw(f"_tr_iso_any({self.sql(self.rw_sensitive(arg))})"), None
        v = self.sql(x)
        if info.kind == "date":
            return self.raw(f"strftime({v}, '%Y-%m-%d')"), None
        if info.kind == "naive":
            return self.raw(f"strftime({v}, '%Y-%m-%dT%H:%M:%S') || "
                            f"_tr_frac({v}, {info.precision})"), None
        zone = self.zone_sql(info)
        local = f"_local({zone}, {v})"
        offset = f"_zone_offset({zone}, {v})"
        return self.raw(f"strftime({local}, '%Y-%m-%dT%H:%M:%S') || "
                        f"_tr_frac({local}, {info.precision}) || (CASE WHEN {offset} = 0 "
                        f"THEN 'Z' ELSE _off_colon({offset}) END)"), None

    def fn_slice(self, node, direct):
        args = self.args_of(node, "slice", 3, 3)
        a, s, n = (self.sql(self.rw(x)[0]) for x in args)
        return self.raw(f"_tr_slice({a}, {s}, {n})"), None

    def fn_format(self, node, direct):
        args = node.expressions
        if not args:
            raise Unsupported("format() needs a format string", node)
        fmt = self.literal_string(args[0], "the format() pattern")
        values = list(args[1:])
        out, i = [], 0
        for m in _JAVA_SPEC.finditer(fmt):
            conv = m.group(5)
            if conv in "%n":
                continue
            if m.group(1) or i >= len(values):
                raise Unsupported(f"format(): specifier {m.group(0)!r} is not modelled", node)
            value = self.sql(self.rw(values[i])[0])
            if conv == "s":
                value = f"coalesce({self.varchar_sql(value, self.duck_type(values[i]))}, 'null')"
            elif conv not in "dfxXoeE":
                raise Unsupported(f"format(): specifier {m.group(0)!r} is not modelled", node)
            out.append(value)
            i += 1
        if i != len(values):
            raise Unsupported("format(): more arguments than specifiers", node)
        duck_fmt = fmt.replace("%n", "\n")
        return self.raw(f"printf({', '.join([q(duck_fmt), *out])})"), None
