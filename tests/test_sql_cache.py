"""The on-disk translation cache (``generator/local/sql/cache.py``): a hit gives what a fresh
translation gives, anything that could change a translation misses, and a broken cache is
ignored rather than believed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.local.sql import cache as sql_cache
from generator.local.sql import lookup
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
    real = lookup.translate

    def counting(trino_sql, stmt, clock, database):
        made.append(stmt.text)
        return real(trino_sql, stmt, clock, database)

    monkeypatch.setattr(lookup, "translate", counting)
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


def _in_a_new_process(folder, then: str) -> list[str]:
    """What ``then`` prints, run in a new process on an engine keeping translations in
    ``folder``, and whether that process imported sqlglot."""
    code = ("import sys; from datetime import datetime, UTC; "
            "from generator.local.sql.engine import SqlEngine; e = SqlEngine(database='src'); "
            f"e.use_cache({str(folder)!r}); {then}; print('sqlglot' in sys.modules)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parent.parent).stdout.splitlines()


def test_a_hit_does_not_import_sqlglot(tmp_path, translations):
    _run(tmp_path, SQL)
    out = _in_a_new_process(tmp_path, f"print(e.execute({SQL!r}, now=datetime(2026, 11, 2, "
                                      "tzinfo=UTC)).rows)")
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


# A workflow's statement carries the session's ids and times: a new run is a new text. The
# templates of its shape are kept on disk, so a later run is served without sqlglot.
CLAIM = ("SELECT log_id, '{sid}-{aid}-klaviyo_events' AS mine, {since} AS log_since, "
         "format_datetime(from_unixtime({since}) AT TIME ZONE 'UTC', 'yyyy-MM-dd') AS day "
         "FROM src.ingestion_log WHERE time >= {since} AND log_id = '{sid}-{aid}-x'")
LOG_DDL = "CREATE TABLE IF NOT EXISTS src.ingestion_log (log_id varchar, time bigint)"


def _claim(sid: int, since: int) -> str:
    return CLAIM.format(sid=sid, aid=sid + 1, since=since)


def _runs(folder, texts, database="src"):
    """(rows, DuckDB SQL) of each text, in one engine keeping translations in ``folder``."""
    with SqlEngine(database=database) as engine:
        if folder is not None:
            engine.use_cache(folder)
        engine.execute(LOG_DDL, now=NOW)
        return [(engine.execute(t, now=NOW).rows, engine.translate(t, now=NOW))
                for t in texts]


def test_a_statement_with_new_literals_is_served_from_a_kept_template(tmp_path, translations):
    _runs(tmp_path, [_claim(1, 1790467200), _claim(2, 1790553600)])  # learns the template
    translations.clear()
    texts = [_claim(7, 1791000000), _claim(12345, 86400)]
    served = _runs(tmp_path, texts)
    assert [t for t in translations if "ingestion_log (" not in t] == []
    assert served == _runs(None, texts)  # what a fresh engine makes


def test_a_kept_template_serves_without_importing_sqlglot(tmp_path, translations):
    _runs(tmp_path, [_claim(1, 1790467200), _claim(2, 1790553600)])
    text = _claim(99, 1800000000)
    out = _in_a_new_process(tmp_path, f"e.execute({LOG_DDL!r}); print(e.translate({text!r}, "
                                      "now=datetime(2026, 11, 1, tzinfo=UTC)))")
    assert out == [repr(_runs(None, [text])[0][1]), "False"]


def test_a_kept_template_does_not_serve_another_shape_or_database(tmp_path, translations):
    _runs(tmp_path, [_claim(1, 1790467200), _claim(2, 1790553600)])
    translations.clear()
    edited = _claim(3, 1790640000).replace("time >=", "time >")
    assert _runs(tmp_path, [edited]) == _runs(None, [edited])
    translations.clear()
    assert _runs(tmp_path, [_claim(4, 1790726400)], database="other") == \
        _runs(None, [_claim(4, 1790726400)], database="other")
    assert any("log_since" in t for t in translations)  # translated for real both times


@pytest.mark.parametrize("damage", ["slot out of range", "not a template", "wrong fields"])
def test_a_damaged_kept_template_is_ignored(tmp_path, translations, damage):
    _runs(tmp_path, [_claim(1, 1790467200), _claim(2, 1790553600)])
    (path,) = tmp_path.glob("sql-*.json")
    entries = json.loads(path.read_text())
    kept = [k for k, v in entries.items()
            if isinstance(v, list) and v and isinstance(v[0], list) and len(v[0]) == 4]
    assert kept, "no template was kept"
    for key in kept:
        lifted, fixed, parts, fields = entries[key][0]
        entries[key] = {"slot out of range": [[lifted, fixed, [[*p, 10 ** 6] for p in parts],
                                               fields]],
                        "not a template": [["SELECT 666"]],
                        "wrong fields": [[lifted, fixed, parts, [["yes", [], "", None, 0]]]],
                        }[damage]
    path.write_text(json.dumps(entries))
    translations.clear()
    texts = [_claim(7, 1791000000)]
    assert _runs(tmp_path, texts) == _runs(None, texts)
    assert any("log_since" in t for t in translations)  # not served: translated for real


def test_run_local_at_another_time_is_served_from_kept_templates(tmp_path):
    """After one run-local, a run-local at other times (other session ids, windows and
    times in every statement) translates nothing and loads exactly what it would without
    the cache."""
    from tests.conftest import copy_project

    root = copy_project(tmp_path / "repo")
    # tdgen, printing at exit whether the process imported sqlglot
    tdgen = [sys.executable, "-c", "import atexit, sys; sys.argv[0] = 'tdgen'; "
             "atexit.register(lambda: print('sqlglot' in sys.modules)); "
             "from generator.cli import main; main()"]
    env = {k: v for k, v in os.environ.items() if k != "TDGEN_NO_CACHE"}

    def run_local(now: str, db: str, env: dict) -> str:
        return subprocess.run([*tdgen, "run-local", "klaviyo", "--runs", "3", "--now", now,
                               "--fresh", "--db", str(tmp_path / db), "--root", str(root)],
                              capture_output=True, text=True, check=True, env=env,
                              cwd=Path(__file__).parent.parent).stdout

    run_local("2026-11-01T00:00:00Z", "a.duckdb", env)
    served = run_local("2026-11-17T09:30:00Z", "b.duckdb", env)
    fresh = run_local("2026-11-17T09:30:00Z", "c.duckdb", {**env, "TDGEN_NO_CACHE": "1"})
    assert served.splitlines()[-1] == "False"  # no statement needed sqlglot
    assert fresh.splitlines()[-1] == "True"
    assert served.replace("b.duckdb", "c.duckdb").splitlines()[:-1] == fresh.splitlines()[:-1]
