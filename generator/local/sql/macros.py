"""DuckDB macros (pure SQL, no Python UDFs) emulating TD's time UDFs and Trino functions.

Every macro is created TEMP on each connection, so a database file never stores them. The
session time zone is UTC, as TD's Trino session is. Behaviour and its sources:
``/work/shared/reference/td-functions.md`` (TD UDFs §1, Trino §2); the tests pin it.

Time zones, for TD UDFs (``_td_zone``, ``td_zone``): the abbreviations in
``TD_ZONE_ABBREVIATIONS`` (case-folded), IANA names (``Area/City``) passed through, numeric
offsets; anything else is an error rather than a guess (plain Java silently turns an unknown
abbreviation into GMT).

Macros are expanded inline, so a parameter used n times copies its argument n times: these
macros use each parameter as few times as they can, and the rewriter passes literal zones
already normalised (``td_zone``, ``trino_zone``) and translates literal codes directly.
"""

from __future__ import annotations

import re

from .patterns import q

# TD accepts zone abbreviations; how TD maps them is unconfirmed, so only unambiguous ones
# are modelled (td-functions.md §1.0 recommends exactly this explicit, case-folded map).
TD_ZONE_ABBREVIATIONS = {
    "UTC": "UTC", "GMT": "UTC", "UT": "UTC", "Z": "UTC",
    "JST": "Asia/Tokyo", "KST": "Asia/Seoul",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
}

# Trino's TimeZoneKey treats these as UTC (result zone id printed as "UTC").
_TRINO_UTC = ("UTC", "Z", "GMT", "UT", "UCT", "ZULU", "ETC/UTC", "ETC/GMT", "ETC/UCT",
              "ETC/ZULU", "ETC/UNIVERSAL", "UNIVERSAL", "+00:00", "-00:00")

# from_iso8601_timestamp: what Joda's ISODateTimeFormat.dateTimeParser() accepts, minus week
# and ordinal dates (not modelled). Groups: 1 year .. 6 second, 7 fraction, 8 offset.
ISO8601_RX = (r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})"
              r"(?:[.,](\d+))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$")
OFFSET_RX = r"^[+-][0-9]{2}:[0-9]{2}$"
_IANA_RX = r"[A-Za-z_]+(/[A-Za-z0-9_+-]+)+"
_ABBREVIATIONS = ", ".join(sorted(TD_ZONE_ABBREVIATIONS))
_NOT_MODELLED = (" is not modelled: use an IANA name (Area/City), an offset (+09:00) or one of "
                 + _ABBREVIATIONS)


def td_zone(text: str) -> str:
    """A TD zone argument, normalised as ``_td_zone`` does; ValueError when not modelled."""
    mapped = TD_ZONE_ABBREVIATIONS.get(text.upper())
    if mapped:
        return mapped
    if re.fullmatch(_IANA_RX, text):
        return text
    m = re.fullmatch(r"([+-]\d{2}):?(\d{2})", text)
    if m:
        return f"{m.group(1)}:{m.group(2)}"
    raise ValueError(f"time zone '{text}'{_NOT_MODELLED}")


def trino_zone(text: str) -> str:
    """A Trino zone name, normalised as ``_tr_zone`` does."""
    return "UTC" if text.upper() in _TRINO_UTC else text


def _iso(group: int) -> str:
    return f"regexp_extract(s, {q(ISO8601_RX)}, {group})"


def _iso_default(group: int, default: str) -> str:
    return f"coalesce(nullif({_iso(group)}, ''), {q(default)})"


def _list(items) -> str:
    return "[" + ", ".join(q(i) for i in items) + "]"


_DATE_RX = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME_RX = "[0-9]{2}:[0-9]{2}:[0-9]{2}"

MACROS = """
SET TimeZone = 'UTC';

-- offsets: seconds east of UTC, printed +0900 / +09:00
CREATE OR REPLACE TEMP MACRO _off_hhmm(s) AS printf('%+05d', (s // 3600) * 100 + (s % 3600) // 60);
CREATE OR REPLACE TEMP MACRO _off_colon(s) AS regexp_replace(_off_hhmm(s), '([0-9]{2})$', ':\\1');

-- A normalised zone is an ICU name (UTC, Asia/Tokyo) or a fixed offset +hh:mm, done with
-- arithmetic (older DuckDB releases lack ICU's GMT+hh:mm ids, and ICU binds a constant zone
-- eagerly, so it never sees an offset).
CREATE OR REPLACE TEMP MACRO _fixed(z) AS coalesce(TRY_CAST(
  ltrim(regexp_extract(z, '^([+-][0-9]{2}:[0-9]{2})$', 1), '+') || ':00' AS INTERVAL),
  INTERVAL 0 MINUTE);
-- the wall clock (TIMESTAMP) in zone z of the instant i (TIMESTAMPTZ), and back
CREATE OR REPLACE TEMP MACRO _local(z, i) AS timezone(regexp_replace(z, '@OFFSET@', 'UTC'), i) + _fixed(z);
CREATE OR REPLACE TEMP MACRO _instant(z, l) AS timezone(regexp_replace(z, '@OFFSET@', 'UTC'), l - _fixed(z));
-- offset in seconds of zone z at instant i
CREATE OR REPLACE TEMP MACRO _zone_offset(z, i) AS
  CAST((epoch_us(_local(z, i)) - epoch_us(i)) // 1000000 AS BIGINT);

-- ---------------------------------------------------------------- TD UDFs (unix seconds)
CREATE OR REPLACE TEMP MACRO _td_zone(z) AS CASE
  WHEN z IS NULL THEN 'UTC'
  ELSE coalesce(@VALUES@[list_position(@KEYS@, upper(z))], CASE
    WHEN regexp_full_match(z, '@IANA@|[+-][0-9]{2}:?[0-9]{2}')
    THEN regexp_replace(z, '^([+-][0-9]{2}):?([0-9]{2})$', '\\1:\\2')
    ELSE error('time zone ''' || z || '''@NOT_MODELLED@') END)
END;
-- local wall-clock TIMESTAMP of unix seconds t in zone z (normalised), and back
CREATE OR REPLACE TEMP MACRO _td_local(t, z) AS _local(z, to_timestamp(t));
CREATE OR REPLACE TEMP MACRO _td_epoch(l, z) AS
  CAST(floor(epoch_us(_instant(z, l)) / 1000000.0) AS BIGINT);
CREATE OR REPLACE TEMP MACRO _td_local_offset(l, z) AS
  CAST((epoch_us(l) - epoch_us(_instant(z, l))) // 1000000 AS BIGINT);

-- TD_TIME_PARSE: the zone in the string wins over tz (any spelling _td_zone takes)
CREATE OR REPLACE TEMP MACRO _td_parse(s, tz) AS CASE
  WHEN s IS NULL THEN NULL
  WHEN regexp_full_match(s, '@DATE@( @TIME@)?( [^ ]+)?')
  THEN _td_epoch(
    CAST(regexp_extract(s, '^(@DATE@( @TIME@)?)', 1) AS TIMESTAMP),
    _td_zone(coalesce(nullif(regexp_extract(s, '^@DATE@(?: @TIME@)?(?: ([^ ]+))?$', 1), ''), tz)))
  ELSE error('TD_TIME_PARSE: ''' || s || ''' is not in a modelled format '
             || '(yyyy-MM-dd or yyyy-MM-dd HH:mm:ss, optionally followed by a zone)')
END;

-- a time argument known only at run time: unix seconds (a number or an integer string), or
-- a date/time string
CREATE OR REPLACE TEMP MACRO _td_time(v, tz) AS CASE
  WHEN typeof(v) <> 'VARCHAR' THEN TRY_CAST(v AS BIGINT)
  WHEN regexp_full_match(CAST(v AS VARCHAR), '-?[0-9]+') THEN TRY_CAST(CAST(v AS VARCHAR) AS BIGINT)
  ELSE _td_parse(CAST(v AS VARCHAR), tz)
END;
-- TD_TIME_ADD's duration known only at run time, in seconds
CREATE OR REPLACE TEMP MACRO _td_duration(d) AS CASE
  WHEN d IS NULL THEN NULL
  WHEN regexp_full_match(d, '-?[0-9]+[smhdw]')
  THEN CAST(regexp_extract(d, '^(-?[0-9]+)', 1) AS BIGINT) * CAST(
    [1, 60, 3600, 86400, 604800][list_position(['s', 'm', 'h', 'd', 'w'], right(d, 1))] AS BIGINT)
  ELSE error('TD_TIME_ADD: duration ''' || d || ''' is not modelled (an integer and one of s m h d w, e.g. -1d)')
END;

-- TD_TIME_STRING with a code known only at run time (l: the local time, z: the zone)
CREATE OR REPLACE TEMP MACRO _td_unit(f) AS
  ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'][
    list_position(['y', 'q', 'M', 'w', 'd', 'h', 'm', 's'], left(f, 1))];
CREATE OR REPLACE TEMP MACRO _td_tstr(l, f, z) AS CASE
  WHEN f NOT IN ('y', 'q', 'M', 'w', 'd', 'h', 'm', 's', 'y!', 'q!', 'M!', 'w!', 'd!', 'h!', 'm!', 's!')
  THEN error('TD_TIME_STRING: format ''' || f || ''' is not one of y q M w d h m s (with or without !)')
  WHEN f = 'y!' THEN strftime(l, '%Y')
  WHEN f IN ('q!', 'M!') THEN strftime(date_trunc(_td_unit(f), l), '%Y-%m')
  WHEN f IN ('w!', 'd!') THEN strftime(date_trunc(_td_unit(f), l), '%Y-%m-%d')
  WHEN f = 'h!' THEN strftime(l, '%Y-%m-%d %H')
  WHEN f = 'm!' THEN strftime(l, '%Y-%m-%d %H:%M')
  WHEN f = 's!' THEN strftime(l, '%Y-%m-%d %H:%M:%S')
  ELSE strftime(date_trunc(_td_unit(f), l), '%Y-%m-%d %H:%M:%S')
       || _off_hhmm(_td_local_offset(date_trunc(_td_unit(f), l), z))
END;
-- TD_DATE_TRUNC with a unit known only at run time
CREATE OR REPLACE TEMP MACRO _td_trunc(u, t, z) AS CASE
  WHEN lower(u) NOT IN ('second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year')
  THEN error('TD_DATE_TRUNC: unit ''' || u || ''' is not modelled')
  ELSE _td_epoch(date_trunc(lower(u), _td_local(t, z)), z)
END;

-- TD_INTERVAL with an interval known only at run time; a literal interval is translated
-- directly (td.py) by the same rule.
CREATE OR REPLACE TEMP MACRO _td_iv(s) AS
  regexp_extract(s, '^(-?[0-9]+)([smhdwMqy])(?:/(.+))?$', ['n', 'u', 'o']);
CREATE OR REPLACE TEMP MACRO _td_iv_unit(u) AS
  ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'][
    list_position(['s', 'm', 'h', 'd', 'w', 'M', 'q', 'y'], u)];
CREATE OR REPLACE TEMP MACRO _td_iv_step(u, n) AS CASE u
  WHEN 's' THEN to_seconds(CAST(n AS DOUBLE)) WHEN 'm' THEN to_minutes(n) WHEN 'h' THEN to_hours(n)
  WHEN 'd' THEN to_days(CAST(n AS INTEGER)) WHEN 'w' THEN to_weeks(CAST(n AS INTEGER))
  WHEN 'M' THEN to_months(CAST(n AS INTEGER)) WHEN 'q' THEN to_months(CAST(3 * n AS INTEGER))
  ELSE to_years(CAST(n AS INTEGER)) END;
CREATE OR REPLACE TEMP MACRO _td_iv_anchor(p, z, ref) AS CASE
  WHEN p.o IN ('', 'now') THEN date_trunc(_td_iv_unit(p.u), _td_local(ref, z))
  WHEN regexp_full_match(p.o, '-?[0-9]+[smhdwMqy]')
  THEN date_trunc(_td_iv_unit(p.u), _td_local(ref, z))
       + _td_iv_step(right(p.o, 1), CAST(regexp_extract(p.o, '^(-?[0-9]+)', 1) AS BIGINT))
  ELSE date_trunc(_td_iv_unit(p.u), _td_local(_td_parse(p.o, z), z))
END;
CREATE OR REPLACE TEMP MACRO _td_iv_window(t, p, z, ref, a) AS
  t >= _td_epoch(CASE WHEN CAST(p.n AS BIGINT) < 0 THEN a + _td_iv_step(p.u, CAST(p.n AS BIGINT)) ELSE a END, z)
  AND t < _td_epoch(CASE WHEN p.o = 'now' THEN _td_local(ref, z) WHEN CAST(p.n AS BIGINT) < 0 THEN a
                         ELSE a + _td_iv_step(p.u, CAST(p.n AS BIGINT)) END, z);
CREATE OR REPLACE TEMP MACRO _td_interval(t, s, z, ref) AS CASE
  WHEN NOT regexp_full_match(s, '-?[0-9]+[smhdwMqy](/.+)?')
  THEN error('TD_INTERVAL: interval ''' || s || ''' is not modelled (<n><unit>[/offset], unit one of s m h d w M q y)')
  ELSE _td_iv_window(t, _td_iv(s), z, ref, _td_iv_anchor(_td_iv(s), z, ref))
END;

-- ---------------------------------------------------------------- Trino functions
CREATE OR REPLACE TEMP MACRO _tr_zone(z) AS CASE WHEN upper(z) IN (@TRINO_UTC@) THEN 'UTC' ELSE z END;
-- an ISO offset as a zone: '' and Z are UTC, +09 and +0900 become +09:00
CREATE OR REPLACE TEMP MACRO _tr_norm_offset(o) AS coalesce(nullif(regexp_replace(regexp_replace(
  regexp_replace(o, '^Z$', ''), '^([+-][0-9]{2})$', '\\1:00'),
  '^([+-][0-9]{2})([0-9]{2})$', '\\1:\\2'), ''), 'UTC');
-- Trino rounds timestamps above millisecond precision to millis before Joda formats them
CREATE OR REPLACE TEMP MACRO _tr_round_ms(i) AS
  make_timestamptz(CAST(floor((epoch_us(i) + 500) / 1000.0) AS BIGINT) * 1000);
-- round to p fraction digits (half up), as Trino's CAST to a lower precision does
CREATE OR REPLACE TEMP MACRO _tr_round_tz(i, p) AS make_timestamptz(
  CAST(floor((epoch_us(i) + pow(10, 6 - p) / 2) / pow(10, 6 - p)) AS BIGINT) * CAST(pow(10, 6 - p) AS BIGINT));
CREATE OR REPLACE TEMP MACRO _tr_round_naive(l, p) AS make_timestamp(
  CAST(floor((epoch_us(l) + pow(10, 6 - p) / 2) / pow(10, 6 - p)) AS BIGINT) * CAST(pow(10, 6 - p) AS BIGINT));

CREATE OR REPLACE TEMP MACRO _tr_from_iso8601(s) AS CASE
  WHEN NOT regexp_full_match(s, @ISO@)
  THEN error('Invalid format: "' || s || '" (from_iso8601_timestamp)')
  ELSE _instant(_tr_zone(_tr_norm_offset(@ISO8@)), CAST(@ISO_LOCAL@ AS TIMESTAMP))
END;
CREATE OR REPLACE TEMP MACRO _tr_iso8601_zone(s) AS _tr_norm_offset(@ISO8@);

CREATE OR REPLACE TEMP MACRO _tr_from_unixtime(x) AS
  make_timestamptz(CAST(floor(x * 1000.0 + 0.5) AS BIGINT) * 1000);
CREATE OR REPLACE TEMP MACRO _tr_hm_zone(h, m) AS
  _off_colon(CAST(h AS BIGINT) * 3600 + CAST(m AS BIGINT) * 60);

-- fraction digits of a local TIMESTAMP: exactly p of them, none (and no dot) when p = 0
CREATE OR REPLACE TEMP MACRO _tr_frac(l, p) AS CASE WHEN p = 0 THEN ''
  WHEN p <= 6 THEN '.' || left(strftime(l, '%f'), p)
  ELSE '.' || strftime(l, '%f') || repeat('0', p - 6) END;
-- a local TIMESTAMP whose precision is not known statically: 3 digits, or 6 with micros
CREATE OR REPLACE TEMP MACRO _tr_text(l) AS CASE WHEN epoch_us(l) % 1000 = 0
  THEN strftime(l, '%Y-%m-%d %H:%M:%S.%g') ELSE strftime(l, '%Y-%m-%d %H:%M:%S.%f') END;

-- CAST(x AS varchar) when the type of x is known only at run time
CREATE OR REPLACE TEMP MACRO _tr_varchar(x) AS CASE typeof(x)
  WHEN 'TIMESTAMP WITH TIME ZONE' THEN
    _tr_text(timezone('UTC', TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMPTZ))) || ' UTC'
  WHEN 'TIMESTAMP' THEN _tr_text(TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMP))
  WHEN 'DOUBLE' THEN error('CAST(double AS varchar) prints differently across Trino versions '
                           || '(1.0E2 or 100.0); not modelled: use format() or CAST to decimal')
  WHEN 'FLOAT' THEN error('CAST(real AS varchar) is not modelled')
  WHEN 'JSON' THEN json_extract_string(CAST(x AS VARCHAR), '$')
  ELSE CAST(x AS VARCHAR)
END;
-- to_iso8601(x) when the type of x is known only at run time (p = 3, session zone UTC)
CREATE OR REPLACE TEMP MACRO _tr_iso_any(x) AS CASE typeof(x)
  WHEN 'DATE' THEN CAST(x AS VARCHAR)
  WHEN 'TIMESTAMP WITH TIME ZONE' THEN
    strftime(timezone('UTC', TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMPTZ)), '%Y-%m-%dT%H:%M:%S.%g') || 'Z'
  WHEN 'TIMESTAMP' THEN strftime(TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g')
  ELSE error('to_iso8601: unsupported argument type ' || typeof(x))
END;
-- CAST(double AS bigint) rounds half away from zero in Trino (DuckDB: half to even)
CREATE OR REPLACE TEMP MACRO _tr_bigint(x) AS CASE
  WHEN typeof(x) IN ('DOUBLE', 'FLOAT') THEN CAST(round(TRY_CAST(x AS DOUBLE)) AS BIGINT)
  ELSE CAST(x AS BIGINT)
END;
CREATE OR REPLACE TEMP MACRO _tr_try_bigint(x) AS CASE
  WHEN typeof(x) IN ('DOUBLE', 'FLOAT') THEN TRY_CAST(round(TRY_CAST(x AS DOUBLE)) AS BIGINT)
  ELSE TRY_CAST(x AS BIGINT)
END;
-- slice(array, start, length): 1-based start, negative from the end
CREATE OR REPLACE TEMP MACRO _tr_slice(a, s, n) AS CASE
  WHEN s = 0 THEN error('SQL array indices start at 1')
  WHEN n < 0 THEN error('length must be greater than or equal to 0')
  WHEN s > 0 THEN list_slice(a, s, s + n - 1)
  WHEN len(a) + s < 0 THEN list_slice(a, 1, 0)
  ELSE list_slice(a, len(a) + s + 1, len(a) + s + n)
END;
"""

_ISO_LOCAL = (f"{_iso(1)} || '-' || {_iso_default(2, '01')} || '-' || {_iso_default(3, '01')}"
              f" || ' ' || {_iso_default(4, '00')} || ':' || {_iso_default(5, '00')} || ':' || "
              f"{_iso_default(6, '00')} || '.' || rpad(left({_iso(7)}, 3), 3, '0')")
for _key, _value in {
    "@OFFSET@": OFFSET_RX, "@IANA@": _IANA_RX, "@DATE@": _DATE_RX, "@TIME@": _TIME_RX,
    "@VALUES@": _list(TD_ZONE_ABBREVIATIONS.values()), "@KEYS@": _list(TD_ZONE_ABBREVIATIONS),
    "@NOT_MODELLED@": _NOT_MODELLED.replace("'", "''"),
    "@TRINO_UTC@": ", ".join(q(z) for z in _TRINO_UTC),
    "@ISO@": q(ISO8601_RX), "@ISO8@": _iso(8), "@ISO_LOCAL@": _ISO_LOCAL,
}.items():
    MACROS = MACROS.replace(_key, _value)
