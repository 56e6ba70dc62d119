"""The on-disk translation cache (``generator/local/sql/cache.py``): a hit gives what a fresh
translation gives, anything that could change a translation misses, and a broken cache is
ignored rather than believed."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.local.sql import cache as sql_cache
from generator.local.sql import engine as sqlengine
from generator.local.sql.engine import SqlEngine

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SQL = ("SELECT CAST(to_unixtime(current_timestamp) AS bigint) AS t, "
       "format_datetime(from_unixtime(1790467200) AT TIME ZONE 'Asia/Tokyo', 'yyyy-MM-dd HH:mm') "
       "AS d; SELECT 'a' AS x, 2 AS n")
SCHEDULED = "SELECT TD_SCHEDULED_TIME() AS s, 'x' AS y"


@pytest.fixture
def translations(monkeypatch):
    """The real translations the engine makes (statement texts)."""
    made: list[str] = []
    real = sqlengine.translate

    def counting(trino_sql, stmt, clock, database):
        made.append(stmt.text)
        return real(trino_sql, stmt, clock, database)

    monkeypatch.setattr(sqlengine, "translate", counting)
    monkeypatch.delenv("TDGEN_NO_CACHE", raising=False)
    return made


def _run(folder, sql, now=NOW, database="src", scheduled=None):
    with SqlEngine(database=database) as engine:
        engine.use_cache(folder)
        rows = engine.execute(sql, now=now, scheduled_time=scheduled).rows
        duck = engine.translate(sql, now=now, scheduled_time=scheduled)
    return rows, duck


def _fresh(sql, now=NOW, database="src", scheduled=None):
    with SqlEngine(database=database) as engine:
        return (engine.execute(sql, now=now, scheduled_time=scheduled).rows,
                engine.translate(sql, now=now, scheduled_time=scheduled))


def test_a_hit_needs_no_translation_and_gives_the_same(tmp_path, translations):
    first = _run(tmp_path, SQL)
    assert translations and first == _fresh(SQL)
    translations.clear()
    later = NOW + timedelta(days=3, seconds=7)  # the clock is filled in, not translated
    got = _run(tmp_path, SQL, later)
    assert translations == []
    assert got == _fresh(SQL, later)


def test_an_edited_statement_misses(tmp_path, translations):
    _run(tmp_path, SQL)
    translations.clear()
    edited = SQL.replace("'a' AS x", "'b' AS x")
    got = _run(tmp_path, edited)
    assert translations == [" SELECT 'b' AS x, 2 AS n"]
    assert got == _fresh(edited)


def test_another_database_misses(tmp_path, translations):
    sql = "SELECT count(*) AS n FROM t"
    with SqlEngine(database="one") as engine:
        engine.use_cache(tmp_path)
        engine.execute("CREATE TABLE t (time bigint)", now=NOW)
        engine.translate(sql, now=NOW)
    translations.clear()
    with SqlEngine(database="two") as engine:
        engine.use_cache(tmp_path)
        assert "two" in engine.translate(sql, now=NOW)[0]
    assert translations == [sql]


def test_a_statement_that_reads_the_clock_misses_at_another_time(tmp_path, translations):
    _run(tmp_path, SCHEDULED, scheduled=1000)
    translations.clear()
    got = _run(tmp_path, SCHEDULED, scheduled=1000)
    assert translations == []
    assert got == _fresh(SCHEDULED, scheduled=1000)
    translations.clear()
    got = _run(tmp_path, SCHEDULED, scheduled=2000)
    assert translations == [SCHEDULED]
    assert got == _fresh(SCHEDULED, scheduled=2000) and got[0] == [(2000, "x")]


def test_another_translator_misses(tmp_path, translations, monkeypatch):
    _run(tmp_path, SQL)
    translations.clear()
    # another sqlglot or an edited rewrite module: another key, another file
    monkeypatch.setattr(sql_cache, "_translator_key", "0" * 64)
    got = _run(tmp_path, SQL)
    assert len(translations) == 2
    assert got == _fresh(SQL)
    assert len(list(tmp_path.glob("sql-*.json"))) == 2


def test_the_translator_key_covers_sqlglot_and_the_rewrite(monkeypatch):
    monkeypatch.setattr(sql_cache, "_translator_key", None)
    key = sql_cache.translator_key()
    real = Path.read_bytes
    monkeypatch.setattr(sql_cache, "_translator_key", None)
    monkeypatch.setattr(Path, "read_bytes", lambda p: real(p) + (
        b"# edited" if p.name == "rewrite.py" else b""))
    assert sql_cache.translator_key() != key
    monkeypatch.setattr(sql_cache, "_translator_key", None)
    monkeypatch.setattr(Path, "read_bytes", lambda p: b"__version__ = 'other'" if
                        p.name == "_version.py" else real(p))
    assert sql_cache.translator_key() != key


@pytest.mark.parametrize("garbage", ["{not json", "[]", json.dumps({"x": 1}), None])
def test_a_corrupt_cache_is_ignored(tmp_path, translations, garbage):
    _run(tmp_path, SQL)
    (path,) = tmp_path.glob("sql-*.json")
    if garbage is None:  # well-formed JSON, entries this code did not write
        entries = json.loads(path.read_text())
        garbage = json.dumps({k: [["SELECT 666", "yes", [], "", None, False]]
                              if isinstance(v[0], list) and len(v[0]) == 6 else [[0, 10 ** 9]]
                              for k, v in entries.items()})
    path.write_text(garbage)
    translations.clear()
    got = _run(tmp_path, SQL)
    assert len(translations) == 2
    assert got == _fresh(SQL)


def test_no_cache_writes_nothing(tmp_path, translations, monkeypatch):
    monkeypatch.setenv("TDGEN_NO_CACHE", "1")
    assert _run(tmp_path, SQL) == _fresh(SQL)
    assert not list(tmp_path.glob("*"))


def test_a_hit_does_not_import_sqlglot(tmp_path, translations):
    _run(tmp_path, SQL)
    code = ("import sys; from datetime import datetime, UTC; "
            "from generator.local.sql.engine import SqlEngine; e = SqlEngine(database='src'); "
            f"e.use_cache({str(tmp_path)!r}); "
            f"print(e.execute({SQL!r}, now=datetime(2026, 11, 2, tzinfo=UTC)).rows); "
            "print('sqlglot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent).stdout.splitlines()
    assert out == [repr(_fresh(SQL, datetime(2026, 11, 2, tzinfo=UTC))[0]), "False"]


def test_run_local_and_plan_keep_translations_in_the_repository(tmp_path, translations):
    from generator.local.plan import plan
    from generator.local.simulate import run_local
    from tests.conftest import copy_project

    root = copy_project(tmp_path / "repo")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    sim = run_local(root, "klaviyo", runs=2, start=start, db_path=tmp_path / "a.duckdb",
                    fresh=True)
    log = sim.log()
    assert list((root / ".tdgen" / "cache").glob("sql-*.json"))
    now = start + timedelta(days=3)
    first = plan(root, "klaviyo", now, log_rows=log)
    translations.clear()
    again = plan(root, "klaviyo", now + timedelta(hours=5), log_rows=log)
    assert translations == []  # plan's statements hold no clock: a re-run hits entirely
    assert [p.name for p in again] == [p.name for p in first]
    # the same runs again: every statement is served from the cache, with the same log
    translations.clear()
    sim2 = run_local(root, "klaviyo", runs=2, start=start, db_path=tmp_path / "b.duckdb",
                     fresh=True)
    assert translations == []
    assert sim2.log() == log
