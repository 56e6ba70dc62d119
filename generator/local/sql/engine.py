"""The SQL engine of the local engine: Trino SQL as TD runs it, executed on DuckDB.

``SqlEngine.execute`` splits the text into statements, parses each with sqlglot's Trino,
rewrites what sqlglot would get wrong (``rewrite``), runs it on DuckDB where TD's UDFs and
the missing Trino functions are pure-SQL macros (``macros``), and returns the last
statement's rows as Python values. The clock is the caller's: ``current_timestamp`` is the
``now`` given and ``TD_SCHEDULED_TIME()`` the ``scheduled_time`` given.

TD databases are DuckDB schemas, created on first use; every TD table has a ``time bigint``
column. duckdb and sqlglot are imported lazily, so importing this module is cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

from .lookup import Translations
from .statements import SqlEngineError, Statement, Translation, position

__all__ = ["QueryResult", "SqlEngine", "SqlEngineError", "parse_string_sql",
           "render_instant_sql"]


@dataclass
class QueryResult:
    """Rows of the last statement. Values are str, int, float, bool, None (or lists)."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)

    def first_row_dict(self) -> dict[str, Any]:
        """``{column: value}`` of the first row, ``{}`` without rows (store_last_results)."""
        return dict(zip(self.columns, self.rows[0])) if self.rows else {}


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# DuckDB types a query may return, and how they reach Python as Trino would print them
_AS_TEXT = ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS",
            "TIMESTAMP_NS")
_AS_VARCHAR = ("DATE", "TIME", "TIME WITH TIME ZONE", "INTERVAL", "UUID", "BLOB", "JSON")
_NESTED_SPECIAL = ("TIMESTAMP", "TIME", "DATE", "INTERVAL", "DECIMAL", "UUID")


class SqlEngine:
    """A DuckDB database (``path``: a file, or ``None`` for memory) that runs TD's Trino SQL."""

    def __init__(self, path: str | Path | None = None, *, database: str | None = None):
        import duckdb

        from .macros import MACROS

        self._duckdb = duckdb
        self._con = duckdb.connect(str(path) if path is not None else ":memory:")
        self._con.execute(MACROS)
        self.database = database
        # Caches: every change to the catalog goes through this object, which forgets what
        # a change may make stale.
        self._schemas: set[str] = set()
        self._columns: dict[tuple[str, str], dict[str, str]] = {}
        self._lookup = Translations()

    def use_cache(self, folder: Path | None) -> None:
        """Keep translations in ``folder`` (the repository's ``.tdgen/cache/``) between
        runs (``cache``): a statement translated before is not parsed again."""
        self._lookup.use_cache(folder)

    def save_cache(self) -> None:
        self._lookup.save()

    # --- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        self.save_cache()
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- SQL -----------------------------------------------------------------------------

    def translate(self, trino_sql: str, scheduled_time: int | None = None,
                  now: datetime | None = None, database: str | None = None) -> list[str]:
        """The DuckDB SQL ``execute`` would run, one string per statement."""
        instant = _utc(now)
        return [done.sql(instant) for done, _ in self._translate(trino_sql, scheduled_time,
                                                                   instant, database)]

    def execute(self, trino_sql: str, scheduled_time: int | None = None,
                now: datetime | None = None, database: str | None = None) -> QueryResult:
        """Run ``trino_sql`` (one or more statements separated by ``;``) and return the last
        statement's result. ``now`` (UTC; naive means UTC) is ``current_timestamp``;
        ``scheduled_time`` (unix seconds) is ``TD_SCHEDULED_TIME()`` and defaults to ``now``;
        ``database`` qualifies unqualified table names (the ``td>`` operator's database)."""
        result, instant = QueryResult(), _utc(now)
        for done, stmt in self._translate(trino_sql, scheduled_time, instant, database):
            for schema in done.schemas:
                self._ensure_schema(schema)
            if done.table:
                self._forget_table(*done.table)
            else:
                self._forget(done.changes)
            result = self._run(done, stmt, trino_sql, instant)
        return result

    def _run(self, done: Translation, stmt: Statement, trino_sql: str,
             now: datetime) -> QueryResult:
        duck = done.sql(now)
        try:
            if done.is_query:
                return self._query(duck)
            self._con.execute(duck)
            return QueryResult()
        except self._duckdb.Error as exc:
            line, col = position(trino_sql, stmt.offset + len(stmt.text)
                                 - len(stmt.text.lstrip()))
            raise SqlEngineError(f"{_duck_message(exc)}\n  in the statement starting here, "
                                 f"run on DuckDB as:\n  {duck}", sql=trino_sql,
                                 line=line, column=col) from None

    def _translate(self, trino_sql, scheduled_time, instant, database):
        """(translation, statement) of each statement of ``trino_sql`` (``instant``: UTC)."""
        scheduled = int(scheduled_time) if scheduled_time is not None \
            else math.floor(instant.timestamp())
        statements = self._lookup.statements(trino_sql)
        database = database or self.database
        return [(done, stmt) for stmt in statements
                for done in self._lookup.of(trino_sql, stmt, (instant, scheduled), database)]

    def _query(self, duck: str) -> QueryResult:
        """Run a query once; only a result with a column Python cannot print as Trino does
        (timestamps, dates, decimals...) is read again through ``_fetch``'s projection."""
        cursor = self._con.execute(duck)
        description = self._con.description or []
        if any(_needs_text(str(d[1])) for d in description):
            self._con.abort()  # the unread result, before the connection runs more
            return self._fetch(self._con.sql(duck))
        return QueryResult([d[0].lower() for d in description],
                           [tuple(_py(v) for v in row) for row in cursor.fetchall()])

    def _fetch(self, rel) -> QueryResult:
        """Rows as Python values; timestamps printed as Trino prints them."""
        types = [str(t) for t in rel.types]
        exprs, convert = [], False
        for i, t in enumerate(types, start=1):
            upper, col = t.upper(), f"c{i}"
            if upper in _AS_TEXT:
                exprs.append(f"_tr_varchar({col})")
            elif upper in _AS_VARCHAR:
                exprs.append(f"CAST({col} AS VARCHAR)")
            elif upper.startswith("DECIMAL"):
                exprs.append(f"CAST({col} AS DOUBLE)")
            elif any(s in upper for s in _NESTED_SPECIAL) and ("[" in upper or "(" in upper):
                exprs.append(f"CAST({col} AS VARCHAR)")
            else:
                exprs.append(col)
                continue
            convert = True
        if convert:   # positions first: result names may repeat
            named = rel.project(", ".join(f"#{i} AS c{i}" for i in range(1, len(types) + 1)))
            rows = named.project(", ".join(exprs)).fetchall()
        else:
            rows = rel.fetchall()
        return QueryResult([c.lower() for c in rel.columns],
                           [tuple(_py(v) for v in row) for row in rows])

    # --- TD tables -----------------------------------------------------------------------

    def _table(self, database: str, table: str) -> str:
        return f"{_ident(database)}.{_ident(table)}"

    def table_exists(self, database: str, table: str) -> bool:
        return bool(self.table_columns(database, table))  # a table has at least one column

    def table_columns(self, database: str, table: str) -> dict[str, str]:
        """Column name -> DuckDB type, in table order (empty when the table is missing)."""
        key = (database, table)
        if key not in self._columns:
            # duckdb_columns() is what information_schema.columns reads (same names, types
            # and order, views included) without the view's joins: half the time
            rows = self._con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                [database, table]).fetchall()
            self._columns[key] = {name: typ for name, typ in rows}
        return dict(self._columns[key])

    def create_table(self, database: str, table: str) -> None:
        """What ``td_ddl> create_tables`` does on TD: an empty table with only ``time``;
        an existing table is left as it is."""
        if self.table_columns(database, table):
            return  # it exists
        self._ensure_schema(database)
        self._con.execute(f"CREATE TABLE IF NOT EXISTS {self._table(database, table)} "
                          "(time BIGINT)")
        self._forget_table(database, table)

    def drop_table(self, database: str, table: str) -> None:
        """``td_ddl> drop_tables``: a missing table is fine."""
        self._ensure_schema(database)
        self._con.execute(f"DROP TABLE IF EXISTS {self._table(database, table)}")
        self._forget_table(database, table)

    def _ensure_schema(self, database: str) -> None:
        if database not in self._schemas:
            self._con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(database)}")
            self._schemas.add(database)

    def _forget_table(self, database: str, table: str) -> None:
        """Forget the columns of one table (under any spelling: names ignore case)."""
        name = (database.lower(), table.lower())
        for key in [k for k in self._columns if (k[0].lower(), k[1].lower()) == name]:
            del self._columns[key]

    def _forget(self, changes: str) -> None:
        """Drop what a change of ``changes`` ("tables", "schemas") may have made stale."""
        if changes:
            self._columns.clear()
        if changes == "schemas":
            self._schemas.clear()

    def empty_table(self, database: str, table: str) -> None:
        """``td_ddl> empty_tables``: the table exists afterwards, with no rows and only
        ``time``."""
        self.drop_table(database, table)
        self.create_table(database, table)

    def append_rows(self, database: str, table: str, rows: list[dict[str, Any]]) -> int:
        """Append ``rows`` (dicts) to a TD table, creating it and adding new columns as
        VARCHAR / BIGINT / DOUBLE / BOOLEAN by the Python types of their values (lists and
        dicts are stored as JSON text). Returns the number of rows written."""
        from .tables import cell, column_type

        self.create_table(database, table)
        existing = {k.lower(): v for k, v in self.table_columns(database, table).items()}
        names: list[str] = []
        for row in rows:
            for name in row:
                if name.lower() not in existing and name not in names:
                    names.append(name)
        for name in names:
            typ = column_type([row.get(name) for row in rows], name)
            self._con.execute(f"ALTER TABLE {self._table(database, table)} "
                              f"ADD COLUMN {_ident(name)} {typ}")
            self._forget_table(database, table)
            existing[name.lower()] = typ
        if not rows:
            return 0
        columns = list(dict.fromkeys(name for row in rows for name in row))
        values = [[cell(row.get(c), existing[c.lower()], c, n) for c in columns]
                  for n, row in enumerate(rows, start=1)]
        target = f"{self._table(database, table)} ({', '.join(_ident(c) for c in columns)})"
        marks = "(" + ", ".join("?" * len(columns)) + ")"
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            self._con.execute(f"INSERT INTO {target} VALUES " + ", ".join([marks] * len(chunk)),
                              [v for row in chunk for v in row])
        return len(rows)

    def replace_rows(self, database: str, table: str, rows: list[dict[str, Any]]) -> int:
        """Replace the table by ``rows`` (``out.mode: replace``): its columns are ``time`` and
        those of the rows."""
        self.drop_table(database, table)
        return self.append_rows(database, table, rows)

    def table_rows(self, database: str, table: str) -> list[dict[str, Any]]:
        """Every row of a TD table as a dict, in insertion order."""
        if not self.table_exists(database, table):
            raise SqlEngineError(f"table {database}.{table} does not exist")
        result = self._fetch(self._con.sql(f"SELECT * FROM {self._table(database, table)}"))
        return [dict(zip(result.columns, row)) for row in result.rows]


def _needs_text(typ: str) -> bool:
    """Whether ``_fetch`` converts a column of this DuckDB type (its rules, in one test)."""
    upper = typ.upper()
    return (upper in _AS_TEXT or upper in _AS_VARCHAR or upper.startswith("DECIMAL")
            or (any(s in upper for s in _NESTED_SPECIAL) and ("[" in upper or "(" in upper)))


def _duck_message(exc: Exception) -> str:
    text = str(exc).strip()
    return text.split("\n\nLINE ")[0].split("\nLINE ")[0]


def _py(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, list):
        return [_py(v) for v in value]
    if isinstance(value, dict):
        return {k: _py(v) for k, v in value.items()}
    return value


# --- timestamp formats (templates/timestamp_formats/*.yml) ----------------------------------

def render_instant_sql(fmt, instant: datetime, engine: SqlEngine | None = None) -> str:
    """``fmt.sql_render`` applied to ``instant`` (as a millisecond timestamp literal, the
    precision of ``current_timestamp``), run on the engine: the string Trino would produce."""
    t = _utc(instant)
    literal = f"TIMESTAMP '{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d} UTC'"
    return _scalar(fmt.sql_render(literal), engine)


def parse_string_sql(fmt, text: str, engine: SqlEngine | None = None) -> datetime:
    """``fmt.sql_parse`` applied to the string ``text``, run on the engine: the instant (UTC)
    Trino would read from it."""
    literal = "'" + text.replace("'", "''") + "'"
    value = _scalar(f"to_unixtime({fmt.sql_parse(literal)}) * 1000000", engine)
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=round(value))


def _scalar(expression: str, engine: SqlEngine | None):
    own = engine is None
    engine = engine or SqlEngine()
    try:
        result = engine.execute(f"SELECT {expression}", now=datetime(2000, 1, 1, tzinfo=UTC))
    finally:
        if own:
            engine.close()
    return result.rows[0][0]
