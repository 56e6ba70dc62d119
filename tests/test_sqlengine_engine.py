"""The SQL engine's API: statements, results, the clock, TD databases and tables, errors."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from generator.local.sql.engine import QueryResult, SqlEngine, SqlEngineError
from tests.digdag_env import REPO

NOW = datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)


@pytest.fixture
def engine():
    with SqlEngine() as eng:
        yield eng


# --- results ---------------------------------------------------------------------------------

def test_first_row_dict():
    assert QueryResult(["a", "b"], [(1, "x"), (2, "y")]).first_row_dict() == {"a": 1, "b": "x"}
    assert QueryResult(["a"], []).first_row_dict() == {}


def test_column_names_are_trinos(engine):
    # Trino lower-cases names and calls unnamed expressions _col<position>
    result = engine.execute("SELECT 1 AS Foo, 'x', v.b, 2 + 3 FROM (VALUES (7)) AS v (b)")
    assert result.columns == ["foo", "_col1", "b", "_col3"]
    assert result.rows == [(1, "x", 7, 5)]


def test_python_values(engine):
    row = engine.execute("SELECT true AS b, 1.5E0 AS d, 2.25 AS dec, CAST(NULL AS varchar) AS n, "
                         "ARRAY['a', 'b'] AS arr, CAST(7 AS bigint) AS i").first_row_dict()
    assert row == {"b": True, "d": 1.5, "dec": 2.25, "n": None, "arr": ["a", "b"], "i": 7}
    assert all(type(v) in (bool, float, type(None), list, int) for v in row.values())


def test_timestamps_from_a_subquery_print_as_trino_prints_them(engine):
    rows = engine.execute("SELECT ts FROM (SELECT current_timestamp AS ts) AS s", now=NOW).rows
    assert rows == [("2024-02-29 23:59:59.999 UTC",)]


# --- statements ------------------------------------------------------------------------------

def test_statements_separated_by_semicolons_return_the_last_result(engine):
    sql = """-- a leading comment line
-- another
CREATE TABLE IF NOT EXISTS db1.t (s varchar, time bigint);
INSERT INTO db1.t (s, time) VALUES ('a;b', 1), ('--c', 2);  -- trailing comment
SELECT s FROM db1.t ORDER BY time;
"""
    result = engine.execute(sql)
    assert result.columns == ["s"] and result.rows == [("a;b",), ("--c",)]


def test_a_non_query_last_statement_returns_no_rows(engine):
    result = engine.execute("CREATE TABLE db1.u (time bigint); INSERT INTO db1.u VALUES (1)")
    assert result == QueryResult([], [])
    assert engine.table_rows("db1", "u") == [{"time": 1}]


def test_only_comments_is_an_error(engine):
    with pytest.raises(SqlEngineError, match="no SQL statement"):
        engine.execute("-- nothing\n;\n")


def test_database_qualifies_unqualified_tables_but_not_ctes(engine):
    engine.execute("CREATE TABLE t (time bigint); INSERT INTO t VALUES (5)", database="src")
    assert engine.table_rows("src", "t") == [{"time": 5}]
    result = engine.execute("WITH t AS (SELECT 9 AS time) SELECT time FROM t", database="src")
    assert result.rows == [(9,)]
    engine.database = "src"
    assert engine.execute("SELECT time FROM t").rows == [(5,)]


def test_td_databases_are_schemas_created_on_first_use(engine):
    engine.execute("CREATE TABLE IF NOT EXISTS brand_new.log (a varchar, time bigint)")
    assert engine.table_exists("brand_new", "log")
    assert engine.table_columns("brand_new", "log") == {"a": "VARCHAR", "time": "BIGINT"}
    rows = engine.execute("SELECT column_name FROM information_schema.columns WHERE "
                          "table_schema = 'brand_new' AND table_name = 'log' "
                          "ORDER BY ordinal_position").rows
    assert rows == [("a",), ("time",)]


# --- clock -----------------------------------------------------------------------------------

def test_clock_and_scheduled_time_are_the_callers(engine):
    row = engine.execute("SELECT to_iso8601(current_timestamp) AS now, TD_SCHEDULED_TIME() AS s, "
                         "CAST(to_unixtime(now()) AS bigint) AS u",
                         now=NOW, scheduled_time=1700000000).first_row_dict()
    assert row == {"now": "2024-02-29T23:59:59.999Z", "s": 1700000000, "u": 1709251200}


def test_an_aware_now_in_another_zone_is_converted_to_utc(engine):
    from datetime import timedelta, timezone

    tokyo = datetime(2024, 3, 1, 8, 59, 59, 999000, tzinfo=timezone(timedelta(hours=9)))
    assert engine.execute("SELECT to_iso8601(current_timestamp)", now=tokyo).rows == \
        [("2024-02-29T23:59:59.999Z",)]


# --- errors ----------------------------------------------------------------------------------

def test_parse_error_points_into_the_original_text(engine):
    sql = "SELECT 1;\n-- two\nSELECT (1 +\n"
    with pytest.raises(SqlEngineError) as info:
        engine.execute(sql)
    assert info.value.line == 3 and "cannot parse as Trino" in str(info.value)
    assert str(info.value).startswith("line 3, column")


def test_untranslatable_construct_points_at_it(engine):
    sql = "SELECT 1;\nSELECT\n  format_datetime(current_timestamp, 'yyyy z')"
    with pytest.raises(SqlEngineError) as info:
        engine.execute(sql)
    assert (info.value.line, info.value.column) == (3, 38)      # the pattern literal
    assert "not modelled by the local engine" in str(info.value)


def test_duckdb_error_names_the_statement_and_its_translation(engine):
    with pytest.raises(SqlEngineError) as info:
        engine.execute("SELECT 1;\n\n  SELECT no_such_function(1)")
    err = info.value
    assert (err.line, err.column) == (3, 3)
    assert "no_such_function" in str(err) and "run on DuckDB as" in str(err)


def test_missing_table_is_an_error(engine):
    with pytest.raises(SqlEngineError, match="nope"):
        engine.execute("SELECT * FROM db.nope")


# --- TD tables -------------------------------------------------------------------------------

def test_create_table_has_only_time_and_leaves_an_existing_table(engine):
    engine.create_table("src", "events")
    assert engine.table_columns("src", "events") == {"time": "BIGINT"}
    engine.append_rows("src", "events", [{"id": "a", "time": 1}])
    engine.create_table("src", "events")
    assert engine.table_rows("src", "events") == [{"time": 1, "id": "a"}]


def test_append_rows_adds_columns_by_python_type(engine):
    n = engine.append_rows("src", "t", [
        {"s": "x", "i": 1, "f": 1.5, "b": True, "arr": ["a", 1], "obj": {"k": "é"},
         "mixed": 1, "none": None, "time": 10},
        {"s": None, "i": 2, "f": 2, "b": False, "mixed": 2.5, "time": 11},
    ])
    assert n == 2
    assert engine.table_columns("src", "t") == {
        "time": "BIGINT", "s": "VARCHAR", "i": "BIGINT", "f": "DOUBLE", "b": "BOOLEAN",
        "arr": "VARCHAR", "obj": "VARCHAR", "mixed": "DOUBLE", "none": "VARCHAR"}
    assert engine.table_rows("src", "t") == [
        {"time": 10, "s": "x", "i": 1, "f": 1.5, "b": True, "arr": '["a",1]',
         "obj": '{"k":"é"}', "mixed": 1.0, "none": None},
        {"time": 11, "s": None, "i": 2, "f": 2.0, "b": False, "arr": None, "obj": None,
         "mixed": 2.5, "none": None}]
    # a later load adds its new columns; earlier rows read NULL there
    engine.append_rows("src", "t", [{"new_col": "n", "time": 12}])
    assert engine.table_rows("src", "t")[0]["new_col"] is None
    assert engine.execute("SELECT count(*) FROM src.t WHERE TD_TIME_RANGE(time, 11, 13)").rows \
        == [(2,)]


def test_append_rows_refuses_values_that_do_not_fit(engine):
    engine.append_rows("src", "t", [{"n": 1}])
    with pytest.raises(SqlEngineError, match="column 'n' is BIGINT"):
        engine.append_rows("src", "t", [{"n": "one"}])
    with pytest.raises(SqlEngineError, match="mixes value types"):
        engine.append_rows("src", "t2", [{"m": 1}, {"m": "x"}])
    with pytest.raises(SqlEngineError, match="cannot store a datetime"):
        engine.append_rows("src", "t3", [{"d": NOW}])


def test_replace_rows_replaces_rows_and_columns(engine):
    engine.append_rows("src", "full", [{"a": "old", "time": 1}])
    engine.replace_rows("src", "full", [{"b": 2, "time": 2}])
    assert engine.table_columns("src", "full") == {"time": "BIGINT", "b": "BIGINT"}
    assert engine.table_rows("src", "full") == [{"time": 2, "b": 2}]
    engine.replace_rows("src", "full", [])
    assert engine.table_rows("src", "full") == []


def test_empty_and_drop_table(engine):
    engine.append_rows("src", "x", [{"a": 1}])
    engine.empty_table("src", "x")
    assert engine.table_columns("src", "x") == {"time": "BIGINT"}
    engine.drop_table("src", "x")
    engine.drop_table("src", "x")                      # a missing table is fine
    assert not engine.table_exists("src", "x")
    with pytest.raises(SqlEngineError, match="does not exist"):
        engine.table_rows("src", "x")


def test_many_rows_keep_their_order(engine):
    rows = [{"i": i, "time": 1700000000 + i} for i in range(1234)]
    engine.append_rows("src", "big", rows)
    assert [r["i"] for r in engine.table_rows("src", "big")] == list(range(1234))
    assert engine.execute("SELECT count(*) FROM src.big WHERE "
                          "TD_TIME_RANGE(time, 1700000100, 1700000200)").rows == [(100,)]


def test_a_database_file_keeps_tables_but_not_macros(tmp_path):
    path = tmp_path / "local.duckdb"
    with SqlEngine(path) as eng:
        eng.append_rows("src", "t", [{"a": "x", "time": 1}])
    with SqlEngine(path) as eng:
        assert eng.table_rows("src", "t") == [{"time": 1, "a": "x"}]
        assert eng.execute("SELECT TD_TIME_STRING(0, 'd!')").rows == [("1970-01-01",)]
        # in the connection's temp catalog, not in the file
        assert eng.execute("SELECT DISTINCT database_name FROM duckdb_functions() WHERE "
                           "function_name = '_td_tstr'").rows == [("temp",)]


def test_heavy_libraries_load_lazily():
    code = ("import sys, generator.local.sql.engine, generator.cli; "
            "print(sorted(m for m in ('duckdb', 'sqlglot') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"
