"""Date patterns of Trino and TD, turned into DuckDB SQL.

Three pattern languages reach the engine, each as a string literal:

- Joda ``DateTimeFormat`` patterns (Trino ``format_datetime`` / ``parse_datetime``);
- Java-style patterns of TD's ``TD_TIME_FORMAT`` (SimpleDateFormat letters; only the letters
  that Joda and SimpleDateFormat print alike are accepted, plus ``z`` as TD documents it);
- MySQL patterns (Trino ``date_format`` / ``date_parse``).

Each is tokenised into the same small vocabulary (``Tok``); ``format_sql`` renders tokens with
DuckDB ``strftime`` plus a few pieces strftime cannot express (milliseconds printed as a
longer fraction, offsets ``+0900`` / ``+09:00``, zone ids), and ``parse_sql`` builds a regular
expression and the DuckDB expression that assembles the timestamp from its groups. A letter
this module does not model is an error, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMERIC = {"year", "month", "day", "doy", "hour24", "hour12", "minute", "second", "frac"}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class PatternError(ValueError):
    """A pattern uses something this emulation does not model."""


@dataclass(frozen=True)
class Tok:
    kind: str          # lit, year, month, day, doy, hour24, hour12, minute, second, frac,
    count: int = 0     # ampm, dow, off_hhmm, off_colon, zone_id, gmt
    text: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC and not (self.kind == "month" and self.count >= 3)


def q(text: str) -> str:
    """A DuckDB string literal."""
    return "'" + text.replace("'", "''") + "'"


# --- tokenisers ----------------------------------------------------------------------------

_JODA = {"y": "year", "Y": "year", "M": "month", "d": "day", "D": "doy", "H": "hour24",
         "h": "hour12", "m": "minute", "s": "second", "S": "frac", "a": "ampm", "E": "dow"}


def joda_tokens(pattern: str, *, java: bool = False) -> list[Tok]:
    """Tokens of a Joda pattern, or (``java=True``) of a TD_TIME_FORMAT pattern."""
    what = "TD_TIME_FORMAT" if java else "Joda"
    toks: list[Tok] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            j, text = i + 1, []
            if j < n and pattern[j] == "'":          # '' outside quotes: one apostrophe
                toks.append(Tok("lit", text="'"))
                i = j + 1
                continue
            while True:
                if j >= n:
                    raise PatternError(f"{what} pattern {pattern!r}: unterminated quote")
                if pattern[j] == "'":
                    if j + 1 < n and pattern[j + 1] == "'":
                        text.append("'")
                        j += 2
                        continue
                    break
                text.append(pattern[j])
                j += 1
            toks.append(Tok("lit", text="".join(text)))
            i = j + 1
            continue
        if not c.isascii() or not c.isalpha():
            toks.append(Tok("lit", text=c))
            i += 1
            continue
        j = i
        while j < n and pattern[j] == c:
            j += 1
        count = j - i
        toks.append(_letter(c, count, pattern, java, what))
        i = j
    return _merge_literals(toks)


def _letter(c: str, count: int, pattern: str, java: bool, what: str) -> Tok:
    def bad(why: str) -> PatternError:
        return PatternError(f"{what} pattern {pattern!r}: {c * count!r} {why}")

    if c == "Z":
        if java:
            return Tok("off_hhmm", count)
        return Tok(("off_hhmm", "off_colon", "zone_id")[min(count, 3) - 1], count)
    if c == "z":
        if java:   # TD's documented output for 'JST' is GMT+09:00 (a fixed-offset zone)
            return Tok("gmt", count)
        raise bad("(zone name) prints differently across Joda/JDK versions; use ZZZ")
    if java and c == "Y":
        raise bad("is week-year in SimpleDateFormat but year-of-era in Joda; use yyyy")
    if java and c == "S" and count != 3:
        raise bad("prints differently in SimpleDateFormat (milliseconds) and Joda "
                  "(fraction); only SSS is modelled")
    kind = _JODA.get(c)
    if kind is None:
        raise bad("is not modelled")
    if kind == "year" and count > 4:
        raise bad("(a padded year) is not modelled")
    if kind in {"day", "hour24", "hour12", "minute", "second"} and count > 2:
        raise bad("is not modelled")
    if kind == "doy" and count == 2:
        raise bad("is not modelled")
    return Tok(kind, count)


_MYSQL = {
    "Y": [Tok("year", 4)], "y": [Tok("year", 2)], "m": [Tok("month", 2)],
    "c": [Tok("month", 1)], "d": [Tok("day", 2)], "e": [Tok("day", 1)],
    "H": [Tok("hour24", 2)], "k": [Tok("hour24", 1)], "h": [Tok("hour12", 2)],
    "I": [Tok("hour12", 2)], "l": [Tok("hour12", 1)], "i": [Tok("minute", 2)],
    "S": [Tok("second", 2)], "s": [Tok("second", 2)], "f": [Tok("frac", 6)],
    "p": [Tok("ampm", 1)], "j": [Tok("doy", 3)], "M": [Tok("month", 4)],
    "b": [Tok("month", 3)], "W": [Tok("dow", 4)], "a": [Tok("dow", 3)],
    "T": [Tok("hour24", 2), Tok("lit", text=":"), Tok("minute", 2), Tok("lit", text=":"),
          Tok("second", 2)],
    "r": [Tok("hour12", 2), Tok("lit", text=":"), Tok("minute", 2), Tok("lit", text=":"),
          Tok("second", 2), Tok("lit", text=" "), Tok("ampm", 1)],
}
_MYSQL_UNSUPPORTED = set("DUuVvwXx")


def mysql_tokens(pattern: str) -> list[Tok]:
    """Tokens of a MySQL pattern as Trino's date_format/date_parse read it."""
    toks: list[Tok] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c != "%" or i + 1 >= len(pattern):
            toks.append(Tok("lit", text=c))
            i += 1
            continue
        code = pattern[i + 1]
        if code in _MYSQL:
            toks.extend(_MYSQL[code])
        elif code in _MYSQL_UNSUPPORTED:
            raise PatternError(f"MySQL pattern {pattern!r}: %{code} is not supported by Trino")
        else:                                   # %% and any other %x print x
            toks.append(Tok("lit", text=code))
        i += 2
    return _merge_literals(toks)


def _merge_literals(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    for tok in toks:
        if tok.kind == "lit" and out and out[-1].kind == "lit":
            out[-1] = Tok("lit", text=out[-1].text + tok.text)
        elif tok.kind != "lit" or tok.text:
            out.append(tok)
    return out


# --- formatting ----------------------------------------------------------------------------

_STRF = {
    "year": lambda n: "%y" if n == 2 else "%Y",
    "month": lambda n: {1: "%-m", 2: "%m", 3: "%b"}.get(n, "%B"),
    "day": lambda n: "%-d" if n == 1 else "%d",
    "doy": lambda n: "%-j" if n == 1 else "%j",
    "hour24": lambda n: "%-H" if n == 1 else "%H",
    "hour12": lambda n: "%-I" if n == 1 else "%I",
    "minute": lambda n: "%-M" if n == 1 else "%M",
    "second": lambda n: "%-S" if n == 1 else "%S",
    "ampm": lambda n: "%p",
    "dow": lambda n: "%a" if n <= 3 else "%A",
}


def format_sql(toks: list[Tok], local: str, offset: str, zone_id: str) -> str:
    """DuckDB SQL printing ``toks``.

    ``local`` is a naive TIMESTAMP holding the wall-clock fields (already rounded to
    milliseconds), ``offset`` the zone's offset in seconds at that instant, ``zone_id`` the
    zone's id as text; all three are SQL expressions.
    """
    pieces: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            pieces.append(f"strftime({local}, {q(''.join(buf))})")
            buf.clear()

    for tok in toks:
        if tok.kind == "lit":
            buf.append(tok.text.replace("%", "%%"))
        elif tok.kind in _STRF:
            buf.append(_STRF[tok.kind](tok.count))
        elif tok.kind == "frac":
            # Joda prints the fraction from millisecond precision: SSSSSS is millis + 000
            if tok.count >= 3:
                buf.append("%g" + "0" * (tok.count - 3))
            else:
                flush()
                pieces.append(f"substr(strftime({local}, '%g'), 1, {tok.count})")
        else:
            flush()
            pieces.append({
                "off_hhmm": f"_off_hhmm({offset})",
                "off_colon": f"_off_colon({offset})",
                "zone_id": zone_id,
                "gmt": f"('GMT' || _off_colon({offset}))",
            }[tok.kind])
    flush()
    return "(" + (" || ".join(pieces) or "''") + ")"


# --- parsing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parser:
    regex: str           # anchored ^...$
    naive: str           # SQL: the TIMESTAMP built from the groups
    zone: str | None     # SQL: the zone text parsed, or None when the pattern has no zone


def parse_sql(toks: list[Tok], value: str, *, mysql: bool = False) -> Parser:
    """A regular expression for ``toks`` and the SQL that builds the timestamp it matched."""
    rx: list[str] = []
    groups: dict[str, tuple[int, int]] = {}
    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        fixed = nxt is not None and nxt.numeric and tok.numeric
        kind = tok.kind
        if kind == "lit":
            rx.append(re.escape(tok.text))
            continue
        if kind in ("doy", "gmt"):
            raise PatternError(f"parsing {kind} fields is not modelled")
        if kind == "dow":
            rx.append("[A-Za-z]+")
            continue
        if kind == "year":
            if tok.count == 2 and not mysql:
                raise PatternError("parsing a two-digit Joda year (yy) is not modelled")
            part = r"(\d{2})" if tok.count == 2 else (r"(\d{4})" if fixed else r"(\d{1,4})")
        elif kind == "month" and tok.count >= 3:
            kind, part = "month_name", "([A-Za-z]+)"
        elif kind == "frac":
            part = rf"(\d{{{tok.count}}})" if fixed else r"(\d{1,9})"
        elif kind in NUMERIC:
            part = rf"(\d{{{max(tok.count, 2)}}})" if fixed else r"(\d{1,2})"
        elif kind == "ampm":
            part = "([AaPp][Mm])"
        elif kind in ("off_hhmm", "off_colon"):
            kind, part = "offset", r"(Z|[+-]\d{2}:?\d{2})"
        elif kind == "zone_id":
            part = r"([A-Za-z][A-Za-z0-9_/+\-]*)"
        else:  # pragma: no cover - every kind is listed above
            raise PatternError(f"parsing {kind} is not modelled")
        rx.append(part)
        groups[kind] = (len(groups) + 1, tok.count)
    regex = "^" + "".join(rx) + "$"

    def group(kind: str) -> str:
        return f"regexp_extract({value}, {q(regex)}, {groups[kind][0]})"

    def number(kind: str, default: str) -> str:
        return f"CAST({group(kind)} AS INTEGER)" if kind in groups else default

    year = number("year", "1970")
    if "year" in groups and groups["year"][1] == 2:       # MySQL %y: 1970..2069
        year = f"(CASE WHEN {year} < 70 THEN 2000 + {year} ELSE 1900 + {year} END)"
    month = number("month", "1")
    if "month_name" in groups:
        names = "[" + ", ".join(q(m) for m in MONTHS) + "]"
        month = (f"coalesce(nullif(list_position({names}, lower(left({group('month_name')}, 3))),"
                 f" 0), error('unknown month name'))")
    hour = number("hour24", "0")
    if "hour12" in groups:
        pm = f"(CASE WHEN upper({group('ampm')}) = 'PM' THEN 12 ELSE 0 END)" \
            if "ampm" in groups else "0"
        hour = f"({number('hour12', '0')} % 12 + {pm})"
    millis = (f"CAST(rpad(left({group('frac')}, 3), 3, '0') AS INTEGER)"
              if "frac" in groups else "0")
    naive = (f"CAST(printf('%04d-%02d-%02d %02d:%02d:%02d.%03d', {year}, {month}, "
             f"{number('day', '1')}, {hour}, {number('minute', '0')}, {number('second', '0')}, "
             f"{millis}) AS TIMESTAMP)")
    zone = None
    if "offset" in groups:
        zone = f"_tr_norm_offset({group('offset')})"
    elif "zone_id" in groups:
        zone = group("zone_id")
    return Parser(regex, naive, zone)
