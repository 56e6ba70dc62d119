"""Timestamp formats: one file each in ``templates/timestamp_formats/``.

A format says how an instant is written for a connector: a strftime-like ``python`` pattern
(with ``%3f`` for milliseconds and ``%6f`` for microseconds), the Trino SQL that renders a
timestamp in it (``sql_render``, with ``{ts}``) and the SQL that parses such a string back
(``sql_parse``, with ``{value}``). Every instant is UTC, except in a format of whole days
(``%Y-%m-%d`` with no time of day): a day is a day in a time zone, the project's
(``TimestampFormat.in_zone``), written ``{zone}`` in its SQL; it stands for that day's first
instant there, so a day is 23 or 25 hours long across a daylight-saving change.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .errors import ConfigError
from .yamlpos import load_file

_FIELDS = {"name", "description", "example", "used_by", "python", "sql_render", "sql_parse",
           "sql_to_micros", "sql_from_micros"}
_OPTIONAL = {"used_by", "sql_to_micros", "sql_from_micros"}
_TOKENS = {
    "%Y": (r"(?P<year>\d{4})", "year"),
    "%m": (r"(?P<month>\d{2})", "month"),
    "%d": (r"(?P<day>\d{2})", "day"),
    "%H": (r"(?P<hour>\d{2})", "hour"),
    "%M": (r"(?P<minute>\d{2})", "minute"),
    "%S": (r"(?P<second>\d{2})", "second"),
    "%3f": (r"(?P<millis>\d{3})", "millis"),
    "%6f": (r"(?P<micros>\d{6})", "micros"),
}
_TOKEN_RX = re.compile(r"%3f|%6f|%[YmdHMS]|%")


@dataclass(frozen=True)
class TimestampFormat:
    name: str
    description: str
    example: str
    used_by: str
    python: str
    sql_render_template: str
    sql_parse_template: str
    # exact arithmetic: the string as bigint microseconds since the epoch and back; formats
    # finer than milliseconds must give both (Trino's timestamps parse and print in ms)
    sql_to_micros_template: str | None = None
    sql_from_micros_template: str | None = None
    # the zone of a format of whole days (its days start at midnight there); others are UTC
    zone: str = "UTC"

    @property
    def days(self) -> bool:
        """A format of whole days: it writes no time of day."""
        return not re.search(r"%[HMS]|%3f|%6f", self.python)

    def in_zone(self, zone: str) -> TimestampFormat:
        """This format with its days in ``zone`` (an IANA name or UTC); a format with a time of
        day is UTC whatever the zone."""
        return replace(self, zone=zone) if self.days else self

    @property
    def precision(self) -> timedelta:
        """The smallest step this format can express (a day is 24 hours only here: day
        arithmetic on instants goes through ``format`` and ``parse``, which follow the zone)."""
        if self.days:
            return timedelta(days=1)
        if "%6f" in self.python:
            return timedelta(microseconds=1)
        if "%3f" in self.python:
            return timedelta(milliseconds=1)
        return timedelta(seconds=1)

    def format(self, instant: datetime) -> str:
        """Write ``instant`` (UTC; naive means UTC) in this format, truncating below precision
        (a format of days writes the day the instant falls on in its zone)."""
        t = _utc(instant)
        if self.days:
            t = t.astimezone(ZoneInfo(self.zone))
        values = {
            "%Y": f"{t.year:04d}", "%m": f"{t.month:02d}", "%d": f"{t.day:02d}",
            "%H": f"{t.hour:02d}", "%M": f"{t.minute:02d}", "%S": f"{t.second:02d}",
            "%3f": f"{t.microsecond // 1000:03d}", "%6f": f"{t.microsecond:06d}",
        }
        return _TOKEN_RX.sub(lambda m: values.get(m.group(0), m.group(0)), self.python)

    def parse(self, text: str) -> datetime:
        """Read a string written in this format; ``ValueError`` says what was expected."""
        match = self._regex().fullmatch(text)
        if not match:
            raise ValueError(f"'{text}' is not in format {self.name} (like '{self.example}')")
        if _iso_layout(self.python):  # the layout is ISO 8601's: C reads it ten times faster
            return datetime.fromisoformat(text if text[-1] == "Z" else text + "+00:00")
        g = match.groupdict()
        if self.days:
            day = datetime(int(g["year"]), int(g["month"]), int(g["day"]),
                           tzinfo=ZoneInfo(self.zone))
            return day.astimezone(UTC)
        micros = int(g.get("micros") or 0) + int(g.get("millis") or 0) * 1000
        return datetime(int(g["year"]), int(g["month"]), int(g["day"]), int(g.get("hour") or 0),
                        int(g.get("minute") or 0), int(g.get("second") or 0), micros,
                        tzinfo=UTC)

    def is_valid(self, text: str) -> bool:
        try:
            self.parse(text)
        except ValueError:
            return False
        return True

    def sql_render(self, ts_sql: str) -> str:
        """The SQL rendering ``ts_sql``; parenthesised, since in Trino ``AT TIME ZONE`` binds
        tighter than ``-`` (``now - INTERVAL '1' HOUR AT TIME ZONE 'UTC'`` is invalid)."""
        return self._zoned(self.sql_render_template).replace("{ts}", _grouped(ts_sql))

    def sql_parse(self, value_sql: str) -> str:
        return self._zoned(self.sql_parse_template).replace("{value}", _grouped(value_sql))

    def _zoned(self, template: str) -> str:
        """``{zone}`` as the body of a SQL string literal (quotes doubled)."""
        return template.replace("{zone}", self.zone.replace("'", "''"))

    def sql_to_micros(self, value_sql: str) -> str:
        """SQL of the bigint microseconds since the epoch of a string in this format."""
        if self.sql_to_micros_template:
            return "(" + self._zoned(self.sql_to_micros_template).replace(
                "{value}", _grouped(value_sql)) + ")"
        return f"(CAST(round(to_unixtime({self.sql_parse(value_sql)}) * 1000) AS bigint) * 1000)"

    def sql_from_micros(self, micros_sql: str) -> str:
        """SQL of the string in this format of bigint microseconds since the epoch."""
        if self.sql_from_micros_template:
            return self._zoned(self.sql_from_micros_template).replace(
                "{micros}", _grouped(micros_sql))
        return self.sql_render(f"from_unixtime({_grouped(micros_sql)} / 1000000.0)")

    @property
    def step_micros(self) -> int:
        return self.precision // timedelta(microseconds=1)

    @property
    def sql_regex(self) -> str:
        """The format as an anchored regular expression for Trino's ``regexp_like``."""
        parts = []
        for piece in re.split(r"(%3f|%6f|%[YmdHMS])", self.python):
            if piece in _TOKENS:
                parts.append(re.sub(r"\(\?P<\w+>(.*)\)", r"\1", _TOKENS[piece][0]))
            else:
                parts.append(re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", piece))
        return "^" + "".join(parts) + "$"

    def _regex(self) -> re.Pattern:
        return _pattern_regex(self.python)


@functools.lru_cache(maxsize=64)
def _iso_layout(python: str) -> bool:
    """True if every string the pattern matches is ISO 8601 that ``fromisoformat`` reads as
    the same instant (UTC, with ``Z`` or without a zone)."""
    return re.fullmatch(r"%Y-%m-%d[T ]%H:%M:%S(?:\.%3f|\.%6f)?Z?", python) is not None


@functools.lru_cache(maxsize=64)
def _pattern_regex(python: str) -> re.Pattern:
    """The regular expression of a format's pattern, built once (status parses millions)."""
    parts = []
    for piece in re.split(r"(%3f|%6f|%[YmdHMS])", python):
        parts.append(_TOKENS[piece][0] if piece in _TOKENS else re.escape(piece))
    return re.compile("".join(parts))


def _grouped(sql: str) -> str:
    """``sql`` in parentheses unless it is a plain name, a literal or one function call."""
    text = sql.strip()
    if re.fullmatch(r"[\w.]+|'[^']*'", text):
        return sql
    match = re.match(r"[\w.]+\(", text)
    if match and _closes_at_end(text, match.end() - 1):
        return sql
    return f"({sql})"


def _closes_at_end(text: str, open_at: int) -> bool:
    depth, quoted = 0, False
    for i in range(open_at, len(text)):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch in "()":
            depth += 1 if ch == "(" else -1
            if depth == 0:
                return i == len(text) - 1
    return False


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def month_batches(start: datetime, end: datetime, zone: str = "UTC"
                  ) -> list[tuple[datetime, datetime]]:
    """Half-open month ranges covering ``[start, end)``: each ends where the next begins.

    The first batch starts at ``start`` (which need not be the first of a month) and the
    last ends at ``end``; every other boundary is the first instant of a month in ``zone``
    (midnight there, whatever its offset that day).
    """
    start, end = _utc(start), _utc(end)
    tz = ZoneInfo(zone)
    batches = []
    lower = start
    while lower < end:
        local = lower.astimezone(tz)
        first = datetime(local.year, local.month, 1, tzinfo=tz)
        following = (first + timedelta(days=32)).replace(day=1)
        upper = min(following.astimezone(UTC), end)
        batches.append((lower, upper))
        lower = upper
    return batches


def _optional(data: dict, key: str) -> str | None:
    return str(data[key]) if data.get(key) is not None else None


def load_formats(folder: Path, root: Path | None = None) -> dict[str, TimestampFormat]:
    """Every ``*.yml`` in ``folder``, by name; a bad file is a ``ConfigError`` with its position."""
    formats: dict[str, TimestampFormat] = {}
    for file in sorted(folder.glob("*.yml")):
        display = str(file.relative_to(root)) if root else str(file)
        located = load_file(file, display)
        data = located.data
        if not isinstance(data, dict):
            raise ConfigError(f"{display}:1:1: a timestamp format must be a mapping")
        missing = sorted(_FIELDS - _OPTIONAL - set(data))
        unknown = sorted(set(data) - _FIELDS)
        if missing or unknown:
            what = f"missing {missing}" if missing else f"unknown keys {unknown}"
            line, col = located.where(())
            raise ConfigError(f"{display}:{line}:{col}: timestamp format: {what}")
        fmt = TimestampFormat(
            name=str(data["name"]), description=str(data["description"]),
            example=str(data["example"]), used_by=str(data.get("used_by", "")),
            python=str(data["python"]), sql_render_template=str(data["sql_render"]),
            sql_parse_template=str(data["sql_parse"]),
            sql_to_micros_template=_optional(data, "sql_to_micros"),
            sql_from_micros_template=_optional(data, "sql_from_micros"),
        )
        if fmt.precision < timedelta(milliseconds=1) and not (
                fmt.sql_to_micros_template and fmt.sql_from_micros_template):
            line, col = located.where(())
            raise ConfigError(f"{display}:{line}:{col}: a format finer than milliseconds needs "
                              "sql_to_micros and sql_from_micros (Trino parses and prints "
                              "timestamps in milliseconds)")
        if fmt.name != file.stem:
            line, col = located.where(("name",))
            raise ConfigError(f"{display}:{line}:{col}: name '{fmt.name}' must match the file "
                              f"name '{file.stem}'")
        if not fmt.is_valid(fmt.example):
            line, col = located.where(("example",))
            raise ConfigError(f"{display}:{line}:{col}: example '{fmt.example}' does not match "
                              f"the python pattern '{fmt.python}'")
        formats[fmt.name] = fmt
    return formats
