"""The engine's caches (schemas created, column lists, translations) never give a stale answer:
each case changes the catalog or the clock and compares with what an uncached engine says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from generator.local.sqlengine import SqlEngine

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def engine():
    with SqlEngine(database="src") as e:
        yield e


def fresh_columns(engine: SqlEngine, database: str, table: str) -> dict[str, str]:
    rows = engine._con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
        "AND table_name = ? ORDER BY ordinal_position", [database, table]).fetchall()
    return dict(rows)


def test_columns_follow_ddl_run_as_sql(engine):
    engine.append_rows("src", "t", [{"a": 1}])
    assert engine.table_columns("src", "t") == {"time": "BIGINT", "a": "BIGINT"}
    engine.execute("ALTER TABLE t ADD COLUMN b varchar", now=NOW)
    assert engine.table_columns("src", "t") == fresh_columns(engine, "src", "t")
    assert "b" in engine.table_columns("src", "t")
    engine.execute("DROP TABLE t", now=NOW)
    assert not engine.table_exists("src", "t")
    engine.execute("CREATE TABLE t AS SELECT 1 AS time, 'x' AS c", now=NOW)
    assert engine.table_columns("src", "t") == {"time": "INTEGER", "c": "VARCHAR"}


def test_columns_follow_the_table_methods(engine):
    assert not engine.table_exists("src", "u")
    engine.create_table("src", "u")
    assert engine.table_columns("src", "u") == {"time": "BIGINT"}
    engine.append_rows("src", "u", [{"x": "a", "y": 1.5}])
    assert engine.table_columns("src", "u") == fresh_columns(engine, "src", "u")
    engine.replace_rows("src", "u", [{"z": True}])
    assert engine.table_columns("src", "u") == {"time": "BIGINT", "z": "BOOLEAN"}
    engine.drop_table("src", "u")
    assert not engine.table_exists("src", "u")


def test_a_schema_dropped_by_sql_is_created_again(engine):
    engine.create_table("other", "t")
    engine.execute("DROP SCHEMA other CASCADE", now=NOW)
    assert not engine.table_exists("other", "t")
    engine.create_table("other", "t")
    engine.execute("INSERT INTO other.t VALUES (1)", now=NOW)
    assert engine.execute("SELECT count(*) FROM other.t", now=NOW).rows == [(1,)]


def test_a_translation_that_reads_the_clock_follows_it(engine):
    sql = "SELECT to_unixtime(current_timestamp), TD_SCHEDULED_TIME()"
    first = engine.execute(sql, now=NOW).rows
    later = engine.execute(sql, now=NOW + timedelta(hours=1)).rows
    assert later == [(first[0][0] + 3600, first[0][1] + 3600)]
    assert engine.execute(sql, now=NOW, scheduled_time=5).rows[0][1] == 5


def test_a_translation_follows_the_database(engine):
    engine.append_rows("src", "t", [{"a": 1}])
    engine.append_rows("dst", "t", [{"a": 2}])
    sql = "SELECT a FROM t"
    assert engine.execute(sql, now=NOW).rows == [(1,)]
    assert engine.execute(sql, now=NOW, database="dst").rows == [(2,)]
    assert engine.translate(sql, now=NOW + timedelta(days=1)) == \
        SqlEngine(database="src").translate(sql, now=NOW)


def test_errors_are_the_same_the_second_time(engine):
    for _ in range(2):
        with pytest.raises(Exception, match="line 2"):
            engine.execute("SELECT 1;\nSELECT FROM WHERE", now=NOW)


def test_a_table_created_by_sql_is_seen_after_it_was_known_missing(engine):
    engine.create_table("src", "kept")
    assert engine.table_columns("src", "kept") == {"time": "BIGINT"}
    assert not engine.table_exists("src", "n")
    assert not engine.table_exists("other", "n")
    engine.execute("CREATE TABLE n (time bigint, v varchar)", now=NOW)
    assert engine.table_columns("src", "n") == {"time": "BIGINT", "v": "VARCHAR"}
    engine.execute("CREATE TABLE other.n AS SELECT 1 AS time", now=NOW)
    assert engine.table_columns("other", "n") == {"time": "INTEGER"}
    assert not engine.table_exists("src", "vw")
    engine.execute("CREATE VIEW src.vw AS SELECT 2 AS w", now=NOW)
    assert engine.table_columns("src", "vw") == {"w": "INTEGER"}
    assert engine.table_columns("src", "kept") == fresh_columns(engine, "src", "kept")
