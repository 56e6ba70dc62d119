"""TD's time UDFs on the local SQL engine, pinned to the examples of
/work/shared/reference/td-functions.md §1 (tags: [doc] TD document, [3p] third party quoting
TD's docs, [calc] worked out from the documented rules). Examples the reference marks
unconfirmed upstream say so in a comment: they pin this emulation's choice, not TD's."""

from __future__ import annotations

import pytest

from generator.local.sql.engine import SqlEngine, SqlEngineError


@pytest.fixture(scope="module")
def engine():
    with SqlEngine() as eng:
        yield eng


def one(engine, expr: str, **kw):
    return engine.execute(f"SELECT {expr}", **kw).rows[0][0]


def in_range(engine, times: list[int], *bounds: str, **kw) -> list[bool]:
    values = ", ".join(f"({t})" for t in times)
    sql = (f"SELECT TD_TIME_RANGE(t, {', '.join(bounds)}) FROM (VALUES {values}) AS v (t) "
           "ORDER BY t")
    return [row[0] for row in engine.execute(sql, **kw).rows]


# --- TD_TIME_RANGE (§1.1) --------------------------------------------------------------------

def test_range_string_bounds_in_jst_are_half_open(engine):
    # [3p] KamekoKameKame; epochs [calc]: 1420038000 <= time < 1422716400
    assert in_range(engine, [1420037999, 1420038000, 1422716399, 1422716400],
                    "'2015-01-01'", "'2015-02-01'", "'JST'") == [False, True, True, False]


def test_range_integer_bounds_ignore_the_zone(engine):
    # [3p] AkiQ: 2021-01-01 00:00 JST <= time < 2021-03-31 00:00 JST (the zone does not apply
    # to integers: unconfirmed upstream, inferred from the semantics)
    assert in_range(engine, [1609426799, 1609426800, 1617116399, 1617116400],
                    "1609426800", "1617116400", "'JST'") == [False, True, True, False]


def test_range_datetime_string_bounds(engine):
    # [3p] AkiQ; 2021-03-01 09:00 JST = 1614556800, 2021-03-22 18:00 JST = 1616403600 [calc]
    assert in_range(engine, [1614556799, 1614556800, 1616403599, 1616403600],
                    "'2021-03-01 09:00:00'", "'2021-03-22 18:00:00'", "'JST'") \
        == [False, True, True, False]


def test_range_null_start_has_no_lower_bound(engine):
    # [3p] AkiQ [calc]: time < 1609426800
    assert in_range(engine, [0, 1609426799, 1609426800],
                    "NULL", "'2021-01-01'", "'JST'") == [True, True, False]


def test_range_null_end_has_no_upper_bound(engine):
    # [3p] AkiQ [calc]: time >= 1609426800
    assert in_range(engine, [1609426799, 1609426800, 4102444800],
                    "'2021-01-01'", "NULL", "'JST'") == [False, True, True]


def test_range_two_arguments_with_the_zone_in_the_string(engine):
    # [3p] AkiQ, dich1: end omitted = open-ended; the zone inside the start string applies
    assert in_range(engine, [1609426799, 1609426800, 4102444800],
                    "'2021-01-01 JST'") == [False, True, True]


def test_range_excludes_the_end_unlike_between(engine):
    # [3p] note.com/smkt_interview: 06-23, 06-24, 06-25 JST -> true, true, false
    assert in_range(engine, [1592838000, 1592924400, 1593010800],
                    "'2020-06-23'", "'2020-06-25'", "'JST'") == [True, True, False]


def test_range_of_the_24_hours_before_the_scheduled_time(engine):
    # [3p] KamekoKameKame/3db8...: TD_TIME_ADD(TD_SCHEDULED_TIME(), '-1d') .. TD_SCHEDULED_TIME()
    scheduled = 1616392800
    assert in_range(engine, [scheduled - 86401, scheduled - 86400, scheduled - 1, scheduled],
                    "TD_TIME_ADD(TD_SCHEDULED_TIME(), '-1d')", "TD_SCHEDULED_TIME()", "'JST'",
                    scheduled_time=scheduled) == [False, True, True, False]


def test_range_zone_in_the_end_slot_is_refused(engine):
    # [3p] dich1 marks TD_TIME_RANGE(time, '2019-01-01', 'PDT') as invalid (NG)
    with pytest.raises(SqlEngineError, match="third argument is the end bound"):
        engine.execute("SELECT TD_TIME_RANGE(1, '2019-01-01', 'PDT')")


def test_range_zone_in_the_start_string_wins_over_the_argument(engine):
    # [3p] dich1: a zone inside the string overrides the zone argument
    # 2019-01-01 00:00 PST = 1546329600
    assert in_range(engine, [1546329599, 1546329600], "'2019-01-01 PDT'", "NULL", "'JST'") \
        == [False, True]


# --- TD_TIME_PARSE (§1.2) --------------------------------------------------------------------

@pytest.mark.parametrize(("expr", "expected"), [
    ("TD_TIME_PARSE('2015-01-01', 'JST')", 1420038000),            # [3p] + [calc]
    ("TD_TIME_PARSE('2015-01-01 15:25:26', 'JST')", 1420093526),   # [3p] + [calc]
    ("TD_TIME_PARSE('2015-01-01', 'UTC')", 1420070400),            # [doc] td-client-java test
    ("TD_TIME_PARSE('2015-02-01', 'UTC')", 1422748800),            # [doc] td-client-java test
    ("TD_TIME_PARSE('2015-01-01')", 1420070400),                   # default zone UTC [3p]
    ("TD_TIME_PARSE('2019-01-01 PDT', 'JST')", 1546329600),        # zone in string wins [3p]
    ("TD_TIME_PARSE('2015-01-01 00:00:00 jst')", 1420038000),      # case-folded abbreviation
    ("TD_TIME_PARSE('2015-01-01', 'Asia/Tokyo')", 1420038000),     # IANA pass-through [doc]
    ("TD_TIME_PARSE(CAST(NULL AS varchar))", None),                # NULL in, NULL out (unconfirmed)
])
def test_time_parse(engine, expr, expected):
    assert one(engine, expr) == expected


@pytest.mark.parametrize("text", ["2023/01/05", "2022-1-01 00:00", "2015-01-01T00:00:00Z"])
def test_time_parse_of_unconfirmed_shapes_is_an_error_not_a_guess(engine, text):
    # td-functions.md §1.2: slashes, one-digit fields, ISO 'T' are unconfirmed on TD
    with pytest.raises(SqlEngineError, match="not in a modelled format"):
        engine.execute(f"SELECT TD_TIME_PARSE('{text}')")


def test_unknown_zone_abbreviation_is_an_error(engine):
    # plain Java turns 'EST5' or a typo into GMT silently; the engine refuses
    with pytest.raises(SqlEngineError, match="time zone 'XST' is not modelled"):
        engine.execute("SELECT TD_TIME_PARSE('2015-01-01', 'XST')")


# --- TD_TIME_STRING (§1.3) -------------------------------------------------------------------

# The instant of TD's official table, 2018-09-13 16:45:34 +07:00 = 1536831934 [calc], in a
# +07:00 zone. Codes q, m, w, w! carry values the reference marks unconfirmed (w: Monday).
@pytest.mark.parametrize(("code", "expected"), [
    ("y", "2018-01-01 00:00:00+0700"),
    ("q", "2018-07-01 00:00:00+0700"),     # unconfirmed upstream (shape by analogy)
    ("M", "2018-09-01 00:00:00+0700"),
    ("w", "2018-09-10 00:00:00+0700"),     # unconfirmed upstream (weeks start Monday)
    ("d", "2018-09-13 00:00:00+0700"),
    ("h", "2018-09-13 16:00:00+0700"),
    ("m", "2018-09-13 16:45:00+0700"),     # unconfirmed upstream (by analogy)
    ("s", "2018-09-13 16:45:34+0700"),
    ("y!", "2018"),
    ("q!", "2018-07"),
    ("M!", "2018-09"),
    ("w!", "2018-09-10"),                  # unconfirmed upstream (Monday)
    ("d!", "2018-09-13"),
    ("h!", "2018-09-13 16"),
    ("m!", "2018-09-13 16:45"),
    ("s!", "2018-09-13 16:45:34"),
])
def test_time_string_codes(engine, code, expected):
    # [doc] td-skills trino/time-filtering SKILL.md (shapes and values)
    assert one(engine, f"TD_TIME_STRING(1536831934, '{code}', '+07:00')") == expected


@pytest.mark.parametrize(("code", "zone", "expected"), [
    # [calc] vector set for 1536857134 (2018-09-13 16:45:34 UTC)
    ("y!", "UTC", "2018"), ("M!", "UTC", "2018-09"), ("d!", "UTC", "2018-09-13"),
    ("h!", "UTC", "2018-09-13 16"), ("m!", "UTC", "2018-09-13 16:45"),
    ("s!", "UTC", "2018-09-13 16:45:34"), ("s", "UTC", "2018-09-13 16:45:34+0000"),
    ("d", "UTC", "2018-09-13 00:00:00+0000"),
    ("d!", "JST", "2018-09-14"), ("h!", "JST", "2018-09-14 01"),
    ("d", "JST", "2018-09-14 00:00:00+0900"),
])
def test_time_string_vectors(engine, code, zone, expected):
    assert one(engine, f"TD_TIME_STRING(1536857134, '{code}', '{zone}')") == expected


def test_time_string_default_zone_is_utc_and_d_bang_with_lowercase_jst(engine):
    assert one(engine, "TD_TIME_STRING(1536857134, 's')") == "2018-09-13 16:45:34+0000"
    assert one(engine, "td_time_string(1536857134, 'd!', 'jst')") == "2018-09-14"


def test_time_string_offset_follows_daylight_saving(engine):
    # America/Los_Angeles: the day's midnight is in PDT (-0700) in July, PST (-0800) in January
    assert one(engine, "TD_TIME_STRING(1531000000, 'd', 'PDT')") == "2018-07-07 00:00:00-0700"
    assert one(engine, "TD_TIME_STRING(1515000000, 'd', 'PST')") == "2018-01-03 00:00:00-0800"


def test_time_string_unknown_code_is_an_error(engine):
    with pytest.raises(SqlEngineError, match="format 'yyyy' is not one of"):
        engine.execute("SELECT TD_TIME_STRING(0, 'yyyy')")


# --- TD_TIME_FORMAT (§1.4) -------------------------------------------------------------------

@pytest.mark.parametrize(("expr", "expected"), [
    # [3p] KamekoKameKame (Hive-era: z printed as a fixed offset)
    ("TD_TIME_FORMAT(1412382292, 'yyyy-MM-dd HH:mm:ss z', 'JST')", "2014-10-04 09:24:52 GMT+09:00"),
    ("TD_TIME_FORMAT(1412382292, 'MMMM d yyyy EEEE', 'JST')", "October 4 2014 Saturday"),
    # [3p] doryokujin: 2018-01-01 00:00 JST = 1514732400
    ("TD_TIME_FORMAT(1514732400, 'yyyy-MM-dd', 'JST')", "2018-01-01"),
    ("TD_TIME_FORMAT(1514732400, 'yyyy-MM-dd HH:mm:ss', 'JST')", "2018-01-01 00:00:00"),
    # [calc]
    ("TD_TIME_FORMAT(1640962800, 'yyyy-MM-dd HH:mm:ss', 'JST')", "2022-01-01 00:00:00"),
    # Z is +0900 [local, Java semantics]; the default zone is UTC
    ("TD_TIME_FORMAT(1412382292, 'yyyy-MM-dd''T''HH:mm:ssZ', 'JST')", "2014-10-04T09:24:52+0900"),
    ("TD_TIME_FORMAT(1412382292, 'yyyy/MM/dd HH:mm')", "2014/10/04 00:24"),
    ("TD_TIME_FORMAT(1412382292, 'EEE MMM d h:mm a yy', 'JST')", "Sat Oct 4 9:24 AM 14"),
    ("TD_TIME_FORMAT(CAST(NULL AS bigint), 'yyyy')", None),
])
def test_time_format(engine, expr, expected):
    assert one(engine, expr) == expected


def test_time_format_refuses_letters_that_differ_between_java_and_joda(engine):
    # td-functions.md §1.4: Y is week-year in SimpleDateFormat, year-of-era in Joda
    with pytest.raises(SqlEngineError, match="week-year"):
        engine.execute("SELECT TD_TIME_FORMAT(0, 'YYYY')")
    with pytest.raises(SqlEngineError, match="must be a string literal"):
        engine.execute("SELECT TD_TIME_FORMAT(0, p) FROM (VALUES ('yyyy')) AS v (p)")


# --- TD_TIME_ADD (§1.5) ----------------------------------------------------------------------

@pytest.mark.parametrize(("expr", "expected"), [
    ("TD_TIME_ADD('2013-01-01', '1d', 'JST')", 1357052400),   # [3p] pattern, [calc] value
    ("TD_TIME_ADD(1420070400, '-1h')", 1420066800),           # [calc]
    ("TD_TIME_ADD(1420070400, '-30d')", 1420070400 - 30 * 86400),
    ("TD_TIME_ADD(1420070400, '48h')", 1420070400 + 48 * 3600),
    ("TD_TIME_ADD(1420070400, '-90m')", 1420070400 - 5400),
    ("TD_TIME_ADD(1420070400, '90s')", 1420070490),
    ("TD_TIME_ADD(1420070400, '-12w')", 1420070400 - 12 * 604800),   # w: used in production
    ("TD_TIME_ADD(1420070400, '-0d')", 1420070400),                  # '-0d' seen in real SQL
    ("TD_TIME_ADD('2013-01-01 07:00:00', '0s')", 1357023600),
])
def test_time_add(engine, expr, expected):
    assert one(engine, expr) == expected


def test_time_add_to_the_scheduled_time(engine):
    # [3p] KamekoKameKame/3db8; [doc] td-skills: scheduled time minus 86400
    assert one(engine, "TD_TIME_ADD(TD_SCHEDULED_TIME(), '-1d')", scheduled_time=1616388240) \
        == 1616388240 - 86400


@pytest.mark.parametrize("duration", ["1M", "1y", "1d2h", "+1d", "1 d"])
def test_time_add_of_unmodelled_durations_is_an_error(engine, duration):
    # months and years are not supported by TD [3p]; compound and '+' forms are unconfirmed
    with pytest.raises(SqlEngineError, match="is not modelled"):
        engine.execute(f"SELECT TD_TIME_ADD(0, '{duration}')")


# --- TD_SCHEDULED_TIME (§1.6) ----------------------------------------------------------------

@pytest.mark.parametrize(("scheduled", "local"), [
    (1616388240, "2021-03-22 13:44:00"),   # [3p] AkiQ, cron 44 * * * *, [calc]
    (1616392800, "2021-03-22 15:00:00"),   # [3p] AkiQ, hourly, [calc]
])
def test_scheduled_time_is_the_injected_constant(engine, scheduled, local):
    result = engine.execute("SELECT TD_SCHEDULED_TIME() AS t, TD_TIME_FORMAT(TD_SCHEDULED_TIME(), "
                            "'yyyy-MM-dd HH:mm:ss', 'JST') AS local", scheduled_time=scheduled)
    assert result.first_row_dict() == {"t": scheduled, "local": local}


def test_scheduled_time_defaults_to_now(engine):
    from datetime import UTC, datetime

    now = datetime(2021, 3, 22, 6, 0, 0, 999000, tzinfo=UTC)
    assert one(engine, "TD_SCHEDULED_TIME()", now=now) == 1616392800


# --- TD_DATE_TRUNC (§1.7) --------------------------------------------------------------------

@pytest.mark.parametrize(("expr", "expected"), [
    # 1640962800 is Saturday 2022-01-01 00:00 JST [calc]
    ("TD_DATE_TRUNC('week', 1640962800, 'JST')", 1640530800),   # unconfirmed upstream: Monday
    ("TD_DATE_TRUNC('day', 1640962800, 'JST')", 1640962800),
    ("TD_DATE_TRUNC('month', 1640962800, 'JST')", 1640962800),
    ("TD_DATE_TRUNC('year', 1640962800, 'JST')", 1640962800),
    ("TD_DATE_TRUNC('hour', 1640962800 + 3599, 'JST')", 1640962800),
    ("TD_DATE_TRUNC('minute', 1640962859)", 1640962800),
    ("TD_DATE_TRUNC('day', 1640962800)", 1640908800),           # UTC by default
])
def test_date_trunc(engine, expr, expected):
    assert one(engine, expr) == expected


def test_date_trunc_equals_the_parse_of_format_idiom(engine):
    # [3p] KamekoKameKame: TD_DATE_TRUNC replaces TD_TIME_PARSE(TD_TIME_FORMAT(t, pattern, tz), tz)
    t = 1640962800 + 12345
    assert one(engine, f"TD_DATE_TRUNC('day', {t}, 'JST')") == one(
        engine, f"TD_TIME_PARSE(TD_TIME_FORMAT({t}, 'yyyy-MM-dd', 'JST'), 'JST')")


# --- TD_INTERVAL (§1.8) ----------------------------------------------------------------------

REF = 1760529600        # 2025-10-15 12:00:00 UTC, a Wednesday
DAY = 86400


def window(engine, interval: str, zone: str = "UTC") -> tuple[int, int]:
    """[first, last] hour boundary for which TD_INTERVAL is true, over hourly probes."""
    sql = (f"SELECT min(t), max(t) FROM (SELECT range AS t FROM range({REF - 400 * DAY}, "
           f"{REF + 40 * DAY}, 3600)) AS p WHERE TD_INTERVAL(t, '{interval}', '{zone}')")
    return tuple(engine.execute(sql, scheduled_time=REF).rows[0])


# [doc] td-skills time-filtering SKILL.md; the window rule (which bound is inclusive, what an
# offset moves) is this emulation's reading of those examples: unconfirmed upstream.
@pytest.mark.parametrize(("interval", "first", "last"), [
    ("-1d", REF - 12 * 3600 - DAY, REF - 12 * 3600 - 3600),             # yesterday
    ("1d", REF - 12 * 3600, REF + 12 * 3600 - 3600),                    # today
    ("-7d", REF - 12 * 3600 - 7 * DAY, REF - 12 * 3600 - 3600),         # 7 days before today
    ("-1w", 1759708800, 1759708800 + 7 * DAY - 3600),                   # previous Mon..Sun
    ("-1M", 1756684800, 1759276800 - 3600),                             # September 2025
    ("-1h", REF - 3600, REF - 3600),                                    # previous hour
    ("-1d/2025-10-01", 1759190400, 1759276800 - 3600),                  # 2025-09-30
    ("-1d/-7d", REF - 12 * 3600 - 8 * DAY, REF - 12 * 3600 - 7 * DAY - 3600),  # 8 days ago
    ("-1M/-2M", 1751328000, 1754006400 - 3600),                         # July 2025
    ("-1d/now", REF - 12 * 3600 - DAY, REF - 3600),                     # yesterday up to now
    ("0d/now", REF - 12 * 3600, REF - 3600),                            # today so far
    ("0M/now", 1759276800, REF - 3600),                                 # this month so far
    ("-1M/0M", 1756684800, 1759276800 - 3600),                          # previous month
])
def test_interval(engine, interval, first, last):
    assert window(engine, interval) == (first, last)


def test_interval_in_jst_aligns_days_to_jst_midnight(engine):
    # REF is 2025-10-15 21:00 JST; yesterday in JST is 2025-10-14 00:00..24:00 JST
    assert window(engine, "-1d", "JST") == (1760367600, 1760367600 + DAY - 3600)


# --- arguments known only at run time -----------------------------------------------------------

# Literal arguments are translated while rewriting; the same calls with the arguments in
# columns go through the run-time macros. Both must agree.
@pytest.mark.parametrize("call", [
    "TD_TIME_STRING({t}, {code}, {zone})",
    "TD_TIME_STRING({t}, {bang}, {zone})",
    "TD_DATE_TRUNC({unit}, {t}, {zone})",
    "TD_TIME_ADD({t}, {duration}, {zone})",
    "TD_TIME_ADD({day}, {duration}, {zone})",
    "TD_TIME_PARSE({day}, {zone})",
    "TD_TIME_RANGE({t}, {day}, {t2}, {zone})",
    "TD_TIME_RANGE({t}, {start}, NULL, {zone})",
    "TD_TIME_FORMAT({t}, 'yyyy-MM-dd HH:mm:ss Z', {zone})",
    "TD_INTERVAL({t}, {interval}, {zone})",
])
@pytest.mark.parametrize("row", [
    (1536831934, "d", "h!", "week", "-90m", "2018-09-13 12:00:00", 1536831935, "1536831934",
     "-1d/now", "jst"),
    (1536831934, "M", "q!", "month", "2w", "2018-09-13", 1536800000, "2018-09-13 16:45:34 PDT",
     "0M/now", "America/New_York"),
    (1536831934, "s", "s!", "quarter", "-0d", "2018-09-13 00:00:00 UTC", 1536900000, "0",
     "-1M/-2M", "+07:00"),
])
def test_run_time_arguments_agree_with_literals(engine, call, row):
    names = ("t", "code", "bang", "unit", "duration", "day", "t2", "start", "interval", "zone")
    values = dict(zip(names, row))

    def lit(v):
        return str(v) if isinstance(v, int) else "'" + v + "'"

    literal_sql = call.format(**{k: lit(v) for k, v in values.items()})
    column_sql = call.format(**{k: f"v.{k}" for k in names})
    table = ", ".join(lit(v) for v in row)
    ref = 1536900000
    expected = engine.execute(f"SELECT {literal_sql}", scheduled_time=ref).rows[0][0]
    got = engine.execute(f"SELECT {column_sql} FROM (VALUES ({table})) AS v ({', '.join(names)})",
                         scheduled_time=ref).rows[0][0]
    assert got == expected and expected is not None


def test_run_time_arguments_that_are_not_modelled_fail_when_read(engine):
    rows = "FROM (VALUES ('1M', 'XST', 'yyyy', 'fortnight', '1 d')) AS v (d, z, f, u, i)"
    for expr, message in [("TD_TIME_ADD(0, v.d)", "duration '1M'"),
                          ("TD_TIME_PARSE('2015-01-01', v.z)", "time zone 'XST'"),
                          ("TD_TIME_STRING(0, v.f)", "format 'yyyy'"),
                          ("TD_DATE_TRUNC(v.u, 0)", "unit 'fortnight'"),
                          ("TD_INTERVAL(0, v.i)", "interval '1 d'")]:
        with pytest.raises(SqlEngineError, match=message):
            engine.execute(f"SELECT {expr} {rows}")


def test_null_arguments_give_null(engine):
    row = engine.execute(
        "SELECT TD_TIME_STRING(t, 'd'), TD_TIME_ADD(t, '1d'), TD_DATE_TRUNC('day', t), "
        "TD_TIME_FORMAT(t, 'yyyy'), TD_TIME_PARSE(s), TD_TIME_ADD(0, s) "
        "FROM (VALUES (CAST(NULL AS bigint), CAST(NULL AS varchar))) AS v (t, s)").rows[0]
    assert row == (None,) * 6
