"""Static types in the rewrite (``Rewriter.duck_type``): where the rewrite emits a plain cast
instead of a ``typeof`` macro (``_tr_bigint``, ``_tr_try_bigint``, ``_tr_varchar``,
``_td_time``), the type class it assumed must be DuckDB's type of the translated argument, and
the branch it emits must give what the macro gives, value and error alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlglot

from generator.local.sql.rewrite import Rewriter, dialect
from generator.local.sql.engine import SqlEngine

NOW = datetime(2026, 11, 1, tzinfo=UTC)

# Trino expressions, with columns of every type the local engine stores
COLUMNS = ("SELECT 7 AS i, CAST(7 AS bigint) AS b, 2.5e0 AS d, '12' AS s, 'x' AS w, "
           "1.5 AS dec, CAST(NULL AS bigint) AS n, true AS f")
EXPRESSIONS = [
    "1", "0", "2147483648", "99999999999999999999", "-5", "NULL", "'12'", "'abc'", "''",
    "1 + 2", "i + b", "i - 1", "b * 1000000", "b % 7", "-(b)", "(i + 1)", "7 / 2", "b / 2",
    "d / 2", "floor(d)", "floor(b / 3)", "ceil(i)", "floor(7)", "to_unixtime(current_timestamp)",
    "floor(to_unixtime(current_timestamp))",
    "to_unixtime(from_iso8601_timestamp('1969-12-31T23:59:58.5Z'))",
    "to_unixtime(from_iso8601_timestamp('2026-01-01T00:00:00.5Z'))",
    "substr(s, 1, 1)", "substr(w, 2)",
    "CAST(d AS bigint)", "CAST(s AS bigint)", "CAST(s AS integer)", "TRY_CAST(w AS bigint)",
    "CAST(b AS varchar)", "CAST(d AS varchar)", "CAST(n AS varchar)",
    "date_diff('second', TIMESTAMP '1970-01-01 00:00:00', TIMESTAMP '2026-01-01 00:00:01')",
    "date_diff('day', DATE '2026-01-01', DATE '2026-03-01')",
    "(date_diff('second', TIMESTAMP '1970-01-01 00:00:00', CAST('2026-01-01 00:00:00' AS "
    "timestamp)) * 1000000 + CAST(substr('2026-01-01T00:00:00.123456', 21, 6) AS bigint))",
    # unknown: the macros stay
    "d", "s", "dec", "1.5", "2.5e0", "i", "n", "f", "d * 2", "round(d)", "w || 'x'",
    "floor(dec)", "CAST(d AS varchar(3))", "current_timestamp",
]
CLASSES = {"int": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "BIGNUM"),
           "double": ("DOUBLE",), "num": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
                                          "DOUBLE"),
           "varchar": ("VARCHAR",), "null": ('"NULL"',)}


@pytest.fixture(scope="module")
def engine():
    with SqlEngine() as e:
        yield e


def _class_and_duck(engine, text):
    rewriter = Rewriter(NOW, 0, None)
    tree = sqlglot.parse_one(f"SELECT {text} AS v FROM ({COLUMNS}) AS c", dialect=dialect())
    kind = rewriter.duck_type(tree.expressions[0].this)
    arg = rewriter.sql(rewriter.rw(tree.expressions[0].this)[0])
    source = engine.translate(COLUMNS, now=NOW)[0]
    return kind, arg, source


def _run(engine, sql):
    try:
        return ("ok", engine._con.execute(sql).fetchall())
    except Exception as exc:  # the macro and its branch must fail alike
        return ("error", type(exc).__name__, str(exc).split("\n")[0])


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_a_known_type_is_duckdbs_type(engine, text):
    kind, arg, source = _class_and_duck(engine, text)
    found = engine._con.execute(f"SELECT typeof({arg}) FROM ({source}) AS c").fetchone()[0]
    if kind is not None:
        assert found in CLASSES[kind], (text, arg)


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_the_branch_gives_what_the_macro_gives(engine, text):
    kind, arg, source = _class_and_duck(engine, text)
    rewriter = Rewriter(NOW, 0, None)
    pairs = [(f"_tr_bigint({arg})", rewriter.bigint_sql(arg, kind)),
             (f"_tr_try_bigint({arg})", rewriter.bigint_sql(arg, kind, try_=True)),
             (f"_tr_varchar({arg})", rewriter.varchar_sql(arg, kind))]
    if kind in ("int", "double", "num", "null"):
        pairs.append((f"_td_time({arg}, 'UTC')", f"TRY_CAST({arg} AS BIGINT)"))
    for macro, branch in pairs:
        if kind is None:
            assert branch == macro
        run = [_run(engine, f"SELECT {e}, typeof({e}) FROM ({source}) AS c")
               for e in (macro, branch)]
        assert run[0] == run[1], (text, macro, branch)


def test_translations_use_the_branch_where_the_type_is_known(engine):
    sql = engine.translate("SELECT CAST(substr('12x', 1, 2) AS bigint), "
                           "CAST(to_unixtime(current_timestamp) AS bigint), "
                           "CAST(CAST(7 AS bigint) * 3 AS varchar), "
                           "TD_TIME_RANGE(time, 0, 1 + 1), CAST(x AS bigint) "
                           "FROM (SELECT 1 AS time, 2.5e0 AS x)", now=NOW)[0]
    assert "CAST(SUBSTRING('12x', 1, 2) AS BIGINT)" in sql
    assert "CAST(round(EPOCH(" in sql
    assert "_tr_varchar" not in sql and "_td_time" not in sql
    assert "_tr_bigint(x)" in sql  # a column's type is known only at run time
