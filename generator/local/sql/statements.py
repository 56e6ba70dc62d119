"""Statements of the local engine's SQL: split at ``;``, parsed as Trino, translated to DuckDB.

``translate`` gives, for one statement, what ``SqlEngine`` runs and what running it may change,
and says whether the translation read the clock (``current_timestamp`` and the like): one that
did not is the same at any time, so the engine keeps it by the statement's text. sqlglot is
imported when first needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class SqlEngineError(Exception):
    """A statement the engine cannot translate or run; ``line``/``column`` are 1-based
    positions in the SQL given to ``execute`` (``None`` when not known)."""

    def __init__(self, message: str, *, sql: str | None = None, line: int | None = None,
                 column: int | None = None, statement: int | None = None):
        where = ""
        if line is not None:
            where = f"line {line}" + (f", column {column}" if column is not None else "") + ": "
        elif statement is not None:
            where = f"statement {statement}: "
        super().__init__(where + message)
        self.message = message
        self.sql = sql
        self.line = line
        self.column = column
        self.statement = statement

@dataclass(frozen=True)
class Statement:
    text: str
    offset: int          # where it starts in the SQL given


@dataclass(frozen=True)
class Translation:
    """One parsed statement as DuckDB runs it."""

    duck: str
    is_query: bool
    schemas: tuple[str, ...]   # the TD databases it names
    changes: str               # what running it may change: "", "tables" or "schemas"
    table: tuple[str, str] | None = None   # the one table it changes, when that is known
    clocked: bool = False      # ``duck`` holds clock marks (``sql`` fills them)

    def sql(self, now: datetime) -> str:
        """The DuckDB SQL to run at ``now`` (UTC)."""
        if not self.clocked:
            return self.duck
        from .rewrite import fill_clock

        return fill_clock(self.duck, now)

    def to_json(self) -> list:
        """This translation as JSON values (``from_json`` reads it back)."""
        return [self.duck, self.is_query, list(self.schemas), self.changes,
                list(self.table) if self.table else None, self.clocked]

    @classmethod
    def from_json(cls, entry) -> Translation:
        """What ``to_json`` wrote; ValueError (or TypeError) for anything else."""
        duck, is_query, schemas, changes, table, clocked = entry
        if not (isinstance(duck, str) and isinstance(is_query, bool)
                and isinstance(clocked, bool) and isinstance(schemas, list)
                and all(isinstance(s, str) for s in schemas)
                and changes in ("", "tables", "schemas")
                and (table is None or (isinstance(table, list) and len(table) == 2
                                       and all(isinstance(s, str) for s in table)))):
            raise ValueError("not a translation")
        return cls(duck, is_query, tuple(schemas), changes, tuple(table) if table else None,
                   clocked)


def position(sql: str, offset: int) -> tuple[int, int]:
    before = sql[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1

def translate(trino_sql: str, stmt: Statement, clock: tuple[datetime, int],
             database: str | None) -> tuple[tuple[Translation, ...], bool]:
    """The translations of one statement, and whether they read the clock: ``now`` is
    written as marks that ``Translation.sql`` fills (so it does not count), unless the text
    holds the mark's character; ``TD_SCHEDULED_TIME()`` is read as a value."""
    from .rewrite import CLOCK_MARK, Rewriter, Unsupported

    out, read_clock = [], False
    marks = CLOCK_MARK not in stmt.text
    for tree in _parse(trino_sql, stmt):
        if tree is None:
            continue
        rewriter = Rewriter(*clock, database, clock_marks=marks)
        try:
            duck, is_query = rewriter.statement(tree)
        except Unsupported as exc:
            line = col = None
            start = _node_start(exc.node)
            if start is not None:
                line, col = position(trino_sql, stmt.offset + start)
            raise SqlEngineError(f"not modelled by the local engine: {exc}",
                                 sql=trino_sql, line=line, column=col) from None
        read_clock = read_clock or rewriter.read_clock
        changes = _changes(tree, is_query)
        out.append(Translation(duck, is_query, tuple(sorted(rewriter.schemas)), changes,
                               _target(tree, database) if changes == "tables" else None,
                               rewriter.marked_clock))
    return tuple(out), read_clock


def _parse(trino_sql: str, stmt: Statement) -> list:
    from sqlglot.errors import ParseError, TokenError

    from .rewrite import dialect

    try:
        return dialect().parse(stmt.text)
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        line, col = position(trino_sql, stmt.offset)
        rel_line = err.get("line") or 1
        raise SqlEngineError(
            f"cannot parse as Trino: {err.get('description', exc)}", sql=trino_sql,
            line=line + rel_line - 1,
            column=(err.get("col") or 1) + (col - 1 if rel_line == 1 else 0)) from None
    except TokenError as exc:
        raise SqlEngineError(f"cannot parse as Trino: {exc}", sql=trino_sql) from None


def _changes(tree, is_query: bool) -> str:
    """What running the statement may change in the catalog the engine caches."""
    from sqlglot import exp

    if is_query or isinstance(tree, exp.Insert | exp.Update | exp.Delete):
        return ""
    return "schemas" if isinstance(tree, exp.Drop | exp.Command) else "tables"


def _target(tree, database: str | None) -> tuple[str, str] | None:
    """(database, table) of the one table or view a CREATE statement changes."""
    from sqlglot import exp

    if not isinstance(tree, exp.Create) or (tree.args.get("kind") or "").upper() not in (
            "TABLE", "VIEW"):
        return None
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if not isinstance(target, exp.Table) or target.catalog or not (target.db or database):
        return None
    return target.db or database, target.name


def split(sql: str) -> list[Statement]:
    """Statements separated by ``;`` (outside strings and comments), with their offsets."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    from .rewrite import dialect

    try:
        tokens = dialect().tokenize(sql)
    except TokenError as exc:
        raise SqlEngineError(f"cannot read the SQL: {exc}", sql=sql) from None
    out, start, seen = [], 0, False
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            if seen:
                out.append(Statement(sql[start:tok.start], start))
            start, seen = tok.end + 1, False
        else:
            seen = True
    if seen:
        out.append(Statement(sql[start:], start))
    return out


def _node_start(node) -> int | None:
    if node is None:
        return None
    for n in node.walk():
        meta = n._meta or {}
        if "start" in meta:
            return meta["start"]
    return None
