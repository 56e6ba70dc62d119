"""Every place where sqlglot's own Trino -> DuckDB transpile silently drops or changes meaning,
pinned twice: what the plain transpile does (so a sqlglot upgrade that fixes or changes it is
noticed) and what the engine answers (Trino's answer). See python-deps.md §2."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest
import sqlglot

from generator.local.sql.engine import SqlEngine, SqlEngineError

NOW = datetime(2020, 5, 10, 12, 34, 56, 789123, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine():
    with SqlEngine() as eng:
        yield eng


@pytest.fixture(scope="module")
def plain_duck():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


def plain(sql: str) -> str:
    return sqlglot.transpile(sql, read="trino", write="duckdb")[0]


def plain_value(con, sql: str):
    return con.execute(f"SELECT CAST(({plain(sql)}) AS VARCHAR)").fetchall()[0][0]


def one(engine, sql: str):
    return engine.execute(sql, now=NOW).rows[0][0]


def test_from_unixtime_zone_is_dropped_by_sqlglot(engine):
    sql = "SELECT CAST(from_unixtime(0, 'Asia/Tokyo') AS varchar)"
    assert "Asia/Tokyo" not in plain(sql)
    assert one(engine, sql) == "1970-01-01 09:00:00.000 Asia/Tokyo"


def test_format_is_duckdb_format_with_braces(engine, plain_duck):
    sql = "SELECT format('%s-%s', 'a', 'b')"
    assert plain_value(plain_duck, sql) == "%s-%s"
    assert one(engine, sql) == "a-b"


def test_current_timestamp_precision_is_dropped_and_the_clock_is_the_wall_clock(engine):
    sql = "SELECT to_iso8601(current_timestamp(6))"
    assert plain(sql) == "SELECT TO_ISO8601(CURRENT_TIMESTAMP)"
    assert one(engine, sql) == "2020-05-10T12:34:56.789123Z"


def test_format_datetime_is_passed_through_and_missing_in_duckdb(engine, plain_duck):
    sql = "SELECT format_datetime(current_timestamp, 'yyyy-MM-dd')"
    with pytest.raises(duckdb.CatalogException):
        plain_duck.execute(plain(sql))
    assert one(engine, sql) == "2020-05-10"


def test_parse_datetime_gets_a_joda_pattern_as_strptime_format(engine):
    sql = "SELECT parse_datetime('2020-05-10 12:34', 'yyyy-MM-dd HH:mm')"
    assert "'yyyy-MM-dd HH:mm'" in plain(sql)
    assert one(engine, sql) == "2020-05-10 12:34:00.000 UTC"


def test_date_format_f_prints_microseconds_in_duckdb(engine, plain_duck):
    # Trino's %f prints six digits from millisecond precision
    sql = "SELECT date_format(TIMESTAMP '2020-05-10 12:34:56.789123', '%f')"
    assert plain_value(plain_duck, sql) == "789123"
    assert one(engine, sql) == "789000"


def test_slice_length_becomes_an_end_index(engine, plain_duck):
    sql = "SELECT slice(ARRAY[1, 2, 3, 4, 5], 2, 3)"
    assert plain_value(plain_duck, sql) == "[2, 3]"
    assert one(engine, sql) == [2, 3, 4]


def test_cast_of_a_varchar_to_json_parses_it_in_duckdb(engine, plain_duck):
    sql = "SELECT json_format(CAST('abc' AS JSON))"
    with pytest.raises(duckdb.Error):
        plain_duck.execute(plain(sql)).fetchall()
    assert one(engine, sql) == '"abc"'


def test_cast_of_a_timestamp_to_varchar_prints_duckdb_style(engine, plain_duck):
    sql = "SELECT CAST(TIMESTAMP '2020-05-10 12:34:56.789 UTC' AS varchar)"
    assert plain_value(plain_duck, sql) == "2020-05-10 12:34:56.789+00"
    assert one(engine, sql) == "2020-05-10 12:34:56.789 UTC"


def test_cast_of_a_double_to_bigint_rounds_half_to_even_in_duckdb(engine, plain_duck):
    sql = "SELECT CAST(2.5E0 AS bigint)"
    assert plain_value(plain_duck, sql) == "2"
    assert one(engine, sql) == 3


def test_from_iso8601_timestamp_is_a_lenient_cast_in_duckdb(engine, plain_duck):
    sql = "SELECT from_iso8601_timestamp('2020-05-11 11:15:05')"
    assert plain_value(plain_duck, sql) == "2020-05-11 11:15:05+00"
    with pytest.raises(SqlEngineError, match="Invalid format"):
        engine.execute(sql)


def test_to_iso8601_is_missing_in_duckdb(engine, plain_duck):
    sql = "SELECT to_iso8601(TIMESTAMP '2020-05-10 12:34:56.789 UTC')"
    with pytest.raises(duckdb.CatalogException):
        plain_duck.execute(plain(sql))
    assert one(engine, sql) == "2020-05-10T12:34:56.789Z"


def test_cast_of_json_to_varchar_keeps_quotes_in_duckdb(engine, plain_duck):
    sql = "SELECT CAST(json_extract(json_parse('{\"a\": \"x\"}'), '$.a') AS varchar)"
    assert plain_value(plain_duck, sql) == '"x"'
    assert one(engine, sql) == "x"


def test_td_functions_are_passed_through_unchanged_by_sqlglot(engine):
    sql = "SELECT TD_TIME_RANGE(time, TD_TIME_ADD(TD_SCHEDULED_TIME(), '-90d'), NULL) FROM t"
    assert plain(sql) == sql
    duck = engine.translate(sql, scheduled_time=1700000000, now=NOW, database="src")[0]
    assert "TD_SCHEDULED_TIME" not in duck and "1700000000" in duck and "src.t" in duck
