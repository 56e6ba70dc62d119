"""DuckDB macros (pure SQL, no Python UDFs) emulating TD's time UDFs and Trino functions.

Every macro is created TEMP on each connection, so a database file never stores them. The
session time zone is UTC, as TD's Trino session is. Behaviour and its sources:
``/work/shared/reference/td-functions.md`` (TD UDFs §1, Trino §2); the tests pin it.

Time zones, for TD UDFs (``_td_zone``): the abbreviations in ``TD_ZONE_ABBREVIATIONS``
(case-folded), IANA names (``Area/City``) passed through, numeric offsets; anything else is an
error rather than a guess (plain Java silently turns an unknown abbreviation into GMT).
"""

from __future__ import annotations

from .sql_patterns import q

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


def _case_map(var: str, mapping: dict[str, str]) -> str:
    whens = []
    for target in dict.fromkeys(mapping.values()):
        keys = ", ".join(q(k) for k, v in mapping.items() if v == target)
        whens.append(f"WHEN upper({var}) IN ({keys}) THEN {q(target)}")
    return " ".join(whens)


def _iso(group: int) -> str:
    return f"regexp_extract(s, {q(ISO8601_RX)}, {group})"


def _iso_default(group: int, default: str) -> str:
    return f"coalesce(nullif({_iso(group)}, ''), {q(default)})"


_ABBREVIATIONS = ", ".join(sorted(TD_ZONE_ABBREVIATIONS))

MACROS = f"""
SET TimeZone = 'UTC';

-- offsets: seconds east of UTC, printed +0900 / +09:00
CREATE OR REPLACE TEMP MACRO _off_hhmm(s) AS
  (CASE WHEN s < 0 THEN '-' ELSE '+' END) || lpad(CAST(abs(s) // 3600 AS VARCHAR), 2, '0')
  || lpad(CAST(abs(s) % 3600 // 60 AS VARCHAR), 2, '0');
CREATE OR REPLACE TEMP MACRO _off_colon(s) AS
  (CASE WHEN s < 0 THEN '-' ELSE '+' END) || lpad(CAST(abs(s) // 3600 AS VARCHAR), 2, '0')
  || ':' || lpad(CAST(abs(s) % 3600 // 60 AS VARCHAR), 2, '0');
-- offset of zone z (a DuckDB/ICU name) at instant i (TIMESTAMPTZ)
CREATE OR REPLACE TEMP MACRO _zone_offset(z, i) AS
  CAST((epoch_us(timezone(z, i)) - epoch_us(i)) // 1000000 AS BIGINT);

-- ---------------------------------------------------------------- TD UDFs (unix seconds)
CREATE OR REPLACE TEMP MACRO _td_zone(z) AS CASE
  WHEN z IS NULL THEN 'UTC'
  {_case_map('z', TD_ZONE_ABBREVIATIONS)}
  WHEN regexp_full_match(z, '[A-Za-z_]+(/[A-Za-z0-9_+-]+)+') THEN z
  WHEN regexp_full_match(z, '[+-][0-9]{{2}}:?[0-9]{{2}}') THEN 'GMT' || left(z, 3) || ':' || right(z, 2)
  ELSE error('time zone ''' || z || ''' is not modelled: use an IANA name (Area/City), '
             || 'an offset (+09:00) or one of {_ABBREVIATIONS}')
END;
-- local wall-clock TIMESTAMP of unix seconds t in zone z (normalised)
CREATE OR REPLACE TEMP MACRO _td_local(t, z) AS timezone(z, to_timestamp(t));
-- unix seconds of the local wall-clock TIMESTAMP l in zone z (normalised)
CREATE OR REPLACE TEMP MACRO _td_epoch(l, z) AS
  CAST(floor(epoch_us(timezone(z, l)) / 1000000.0) AS BIGINT);
CREATE OR REPLACE TEMP MACRO _td_local_offset(l, z) AS
  CAST((epoch_us(l) - epoch_us(timezone(z, l))) // 1000000 AS BIGINT);

CREATE OR REPLACE TEMP MACRO _td_parse(s, tz) AS CASE
  WHEN s IS NULL THEN NULL
  WHEN regexp_full_match(s, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}( [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}})?( [^ ]+)?')
  THEN _td_epoch(
    CAST(regexp_extract(s, '^([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}( [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}})?)', 1) AS TIMESTAMP),
    _td_zone(coalesce(nullif(regexp_extract(s,
      '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}(?: [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}})?(?: ([^ ]+))?$', 1), ''), tz)))
  ELSE error('TD_TIME_PARSE: ''' || s || ''' is not in a modelled format '
             || '(yyyy-MM-dd or yyyy-MM-dd HH:mm:ss, optionally followed by a zone)')
END;
CREATE OR REPLACE TEMP MACRO td_time_parse(s) AS _td_parse(s, 'UTC'),
  (s, tz) AS _td_parse(s, tz);

-- a time argument: unix seconds (integer, or an integer string), or a date/time string
CREATE OR REPLACE TEMP MACRO _td_time(v, tz) AS CASE
  WHEN v IS NULL THEN NULL
  WHEN typeof(v) = 'VARCHAR' THEN (CASE
    WHEN regexp_full_match(CAST(v AS VARCHAR), '-?[0-9]+') THEN TRY_CAST(CAST(v AS VARCHAR) AS BIGINT)
    ELSE _td_parse(CAST(v AS VARCHAR), tz) END)
  ELSE CAST(v AS BIGINT)
END;
CREATE OR REPLACE TEMP MACRO td_time_range(t, s) AS
  (s IS NULL OR t >= _td_time(s, 'UTC')),
  (t, s, e) AS (s IS NULL OR t >= _td_time(s, 'UTC')) AND (e IS NULL OR t < _td_time(e, 'UTC')),
  (t, s, e, tz) AS (s IS NULL OR t >= _td_time(s, tz)) AND (e IS NULL OR t < _td_time(e, tz));

CREATE OR REPLACE TEMP MACRO _td_add(t, d, tz) AS CASE
  WHEN t IS NULL OR d IS NULL THEN NULL
  WHEN NOT regexp_full_match(d, '-?[0-9]+[smhdw]')
  THEN error('TD_TIME_ADD: duration ''' || d || ''' is not modelled (an integer and one of s m h d w, e.g. -1d)')
  ELSE _td_time(t, tz) + CAST(regexp_extract(d, '^(-?[0-9]+)', 1) AS BIGINT) * (CASE right(d, 1)
    WHEN 's' THEN 1 WHEN 'm' THEN 60 WHEN 'h' THEN 3600 WHEN 'd' THEN 86400 ELSE 604800 END)
END;
CREATE OR REPLACE TEMP MACRO td_time_add(t, d) AS _td_add(t, d, 'UTC'),
  (t, d, tz) AS _td_add(t, d, tz);

-- TD_TIME_STRING codes: y q M w d h m s (start of the unit, with +hhmm), and their ! forms
CREATE OR REPLACE TEMP MACRO _td_unit(f) AS CASE left(f, 1)
  WHEN 'y' THEN 'year' WHEN 'q' THEN 'quarter' WHEN 'M' THEN 'month' WHEN 'w' THEN 'week'
  WHEN 'd' THEN 'day' WHEN 'h' THEN 'hour' WHEN 'm' THEN 'minute' ELSE 'second' END;
CREATE OR REPLACE TEMP MACRO _td_tstr(l, f, z) AS CASE
  WHEN l IS NULL OR f IS NULL THEN NULL
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
CREATE OR REPLACE TEMP MACRO td_time_string(t, f) AS _td_tstr(_td_local(t, 'UTC'), f, 'UTC'),
  (t, f, tz) AS _td_tstr(_td_local(t, _td_zone(tz)), f, _td_zone(tz));

CREATE OR REPLACE TEMP MACRO _td_trunc(u, t, z) AS CASE
  WHEN u IS NULL OR t IS NULL THEN NULL
  WHEN lower(u) NOT IN ('second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year')
  THEN error('TD_DATE_TRUNC: unit ''' || u || ''' is not modelled')
  ELSE _td_epoch(date_trunc(lower(u), _td_local(t, z)), z)
END;
CREATE OR REPLACE TEMP MACRO td_date_trunc(u, t) AS _td_trunc(u, t, 'UTC'),
  (u, t, tz) AS _td_trunc(u, t, _td_zone(tz));

-- TD_INTERVAL(time, '<n><unit>[/<offset>]', zone): a window aligned to unit boundaries in the
-- zone, anchored on the reference time (TD_SCHEDULED_TIME()). n < 0: [anchor + n, anchor),
-- n > 0: [anchor, anchor + n); offset: now (the window ends at the reference time), <m><unit>
-- (the anchor moves), or a date (the anchor is that date). Rule derived from td-skills'
-- examples; unconfirmed against TD.
CREATE OR REPLACE TEMP MACRO _td_iv(s) AS
  regexp_extract(s, '^(-?[0-9]+)([smhdwMqy])(?:/(.+))?$', ['n', 'u', 'o']);
CREATE OR REPLACE TEMP MACRO _td_iv_unit(u) AS CASE u
  WHEN 's' THEN 'second' WHEN 'm' THEN 'minute' WHEN 'h' THEN 'hour' WHEN 'd' THEN 'day'
  WHEN 'w' THEN 'week' WHEN 'M' THEN 'month' WHEN 'q' THEN 'quarter' ELSE 'year' END;
CREATE OR REPLACE TEMP MACRO _td_iv_step(u, n) AS CASE u
  WHEN 's' THEN to_seconds(CAST(n AS DOUBLE)) WHEN 'm' THEN to_minutes(n) WHEN 'h' THEN to_hours(n)
  WHEN 'd' THEN to_days(CAST(n AS INTEGER)) WHEN 'w' THEN to_weeks(CAST(n AS INTEGER))
  WHEN 'M' THEN to_months(CAST(n AS INTEGER)) WHEN 'q' THEN to_months(CAST(3 * n AS INTEGER))
  ELSE to_years(CAST(n AS INTEGER)) END;
CREATE OR REPLACE TEMP MACRO _td_iv_anchor(s, z, ref) AS CASE
  WHEN _td_iv(s).o IN ('', 'now') THEN date_trunc(_td_iv_unit(_td_iv(s).u), _td_local(ref, z))
  WHEN regexp_full_match(_td_iv(s).o, '-?[0-9]+[smhdwMqy]')
  THEN date_trunc(_td_iv_unit(_td_iv(s).u), _td_local(ref, z))
       + _td_iv_step(right(_td_iv(s).o, 1), CAST(regexp_extract(_td_iv(s).o, '^(-?[0-9]+)', 1) AS BIGINT))
  ELSE date_trunc(_td_iv_unit(_td_iv(s).u), _td_local(_td_parse(_td_iv(s).o, z), z))
END;
CREATE OR REPLACE TEMP MACRO _td_iv_lo(s, z, ref) AS CASE
  WHEN CAST(_td_iv(s).n AS BIGINT) < 0
  THEN _td_iv_anchor(s, z, ref) + _td_iv_step(_td_iv(s).u, CAST(_td_iv(s).n AS BIGINT))
  ELSE _td_iv_anchor(s, z, ref) END;
CREATE OR REPLACE TEMP MACRO _td_iv_hi(s, z, ref) AS CASE
  WHEN _td_iv(s).o = 'now' THEN _td_local(ref, z)
  WHEN CAST(_td_iv(s).n AS BIGINT) < 0 THEN _td_iv_anchor(s, z, ref)
  ELSE _td_iv_anchor(s, z, ref) + _td_iv_step(_td_iv(s).u, CAST(_td_iv(s).n AS BIGINT)) END;
CREATE OR REPLACE TEMP MACRO _td_interval(t, s, z, ref) AS CASE
  WHEN s IS NULL OR t IS NULL THEN NULL
  WHEN NOT regexp_full_match(s, '-?[0-9]+[smhdwMqy](/.+)?')
  THEN error('TD_INTERVAL: interval ''' || s || ''' is not modelled (<n><unit>[/offset], unit one of s m h d w M q y)')
  ELSE t >= _td_epoch(_td_iv_lo(s, z, ref), z) AND t < _td_epoch(_td_iv_hi(s, z, ref), z)
END;

-- ---------------------------------------------------------------- Trino functions
CREATE OR REPLACE TEMP MACRO _tr_zone(z) AS CASE
  WHEN z IS NULL THEN NULL
  WHEN upper(z) IN ({", ".join(q(z) for z in _TRINO_UTC)}) THEN 'UTC'
  WHEN regexp_full_match(z, '[+-][0-9]{{2}}:[0-9]{{2}}') THEN 'GMT' || z
  ELSE z
END;
-- the zone id Trino prints (ZZZ, CAST AS varchar): UTC-equivalents print as UTC
CREATE OR REPLACE TEMP MACRO _tr_zone_id(z) AS CASE WHEN _tr_zone(z) = 'UTC' THEN 'UTC' ELSE z END;
CREATE OR REPLACE TEMP MACRO _tr_norm_offset(o) AS CASE
  WHEN o IS NULL OR o IN ('', 'Z') THEN 'UTC'
  WHEN length(o) = 3 THEN o || ':00'
  WHEN length(o) = 5 THEN left(o, 3) || ':' || right(o, 2)
  ELSE o
END;
-- Trino rounds timestamps above millisecond precision to millis before Joda formats them
CREATE OR REPLACE TEMP MACRO _tr_round_ms(i) AS
  make_timestamptz(CAST(floor((epoch_us(i) + 500) / 1000.0) AS BIGINT) * 1000);

-- round to p fraction digits (half up), as Trino's CAST to a lower precision does
CREATE OR REPLACE TEMP MACRO _tr_round_tz(i, p) AS make_timestamptz(
  CAST(floor((epoch_us(i) + pow(10, 6 - p) / 2) / pow(10, 6 - p)) AS BIGINT) * CAST(pow(10, 6 - p) AS BIGINT));
CREATE OR REPLACE TEMP MACRO _tr_round_naive(l, p) AS make_timestamp(
  CAST(floor((epoch_us(l) + pow(10, 6 - p) / 2) / pow(10, 6 - p)) AS BIGINT) * CAST(pow(10, 6 - p) AS BIGINT));

CREATE OR REPLACE TEMP MACRO _tr_from_iso8601(s) AS CASE
  WHEN s IS NULL THEN NULL
  WHEN NOT regexp_full_match(s, {q(ISO8601_RX)})
  THEN error('Invalid format: "' || s || '" (from_iso8601_timestamp)')
  ELSE timezone(_tr_zone(_tr_norm_offset({_iso(8)})), CAST(
    {_iso(1)} || '-' || {_iso_default(2, '01')} || '-' || {_iso_default(3, '01')} || ' '
    || {_iso_default(4, '00')} || ':' || {_iso_default(5, '00')} || ':' || {_iso_default(6, '00')}
    || '.' || rpad(left({_iso(7)}, 3), 3, '0') AS TIMESTAMP))
END;
CREATE OR REPLACE TEMP MACRO _tr_iso8601_zone(s) AS _tr_norm_offset({_iso(8)});

CREATE OR REPLACE TEMP MACRO _tr_from_unixtime(x) AS
  make_timestamptz(CAST(floor(x * 1000.0 + 0.5) AS BIGINT) * 1000);
CREATE OR REPLACE TEMP MACRO _tr_hm_zone(h, m) AS
  _off_colon(CAST(h AS BIGINT) * 3600 + CAST(m AS BIGINT) * 60);

-- fraction digits of a local TIMESTAMP: exactly p of them, none (and no dot) when p = 0
CREATE OR REPLACE TEMP MACRO _tr_frac(l, p) AS CASE WHEN p = 0 THEN ''
  WHEN p <= 6 THEN '.' || left(strftime(l, '%f'), p)
  ELSE '.' || strftime(l, '%f') || repeat('0', p - 6) END;
-- precision of a value whose type is not known statically: 3, or 6 if it has micros
CREATE OR REPLACE TEMP MACRO _tr_guess_p(i) AS CASE WHEN epoch_us(i) % 1000 = 0 THEN 3 ELSE 6 END;

-- CAST(x AS varchar) when the type of x is known only at run time
CREATE OR REPLACE TEMP MACRO _tr_varchar(x) AS CASE typeof(x)
  WHEN 'TIMESTAMP WITH TIME ZONE' THEN
    strftime(timezone('UTC', TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMPTZ)), '%Y-%m-%d %H:%M:%S')
    || _tr_frac(timezone('UTC', TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMPTZ)),
                _tr_guess_p(TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMPTZ))) || ' UTC'
  WHEN 'TIMESTAMP' THEN
    strftime(TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMP), '%Y-%m-%d %H:%M:%S')
    || _tr_frac(TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMP), _tr_guess_p(TRY_CAST(CAST(x AS VARCHAR) AS TIMESTAMP)))
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
  WHEN a IS NULL OR s IS NULL OR n IS NULL THEN NULL
  WHEN s = 0 THEN error('SQL array indices start at 1')
  WHEN n < 0 THEN error('length must be greater than or equal to 0')
  WHEN s > 0 THEN list_slice(a, s, s + n - 1)
  WHEN len(a) + s < 0 THEN list_slice(a, 1, 0)
  ELSE list_slice(a, len(a) + s + 1, len(a) + s + n)
END;
"""
