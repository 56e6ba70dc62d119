"""The engine's caches (schemas created, column lists, translations) never give a stale answer:
each case changes the catalog or the clock and compares with what an uncached engine says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from generator.local.sql.engine import SqlEngine

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


# --- templates: a statement with other literals, translated once -------------------------

def translations(sql: str, now=NOW) -> list[str]:
    """What an engine with nothing learned runs for ``sql``."""
    with SqlEngine(database="src") as fresh:
        return fresh.translate(sql, now=now)


def served(engine: SqlEngine, sql: str) -> bool:
    return engine._lookup.templates.lookup(sql, engine.database) is not None


TEMPLATED = ("-- window of {t} from {since}\n"
             "SELECT '{t}' AS t, count(*) AS n FROM log WHERE TD_TIME_RANGE(time, {since}, "
             "NULL) AND table_name = '{t}' AND log_id <> '{since}-{t}'")


def test_a_statement_with_other_literals_is_served_as_a_fresh_engine_translates_it(engine):
    engine.append_rows("src", "log", [{"table_name": "a", "log_id": "x", "time": 5}])
    texts = [TEMPLATED.format(t=t, since=s) for t, s in
             [("a", 1), ("b", 2), ("c", 0), ("it''s", 1790553600), ("d", 7)]]
    for sql in texts[:2]:
        engine.execute(sql, now=NOW)
    for sql in texts[2:]:
        assert served(engine, sql)
        assert engine.translate(sql, now=NOW + timedelta(days=3)) == \
            translations(sql, NOW + timedelta(days=3))
        with SqlEngine(database="src") as fresh:
            fresh.append_rows("src", "log", [{"table_name": "a", "log_id": "x", "time": 5}])
            assert engine.execute(sql, now=NOW).rows == fresh.execute(sql, now=NOW).rows


def test_an_edited_statement_is_not_served_from_the_template(engine):
    engine.append_rows("src", "log", [{"table_name": "a", "log_id": "x", "time": 5}])
    for t, s in (("a", 1), ("b", 2)):
        engine.execute(TEMPLATED.format(t=t, since=s), now=NOW)
    edited = TEMPLATED.format(t="c", since=3).replace("count(*)", "max(time)")
    assert not served(engine, edited)
    assert engine.translate(edited, now=NOW) == translations(edited)
    other_db = TEMPLATED.format(t="c", since=3)
    assert engine._lookup.templates.lookup(other_db, "elsewhere") is None


def test_a_literal_the_rewrite_reads_is_never_templated(engine):
    # a TD_TIME_RANGE bound is folded when it is a number or a digit string and parsed
    # otherwise: a template learned from two date strings must not serve a digit string
    sql = "SELECT count(*) FROM log WHERE TD_TIME_RANGE(time, '{}', NULL)"
    engine.append_rows("src", "log", [{"time": 5}])
    for day in ("2026-01-01", "2026-01-02"):
        engine.execute(sql.format(day), now=NOW)
    assert not served(engine, sql.format("1790553600"))
    assert engine.translate(sql.format("1790553600"), now=NOW) == \
        translations(sql.format("1790553600"))
    zone = "SELECT format_datetime(current_timestamp AT TIME ZONE '{}', 'HH:mm')"
    for name in ("Asia/Tokyo", "America/New_York"):
        engine.execute(zone.format(name), now=NOW)
    for name in ("UTC", "GMT", "+09:00", "Z"):  # served or not, as a fresh engine does
        assert engine.translate(zone.format(name), now=NOW) == translations(zone.format(name))


def test_the_clock_is_filled_when_the_statement_runs(engine):
    sql = "SELECT current_timestamp, current_date, localtimestamp(6)"
    first = engine.execute(sql, now=NOW).rows
    later = engine.execute(sql, now=NOW + timedelta(days=1, microseconds=1500)).rows
    assert first == [("2026-11-01 00:00:00.000 UTC", "2026-11-01", "2026-11-01 00:00:00.000000")]
    assert later == [("2026-11-02 00:00:00.001 UTC", "2026-11-02",
                      "2026-11-02 00:00:00.001500")]
    assert engine.translate(sql, now=NOW) == translations(sql)


NAMED = ("SELECT '{t}' AS t, (SELECT count(*) FROM src.{t} AS x WHERE x.{c} >= 0) AS n, "
         "l.log_id FROM src.log AS l WHERE l.table_name = '{t}'")


def test_statements_that_differ_in_a_table_name_share_a_template(engine):
    engine.append_rows("src", "log", [{"table_name": "a", "log_id": "x", "time": 5}])
    for t in ("ta", "tb", "tc", "td", "time", "select", "Te"):
        engine.append_rows("src", t, [{"v": 1, "time": 3}])
    for t in ("ta", "tb"):
        engine.execute(NAMED.format(t=t, c="v"), now=NOW)
    assert served(engine, NAMED.format(t="tc", c="v"))
    for t in ("tc", "td"):
        sql = NAMED.format(t=t, c="v")
        assert engine.translate(sql, now=NOW) == translations(sql)
    # names sqlglot or the rewrite reads (``time``, keywords) or writes back otherwise (upper
    # case) are never served; as a column, ``time`` is translated differently
    for t, c in (("tc", "time"), ("time", "v"), ("select", "v"), ("Te", "v")):
        sql = NAMED.format(t=t, c=c)
        assert not served(engine, sql)
    sql = NAMED.format(t="tc", c="time")
    assert engine.translate(sql, now=NOW) == translations(sql)


def test_the_first_template_lifts_every_literal_it_can(engine):
    # texts 1 and 2 differ only in the id; the third differs in the status too: one template
    # serves it (every literal lifted and checked), exactly as a fresh engine translates it
    sql = ("INSERT INTO src.log (log_id, status, n, time) VALUES ('{id}', '{status}', {n}, "
           "CAST(to_unixtime(current_timestamp) AS bigint))")
    engine.execute("CREATE TABLE log (log_id varchar, status varchar, n bigint, time bigint)",
                   now=NOW)
    for i in (1, 2):
        engine.execute(sql.format(id=f"a{i}", status="STARTED", n=1), now=NOW)
    third = sql.format(id="a3", status="SUCCESS", n=42)
    assert served(engine, third)
    assert engine.translate(third, now=NOW) == translations(third)
    # a literal the rewrite reads (a format pattern) refuses the wide template; the slots
    # that differ are still templated
    fmt = "SELECT format_datetime(current_timestamp, '{p}') AS d, '{id}' AS id"
    for i in (1, 2):
        engine.execute(fmt.format(p="yyyy-MM-dd", id=f"x{i}"), now=NOW)
    assert served(engine, fmt.format(p="yyyy-MM-dd", id="x3"))
    assert not served(engine, fmt.format(p="HH:mm", id="x3"))
    assert engine.translate(fmt.format(p="HH:mm", id="x4"), now=NOW) == \
        translations(fmt.format(p="HH:mm", id="x4"))
